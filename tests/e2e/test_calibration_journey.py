"""Calibration in a real browser, from the secretariat's marks to the judge's private feedback: the judge finds the
calibration nominations first and the rest locked, scores both with the keyboard, lands on their own comparison
with the panel, and the secretariat reads every judge's totals side by side; in English and Korean, at 1366 × 900
and 768 × 1024, with axe-core clean."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from awards_app.extensions import db
from awards_app.models import Assignment
from awards_app.services import calibration as calibration_service
from awards_app.services import sheets as sheets_service
from tests.conftest import PASSWORD
from tests.functional.judging_helpers import another_judge, assign, criteria, eligible, judging_round

from .helpers import LAPTOP, choose_language, confirm, sign_out
from .test_accessibility import audit

TABLET = {"width": 768, "height": 1024}


@pytest.fixture
def calibration_round(world):
    """Three nominations of the project category, each judged by three judges who declared no conflict; two other
    judges have already scored the first two (nothing is marked yet)."""
    round_ = judging_round(world)
    nominations = [eligible(world, t) for t in ("Robot-assisted care", "Harbour e-buses", "Open data portal")]
    others = [another_judge(), another_judge("judge3@judges.example", "Chen Wei")]
    for judge in [world.judge, *others]:
        for nomination in nominations:
            assign(round_, nomination, judge, declared=True)
    return round_, nominations, others


def _score_with_keys(page: Page, value: str, count: int) -> None:
    """Give every criterion the same score from the keyboard: focus the first bar, then a digit and Tab Tab Tab."""
    page.locator("#scores-heading").click()
    page.keyboard.press("Tab")
    for _ in range(count):
        page.keyboard.type(value)
        page.keyboard.press("Tab")  # the comment
        page.keyboard.press("Tab")  # its "Share with the applicant" tick
        page.keyboard.press("Tab")  # the next score


def _sign_in(page: Page, live_server: str, email: str) -> None:
    page.goto(f"{live_server}/auth/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("#submit").click()
    expect(page.locator("form[action$='/auth/logout']")).to_be_attached()


@pytest.fixture
def axe_page(browser: Browser):
    """A laptop-sized page that lets axe-core be injected (the app's CSP would refuse it)."""
    context = browser.new_context(bypass_csp=True, viewport=LAPTOP, locale="en-GB", reduced_motion="reduce")
    yield context.new_page()
    context.close()


def test_calibration_from_the_marks_to_the_judges_private_feedback(
    axe_page: Page, live_server, world, calibration_round, screenshot_dir
):
    page = axe_page
    round_, nominations, others = calibration_round
    rubric = criteria(round_, world.project)

    def sign_in(email: str) -> None:
        _sign_in(page, live_server, email)

    # The secretariat marks the first two as the category's calibration.
    sign_in(world.secretariat.email)
    page.goto(f"{live_server}/secretariat/rounds/{round_.id}")
    page.get_by_role("link", name="Calibration").click()
    section = page.locator(f"#category-{world.project.id}")
    section.get_by_label(re.compile(nominations[0].reference)).check()
    section.get_by_role("button", name="Save the calibration nominations").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose between 2 and 3 calibration nominations")
    section.get_by_label(re.compile(nominations[1].reference)).check()
    section.get_by_role("button", name="Save the calibration nominations").click()
    expect(page.get_by_role("alert")).to_contain_text("Calibration nominations of TI saved")
    expect(section.get_by_role("table")).to_contain_text("To do")
    assert audit(page) == []
    sign_out(page)

    # Two other judges score them (through the same service the page uses).
    db.session.expire_all()
    for judge, value in zip(others, ("5", "7"), strict=True):
        for nomination in nominations[:2]:
            assignment = db.session.query(Assignment).filter_by(judge_id=judge.id, nomination_id=nomination.id).one()
            values = {c.id: value for c in rubric}
            sheets_service.save_sheet(assignment, judge, sheets_service.SheetInput(values, {}, ""), submit=True)

    # The judge: the calibration nominations first, the third locked.
    sign_in(world.judge.email)
    expect(page.get_by_role("heading", name="My assignments")).to_be_visible()
    locked = page.get_by_role("row", name=re.compile(nominations[2].reference))
    expect(locked).to_contain_text("Opens after the calibration (2 left)")
    expect(locked.get_by_role("link", name=re.compile("Read"))).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(nominations[0].reference))).to_contain_text("Calibration")
    page.screenshot(path=str(screenshot_dir / "en-laptop-30-calibration-assignments.png"), full_page=True)
    page.locator("#next-to-score").click()
    expect(page.locator("#calibration-badge")).to_be_visible()

    # Both calibration nominations, scored with the keyboard: "Submit and open the next" leads from one to the other.
    _score_with_keys(page, "9", len(rubric))
    expect(page.get_by_text(f"{len(rubric)} of {len(rubric)} criteria scored")).to_be_visible()
    page.get_by_role("button", name="Submit and open the next").click()
    confirm(page)
    expect(page.get_by_role("alert")).to_contain_text("Here is the next nomination")
    expect(page.locator("#calibration-badge")).to_be_visible()
    _score_with_keys(page, "3", len(rubric))
    page.get_by_role("button", name="Submit and open the next").click()
    confirm(page)

    # The last one in: the judge's own comparison, and nobody else's totals.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your calibration")
    feedback = page.locator("#calibration-feedback")
    expect(feedback.get_by_role("row")).to_have_count(3)
    first = feedback.get_by_role("row", name=re.compile(nominations[0].reference))
    expect(first).to_contain_text("88.9")  # 9 of 10 on every criterion
    expect(first).to_contain_text("55.6")  # the median of 44.4 and 66.7
    expect(page.locator("#leniency-value")).to_contain_text("points")
    expect(page.get_by_text("How to read it")).to_be_visible()
    for judge in others:
        expect(page.get_by_text(judge.name)).to_have_count(0)
    expect(page.get_by_text("open again as drafts")).to_be_visible()
    assert audit(page) == []
    page.screenshot(path=str(screenshot_dir / "en-laptop-31-calibration-feedback.png"), full_page=True)
    feedback_url = page.url
    choose_language(page, "ko")
    expect(page.locator("#calibration-feedback")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "ko-laptop-31-calibration-feedback.png"), full_page=True)
    choose_language(page, "en")

    # Back on the list the third nomination is open now, and the feedback stays one link away.
    page.get_by_role("link", name="Back to my assignments").click()
    expect(page.get_by_role("row", name=re.compile(nominations[2].reference))).not_to_contain_text("Opens after")
    page.get_by_role("link", name="See how your totals compare with the panel's").click()
    expect(page).to_have_url(feedback_url)
    sign_out(page)

    # The secretariat's side by side: all three judges' totals and the medians.
    sign_in(world.secretariat.email)
    page.goto(f"{live_server}/secretariat/rounds/{round_.id}/calibration")
    table = page.locator(f"#category-{world.project.id}").get_by_role("table")
    expect(table.get_by_role("row", name=re.compile(world.judge.name))).to_contain_text("88.9")
    expect(table.get_by_role("row", name=re.compile(others[0].name))).to_contain_text("44.4")
    expect(table.get_by_role("row", name=re.compile("Median"))).to_contain_text("66.7")
    expect(page.get_by_text("this choice is fixed")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "en-laptop-32-calibration-panel.png"), full_page=True)
    choose_language(page, "ko")
    page.screenshot(path=str(screenshot_dir / "ko-laptop-32-calibration-panel.png"), full_page=True)
    assert audit(page) == []


def test_the_calibration_pages_fit_a_tablet(browser: Browser, live_server, world, calibration_round, screenshot_dir):
    round_, nominations, _others = calibration_round
    calibration_service.mark(round_, world.project, [n.id for n in nominations[:2]], world.secretariat)
    context = browser.new_context(bypass_csp=True, viewport=TABLET, locale="en-GB", reduced_motion="reduce")
    page = context.new_page()
    try:
        for email, path, name in [
            (world.judge.email, "/judging/", "calibration-assignments"),
            (world.secretariat.email, f"/secretariat/rounds/{round_.id}/calibration", "calibration-panel"),
        ]:
            _sign_in(page, live_server, email)
            page.goto(f"{live_server}{path}")
            for language in ("en", "ko"):
                choose_language(page, language)
                wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
                assert not wide, f"{name} ({language}) is wider than a tablet"
                page.screenshot(path=str(screenshot_dir / f"{language}-tablet-{name}.png"), full_page=True)
            assert audit(page) == []
            choose_language(page, "en")
            sign_out(page)
    finally:
        context.close()
