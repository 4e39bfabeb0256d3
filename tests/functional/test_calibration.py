"""Calibration: the secretariat marks a category's calibration nominations, every judge of the category is given
them and scores them first, the rest unlock after, each judge then reads privately how their totals compare, and the
secretariat reads everyone's side by side; whether those first scores count is the round's choice."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from awards_app.models import (
    Assignment,
    AuditEvent,
    CalibrationNomination,
    CalibrationTotal,
    Conflict,
    Role,
    SheetStatus,
)
from awards_app.services import ServiceError
from awards_app.services import assignments as assignments_service
from awards_app.services import calibration as calibration_service
from awards_app.services import conflicts as conflicts_service
from awards_app.services import sheets as sheets_service
from tests.conftest import make_user
from tests.functional.judging_helpers import assign, criteria, eligible, judging_round, sheet_data

JUDGES = [
    ("judge@judges.example", "PT"),
    ("lin@judges.example", "VN"),
    ("ola@judges.example", "NG"),
    ("max@judges.example", "DE"),
]


@pytest.fixture
def season(world, db):
    """A round of the project category with five nominations, each judged by four judges who all declared no
    conflict; nothing is marked or scored yet."""
    world.judge.country_code = "PT"
    judges = [world.judge]
    for email, country in JUDGES[1:]:
        judge = make_user(email, [Role.JUDGE], name=email.split("@")[0].title())
        judge.country_code = country
        judges.append(judge)
    db.session.commit()
    round_ = judging_round(world)
    nominations = [eligible(world, title) for title in ("Robot care", "Harbour buses", "Open data", "Heat map", "Bins")]
    for nomination in nominations:
        for judge in judges:
            assign(round_, nomination, judge, declared=True)
    return round_, nominations, judges


def _assignment(db, round_, nomination, judge) -> Assignment:
    return db.session.scalar(
        sa.select(Assignment).where(
            Assignment.round_id == round_.id, Assignment.nomination_id == nomination.id, Assignment.judge_id == judge.id
        )
    )


def _submit(db, world, round_, nomination, judge, scores):
    assignment = _assignment(db, round_, nomination, judge)
    rubric = criteria(round_, world.project)
    values = {c.id: str(s) for c, s in zip(rubric, scores, strict=False)}
    sheets_service.save_sheet(assignment, judge, sheets_service.SheetInput(values, {}, ""), submit=True)
    db.session.expire_all()
    return assignment


def _mark(world, round_, nominations):
    return calibration_service.mark(round_, world.project, [n.id for n in nominations], world.secretariat)


def test_marking_takes_two_or_three_nominations_of_the_category_and_changes_nothing_otherwise(world, db, season):
    round_, nominations, _judges = season
    for chosen, message in [
        (nominations[:1], "between 2 and 3"),
        (nominations[:4], "between 2 and 3"),
    ]:
        with pytest.raises(ServiceError, match=message):
            _mark(world, round_, chosen)
    other = eligible(world, "A leader", category=world.leadership)
    with pytest.raises(ServiceError, match="Choose nominations of this category"):
        calibration_service.mark(round_, world.project, [nominations[0].id, other.id], world.secretariat)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalibrationNomination)) == 0

    _mark(world, round_, nominations[:2])
    assert {n.id for n in calibration_service.marked(round_)[world.project.id]} == {n.id for n in nominations[:2]}
    with pytest.raises(ServiceError, match="already the calibration nominations"):
        _mark(world, round_, nominations[:2])
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "calibration.marked"))
    assert event is not None and event.actor_id == world.secretariat.id


def test_marking_gives_the_calibration_to_every_judge_of_the_category_but_one_in_conflict(world, db):
    round_ = judging_round(world)
    first, second, third = (eligible(world, t) for t in ("Robot care", "Harbour buses", "Open data"))
    lin = make_user("lin@judges.example", [Role.JUDGE], name="Lin")
    ola = make_user("ola@judges.example", [Role.JUDGE], name="Ola")
    db.session.commit()
    assign(round_, first, world.judge)
    assign(round_, second, lin)
    assign(round_, third, ola)
    db.session.add(Conflict(judge_id=ola.id, nomination_id=second.id, reason="Advised", recorded_by_id=ola.id))
    db.session.commit()

    added = _mark(world, round_, [first, second])

    pairs = {tuple(row) for row in db.session.execute(sa.select(Assignment.judge_id, Assignment.nomination_id))}
    assert {(j.id, n.id) for j in (world.judge, lin, ola) for n in (first, second)} - pairs == {(ola.id, second.id)}
    assert added == 3  # the judge's second, Lin's first, Ola's first


def test_marking_before_any_judge_is_assigned_is_refused_with_the_way_forward(world, db):
    round_ = judging_round(world)
    nominations = [eligible(world, t) for t in ("Robot care", "Harbour buses")]
    with pytest.raises(ServiceError, match="Assign this category's judges first"):
        _mark(world, round_, nominations)


def test_automatic_assignment_after_marking_gives_new_judges_the_calibration(world, db):
    round_ = judging_round(world)
    nominations = [eligible(world, t) for t in ("Robot care", "Harbour buses", "Open data")]
    assign(round_, nominations[2], world.judge)
    _mark(world, round_, nominations[:2])
    lin = make_user("lin@judges.example", [Role.JUDGE], name="Lin")
    lin.country_code = "VN"
    db.session.commit()
    assignments_service.assign_manually(round_, [nominations[2].id], [lin.id], world.secretariat)
    held = set(db.session.scalars(sa.select(Assignment.nomination_id).where(Assignment.judge_id == lin.id)))
    assert held == {n.id for n in nominations}


def test_the_other_nominations_unlock_only_once_the_calibration_is_submitted(client, auth, world, db, season):
    round_, nominations, judges = season
    _mark(world, round_, nominations[:2])
    judge = judges[0]
    locked = _assignment(db, round_, nominations[3], judge)
    assert "calibration nominations first: 2 left" in str(locked.scoring_refusal(judge))

    auth.login(judge)
    page = client.get("/judging/").get_data(as_text=True)
    assert page.count("Opens after the calibration (2 left)") == 3
    assert page.count(">Calibration</span>") == 2
    # The next nomination offered is a calibration one, and a locked sheet cannot be saved.
    assert re.search(r'id="next-to-score"[^>]*href="/judging/assignments/(\d+)"', page).group(1) in {
        str(_assignment(db, round_, n, judge).id) for n in nominations[:2]
    }
    rubric = criteria(round_, world.project)
    response = client.post(f"/judging/assignments/{locked.id}", data=sheet_data(rubric, [7] * 6, submit=True))
    assert response.status_code == 302
    db.session.expire_all()
    assert _assignment(db, round_, nominations[3], judge).sheet is None
    autosave = client.post(f"/judging/assignments/{locked.id}/autosave", data=sheet_data(rubric, [7]))
    assert autosave.status_code == 403 and "calibration" in autosave.get_json()["message"]

    _submit(db, world, round_, nominations[0], judge, [7] * 6)
    assert "1 left" in str(_assignment(db, round_, nominations[3], judge).scoring_refusal(judge))
    _submit(db, world, round_, nominations[1], judge, [6] * 6)
    assert _assignment(db, round_, nominations[3], judge).scoring_refusal(judge) is None
    # Another judge's nominations stay locked until their own calibration is in.
    assert _assignment(db, round_, nominations[3], judges[1]).scoring_refusal(judges[1]) is not None


def test_a_recused_calibration_nomination_does_not_hold_the_judge_back(world, db, season):
    round_, nominations, judges = season
    _mark(world, round_, nominations[:2])
    judge = judges[0]
    conflict = Conflict(judge_id=judge.id, nomination_id=nominations[0].id, reason="Advised", recorded_by_id=judge.id)
    db.session.add(conflict)
    db.session.commit()
    _submit(db, world, round_, nominations[1], judge, [7] * 6)
    assert _assignment(db, round_, nominations[3], judge).scoring_refusal(judge) is None


def test_the_first_totals_are_kept_and_the_sheets_reopen_when_calibration_does_not_count(world, db, season):
    round_, nominations, judges = season
    assert round_.calibration_counts is False  # the default: they count only if the secretariat says so
    _mark(world, round_, nominations[:2])
    judge = judges[0]
    first = _submit(db, world, round_, nominations[0], judge, [10] * 6)
    assert first.sheet.status is SheetStatus.SUBMITTED  # not complete yet: nothing reopens
    second = _submit(db, world, round_, nominations[1], judge, [1] * 6)
    rows = db.session.execute(sa.select(CalibrationTotal.assignment_id, CalibrationTotal.total))
    assert {k: float(v) for k, v in rows} == {first.id: 100.0, second.id: 0.0}
    # Complete: both sheets are drafts again, with their scores, and submitting again keeps the first totals.
    assert {first.sheet.status, second.sheet.status} == {SheetStatus.DRAFT}
    assert [s.value for s in second.sheet.scores] == [1] * 6
    _submit(db, world, round_, nominations[1], judge, [5] * 6)
    assert float(db.session.get(CalibrationTotal, 2).total) == 0.0
    assert _assignment(db, round_, nominations[1], judge).sheet.status is SheetStatus.SUBMITTED


def test_when_calibration_counts_the_submitted_sheets_stand(world, db, season):
    round_, nominations, judges = season
    calibration_service.set_counts(round_, True, world.secretariat)
    _mark(world, round_, nominations[:2])
    for nomination in nominations[:2]:
        _submit(db, world, round_, nomination, judges[0], [8] * 6)
    statuses = {_assignment(db, round_, n, judges[0]).sheet.status for n in nominations[:2]}
    assert statuses == {SheetStatus.SUBMITTED}
    # Fixed from the first calibration submission on, like the marks.
    with pytest.raises(ServiceError, match="can no longer change"):
        calibration_service.set_counts(round_, False, world.secretariat)
    with pytest.raises(ServiceError, match="can no longer change"):
        _mark(world, round_, nominations[1:3])


def test_the_judge_reads_their_totals_beside_the_others_median_and_no_one_elses(client, auth, world, db, season):
    round_, nominations, judges = season
    calibration_service.set_counts(round_, True, world.secretariat)
    _mark(world, round_, nominations[:2])
    # On the 1-10 scale a total is 100 × (score − 1) / 9: Lin 44.4 and 55.6, Ola 66.7 and 77.8, Max 88.9 on the
    # first only; the judge 100 and 33.3.
    scores = {1: ([5] * 6, [6] * 6), 2: ([7] * 6, [8] * 6), 3: ([9] * 6, None)}
    for index, (a, b) in scores.items():
        _submit(db, world, round_, nominations[0], judges[index], a)
        if b is not None:
            _submit(db, world, round_, nominations[1], judges[index], b)
    auth.login(judges[0])
    url = f"/judging/rounds/{round_.id}/calibration/{world.project.id}"
    waiting = client.get(url).get_data(as_text=True)
    assert "Submit your 2 remaining calibration nominations first" in waiting
    assert "calibration-feedback" not in waiting

    _submit(db, world, round_, nominations[0], judges[0], [10] * 6)
    rubric = criteria(round_, world.project)
    submitted = client.post(
        f"/judging/assignments/{_assignment(db, round_, nominations[1], judges[0]).id}",
        data=sheet_data(rubric, [4] * 6, submit=True),
    )
    assert submitted.status_code == 302 and submitted.headers["Location"].endswith(url)
    page = client.get(url).get_data(as_text=True)
    rows = re.findall(r"<tr>\s*<th scope=\"row\"[^>]*>(.*?)</tr>", page, re.S)
    assert len(rows) == 2
    cells = [re.findall(r'<td class="text-end[^"]*">\s*([^<\s][^<]*)', row) for row in rows]
    # First: 100 beside the median of 44.4, 66.7 and 88.9; second: 33.3 beside 55.6 and 77.8 (two others: shown).
    assert [c[0] for c in cells] == ["100.0", "33.3"]
    assert cells[0][1].startswith("66.7") and cells[0][2] == "+33.3"
    assert cells[1][1].startswith("66.7") and cells[1][2] == "-33.3"
    # Leniency: the mean of (own − the others' mean): (100 − 66.7 + 33.3 − 66.7) / 2 = 0.
    assert re.search(r'id="leniency-value">\s*\+0\.0 points', page)
    for other in judges[1:]:
        assert other.name not in page
    for shown_by_others in ("44.4", "88.9", "55.6", "77.8"):
        assert shown_by_others not in page
    assert "count in the ranking as you submitted them" in page


def test_a_judge_without_calibration_in_the_category_gets_404(client, auth, world, db, season):
    round_, _nominations, judges = season
    auth.login(judges[0])
    assert client.get(f"/judging/rounds/{round_.id}/calibration/{world.project.id}").status_code == 404
    assert client.get(f"/judging/rounds/{round_.id}/calibration/999999").status_code == 404


def test_the_secretariat_marks_and_reads_everyones_calibration_side_by_side(client, auth, world, db, season):
    round_, nominations, judges = season
    auth.login(world.secretariat)
    url = f"/secretariat/rounds/{round_.id}/calibration"
    page = client.get(url).get_data(as_text=True)
    assert "Robot care" in page and "Side by side" not in page

    refused = client.post(url, data={"category": str(world.project.id), "nominations": [str(nominations[0].id)]})
    assert refused.status_code == 200 and "between 2 and 3" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalibrationNomination)) == 0
    assert client.post(url, data={"category": "x", "nominations": []}).status_code == 302
    bogus = client.post(url, data={"category": str(world.project.id), "nominations": ["999999"]})
    assert bogus.status_code == 200 and "choose nominations from the list" in bogus.get_data(as_text=True)

    saved = client.post(
        url, data={"category": str(world.project.id), "nominations": [str(nominations[0].id), str(nominations[1].id)]}
    )
    assert saved.status_code == 302
    _submit(db, world, round_, nominations[0], judges[1], [5] * 6)
    _submit(db, world, round_, nominations[0], judges[2], [7] * 6)
    page = client.get(url).get_data(as_text=True)
    table = page[page.index("calibration-table") :]
    assert "44.4" in table and "66.7" in table and "55.6" in table  # two totals and their median
    assert all(judge.name in table for judge in judges)
    assert "can no longer change" in page  # the marks are fixed now
    counts = client.post(f"/secretariat/rounds/{round_.id}/calibration/counts", data={"counts": "y"})
    assert counts.status_code == 302
    db.session.expire_all()
    assert round_.calibration_counts is False


def test_with_a_single_other_judge_neither_median_nor_leniency_tells_their_total(client, auth, world, db, season):
    round_, nominations, judges = season
    _mark(world, round_, nominations[:2])
    for nomination in nominations[:2]:
        _submit(db, world, round_, nomination, judges[1], [5] * 6)  # Lin alone: 44.4 twice
        _submit(db, world, round_, nomination, judges[0], [10] * 6)
    auth.login(judges[0])
    page = client.get(f"/judging/rounds/{round_.id}/calibration/{world.project.id}").get_data(as_text=True)
    assert "calibration-feedback" in page and "44.4" not in page and "55.6" not in page
    assert re.search(r'id="leniency-value">\s*Not yet', page)


@pytest.mark.parametrize("category", ["²", "1e3", "", " ", "-1", "99999999999999999999"])
def test_an_odd_category_value_is_refused_with_a_message_never_a_500(client, auth, world, db, season, category):
    round_, _nominations, _judges = season
    auth.login(world.secretariat)
    response = client.post(
        f"/secretariat/rounds/{round_.id}/calibration", data={"category": category, "nominations": ["1", "2"]}
    )
    assert response.status_code == 302
    assert "Choose a category of this round" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalibrationNomination)) == 0


def test_a_nomination_a_judge_has_already_submitted_cannot_become_calibration(world, db, season):
    round_, nominations, judges = season
    _submit(db, world, round_, nominations[0], judges[0], [7] * 6)
    with pytest.raises(ServiceError, match=f"{nominations[0].reference} already has submitted scores"):
        _mark(world, round_, nominations[:2])
    _mark(world, round_, nominations[1:3])  # nominations nobody has submitted are fine


@pytest.mark.parametrize("how", ["recusal", "declared", "waiver"])
def test_calibration_completed_by_a_recusal_or_a_waiver_reopens_the_first_sheets(world, db, season, how):
    round_, nominations, judges = season
    _mark(world, round_, nominations[:2])
    judge = judges[0]
    first = _submit(db, world, round_, nominations[0], judge, [7] * 6)
    assert first.sheet.status is SheetStatus.SUBMITTED
    last = _assignment(db, round_, nominations[1], judge)
    if how == "recusal":
        conflicts_service.record_conflict(judge, nominations[1], "Advised the city", world.secretariat)
    elif how == "declared":
        conflicts_service.declare(last, judge, True, "I advised the city")
    else:
        assignments_service.waive_assignment(last, world.secretariat, "Judge fell ill")
    db.session.expire_all()
    assert _assignment(db, round_, nominations[0], judge).sheet.status is SheetStatus.DRAFT
    assert _assignment(db, round_, nominations[3], judge).scoring_refusal(judge) is None


def test_a_resubmitted_calibration_sheet_goes_on_to_the_list_not_back_to_the_feedback(client, auth, world, db, season):
    round_, nominations, judges = season
    _mark(world, round_, nominations[:2])
    for nomination in nominations[:2]:
        _submit(db, world, round_, nomination, judges[0], [6] * 6)  # complete: both reopened as drafts
    auth.login(judges[0])
    rubric = criteria(round_, world.project)
    again = client.post(
        f"/judging/assignments/{_assignment(db, round_, nominations[0], judges[0]).id}",
        data=sheet_data(rubric, [6] * 6, submit=True),
    )
    assert again.status_code == 302 and "/calibration/" not in again.headers["Location"]
    db.session.expire_all()
    assert _assignment(db, round_, nominations[0], judges[0]).sheet.status is SheetStatus.SUBMITTED


def test_the_judges_list_reads_the_calibration_in_a_fixed_number_of_queries(client, auth, world, db, season):
    from tests.functional.test_query_counts import _queries

    round_, nominations, judges = season
    _mark(world, round_, nominations[:2])
    auth.login(judges[0])
    before = _queries(client, "/judging/")
    _submit(db, world, round_, nominations[0], judges[0], [6] * 6)
    assert "Opens after the calibration (1 left)" in client.get("/judging/").get_data(as_text=True)
    _mark_more = eligible(world, "Late entry")
    assign(round_, _mark_more, judges[0], declared=True)
    assert _queries(client, "/judging/") == before  # one more row, one submitted calibration: the same queries


def test_an_offline_workbook_cannot_score_past_the_calibration(client, auth, world, db, season):
    from tests.functional.test_imports import TI, _scores, fill, upload

    round_, nominations, judges = season
    _mark(world, round_, nominations[:2])
    rubric = criteria(round_, world.project)
    auth.login(judges[0])
    template = client.get(f"/judging/rounds/{round_.id}/offline.xlsx").data
    rows = {n.reference: {**_scores(rubric, [7] * 6), "Submit": "yes"} for n in nominations}
    everything = fill(template, TI, [rows[n.reference] for n in sorted(nominations, key=lambda n: n.reference)])
    refused = upload(client, f"/judging/rounds/{round_.id}/offline", everything)
    assert "Your calibration is not complete" in refused.get_data(as_text=True).replace("&#39;", "'")
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalibrationTotal)) == 0


def test_a_replacement_judge_is_given_the_calibration_too(world, db):
    round_ = judging_round(world)
    nominations = [eligible(world, t) for t in ("Robot care", "Harbour buses", "Open data")]
    world.judge.country_code = "PT"
    spare = make_user("lin@judges.example", [Role.JUDGE], name="Lin")
    spare.country_code = "VN"
    db.session.commit()
    for nomination in nominations:
        assign(round_, nomination, world.judge, declared=True)
    _mark(world, round_, nominations[:2])
    replaced = assignments_service.assign_replacement(round_, nominations[2], world.secretariat)
    assert [a.judge_id for a in replaced.added] == [spare.id]
    held = set(db.session.scalars(sa.select(Assignment.nomination_id).where(Assignment.judge_id == spare.id)))
    assert held == {n.id for n in nominations}
