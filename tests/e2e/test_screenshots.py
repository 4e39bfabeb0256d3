"""Full-page screenshots of the main pages, at laptop and tablet widths, in English and Korean.

They land in test-artifacts/screenshots/ (git-ignored) as ``<language>-<screen>-<nn>-<page>.png`` for people to
look at; the test itself checks that every page came up in the chosen language and fits the screen's width.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import complete_project_answers

from .helpers import LAPTOP, TABLET, Screenshots, choose_language, confirm, sign_out, small_pdf

SCREENS = {"laptop": LAPTOP, "tablet": TABLET}


@pytest.mark.parametrize("language", ["en", "ko"])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_main_pages_look_right(page: Page, live_server, world, nominations, sign_in, screenshot_dir, screen, language):
    submitted = nominations.submitted(
        world.project, world.applicant, complete_project_answers(), attachment=("plan.pdf", small_pdf())
    )
    nominations.submitted(world.project, world.other_applicant, complete_project_answers("Kigali smart water meters"))
    draft = nominations.draft(
        world.project,
        world.applicant,
        {"title": "Odense heat-pump districts", "summary": "Heat pumps for 4,000 homes."},
    )
    page.set_viewport_size(SCREENS[screen])
    shots = Screenshots(page, screenshot_dir, f"{language}-{screen}", language)
    shoot = shots.shoot

    page.goto(live_server)
    if language != "en":
        choose_language(page, language)
    shoot("home")
    page.goto(f"{live_server}/auth/register")
    shoot("register")
    page.locator("#submit").click()
    expect(page.locator(".is-invalid").first).to_be_visible()
    shoot("register-errors")

    sign_in(world.applicant.email)
    expect(page).to_have_url(f"{live_server}/nominations/")
    shoot("my-nominations")
    page.goto(f"{live_server}/nominations/{draft.id}/edit")
    page.locator("#submit_entry").click()
    confirm(page)
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    shoot("entry-form-errors")
    page.goto(f"{live_server}/nominations/{submitted.id}")
    shoot("nomination-view")
    sign_out(page)

    sign_in(world.secretariat.email)
    expect(page).to_have_url(f"{live_server}/secretariat/")
    shoot("secretariat-overview")
    page.goto(f"{live_server}/secretariat/nominations")
    expect(page.locator("tbody tr")).to_have_count(3)
    shoot("nomination-list")
    page.goto(f"{live_server}/secretariat/nominations/{submitted.id}")
    shoot("nomination-detail")

    assert len(shots.taken) == 9
    assert not shots.too_wide, f"pages wider than the screen: {shots.too_wide}"
