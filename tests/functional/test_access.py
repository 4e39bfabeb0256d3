"""Every route of the URL map, for every kind of visitor.

A route added without a line in ACCESS fails ``test_every_route_has_a_rule``, so nothing new can be left
unguarded by accident.
"""

import io
from datetime import timedelta
from typing import NamedTuple

import pytest
import sqlalchemy as sa

from awards_app.models import (
    Assignment,
    Attachment,
    CalibrationNomination,
    Conflict,
    Criterion,
    LevelDescriptor,
    MailStatus,
    Nomination,
    OutgoingMail,
    PresentationSlot,
    Role,
    Round,
    utcnow,
)
from awards_app.rules.presentations import PresentationMode
from tests.conftest import PASSWORD, make_user
from tests.e2e.helpers import small_pdf

VISITORS = (
    "anonymous",
    "other_applicant",
    "judge",
    "judge_unassigned",
    "judge_recused",
    "secretariat",
    "owner",
)  # owner last: it may delete
OK, LOGIN, DENY, NOT_FOUND = "ok", "login", "deny", "not found"


class Rule(NamedTuple):
    """What each kind of visitor gets from an endpoint."""

    anonymous: str
    owner: str  # an applicant of the organisation that owns the nomination
    other_applicant: str  # an applicant of another organisation
    judge: str  # assigned to the nomination, no conflict declared
    judge_unassigned: str  # a judge with no assignment on it (the assignment in the URL is someone else's)
    judge_recused: str  # assigned to it, and recused by a declared conflict of interest
    secretariat: str


# endpoint: what each visitor gets. DENY is 403; NOT_FOUND is 404 where the app does not say a thing exists.
ACCESS: dict[str, Rule] = {
    "main.index": Rule(OK, OK, OK, OK, OK, OK, OK),
    "main.set_language": Rule(OK, OK, OK, OK, OK, OK, OK),
    "main.health": Rule(OK, OK, OK, OK, OK, OK, OK),
    "main.privacy": Rule(OK, OK, OK, OK, OK, OK, OK),
    "main.favicon": Rule(OK, OK, OK, OK, OK, OK, OK),
    # The winners' pages are public once published; before, an edition answers as if it did not exist, to all.
    "winners.edition_list": Rule(OK, OK, OK, OK, OK, OK, OK),
    "winners.edition_winners": Rule(NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    "winners.winner_page": Rule(NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    "winners.edition_json": Rule(NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    "static": Rule(OK, OK, OK, OK, OK, OK, OK),
    "bootstrap.static": Rule(OK, OK, OK, OK, OK, OK, OK),
    "auth.login": Rule(OK, OK, OK, OK, OK, OK, OK),
    "auth.logout": Rule(OK, OK, OK, OK, OK, OK, OK),
    "auth.register": Rule(OK, OK, OK, OK, OK, OK, OK),
    "auth.forgot_password": Rule(OK, OK, OK, OK, OK, OK, OK),
    "auth.reset_password": Rule(OK, OK, OK, OK, OK, OK, OK),
    "auth.accept_invitation": Rule(OK, OK, OK, OK, OK, OK, OK),
    "auth.account": Rule(LOGIN, OK, OK, OK, OK, OK, OK),
    "auth.confirm_email": Rule(OK, OK, OK, OK, OK, OK, OK),
    "auth.sign_out_everywhere": Rule(LOGIN, OK, OK, OK, OK, OK, OK),
    "auth.download_data": Rule(LOGIN, OK, OK, OK, OK, OK, OK),  # each gets their own data only
    # Each deletes only their own account, and only with their password and address typed (none here: a form back).
    "auth.delete_account": Rule(LOGIN, OK, OK, OK, OK, OK, OK),
    "auth.goodbye": Rule(OK, OK, OK, OK, OK, OK, OK),  # once after a deletion; a redirect home otherwise
    "nominations.index": Rule(LOGIN, OK, OK, DENY, DENY, DENY, DENY),
    "nominations.create": Rule(LOGIN, OK, OK, DENY, DENY, DENY, DENY),
    "nominations.edit": Rule(LOGIN, OK, DENY, DENY, DENY, DENY, DENY),
    "nominations.view": Rule(LOGIN, OK, DENY, OK, DENY, DENY, OK),  # the judge here is assigned to the nomination
    "nominations.withdraw": Rule(LOGIN, OK, DENY, DENY, DENY, DENY, DENY),
    "nominations.delete_attachment": Rule(LOGIN, OK, DENY, DENY, DENY, DENY, DENY),
    "nominations.download": Rule(LOGIN, OK, DENY, OK, DENY, DENY, OK),
    "nominations.pdf": Rule(LOGIN, OK, DENY, OK, DENY, DENY, OK),
    "nominations.attachment_page": Rule(LOGIN, OK, DENY, OK, DENY, DENY, OK),
    # The arranged document is a PDF, which has pages but no image: 404, but only to those who may see it.
    "nominations.attachment_image": Rule(LOGIN, NOT_FOUND, DENY, NOT_FOUND, DENY, DENY, NOT_FOUND),
    # A nominee's consent: the arranged nomination is a project, which asks for none (404 to its applicant).
    "nominations.ask_nominee": Rule(LOGIN, NOT_FOUND, DENY, DENY, DENY, DENY, DENY),
    "nominations.upload_signed_form": Rule(LOGIN, NOT_FOUND, DENY, DENY, DENY, DENY, DENY),
    "nominations.blank_consent_form": Rule(LOGIN, NOT_FOUND, DENY, DENY, DENY, DENY, DENY),
    "nominations.signed_form": Rule(LOGIN, NOT_FOUND, DENY, DENY, DENY, DENY, NOT_FOUND),
    # The merit statement (공적조서): the arranged nomination is a project, which has none (404 to those who see it).
    "merit.nomination_pdf": Rule(LOGIN, NOT_FOUND, DENY, NOT_FOUND, DENY, DENY, NOT_FOUND),
    "merit.nomination_docx": Rule(LOGIN, NOT_FOUND, DENY, NOT_FOUND, DENY, DENY, NOT_FOUND),
    "merit.category_pdf": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, NOT_FOUND),  # the arranged category: a project
    "merit.category_zip": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, NOT_FOUND),
    "main.nominee_consent": Rule(NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    "secretariat.record_paper_consent": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "secretariat.open_call": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "rounds.open_round": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "secretariat.dashboard": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "secretariat.edition_list": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "secretariat.edition_create": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "secretariat.edition_detail": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "secretariat.edition_edit": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "secretariat.edition_copy": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "secretariat.edition_copy_choose": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "secretariat.category_create": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "secretariat.category_edit": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "form_editor.form_list": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "form_editor.form_create": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "form_editor.form_edit": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "form_editor.form_preview": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "form_editor.field_add": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "form_editor.field_edit": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "form_editor.field_move": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "form_editor.field_remove": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "secretariat.nomination_list": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "secretariat.nomination_detail": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "secretariat.user_list": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "secretariat.user_invite": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "secretariat.user_resend": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "secretariat.user_edit": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "secretariat.audit_log": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "rounds.round_list": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "rounds.round_create": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "rounds.round_detail": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "rounds.round_edit": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "rounds.rubric_edit": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "rounds.descriptors_edit": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "rounds.descriptor_remove": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "rounds.assignments": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "rounds.assign_manual": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "rounds.assign_automatic": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "rounds.assign_replacement": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "rounds.assignment_remove": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "rounds.assignment_reassign": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "rounds.assignment_reopen": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "rounds.assignment_waive": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "rounds.progress": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "rounds.remind": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "secretariat.privacy_notice": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "secretariat.access_log_page": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "secretariat.retention": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "secretariat.retention_purge": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "calibration.panel": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "calibration.counts": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "mail.outgoing": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "mail.catalogue": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "mail.retry": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "mail.discard": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "mail.retry_all": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "feedback.round_feedback": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "feedback.comment_edit": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "feedback.comment_visibility": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "feedback.release": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "feedback.release_withdraw": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "feedback.preview": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),  # what the applicant reads, or will
    "rounds.conflicts": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "rounds.advance": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "rounds.results": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "rounds.advance_top": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "rounds.assign_awards": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "rounds.override_award": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "rounds.publish": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "rounds.withdraw": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "rounds.close_sitting": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "rounds.give_commendations": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "rounds.sitting_minutes": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, NOT_FOUND),
    "rounds.results_workbook": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "rounds.results_csv": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "rounds.uncertainty_request": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "rounds.uncertainty_status": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "secretariat.nomination_import": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "secretariat.nomination_template": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "secretariat.judge_import": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "secretariat.judge_template": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    # Certificates: the public page confirms a code (the arranged one is nobody's: 404 to all); the arranged
    # nomination is not published, so it has no certificate to download, even for those who may ask.
    "certificates.verify_form": Rule(OK, OK, OK, OK, OK, OK, OK),
    "certificates.verify": Rule(NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    "certificates.nomination_pdf": Rule(LOGIN, NOT_FOUND, DENY, DENY, DENY, DENY, NOT_FOUND),
    "certificates.edition_certificates": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "certificates.edition_zip": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),  # nothing published: back, told why
    "certificates.specimen": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "judging.index": Rule(LOGIN, DENY, DENY, OK, OK, OK, DENY),
    "judging.assignment": Rule(LOGIN, DENY, DENY, OK, DENY, OK, DENY),
    "judging.autosave": Rule(LOGIN, DENY, DENY, OK, DENY, DENY, DENY),
    "judging.declare": Rule(LOGIN, DENY, DENY, OK, DENY, OK, DENY),
    "judging.vote": Rule(LOGIN, DENY, DENY, OK, DENY, OK, DENY),
    "judging.offline_workbook": Rule(LOGIN, DENY, DENY, OK, NOT_FOUND, OK, DENY),
    "judging.calibration": Rule(LOGIN, DENY, DENY, OK, NOT_FOUND, NOT_FOUND, DENY),
    "judging.offline_upload": Rule(LOGIN, DENY, DENY, OK, NOT_FOUND, OK, DENY),
    # A judge's dossier: only in a round where they hold a nomination they are not recused from (the PDF, before it
    # is built, sends them to its page).
    "dossiers.own": Rule(LOGIN, DENY, DENY, OK, NOT_FOUND, NOT_FOUND, DENY),
    "dossiers.own_status": Rule(LOGIN, DENY, DENY, OK, NOT_FOUND, NOT_FOUND, DENY),
    "dossiers.own_pdf": Rule(LOGIN, DENY, DENY, OK, NOT_FOUND, NOT_FOUND, DENY),
    "dossiers.round_dossiers": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "dossiers.judge_dossier": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "dossiers.judge_status": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "dossiers.judge_pdf": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "dossiers.book": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "dossiers.book_status": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "dossiers.book_pdf": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "presentations.schedule": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "presentations.remove_slot": Rule(LOGIN, DENY, DENY, DENY, DENY, DENY, OK),
    "presentations.judge_schedule": Rule(LOGIN, DENY, DENY, OK, OK, OK, DENY),  # each judge their own finalists
    # The arranged nomination has a slot: its applicants and its judge download it; the recused judge does not.
    "presentations.slot_ics": Rule(LOGIN, OK, DENY, OK, DENY, DENY, OK),
}


def test_every_route_has_a_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(ACCESS), "add the new route to ACCESS with what each visitor may do"


def _url_for(app, rule, values) -> str:
    from flask import url_for

    with app.test_request_context():
        return url_for(rule.endpoint, **{arg: values[arg] for arg in rule.arguments})


@pytest.fixture
def arranged(app, client, world, db):
    """A nomination with an attachment, a round, and three judges: assigned, unassigned, and recused."""
    client.post("/auth/login", data={"email": world.applicant.email, "password": PASSWORD})
    client.post(f"/nominations/new/{world.project.id}", data={"title": "Access matrix"})
    nomination = db.session.scalar(sa.select(Nomination))
    client.post(
        f"/nominations/{nomination.id}/edit",
        data={"title": "Access matrix", "upload": "1", "document": (io.BytesIO(small_pdf()), "plan.pdf")},
        content_type="multipart/form-data",
    )
    attachment = db.session.scalar(sa.select(Attachment))
    assert attachment is not None
    client.post("/auth/logout")
    round_ = Round(
        edition_id=world.edition.id,
        name="Online evaluation",
        position=1,
        categories=[world.project],
        opens_at=world.edition.opens_at,
        closes_at=world.edition.closes_at,
    )
    db.session.add(round_)
    db.session.flush()
    unassigned = make_user("unassigned@judges.example", [Role.JUDGE], name="Unassigned Judge")
    recused = make_user("recused@judges.example", [Role.JUDGE], name="Recused Judge")
    judged = Assignment(
        round_id=round_.id, nomination_id=nomination.id, judge_id=world.judge.id, no_conflict_declared_at=utcnow()
    )
    criterion = Criterion(round_id=round_.id, category_id=world.project.id, name_en="Value", weight=1)
    criterion.descriptors = [LevelDescriptor(lowest=1, highest=2, text_en="No evidence")]
    db.session.add_all([judged, criterion])
    db.session.flush()
    recused_assignment = Assignment(round_id=round_.id, nomination_id=nomination.id, judge_id=recused.id)
    db.session.add_all(
        [
            recused_assignment,
            Conflict(
                judge_id=recused.id, nomination_id=nomination.id, reason="Advised the city", recorded_by_id=recused.id
            ),
            # A calibration nomination: its judge reads their calibration page, nobody else does.
            CalibrationNomination(round_id=round_.id, nomination_id=nomination.id, marked_by_id=world.secretariat.id),
        ]
    )
    mail = OutgoingMail(
        recipient=world.judge.email, subject="Reminder", template="reminder", status=MailStatus.FAILED, message=b"x"
    )
    slot = PresentationSlot(
        round_id=round_.id,
        nomination_id=nomination.id,
        starts_at=world.edition.closes_at - timedelta(days=1),
        minutes=20,
        mode=PresentationMode.ONLINE,
        link="https://meet.example.org/access",
        uid="access-matrix@awards.local",
    )
    db.session.add(slot)
    db.session.add(mail)
    db.session.commit()
    values = {
        "mail_id": mail.id,
        "nomination_id": nomination.id,
        "attachment_id": attachment.id,
        "number": 1,
        "edition_id": world.edition.id,
        "category_id": world.project.id,
        "applicant_type": "any",
        "field_name": "title",
        "user_id": world.judge.id,
        "token": "not-a-real-token",
        "filename": "css/app.css",
        "round_id": round_.id,
        "assignment_id": judged.id,
        "criterion_id": criterion.id,
        "descriptor_id": criterion.descriptors[0].id,
        "code": "ABCD-EFGH-JKMN",
        "edition_slug": world.edition.slug,
        "winner": str(nomination.id),
    }
    users = {
        "owner": world.applicant,
        "other_applicant": world.other_applicant,
        "judge": world.judge,
        "judge_unassigned": unassigned,
        "judge_recused": recused,
        "secretariat": world.secretariat,
    }
    # Each judge's URLs name their own assignment where they have one; the unassigned judge gets another's.
    own = {"judge_recused": {"assignment_id": recused_assignment.id}}
    return values, users, own


@pytest.mark.parametrize("endpoint", sorted(ACCESS))
def test_access_matrix(app, arranged, endpoint):
    values, users, own = arranged
    if endpoint == "bootstrap.static":
        values = {**values, "filename": "css/bootstrap.min.css"}
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint]
    for visitor in VISITORS:
        expected = getattr(ACCESS[endpoint], visitor)
        for rule in rules:
            url = _url_for(app, rule, {**values, **own.get(visitor, {})})
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                with app.test_client() as visitor_client:
                    if visitor != "anonymous":
                        visitor_client.post("/auth/login", data={"email": users[visitor].email, "password": PASSWORD})
                    data = {"language": "en"} if endpoint == "main.set_language" else {}
                    response = visitor_client.open(url, method=method, data=data)
                    response.close()
                    where = f"{method} {url} as {visitor}"
                    assert response.status_code != 500, where
                    if expected == DENY:
                        assert response.status_code == 403, f"{where}: {response.status_code}"
                    elif expected == NOT_FOUND:
                        assert response.status_code == 404, f"{where}: {response.status_code}"
                    elif expected == LOGIN:
                        assert response.status_code == 302, where
                        assert "/auth/login" in response.headers["Location"], where
                    else:
                        assert response.status_code < 400, f"{where}: {response.status_code}"
                        location = response.headers.get("Location", "")
                        assert "/auth/login" not in location or endpoint.startswith("auth."), where


def test_a_recused_judge_sees_neither_the_answers_nor_the_documents(client, arranged, world):
    values, users, own = arranged
    client.post("/auth/login", data={"email": users["judge_recused"].email, "password": PASSWORD})
    page = client.get(f"/judging/assignments/{own['judge_recused']['assignment_id']}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "recused" in text.lower()
    assert "plan.pdf" not in text and "/attachments/" not in text  # no document, nor a link to one
    assert 'name="score_' not in text  # no score sheet
    assert client.get(f"/nominations/{values['nomination_id']}").status_code == 403
    assert (
        client.get(f"/nominations/{values['nomination_id']}/attachments/{values['attachment_id']}").status_code == 403
    )


def test_nobody_but_the_secretariat_sees_results_before_they_are_published(app, arranged):
    values, users, _own = arranged
    for visitor in ("owner", "other_applicant", "judge", "judge_unassigned", "judge_recused"):
        with app.test_client() as visitor_client:
            visitor_client.post("/auth/login", data={"email": users[visitor].email, "password": PASSWORD})
            for path in ("results", "results.xlsx", "rankings.csv"):
                assert visitor_client.get(f"/secretariat/rounds/{values['round_id']}/{path}").status_code == 403
