"""All outgoing e-mail goes through ``send_email``; each is recorded, and a failed send is retried and shown.

How an e-mail goes out:

1. ``send_email`` renders it and writes it to ``outgoing_mail`` in the caller's own transaction (status QUEUED):
   no mail server is asked while the use case holds the database, and an e-mail goes out only if its use case
   commits.
2. Once the use case has committed, ``deliver`` sends it: beside the response in a request, at once in a command.
   Each e-mail is first *claimed* by a conditional update, committed on its own, so two senders (the timer and the
   secretariat, two workers) never send it twice; then the mail server is asked with no transaction open; then
   what became of it is committed, e-mail by e-mail.
3. A failure never fails the use case. The message is kept and tried again after a growing delay
   (``RETRY_DELAYS``) by ``retry_due`` (``flask awards retry-mail``, from the server's timer), then waits for the
   secretariat, who sees every undelivered e-mail on the Mail page and sends it again or lets it go. A message
   whose link has expired (a password reset after its hour) is not sent again: the person asks for a new one.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formatdate, make_msgid
from functools import partial
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app, g, has_request_context, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ..after_response import OUTBOX, after_response
from ..emails import CATALOGUE
from ..extensions import db
from ..models import UNDELIVERED_STATUSES, MailStatus, OutgoingMail, User, utcnow
from ..rules.privacy import MAIL_RECORD_DAYS
from . import ServiceError
from .audit import record

log = logging.getLogger(__name__)

#: How long after each failed attempt the next automatic one comes; after the last, the secretariat decides.
RETRY_DELAYS = (timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=12))
#: How long a sender holds an e-mail it claimed: one that died meanwhile lets it go to the next attempt then.
CLAIM = timedelta(minutes=10)
#: A queued e-mail whose use case committed but which no sender took within this is taken by ``retry_due``.
FORGOTTEN = timedelta(minutes=2)


def render_email(template: str, locale: str, context: dict) -> tuple[str, str]:
    """The subject and the text of catalogue e-mail ``template`` in ``locale``."""
    with force_locale(locale):
        subject = str(CATALOGUE[template].subject(context, locale))
        body = render_template(f"email/{template}.txt", **context)
    return subject, body


@dataclass(frozen=True)
class CalendarPart:
    """A calendar invitation an e-mail carries (iCalendar bytes sent with ``method``: REQUEST or CANCEL)."""

    name: str  # the attachment's file name
    content: bytes
    method: str


def send_email(
    to: str,
    template: str,
    locale: str | None = None,
    files: list[tuple[str, bytes, str]] | None = None,
    calendar: CalendarPart | None = None,
    **context,
) -> OutgoingMail:
    """Render catalogue e-mail ``template`` in ``locale`` with ``files`` (name, content, MIME type with any
    parameters, e.g. "text/calendar; method=REQUEST") attached, and
    queue it in the caller's transaction: it goes out once the caller commits (by SMTP when configured, else to
    the outbox folder).

    A ``calendar`` goes twice: inline, as the text's alternative (``text/calendar; method=…``), which is the part
    Outlook and other clients act on to add, update or cancel the event; and attached as a .ics file, for those
    that only open attachments. The message is kept whole, so a retried e-mail carries the same calendar."""
    config = current_app.config
    locale = locale or "en"
    subject, body = render_email(template, locale, context)
    # A subject may name what a user typed (a nomination's title): a header holds no line break, so it is one line.
    subject = " ".join(subject.split())
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="awards.local")
    message.set_content(body)
    if calendar is not None:
        message.add_alternative(
            calendar.content.decode("utf-8"), subtype="calendar", params={"method": calendar.method}
        )
        files = [*(files or []), (calendar.name, calendar.content, f"text/calendar; method={calendar.method}")]
    for name, content, mimetype in files or []:
        # "text/calendar; method=REQUEST": the parameters after the type go on its Content-Type header.
        kind, *parameters = (part.strip() for part in mimetype.split(";"))
        maintype, _slash, subtype = kind.partition("/")
        params = dict(p.partition("=")[::2] for p in parameters if "=" in p)
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name, params=params)
    about = context.get("nomination")
    mail = OutgoingMail(
        recipient=to,
        subject=subject[:300],
        template=template,
        locale=locale,
        nomination_id=getattr(about, "id", None),
        status=MailStatus.QUEUED,
        attempts=0,
        message=bytes(message),
    )
    session = db.session()
    session.add(mail)
    session.info.setdefault(OUTBOX, []).append(mail)
    return mail


@sa.event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    """Send what the transaction queued, now that it is committed (no SQL may run on ``session`` here)."""
    queued = session.info.pop(OUTBOX, None)
    if not queued:
        return
    ids = [identity[0] for identity in (sa.inspect(mail).identity for mail in queued) if identity]
    if has_request_context() and not g.get("after_response"):
        after_response(partial(deliver, ids))  # beside the response: nobody waits for the mail server
    else:
        deliver(ids)


@sa.event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(OUTBOX, None)  # rolled back with its use case: never sent


def deliver(ids: Iterable[int], *, by_hand: bool = False, now: datetime | None = None) -> list[OutgoingMail]:
    """Send each e-mail of ``ids`` that this sender can claim at ``now``, one after the other; return them as they
    ended (those another sender had, or that needed nothing, are left out)."""
    ended = []
    for mail_id in ids:
        try:
            mail = _deliver_one(mail_id, by_hand=by_hand, now=now or utcnow())
        except Exception:  # the database went away meanwhile: the timer's next run takes it up
            log.exception("mail %d could not be delivered now", mail_id)
            continue
        if mail is not None:
            ended.append(mail)
    return ended


def _claimable(now: datetime, by_hand: bool, queued_before: datetime | None = None):
    """Which e-mails a sender may take: queued ones (only those queued before ``queued_before``, if given: younger
    ones belong to the request that queued them), failed ones and claims a dead sender left once their next attempt
    is due, and, by hand, any undelivered one."""
    queued = OutgoingMail.status == MailStatus.QUEUED
    if queued_before is not None:
        queued = sa.and_(queued, OutgoingMail.created_at <= queued_before)
    due = sa.or_(
        queued,
        sa.and_(OutgoingMail.status.in_([MailStatus.FAILED, MailStatus.SENDING]), OutgoingMail.next_attempt_at <= now),
    )
    if by_hand:  # the secretariat does not wait for the schedule, and may revive one the schedule gave up
        due = sa.or_(due, OutgoingMail.status.in_(UNDELIVERED_STATUSES))
    return due


def _deliver_one(mail_id: int, *, by_hand: bool, now: datetime) -> OutgoingMail | None:
    """Claim, send and record one e-mail, each step committed on its own, in a session of its own (whatever the
    caller's session is doing); None when another sender has it or it needs nothing."""
    with Session(db.engine, expire_on_commit=False) as session:
        claimed = session.execute(
            sa.update(OutgoingMail)
            .where(OutgoingMail.id == mail_id, _claimable(now, by_hand))
            .values(
                status=MailStatus.SENDING,
                attempts=OutgoingMail.attempts + 1,
                last_attempt_at=now,
                next_attempt_at=now + CLAIM,
            )
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if _changed(claimed) != 1:
            return None
        mail = session.get(OutgoingMail, mail_id)
        session.commit()  # no transaction stays open while the mail server is asked
        assert mail is not None
        outcome = _send(mail, now)
        session.add(mail)
        session.commit()
    if outcome is not None:
        log.warning("mail to %s not sent (attempt %d): %s: %s", mail.recipient, mail.attempts, mail.subject, outcome)
    return mail


def _changed(result: sa.Result[Any]) -> int:
    return cast("sa.CursorResult[Any]", result).rowcount


def _send(mail: OutgoingMail, now: datetime) -> str | None:
    """Ask the mail server (or write the outbox) for ``mail`` and set what became of it; the error, if any."""
    life = CATALOGUE[mail.template].link_life if mail.template in CATALOGUE else None
    if mail.message is None:
        return _give_up(mail, "the message is no longer kept")
    if life is not None and mail.created_at + timedelta(seconds=life(current_app.config)) <= now:
        return _give_up(mail, "its link has expired: the person asks for a new one")
    try:
        where = _transmit(BytesParser(policy=policy.default).parsebytes(mail.message))
    except (OSError, smtplib.SMTPException) as error:
        mail.last_error = f"{type(error).__name__}: {error}"[:500]
        if mail.attempts <= len(RETRY_DELAYS):
            mail.status = MailStatus.FAILED
            mail.next_attempt_at = now + RETRY_DELAYS[mail.attempts - 1]
        else:
            mail.status = MailStatus.GAVE_UP
            mail.next_attempt_at = None
        return mail.last_error
    except Exception as error:  # a message the parser or the server cannot take: trying again will not help
        log.exception("mail %d could not be sent", mail.id)
        return _give_up(mail, f"{type(error).__name__}: {error}")
    mail.status = MailStatus.SENT
    mail.sent_at = now
    mail.next_attempt_at = None
    mail.last_error = ""
    mail.message = None
    log.info("mail to %s %s: %s", mail.recipient, where, mail.subject)
    return None


def _give_up(mail: OutgoingMail, why: str) -> str:
    mail.status = MailStatus.GAVE_UP
    mail.next_attempt_at = None
    mail.last_error = why[:500]
    mail.message = None
    return why


def _transmit(message: EmailMessage) -> str:
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


def retry_due(now: datetime | None = None) -> tuple[int, int]:
    """Send every e-mail whose time has come: failed ones at their next attempt, queued ones no sender took, claims
    a dead sender left; forget the records past their keeping time. Return (sent, still undelivered)."""
    now = now or utcnow()
    due = db.session.scalars(
        sa.select(OutgoingMail.id)
        .where(_claimable(now, by_hand=False, queued_before=now - FORGOTTEN))
        .order_by(OutgoingMail.id)
    ).all()
    db.session.commit()
    ended = deliver(due, now=now)
    sent = sum(mail.status is MailStatus.SENT for mail in ended)
    forget_old(now)
    return sent, len(ended) - sent


def _old_records(now: datetime | None) -> sa.Select:
    limit = (now or utcnow()) - timedelta(days=MAIL_RECORD_DAYS)
    return sa.select(OutgoingMail.id).where(
        OutgoingMail.status.in_([MailStatus.SENT, MailStatus.DISCARDED]), OutgoingMail.created_at < limit
    )


def old_record_count(now: datetime | None = None) -> int:
    """How many records of e-mail ``forget_old`` would delete now."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(_old_records(now).subquery())) or 0


def forget_old(now: datetime | None = None) -> int:
    """Delete the records of e-mail sent or let go more than ``MAIL_RECORD_DAYS`` ago (rules.privacy)."""
    old = db.session.scalars(_old_records(now)).all()
    if old:
        db.session.execute(sa.delete(OutgoingMail).where(OutgoingMail.id.in_(old)))
    db.session.commit()
    return len(old)


def retry(mail_id: int, actor: User) -> OutgoingMail:
    """The secretariat sends one undelivered e-mail again, now."""
    _undelivered(mail_id)
    db.session.commit()
    ended = deliver([mail_id], by_hand=True)
    if not ended:
        raise ServiceError(_l("This e-mail is being sent, or was delivered or let go since: nothing was done."))
    mail = ended[0]
    delivered = mail.status is MailStatus.SENT
    record(
        "mail.retried",
        mail,
        actor,
        f"{mail.template} #{mail.id}: {'sent' if delivered else 'failed again'}",
        {"template": mail.template, "sent": delivered},
    )
    db.session.commit()
    return mail


def retry_all(actor: User) -> tuple[int, int]:
    """The secretariat sends every undelivered e-mail again, now; return (sent, still undelivered)."""
    ids = db.session.scalars(
        sa.select(OutgoingMail.id).where(OutgoingMail.status.in_(UNDELIVERED_STATUSES)).order_by(OutgoingMail.id)
    ).all()
    db.session.commit()
    if not ids:
        raise ServiceError(_l("Every e-mail has been delivered: there is nothing to send again."))
    ended = deliver(ids, by_hand=True)
    sent = sum(mail.status is MailStatus.SENT for mail in ended)
    record("mail.retried_all", None, actor, f"{sent} of {len(ended)} sent", {"sent": sent, "of": len(ended)})
    db.session.commit()
    return sent, len(ended) - sent


def discard(mail_id: int, actor: User) -> OutgoingMail:
    """The secretariat lets an undelivered e-mail go (e.g. a mistyped address): it is no longer tried or listed
    as undelivered, and its message is deleted."""
    mail = _undelivered(mail_id)
    changed = db.session.execute(
        sa.update(OutgoingMail)
        .where(OutgoingMail.id == mail_id, OutgoingMail.status.in_(UNDELIVERED_STATUSES))
        .values(status=MailStatus.DISCARDED, next_attempt_at=None, message=None)
        .execution_options(synchronize_session=False)
    )
    if _changed(changed) != 1:  # a sender claimed it meanwhile
        db.session.rollback()
        raise ServiceError(_l("This e-mail is being sent, or was delivered or let go since: nothing was done."))
    record("mail.discarded", mail, actor, f"{mail.template} #{mail.id}", {"template": mail.template})
    db.session.commit()
    db.session.refresh(mail)
    return mail


def _undelivered(mail_id: int) -> OutgoingMail:
    mail = db.session.get(OutgoingMail, mail_id)
    if mail is None or not mail.undelivered:
        raise ServiceError(_l("This e-mail is being sent, or was delivered or let go since: nothing was done."))
    return mail


def undelivered_count() -> int:
    """How many e-mails wait for the secretariat or their next attempt."""
    return (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(OutgoingMail).where(OutgoingMail.status.in_(UNDELIVERED_STATUSES))
        )
        or 0
    )


def mail_query(status: str = "") -> sa.Select:
    """The record of sent and undelivered e-mail, newest first; ``status`` "undelivered" or a status keeps those."""
    query = sa.select(OutgoingMail).order_by(OutgoingMail.id.desc())
    if status == "undelivered":
        query = query.where(OutgoingMail.status.in_(UNDELIVERED_STATUSES))
    elif status in {s.value for s in MailStatus}:
        query = query.where(OutgoingMail.status == MailStatus(status))
    return query


def forget(*, recipient: str | None = None, nomination_ids: Iterable[int] = ()) -> int:
    """Delete the record of every e-mail to ``recipient`` or about the nominations (a person's erasure, a
    nomination's); return how many. The caller commits."""
    conditions = []
    if recipient:
        conditions.append(sa.func.lower(OutgoingMail.recipient) == recipient.lower())
    ids = list(nomination_ids)
    if ids:
        conditions.append(OutgoingMail.nomination_id.in_(ids))
    if not conditions:
        return 0
    forgotten = db.session.scalars(sa.select(OutgoingMail.id).where(sa.or_(*conditions))).all()
    if forgotten:
        db.session.execute(sa.delete(OutgoingMail).where(OutgoingMail.id.in_(forgotten)))
    return len(forgotten)
