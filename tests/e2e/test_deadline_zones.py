"""The deadline in the applicant's own time: an officer in Medellín reads the Seoul deadline and what it is in
Medellín, and in the last 72 hours a countdown that says when the deadline has passed; in English and Korean."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, expect

from awards_app.extensions import db
from tests.conftest import PASSWORD

from .helpers import LAPTOP, choose_language


def _page_in(browser: Browser, zone: str):
    context = browser.new_context(viewport=LAPTOP, locale="en-GB", timezone_id=zone, reduced_motion="reduce")
    return context, context.new_page()


def _sign_in(page, live_server, email):
    page.goto(f"{live_server}/auth/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("#submit").click()
    expect(page.locator("form[action$='/auth/logout']")).to_be_attached()


def test_an_applicant_in_medellin_reads_the_deadline_in_both_zones_with_a_countdown(
    browser: Browser, live_server, world, screenshot_dir
):
    closes = (datetime.now(UTC) + timedelta(hours=30)).replace(second=0, microsecond=0)
    world.edition.closes_at = closes
    db.session.commit()
    in_medellin = closes.astimezone(ZoneInfo("America/Bogota"))
    context, page = _page_in(browser, "America/Bogota")
    try:
        _sign_in(page, live_server, world.applicant.email)
        page.goto(f"{live_server}/nominations/")
        deadline = page.locator("time[data-zone]").first
        expect(deadline).to_contain_text("(UTC+09:00, Asia/Seoul)")
        yours = page.locator(".reader-time").first
        expect(yours).to_have_text(f" · {in_medellin.day} {in_medellin:%b %Y, %H:%M} (your time, America/Bogota)")
        timer = page.get_by_role("timer").first
        expect(timer).to_have_text(re.compile(r"Closes in 1 day (05|06):\d\d:\d\d"))
        page.screenshot(path=str(screenshot_dir / "en-laptop-40-deadline-two-zones.png"), full_page=True)
        choose_language(page, "ko")
        # In Korean the reader's time is written as the server writes the edition's: one format on the line.
        korean = f"{in_medellin.year}년 {in_medellin.month}월 {in_medellin.day}일 {in_medellin:%H:%M}"
        expect(page.locator(".reader-time").first).to_have_text(re.compile(rf"^ · {korean} \(.+, America/Bogota\)$"))
        expect(page.get_by_role("timer").first).to_have_text(re.compile(r"1일 (05|06):\d\d:\d\d"))
        page.screenshot(path=str(screenshot_dir / "ko-laptop-40-deadline-two-zones.png"), full_page=True)
        choose_language(page, "en")

        # The last seconds: the countdown says the deadline has passed, without a reload.
        world.edition.closes_at = datetime.now(UTC) + timedelta(seconds=3)
        db.session.commit()
        page.reload()
        expect(page.get_by_role("timer").first).to_have_text("The deadline has passed.", timeout=10_000)
    finally:
        context.close()


def test_an_applicant_abroad_reads_when_their_nomination_was_submitted_in_their_own_time_too(
    browser: Browser, live_server, world
):
    from tests.functional.judging_helpers import eligible

    nomination = eligible(world)
    submitted = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)  # 10:30 in Seoul; 20:30 the day before in Medellín
    nomination.submitted_at = submitted
    db.session.commit()
    context, page = _page_in(browser, "America/Bogota")
    try:
        _sign_in(page, live_server, world.applicant.email)
        page.goto(f"{live_server}/nominations/{nomination.id}")
        when = page.locator("dd time[data-zone]").first
        expect(when).to_have_text("2 Mar 2026, 10:30 (UTC+09:00, Asia/Seoul)")
        expect(when.locator("xpath=following-sibling::span[1]")).to_have_text(
            " · 1 Mar 2026, 20:30 (your time, America/Bogota)"
        )
    finally:
        context.close()


def test_a_reader_in_seoul_sees_one_time_and_no_countdown_a_week_before(browser: Browser, live_server, world):
    world.edition.closes_at = datetime.now(UTC) + timedelta(days=7)
    db.session.commit()
    context, page = _page_in(browser, "Asia/Seoul")
    try:
        page.goto(f"{live_server}/")
        expect(page.locator("time[data-zone]").first).to_contain_text("Asia/Seoul")
        expect(page.locator(".reader-time")).to_have_count(0)
        expect(page.get_by_role("timer")).to_be_hidden()
    finally:
        context.close()
