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


# --- two people editing the same thing -----------------------------------------------------------


def _entry(title: str, version: int) -> dict[str, str]:
    return {**complete_project_answers(title), "version": str(version), "save": "1"}


def test_a_save_from_an_older_window_is_told_instead_of_overwriting(client, auth, world):
    draft = nomination_service.create_draft(world.project, world.applicant, complete_project_answers("First"))
    opened = draft.version
    auth.login(world.applicant)
    assert client.post(f"/nominations/{draft.id}/edit", data=_entry("Saved in tab A", opened)).status_code == 302
    stale = client.post(f"/nominations/{draft.id}/edit", data=_entry("Typed in tab B", opened))
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert "changed elsewhere" in page and "Typed in tab B" in page  # told, and the typing is not lost
    db.session.expire_all()
    assert db.session.get(Nomination, draft.id).title == "Saved in tab A"
    # Saving again from that page is now a conscious choice, and goes through.
    current = db.session.get(Nomination, draft.id).version
    assert client.post(f"/nominations/{draft.id}/edit", data=_entry("Typed in tab B", current)).status_code == 302
    db.session.expire_all()
    assert db.session.get(Nomination, draft.id).title == "Typed in tab B"


def test_screening_from_a_page_opened_before_the_nomination_changed_is_refused(client, auth, world):
    nomination = nomination_service.submit(
        nomination_service.create_draft(world.project, world.applicant, complete_project_answers()), world.applicant)
    opened = nomination.version
    nomination_service.withdraw(nomination, world.applicant, "Entered by mistake")
    auth.login(world.secretariat)
    response = client.post(f"/secretariat/nominations/{nomination.id}", data={
        "decision": "eligible", "reason": "", "version": str(opened)}, follow_redirects=True)
    assert response.status_code == 200 and b"changed elsewhere" in response.data
    db.session.expire_all()
    assert db.session.get(Nomination, nomination.id).status is NominationStatus.WITHDRAWN


def test_the_orm_refuses_an_update_of_a_row_another_transaction_changed(app, world):
    """Two saves racing past the page check: the UPDATE names the version it read, so the second one fails."""
    from sqlalchemy.orm import Session

    draft = nomination_service.create_draft(world.project, world.applicant, complete_project_answers("Race"))
    with Session(db.engine) as other:
        theirs = other.get(Nomination, draft.id)
        theirs.title = "Saved by the other request"
        other.commit()
    with pytest.raises(nomination_service.StaleNomination):
        nomination_service.save_draft(draft, world.applicant, complete_project_answers("Mine"))
    db.session.expire_all()
    assert db.session.get(Nomination, draft.id).title == "Saved by the other request"


def test_two_secretariat_members_saving_one_rubric(client, auth, world):
    round_ = judging_round(world)
    rubric = criteria(round_, world.project)
    url = f"/secretariat/rounds/{round_.id}/rubrics/{world.project.id}"
    auth.login(world.secretariat)
    page = client.get(url).get_data(as_text=True)
    import re

    opened = re.search(r'name="opened" type="hidden" value="([0-9a-f]+)"|id="opened" name="opened" type="hidden" '
                       r'value="([0-9a-f]+)"', page)
    fingerprint = next(group for group in opened.groups() if group)

    def rubric_data(weight: str) -> dict[str, str]:
        data = {"opened": fingerprint}
        for i, c in enumerate(rubric):
            data |= {f"criteria-{i}-criterion_id": str(c.id), f"criteria-{i}-name_en": c.name_en,
                     f"criteria-{i}-weight": weight if i == 0 else "1", f"criteria-{i}-min_score": "1",
                     f"criteria-{i}-max_score": "10", f"criteria-{i}-step": "1"}
        return data

    assert client.post(url, data=rubric_data("3")).status_code == 302  # the first member saves
    second = client.post(url, data=rubric_data("5"))  # the second, from a page opened before that
    assert second.status_code == 200 and "Someone else saved this rubric" in second.get_data(as_text=True)
    db.session.expire_all()
    assert criteria(round_, world.project)[0].weight == 3


# --- a full disk or a failed write during an upload --------------------------------------------


def _upload(client, nomination_id: int):
    import io

    from tests.unit.test_storage import PDF

    return client.post(f"/nominations/{nomination_id}/edit", data={
        **complete_project_answers(), "upload": "1", "document": (io.BytesIO(PDF), "plan.pdf")},
        content_type="multipart/form-data", follow_redirects=True)


def test_a_full_disk_during_an_upload_leaves_no_file_and_no_row(app, client, auth, world, monkeypatch):
    import errno
    from pathlib import Path

    from awards_app import storage
    from awards_app.models import Attachment

    draft = nomination_service.create_draft(world.project, world.applicant, complete_project_answers())
    auth.login(world.applicant)
    real_fsync = storage.os.fsync

    def disk_full(descriptor):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage.os, "fsync", disk_full)  # the bytes were half written when the disk filled up
    response = _upload(client, draft.id)
    assert response.status_code == 200
    assert b"The file could not be stored" in response.data
    assert count(Attachment) == 0
    assert not [p.name for p in Path(app.config["UPLOAD_FOLDER"]).glob("*")]  # no file, no .part left behind
    monkeypatch.setattr(storage.os, "fsync", real_fsync)
    assert b"plan.pdf attached" in _upload(client, draft.id).data
    assert count(Attachment) == 1


def test_a_database_failure_after_the_file_is_written_removes_the_file(app, client, auth, world, monkeypatch):
    from pathlib import Path

    from awards_app.models import Attachment

    draft = nomination_service.create_draft(world.project, world.applicant, complete_project_answers())
    auth.login(world.applicant)
    monkeypatch.setattr("awards_app.services.nominations.record", _unavailable)
    response = _upload(client, draft.id)
    assert response.status_code == 503
    assert count(Attachment) == 0
    assert not list(Path(app.config["UPLOAD_FOLDER"]).glob("*"))


KILLED_MID_SAVE = """
import os, sys
from awards_app import create_app
from awards_app.extensions import db
from awards_app.models import Nomination, User
from awards_app.services import nominations

app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": sys.argv[1], "UPLOAD_FOLDER": sys.argv[2]})
with app.app_context():
    def die(*args, **kwargs):
        os._exit(9)  # the worker is killed: no exception handler, no rollback, no cleanup
    nominations.record = die
    nomination = db.session.get(Nomination, int(sys.argv[3]))
    nominations.submit(nomination, db.session.get(User, int(sys.argv[4])))
"""


def test_a_worker_process_killed_in_the_middle_of_a_save_leaves_nothing_half_written(app, world):
    import subprocess
    import sys
    from pathlib import Path

    draft = nomination_service.create_draft(world.project, world.applicant, complete_project_answers())
    draft_id, applicant_id, category_id = draft.id, world.applicant.id, world.project.id
    sequence = world.project.last_sequence
    db.session.remove()
    killed = subprocess.run(  # noqa: S603
        [sys.executable, "-c", KILLED_MID_SAVE, app.config["SQLALCHEMY_DATABASE_URI"], app.config["UPLOAD_FOLDER"],
         str(draft_id), str(applicant_id)], cwd=Path(__file__).resolve().parents[2], capture_output=True,
        timeout=60, check=False)
    assert killed.returncode == 9, killed.stderr.decode()[-2000:]  # it died after claiming the reference
    nomination = db.session.get(Nomination, draft_id)
    assert nomination.status is NominationStatus.DRAFT and nomination.reference is None
    assert db.session.get(type(world.project), category_id).last_sequence == sequence
    # And the applicant can submit it normally afterwards.
    assert nomination_service.submit(nomination, db.session.get(type(world.applicant), applicant_id)).reference
