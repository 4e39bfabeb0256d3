"""Faults: the database going away, a save dying half-way, the same request twice. Nothing half-written, nothing
duplicated, and the person sees a clear message rather than an error page."""

from __future__ import annotations

import os
import subprocess

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from awards_app.extensions import db
from awards_app.models import AuditEvent, Nomination, NominationStatus, Score, ScoreSheet, SheetStatus
from awards_app.services import judging as judging_service
from awards_app.services import nominations as nomination_service
from tests.conftest import complete_project_answers, count
from tests.functional.judging_helpers import assign, criteria, eligible, judging_round, sheet_data


def _unavailable(*args, **kwargs):
    raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))


def test_a_lost_database_gives_a_clear_temporary_page_and_the_next_request_works(client, auth, world, monkeypatch):
    auth.login(world.applicant)
    monkeypatch.setattr(nomination_service, "create_draft", _unavailable)
    response = client.post(f"/nominations/new/{world.project.id}", data={"title": "Odense heat map"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert b"briefly unavailable" in response.data and b"Nothing was saved" in response.data
    monkeypatch.undo()
    assert client.get("/nominations/").status_code == 200
    assert count(Nomination) == 0


def test_the_score_sheet_script_gets_json_when_the_database_is_away(client, auth, world, monkeypatch):
    round_ = judging_round(world)
    assignment = assign(round_, eligible(world), world.judge, declared=True)
    rubric = criteria(round_, world.project)
    auth.login(world.judge)
    monkeypatch.setattr(judging_service, "save_sheet", _unavailable)
    response = client.post(f"/judging/assignments/{assignment.id}/autosave", data=sheet_data(rubric, [7]),
                           headers={"Accept": "application/json"})
    assert response.status_code == 503  # scoring.js keeps the draft in the browser and retries on any 5xx
    assert "briefly unavailable" in response.get_json()["error"]
    monkeypatch.undo()
    retried = client.post(f"/judging/assignments/{assignment.id}/autosave", data=sheet_data(rubric, [7]),
                          headers={"Accept": "application/json"})
    assert retried.status_code == 200 and retried.get_json()["saved"]
    assert count(ScoreSheet) == 1


def test_a_submission_that_dies_half_way_leaves_nothing_half_written(app, world, monkeypatch):
    """The reference is claimed and the status changed in one transaction: a crash before the commit undoes both."""
    nomination = nomination_service.create_draft(world.project, world.applicant, complete_project_answers())
    sequence = world.project.last_sequence

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr("awards_app.services.nominations.record", crash)
    with pytest.raises(RuntimeError):
        nomination_service.submit(nomination, world.applicant)
    db.session.rollback()
    db.session.expire_all()
    saved = db.session.get(Nomination, nomination.id)
    assert saved.status is NominationStatus.DRAFT and saved.reference is None
    assert db.session.get(type(world.project), world.project.id).last_sequence == sequence
    assert not db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "nomination.submitted"))


def test_a_score_submission_that_dies_half_way_leaves_no_scores(app, world, monkeypatch):
    round_ = judging_round(world)
    assignment = assign(round_, eligible(world), world.judge, declared=True)
    rubric = criteria(round_, world.project)

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr("awards_app.services.judging.record", crash)
    with pytest.raises(RuntimeError):
        judging_service.save_sheet(assignment, world.judge, judging_service.SheetInput(
            {c.id: "8" for c in rubric}, {}, "", None), submit=True)
    db.session.rollback()
    assert count(ScoreSheet) == 0 and count(Score) == 0


def test_a_double_click_on_submit_and_a_replayed_score_submission_make_nothing_twice(client, auth, world):
    draft = nomination_service.create_draft(world.project, world.applicant, complete_project_answers())
    auth.login(world.applicant)
    first = client.post(f"/nominations/{draft.id}/edit", data={**complete_project_answers(), "submit_entry": "1"})
    second = client.post(f"/nominations/{draft.id}/edit", data={**complete_project_answers(), "submit_entry": "1"})
    assert first.status_code in (200, 302, 303) and second.status_code < 500
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "nomination.submitted")) == 1
    assert db.session.get(Nomination, draft.id).reference == "SSCP-2026-TI-001"
    auth.logout()
    round_ = judging_round(world)
    assignment = assign(round_, eligible(world, "Kigali sensors", organisation=world.other_city), world.judge,
                        declared=True)
    rubric = criteria(round_, world.project)
    auth.login(world.judge)
    data = sheet_data(rubric, [8] * len(rubric), submit=True)
    answers = [client.post(f"/judging/assignments/{assignment.id}", data=data) for _ in range(3)]
    assert all(response.status_code < 500 for response in answers)
    sheet = db.session.scalar(sa.select(ScoreSheet))
    assert sheet.status is SheetStatus.SUBMITTED and count(ScoreSheet) == 1 and count(Score) == len(rubric)


@pytest.mark.skipif(not os.environ.get("AWARDS_TEST_PG_RESTART"),
                    reason="needs PostgreSQL and AWARDS_TEST_PG_RESTART, a command that restarts it (CI sets both)")
def test_the_app_recovers_by_itself_when_postgresql_restarts(client, auth, world):
    auth.login(world.applicant)
    assert client.get("/nominations/").status_code == 200
    db.session.remove()  # the end of a request: its connection goes back to the pool (the test holds one context)
    subprocess.run(os.environ["AWARDS_TEST_PG_RESTART"], shell=True, check=True, timeout=60)  # noqa: S602
    # The pooled connections died with the server; pre-ping finds that out at checkout and reconnects, so the next
    # request simply works.
    response = client.post(f"/nominations/new/{world.project.id}", data={"title": "After the restart"})
    assert response.status_code in (302, 303)
    assert client.get("/nominations/").status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(Nomination.id))) == 1
