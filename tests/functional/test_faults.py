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
from awards_app.services import nominations as nominations_service
from awards_app.services import sheets as sheets_service
from tests.conftest import complete_project_answers, count
from tests.functional.judging_helpers import assign, criteria, eligible, judging_round, sheet_data


def _unavailable(*args, **kwargs):
    raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))


def test_a_lost_database_gives_a_clear_temporary_page_and_the_next_request_works(client, auth, world, monkeypatch):
    auth.login(world.applicant)
    monkeypatch.setattr(nominations_service, "create_draft", _unavailable)
    response = client.post(f"/nominations/new/{world.project.id}", data={"title": "Odense heat map"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert b"briefly unavailable" in response.data and b"Nothing was saved" in response.data
    monkeypatch.undo()
    assert client.get("/nominations/").status_code == 200
    assert count(Nomination) == 0


def test_every_statement_failing_still_gives_the_temporary_page(client, auth, world, monkeypatch):
    """The database gone for good: the page that says so asks it nothing it cannot do without (the footer's link)."""
    paths = ("/", "/winners", f"/winners/{world.edition.slug}")
    monkeypatch.setattr(sa.orm.Session, "_execute_internal", _unavailable)  # every query of the ORM
    for path in paths:
        response = client.get(path)
        assert response.status_code == 503, path
        assert b"briefly unavailable" in response.data
    monkeypatch.undo()
    assert client.get("/").status_code == 200


def test_the_score_sheet_script_gets_json_when_the_database_is_away(client, auth, world, monkeypatch):
    round_ = judging_round(world)
    assignment = assign(round_, eligible(world), world.judge, declared=True)
    rubric = criteria(round_, world.project)
    auth.login(world.judge)
    monkeypatch.setattr(sheets_service, "write_sheet", _unavailable)  # what both saving use cases call
    response = client.post(
        f"/judging/assignments/{assignment.id}/autosave",
        data=sheet_data(rubric, [7]),
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 503  # scoring.js keeps the draft in the browser and retries on any 5xx
    assert "briefly unavailable" in response.get_json()["error"]
    monkeypatch.undo()
    retried = client.post(
        f"/judging/assignments/{assignment.id}/autosave",
        data=sheet_data(rubric, [7]),
        headers={"Accept": "application/json"},
    )
    assert retried.status_code == 200 and retried.get_json()["saved"]
    assert count(ScoreSheet) == 1


def test_a_submission_that_dies_half_way_leaves_nothing_half_written(app, world, monkeypatch):
    """The reference is claimed and the status changed in one transaction: a crash before the commit undoes both."""
    nomination = nominations_service.create_draft(world.project, world.applicant, complete_project_answers())
    sequence = world.project.last_sequence

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr("awards_app.services.nominations.record", crash)
    with pytest.raises(RuntimeError):
        nominations_service.submit(nomination, world.applicant)
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

    monkeypatch.setattr("awards_app.services.sheets.record", crash)
    with pytest.raises(RuntimeError):
        sheets_service.save_sheet(
            assignment, world.judge, sheets_service.SheetInput({c.id: "8" for c in rubric}, {}, "", None), submit=True
        )
    db.session.rollback()
    assert count(ScoreSheet) == 0 and count(Score) == 0


def test_a_double_click_on_submit_and_a_replayed_score_submission_make_nothing_twice(client, auth, world):
    draft = nominations_service.create_draft(world.project, world.applicant, complete_project_answers())
    auth.login(world.applicant)
    first = client.post(f"/nominations/{draft.id}/edit", data={**complete_project_answers(), "submit_entry": "1"})
    second = client.post(f"/nominations/{draft.id}/edit", data={**complete_project_answers(), "submit_entry": "1"})
    assert first.status_code in (200, 302, 303) and second.status_code < 500
    assert (
        db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "nomination.submitted"))
        == 1
    )
    assert db.session.get(Nomination, draft.id).reference == "SSCP-2026-TI-001"
    auth.logout()
    round_ = judging_round(world)
    assignment = assign(
        round_, eligible(world, "Kigali sensors", organisation=world.other_city), world.judge, declared=True
    )
    rubric = criteria(round_, world.project)
    auth.login(world.judge)
    data = sheet_data(rubric, [8] * len(rubric), submit=True)
    answers = [client.post(f"/judging/assignments/{assignment.id}", data=data) for _ in range(3)]
    assert all(response.status_code < 500 for response in answers)
    sheet = db.session.scalar(sa.select(ScoreSheet))
    assert sheet.status is SheetStatus.SUBMITTED and count(ScoreSheet) == 1 and count(Score) == len(rubric)


def _actions(action: str) -> int:
    return db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == action))


def test_a_replayed_autosave_gives_the_same_answer_and_saves_nothing_twice(client, auth, world):
    """The answer to an autosave was lost on the way, so the browser sends the same body again."""
    round_ = judging_round(world)
    assignment = assign(round_, eligible(world), world.judge, declared=True)
    rubric = criteria(round_, world.project)
    auth.login(world.judge)
    url = f"/judging/assignments/{assignment.id}/autosave"
    first = client.post(url, data=sheet_data(rubric, [7, 5], ["Clear plan"], version=0))
    replayed = client.post(url, data=sheet_data(rubric, [7, 5], ["Clear plan"], version=0))
    assert first.status_code == replayed.status_code == 200
    assert replayed.get_json()["saved"] and replayed.get_json()["version"] == first.get_json()["version"] == 1
    assert count(ScoreSheet) == 1 and count(Score) == len(rubric) and _actions("scores.saved") == 1
    # The same old version with other scores is a real conflict: told, and not applied.
    other = client.post(url, data=sheet_data(rubric, [2, 5], ["Clear plan"], version=0))
    assert other.status_code == 409 and other.get_json()["stale"]
    db.session.expire_all()
    assert db.session.scalar(sa.select(Score.value).where(Score.criterion_id == rubric[0].id)) == 7


def test_a_new_nomination_form_posted_again_after_the_back_button_leads_to_the_same_draft(client, auth, world):
    import re

    auth.login(world.applicant)
    url = f"/nominations/new/{world.project.id}"
    token = re.search(
        r'name="client_token" type="hidden" value="([0-9a-f]+)"', client.get(url).get_data(as_text=True)
    ).group(1)
    data = {**complete_project_answers("Odense heat map"), "client_token": token}
    first, again = client.post(url, data=data), client.post(url, data=data)
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    assert count(Nomination) == 1 and _actions("nomination.created") == 1


def test_a_double_click_on_save_draft_is_not_taken_for_a_conflict(client, auth, world):
    draft = nominations_service.create_draft(world.project, world.applicant, complete_project_answers())
    opened = draft.version
    auth.login(world.applicant)
    answers = _entry("Odense heat map, revised", opened)
    first, second = (client.post(f"/nominations/{draft.id}/edit", data=answers) for _ in range(2))
    assert first.status_code == 302
    assert second.status_code == 302  # the second post carries the old version, but it would overwrite nothing
    assert _actions("nomination.draft_saved") == 1
    db.session.expire_all()
    assert db.session.get(Nomination, draft.id).title == "Odense heat map, revised"


def test_a_double_click_on_a_screening_decision_records_it_once(client, auth, world):
    nomination = nominations_service.submit(
        nominations_service.create_draft(world.project, world.applicant, complete_project_answers()), world.applicant
    )
    opened = nomination.version
    auth.login(world.secretariat)
    decision = {"decision": "ineligible", "reason": "Started before 2016", "version": str(opened)}
    answers = [
        client.post(f"/secretariat/nominations/{nomination.id}", data=decision, follow_redirects=True) for _ in range(2)
    ]
    assert all(a.status_code == 200 and b"changed elsewhere" not in a.data for a in answers)
    assert _actions("nomination.screened") == 1
    db.session.expire_all()
    assert db.session.get(Nomination, nomination.id).status is NominationStatus.INELIGIBLE


@pytest.mark.skipif(
    not os.environ.get("AWARDS_TEST_PG_RESTART"),
    reason="needs PostgreSQL and AWARDS_TEST_PG_RESTART, a command that restarts it (CI sets both)",
)
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
    draft = nominations_service.create_draft(world.project, world.applicant, complete_project_answers("First"))
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
    nomination = nominations_service.submit(
        nominations_service.create_draft(world.project, world.applicant, complete_project_answers()), world.applicant
    )
    opened = nomination.version
    nominations_service.withdraw(nomination, world.applicant, "Entered by mistake")
    auth.login(world.secretariat)
    response = client.post(
        f"/secretariat/nominations/{nomination.id}",
        data={"decision": "eligible", "reason": "", "version": str(opened)},
        follow_redirects=True,
    )
    assert response.status_code == 200 and b"changed elsewhere" in response.data
    db.session.expire_all()
    assert db.session.get(Nomination, nomination.id).status is NominationStatus.WITHDRAWN


def test_the_orm_refuses_an_update_of_a_row_another_transaction_changed(app, world):
    """Two saves racing past the page check: the UPDATE names the version it read, so the second one fails."""
    from sqlalchemy.orm import Session

    draft = nominations_service.create_draft(world.project, world.applicant, complete_project_answers("Race"))
    with Session(db.engine) as other:
        theirs = other.get(Nomination, draft.id)
        theirs.title = "Saved by the other request"
        other.commit()
    with pytest.raises(nominations_service.StaleNomination):
        nominations_service.save_draft(draft, world.applicant, complete_project_answers("Mine"))
    db.session.expire_all()
    assert db.session.get(Nomination, draft.id).title == "Saved by the other request"


def test_a_withdrawal_racing_a_screening_decision_is_told_not_an_error(app, world):
    """The applicant's request read the nomination; the secretariat's decision was committed before it saved."""
    from sqlalchemy.orm import Session

    nomination = nominations_service.submit(
        nominations_service.create_draft(world.project, world.applicant, complete_project_answers()), world.applicant
    )
    with Session(db.engine) as secretariat:
        theirs = secretariat.get(Nomination, nomination.id)
        theirs.status = NominationStatus.ELIGIBLE
        secretariat.commit()
    with pytest.raises(nominations_service.StaleNomination):
        nominations_service.withdraw(nomination, world.applicant, "Changed our mind")
    db.session.expire_all()
    assert db.session.get(Nomination, nomination.id).status is NominationStatus.ELIGIBLE
    assert not _actions("nomination.withdrawn")


def test_any_other_lost_race_answers_a_clear_conflict_page(client, auth, world, monkeypatch):
    from sqlalchemy.orm.exc import StaleDataError

    draft = nominations_service.create_draft(world.project, world.applicant, complete_project_answers())
    auth.login(world.applicant)

    def lost_race(*args, **kwargs):
        raise StaleDataError("UPDATE statement on table 'nomination' expected to update 1 row(s); 0 were matched.")

    monkeypatch.setattr(nominations_service, "withdraw", lost_race)
    response = client.post(f"/nominations/{draft.id}/withdraw", data={"confirm": "y", "reason": ""})
    assert response.status_code == 409
    assert b"Someone else changed this a moment ago, so nothing was saved" in response.data
    assert db.session.get(Nomination, draft.id).status is NominationStatus.DRAFT


def test_two_secretariat_members_saving_one_rubric(client, auth, world):
    round_ = judging_round(world)
    rubric = criteria(round_, world.project)
    url = f"/secretariat/rounds/{round_.id}/rubrics/{world.project.id}"
    auth.login(world.secretariat)
    page = client.get(url).get_data(as_text=True)
    import re

    opened = re.search(
        r'name="opened" type="hidden" value="([0-9a-f]+)"|id="opened" name="opened" type="hidden" '
        r'value="([0-9a-f]+)"',
        page,
    )
    fingerprint = next(group for group in opened.groups() if group)

    def rubric_data(weight: str) -> dict[str, str]:
        data = {"opened": fingerprint}
        for i, c in enumerate(rubric):
            data |= {
                f"criteria-{i}-criterion_id": str(c.id),
                f"criteria-{i}-name_en": c.name_en,
                f"criteria-{i}-weight": weight if i == 0 else "1",
                f"criteria-{i}-min_score": "1",
                f"criteria-{i}-max_score": "10",
                f"criteria-{i}-step": "1",
            }
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

    return client.post(
        f"/nominations/{nomination_id}/edit",
        data={**complete_project_answers(), "upload": "1", "document": (io.BytesIO(PDF), "plan.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_a_full_disk_during_an_upload_leaves_no_file_and_no_row(app, client, auth, world, monkeypatch):
    import errno
    from pathlib import Path

    from awards_app import storage
    from awards_app.models import Attachment

    draft = nominations_service.create_draft(world.project, world.applicant, complete_project_answers())
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

    draft = nominations_service.create_draft(world.project, world.applicant, complete_project_answers())
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
from awards_app.models import Assignment, Nomination, User
from awards_app.services import nominations as nominations_service
from awards_app.services import rubrics as rubrics_service
from awards_app.services import sheets as sheets_service

use_case, database, uploads, nomination_id, user_id = sys.argv[1:6]
app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database, "UPLOAD_FOLDER": uploads})
with app.app_context():
    def die(*args, **kwargs):
        db.session.flush()  # every write of the use case so far has reached the database, uncommitted ...
        os._exit(9)  # ... when the worker is killed: no exception handler, no rollback, no cleanup
    nominations_service.record = sheets_service.record = die
    nomination = db.session.get(Nomination, int(nomination_id))
    user = db.session.get(User, int(user_id))
    if use_case == "submit":
        nominations_service.submit(nomination, user)
    elif use_case == "scores":
        assignment = db.session.get(Assignment, int(sys.argv[6]))
        rubric = rubrics_service.criteria_of(assignment.round, nomination.category)
        sheet = sheets_service.SheetInput({c.id: "9" for c in rubric}, {}, "All done", 1)
        sheets_service.save_sheet(assignment, user, sheet, submit=True)
    else:
        from tests.unit.test_storage import PDF
        nominations_service.add_attachment(nomination, user, "plan.pdf", PDF)
"""


def _kill_mid_save(app, use_case: str, *ids: int) -> None:
    import subprocess
    import sys
    from pathlib import Path

    db.session.remove()  # the test's own connection goes back to the pool, as at the end of a request
    killed = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-c",
            KILLED_MID_SAVE,
            use_case,
            app.config["SQLALCHEMY_DATABASE_URI"],
            app.config["UPLOAD_FOLDER"],
            *map(str, ids),
        ],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert killed.returncode == 9, killed.stderr.decode()[-2000:]  # it died in the middle, as planned


def test_a_worker_process_killed_in_the_middle_of_a_submission_leaves_nothing_half_written(app, world):
    draft = nominations_service.create_draft(world.project, world.applicant, complete_project_answers())
    draft_id, applicant_id, category_id = draft.id, world.applicant.id, world.project.id
    sequence = world.project.last_sequence
    _kill_mid_save(app, "submit", draft_id, applicant_id)  # it died after claiming the reference
    nomination = db.session.get(Nomination, draft_id)
    assert nomination.status is NominationStatus.DRAFT and nomination.reference is None
    assert db.session.get(type(world.project), category_id).last_sequence == sequence
    assert not _actions("nomination.submitted")
    # And the applicant can submit it normally afterwards.
    assert nominations_service.submit(nomination, db.session.get(type(world.applicant), applicant_id)).reference


def test_a_worker_process_killed_in_the_middle_of_a_score_submission_leaves_the_draft_as_it_was(app, world):
    round_ = judging_round(world)
    assignment = assign(round_, eligible(world), world.judge, declared=True)
    rubric = criteria(round_, world.project)
    first = rubric[0].id
    sheets_service.save_sheet(assignment, world.judge, sheets_service.SheetInput({first: "4"}, {}, ""))
    _kill_mid_save(app, "scores", assignment.nomination_id, world.judge.id, assignment.id)
    sheet = db.session.scalar(sa.select(ScoreSheet))
    assert (sheet.status, sheet.version, sheet.overall_comment) == (SheetStatus.DRAFT, 1, "")
    assert sorted((s.criterion_id, s.value) for s in sheet.scores if s.value is not None) == [(first, 4)]
    assert count(ScoreSheet) == 1 and not _actions("scores.submitted")


def test_a_worker_process_killed_in_the_middle_of_an_upload_leaves_no_attachment_row(app, world):
    from awards_app.models import Attachment

    draft = nominations_service.create_draft(world.project, world.applicant, complete_project_answers())
    _kill_mid_save(app, "attachment", draft.id, world.applicant.id)  # the file was written, the row flushed
    assert count(Attachment) == 0 and not _actions("attachment.added")
    assert db.session.get(Nomination, draft.id).attachments == []
