"""The finals' schedule: when and where each finalist presents to the round's judges, online or in Seoul.

A presentation slot is a stretch of time in one *venue*: a room in Seoul, or an online meeting (its link). Slots
of one venue may not overlap (one may end at the minute the next starts); a slot falls within its round's dates
(from its opening to its closing); and each finalist has one slot in a round. Times are kept in UTC and typed by
a person in their own time zone: a local time that the zone skips (a clock put forward) is refused, and one that
it passes twice (a clock put back) is the first of the two.

These functions know nothing of Flask or the database: ``services.presentations`` hands them plain values and
words the refusals they return.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

T = TypeVar("T")

#: How long a presentation may last, in minutes, and what a new slot proposes.
MIN_MINUTES = 5
MAX_MINUTES = 240
DEFAULT_MINUTES = 20
#: The longest room name and meeting link kept.
ROOM_CHARS = 120
LINK_CHARS = 500
#: The time zone shown beside everyone's own: the prize is Seoul's, and so are its in-person finals.
SEOUL = "Asia/Seoul"


class PresentationMode(enum.StrEnum):
    ONLINE = "online"
    SEOUL = "seoul"


class Refusal(enum.StrEnum):
    """Why a slot cannot be placed as asked."""

    TOO_SHORT = "too-short"
    TOO_LONG = "too-long"
    NO_ROOM = "no-room"  # in Seoul, with no room named
    NO_LINK = "no-link"  # online, with no meeting link
    BAD_LINK = "bad-link"  # not an https:// (or http://) address
    IN_THE_PAST = "in-the-past"
    BEFORE_ROUND = "before-round"
    AFTER_ROUND = "after-round"
    OVERLAP = "overlap"


@dataclass(frozen=True)
class Placement:
    """Where and when one finalist presents: ``starts_at`` is an aware moment (kept in UTC)."""

    nomination_id: int
    starts_at: datetime
    minutes: int
    mode: PresentationMode
    room: str = ""
    link: str = ""

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)

    @property
    def venue(self) -> tuple[str, str]:
        """The room (in Seoul) or the meeting (online) the slot takes, compared without case or outer spaces."""
        where = self.room if self.mode is PresentationMode.SEOUL else self.link
        return self.mode.value, " ".join(where.split()).casefold()


class NonexistentLocalTime(ValueError):
    """A wall-clock time the zone skips that day (its clocks were put forward)."""


def local_moment(day: date, at: time, zone: str) -> datetime:
    """The UTC moment of wall-clock ``day`` ``at`` in ``zone``; the earlier of two when the zone passes it twice.

    Raises ``NonexistentLocalTime`` when the zone skips it (e.g. 02:30 on a spring-forward night)."""
    local = datetime.combine(day, at.replace(tzinfo=None, second=0, microsecond=0), tzinfo=ZoneInfo(zone))
    moment = local.astimezone(UTC)
    if moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise NonexistentLocalTime(f"{day} {at} does not exist in {zone}")
    return moment


def overlaps(a: Placement, b: Placement) -> bool:
    """Whether two slots take the same venue at the same time (touching ends do not overlap)."""
    return a.venue == b.venue and a.starts_at < b.ends_at and b.starts_at < a.ends_at


def double_booked(a: Placement, b: Placement) -> bool:
    """Whether one person expected at both slots cannot be wholly at each: they overlap in time (whatever the
    venue), or one ends as the other starts in another venue (no time to go from a room to a meeting, or between
    rooms). A judge may still follow one online, so this is a warning, never a refusal."""
    if a.starts_at < b.ends_at and b.starts_at < a.ends_at:
        return True
    return a.venue != b.venue and (a.ends_at == b.starts_at or b.ends_at == a.starts_at)


def valid_link(link: str) -> bool:
    text = link.strip()
    return (
        text.lower().startswith(("https://", "http://"))
        and len(text) > len("https://")
        and not any(c.isspace() for c in text)
    )


def refusals(
    slot: Placement,
    others: Iterable[Placement],
    *,
    opens_at: datetime | None,
    closes_at: datetime | None,
    now: datetime,
) -> list[tuple[Refusal, Placement | None]]:
    """Every reason ``slot`` cannot be placed, each with the slot it clashes with (for an overlap), in the order a
    person fixes them; empty when it can. ``others`` are the round's other live slots (``slot``'s own finalist's
    earlier slot, if any, is left out by the caller: moving a slot replaces it)."""
    found: list[tuple[Refusal, Placement | None]] = []
    if slot.minutes < MIN_MINUTES:
        found.append((Refusal.TOO_SHORT, None))
    elif slot.minutes > MAX_MINUTES:
        found.append((Refusal.TOO_LONG, None))
    if slot.mode is PresentationMode.SEOUL and not slot.room.strip():
        found.append((Refusal.NO_ROOM, None))
    if slot.mode is PresentationMode.ONLINE:
        if not slot.link.strip():
            found.append((Refusal.NO_LINK, None))
        elif not valid_link(slot.link):
            found.append((Refusal.BAD_LINK, None))
    if slot.starts_at < now:
        found.append((Refusal.IN_THE_PAST, None))
    if opens_at is not None and slot.starts_at < opens_at:
        found.append((Refusal.BEFORE_ROUND, None))
    if closes_at is not None and slot.ends_at > closes_at:
        found.append((Refusal.AFTER_ROUND, None))
    if found:
        return found
    return [
        (Refusal.OVERLAP, other)
        for other in sorted(others, key=lambda o: o.starts_at)
        if other.nomination_id != slot.nomination_id and overlaps(slot, other)
    ]


def by_day(items: Iterable[T], zone: str, starts: Callable[[T], datetime]) -> list[tuple[date, list[T]]]:
    """``items`` grouped by the day in ``zone`` that each ``starts`` on, days and items in time order."""
    days: dict[date, list[T]] = {}
    for item in sorted(items, key=starts):
        days.setdefault(starts(item).astimezone(ZoneInfo(zone)).date(), []).append(item)
    return list(days.items())
