"""Receipts: on submission the applicant gets an e-mail with the reference, the time in the edition's zone and in
their own, and each document with its size and SHA-256; a withdrawal is confirmed in writing too. Delivered
through a real SMTP server on the loopback, not only written to the outbox."""

from __future__ import annotations

import hashlib
import io
import re

import sqlalchemy as sa

from awards_app.i18n import format_in_zone, human_size
from awards_app.models import Nomination, NominationStatus
from tests.conftest import complete_project_answers
from tests.e2e.helpers import small_pdf


def _draft_with_a_document(client, world) -> tuple[Nomination, bytes]:
    response = client.post(f"/nominations/new/{world.project.id}", data=complete_project_answers("Robot care"))
    assert response.status_code == 302
    from awards_app.extensions import db

    nomination = db.session.scalars(sa.select(Nomination).order_by(Nomination.id.desc())).first()
    pdf = small_pdf(2)
    client.post(
        f"/nominations/{nomination.id}/edit",
        data={**complete_project_answers("Robot care"), "document": (io.BytesIO(pdf), "care plan.pdf"), "upload": "1"},
        content_type="multipart/form-data",
    )
    return nomination, pdf


def _body(mail) -> str:
    """The text of a received e-mail (its plain part, whether or not a file is attached), with plain line ends."""
    return mail.get_body(("plain",)).get_content().replace("\r\n", "\n")


def _submit(client, nomination, zone: str = ""):
    return client.post(
        f"/nominations/{nomination.id}/edit",
        data={**complete_project_answers("Robot care"), "submit_entry": "1", "reader_zone": zone},
    )


def test_a_submission_sends_a_receipt_through_the_mail_server(client, auth, world, db, smtp_inbox):
    auth.login(world.applicant)
    nomination, pdf = _draft_with_a_document(client, world)
    assert _submit(client, nomination, "America/Bogota").status_code == 302
    db.session.refresh(nomination)
    assert nomination.status is NominationStatus.SUBMITTED

    (mail,) = smtp_inbox.messages
    assert smtp_inbox.envelopes[0][1] == [world.applicant.email]
    assert mail["Subject"] == f"Receipt: {nomination.reference} submitted"
    body = _body(mail)
    assert nomination.reference in body and "Robot care" in body and "City of Odense" in body
    seoul = format_in_zone(nomination.submitted_at, "Asia/Seoul")
    bogota = format_in_zone(nomination.submitted_at, "America/Bogota")
    assert f"Submitted: {seoul} · {bogota}" in body
    assert f"care plan.pdf, {human_size(len(pdf))}, SHA-256 {hashlib.sha256(pdf).hexdigest()}" in body
    assert f"/nominations/{nomination.id}" in body


def test_an_unknown_zone_gives_the_editions_time_only(client, auth, world, db, smtp_inbox):
    auth.login(world.applicant)
    nomination, _pdf = _draft_with_a_document(client, world)
    _submit(client, nomination, "Mars/Olympus_Mons")
    db.session.refresh(nomination)
    body = _body(smtp_inbox.messages[0])
    assert f"Submitted: {format_in_zone(nomination.submitted_at, 'Asia/Seoul')}\n" in body
    assert "Mars" not in body


def test_a_korean_applicant_reads_the_receipt_in_korean(client, auth, world, db, smtp_inbox):
    world.applicant.locale = "ko"
    db.session.commit()
    auth.login(world.applicant)
    nomination, _pdf = _draft_with_a_document(client, world)
    _submit(client, nomination)
    mail = smtp_inbox.messages[0]
    assert "접수" in mail["Subject"] and "영수증" in _body(mail)


def test_a_withdrawal_is_confirmed_in_writing_and_a_draft_s_is_not(client, auth, world, db, smtp_inbox):
    auth.login(world.applicant)
    nomination, _pdf = _draft_with_a_document(client, world)
    _submit(client, nomination)
    response = client.post(f"/nominations/{nomination.id}/withdraw", data={"confirm": "y", "reader_zone": ""})
    assert response.status_code == 302
    assert [m["Subject"] for m in smtp_inbox.messages] == [
        f"Receipt: {nomination.reference} submitted",
        f"{nomination.reference} withdrawn",
    ]
    assert "will not be judged" in _body(smtp_inbox.messages[1])
    draft = client.post(f"/nominations/new/{world.leadership.id}", data={"nominee_name": "A draft"})
    assert draft.status_code == 302
    other = db.session.scalars(sa.select(Nomination).order_by(Nomination.id.desc())).first()
    client.post(f"/nominations/{other.id}/withdraw", data={"confirm": "y"})
    assert len(smtp_inbox.messages) == 2


def test_a_mail_server_that_fails_does_not_fail_the_submission(app, client, auth, world, db, caplog):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=9)  # nothing listens there: the connection is refused
    auth.login(world.applicant)
    nomination, _pdf = _draft_with_a_document(client, world)
    response = _submit(client, nomination)
    assert response.status_code == 302
    db.session.refresh(nomination)
    assert nomination.status is NominationStatus.SUBMITTED and nomination.reference
    assert "Submitted. Your reference is" in client.get(response.headers["Location"]).get_data(as_text=True)


def _pdf_text(data: bytes) -> str:
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()


def test_the_receipt_attaches_the_nomination_as_a_pdf(client, auth, world, db, smtp_inbox, needs_pdf):
    auth.login(world.applicant)
    nomination, pdf = _draft_with_a_document(client, world)
    _submit(client, nomination)
    db.session.refresh(nomination)
    mail = smtp_inbox.messages[0]
    (attached,) = list(mail.iter_attachments())
    assert attached.get_filename() == f"{nomination.reference}.pdf"
    assert attached.get_content_type() == "application/pdf"
    text = _pdf_text(attached.get_content())
    assert nomination.reference in text and "Robot care" in text and "City of Odense" in text
    assert hashlib.sha256(pdf).hexdigest()[:32] in text.replace("\r", "").replace("\n", "")
    assert "attached as a PDF" in _body(mail)


def test_the_same_pdf_is_downloaded_from_the_nomination_page_in_the_readers_language(
    client, auth, world, db, needs_pdf
):
    auth.login(world.applicant)
    nomination, _pdf = _draft_with_a_document(client, world)
    _submit(client, nomination)
    db.session.refresh(nomination)
    page = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert f"/nominations/{nomination.id}/nomination.pdf" in page and "Download as PDF" in page
    response = client.get(f"/nominations/{nomination.id}/nomination.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
    assert f"filename={nomination.reference}.pdf" in response.headers["Content-Disposition"]
    assert "Problem" in _pdf_text(response.data)  # the form's questions, in English
    client.post("/language", data={"language": "ko"})
    korean = _pdf_text(client.get(f"/nominations/{nomination.id}/nomination.pdf").data)
    assert "응모" in korean or "참조" in korean or "제출" in korean


def test_no_one_else_gets_the_pdf(client, auth, world, db):
    auth.login(world.applicant)
    nomination, _pdf = _draft_with_a_document(client, world)
    auth.logout()
    auth.login(world.other_applicant)
    assert client.get(f"/nominations/{nomination.id}/nomination.pdf").status_code == 403


def test_without_pango_the_receipt_still_goes_and_the_page_says_try_later(
    client, auth, world, db, smtp_inbox, monkeypatch
):
    """A machine without Pango: the receipt goes without its PDF, and the PDF link answers 503 with a message."""
    from awards_app.services import receipts

    def no_pango(nomination, locale):
        raise OSError("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(receipts, "nomination_pdf", no_pango)
    auth.login(world.applicant)
    nomination, _pdf = _draft_with_a_document(client, world)
    _submit(client, nomination)
    (mail,) = smtp_inbox.messages
    assert list(mail.iter_attachments()) == [] and "attached as a PDF" not in _body(mail)
    response = client.get(f"/nominations/{nomination.id}/nomination.pdf")
    assert response.status_code == 503


def test_the_screening_decision_is_told_to_the_applicant_with_its_reason(client, auth, world, db, smtp_inbox):
    auth.login(world.applicant)
    nomination, _pdf = _draft_with_a_document(client, world)
    _submit(client, nomination)
    auth.logout()
    auth.login(world.secretariat)
    db.session.refresh(nomination)
    client.post(
        f"/secretariat/nominations/{nomination.id}",
        data={"decision": "ineligible", "reason": "The project started after the cut-off date.", "share_reason": "y"},
    )
    client.post(f"/secretariat/nominations/{nomination.id}", data={"decision": "eligible"})
    _receipt, refused, accepted = smtp_inbox.messages
    assert [e[1] for e in smtp_inbox.envelopes[1:]] == [[world.applicant.email]] * 2
    assert refused["Subject"] == f"{nomination.reference} is not eligible"
    assert "Reason: The project started after the cut-off date." in _body(refused)
    assert accepted["Subject"] == f"{nomination.reference} is eligible"
    assert "it is eligible and goes to the judges" in _body(accepted) and "Reason" not in _body(accepted)
    assert f"/nominations/{nomination.id}" in _body(accepted)


def test_a_reason_the_secretariat_keeps_to_itself_reaches_neither_the_e_mail_nor_the_applicant_s_page(
    client, auth, world, db, smtp_inbox
):
    auth.login(world.applicant)
    nomination, _pdf = _draft_with_a_document(client, world)
    _submit(client, nomination)
    auth.logout()
    auth.login(world.secretariat)
    page = client.get(f"/secretariat/nominations/{nomination.id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*id="share_reason"|<input[^>]*id="share_reason"[^>]*checked', page)
    reason = "A board member of the applicant chairs the jury: LYNX-4471"
    client.post(f"/secretariat/nominations/{nomination.id}", data={"decision": "ineligible", "reason": reason})
    _receipt, refused = smtp_inbox.messages
    assert refused["Subject"] == f"{nomination.reference} is not eligible"
    assert "it is not eligible" in _body(refused) and "LYNX-4471" not in _body(refused)
    # The secretariat still reads it, marked as kept from the applicant; the applicant reads the decision alone.
    page = client.get(f"/secretariat/nominations/{nomination.id}").get_data(as_text=True)
    assert "LYNX-4471" in page and "not shown to the applicant" in page
    assert not re.search(r'<input[^>]*checked[^>]*id="share_reason"|<input[^>]*id="share_reason"[^>]*checked', page)
    auth.logout()
    auth.login(world.applicant)
    page = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert "Not eligible." in page and "LYNX-4471" not in page
