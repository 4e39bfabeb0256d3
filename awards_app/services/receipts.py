"""Receipts: the e-mail an applicant keeps when a nomination is submitted or withdrawn.

Sent beside the response (``after_response``): the nomination is saved before any mail server is asked, and a
mail server that fails is logged, never answered as if the submission had failed. The time is given in the
edition's time zone and, where it is another one, in the zone of the browser the applicant submitted from.
"""

from __future__ import annotations

from functools import cache, partial
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l

from ..after_response import after_response
from ..extensions import db
from ..models import Nomination, User
from ..urls import external_url
from .mail import send_email


def reader_zone(typed: str | None) -> str | None:
    """The time zone a browser reported (a hidden field the script fills), if it is a real one."""
    zone = (typed or "").strip()
    return zone if zone and zone in _zones() else None


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def after_submission(nomination: Nomination, user: User, zone: str | None) -> None:
    """Send the submission receipt once the response has gone."""
    after_response(partial(_send, nomination.id, user.id, zone, "receipt_submitted"))


def after_withdrawal(nomination: Nomination, user: User, zone: str | None) -> None:
    """Tell the applicant, in writing, that the nomination was withdrawn."""
    after_response(partial(_send, nomination.id, user.id, zone, "receipt_withdrawn"))


def _send(nomination_id: int, user_id: int, zone: str | None, template: str) -> None:
    nomination = db.session.get(Nomination, nomination_id)
    user = db.session.get(User, user_id)
    if nomination is None or user is None:
        return
    edition = nomination.edition
    zones = [edition.time_zone] + ([zone] if zone and zone != edition.time_zone else [])
    if template == "receipt_submitted":
        subject = _l("Receipt: %(ref)s submitted", ref=nomination.reference)
        moment = nomination.submitted_at
    else:
        subject = _l("%(ref)s withdrawn", ref=nomination.reference or nomination.title)
        moment = nomination.withdrawn_at
    send_email(
        user.email,
        subject,
        template,
        locale=user.locale,
        user=user,
        nomination=nomination,
        moment=moment,
        zones=zones,
        attachments=sorted(nomination.attachments, key=lambda a: a.id),
        link=external_url("nominations.view", nomination_id=nomination.id),
    )
