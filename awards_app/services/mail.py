"""All outgoing e-mail goes through ``send_email``; each is recorded, and a failed send is retried and shown.

A send that fails (the mail server down, refusing, or unreachable) never fails the use case that asked for it: the
message is kept with the error and tried again after a growing delay (``RETRY_DELAYS``), by ``retry_due`` (the
``flask awards retry-mail`` command, run by the server's timer, and the secretariat's Mail page). After the last
automatic attempt it waits for the secretariat, who sees every undelivered e-mail, retries it or lets it go.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formatdate, make_msgid
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..emails import CATALOGUE
from ..extensions import db
from ..models import UNDELIVERED_STATUSES, MailStatus, OutgoingMail, User, utcnow
from . import ServiceError
from .audit import record

log = logging.getLogger(__name__)

#: How long after each failed attempt the next automatic one comes; after the last, the secretariat decides.
RETRY_DELAYS = (timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=12))


def render_email(template: str, locale: str, context: dict) -> tuple[str, str]:
    """The subject and the text of catalogue e-mail ``template`` in ``locale``."""
    with force_locale(locale):
        subject = str(CATALOGUE[template].subject(context, locale))
        body = render_template(f"email/{template}.txt", **context)
    return subject, body


def send_email(
    to: str,
    template: str,
    locale: str | None = None,
    files: list[tuple[str, bytes, str]] | None = None,
    **context,
) -> OutgoingMail:
    """Render catalogue e-mail ``template`` in ``locale`` with ``files`` (name, content, MIME type) attached, and send
    it: by SMTP when configured, else to the outbox folder. The record joins the caller's session (the caller
    commits, as for any change); a failure is recorded for a retry, never raised."""
    config = current_app.config
    locale = locale or "en"
    subject, body = render_email(template, locale, context)
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="awards.local")
    message.set_content(body)
    for name, content, mimetype in files or []:
        maintype, _slash, subtype = mimetype.partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)

    mail = OutgoingMail(
        recipient=to, subject=subject[:300], template=template, locale=locale, status=MailStatus.FAILED, attempts=0
    )
    db.session.add(mail)
    _attempt(mail, message)
    db.session.flush()
    return mail


def _deliver(message: EmailMessage) -> str:
    """Hand the message over; return where it went. Raises ``OSError`` or ``smtplib.SMTPException``."""
    config = current_app.config
    if config.get("MAIL_SERVER"):
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
        return "sent"
    outbox = Path(config["MAIL_OUTBOX"])
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    path = outbox / f"{stamp}-{secrets.token_hex(4)}.eml"
    path.write_bytes(bytes(message))
    return f"written to {path.name}"


def _attempt(mail: OutgoingMail, message: EmailMessage) -> bool:
    """One attempt at delivering ``mail``; record what became of it."""
    now = utcnow()
    mail.attempts += 1
    mail.last_attempt_at = now
    try:
        where = _deliver(message)
    except (OSError, smtplib.SMTPException) as error:
        mail.last_error = f"{type(error).__name__}: {error}"[:500]
        if mail.attempts <= len(RETRY_DELAYS):
            mail.status = MailStatus.FAILED
            mail.next_attempt_at = now + RETRY_DELAYS[mail.attempts - 1]
        else:
            mail.status = MailStatus.GAVE_UP
            mail.next_attempt_at = None
        mail.message = bytes(message)
        log.warning("mail to %s not sent (attempt %d): %s: %s", mail.recipient, mail.attempts, mail.subject, error)
        return False
    mail.status = MailStatus.SENT
    mail.sent_at = now
    mail.next_attempt_at = None
    mail.message = None
    log.info("mail to %s %s: %s", mail.recipient, where, mail.subject)
    return True


def _again(mail: OutgoingMail) -> bool:
    if mail.message is None:
        return False
    return _attempt(mail, BytesParser(policy=policy.default).parsebytes(mail.message))


def retry_due(now: datetime | None = None) -> tuple[int, int]:
    """Try again every failed e-mail whose time has come; return (sent, still undelivered)."""
    now = now or utcnow()
    due = db.session.scalars(
        sa.select(OutgoingMail)
        .where(OutgoingMail.status == MailStatus.FAILED, OutgoingMail.next_attempt_at <= now)
        .order_by(OutgoingMail.id)
    ).all()
    sent = sum(_again(mail) for mail in due)
    db.session.commit()
    return sent, len(due) - sent


def retry(mail_id: int, actor: User) -> OutgoingMail:
    """The secretariat sends one undelivered e-mail again, now."""
    mail = _undelivered(mail_id)
    delivered = _again(mail)
    record(
        "mail.retried",
        mail,
        actor,
        f"{mail.template} to {mail.recipient}: {'sent' if delivered else 'failed again'}",
        {"template": mail.template, "sent": delivered},
    )
    db.session.commit()
    return mail


def retry_all(actor: User) -> tuple[int, int]:
    """The secretariat sends every undelivered e-mail again, now; return (sent, still undelivered)."""
    undelivered = db.session.scalars(
        sa.select(OutgoingMail).where(OutgoingMail.status.in_(UNDELIVERED_STATUSES)).order_by(OutgoingMail.id)
    ).all()
    if not undelivered:
        raise ServiceError(_l("Every e-mail has been delivered: there is nothing to send again."))
    sent = sum(_again(mail) for mail in undelivered)
    record(
        "mail.retried_all", None, actor, f"{sent} of {len(undelivered)} sent", {"sent": sent, "of": len(undelivered)}
    )
    db.session.commit()
    return sent, len(undelivered) - sent


def discard(mail_id: int, actor: User) -> OutgoingMail:
    """The secretariat lets an undelivered e-mail go (e.g. a mistyped address): it is no longer tried or listed
    as undelivered, and its message is deleted."""
    mail = _undelivered(mail_id)
    mail.status = MailStatus.DISCARDED
    mail.next_attempt_at = None
    mail.message = None
    record("mail.discarded", mail, actor, f"{mail.template} to {mail.recipient}", {"template": mail.template})
    db.session.commit()
    return mail


def _undelivered(mail_id: int) -> OutgoingMail:
    mail = db.session.get(OutgoingMail, mail_id)
    if mail is None or not mail.undelivered:
        raise ServiceError(_l("This e-mail has been delivered or let go since: nothing was done."))
    return mail


def undelivered_count() -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(OutgoingMail).where(OutgoingMail.status.in_(UNDELIVERED_STATUSES))
        )
        or 0
    )


def mail_query(status: str = ""):
    """The record of sent and undelivered e-mail, newest first; ``status`` "undelivered" or a status keeps those."""
    query = sa.select(OutgoingMail).order_by(OutgoingMail.id.desc())
    if status == "undelivered":
        query = query.where(OutgoingMail.status.in_(UNDELIVERED_STATUSES))
    elif status in {s.value for s in MailStatus}:
        query = query.where(OutgoingMail.status == MailStatus(status))
    return query


def forget_recipient(email: str) -> int:
    """Delete the record of every e-mail to ``email`` (a person's erasure); return how many. The caller commits."""
    forgotten = db.session.scalars(
        sa.select(OutgoingMail.id).where(sa.func.lower(OutgoingMail.recipient) == email.lower())
    ).all()
    if forgotten:
        db.session.execute(sa.delete(OutgoingMail).where(OutgoingMail.id.in_(forgotten)))
    return len(forgotten)
