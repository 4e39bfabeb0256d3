"""The judge's journeys in a real browser: declare, score with a live total, leave, come back, submit; recuse."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from awards_app.extensions import db
from awards_app.models import Assignment, Conflict, RoundMode, ScoreSheet, SheetStatus
from tests.functional.judging_helpers import (
    COMMENDATION_ANSWERS,
    another_judge,
    assign,
    attach,
    criteria,
    eligible,
    judging_round,
)

from .helpers import LAPTOP, TABLET, Screenshots, choose_language, reloaded, sign_out, small_pdf

SAVED = re.compile(r"Saved at \d\d:\d\d")


@pytest.fixture(autouse=True)
def real_csrf(app):
    """Check CSRF tokens as production does, so that autosave proves it sends its token in the header."""
    app.config["WTF_CSRF_ENABLED"] = True


@pytest.fixture
def panel(world):
    """An open round: two nominations for the world's judge, the first one also for a second judge."""
    round_ = judging_round(world)
    first = eligible(world, "Odense robot-assisted care")
    attach(first, small_pdf())
    second = eligible(world, "Kigali smart water meters", organisation=world.other_city)
    colleague = another_judge()
    return {
        "round": round_,
        "rubric": criteria(round_, world.project),
        "first": assign(round_, first, world.judge),
        "second": assign(round_, second, world.judge),
        "colleague": assign(round_, first, colleague),
        "colleague_user": colleague,
    }


def criterion(page: Page, number: int, name: str):
    """A criterion's fieldset on the score sheet, found by its legend."""
    return page.get_by_role("group", name=f"{number}. {name}")


def test_a_judge_declares_scores_leaves_comes_back_and_submits(page: Page, live_server, world, panel, sign_in):
    rubric = panel["rubric"]
    sign_in(world.judge.email)
    expect(page.get_by_role("heading", name="My assignments")).to_be_visible()
    expect(page.get_by_text("0 of 2 done")).to_be_visible()
    page.get_by_role("link", name=re.compile("Next nomination to score")).click()

    # The declaration comes first.
    expect(page.get_by_role("heading", name="First, declare any conflict of interest")).to_be_visible()
    expect(page.get_by_text("Older people waited weeks for help.")).to_have_count(0)
    page.get_by_label("I have no conflict of interest with this nomination").check()
    page.get_by_role("button", name="Confirm my declaration").click()
    expect(page.get_by_role("alert")).to_contain_text("You can now score this nomination.")

    # The nomination beside the rubric; the total moves as scores are chosen, before anything is saved.
    expect(page.get_by_text("Older people waited weeks for help.")).to_be_visible()
    expect(page.get_by_role("tab", name="Documents (1)")).to_be_visible()  # the PDF is a tab away
    total = page.locator("#total")
    expect(total).to_have_text("0.0")
    criterion(page, 1, rubric[0].name_en).get_by_label("Score").select_option("10")
    expect(total).to_have_text("16.7")
    expect(page.get_by_text("1 of 6 criteria scored")).to_be_visible()
    criterion(page, 2, rubric[1].name_en).get_by_label("Score").select_option("7")
    expect(total).to_have_text("27.8")  # 100 × (9/9 + 6/9) / 6
    criterion(page, 2, rubric[1].name_en).get_by_label("Comment (optional)").fill("Sound engineering choices.")
    expect(page.locator("#save-status")).to_have_text(SAVED)

    # Leave, and come back to the saved draft.
    page.get_by_role("link", name="My assignments").first.click()
    expect(page.get_by_text("Draft", exact=True)).to_be_visible()
    page.get_by_role("link", name="Continue").click()
    expect(criterion(page, 1, rubric[0].name_en).get_by_label("Score")).to_have_value("10")
    expect(criterion(page, 2, rubric[1].name_en).get_by_label("Score")).to_have_value("7")
    expect(criterion(page, 2, rubric[1].name_en).get_by_label("Comment (optional)")).to_have_value(
        "Sound engineering choices."
    )
    expect(total).to_have_text("27.8")

    # Submitting needs every criterion: the server says which are missing and keeps what was chosen.
    page.get_by_role("button", name="Submit scores").click()
    expect(page.get_by_role("alert")).to_contain_text("Some scores are not valid")
    expect(
        criterion(page, 3, rubric[2].name_en).get_by_text("Score every criterion before submitting.")
    ).to_be_visible()
    expect(criterion(page, 1, rubric[0].name_en).get_by_label("Score")).to_have_value("10")
    for number, c in enumerate(rubric[2:], start=3):
        criterion(page, number, c.name_en).get_by_label("Score").select_option("4")
    expect(total).to_have_text(f"{100 * (9 + 6 + 3 * 4) / 54:.1f}")
    page.get_by_label("Overall comment (optional)").fill("A model for others.")
    page.get_by_role("button", name="Submit scores").click()

    expect(page.get_by_role("alert")).to_contain_text("Your scores for SSCP-2026-TI-001 are submitted.")
    expect(page.get_by_text("1 of 2 done")).to_be_visible()
    sheet = reloaded(Assignment, panel["first"].id).sheet
    assert sheet.status is SheetStatus.SUBMITTED
    assert sheet.overall_comment == "A model for others."
    page.goto(f"{live_server}/judging/assignments/{panel['first'].id}")
    expect(page.get_by_text("only the secretariat can reopen them")).to_be_visible()
    expect(page.get_by_role("button", name="Submit scores")).to_have_count(0)
    sign_out(page)

    # Another judge of the same nomination declares a conflict and is recused.
    sign_in(panel["colleague_user"].email)
    page.get_by_role("link", name=re.compile("Next nomination to score")).click()
    page.get_by_label("I have a conflict of interest with this nomination").check()
    page.get_by_label("The conflict, briefly").fill("I advised Odense on this project in 2023.")
    page.get_by_role("button", name="Confirm my declaration").click()
    expect(page.get_by_role("heading", name="You are recused from this nomination")).to_be_visible()
    expect(page.get_by_text("Older people waited weeks for help.")).to_have_count(0)
    db.session.rollback()
    conflict = db.session.scalar(sa.select(Conflict))
    assert (conflict.judge_id, conflict.nomination_id) == (panel["colleague_user"].id, panel["first"].nomination_id)
    assert conflict.reason == "I advised Odense on this project in 2023."
    page.goto(f"{live_server}/judging/")
    expect(page.get_by_text("1 of 1 done")).to_be_visible()
    expect(page.get_by_text("Recused", exact=True)).to_be_visible()


def _open_sheet(page: Page, live_server: str, assignment: Assignment) -> None:
    page.goto(f"{live_server}/judging/assignments/{assignment.id}")
    page.get_by_label("I have no conflict of interest with this nomination").check()
    page.get_by_role("button", name="Confirm my declaration").click()
    expect(page.locator("#score-sheet")).to_be_visible()


def test_autosave_keeps_a_score_without_pressing_save(page: Page, live_server, world, panel, sign_in):
    rubric = panel["rubric"]
    sign_in(world.judge.email)
    _open_sheet(page, live_server, panel["first"])
    criterion(page, 4, rubric[3].name_en).get_by_label("Score").select_option("6")
    expect(page.locator("#save-status")).to_have_text("Changes not saved yet")
    expect(page.locator("#save-status")).to_have_text(SAVED)
    page.reload()
    expect(criterion(page, 4, rubric[3].name_en).get_by_label("Score")).to_have_value("6")
    sheet = reloaded(Assignment, panel["first"].id).sheet
    assert sheet.status is SheetStatus.DRAFT
    assert [str(s.value) for s in sheet.scores if s.value is not None] == ["6.00"]


def test_nothing_is_lost_offline_or_in_a_closed_tab(page: Page, live_server, world, panel, sign_in):
    rubric = panel["rubric"]
    sign_in(world.judge.email)
    _open_sheet(page, live_server, panel["first"])
    score = criterion(page, 1, rubric[0].name_en).get_by_label("Score")

    # The connection drops: the status says so, and the save goes through when it comes back.
    page.context.set_offline(True)
    score.select_option("8")
    expect(page.locator("#save-status")).to_contain_text("Not saved: offline — will retry")
    page.context.set_offline(False)
    expect(page.locator("#save-status")).to_have_text(SAVED)
    assert [s.value for s in reloaded(Assignment, panel["first"].id).sheet.scores if s.value is not None] == [8]

    # Offline again, the tab is closed before anything reaches the server: the browser kept the input.
    page.context.set_offline(True)
    score.select_option("3")
    expect(page.locator("#save-status")).to_contain_text("Not saved")
    page.close()
    page.context.set_offline(False)
    again = page.context.new_page()
    again.goto(f"{live_server}/judging/assignments/{panel['first'].id}")
    expect(criterion(again, 1, rubric[0].name_en).get_by_label("Score")).to_have_value("3")
    expect(again.locator("#save-status")).to_have_text(SAVED)
    assert [s.value for s in reloaded(Assignment, panel["first"].id).sheet.scores if s.value is not None] == [3]


def test_a_stale_tab_is_told_instead_of_overwriting(page: Page, browser: Browser, live_server, world, panel, sign_in):
    rubric = panel["rubric"]
    sign_in(world.judge.email)
    _open_sheet(page, live_server, panel["first"])
    other_tab = page.context.new_page()
    other_tab.goto(f"{live_server}/judging/assignments/{panel['first'].id}")
    criterion(page, 1, rubric[0].name_en).get_by_label("Score").select_option("9")
    expect(page.locator("#save-status")).to_have_text(SAVED)
    criterion(other_tab, 1, rubric[0].name_en).get_by_label("Score").select_option("2")
    expect(other_tab.locator("#save-status")).to_have_text(
        "These scores were changed in another window. Reload the page to see the latest."
    )
    assert [s.value for s in reloaded(Assignment, panel["first"].id).sheet.scores if s.value is not None] == [9]


SCREENS = {"laptop": LAPTOP, "tablet": TABLET}


@pytest.mark.parametrize("language", ["en", "ko"])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_judging_pages_look_right(page: Page, live_server, world, panel, sign_in, screenshot_dir, screen, language):
    rubric = panel["rubric"]
    page.set_viewport_size(SCREENS[screen])
    shots = Screenshots(page, screenshot_dir, f"{language}-{screen}-judging", language)
    shoot = shots.shoot

    committee = judging_round(
        world, name="Merit review committee", categories=[world.commendation], mode=RoundMode.COMMITTEE
    )
    commendation = eligible(
        world, "Kim Ji-won, WeGO advisory committee", category=world.commendation, answers=COMMENDATION_ANSWERS
    )
    member = assign(committee, commendation, world.judge, declared=True)
    sign_in(world.judge.email)
    if language != "en":
        choose_language(page, language)
    page.goto(f"{live_server}/judging/")
    shoot("assignments")
    page.goto(f"{live_server}/judging/assignments/{member.id}")
    page.locator("#vote-0").check()
    page.locator("#submit").click()
    expect(page.locator("#current-vote")).not_to_have_class(re.compile("text-muted"))
    shoot("committee-vote")
    page.goto(f"{live_server}/judging/assignments/{panel['first'].id}")
    shoot("declaration")
    page.locator("#declaration-0").check()
    page.locator("#submit").click()
    expect(page.locator("#score-sheet")).to_be_visible()
    for number, value in ((1, "8"), (2, "6"), (3, "9")):
        page.locator(f"select[name=score_{rubric[number - 1].id}]").select_option(value)
    page.locator(f"textarea[name=comment_{rubric[0].id}]").fill("Clear evidence of the problem's causes.")
    expect(page.locator("#save-status")).to_have_text(re.compile(r"\d\d:\d\d"))
    page.evaluate("window.scrollTo(0, 0)")
    shoot("score-sheet")
    page.locator("#submit_scores").click()
    expect(page.locator(".is-invalid").first).to_be_visible()
    shoot("score-sheet-errors")
    for c in rubric[3:]:
        page.locator(f"select[name=score_{c.id}]").select_option("7")
    page.locator("#submit_scores").click()
    expect(page.locator("#next-to-score")).to_be_visible()
    shoot("assignments-after-submit")
    page.goto(f"{live_server}/judging/assignments/{panel['first'].id}")
    shoot("submitted")
    page.goto(f"{live_server}/judging/assignments/{panel['second'].id}")
    page.locator("#declaration-1").check()
    page.locator("#reason").fill("I advised Kigali on the water network.")
    page.locator("#submit").click()
    expect(page.locator("[data-bs-dismiss=alert]").first).to_be_attached()
    shoot("recused")
    assert not shots.too_wide, f"wider than the screen: {shots.too_wide}"
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ScoreSheet)) == 1
