"""The judge's journeys in a real browser: declare, score with a live total, leave, come back, submit; recuse."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Locator, Page, expect

from awards_app.extensions import db
from awards_app.models import Assignment, Conflict, RoundMode, ScoreSheet, SheetStatus
from awards_app.services import sheets as sheets_service
from awards_app.services.sheets import SheetInput
from tests.conftest import PASSWORD
from tests.functional.judging_helpers import (
    COMMENDATION_ANSWERS,
    another_judge,
    assign,
    attach,
    criteria,
    eligible,
    judging_round,
)

from .helpers import LAPTOP, TABLET, Screenshots, choose_language, confirm, reloaded, sign_out, small_pdf

# When the draft was saved, in the judge's own time zone (the browser's zone does not matter).
SAVED = re.compile(r"Draft saved \d{1,2} \w{3} \d{4}, \d\d:\d\d \(UTC\+09:00, Asia/Seoul\)")


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


def score(page: Page, number: int, name: str) -> Locator:
    """A criterion's score: its group of radios, found by its label."""
    return criterion(page, number, name).get_by_role("radiogroup", name="Score")


def choose(group: Locator, value: str) -> None:
    """Click the segment of a score's bar that shows this value, as a judge with a mouse does."""
    group.locator(f"input[value='{value}'] + label").click()


def chosen(group: Locator) -> Locator:
    return group.locator("input:checked")


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
    expect(total).to_be_hidden()  # no partial total: only the count until every criterion is scored
    expect(page.locator("#assignment-status")).to_have_text("To do")
    choose(score(page, 1, rubric[0].name_en), "10")
    expect(page.get_by_text("1 of 6 criteria scored")).to_be_visible()
    expect(total).to_be_hidden()
    choose(score(page, 2, rubric[1].name_en), "7")
    expect(page.get_by_text("2 of 6 criteria scored")).to_be_visible()
    criterion(page, 2, rubric[1].name_en).get_by_label("Comment (optional)").fill("Sound engineering choices.")
    expect(page.locator("#save-status")).to_have_text(SAVED)
    expect(page.locator("#assignment-status")).to_have_text("Draft")  # the header follows, without a reload

    # Leave, and come back to the saved draft.
    page.get_by_role("link", name="My assignments").first.click()
    expect(page.get_by_text("Draft", exact=True)).to_be_visible()
    page.get_by_role("link", name="Continue").click()
    expect(chosen(score(page, 1, rubric[0].name_en))).to_have_value("10")
    expect(chosen(score(page, 2, rubric[1].name_en))).to_have_value("7")
    expect(criterion(page, 2, rubric[1].name_en).get_by_label("Comment (optional)")).to_have_value(
        "Sound engineering choices."
    )
    expect(page.locator("#save-status")).to_have_text(SAVED)
    expect(total).to_be_hidden()

    # Submitting needs every criterion: the server says which are missing and keeps what was chosen.
    page.get_by_role("button", name="Submit scores").click()
    confirm(page)
    expect(page.get_by_role("alert")).to_contain_text("Some scores are not valid")
    expect(
        criterion(page, 3, rubric[2].name_en).get_by_text("Score every criterion before submitting.")
    ).to_be_visible()
    expect(score(page, 3, rubric[2].name_en).locator("input:checked")).to_be_focused()  # the first one missing
    expect(chosen(score(page, 1, rubric[0].name_en))).to_have_value("10")
    for number, c in enumerate(rubric[2:], start=3):
        choose(score(page, number, c.name_en), "4")
    expect(page.get_by_text("6 of 6 criteria scored")).to_be_visible()
    expect(total).to_have_text(f"{100 * (9 + 6 + 4 * 3) / 54:.1f}")  # every criterion scored: now the total
    page.get_by_label("Overall comment (optional)").fill("A model for others.")
    page.get_by_role("button", name="Submit scores").click()
    confirm(page)

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
    expect(page.locator("#score-keys")).to_be_visible()  # shown by scoring.js (deferred): the sheet listens


def test_autosave_keeps_a_score_without_pressing_save(page: Page, live_server, world, panel, sign_in):
    rubric = panel["rubric"]
    sign_in(world.judge.email)
    _open_sheet(page, live_server, panel["first"])
    choose(score(page, 4, rubric[3].name_en), "6")
    expect(page.locator("#save-status")).to_have_text("Changes not saved yet")
    expect(page.locator("#save-status")).to_have_text(SAVED)
    page.reload()
    expect(chosen(score(page, 4, rubric[3].name_en))).to_have_value("6")
    expect(page.locator("#save-status")).to_have_text(SAVED)  # as the server writes it too
    sheet = reloaded(Assignment, panel["first"].id).sheet
    assert sheet.status is SheetStatus.DRAFT
    assert [str(s.value) for s in sheet.scores if s.value is not None] == ["6.00"]


def test_a_score_chosen_while_the_page_still_loads_is_saved_too(page: Page, live_server, world, panel, sign_in):
    """On a slow connection the judge may click a score before the sheet's script has arrived: once it runs, the
    score is saved like any other change."""
    rubric = panel["rubric"]
    sign_in(world.judge.email)
    _open_sheet(page, live_server, panel["first"])
    held = []
    page.route("**/static/js/scoring.js", lambda route: held.append(route))
    page.goto(f"{live_server}/judging/assignments/{panel['first'].id}", wait_until="commit")
    expect(page.locator("#score-sheet")).to_be_visible()
    choose(score(page, 2, rubric[1].name_en), "9")
    expect(page.locator("#score-keys")).to_be_hidden()  # the script has not run yet
    page.wait_for_function("() => true")  # let the route handler see the request
    assert held, "the script was requested"
    held[0].continue_()
    expect(page.locator("#save-status")).to_have_text(SAVED)
    sheet = reloaded(Assignment, panel["first"].id).sheet
    assert [str(s.value) for s in sheet.scores if s.value is not None] == ["9.00"]


def test_nothing_is_lost_offline_or_in_a_closed_tab(page: Page, live_server, world, panel, sign_in):
    rubric = panel["rubric"]
    sign_in(world.judge.email)
    _open_sheet(page, live_server, panel["first"])
    first = score(page, 1, rubric[0].name_en)

    # The connection drops: the status says so, and the save goes through when it comes back.
    page.context.set_offline(True)
    choose(first, "8")
    expect(page.locator("#save-status")).to_contain_text("Not saved: offline — will retry")
    page.context.set_offline(False)
    expect(page.locator("#save-status")).to_have_text(SAVED)
    assert [s.value for s in reloaded(Assignment, panel["first"].id).sheet.scores if s.value is not None] == [8]

    # Offline again, the tab is closed before anything reaches the server: the browser kept the input.
    page.context.set_offline(True)
    choose(first, "3")
    expect(page.locator("#save-status")).to_contain_text("Not saved")
    page.close()
    page.context.set_offline(False)
    again = page.context.new_page()
    again.goto(f"{live_server}/judging/assignments/{panel['first'].id}")
    expect(chosen(score(again, 1, rubric[0].name_en))).to_have_value("3")
    expect(again.locator("#save-status")).to_have_text(SAVED)
    assert [s.value for s in reloaded(Assignment, panel["first"].id).sheet.scores if s.value is not None] == [3]


def test_a_stale_tab_is_told_instead_of_overwriting(page: Page, browser: Browser, live_server, world, panel, sign_in):
    rubric = panel["rubric"]
    sign_in(world.judge.email)
    _open_sheet(page, live_server, panel["first"])
    other_tab = page.context.new_page()
    other_tab.goto(f"{live_server}/judging/assignments/{panel['first'].id}")
    choose(score(page, 1, rubric[0].name_en), "9")
    expect(page.locator("#save-status")).to_have_text(SAVED)
    choose(score(other_tab, 1, rubric[0].name_en), "2")
    expect(other_tab.locator("#save-status")).to_have_text(
        "These scores were changed in another window. Reload the page to see the latest."
    )
    assert [s.value for s in reloaded(Assignment, panel["first"].id).sheet.scores if s.value is not None] == [9]


def _scores(assignment: Assignment) -> dict[int, int | None]:
    """The scores the server holds, by criterion."""
    sheet = reloaded(Assignment, assignment.id).sheet
    return {s.criterion_id: (int(s.value) if s.value is not None else None) for s in sheet.scores} if sheet else {}


def _focused_in(group: Locator) -> bool:
    return group.evaluate("element => element.contains(document.activeElement)")


def test_a_judge_scores_with_the_keyboard(page: Page, live_server, world, panel, sign_in):
    """Tab to a score, move with the arrow keys, type digits ("10" quickly, "0" for 10, Delete to clear)."""
    rubric = panel["rubric"]
    sign_in(world.judge.email)
    _open_sheet(page, live_server, panel["first"])
    expect(page.locator("#score-keys")).to_be_visible()  # the hint, shown once the keys work
    groups = [score(page, number, c.name_en) for number, c in enumerate(rubric, start=1)]
    page.locator("#scores-heading").click()  # from the top of the panel, as a keyboard user goes on
    page.keyboard.press("Tab")
    assert _focused_in(groups[0]), "Tab does not reach the first score"
    page.keyboard.press("ArrowRight")  # from "Not scored" to 1, then 2
    page.keyboard.press("ArrowRight")
    expect(chosen(groups[0])).to_have_value("2")
    page.keyboard.press("ArrowLeft")
    expect(chosen(groups[0])).to_have_value("1")
    page.keyboard.type("7")
    expect(chosen(groups[0])).to_have_value("7")
    page.keyboard.press("Tab")  # the comment
    page.keyboard.press("Tab")  # its "Share with the applicant" tick
    page.keyboard.press("Tab")  # the next score
    assert _focused_in(groups[1])
    page.keyboard.type("10")
    expect(chosen(groups[1])).to_have_value("10")
    for _ in range(3):
        page.keyboard.press("Tab")
    page.keyboard.type("0")  # no 0 on a scale of 1 to 10: 0 is 10
    expect(chosen(groups[2])).to_have_value("10")
    for _ in range(3):
        page.keyboard.press("Tab")
    page.keyboard.type("5")
    expect(chosen(groups[3])).to_have_value("5")
    page.keyboard.press("Delete")  # not scored after all
    expect(chosen(groups[3])).to_have_value("")
    page.wait_for_timeout(900)  # a pause: the next digit is a new score, not a second digit
    page.keyboard.type("4")
    expect(chosen(groups[3])).to_have_value("4")
    expect(page.get_by_text("4 of 6 criteria scored")).to_be_visible()
    expect(page.locator("#total")).to_be_hidden()
    expect(page.locator("#save-status")).to_have_text(SAVED)
    assert _scores(panel["first"]) == {rubric[0].id: 7, rubric[1].id: 10, rubric[2].id: 10, rubric[3].id: 4} | {
        c.id: None for c in rubric[4:]
    }


def test_two_devices_the_judge_chooses_what_to_keep(
    page: Page, browser: Browser, live_server, world, panel, sign_in, screenshot_dir
):
    """A copy kept by one device on top of an older version is not restored over newer work: the judge chooses."""
    rubric = panel["rubric"]
    names = [c.name_en for c in rubric]
    sign_in(world.judge.email)
    _open_sheet(page, live_server, panel["first"])

    # Device A: the saves never reach the server; the browser keeps what was typed.
    page.route("**/autosave", lambda route: route.abort())
    choose(score(page, 1, names[0]), "9")
    choose(score(page, 2, names[1]), "8")
    criterion(page, 2, names[1]).get_by_label("Comment (optional)").fill("Typed on the laptop.")
    expect(page.locator("#save-status")).to_contain_text("Not saved")

    # Device B, the same judge: other scores, saved.
    tablet = browser.new_context(viewport=TABLET, locale="en-GB")
    other = tablet.new_page()
    other.goto(f"{live_server}/auth/login")
    other.locator("#email").fill(world.judge.email)
    other.locator("#password").fill(PASSWORD)
    other.locator("#submit").click()
    other.goto(f"{live_server}/judging/assignments/{panel['first'].id}")
    choose(score(other, 1, names[0]), "3")
    choose(score(other, 3, names[2]), "6")
    expect(other.locator("#save-status")).to_have_text(SAVED)
    tablet.close()
    saved_by_b = _scores(panel["first"])
    assert (saved_by_b[rubric[0].id], saved_by_b[rubric[2].id]) == (3, 6)

    # Device A comes back: asked, with both versions side by side, and nothing changes until it chooses.
    page.unroute("**/autosave")
    page.reload()
    conflict = page.locator("#sheet-conflict")
    expect(conflict).to_be_visible()
    expect(page.locator("#save-status")).to_have_text("Not saved: choose which scores to keep above.")
    rows = conflict.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text(f"1. {names[0]}")
    expect(rows.nth(0).locator("td").nth(0)).to_contain_text("9")
    expect(rows.nth(0).locator("td").nth(1)).to_contain_text("3")
    expect(rows.nth(1).locator("td").nth(0)).to_contain_text("8")
    expect(rows.nth(1).locator("td").nth(0)).to_contain_text("Typed on the laptop.")
    expect(rows.nth(1).locator("td").nth(1)).to_contain_text("Not scored")
    expect(rows.nth(2).locator("td").nth(0)).to_contain_text("Not scored")
    expect(rows.nth(2).locator("td").nth(1)).to_contain_text("6")
    expect(chosen(score(page, 1, names[0]))).to_have_value("3")  # the page shows the server's until then
    page.screenshot(path=screenshot_dir / "en-laptop-judging-two-devices.png")
    expect(page.locator("#submit_scores")).to_be_disabled()
    page.wait_for_timeout(2000)  # longer than autosave waits
    assert _scores(panel["first"]) == saved_by_b

    # Every line needs a choice; then what was chosen is saved, on top of the server's version.
    rows.nth(0).locator("input[value=local]").check()
    conflict.get_by_role("button", name="Keep the versions chosen").click()
    expect(conflict.get_by_text("Choose a version on every line first.")).to_be_visible()
    rows.nth(1).locator("input[value=local]").check()
    rows.nth(2).locator("input[value=server]").check()
    conflict.get_by_role("button", name="Keep the versions chosen").click()
    expect(conflict).to_be_hidden()
    expect(chosen(score(page, 1, names[0]))).to_have_value("9")
    expect(chosen(score(page, 3, names[2]))).to_have_value("6")
    expect(page.locator("#save-status")).to_have_text(SAVED)
    assert _scores(panel["first"]) == {rubric[0].id: 9, rubric[1].id: 8, rubric[2].id: 6} | {
        c.id: None for c in rubric[3:]
    }
    comments = {s.criterion_id: s.comment for s in reloaded(Assignment, panel["first"].id).sheet.scores}
    assert comments[rubric[1].id] == "Typed on the laptop."
    page.reload()  # the choice is made: nothing to ask any more
    expect(page.locator("#sheet-conflict")).to_be_hidden()
    expect(chosen(score(page, 1, names[0]))).to_have_value("9")


def test_two_devices_the_judge_keeps_the_servers_scores(
    page: Page, browser: Browser, live_server, world, panel, sign_in
):
    """Offline on one device, saved on another: keeping the server's version discards this browser's copy."""
    rubric = panel["rubric"]
    sign_in(world.judge.email)
    _open_sheet(page, live_server, panel["first"])
    page.context.set_offline(True)
    choose(score(page, 1, rubric[0].name_en), "2")
    expect(page.locator("#save-status")).to_contain_text("Not saved: offline")

    laptop = browser.new_context(locale="en-GB")
    other = laptop.new_page()
    other.goto(f"{live_server}/auth/login")
    other.locator("#email").fill(world.judge.email)
    other.locator("#password").fill(PASSWORD)
    other.locator("#submit").click()
    other.goto(f"{live_server}/judging/assignments/{panel['first'].id}")
    choose(score(other, 1, rubric[0].name_en), "8")
    expect(other.locator("#save-status")).to_have_text(SAVED)
    laptop.close()

    page.context.set_offline(False)
    page.reload()
    conflict = page.locator("#sheet-conflict")
    expect(conflict.locator("tbody tr")).to_have_count(1)
    conflict.get_by_role("button", name="Keep all from the server").click()
    expect(conflict).to_be_hidden()
    expect(chosen(score(page, 1, rubric[0].name_en))).to_have_value("8")
    expect(page.locator("#save-status")).to_have_text(SAVED)  # as the server wrote it: nothing new to save
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('awards:score-sheet:'))") == []
    page.reload()
    expect(conflict).to_be_hidden()
    assert _scores(panel["first"])[rubric[0].id] == 8


def test_digits_on_a_scale_of_halves_from_zero(page: Page, live_server, world, panel, sign_in):
    """Where the scale has a 0, "0" is 0 and 10 is typed "1", "0"; "7", ".", "5" is 7.5."""
    rubric = panel["rubric"]
    rubric[1].min_score, rubric[1].max_score, rubric[1].step = Decimal(0), Decimal(10), Decimal("0.5")
    db.session.commit()
    sign_in(world.judge.email)
    _open_sheet(page, live_server, panel["first"])
    group = score(page, 2, rubric[1].name_en)
    expect(group.locator("input")).to_have_count(22)  # "not scored", 0, 0.5 … 10
    group.locator("input:checked").focus()
    page.keyboard.type("0")
    expect(chosen(group)).to_have_value("0")
    page.wait_for_timeout(900)
    page.keyboard.type("10")
    expect(chosen(group)).to_have_value("10")
    page.wait_for_timeout(900)
    page.keyboard.type("7.5")
    expect(chosen(group)).to_have_value("7.5")
    expect(page.locator("#save-status")).to_have_text(SAVED)
    assert [str(s.value) for s in reloaded(Assignment, panel["first"].id).sheet.scores if s.value is not None] == [
        "7.50"
    ]


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
        page.locator(f"#score_{rubric[number - 1].id} input[value='{value}'] + label").click()
    page.locator(f"textarea[name=comment_{rubric[0].id}]").fill("Clear evidence of the problem's causes.")
    expect(page.locator("#save-status")).to_have_text(re.compile(r"\d\d:\d\d"))
    page.evaluate("window.scrollTo(0, 0)")
    shoot("score-sheet")
    # The whole rubric scrolls with the page (no inner scrolled box); its bar stays at the top of the screen.
    assert page.locator("#score-sheet > .card-body").evaluate("el => getComputedStyle(el).overflowY") == "visible"
    page.locator("#overall_comment").scroll_into_view_if_needed()
    bar = page.locator(".sheet-bar").bounding_box()
    assert bar is not None and abs(bar["y"]) < 1, bar
    expect(page.locator("#save-status")).to_be_in_viewport()
    page.screenshot(path=screenshot_dir / f"{language}-{screen}-judging-04b-score-sheet-scrolled.png")
    # This device's saves fail while another one saves: back on the page, the judge sees both versions.
    page.route("**/autosave", lambda route: route.abort())
    page.locator(f"#score_{rubric[4].id} input[value='5'] + label").click()
    expect(page.locator("#save-status")).to_have_class(re.compile("text-warning"))
    db.session.rollback()
    elsewhere = {rubric[0].id: "8", rubric[1].id: "6", rubric[2].id: "9", rubric[4].id: "6"}
    comments = {rubric[0].id: "Clear evidence of the problem's causes."}
    sheets_service.save_sheet(
        db.session.get(Assignment, panel["first"].id), world.judge, SheetInput(elsewhere, comments, "")
    )
    page.unroute("**/autosave")
    page.reload()
    expect(page.locator("#sheet-conflict tbody tr")).to_have_count(1)
    page.evaluate("window.scrollTo(0, 0)")
    shoot("score-sheet-conflict")
    page.locator("#sheet-conflict [data-keep=server]").click()
    expect(page.locator("#sheet-conflict")).to_be_hidden()
    page.locator("#submit_scores").click()
    expect(page.locator("#confirm-dialog")).to_be_visible()
    shoot("score-sheet-confirm")
    confirm(page)
    expect(page.locator(".is-invalid").first).to_be_visible()
    shoot("score-sheet-errors")
    for c in rubric[3:]:
        page.locator(f"#score_{c.id} input[value='7'] + label").click()
    page.locator("#submit_scores").click()
    confirm(page)
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


def test_a_comment_saved_by_the_button_asks_no_choice_on_return(page: Page, live_server, world, panel, sign_in):
    """A comment ending in a space or a new line, saved with "Save draft" before autosave ran: the server keeps it
    trimmed, which is no second version of the sheet, so the page comes back editable with no choice to make."""
    rubric = panel["rubric"]
    sign_in(world.judge.email)
    _open_sheet(page, live_server, panel["first"])
    choose(score(page, 1, rubric[0].name_en), "7")
    expect(page.locator("#save-status")).to_have_text(SAVED)
    page.locator(f"textarea[name='comment_{rubric[0].id}']").fill("Clear evidence.\n")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved. You can come back to it until the round closes.")).to_be_visible()
    expect(page.locator("#sheet-conflict")).to_be_hidden()
    expect(page.locator(f"textarea[name='comment_{rubric[0].id}']")).to_be_editable()
    expect(page.locator(f"textarea[name='comment_{rubric[0].id}']")).to_have_value("Clear evidence.")
    expect(page.locator("#score-keys")).to_be_visible()  # shown by scoring.js (deferred): it has compared the copy
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('awards:score-sheet:'))") == []


def test_scores_refused_as_stale_by_save_draft_are_offered_again_after_a_reload(
    page: Page, browser: Browser, live_server, world, panel, sign_in
):
    """Another device saved the sheet; this one then posts with "Save draft" before autosave ran. The page shows
    what was typed and says to reload: after the reload the judge still chooses, and nothing typed is dropped."""
    rubric = panel["rubric"]
    sign_in(world.judge.email)
    _open_sheet(page, live_server, panel["first"])

    laptop = browser.new_context(locale="en-GB")
    other = laptop.new_page()
    other.goto(f"{live_server}/auth/login")
    other.locator("#email").fill(world.judge.email)
    other.locator("#password").fill(PASSWORD)
    other.locator("#submit").click()
    other.goto(f"{live_server}/judging/assignments/{panel['first'].id}")
    choose(score(other, 1, rubric[0].name_en), "8")
    expect(other.locator("#save-status")).to_have_text(SAVED)
    laptop.close()

    choose(score(page, 1, rubric[0].name_en), "3")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("These scores were changed in another window.")).to_be_visible()
    expect(chosen(score(page, 1, rubric[0].name_en))).to_have_value("3")  # what was typed, not saved
    assert _scores(panel["first"])[rubric[0].id] == 8

    page.goto(f"{live_server}/judging/assignments/{panel['first'].id}")  # opened again: a reload would post again
    conflict = page.locator("#sheet-conflict")
    expect(conflict).to_be_visible()
    expect(conflict.locator("tbody tr")).to_have_count(1)
    conflict.get_by_role("button", name="Keep all from this browser").click()
    expect(chosen(score(page, 1, rubric[0].name_en))).to_have_value("3")
    expect(page.locator("#save-status")).to_have_text(SAVED)
    assert _scores(panel["first"])[rubric[0].id] == 3


def test_scores_refused_by_submit_are_not_lost_when_the_judge_leaves(page: Page, live_server, world, panel, sign_in):
    """Submit refused (criteria left unscored) shows the page again with what was typed and nothing saved: leaving
    it at once must not lose that score, which autosave had not sent yet."""
    rubric = panel["rubric"]
    sign_in(world.judge.email)
    _open_sheet(page, live_server, panel["first"])
    choose(score(page, 2, rubric[1].name_en), "4")
    page.get_by_role("button", name="Submit scores", exact=True).click()
    confirm(page)
    expect(page.get_by_text("Nothing was saved").first).to_be_visible()
    expect(chosen(score(page, 2, rubric[1].name_en))).to_have_value("4")
    expect(page.locator("#save-status")).to_have_text("Changes not saved yet")
    page.wait_for_timeout(2000)  # longer than autosave waits: the marks on the criteria left unscored stay
    expect(criterion(page, 1, rubric[0].name_en).locator(".is-invalid")).to_have_count(1)

    page.goto(f"{live_server}/judging/")
    page.goto(f"{live_server}/judging/assignments/{panel['first'].id}")
    expect(chosen(score(page, 2, rubric[1].name_en))).to_have_value("4")
    expect(page.locator("#save-status")).to_have_text(SAVED)
    assert _scores(panel["first"])[rubric[1].id] == 4
