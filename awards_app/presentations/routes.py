"""The finals' schedule: the secretariat places, moves and removes finalists' presentations; judges read the
schedule of the finalists they hear; those who may see a slot download it to their calendar."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth.access import role_required
from ..errors import flash_error
from ..extensions import db
from ..i18n import format_in_zone, utc_offset
from ..invites import Method, file_name
from ..models import Nomination, PresentationSlot, Role, Round, utcnow
from ..rules.presentations import SEOUL, by_day
from ..services import ServiceError, slot_invitations
from ..services import presentations as presentations_service
from ..services import rounds as rounds_service
from .forms import RemoveSlotForm, SlotForm

bp = Blueprint("presentations", __name__)


def _round(round_id: int) -> Round:
    round_ = rounds_service.round_with_details(round_id)
    if round_ is None:
        abort(404)
    return round_


def _zone() -> str:
    return current_user.time_zone or SEOUL


def _offset(zone: str) -> str:
    from zoneinfo import ZoneInfo

    return utc_offset(utcnow().astimezone(ZoneInfo(zone)))


def _filled(form: SlotForm, slot: PresentationSlot, zone: str) -> None:
    """Put a finalist's current slot in the form, in the officer's zone, to move it from there."""
    from zoneinfo import ZoneInfo

    local = slot.starts_at.astimezone(ZoneInfo(zone))
    form.day.data, form.at.data = local.date(), local.time()
    form.minutes.data, form.mode.data = slot.minutes, slot.mode.value
    form.room.data, form.link.data = slot.room, slot.link


def _clash_text(clash: slot_invitations.Clash, zone: str) -> str:
    return _(
        "%(judge)s is expected at %(reference)s (%(start)s) and at %(other)s (%(other_start)s), which overlap or "
        "follow each other in different places. Check that they can attend both, or follow one online.",
        judge=clash.judge.name,
        reference=clash.slot.nomination.reference,
        start=format_in_zone(clash.slot.starts_at, zone, with_zone=False),
        other=clash.other.nomination.reference,
        other_start=format_in_zone(clash.other.starts_at, zone, with_zone=False),
    )


@bp.route("/secretariat/rounds/<int:round_id>/presentations", methods=["GET", "POST"])
@role_required(Role.SECRETARIAT)
def schedule(round_id: int):
    """The round's finalists with their presentation slots, and the form that places or moves one."""
    round_ = _round(round_id)
    zone = _zone()
    finalists = presentations_service.finalists(round_)
    form = SlotForm(finalists)
    if request.method == "GET":
        chosen = request.args.get("nomination", type=int)
        if chosen in {n.id for n in finalists}:
            form.nomination.data = chosen
            slot = presentations_service.slot_of(round_.id, chosen)
            if slot is not None:
                _filled(form, slot, zone)
    elif form.validate_on_submit():
        try:
            slot = presentations_service.place(round_, form.to_input(zone), current_user)
        except ServiceError as error:
            flash_error(error)
        else:
            told = slot_invitations.holders(slot)
            flash(
                ngettext(
                    "The presentation of %(reference)s is saved; %(num)d person was e-mailed the calendar invitation.",
                    "The presentation of %(reference)s is saved; %(num)d people were e-mailed the calendar invitation.",
                    told,
                    reference=slot.nomination.reference,
                ),
                "success",
            )
            for clash in slot_invitations.clashes(round_):
                if slot.id in (clash.slot.id, clash.other.id):
                    flash(_clash_text(clash, zone), "warning")
            return redirect(url_for("presentations.schedule", round_id=round_.id))
    else:
        flash(_("The slot was not saved: correct what is marked below."), "danger")
    return render_template(
        "presentations/schedule.html",
        round=round_,
        rows=presentations_service.schedule(round_),
        clashes=slot_invitations.clashes(round_),
        form=form,
        remove_form=RemoveSlotForm(),
        zone=zone,
        offset=_offset(zone),
        seoul=SEOUL,
    )


@bp.route("/secretariat/rounds/<int:round_id>/presentations/remove", methods=["POST"])
@role_required(Role.SECRETARIAT)
def remove_slot(round_id: int):
    """Take a finalist's presentation off the schedule, and send everyone invited its cancellation."""
    round_ = _round(round_id)
    form = RemoveSlotForm()
    nomination_id = (form.nomination.data or "").strip()
    if not form.validate_on_submit() or not nomination_id.isdigit() or len(nomination_id) > 18:
        flash(_("Choose the presentation to remove."), "danger")
    else:
        try:
            slot = presentations_service.remove(round_, int(nomination_id), current_user)
        except ServiceError as error:
            flash_error(error)
        else:
            flash(
                _(
                    "The presentation of %(reference)s was removed; its cancellation was e-mailed to everyone invited.",
                    reference=slot.nomination.reference,
                ),
                "info",
            )
    return redirect(url_for("presentations.schedule", round_id=round_.id))


@bp.route("/judging/presentations")
@role_required(Role.JUDGE)
def judge_schedule():
    """The presentations of the finalists the judge hears, day by day in the judge's time zone."""
    zone = _zone()
    slots = presentations_service.for_judge(current_user)
    return render_template(
        "presentations/judge_schedule.html",
        days=[(format_date(day, "full"), day_slots) for day, day_slots in by_day(slots, zone, lambda s: s.starts_at)],
        zone=zone,
        offset=_offset(zone),
        seoul=SEOUL,
        now=utcnow(),
    )


@bp.route("/presentations/<int:round_id>/<int:nomination_id>.ics")
@login_required
def slot_ics(round_id: int, nomination_id: int):
    """A presentation slot as a calendar file, for those who may see it."""
    nomination = db.session.get(Nomination, nomination_id)
    if nomination is None or db.session.get(Round, round_id) is None:
        abort(404)
    if not PresentationSlot.visible_to(current_user, round_id, nomination):
        abort(403)
    slot = presentations_service.slot_of(round_id, nomination_id)
    if slot is None:
        abort(404)
    response = make_response(slot_invitations.ics_for(slot, current_user, Method.PUBLISH))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{file_name(nomination.reference, str(nomination.id))}"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
