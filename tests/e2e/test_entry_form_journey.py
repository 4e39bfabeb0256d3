"""The secretariat shapes a form for corporations in a real browser, previews it, and a corporation fills it in."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from awards_app.extensions import db
from awards_app.models import Organisation, OrganisationType, Role
from tests.conftest import make_user

from .helpers import LAPTOP, TABLET, Screenshots, choose_language, confirm, sign_out


@pytest.mark.parametrize(("viewport", "size"), [(LAPTOP, "laptop"), (TABLET, "tablet")])
def test_the_secretariat_gives_corporations_their_own_form(
    page: Page, live_server, world, sign_in, screenshot_dir, viewport, size
):
    corporation = Organisation(
        name="Hanul Robotics", type=OrganisationType.CORPORATION, country_code="KR", city="Seoul"
    )
    applicant = make_user("lee@hanul.example", [Role.APPLICANT], corporation, "Lee Ha-neul")
    db.session.commit()
    page.set_viewport_size(viewport)
    shots = Screenshots(page, screenshot_dir, f"en-{size}-entry-forms", "en")

    sign_in(world.secretariat.email)
    page.goto(f"{live_server}/secretariat/editions/{world.edition.id}")
    page.locator("tr", has_text="Tech-InnovaCity").get_by_role("link", name="Entry forms").click()
    expect(page.locator("h1")).to_contain_text("Entry forms")
    shots.shoot("list")
    page.locator("tr", has_text="Corporation").get_by_role("button", name="Give this type its own form").click()
    expect(page.locator(".alert-success")).to_contain_text("their own form")

    # A broken field is refused with its reason, and the form keeps what was typed.
    page.locator("#name").fill("market")
    page.locator("#kind").select_option("textarea")
    page.locator("#label_en").fill("Market and business model")
    page.locator("#word_limit").fill("0")
    page.get_by_role("button", name="Add the field").click()
    expect(page.locator(".alert-danger")).to_contain_text("give the label in English and in Korean")
    expect(page.locator(".alert-danger")).to_contain_text("a word limit must be a positive number")
    page.locator("#label_ko").fill("시장과 비즈니스 모델")
    page.locator("#word_limit").fill("200")
    page.get_by_role("button", name="Add the field").click()
    expect(page.locator(".alert-success")).to_contain_text("Field added.")
    expect(page.locator("#fields + .table-responsive tbody tr").last).to_contain_text("Market and business model")
    page.locator("tr", has_text="Partners").get_by_role("button", name="Remove").click()
    confirm(page, "Remove")
    expect(page.locator(".alert-success")).to_contain_text("Field removed.")
    # The section "Partners and links" opened at the removed field: it now opens at the links.
    expect(page.locator("tr", has_text="Links")).to_contain_text("Partners and links")
    expect(page.get_by_role("button", name="Move up: title")).to_be_disabled()
    shots.shoot("editor")

    page.get_by_role("link", name="Preview as the applicant sees it").click()
    expect(page.locator("label", has_text="Market and business model")).to_be_visible()
    expect(page.get_by_role("button", name="Submit nomination")).to_be_disabled()
    shots.shoot("preview")
    sign_out(page)

    sign_in(applicant.email)
    page.goto(f"{live_server}/nominations/new/{world.project.id}")
    expect(page.locator("label", has_text="Market and business model")).to_be_visible()
    expect(page.locator("#partners")).to_have_count(0)
    choose_language(page, "ko")
    expect(page.locator("label", has_text="시장과 비즈니스 모델")).to_be_visible()
    Screenshots(page, screenshot_dir, f"ko-{size}-entry-forms", "ko").shoot("applicant")
    assert not shots.too_wide, shots.too_wide
