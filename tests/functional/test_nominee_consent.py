"""A nominee's own consent (PIPA): a nomination about a person goes to the judges only with it, given through a
link e-mailed to the nominee or on a signed form; the secretariat may record a form received on paper."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from awards_app.models import AuditEvent, Nomination, NominationStatus, NomineeConsent
from awards_app.services import nominee_consent as nominee_consent_service
from tests.functional.judging_helpers import COMMENDATION_ANSWERS
from tests.unit.test_storage import DOCX, PDF, PNG

ANSWERS = {**COMMENDATION_ANSWERS, "nominee_name": "Kim Ji-won"}


def _draft(client, world, db) -> Nomination:
    response = client.post(f"/nominations/new/{world.commendation.id}", data=ANSWERS)
    assert response.status_code == 302
    return db.session.scalars(sa.select(Nomination).order_by(Nomination.id.desc())).first()


def _submit(client, nomination):
    return client.post(f"/nominations/{nomination.id}/edit", data={**ANSWERS, "submit_entry": "1"})


def _body(mail) -> str:
    return mail.get_body(("plain",)).get_content().replace("\r\n", "\n")


def _link(mail) -> str:
    return re.search(r"https?://\S+/consent/\S+", _body(mail)).group(0).split("/consent/", 1)[1]


ALL_TICKS = {"consent_collection": "y", "consent_provision": "y", "consent_transfer_abroad": "y", "give": "1"}


def test_the_nominee_consents_through_the_emailed_link_and_the_nomination_can_then_go(
    client, auth, world, db, smtp_inbox, app
):
    auth.login(world.applicant)
    nomination = _draft(client, world, db)
    page = client.get(f"/nominations/{nomination.id}/edit").data.decode()
    assert "The nominee's consent" in page and "Send the consent link" in page

    response = _submit(client, nomination)
    assert response.headers["Location"].endswith("?check=1")
    db.session.refresh(nomination)
    assert nomination.status is NominationStatus.DRAFT

    client.post(f"/nominations/{nomination.id}/nominee-consent/ask", data={"email": "Ji-won.Kim@Example.org"})
    (mail,) = smtp_inbox.messages
    assert smtp_inbox.envelopes[0][1] == ["ji-won.kim@example.org"]
    assert "City of Odense has nominated you" in _body(mail)
    token = _link(mail)
    page = client.get(f"/nominations/{nomination.id}/edit").data.decode()
    assert "Waiting for the nominee" in page

    # The nominee has no account: the link alone opens their page, which shows what is said about them.
    auth.logout()
    nominee = app.test_client()
    page = nominee.get(f"/consent/{token}")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"  # a shared computer keeps no copy
    assert "Kim Ji-won" in page.data.decode() and "Twelve years of advice" in page.data.decode()

    # Two ticks of three: refused, nothing recorded.
    half = nominee.post(f"/consent/{token}", data={"consent_collection": "y", "consent_provision": "y", "give": "1"})
    assert "Without this consent the nomination cannot be judged." in half.data.decode()
    db.session.refresh(nomination)
    assert nomination.nominee_consent.waiting

    assert nominee.post(f"/consent/{token}", data=ALL_TICKS).status_code == 302
    db.session.refresh(nomination)
    consent = nomination.nominee_consent
    assert consent.given and consent.method == "link" and consent.notice_version == 1
    assert "your consent was recorded" in nominee.get(f"/consent/{token}").data.decode()
    # The applicant is told, in writing.
    told = smtp_inbox.messages[1]
    assert smtp_inbox.envelopes[1][1] == [world.applicant.email]
    assert "The nominee consented" in _body(told)
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.nomination_id == nomination.id)).all()
    assert {"nominee_consent.asked", "nominee_consent.given"} <= set(actions)

    auth.login(world.applicant)
    _submit(client, nomination)
    db.session.refresh(nomination)
    assert nomination.status is NominationStatus.SUBMITTED
    # Asking again once given is refused, and changes nothing.
    client.post(f"/nominations/{nomination.id}/nominee-consent/ask", data={"email": "other@example.org"})
    db.session.refresh(nomination)
    assert nomination.nominee_consent.email == "ji-won.kim@example.org"


def test_the_applicant_is_told_of_the_answer_whatever_line_breaks_the_nominee_s_name_holds(
    client, auth, world, db, smtp_inbox, app
):
    # The subject names the nomination; a header cannot hold a line break, and the mail was lost to an error.
    auth.login(world.applicant)
    client.post(f"/nominations/new/{world.commendation.id}", data={**ANSWERS, "nominee_name": "Kim\nJi-won"})
    nomination = db.session.scalars(sa.select(Nomination).order_by(Nomination.id.desc())).first()
    client.post(f"/nominations/{nomination.id}/nominee-consent/ask", data={"email": "ji-won.kim@example.org"})
    (ask,) = smtp_inbox.messages
    assert app.test_client().post(f"/consent/{_link(ask)}", data=ALL_TICKS).status_code == 302
    ask, told = smtp_inbox.messages
    assert told["To"] == world.applicant.email
    assert told["Subject"] == "The nominee answered: Kim Ji-won"


def test_a_refusal_stops_the_submission_and_is_told_to_the_applicant(client, auth, world, db, smtp_inbox, app):
    auth.login(world.applicant)
    nomination = _draft(client, world, db)
    client.post(f"/nominations/{nomination.id}/nominee-consent/ask", data={"email": "nominee@example.org"})
    token = _link(smtp_inbox.messages[0])
    nominee = app.test_client()
    nominee.post(f"/consent/{token}", data={"refuse": "1"})
    db.session.refresh(nomination)
    assert nomination.nominee_consent.refused
    assert "refused their consent" in _body(smtp_inbox.messages[1])
    # Pressed again, or changed their mind on the same page: the answer stands.
    nominee.post(f"/consent/{token}", data=ALL_TICKS)
    db.session.refresh(nomination)
    assert nomination.nominee_consent.refused

    response = _submit(client, nomination)
    page = client.get(response.headers["Location"]).data.decode()
    assert "The nominee refused their consent" in page
    db.session.refresh(nomination)
    assert nomination.status is NominationStatus.DRAFT


def test_a_new_link_voids_the_earlier_one_and_forged_or_expired_links_are_refused(
    client, auth, world, db, smtp_inbox, app, monkeypatch
):
    auth.login(world.applicant)
    nomination = _draft(client, world, db)
    client.post(f"/nominations/{nomination.id}/nominee-consent/ask", data={"email": "old@example.org"})
    client.post(f"/nominations/{nomination.id}/nominee-consent/ask", data={"email": "new@example.org"})
    first, second = (_link(mail) for mail in smtp_inbox.messages)
    nominee = app.test_client()

    replaced = nominee.post(f"/consent/{first}", data=ALL_TICKS)
    assert replaced.status_code == 404 and "replaced by a newer one" in replaced.data.decode()
    forged = nominee.get(f"/consent/{second[:-3]}xyz")
    assert forged.status_code == 404 and "not valid" in forged.data.decode()
    monkeypatch.setattr(nominee_consent_service, "NOMINEE_LINK_DAYS", -1)
    expired = nominee.get(f"/consent/{second}")
    assert expired.status_code == 404 and "expired" in expired.data.decode()
    db.session.refresh(nomination)
    assert nomination.nominee_consent.waiting and nomination.nominee_consent.email == "new@example.org"
    assert db.session.scalar(sa.select(sa.func.count(NomineeConsent.id))) == 1

    bad = client.post(f"/nominations/{nomination.id}/nominee-consent/ask", data={"email": "not an address"})
    assert bad.status_code == 302
    assert "Enter a valid e-mail address." in client.get(bad.headers["Location"]).data.decode()


def test_a_signed_form_stands_for_the_consent_and_is_kept_from_judges(client, auth, world, db, app):
    auth.login(world.applicant)
    nomination = _draft(client, world, db)
    url = f"/nominations/{nomination.id}/nominee-consent/form"

    def upload(data: bytes, name: str):
        response = client.post(url, data={"signed_form": (io.BytesIO(data), name)}, content_type="multipart/form-data")
        return client.get(response.headers["Location"]).data.decode()

    assert "must be a PDF, PNG or JPEG" in upload(DOCX, "consent.docx")
    assert "is empty (0 bytes)" in upload(b"", "consent.pdf")
    assert "must be a PDF, PNG or JPEG" in upload(PNG, "consent.pdf")  # content and name disagree
    db.session.refresh(nomination)
    assert nomination.nominee_consent is None

    assert "signed consent form was kept" in upload(PDF, "signed consent.pdf")
    db.session.refresh(nomination)
    consent = nomination.nominee_consent
    assert consent.given and consent.method == "form" and consent.original_name == "signed consent.pdf"
    download = client.get(url)
    assert download.status_code == 200 and download.data == PDF
    assert "no-store" in download.headers["Cache-Control"]
    _submit(client, nomination)
    db.session.refresh(nomination)
    assert nomination.status is NominationStatus.SUBMITTED

    auth.logout()
    auth.login(world.other_applicant)
    assert client.get(url).status_code == 403
    assert (
        client.post(f"/nominations/{nomination.id}/nominee-consent/ask", data={"email": "x@example.org"}).status_code
        == 403
    )
    auth.logout()
    auth.login(world.judge)
    assert client.get(url).status_code == 403
    auth.logout()
    auth.login(world.secretariat)
    assert client.get(url).status_code == 200


def test_a_project_asks_for_no_nominee_consent(client, auth, world, db):
    from tests.conftest import complete_project_answers

    auth.login(world.applicant)
    client.post(f"/nominations/new/{world.project.id}", data=complete_project_answers("Robot care"))
    nomination = db.session.scalars(sa.select(Nomination).order_by(Nomination.id.desc())).first()
    assert "The nominee's consent" not in client.get(f"/nominations/{nomination.id}/edit").data.decode()
    assert (
        client.post(f"/nominations/{nomination.id}/nominee-consent/ask", data={"email": "x@example.org"}).status_code
        == 404
    )
    assert client.get(f"/nominations/{nomination.id}/nominee-consent-form.pdf").status_code == 404


def test_screening_eligible_waits_for_the_consent_which_the_secretariat_may_record_from_paper(client, auth, world, db):
    # A nomination entered from the secretariat's spreadsheet: submitted, no consent on record.
    nomination = Nomination(
        edition=world.edition,
        category=world.commendation,
        organisation=world.city,
        created_by=world.applicant,
        status=NominationStatus.SUBMITTED,
        title="Kim Ji-won",
        answers=ANSWERS,
        reference="SSCP-2026-MC-009",
    )
    db.session.add(nomination)
    db.session.commit()
    auth.login(world.secretariat)
    detail = f"/secretariat/nominations/{nomination.id}"
    page = client.get(detail).data.decode()
    assert "Record the signed form received on paper" in page
    version = str(nomination.version)
    refused = client.post(
        detail, data={"decision": "eligible", "reason": "", "version": version}, follow_redirects=True
    )
    assert "The nominee has not consented, so the judges may not read this nomination" in refused.data.decode()
    db.session.refresh(nomination)
    assert nomination.status is NominationStatus.SUBMITTED
    # Ineligible stays possible, with its reason.
    client.post(f"{detail}/nominee-consent/paper", data={})
    db.session.refresh(nomination)
    assert nomination.nominee_consent is not None and nomination.nominee_consent.method == "paper"
    client.post(detail, data={"decision": "eligible", "reason": "", "version": str(nomination.version)})
    db.session.refresh(nomination)
    assert nomination.status is NominationStatus.ELIGIBLE
    assert "Signed form received on paper" in client.get(detail).data.decode()

    auth.logout()
    auth.login(world.applicant)
    assert client.post(f"{detail}/nominee-consent/paper", data={}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(NomineeConsent.id))) == 1


def test_the_blank_consent_form_is_a_pdf_naming_the_nomination(client, auth, world, db, needs_pdf):
    import pypdfium2

    auth.login(world.applicant)
    nomination = _draft(client, world, db)
    response = client.get(f"/nominations/{nomination.id}/nominee-consent-form.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    document = pypdfium2.PdfDocument(response.data)
    text = "".join(page.get_textpage().get_text_range() for page in document)
    assert "Kim Ji-won" in text and "City of Odense" in text and "Art. 28-8" in text
    assert "no-store" in client.get(f"/nominations/{nomination.id}/nominee-consent-form.pdf").headers["Cache-Control"]


@pytest.mark.parametrize("token", ["x", "a" * 400, "..%2F..%2Fetc", "%00"])
def test_any_link_is_answered_without_an_error(client, token):
    response = client.get(f"/consent/{token}")
    assert response.status_code == 404
