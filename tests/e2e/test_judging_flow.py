"""A judge's day in a real browser: the declarations of the list made at once, then two nominations scored in a row
with "Submit and open the next", and the list sorted by the judge's own totals with the keyboard."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from awards_app.extensions import db
from awards_app.models import Assignment, AuditEvent, Conflict, SheetStatus
from tests.functional.judging_helpers import assign, criteria, eligible, judging_round

from .helpers import LAPTOP, Screenshots, choose_language, confirm, reloaded

#: The brief's tablet: a judge reading on an iPad between meetings.
TABLET = {"width": 768, "height": 1024}


@pytest.fixture(autouse=True)
def real_csrf(app):
    """Check CSRF tokens as production does: the declarations form sends its own."""
    app.config["WTF_CSRF_ENABLED"] = True


@pytest.fixture
def day(world):
    """Three nominations of an open round for the world's judge, none declared yet."""
    round_ = judging_round(world, categories=[world.project, world.leadership])
    titles = ("Odense robot-assisted care", "Kigali smart water meters", "Odense harbour baths")
    organisations = (world.city, world.other_city, world.city)
    nominations = [eligible(world, t, organisation=o) for t, o in zip(titles, organisations, strict=True)]
    return {
        "round": round_,
        "rubric": criteria(round_, world.project),
        "assignments": [assign(round_, n, world.judge) for n in nominations],
    }


def score_all(page: Page, rubric, values: list[str]) -> None:
    """Click each criterion's score on its bar of values (found by its id, so in any language)."""
    for criterion, value in zip(rubric, values, strict=True):
        page.locator(f"#score_{criterion.id} input[value='{value}'] + label").click()


def test_declare_at_once_then_score_two_in_a_row(page: Page, live_server, world, day, sign_in):
    first, second, third = day["assignments"]
    rubric = day["rubric"]
    page.set_viewport_size(LAPTOP)
    sign_in(world.judge.email)

    # The list shows what the judge declares for: reference, title, organisation and country of each.
    declarations = page.get_by_role("region", name=re.compile("Conflicts of interest to declare"))
    expect(declarations).to_contain_text("SSCP-2026-TI-002")
    expect(declarations).to_contain_text("Kigali smart water meters")
    expect(declarations).to_contain_text("Kigali City")
    expect(declarations).to_contain_text("Rwanda")
    # No conflict with the first two; a conflict with the third, with its reason.
    third_box = declarations.get_by_label("No conflict of interest with SSCP-2026-TI-003")
    expect(third_box).to_be_checked()
    third_box.uncheck()
    declarations.get_by_label("I have a conflict of interest with").select_option(str(third.id))
    declarations.get_by_label("The conflict, briefly").fill("I sit on the harbour baths' board.")
    # Forgetting the confirmation is refused, and nothing is saved; what was chosen stays.
    declarations.get_by_role("button", name="Confirm my declarations").click()
    expect(page.locator(".alert-danger").first).to_contain_text("Nothing was saved")
    declarations = page.get_by_role("region", name=re.compile("Conflicts of interest to declare"))
    expect(declarations.get_by_label("No conflict of interest with SSCP-2026-TI-003")).not_to_be_checked()
    expect(declarations.get_by_label("The conflict, briefly")).to_have_value("I sit on the harbour baths' board.")
    assert reloaded(Assignment, first.id).no_conflict_declared_at is None
    declarations.get_by_label(re.compile("I have read the nominations listed above")).check()
    declarations.get_by_role("button", name="Confirm my declarations").click()

    expect(page.locator(".alert-success").first).to_contain_text(
        "You declared no conflict of interest with 2 nominations"
    )
    expect(page.locator(".alert-info").first).to_contain_text("SSCP-2026-TI-003 is recorded")
    expect(page.get_by_role("region", name=re.compile("Conflicts of interest to declare"))).to_have_count(0)
    assert reloaded(Assignment, first.id).no_conflict_declared_at is not None
    assert db.session.scalar(sa.select(Conflict.nomination_id)) == third.nomination_id
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "conflict.none_declared")) == 2

    # Score the first and go straight on to the next.
    page.locator("#next-to-score").click()
    expect(page.get_by_role("heading", name="Odense robot-assisted care")).to_be_visible()
    score_all(page, rubric, ["10", "9", "8", "8", "9", "10"])
    page.get_by_role("button", name="Submit and open the next").click()
    confirm(page)
    expect(page.get_by_role("heading", name="Kigali smart water meters")).to_be_visible()
    expect(page.locator(".alert-success").first).to_contain_text(
        "Your scores for SSCP-2026-TI-001 are submitted. Here is the next nomination: SSCP-2026-TI-002."
    )
    score_all(page, rubric, ["5", "6", "5", "6", "5", "6"])
    page.get_by_role("button", name="Submit and open the next").click()
    confirm(page)

    # Nothing left: the list says so, with the judge's own totals.
    expect(page.get_by_role("heading", name="My assignments")).to_be_visible()
    expect(page.locator(".alert-success").first).to_contain_text("all your nominations in the open rounds are done")
    expect(page.locator("#next-to-score")).to_have_count(0)
    for assignment in (first, second):
        assert reloaded(Assignment, assignment.id).sheet.status is SheetStatus.SUBMITTED
    table = page.locator("table.judging-work")  # scores from 1 to 10, six criteria of equal weight
    expect(table.locator("tbody tr").nth(0)).to_contain_text("88.9")  # 100 × (9 + 8 + 7 + 7 + 8 + 9) / 54
    expect(table.locator("tbody tr").nth(1)).to_contain_text("50.0")  # 100 × (4 + 5 + 4 + 5 + 4 + 5) / 54

    # Sorted by the total with the keyboard alone: Tab to the header's link, Enter.
    header = table.get_by_role("link", name=re.compile("Your total"))
    for _ in range(60):
        page.keyboard.press("Tab")
        if header.evaluate("element => element === document.activeElement"):
            break
    else:
        pytest.fail("the total's header cannot be reached with the Tab key")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"sort=total$"))
    table = page.locator("table.judging-work")
    expect(table.get_by_role("columnheader", name=re.compile("Your total"))).to_have_attribute("aria-sort", "ascending")
    expect(table.locator("tbody tr").nth(0)).to_contain_text("Kigali smart water meters")
    expect(table.locator("tbody tr").nth(1)).to_contain_text("Odense robot-assisted care")


@pytest.mark.parametrize("language", ["en", "ko"])
@pytest.mark.parametrize("screen", [LAPTOP, TABLET], ids=["laptop", "tablet"])
def test_the_judge_s_list_looks_right(page: Page, live_server, world, day, sign_in, screenshot_dir, screen, language):
    first = day["assignments"][0]  # declared; the two others wait for a declaration on the list
    rubric = day["rubric"]
    first.no_conflict_declared_at = first.created_at
    db.session.commit()
    page.set_viewport_size(screen)
    sign_in(world.judge.email)
    if language != "en":
        choose_language(page, language)
    shots = Screenshots(
        page, screenshot_dir, f"judge-flow-{'laptop' if screen is LAPTOP else 'tablet'}-{language}", language
    )
    page.goto(f"{live_server}/judging/assignments/{first.id}")
    score_all(page, rubric, ["10", "9", "8", "8", "9", "10"])
    page.locator("#submit_and_next").scroll_into_view_if_needed()
    shots.shoot("score-sheet-footer")
    page.locator("#submit_scores").click()
    confirm(page)
    expect(page.locator(".alert-success").first).to_be_visible()  # submitted, before leaving the page
    page.goto(f"{live_server}/judging/")
    shots.shoot("list")
    expect(page.locator("#declarations input[name=no_conflict]")).to_have_count(2)
    expect(page.locator("table.judging-work")).to_contain_text("88.9")
    assert not shots.too_wide, shots.too_wide
