"""Who holds each presentation slot in their calendar, and keeping that in line with who should hear of it.

Every invitation, update and cancellation of a slot is written down per person (``SlotInvitation``: the SEQUENCE
last sent, and whether it was the cancellation). ``tell`` compares that with the slot's audience now
(``PresentationSlot.audience``, the one rule of who should hear): a newcomer is sent the invitation, someone who no
longer belongs its cancellation, and, when the slot itself changed, everyone else its update. Each person receives
their own calendar file, naming only them, in their language, queued in the caller's transaction
(``services.mail``). The use cases that change who judges a finalist (assignments, conflicts of interest) call
``refresh_round`` or ``refresh_nomination`` before they commit; placing, moving and removing call ``tell``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import aliased, joinedload, selectinload

from ..extensions import db
from ..invites import Invite, Method, calendar, file_name
from ..models import Assignment, PresentationSlot, Round, SlotInvitation, User, utcnow
from ..rules.presentations import MAX_MINUTES, SEOUL, PresentationMode, double_booked
from ..urls import external_url
from .mail import CalendarPart, send_email

#: The e-mail each kind of message goes with.
PLACED, MOVED, CANCELLED, UNINVITED = (
    "presentation_placed",
    "presentation_moved",
    "presentation_cancelled",
    "presentation_uninvited",
)


def tell(slot: PresentationSlot, now: datetime, *, changed: bool = False, retimed: bool = False) -> int:
    """Bring each calendar in line with ``slot`` and its audience now; return how many e-mails were queued.

    - someone who should hear and holds nothing (never invited, or cancelled before) is sent the invitation;
    - someone who holds it and no longer belongs (taken off the panel, recused, account closed) is sent its
      cancellation, as is everyone who holds it when the slot is removed;
    - when the slot itself ``changed`` (moved, a new room or link), everyone who holds it is sent the update.

    Nobody is written to twice for the same state: calling it again with nothing changed queues nothing. The
    caller commits."""
    audience: dict[int, tuple[User, str]] = {}
    for user, role in slot.audience():
        audience.setdefault(user.id, (user, role))
    held = {invitation.user_id: invitation for invitation in slot.invitations}
    queued = 0
    for user_id, (user, role) in audience.items():
        invitation = held.get(user_id)
        holds = invitation is not None and invitation.holds
        if holds and not changed:
            continue
        _send(slot, user, role, invitation, Method.REQUEST, MOVED if holds else PLACED, now, retimed)
        queued += 1
    for user_id, invitation in held.items():
        if user_id in audience or not invitation.holds:
            continue
        user = invitation.user
        role = "finalist" if user.organisation_id == slot.nomination.organisation_id else "judge"
        _send(slot, user, role, invitation, Method.CANCEL, UNINVITED if slot.live else CANCELLED, now, retimed)
        queued += 1
    return queued


def _upcoming(condition: sa.ColumnElement[bool], now: datetime) -> list[PresentationSlot]:
    """The live slots matching ``condition`` that have not ended (a presentation past is not written about)."""
    slots = db.session.scalars(
        sa.select(PresentationSlot)
        .where(
            condition,
            PresentationSlot.cancelled_at.is_(None),
            PresentationSlot.starts_at > now - timedelta(minutes=MAX_MINUTES),
        )
        .options(selectinload(PresentationSlot.invitations), joinedload(PresentationSlot.nomination))
        .order_by(PresentationSlot.starts_at, PresentationSlot.id)
    )
    return [slot for slot in slots if slot.ends_at > now]


def refresh_round(round_id: int, now: datetime | None = None) -> int:
    """After the round's panels changed (judges assigned, removed, reassigned): ``tell`` each of its upcoming
    slots. The caller commits."""
    now = now or utcnow()
    db.session.flush()
    return sum(tell(slot, now) for slot in _upcoming(PresentationSlot.round_id == round_id, now))


def refresh_nomination(nomination_id: int, now: datetime | None = None) -> int:
    """After who judges a nomination changed in every round (a conflict of interest declared or recorded):
    ``tell`` each of its upcoming slots. The caller commits."""
    now = now or utcnow()
    db.session.flush()
    return sum(tell(slot, now) for slot in _upcoming(PresentationSlot.nomination_id == nomination_id, now))


def holders(slot: PresentationSlot) -> int:
    """How many people hold the slot in their calendar now."""
    return sum(invitation.holds for invitation in slot.invitations)


def forget(*, user_id: int | None = None, nomination_ids: list[int] | None = None) -> None:
    """Delete the record of whom the slots were sent to: a person's (their account's erasure), or that of the
    nominations' slots (theirs). The caller commits."""
    if user_id is not None:
        db.session.execute(sa.delete(SlotInvitation).where(SlotInvitation.user_id == user_id))
    if nomination_ids:
        slots = sa.select(PresentationSlot.id).where(PresentationSlot.nomination_id.in_(nomination_ids))
        db.session.execute(sa.delete(SlotInvitation).where(SlotInvitation.slot_id.in_(slots)))


# --- judges booked twice ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clash:
    """A judge expected at two slots they cannot both attend wholly (``rules.presentations.double_booked``)."""

    judge: User
    slot: PresentationSlot  # the round's own
    other: PresentationSlot  # in this round or another


def clashes(round_: Round) -> list[Clash]:
    """Each judge of the round's slots who is expected at another slot at the same time, or right after it in
    another venue, in time order. A warning for the secretariat: a judge may follow one presentation online."""
    first, last = db.session.execute(
        sa.select(sa.func.min(PresentationSlot.starts_at), sa.func.max(PresentationSlot.starts_at)).where(
            PresentationSlot.round_id == round_.id, PresentationSlot.cancelled_at.is_(None)
        )
    ).one()
    if first is None or last is None:
        return []
    # Only slots that can touch one of the round's are read: none lasts longer than MAX_MINUTES.
    first, last = first - timedelta(minutes=MAX_MINUTES), last + timedelta(minutes=MAX_MINUTES)
    panel = aliased(Assignment)
    pairs = db.session.execute(
        sa.select(PresentationSlot, User)
        .join(
            panel,
            (panel.round_id == PresentationSlot.round_id) & (panel.nomination_id == PresentationSlot.nomination_id),
        )
        .join(User, User.id == panel.judge_id)
        .where(
            PresentationSlot.cancelled_at.is_(None),
            PresentationSlot.starts_at.between(first, last),
            PresentationSlot.heard_by_judge(PresentationSlot.nomination_id, PresentationSlot.round_id),
        )
        .options(joinedload(PresentationSlot.nomination))
    ).all()
    by_judge: dict[int, list[PresentationSlot]] = defaultdict(list)
    judges: dict[int, User] = {}
    for slot, judge in pairs:
        by_judge[judge.id].append(slot)
        judges[judge.id] = judge
    found = []
    for judge_id, slots in by_judge.items():
        slots.sort(key=lambda s: (s.starts_at, s.id))
        for i, slot in enumerate(slots):
            for other in slots[i + 1 :]:
                if slot.round_id != round_.id and other.round_id != round_.id:
                    continue
                if double_booked(slot.placement, other.placement):
                    mine, theirs = (slot, other) if slot.round_id == round_.id else (other, slot)
                    found.append(Clash(judges[judge_id], mine, theirs))
    return sorted(found, key=lambda c: (c.slot.starts_at, c.judge.name, c.other.starts_at))


# --- the calendar file each receives -------------------------------------------------------------------------------


def _organizer() -> tuple[str, str]:
    config = current_app.config
    address = config.get("SECRETARIAT_EMAIL") or parseaddr(config["MAIL_SENDER"])[1]
    return address, _("The Seoul Smart City Prize secretariat")


def where_text(slot: PresentationSlot) -> str:
    """Where the presentation takes place, in the current language (with the meeting link, for those who see it)."""
    if slot.mode is PresentationMode.SEOUL:
        return _("In Seoul: %(room)s", room=slot.room)
    return _("Online: %(link)s", link=slot.link)


def invite(slot: PresentationSlot, user: User, role: str, now: datetime, sequence: int | None = None) -> Invite:
    """The event of ``slot`` as ``user`` receives it, in the current language (``sequence``: theirs, if not the
    slot's)."""
    nomination = slot.nomination
    if role == "finalist":
        summary = _(
            "Your presentation to the judges: %(edition)s",
            edition=nomination.edition.local_name(str(user.locale or "en")),
        )
    else:
        summary = _("Presentation: %(reference)s %(title)s", reference=nomination.reference, title=nomination.title)
    organizer, organizer_name = _organizer()
    return Invite(
        uid=slot.uid,
        sequence=slot.sequence if sequence is None else sequence,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        summary=summary,
        description="\n".join(
            [
                f"{nomination.reference} · {nomination.title}",
                slot.round.local_name(str(user.locale or "en")),
                where_text(slot),
            ]
        ),
        location=_("Seoul, %(room)s", room=slot.room) if slot.mode is PresentationMode.SEOUL else slot.link,
        url=slot.link if slot.mode is PresentationMode.ONLINE else "",
        organizer_email=organizer,
        organizer_name=organizer_name,
        attendee_email=user.email,
        attendee_name=user.name,
        stamp=now,
    )


def _sequence(slot: PresentationSlot, invitation: SlotInvitation | None) -> int:
    """The SEQUENCE of what goes to a person next: the slot's, and above anything they were sent before (their
    cancellation raised theirs without changing the slot's)."""
    return slot.sequence if invitation is None else max(slot.sequence, invitation.sequence + 1)


def ics_for(slot: PresentationSlot, user: User, method: Method, now: datetime | None = None) -> bytes:
    """The calendar file of ``slot`` for ``user`` (the download is PUBLISH; e-mails REQUEST or CANCEL), at the
    SEQUENCE their calendar last received."""
    role = "finalist" if slot.nomination.belongs_to(user) else "judge"
    own = next((i for i in slot.invitations if i.user_id == user.id and i.holds), None)
    sequence = max(slot.sequence, own.sequence) if own is not None else slot.sequence
    with force_locale(user.locale or "en"):
        return calendar(invite(slot, user, role, now or utcnow(), sequence), method)


def _send(
    slot: PresentationSlot,
    user: User,
    role: str,
    invitation: SlotInvitation | None,
    method: Method,
    template: str,
    now: datetime,
    retimed: bool,
) -> None:
    sequence = _sequence(slot, invitation)
    with force_locale(user.locale or "en"):
        ics = calendar(invite(slot, user, role, now, sequence), method)
    page = (
        external_url("nominations.view", nomination_id=slot.nomination_id)
        if role == "finalist"
        else external_url("presentations.judge_schedule")
    )
    send_email(
        user.email,
        template,
        locale=user.locale,
        user=user,
        role=role,
        slot=slot,
        nomination=slot.nomination,
        round=slot.round,
        zone=user.time_zone or SEOUL,
        retimed=retimed,
        link=page,
        calendar=CalendarPart(file_name(slot.nomination.reference, str(slot.nomination_id)), ics, method.value),
    )
    if invitation is None:
        invitation = SlotInvitation(slot=slot, user=user, sequence=sequence)
        db.session.add(invitation)
    invitation.sequence, invitation.sent_at = sequence, now
    invitation.cancelled_at = now if method is Method.CANCEL else None
