"""The finals' schedule: the secretariat places, moves and removes finalists' presentations (``rules.presentations``);
each of the finalist's applicants and each of its judges in the round is e-mailed a calendar invitation (.ics), its
update, or its cancellation, in their language and time zone (``services.slot_invitations``, which also keeps
those calendars in line when the finalist's judges change).

The e-mails are queued in the same transaction as the change (``services.mail``): they go out only if it commits,
and a retried e-mail carries the very .ics it was first written with.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Nomination, PresentationSlot, Round, User, utcnow
from ..rules.presentations import (
    NonexistentLocalTime,
    Placement,
    PresentationMode,
    Refusal,
    local_moment,
    refusals,
)
from . import ServiceError, slot_invitations
from .audit import record
from .rounds import round_nominations

#: How each refusal of ``rules.presentations`` reads.
REFUSALS = {
    Refusal.TOO_SHORT: _l("A presentation lasts at least %(min)d minutes."),
    Refusal.TOO_LONG: _l("A presentation lasts at most %(max)d minutes."),
    Refusal.NO_ROOM: _l("Name the room in Seoul."),
    Refusal.NO_LINK: _l("Give the link of the online meeting."),
    Refusal.BAD_LINK: _l("The meeting link must be a web address starting with https://."),
    Refusal.IN_THE_PAST: _l("That time has already passed."),
    Refusal.BEFORE_ROUND: _l("The round opens only on %(opens)s: the presentation cannot start before."),
    Refusal.AFTER_ROUND: _l("The round closes on %(closes)s: the presentation must end by then."),
    Refusal.OVERLAP: _l("The same room or meeting is taken then by %(reference)s (%(start)s–%(end)s)."),
}


@dataclass(frozen=True)
class SlotInput:
    """A slot as the secretariat typed it: a wall-clock day and time in ``zone``."""

    nomination_id: int
    day: date
    at: time
    zone: str
    minutes: int
    mode: PresentationMode
    room: str = ""
    link: str = ""


@dataclass(frozen=True)
class ScheduleRow:
    nomination: Nomination
    slot: PresentationSlot | None
    finalist: bool = True  # False: a slot kept for a nomination the round no longer judges, to be removed


def finalists(round_: Round) -> list[Nomination]:
    """The nominations the round judges: those whose presentations it schedules."""
    return sorted(round_nominations(round_), key=lambda n: n.reference or "")


def live_slots(round_: Round) -> list[PresentationSlot]:
    return list(
        db.session.scalars(
            sa.select(PresentationSlot)
            .where(PresentationSlot.round_id == round_.id, PresentationSlot.cancelled_at.is_(None))
            .options(joinedload(PresentationSlot.nomination))
            .order_by(PresentationSlot.starts_at, PresentationSlot.id)
        )
    )


def schedule(round_: Round) -> list[ScheduleRow]:
    """Every finalist of the round with its slot: first the slots of nominations the round no longer judges (one
    withdrawn or found ineligible after it was placed: its invitations still stand until it is removed), then the
    placed finalists in time order, then those not placed yet."""
    slots = {s.nomination_id: s for s in live_slots(round_)}
    rows = [ScheduleRow(n, slots.pop(n.id, None)) for n in finalists(round_)]
    left = [ScheduleRow(s.nomination, s, finalist=False) for s in slots.values()]
    placed = sorted((r for r in rows if r.slot), key=lambda r: r.slot.starts_at if r.slot else utcnow())
    return left + placed + [r for r in rows if r.slot is None]


def slot_of(round_id: int, nomination_id: int) -> PresentationSlot | None:
    """A finalist's live slot in a round, or None."""
    return db.session.scalar(
        sa.select(PresentationSlot).where(
            PresentationSlot.round_id == round_id,
            PresentationSlot.nomination_id == nomination_id,
            PresentationSlot.cancelled_at.is_(None),
        )
    )


def for_nomination(nomination: Nomination) -> list[PresentationSlot]:
    """A nomination's live slots, in every round, in time order (what its applicants see)."""
    return list(
        db.session.scalars(
            sa.select(PresentationSlot)
            .where(PresentationSlot.nomination_id == nomination.id, PresentationSlot.cancelled_at.is_(None))
            .order_by(PresentationSlot.starts_at)
        )
    )


def for_judge(judge: User) -> list[PresentationSlot]:
    """The live slots of the finalists ``judge`` judges in the slot's round, in time order; a finalist the judge is
    recused from is left out (they are not on its panel, and its meeting link is not theirs)."""
    return list(
        db.session.scalars(
            sa.select(PresentationSlot)
            .where(
                PresentationSlot.cancelled_at.is_(None),
                Nomination.judging(PresentationSlot.nomination_id, judge.id, PresentationSlot.round_id),
            )
            .options(joinedload(PresentationSlot.nomination), joinedload(PresentationSlot.round))
            .order_by(PresentationSlot.starts_at, PresentationSlot.id)
        )
    )


def _refusal_text(refusal: Refusal, other: Placement | None, round_: Round, zone: str, names: dict[int, str]) -> str:
    from ..i18n import format_in_zone

    if refusal is Refusal.OVERLAP and other is not None:
        return _(
            REFUSALS[refusal],
            reference=names.get(other.nomination_id, "?"),
            start=format_in_zone(other.starts_at, zone, with_zone=False),
            end=format_in_zone(other.ends_at, zone, with_zone=False).split(" ")[-1],
        )
    from ..rules.presentations import MAX_MINUTES, MIN_MINUTES

    return _(
        REFUSALS[refusal],
        min=MIN_MINUTES,
        max=MAX_MINUTES,
        opens=format_in_zone(round_.opens_at, zone),
        closes=format_in_zone(round_.closes_at, zone),
    )


def _hold(round_: Round) -> None:
    """One schedule change of a round at a time (PostgreSQL): two overlapping slots cannot both pass the check, nor
    a move and a removal send the same update number."""
    db.session.execute(sa.select(Round.id).where(Round.id == round_.id).with_for_update())


def place(round_: Round, data: SlotInput, actor: User, now: datetime | None = None) -> PresentationSlot:
    """Place a finalist's presentation, or move it (a new time, room or link): checked against the round's dates
    and the other slots of the same room or meeting; everyone concerned is sent the invitation or its update."""
    now = now or utcnow()
    _hold(round_)
    nomination = next((n for n in finalists(round_) if n.id == data.nomination_id), None)
    if nomination is None:
        raise ServiceError(_l("Only a finalist of this round can be given a presentation slot."))
    try:
        starts_at = local_moment(data.day, data.at, data.zone)
    except NonexistentLocalTime:
        raise ServiceError(
            _l(
                "%(day)s %(time)s does not exist in %(zone)s: the clocks go forward then. Choose another time.",
                day=data.day.isoformat(),
                time=data.at.strftime("%H:%M"),
                zone=data.zone,
            )
        ) from None
    wanted = Placement(
        nomination_id=nomination.id,
        starts_at=starts_at,
        minutes=data.minutes,
        mode=data.mode,
        room=" ".join(data.room.split()) if data.mode is PresentationMode.SEOUL else "",
        link=data.link.strip() if data.mode is PresentationMode.ONLINE else "",
    )
    others = live_slots(round_)
    found = refusals(
        wanted,
        [s.placement for s in others if s.nomination_id != nomination.id],
        opens_at=round_.opens_at,
        closes_at=round_.closes_at,
        now=now,
    )
    if found:
        names = {s.nomination_id: s.nomination.reference or s.nomination.title for s in others}
        raise ServiceError(" ".join(_refusal_text(r, o, round_, data.zone, names) for r, o in found))

    slot = db.session.scalar(
        sa.select(PresentationSlot).where(
            PresentationSlot.round_id == round_.id, PresentationSlot.nomination_id == nomination.id
        )
    )
    before = slot.placement if slot is not None and slot.live else None
    if before == wanted:
        raise ServiceError(_l("Nothing changed: the presentation is already at that time and place."))
    if slot is None:
        slot = PresentationSlot(round=round_, nomination=nomination, uid=f"{uuid.uuid4()}@awards.local", sequence=0)
        db.session.add(slot)
    else:
        slot.sequence += 1  # the update (or the event revived after a removal) replaces what calendars have
        slot.cancelled_at = None
    slot.starts_at, slot.minutes, slot.mode = wanted.starts_at, wanted.minutes, wanted.mode
    slot.room, slot.link = wanted.room, wanted.link
    slot.updated_at, slot.updated_by = now, actor
    db.session.flush()
    moved = before is not None
    record(
        "presentation.moved" if moved else "presentation.placed",
        slot,
        actor,
        f"{nomination.reference}: {starts_at:%Y-%m-%d %H:%M} UTC, {data.minutes} min, {wanted.mode.value}",
        {
            "reference": nomination.reference or nomination.title,
            "round": round_.name,
            "starts_at": starts_at.isoformat(),
            "minutes": data.minutes,
            "mode": wanted.mode.value,
            "where": wanted.room or "online",
            "before": before.starts_at.isoformat() if before else None,
            "sequence": slot.sequence,
        },
    )
    retimed = before is not None and (before.starts_at, before.minutes) != (wanted.starts_at, wanted.minutes)
    slot_invitations.tell(slot, now, changed=True, retimed=retimed)
    db.session.commit()
    return slot


def remove(round_: Round, nomination_id: int, actor: User, now: datetime | None = None) -> PresentationSlot:
    """Take a finalist's presentation off the schedule: everyone who was invited is sent its cancellation."""
    now = now or utcnow()
    _hold(round_)
    slot = slot_of(round_.id, nomination_id)
    if slot is None:
        raise ServiceError(_l("This finalist has no presentation slot to remove."))
    slot.cancelled_at = now
    slot.sequence += 1
    slot.updated_at, slot.updated_by = now, actor
    nomination = slot.nomination
    record(
        "presentation.removed",
        slot,
        actor,
        f"{nomination.reference}: the slot of {slot.starts_at:%Y-%m-%d %H:%M} UTC removed",
        {
            "reference": nomination.reference or nomination.title,
            "round": round_.name,
            "starts_at": slot.starts_at.isoformat(),
        },
    )
    slot_invitations.tell(slot, now)
    db.session.commit()
    return slot
