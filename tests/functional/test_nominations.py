import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from awards_app.i18n import format_in_zone
from awards_app.models import Attachment, AuditEvent, Nomination, NominationStatus
from tests.conftest import complete_project_answers, count
from tests.unit.test_storage import DOCX, PDF, PNG


@pytest.fixture
def applicant(auth, world):
    auth.login(world.applicant)
    return world.applicant


def start(client, world, answers=None, submit=False) -> Nomination:
    data = dict(answers or {"title": "Half-finished idea"})
    if submit:
        data["submit_entry"] = "1"
    response = client.post(f"/nominations/new/{world.project.id}", data=data)
    assert response.status_code == 302, response.data
    from awards_app.extensions import db

    return db.session.scalars(sa.select(Nomination).order_by(Nomination.id.desc())).first()


def test_applicant_sees_open_categories(client, applicant, world):
    page = client.get("/nominations/").data
    assert b"Tech-InnovaCity" in page
    assert b"Leadership" in page
    assert b"UTC+09:00" in page  # the deadline with its offset
    assert b"You have no nominations yet" in page


def test_a_draft_saves_partial_answers_and_comes_back_later(client, auth, applicant, world, db):
    nomination = start(client, world, {"title": "Robot care", "summary": "First thoughts"})
    assert nomination.status is NominationStatus.DRAFT
    assert nomination.reference is None
    auth.logout()
    auth.login(world.applicant)
    page = client.get(f"/nominations/{nomination.id}/edit").data.decode()
    assert "Robot care" in page and "First thoughts" in page
    response = client.post(
        f"/nominations/{nomination.id}/edit",
        data={"title": "Robot care", "summary": "Second thoughts", "problem": "Waiting lists"},
    )
    assert response.status_code == 302
    db.session.refresh(nomination)
    assert nomination.answers["summary"] == "Second thoughts"
    assert nomination.answers["problem"] == "Waiting lists"
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.nomination_id == nomination.id)).all()
    assert actions == ["nomination.created", "nomination.draft_saved"]


def test_submission_requires_every_field_and_says_which(client, applicant, world, db):
    nomination = start(client, world, {"title": "Robot care", "summary": "word " * 400})
    response = client.post(
        f"/nominations/{nomination.id}/edit",
        data={"title": "Robot care", "summary": "word " * 400, "submit_entry": "1"},
    )
    assert response.headers["Location"] == f"/nominations/{nomination.id}/edit?check=1"
    page = client.get(response.headers["Location"]).data.decode()
    assert "cannot be submitted yet" in page
    assert "This field is required." in page
    assert "400 words: the limit is 300." in page
    assert "Robot care" in page  # what was typed stays
    db.session.refresh(nomination)
    assert nomination.status is NominationStatus.DRAFT
    assert nomination.reference is None
    assert nomination.answers["summary"].startswith("word")  # and was saved


def test_submission_gives_a_reference_and_locks_the_nomination(client, applicant, world, db):
    nomination = start(client, world, complete_project_answers(), submit=True)
    assert nomination.status is NominationStatus.SUBMITTED
    assert nomination.reference == "SSCP-2026-TI-001"
    assert nomination.submitted_at is not None
    page = client.get(f"/nominations/{nomination.id}", follow_redirects=True).data.decode()
    assert "SSCP-2026-TI-001" in page and "Submitted" in page
    # Read-only from now on: the edit page sends to the view, a posted change is refused.
    assert client.get(f"/nominations/{nomination.id}/edit").status_code == 302
    client.post(f"/nominations/{nomination.id}/edit", data={"title": "Changed"})
    db.session.refresh(nomination)
    assert nomination.title == "Odense robot-assisted care"


def test_references_count_up_per_category(client, applicant, world):
    first = start(client, world, complete_project_answers("One"), submit=True)
    second = start(client, world, complete_project_answers("Two"), submit=True)
    assert (first.reference, second.reference) == ("SSCP-2026-TI-001", "SSCP-2026-TI-002")


def test_a_double_submit_changes_nothing(client, applicant, world, db):
    nomination = start(client, world, complete_project_answers(), submit=True)
    response = client.post(
        f"/nominations/{nomination.id}/edit", data={**complete_project_answers(), "submit_entry": "1"}
    )
    assert response.status_code == 302
    db.session.refresh(nomination)
    assert nomination.reference == "SSCP-2026-TI-001"
    submitted = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "nomination.submitted")).all()
    assert len(submitted) == 1


def test_nothing_can_be_submitted_or_edited_after_the_deadline(client, applicant, world, db):
    nomination = start(client, world, complete_project_answers())
    world.edition.closes_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    response = client.post(
        f"/nominations/{nomination.id}/edit",
        data={**complete_project_answers(), "submit_entry": "1"},
        follow_redirects=True,
    )
    # The refusal says when the deadline was, in the edition's time zone.
    closed = format_in_zone(world.edition.closes_at, world.edition.time_zone)
    assert f"The deadline passed on {closed}: the nomination can no longer be changed." in response.get_data(
        as_text=True
    ).replace("&#39;", "'")
    db.session.refresh(nomination)
    assert nomination.status is NominationStatus.DRAFT
    assert nomination.reference is None
    upload(client, nomination, PDF, "late.pdf")
    assert count(Attachment) == 0
    assert client.get(f"/nominations/new/{world.project.id}", follow_redirects=True).status_code == 200
    assert count(Nomination) == 1


def test_the_deadline_is_the_editions_moment_not_the_servers_day(client, applicant, world, db):
    # 23:59 in Seoul is 14:59 UTC: one minute after, the call is closed even though the UTC date is the same.
    from zoneinfo import ZoneInfo

    closes = datetime(2026, 5, 29, 23, 59, tzinfo=ZoneInfo("Asia/Seoul"))
    world.edition.opens_at = datetime(2026, 2, 13, tzinfo=UTC)
    world.edition.closes_at = closes
    db.session.commit()
    assert world.edition.is_open(datetime(2026, 5, 29, 14, 58, tzinfo=UTC))
    assert not world.edition.is_open(datetime(2026, 5, 29, 15, 0, tzinfo=UTC))


def test_the_maximum_per_organisation_is_enforced(client, applicant, world, db):
    world.project.max_per_organisation = 1
    db.session.commit()
    start(client, world)
    response = client.get(f"/nominations/new/{world.project.id}", follow_redirects=True)
    assert b"already has the most nominations allowed" in response.data
    client.post(f"/nominations/new/{world.project.id}", data={"title": "Another"})
    assert count(Nomination) == 1


def test_text_typed_in_a_second_tab_refused_at_the_limit_is_shown_back_to_copy(client, applicant, world, db):
    world.project.max_per_organisation = 1
    db.session.commit()
    start(client, world)
    typed = {"title": "Harbour e-buses", "problem": "Diesel buses <b>fumed</b> all day.\nSecond line."}
    response = client.post(f"/nominations/new/{world.project.id}", data=typed)
    assert response.status_code == 409 and count(Nomination) == 1
    page = response.get_data(as_text=True)
    assert "Your text was not saved" in page and "already has the most nominations allowed" in page
    assert "Harbour e-buses" in page
    assert "Diesel buses &lt;b&gt;fumed&lt;/b&gt; all day.\nSecond line." in page  # escaped, lines kept


def test_text_typed_after_the_deadline_is_shown_back_with_the_deadline(client, applicant, world, db):
    nomination = start(client, world, {"title": "Robot care"})
    world.edition.closes_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    response = client.post(
        f"/nominations/{nomination.id}/edit", data={"title": "Robot care", "problem": "Typed at the last minute."}
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    closed = format_in_zone(world.edition.closes_at, world.edition.time_zone)
    assert f"The deadline passed on {closed}" in page and "Typed at the last minute." in page
    db.session.refresh(nomination)
    assert "problem" not in (nomination.answers or {}) or not nomination.answers["problem"]


def test_withdrawn_nominations_free_their_place(client, applicant, world, db):
    world.project.max_per_organisation = 1
    db.session.commit()
    nomination = start(client, world)
    client.post(f"/nominations/{nomination.id}/withdraw", data={"confirm": "y", "reason": "Wrong category"})
    db.session.refresh(nomination)
    assert nomination.status is NominationStatus.WITHDRAWN
    start(client, world, {"title": "The right one"})
    assert count(Nomination) == 2


def test_withdrawal_needs_confirmation(client, applicant, world, db):
    nomination = start(client, world)
    client.post(f"/nominations/{nomination.id}/withdraw", data={})
    db.session.refresh(nomination)
    assert nomination.status is NominationStatus.DRAFT


def test_categories_closed_to_the_organisation_type_refuse(client, auth, world, db):
    world.project.eligible_types = ["corporation"]
    db.session.commit()
    auth.login(world.applicant)
    response = client.post(f"/nominations/new/{world.project.id}", data={"title": "X"}, follow_redirects=True)
    assert b"not open to your type of organisation" in response.data
    assert count(Nomination) == 0


def test_leadership_and_commendation_forms(client, applicant, world, db):
    response = client.get(f"/nominations/new/{world.commendation.id}").data.decode()
    assert "Merit description (Korean)" in response and "Any disciplinary record?" in response
    answers = {
        "nominee_name": "김서연",
        "affiliation": "서울디지털재단",
        "position": "선임연구원",
        "merit_start": "2021-01-01",
        "merit_ko": "스마트도시 정책 교류를 주도함.",
        "merit_en": "Led policy exchange.",
        "has_revoked_awards": "no",
        "has_disciplinary_record": "no",
        "has_controversies": "no",
        "submit_entry": "1",
    }
    response = client.post(f"/nominations/new/{world.commendation.id}", data=answers)
    nomination = db.session.scalar(sa.select(Nomination).where(Nomination.category_id == world.commendation.id))
    page = client.get(response.headers["Location"]).data.decode()
    assert nomination.reference is None  # the nominee has not consented yet: listed with the answers' problems
    assert "1 problem to fix before submitting" in page and "The nominee has not consented yet" in page
    client.post(
        f"/nominations/{nomination.id}/nominee-consent/form",
        data={"signed_form": (io.BytesIO(PDF), "consent.pdf")},
        content_type="multipart/form-data",
    )
    client.post(f"/nominations/{nomination.id}/edit", data=answers)
    db.session.refresh(nomination)
    assert nomination.reference == "SSCP-2026-MC-001"
    assert nomination.title == "김서연"
    assert nomination.answers["merit_ko"] == "스마트도시 정책 교류를 주도함."  # any script, intact


def test_a_refused_first_submission_is_fixed_in_the_same_nomination(client, applicant, world, db):
    world.project.max_per_organisation = 1
    db.session.commit()
    response = client.post(f"/nominations/new/{world.project.id}", data={"title": "Robot care", "submit_entry": "1"})
    nomination = db.session.scalar(sa.select(Nomination))
    assert response.headers["Location"] == f"/nominations/{nomination.id}/edit?check=1"
    response = client.post(
        f"/nominations/{nomination.id}/edit", data={**complete_project_answers(), "submit_entry": "1"}
    )
    assert count(Nomination) == 1
    db.session.refresh(nomination)
    assert nomination.reference == "SSCP-2026-TI-001"


def test_an_upload_with_the_answers_saves_both(client, applicant, world, db):
    nomination = start(client, world)
    import io

    response = client.post(
        f"/nominations/{nomination.id}/edit",
        data={"title": "New title", "document": (io.BytesIO(PDF), "plan.pdf"), "upload": "1"},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert b"plan.pdf attached. Your answers were saved too." in response.data
    db.session.refresh(nomination)
    assert nomination.title == "New title"
    assert [a.original_name for a in nomination.attachments] == ["plan.pdf"]


def test_upload_without_a_file_says_so(client, applicant, world):
    nomination = start(client, world)
    response = client.post(
        f"/nominations/{nomination.id}/edit", data={"title": "T", "upload": "1"}, follow_redirects=True
    )
    assert b"Choose a file to upload." in response.data
    assert count(Attachment) == 0


def test_an_invalid_choice_is_refused_at_the_field(client, applicant, world):
    response = client.post(f"/nominations/new/{world.project.id}", data={"title": "X", "stage": "<script>"})
    assert response.status_code == 200
    assert b"Not a valid choice" in response.data
    assert count(Nomination) == 0


# --- attachments ---------------------------------------------------------------------------------


def upload(client, nomination, data: bytes, name: str):
    """Attach a file the way the entry form does: with the answers as they stand and the Upload button."""
    import io

    return client.post(
        f"/nominations/{nomination.id}/edit",
        data={**(nomination.answers or {}), "document": (io.BytesIO(data), name), "upload": "1"},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_upload_and_download_an_attachment(app, client, applicant, world, db):
    nomination = start(client, world)
    response = upload(client, nomination, PDF, "보고서.pdf")
    assert "보고서.pdf attached.".encode() in response.data
    attachment = db.session.scalar(sa.select(Attachment))
    assert attachment.content_type == "application/pdf"
    assert attachment.stored_name != "보고서.pdf"
    assert (Path(app.config["UPLOAD_FOLDER"]) / attachment.stored_name).read_bytes() == PDF
    download = client.get(f"/nominations/{nomination.id}/attachments/{attachment.id}")
    assert download.status_code == 200
    assert download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    download.close()


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"<html><script>alert(1)</script></html>", "report.pdf"),
        (b"MZ\x90\x00" + b"\x00" * 64, "setup.pdf"),
        (PDF, "report.html"),
        (b"", "empty.pdf"),
    ],
)
def test_disguised_uploads_are_refused_and_leave_the_draft_as_it_was(app, client, applicant, world, data, name):
    nomination = start(client, world)
    response = upload(client, nomination, data, name)
    assert b"was refused" in response.data or b"is empty (0 bytes)" in response.data
    assert count(Attachment) == 0
    assert not list(Path(app.config["UPLOAD_FOLDER"]).glob("*")) if Path(app.config["UPLOAD_FOLDER"]).exists() else True


def test_an_empty_file_is_named_and_refused_as_empty(client, applicant, world, db):
    nomination = start(client, world, complete_project_answers())
    response = upload(client, nomination, b"", "plan.pdf")
    assert "plan.pdf is empty (0 bytes): nothing was attached." in response.get_data(as_text=True)
    db.session.refresh(nomination)
    assert nomination.attachments == []


def test_oversized_uploads_are_refused(app, client, applicant, world):
    app.config["MAX_ATTACHMENT_BYTES"] = 1000
    nomination = start(client, world)
    response = upload(client, nomination, PDF + b"0" * 2000, "big.pdf")
    assert b"larger than the limit of" in response.data
    assert count(Attachment) == 0


def test_a_request_over_the_server_limit_gets_a_message_not_an_error(app, client, applicant, world):
    nomination = start(client, world)
    app.config["MAX_CONTENT_LENGTH"] = 500
    response = upload(client, nomination, PDF + b"0" * 5000, "huge.pdf")
    assert response.status_code == 200
    assert b"too large" in response.data
    assert count(Attachment) == 0


def test_the_total_per_nomination_is_enforced(app, client, applicant, world):
    app.config["MAX_NOMINATION_BYTES"] = len(PDF) + len(PNG) // 2
    nomination = start(client, world)
    upload(client, nomination, PDF, "one.pdf")
    response = upload(client, nomination, PNG, "two.png")
    assert b"may total" in response.data
    assert count(Attachment) == 1


def test_attachments_can_be_removed_from_a_draft_only(app, client, applicant, world, db):
    nomination = start(client, world, complete_project_answers())
    upload(client, nomination, DOCX, "statement.docx")
    attachment = db.session.scalar(sa.select(Attachment))
    stored = Path(app.config["UPLOAD_FOLDER"]) / attachment.stored_name
    client.post(f"/nominations/{nomination.id}/attachments/{attachment.id}/delete")
    assert count(Attachment) == 0
    assert not stored.exists()
    upload(client, nomination, DOCX, "statement.docx")
    client.post(f"/nominations/{nomination.id}/edit", data={**complete_project_answers(), "submit_entry": "1"})
    attachment = db.session.scalar(sa.select(Attachment))
    client.post(f"/nominations/{nomination.id}/attachments/{attachment.id}/delete")
    assert count(Attachment) == 1


def test_other_organisations_get_nothing(client, auth, applicant, world, db):
    nomination = start(client, world)
    upload(client, nomination, PDF, "plan.pdf")
    attachment = db.session.scalar(sa.select(Attachment))
    auth.logout()
    auth.login(world.other_applicant)
    assert client.get(f"/nominations/{nomination.id}").status_code == 403
    assert client.get(f"/nominations/{nomination.id}/edit").status_code == 403
    assert client.get(f"/nominations/{nomination.id}/attachments/{attachment.id}").status_code == 403
    assert client.post(f"/nominations/{nomination.id}/edit", data={"title": "Hijacked"}).status_code == 403
    assert client.post(f"/nominations/{nomination.id}/withdraw", data={"confirm": "y"}).status_code == 403
    assert b"Half-finished idea" not in client.get("/nominations/").data
    db.session.refresh(nomination)
    assert nomination.title == "Half-finished idea"
    assert nomination.status is NominationStatus.DRAFT


def test_missing_things_are_404(client, applicant, world):
    assert client.get("/nominations/999").status_code == 404
    assert client.get("/nominations/999/edit").status_code == 404
    assert client.get("/nominations/new/999").status_code == 404
    nomination = start(client, world)
    assert client.get(f"/nominations/{nomination.id}/attachments/999").status_code == 404


def test_a_new_form_posted_twice_makes_one_draft(client, applicant, world, db):
    page = client.get(f"/nominations/new/{world.project.id}").data.decode()
    import re

    token = re.search(r'name="client_token" type="hidden" value="([0-9a-f]+)"', page).group(1)
    for _ in range(2):  # the back button and Save again
        client.post(f"/nominations/new/{world.project.id}", data={"title": "Once", "client_token": token})
    assert count(Nomination) == 1


def test_narrowing_a_category_stops_drafts_of_excluded_types(client, applicant, world, db):
    nomination = start(client, world, complete_project_answers())
    world.project.eligible_types = ["corporation"]
    db.session.commit()
    response = client.post(
        f"/nominations/{nomination.id}/edit",
        data={**complete_project_answers(), "submit_entry": "1"},
        follow_redirects=True,
    )
    assert b"no longer open to your type of organisation" in response.data
    db.session.refresh(nomination)
    assert nomination.status is NominationStatus.DRAFT and nomination.reference is None
