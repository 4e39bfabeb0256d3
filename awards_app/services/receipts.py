"""Receipts: the e-mail an applicant keeps when a nomination is submitted or withdrawn.

Sent beside the response (``after_response``): the nomination is saved before any mail server is asked, and a
mail server that fails is logged, never answered as if the submission had failed. The time is given in the
edition's time zone and, where it is another one, in the zone of the browser the applicant submitted from.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache, partial
from zoneinfo import available_timezones

from flask import render_template
from flask_babel import force_locale

from ..after_response import after_response
from ..extensions import db
from ..models import Nomination, User, utcnow
from ..urls import external_url
from .mail import send_email

log = logging.getLogger(__name__)


def reader_zone(typed: str | None) -> str | None:
    """The time zone a browser reported (a hidden field the script fills), if it is a real one."""
    zone = (typed or "").strip()
    return zone if zone and zone in _zones() else None


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


#: Set while the demo's invented applicants submit: they are sent no receipt (each draws the nomination's PDF, which
#: was half the time of seeding the demo).
_WITHOUT_RECEIPTS: ContextVar[bool] = ContextVar("without_receipts", default=False)


@contextmanager
def without_receipts() -> Iterator[None]:
    token = _WITHOUT_RECEIPTS.set(True)
    try:
        yield
    finally:
        _WITHOUT_RECEIPTS.reset(token)


def after_submission(nomination: Nomination, user: User, zone: str | None) -> None:
    """Send the submission receipt once the response has gone."""
    if _WITHOUT_RECEIPTS.get():
        return
    after_response(partial(_send, nomination.id, user.id, zone, "receipt_submitted"))


def after_withdrawal(nomination: Nomination, user: User, zone: str | None) -> None:
    """Tell the applicant, in writing, that the nomination was withdrawn."""
    after_response(partial(_send, nomination.id, user.id, zone, "receipt_withdrawn"))


def after_screening(nomination: Nomination) -> None:
    """Tell the applicant who entered the nomination the secretariat's decision, with its reason where there is one
    (the nomination's page shows it too)."""
    after_response(partial(_send_screening, nomination.id, nomination.status.value))


def _send_screening(nomination_id: int, status: str) -> None:
    nomination = db.session.get(Nomination, nomination_id)
    if nomination is None or nomination.status.value != status:
        return  # decided again since: that decision sends its own
    user = nomination.created_by
    if user is None or not user.active:
        return
    eligible = status == "eligible"
    send_email(
        user.email,
        "screening_result",
        locale=user.locale,
        user=user,
        nomination=nomination,
        eligible=eligible,
        link=external_url("nominations.view", nomination_id=nomination.id),
    )


def _send(nomination_id: int, user_id: int, zone: str | None, template: str) -> None:
    nomination = db.session.get(Nomination, nomination_id)
    user = db.session.get(User, user_id)
    if nomination is None or user is None:
        return
    edition = nomination.edition
    zones = [edition.time_zone] + ([zone] if zone and zone != edition.time_zone else [])
    files = []
    if template == "receipt_submitted":
        moment = nomination.submitted_at
        try:
            files.append((pdf_name(nomination), nomination_pdf(nomination, user.locale), "application/pdf"))
        except OSError:  # WeasyPrint without Pango on this machine: the receipt goes, and says where the PDF is
            log.exception("the PDF of %s could not be drawn for its receipt", nomination.reference)
    else:
        moment = nomination.withdrawn_at
    send_email(
        user.email,
        template,
        locale=user.locale,
        user=user,
        nomination=nomination,
        moment=moment,
        zones=zones,
        attachments=sorted(nomination.attachments, key=lambda a: a.id),
        link=external_url("nominations.view", nomination_id=nomination.id),
        files=files,
        with_pdf=bool(files),
    )


def pdf_name(nomination: Nomination) -> str:
    return f"{nomination.reference or f'draft-{nomination.id}'}.pdf"


def nomination_pdf(nomination: Nomination, locale: str | None) -> bytes:
    """The nomination as a PDF in ``locale``: its details, every answer in the form's order, and each document's
    size and SHA-256 (drawn by WeasyPrint, imported here only: it loads Pango)."""
    from weasyprint import HTML

    from .entry_forms import fields_of

    with force_locale(locale or "en"):
        html = render_template(
            "pdf/nomination.html",
            nomination=nomination,
            specs=fields_of(nomination),
            attachments=sorted(nomination.attachments, key=lambda a: a.id),
            printed_at=utcnow(),
        )
    return HTML(string=html).write_pdf()
