"""One truth about progress: "missing" on the progress page and in the round's counts, "done" on the round list,
the missing filter and the reminders all mean the same thing: work a judge still owes. A recusal or a waiver owes
nothing; a nomination left with too few judges is "short", which a reminder cannot fix."""

from __future__ import annotations

import re

import sqlalchemy as sa

from awards_app.extensions import db
from awards_app.models import Assignment, AssignmentStatus
from awards_app.services import assignments as assignments_service
from awards_app.services import conflicts as conflicts_service
from awards_app.services import progress as progress_service
from awards_app.services import sheets as sheets_service
from awards_app.services.progress import RoundFilter
from tests.functional.judging_helpers import another_judge, assign, criteria, eligible, judging_round


def _submit(assignment, judge, rubric) -> None:
    data = sheets_service.SheetInput({c.id: "7" for c in rubric}, {}, "")
    sheets_service.save_sheet(assignment, judge, data, submit=True)


def _views(client, round_) -> dict[str, object]:
    """What each place says, read the way the secretariat reads it."""
    summary = progress_service.round_summary(round_)
    judges = progress_service.judge_progress(round_)
    missing = db.session.scalars(progress_service.round_nomination_search(round_, RoundFilter(state="missing"))).all()
    page = client.get(f"/secretariat/rounds/{round_.id}/progress").data.decode()
    listed = client.get(f"/secretariat/rounds/?edition={round_.edition.slug}").data.decode()
    return {
        "summary": summary.missing,
        "filter": {n.id for n in missing},
        "owing judges": {p.judge.id for p in judges if p.unfinished},
        "page": re.search(r"(\d+) of [\d,]+ nominations? still miss", page).group(1),
        "round list": re.search(r"(\d+) of (\d+) assignments done", listed).groups(),
    }


def test_missing_done_and_the_reminder_agree(client, auth, world, db, smtp_inbox):
    round_ = judging_round(world)
    rubric = criteria(round_, world.project)
    second = another_judge()
    third = another_judge("judge3@judges.example", "Chen Wei")
    waiting, recused, waived = (eligible(world, title) for title in ("Robot care", "Harbour buses", "Night libraries"))
    # Waiting: one judge submitted, one has not started.
    _submit(assign(round_, waiting, world.judge, declared=True), world.judge, rubric)
    late = assign(round_, waiting, second, declared=True)
    # Recused: one judge submitted, the other declared a conflict.
    _submit(assign(round_, recused, world.judge, declared=True), world.judge, rubric)
    conflicts_service.declare(assign(round_, recused, third), third, True, "Advised the city")
    # Waived: one submitted, the other left unfinished with the secretariat's leave.
    _submit(assign(round_, waived, world.judge, declared=True), world.judge, rubric)
    assignments_service.waive_assignment(assign(round_, waived, third, declared=True), world.secretariat, "On leave")

    auth.login(world.secretariat)
    views = _views(client, round_)
    assert views["summary"] == 1 and views["filter"] == {waiting.id} and views["page"] == "1"
    assert views["owing judges"] == {second.id}
    assert views["round list"] == ("5", "6")  # recused and waived count as done; the late judge's does not
    progress = {p.nomination.id: p for p in progress_service.nominations_progress(round_, [waiting, recused, waived])}
    assert progress[waiting.id].missing == 1 and progress[recused.id].missing == 0 and progress[waived.id].missing == 0
    assert progress[recused.id].short == 2  # three judges wanted, one without a conflict: the page offers judges

    client.post(f"/secretariat/rounds/{round_.id}/remind", data={"confirm": "y"})
    assert [envelope[1] for envelope in smtp_inbox.envelopes] == [[second.email]]

    _submit(late, second, rubric)
    views = _views(client, round_)
    assert views["summary"] == 0 and views["filter"] == set() and views["page"] == "0"
    assert views["owing judges"] == set() and views["round list"] == ("6", "6")
    response = client.post(f"/secretariat/rounds/{round_.id}/remind", data={"confirm": "y"}, follow_redirects=True)
    assert "nobody to remind" in response.data.decode()
    assert len(smtp_inbox.envelopes) == 1
    statuses = {a.status for a in db.session.scalars(sa.select(Assignment).where(Assignment.round_id == round_.id))}
    assert AssignmentStatus.RECUSED in statuses and AssignmentStatus.WAIVED in statuses
