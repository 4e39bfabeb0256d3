"""Feedback to applicants in a real browser: the judge ticks "Share with the applicant" beside a comment, the
secretariat reads the shared comments, hides one, edits one and releases the round's feedback once the results are
out, and the applicant reads it on their nomination's page, anonymised, with where their score sits; axe-core clean
on every page, at laptop and tablet widths."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from awards_app.extensions import db
from awards_app.models import Organisation, OrganisationType, Score, ScoreSheet
from awards_app.services import awards as awards_service
from awards_app.services import publication as publication_service
from awards_app.services import sheets as sheets_service
from tests.conftest import PASSWORD
from tests.functional.judging_helpers import another_judge, assign, close, criteria, eligible, judging_round

from .helpers import LAPTOP, TABLET, confirm, sign_out
from .test_accessibility import audit

SHARED = "The residents' survey makes the causes of the problem plain."
KEPT = "For the committee: the budget table does not add up."
HIDDEN = "Frankly the weakest of my batch."
TO_EDIT = "Good monitoring, though the team ignored my advice."
EDITED = "Good monitoring; say how residents' advice was taken up."


@pytest.fixture
def round_of_four(world):
    """An open round of the project category with four nominations: the world's applicant's one, assigned to the
    world's judge (who declared no conflict) and two colleagues, who have submitted theirs with comments shared; the
    three others scored by the colleagues and a third judge."""
    round_ = judging_round(world)
    rubric = criteria(round_, world.project)
    lima = Organisation(name="Lima", type=OrganisationType.CITY, country_code="PE", city="Lima")
    seoul = Organisation(name="Seoul", type=OrganisationType.CITY, country_code="KR", city="Seoul")
    db.session.add_all([lima, seoul])
    db.session.commit()
    mine = eligible(world, "Odense robot-assisted care")
    others = [
        eligible(world, "Kigali smart water meters", organisation=world.other_city),
        eligible(world, "Lima air sensors", organisation=lima),
        eligible(world, "Seoul night buses", organisation=seoul),
    ]
    colleagues = [another_judge(), another_judge("chen@judges.example", "Chen Wei")]
    third = another_judge("ines@judges.example", "Inês Duarte")
    own = assign(round_, mine, world.judge, declared=True)

    def submit(assignment, value, comments=None, shared=()):
        sheets_service.save_sheet(
            assignment,
            assignment.judge,
            sheets_service.SheetInput(
                {c.id: str(value) for c in rubric},
                {rubric[i].id: text for i, text in (comments or {}).items()},
                "",
                None,
                shared=frozenset(rubric[i].id for i in shared),
            ),
            submit=True,
        )

    submit(assign(round_, mine, colleagues[0], declared=True), 7, {0: HIDDEN, 4: TO_EDIT}, shared=[0, 4])
    submit(assign(round_, mine, colleagues[1], declared=True), 8)
    for nomination, value in zip(others, (5, 4, 9), strict=True):
        for judge in (*colleagues, third):
            submit(assign(round_, nomination, judge, declared=True), value)
    return round_, rubric, mine, own


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


def test_a_shared_comment_from_the_judge_s_tick_to_the_applicant_s_page(
    axe_page: Page, live_server, world, round_of_four, screenshot_dir
):
    page = axe_page
    round_, rubric, mine, own = round_of_four

    # The judge scores, comments on two criteria and shares only the first comment.
    _sign_in(page, live_server, world.judge.email)
    page.goto(f"{live_server}/judging/assignments/{own.id}")
    for number, criterion in enumerate(rubric, start=1):
        group = page.get_by_role("group", name=f"{number}. {criterion.name_en}")
        group.locator("input[value='8'] + label").click()
    first = page.get_by_role("group", name=f"1. {rubric[0].name_en}")
    first.get_by_label("Comment (optional)").fill(SHARED)
    share = first.get_by_label("Share with the applicant")
    expect(share).not_to_be_checked()  # nothing is shared unless ticked
    share.check()
    page.get_by_role("group", name=f"2. {rubric[1].name_en}").get_by_label("Comment (optional)").fill(KEPT)
    expect(page.locator("#save-status")).to_contain_text("Draft saved", timeout=10_000)  # autosave took the tick
    db.session.rollback()  # read what the server saved
    sheet = db.session.scalar(sa.select(ScoreSheet).where(ScoreSheet.assignment_id == own.id))
    assert {s.criterion_id for s in sheet.scores if s.shared} == {rubric[0].id}
    assert audit(page) == []
    first.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "feedback-judge.png"))
    page.get_by_role("button", name="Submit scores").click()
    confirm(page)
    expect(page.get_by_role("alert")).to_contain_text("are submitted")
    sign_out(page)

    # The round closes and the results are published (as the results pages do).
    close(round_)
    awards_service.assign_tiers(round_, world.project, world.secretariat)
    publication_service.publish(world.edition, world.secretariat)

    # The secretariat reads the shared comments on the round's Feedback tab, hides one, edits one, releases.
    _sign_in(page, live_server, world.secretariat.email)
    page.goto(f"{live_server}/secretariat/rounds/{round_.id}")
    page.get_by_role("link", name="Feedback", exact=True).click()
    expect(page.get_by_role("heading", name="Feedback to applicants")).to_be_visible()
    section = page.locator(f"#nomination-{mine.id}")
    expect(section).to_contain_text(SHARED)
    expect(section).to_contain_text("Ana Ferreira")  # the secretariat may see who wrote what
    expect(section).not_to_contain_text(KEPT)
    hidden_row = section.get_by_role("row").filter(has_text=HIDDEN)
    hidden_row.get_by_role("button", name=re.compile("^Hide")).click()
    expect(page.get_by_role("alert")).to_contain_text("The comment is hidden")
    edited_row = page.locator(f"#nomination-{mine.id}").get_by_role("row").filter(has_text=TO_EDIT)
    edited_row.locator("summary").filter(has_text="Edit").click()
    edited_row.get_by_label("What the applicant reads").fill(EDITED)
    edited_row.get_by_role("button", name="Save the edit").click()
    expect(page.get_by_role("alert")).to_contain_text("Edit saved")
    expect(page.locator(f"#nomination-{mine.id}")).to_contain_text(EDITED)
    assert audit(page) == []
    page.screenshot(path=str(screenshot_dir / "feedback-secretariat.png"), full_page=True)
    page.get_by_role("link", name="Release feedback to applicants…").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Release the feedback")
    expect(page.get_by_text("2 shared comments that are not hidden")).to_be_visible()
    assert audit(page) == []
    page.get_by_role("button", name="Release feedback to applicants").click()
    expect(page.locator(".invalid-feedback")).to_have_text("Tick the box to confirm the release.")
    page.get_by_label("I have read the comments as applicants will read them, and release them").check()
    page.get_by_role("button", name="Release feedback to applicants").click()
    expect(page.get_by_role("alert")).to_contain_text("The feedback is released")
    expect(page.locator(".badge", has_text="Released")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "feedback-secretariat-released.png"), full_page=True)
    sign_out(page)

    # The applicant reads it on their nomination's page: their judges numbered, never named, and where they stand.
    _sign_in(page, live_server, world.applicant.email)
    page.goto(f"{live_server}/nominations/{mine.id}")
    feedback = page.locator("#feedback")
    expect(feedback.get_by_role("heading", name="Feedback from the judges")).to_be_visible()
    expect(feedback.get_by_role("heading", name=rubric[0].name_en)).to_be_visible()
    remarks = feedback.locator(".feedback-remarks li")
    expect(remarks).to_have_count(2)
    expect(remarks.filter(has_text=SHARED)).to_contain_text(re.compile(r"Judge \d"))
    expect(remarks.filter(has_text=EDITED)).to_contain_text(re.compile(r"Judge \d"))
    for words in (KEPT, HIDDEN, TO_EDIT, "Ana Ferreira", "Budi Santoso", "Chen Wei"):
        expect(page.get_by_text(words)).to_have_count(0)
    chart = feedback.get_by_role("img", name="Where your nomination's score sits in its category")
    expect(chart).to_be_visible()
    expect(chart).to_contain_text("Your nomination: 74.1")  # 8, 7 and 8 of 10: 77.8, 66.7 and 77.8
    feedback.get_by_text("The chart as a table").click()
    expect(feedback.get_by_role("row", name=re.compile("70–80"))).to_contain_text("with yours")
    assert audit(page) == []
    page.locator("#feedback").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "feedback-applicant.png"), full_page=True)
    page.set_viewport_size(TABLET)
    expect(chart).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    page.screenshot(path=str(screenshot_dir / "feedback-applicant-tablet.png"), full_page=True)
    db.session.rollback()
    assert db.session.scalar(sa.select(Score.comment).where(Score.comment == TO_EDIT)), "the judge's words are kept"
