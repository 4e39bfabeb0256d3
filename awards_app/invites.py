"""Calendar invitations (iCalendar, RFC 5545 and its scheduling methods, RFC 5546) for the finals' presentations.

PURE: no Flask, no database. An ``Invite`` is one event as one person receives it; ``calendar`` makes the
VCALENDAR bytes of it:

- ``Method.REQUEST`` — an invitation, or its update: the same ``uid`` with a higher ``sequence`` replaces the event
  in the person's calendar (a moved slot);
- ``Method.CANCEL`` — the event is removed (its ``sequence`` higher again, STATUS:CANCELLED);
- ``Method.PUBLISH`` — the file a person downloads from their page, to add the event themselves.

Every time is written in UTC (``DTSTART:…Z``): calendars show it in their owner's zone, and no time-zone
definition has to travel with the file. Each file names one attendee, its recipient: a finalist never learns who
their judges are from it, nor a judge the other judges.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime

from icalendar import Calendar, Event, vCalAddress

PRODUCT_ID = "-//WeGO//Seoul Smart City Prize awards//EN"


class Method(enum.StrEnum):
    REQUEST = "REQUEST"
    CANCEL = "CANCEL"
    PUBLISH = "PUBLISH"


@dataclass(frozen=True)
class Invite:
    """One presentation as one person's calendar receives it."""

    uid: str
    sequence: int
    starts_at: datetime  # aware
    ends_at: datetime  # aware
    summary: str
    description: str
    location: str
    organizer_email: str
    organizer_name: str
    attendee_email: str
    attendee_name: str
    stamp: datetime  # aware: when this version of the event was made (DTSTAMP)
    url: str = ""  # the online meeting, if it is one


def _address(email: str, name: str, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = name
    for key, value in params.items():
        address.params[key] = value
    return address


def calendar(invite: Invite, method: Method) -> bytes:
    """The VCALENDAR of ``invite`` sent with ``method``, as bytes (UTF-8, CRLF line ends, lines folded)."""
    cal = Calendar()
    cal.add("prodid", PRODUCT_ID)
    cal.add("version", "2.0")
    cal.add("method", method.value)
    event = Event()
    event.add("uid", invite.uid)
    event.add("sequence", invite.sequence)
    event.add("dtstamp", invite.stamp.astimezone(UTC))
    event.add("dtstart", invite.starts_at.astimezone(UTC))
    event.add("dtend", invite.ends_at.astimezone(UTC))
    event.add("summary", invite.summary)
    if invite.description:
        event.add("description", invite.description)
    if invite.location:
        event.add("location", invite.location)
    if invite.url:
        event.add("url", invite.url)
    event.add("organizer", _address(invite.organizer_email, invite.organizer_name))
    if method is not Method.PUBLISH:
        event.add(
            "attendee",
            _address(
                invite.attendee_email,
                invite.attendee_name,
                CUTYPE="INDIVIDUAL",
                ROLE="REQ-PARTICIPANT",
                PARTSTAT="NEEDS-ACTION",
                RSVP="FALSE",  # nobody reads the answers: the secretariat arranges changes by e-mail
            ),
        )
    event.add("status", "CANCELLED" if method is Method.CANCEL else "CONFIRMED")
    event.add("transp", "OPAQUE")
    cal.add_component(event)
    return cal.to_ical()


def file_name(reference: str | None, fallback: str) -> str:
    """The attachment's name: the nomination's reference, safe in any file system."""
    stem = "".join(c if c.isalnum() or c in "-_" else "-" for c in (reference or fallback))
    return f"presentation-{stem}.ics"
