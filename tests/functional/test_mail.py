"""E-mail: every e-mail in one catalogue the secretariat reads; a failed send is recorded, retried and shown."""

from __future__ import annotations

import html
import socket
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from awards_app.emails import CATALOGUE, sample_context
from awards_app.models import AuditEvent, MailStatus, OutgoingMail, User, utcnow
from awards_app.rules.privacy import MAIL_RECORD_DAYS
from awards_app.services import erasure as erasure_service
from awards_app.services import mail as mail_service
from tests.conftest import PASSWORD, register_applicant
from tests.functional.judging_helpers import eligible

TEMPLATES = Path(__file__).resolve().parents[2] / "awards_app" / "templates" / "email"
INVITE = {
    "name": "Hiroshi Tanaka",
    "email": "tanaka@judges.example",
    "roles": ["judge"],
    "affiliation": "Tokyo Institute of Urban Studies",
    "country_code": "JP",
    "time_zone": "Asia/Tokyo",
    "locale": "ko",
}


def _mail_server_down(app) -> None:
    """Point the app at a loopback port where nothing listens: every connection is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_USERNAME="")


def _mails(db) -> list[OutgoingMail]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutgoingMail).order_by(OutgoingMail.id)))


def test_every_email_template_is_in_the_catalogue_and_nothing_else():
    assert set(CATALOGUE) == {path.stem for path in TEMPLATES.glob("*.txt")}


def test_the_catalogue_shows_every_email_in_english_and_korean(app, client, auth, world, db):
    auth.login(world.secretariat)
    page = client.get("/secretariat/mail/catalogue").get_data(as_text=True)
    for template in CATALOGUE:
        for language in ("en", "ko"):
            subject, body = mail_service.render_email(template, language, sample_context(template, language))
            assert html.escape(subject, quote=False) in page, (template, language)
            assert html.escape(body.strip().splitlines()[0], quote=False) in page, (template, language)
        assert f'id="{template}"' in page
    # The Korean text is Korean, and names the sample edition in Korean.
    _subject, korean = mail_service.render_email("judging_opened", "ko", sample_context("judging_opened", "ko"))
    assert "2027 서울스마트시티상" in korean and "Online evaluation" not in korean
    # Nothing of the sample reached the database.
    sample_people = sa.select(sa.func.count()).select_from(User).where(User.email.like("%medellin.example"))
    assert db.session.scalar(sample_people) == 0


def test_an_email_in_korean_names_the_edition_in_korean(app):
    """Wherever an e-mail names the edition, the Korean one names it by its Korean name."""
    named = 0
    with app.test_request_context():
        for template in CATALOGUE:
            _subject, english = mail_service.render_email(template, "en", sample_context(template, "en"))
            if "Seoul Smart City Prize 2027" not in english:
                continue
            named += 1
            subject, korean = mail_service.render_email(template, "ko", sample_context(template, "ko"))
            assert "Seoul Smart City Prize 2027" not in subject + korean, template
            assert "2027 서울스마트시티상" in korean, template
    assert named >= 5


def test_a_failed_send_does_not_fail_the_invitation_and_is_shown_then_sent_again(
    app, client, auth, world, db, smtp_inbox
):
    working_port = app.config["MAIL_PORT"]
    _mail_server_down(app)
    auth.login(world.secretariat)
    response = client.post("/secretariat/people/invite", data=INVITE)
    assert response.status_code == 302  # the judge is invited although the mail server is down
    assert db.session.scalar(sa.select(User).where(User.email == INVITE["email"])) is not None
    [mail] = _mails(db)
    assert (mail.status, mail.attempts, mail.template, mail.locale) == (MailStatus.FAILED, 1, "invitation", "ko")
    assert "ConnectionRefusedError" in mail.last_error and mail.message
    assert mail.next_attempt_at == mail.last_attempt_at + mail_service.RETRY_DELAYS[0]

    # The overview warns; the list shows it with what went wrong, and never the message (it holds a sign-in link).
    overview = client.get("/secretariat/").get_data(as_text=True)
    assert "1 e-mail has not been delivered." in overview
    listing = client.get("/secretariat/mail/?status=undelivered").get_data(as_text=True)
    assert INVITE["email"] in listing and "ConnectionRefusedError" in listing and "Not delivered yet" in listing
    assert "/auth/invitation/" not in listing

    # The server is back: "Send again" delivers it, in the judge's language, and the kept message goes.
    app.config.update(MAIL_PORT=working_port)
    response = client.post(f"/secretariat/mail/{mail.id}/retry", follow_redirects=True)
    assert f"Sent to {INVITE['email']}." in response.get_data(as_text=True)
    [mail] = _mails(db)
    assert (mail.status, mail.attempts, mail.message) == (MailStatus.SENT, 2, None)
    [received] = smtp_inbox.messages
    assert received["To"] == INVITE["email"] and received["Subject"] == mail.subject
    assert "/auth/invitation/" in received.get_content()
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "mail.retried")) is not None
    # Sending it again now is refused, and sends nothing.
    response = client.post(f"/secretariat/mail/{mail.id}/retry", follow_redirects=True)
    assert "was delivered or let go since" in response.get_data(as_text=True)
    assert len(smtp_inbox.messages) == 1


def test_failed_sends_are_retried_on_their_schedule_then_wait_for_the_secretariat(app, world, db, smtp_inbox):
    working_port = app.config["MAIL_PORT"]
    _mail_server_down(app)
    mail_service.send_email(world.judge.email, "reminder", **sample_context("reminder", "en"))
    db.session.commit()
    [mail] = _mails(db)
    first = mail.last_attempt_at
    assert mail_service.retry_due(first + timedelta(minutes=4)) == (0, 0)  # not yet due
    moment = first
    for attempt, delay in enumerate(mail_service.RETRY_DELAYS, start=2):
        moment += delay
        assert mail_service.retry_due(moment) == (0, 1)
        [mail] = _mails(db)
        assert mail.attempts == attempt
    assert (mail.status, mail.next_attempt_at) == (MailStatus.GAVE_UP, None)
    assert mail_service.retry_due(moment + timedelta(days=30)) == (0, 0)  # no more automatic attempts
    # The timer's command sends what is due once the server is back.
    app.config.update(MAIL_PORT=working_port)
    mail_service.send_email(world.judge.email, "reminder", **sample_context("reminder", "en"))
    db.session.commit()
    _mail_server_down(app)
    mail_service.send_email(world.other_applicant.email, "reminder", **sample_context("reminder", "en"))
    db.session.commit()
    app.config.update(MAIL_PORT=working_port)
    later = _mails(db)[-1]
    later.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["awards", "retry-mail"])
    assert result.exit_code == 0, result.output
    assert "1 e-mail(s) sent, 0 failed again; 1 undelivered in all." in result.output
    assert [m["To"] for m in smtp_inbox.messages] == [world.judge.email, world.other_applicant.email]


def test_the_secretariat_lets_an_email_go_and_every_bad_request_changes_nothing(app, client, auth, world, db):
    _mail_server_down(app)
    mail_service.send_email("typo@nowhere.example", "reminder", **sample_context("reminder", "en"))
    db.session.commit()
    [mail] = _mails(db)
    auth.login(world.secretariat)
    # Without the form's token: refused, and the e-mail stays as it was.
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/secretariat/mail/{mail.id}/discard").status_code == 400
    app.config["WTF_CSRF_ENABLED"] = False
    assert _mails(db)[0].status is MailStatus.FAILED
    # An e-mail that does not exist.
    response = client.post("/secretariat/mail/999999/discard", follow_redirects=True)
    assert response.status_code == 200 and "nothing was done" in response.get_data(as_text=True)
    response = client.post(f"/secretariat/mail/{mail.id}/discard", follow_redirects=True)
    assert "will not be sent" in response.get_data(as_text=True)
    [mail] = _mails(db)
    assert (mail.status, mail.message, mail.next_attempt_at) == (MailStatus.DISCARDED, None, None)
    assert mail_service.retry_due(utcnow() + timedelta(days=1)) == (0, 0)
    response = client.post("/secretariat/mail/retry", follow_redirects=True)
    assert "there is nothing to send again" in response.get_data(as_text=True)
    assert client.get("/secretariat/mail/?status=bogus").status_code == 200


@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_record_of_a_person_s_mail_goes_with_their_account(app, world, db, language):
    user = register_applicant(
        email="leaving@applicants.example",
        password=PASSWORD,
        name="Leaving Applicant",
        organisation_name="Leaving City",
        organisation_type="city",
        country_code="KE",
        city="Nairobi",
        locale=language,
    )
    assert [(m.recipient, m.template, m.locale) for m in _mails(db)] == [(user.email, "confirm_email", language)]
    erasure_service.delete_account(user, PASSWORD, "leaving@applicants.example")
    assert _mails(db) == []


def test_nothing_is_sent_when_the_use_case_rolls_back(app, world, db, smtp_inbox):
    mail_service.send_email(world.judge.email, "reminder", **sample_context("reminder", "en"))
    db.session.rollback()
    db.session.commit()
    assert _mails(db) == [] and smtp_inbox.messages == []


def test_the_mail_server_is_asked_only_once_the_use_case_let_go_of_the_database(
    app, world, db, smtp_inbox, monkeypatch
):
    """While the message goes out, another connection can write: no transaction is held across the mail server."""
    transmit, writes, applicant_id = mail_service._transmit, [], world.applicant.id

    def watched(message):
        with db.engine.connect() as other:
            if other.dialect.name == "sqlite":
                other.exec_driver_sql("PRAGMA busy_timeout=200")
            other.execute(sa.update(User).where(User.id == applicant_id).values(title="Dr"))
            other.commit()
            writes.append(message["To"])
        return transmit(message)

    monkeypatch.setattr(mail_service, "_transmit", watched)
    world.judge.title = "Professor"  # the use case's own change, pending while it queues the e-mail
    db.session.flush()
    mail_service.send_email(world.judge.email, "reminder", **sample_context("reminder", "en"))
    assert smtp_inbox.messages == []  # not before the commit
    db.session.commit()
    assert writes == [world.judge.email] and [m["To"] for m in smtp_inbox.messages] == [world.judge.email]
    [mail] = _mails(db)
    assert (mail.status, mail.attempts, mail.message) == (MailStatus.SENT, 1, None)


def test_two_senders_never_send_the_same_email_twice(app, world, db, smtp_inbox, monkeypatch):
    working_port = app.config["MAIL_PORT"]
    _mail_server_down(app)
    mail_service.send_email(world.judge.email, "reminder", **sample_context("reminder", "en"))
    db.session.commit()
    [mail] = _mails(db)
    app.config.update(MAIL_PORT=working_port)
    transmit, inner = mail_service._transmit, []

    def with_a_second_sender(message):
        # The timer fires while the secretariat's "Send again" is talking to the mail server.
        inner.append(mail_service.deliver([mail.id], by_hand=True))
        return transmit(message)

    monkeypatch.setattr(mail_service, "_transmit", with_a_second_sender)
    [ended] = mail_service.deliver([mail.id], by_hand=True)
    assert ended.status is MailStatus.SENT and inner == [[]]
    assert len(smtp_inbox.messages) == 1


def test_a_link_that_has_expired_is_not_sent_again(app, world, db, smtp_inbox):
    working_port = app.config["MAIL_PORT"]
    _mail_server_down(app)
    context = {"user": world.applicant, "link": "https://awards.example.org/auth/reset/token", "hours": 1}
    mail_service.send_email(world.applicant.email, "reset_password", **context)
    db.session.commit()
    [mail] = _mails(db)
    assert mail.status is MailStatus.FAILED  # tried again in 5 minutes: the link still works then
    app.config.update(MAIL_PORT=working_port)
    assert mail_service.retry_due(mail.created_at + timedelta(hours=2)) == (0, 1)
    [mail] = _mails(db)
    assert (mail.status, mail.message) == (MailStatus.GAVE_UP, None) and "link has expired" in mail.last_error
    assert smtp_inbox.messages == []


def test_the_records_about_an_erased_nomination_go_with_it(app, world, db):
    from awards_app.services import anonymise

    nomination = eligible(world, "Kim Ji-won")
    mail_service.send_email(
        world.applicant.email, "screening_result", user=world.applicant, nomination=nomination, eligible=True, link="x"
    )
    db.session.commit()
    assert [m.nomination_id for m in _mails(db)] == [nomination.id]
    anonymise.erase_nominations([nomination], anonymise.Erasure(utcnow()))
    db.session.commit()
    assert _mails(db) == []


def test_records_of_mail_are_forgotten_after_a_year_by_the_timer_and_by_purge(app, runner, world, db, smtp_inbox):
    for _ in range(3):
        mail_service.send_email(world.judge.email, "reminder", **sample_context("reminder", "en"))
    db.session.commit()
    old_sent, old_failed, recent = _mails(db)
    assert {m.status for m in (old_sent, old_failed, recent)} == {MailStatus.SENT}
    long_ago = utcnow() - timedelta(days=MAIL_RECORD_DAYS + 1)
    old_sent.created_at = old_failed.created_at = long_ago
    old_failed.status = MailStatus.GAVE_UP  # undelivered: kept until the secretariat sends it or lets it go
    db.session.commit()

    dry = runner.invoke(args=["awards", "purge"])
    assert dry.exit_code == 0, dry.output
    assert f"1 record(s) of e-mail older than {MAIL_RECORD_DAYS} days would be forgotten" in dry.output
    assert len(_mails(db)) == 3

    done = runner.invoke(args=["awards", "purge", "--yes"])
    assert done.exit_code == 0, done.output
    assert f"Forgot 1 record(s) of e-mail older than {MAIL_RECORD_DAYS} days" in done.output
    assert [m.id for m in _mails(db)] == [old_failed.id, recent.id]

    db.session.get(OutgoingMail, old_failed.id).status = MailStatus.DISCARDED
    db.session.commit()
    assert mail_service.retry_due() == (0, 0)  # the timer forgets what the secretariat let go, a year on
    assert [m.id for m in _mails(db)] == [recent.id]
