"""The finals' schedule in the browser: the secretariat places a finalist's online presentation from the round's
page; the judge in São Paulo and the applicant in Seoul each read it in their own time zone; every page passes the
accessibility audit; screenshots in English and Korean, at laptop and tablet widths."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, expect

from tests.conftest import PASSWORD
from tests.functional.judging_helpers import assign, eligible, judging_round

from .helpers import LAPTOP, TABLET, Screenshots, choose_language
from .test_accessibility import AXE, audit

#: A second copy of the screenshots, outside the repository, for a person to look at.
LOOK_AT = Path(os.environ.get("SCREENSHOTS_TO_LOOK_AT", "/tmp/shots-finals"))


def _sign_in(page, live_server, email):
    page.goto(f"{live_server}/auth/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("#submit").click()
    expect(page.locator("form[action$='/auth/logout']")).to_be_attached()


def _audit(page) -> list[str]:
    return audit(page) if AXE.exists() else []


def test_a_presentation_is_placed_and_each_reads_it_in_their_own_zone(
    browser: Browser, live_server, world, db, screenshot_dir
):
    LOOK_AT.mkdir(parents=True, exist_ok=True)
    round_ = judging_round(world, name="Finalists", closes=timedelta(days=30))
    round_.name_ko = "본선"
    odense = eligible(world, "Odense robot-assisted care")
    eligible(world, "키갈리 스마트 물관리", organisation=world.other_city)
    world.judge.time_zone, world.applicant.time_zone = "America/Sao_Paulo", "Asia/Seoul"
    db.session.commit()
    assign(round_, odense, world.judge, declared=True)
    day = (datetime.now(ZoneInfo("Asia/Seoul")) + timedelta(days=12)).date()

    problems: list[str] = []
    context = browser.new_context(bypass_csp=True, viewport=LAPTOP, locale="en-GB")
    page = context.new_page()
    try:
        _sign_in(page, live_server, world.secretariat.email)
        page.goto(f"{live_server}/secretariat/rounds/{round_.id}/presentations")
        expect(page.get_by_text("0 of 2 finalists placed")).to_be_visible()
        page.get_by_role("link", name=f"Place {odense.reference}").click()
        page.locator("#day").fill(day.isoformat())
        page.locator("#at").fill("10:00")
        page.locator("#minutes").fill("25")
        page.get_by_role("radio", name="Online").check()
        page.locator("#link").fill("https://meet.example.org/sscp-finals")
        page.get_by_role("button", name="Save the slot and send the invitations").click()
        expect(page.locator(".alert-success")).to_contain_text("2 people were e-mailed the calendar invitation")
        expect(page.locator(f"#finalist-{odense.id}")).to_contain_text("10:00 (UTC+09:00, Asia/Seoul)")
        problems += [f"schedule: {line}" for line in _audit(page)]
        for folder in (screenshot_dir, LOOK_AT):
            Screenshots(page, folder, "en-laptop-finals", "en").shoot("schedule")
        page.set_viewport_size(TABLET)
        Screenshots(page, LOOK_AT, "en-tablet-finals", "en").shoot("schedule")
        page.set_viewport_size(LAPTOP)
        choose_language(page, "ko")
        Screenshots(page, LOOK_AT, "ko-laptop-finals", "ko").shoot("schedule")
        choose_language(page, "en")
        page.locator("form[action$='/auth/logout'] button").click()

        # The judge in São Paulo: 22:00 the evening before, Seoul's 10:00 beside it.
        _sign_in(page, live_server, world.judge.email)
        page.goto(f"{live_server}/judging/")
        page.get_by_role("link", name="Finalists' presentations").click()
        row = page.locator("tbody tr").first
        expect(row).to_contain_text("22:00")
        expect(row).to_contain_text("10:00")
        expect(row).to_contain_text("https://meet.example.org/sscp-finals")
        expect(page.get_by_text("America/Sao_Paulo (UTC-03:00)")).to_be_visible()
        problems += [f"judge: {line}" for line in _audit(page)]
        for folder in (screenshot_dir, LOOK_AT):
            Screenshots(page, folder, "en-laptop-finals", "en").shoot("judge")
        page.locator("form[action$='/auth/logout'] button").click()

        # The applicant in Seoul, on the nomination's page.
        _sign_in(page, live_server, world.applicant.email)
        page.goto(f"{live_server}/nominations/{odense.id}")
        expect(page.get_by_role("heading", name="Your presentation")).to_contain_text("10:00 (UTC+09:00, Asia/Seoul)")
        with page.expect_download() as download:
            page.get_by_role("link", name="Add to calendar (.ics)").click()
        assert download.value.suggested_filename == f"presentation-{odense.reference}.ics"
        problems += [f"finalist: {line}" for line in _audit(page)]
        for folder in (screenshot_dir, LOOK_AT):
            Screenshots(page, folder, "en-laptop-finals", "en").shoot("finalist")
        choose_language(page, "ko")
        Screenshots(page, LOOK_AT, "ko-laptop-finals", "ko").shoot("finalist")
        choose_language(page, "en")
    finally:
        context.close()
    assert not problems, "\n".join(problems)
