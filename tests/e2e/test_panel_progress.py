"""The secretariat follows a round in the browser: who has scored, who is recused, and the committee's counts."""

import re

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from awards_app.extensions import db
from awards_app.models import Assignment, RoundMode, Vote
from awards_app.services import conflicts as conflicts_service
from awards_app.services import sheets as sheets_service
from awards_app.services import votes as votes_service
from tests.functional.judging_helpers import another_judge, assign, criteria, eligible, judging_round

from .helpers import confirm


def test_the_secretariat_sees_scores_and_recusals_on_the_progress_view(
    page: Page, live_server, world, sign_in, screenshot_dir
):
    nomination = eligible(world)
    round_ = judging_round(world)
    second = another_judge()
    first_assignment = assign(round_, nomination, world.judge, declared=True)
    second_assignment = assign(round_, nomination, second)
    rubric = criteria(round_, world.project)
    sheets_service.save_sheet(
        first_assignment, world.judge, sheets_service.SheetInput({c.id: "8" for c in rubric}, {}, ""), submit=True
    )
    conflicts_service.declare(second_assignment, second, True, "I advised the city on this project.")

    sign_in(world.secretariat.email)
    page.goto(f"{live_server}/secretariat/rounds/{round_.id}/progress")
    judges = page.get_by_role("table").first
    expect(judges.get_by_role("row", name=re.compile(world.judge.name))).to_contain_text("1")
    expect(page.get_by_text("total 77.8")).to_be_visible()  # (8−1)/9 × 100
    expect(page.locator("li", has_text=second.name).get_by_text("Recused")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "en-laptop-20-round-progress.png"), full_page=True)

    # The recusal shows on the conflicts tab, and the assignment page offers the gap to fill.
    page.get_by_role("link", name="Conflicts of interest").click()
    expect(page.get_by_text("I advised the city on this project.")).to_be_visible()
    page.get_by_role("link", name="Assignments").click()
    expect(page.get_by_text("2 judge(s) short")).to_be_visible()

    # Reopening hands the sheet back to its judge.
    page.get_by_role("link", name="Progress").click()
    page.get_by_role("button", name="Reopen").click()
    confirm(page)
    expect(page.get_by_role("alert")).to_contain_text(f"The scores of {world.judge.name} are open again.")
    db.session.expire_all()
    assert db.session.get(Assignment, first_assignment.id).sheet.status.value == "draft"


def test_the_committee_counts_show_quorum_and_result(page: Page, live_server, world, sign_in):
    commendation = eligible(world, "김서연", category=world.commendation)
    round_ = judging_round(world, name="Merit review", categories=[world.commendation], mode=RoundMode.COMMITTEE)
    members = [world.judge, another_judge(), another_judge("judge3@judges.example", "Chen Wei")]
    assignments = [assign(round_, commendation, member, declared=True) for member in members]
    votes_service.cast_vote(assignments[0], members[0], Vote.APPROVE)
    sign_in(world.secretariat.email)
    page.goto(f"{live_server}/secretariat/rounds/{round_.id}/progress")
    expect(page.get_by_text("1 approve · 0 reject · 0 abstain of 3 members")).to_be_visible()
    expect(page.get_by_text("no quorum yet")).to_be_visible()
    votes_service.cast_vote(assignments[1], members[1], Vote.APPROVE)
    page.reload()
    expect(page.get_by_text("passes")).to_be_visible()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assignment)) == 3
