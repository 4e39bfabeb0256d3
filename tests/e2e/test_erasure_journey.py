"""Erasure in a real browser: an applicant deletes their account from the account page, and the secretariat purges
an edition past its retention period from the retention page. Screenshots of both pages go with the others, or to
the folder ``ERASURE_SHOTS`` names."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from awards_app.models import Edition, Nomination, NominationStatus, User
from awards_app.services import nominations as nominations_service
from tests.conftest import PASSWORD, complete_project_answers
from tests.functional.test_erasure import past_edition

from .conftest import SCREENSHOT_DIR
from .helpers import TABLET, reloaded, small_pdf

SHOTS = Path(os.environ.get("ERASURE_SHOTS") or SCREENSHOT_DIR)


@pytest.fixture(autouse=True)
def real_csrf(app):
    """Check CSRF tokens as production does."""
    app.config["WTF_CSRF_ENABLED"] = True


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"erasure-{name}.png", full_page=True)


def test_an_applicant_deletes_their_account_from_the_account_page(page: Page, live_server, world, sign_in):
    draft = nominations_service.create_draft(world.project, world.applicant, complete_project_answers())
    nominations_service.add_attachment(draft, world.applicant, "odense-plan.pdf", small_pdf("Odense plan"))
    sign_in(world.applicant.email)
    page.goto(f"{live_server}/auth/account")
    page.get_by_role("link", name="Delete my account…").click()
    expect(page.get_by_role("heading", name="Delete my account", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="What is deleted")).to_be_visible()
    expect(page.get_by_role("heading", name="What is kept, anonymised")).to_be_visible()
    shoot(page, "delete-account")
    page.set_viewport_size(TABLET)
    shoot(page, "delete-account-tablet")

    page.locator("#password").fill("not-my-password")
    page.locator("#confirmation").fill(world.applicant.email)
    page.get_by_role("button", name="Delete my account").click()
    expect(page.locator(".alert-danger")).to_contain_text("The password is not right. Nothing was deleted.")
    assert reloaded(User, world.applicant.id).erased_at is None

    page.locator("#password").fill(PASSWORD)
    page.locator("#confirmation").fill(world.applicant.email.upper())
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("heading", name="Your account is deleted")).to_be_visible()
    expect(page.locator("form[action$='/auth/logout']")).to_have_count(0)  # signed out
    shoot(page, "goodbye")
    user = reloaded(User, world.applicant.id)
    assert user.erased_at is not None and user.name == f"Deleted applicant {user.id}"
    nomination = reloaded(Nomination, draft.id)
    assert nomination.status is NominationStatus.WITHDRAWN and nomination.answers == {} and not nomination.attachments

    page.goto(f"{live_server}/auth/login")
    page.locator("#email").fill("applicant@odense.example")
    page.locator("#password").fill(PASSWORD)
    page.locator("#submit").click()
    expect(page.locator(".alert-danger")).to_contain_text("Wrong e-mail or password.")


def test_the_secretariat_purges_a_past_edition_from_the_retention_page(page: Page, live_server, world, sign_in):
    past = past_edition(world)
    edition = past["edition"]
    sign_in(world.secretariat.email)
    page.goto(f"{live_server}/secretariat/privacy")
    page.get_by_role("link", name="Retention: each edition's deadline").click()
    expect(page.get_by_role("heading", name="Retention of personal data")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="prize-2021")
    expect(row).to_contain_text("3 accounts deleted, 2 kept")
    expect(page.get_by_role("row").filter(has_text="test-2026")).to_contain_text("Not yet")
    shoot(page, "retention")

    row.get_by_label("Type prize-2021 to confirm").fill("prize-2021")
    row.get_by_role("button", name="Purge now").click()
    expect(page.locator(".alert-success")).to_contain_text("5 people, 3 nominations and 2 documents erased")
    expect(page.get_by_role("row").filter(has_text="prize-2021")).to_contain_text("Purged on")
    shoot(page, "retention-purged")
    assert reloaded(Edition, edition.id).personal_data_purged_at is not None
