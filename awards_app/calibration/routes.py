"""Calibration for the secretariat: mark a few nominations per category that every judge of the category scores
first, choose whether those first scores count, and read every judge's calibration side by side."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..auth.access import role_required
from ..errors import flash_error
from ..models import Role, RoundMode
from ..rules import calibration as rules
from ..services import ServiceError
from ..services import calibration as calibration_service
from ..services import rounds as rounds_service
from .forms import CalibrationCountsForm, CalibrationForm

bp = Blueprint("calibration", __name__)


@bp.before_request
@role_required(Role.SECRETARIAT)
def guard():
    """Every page here is for the secretariat alone."""


def _round(round_id: int):
    round_ = rounds_service.round_with_details(round_id)
    if round_ is None or round_.mode is not RoundMode.SCORING:
        abort(404)
    return round_


def _choices(round_) -> dict[int, list[tuple[int, str]]]:
    choices: dict[int, list[tuple[int, str]]] = {}
    for nomination in rounds_service.round_nominations(round_):
        label = f"{nomination.reference} · {(nomination.title or '')[:80]} ({nomination.organisation.name})"
        choices.setdefault(nomination.category_id, []).append((nomination.id, label))
    return choices


@bp.route("/<int:round_id>/calibration", methods=["GET", "POST"])
def panel(round_id: int):
    """Each category's calibration nominations (to mark), and every judge's calibration totals side by side."""
    round_ = _round(round_id)
    choices = _choices(round_)
    categories = {c.id: c for c in round_.categories}
    posted = CalibrationForm() if request.method == "POST" else None
    posted_category = None
    if posted is not None:
        typed = (posted.category.data or "").strip()
        category = categories.get(int(typed)) if typed.isascii() and typed.isdecimal() else None
        if category is None:
            flash(_("Choose a category of this round. Nothing was saved."), "danger")
            return redirect(url_for("calibration.panel", round_id=round_.id))
        posted_category = category.id
        posted.offer(choices.get(category.id, []))
        if posted.validate_on_submit():
            try:
                added = calibration_service.mark(round_, category, posted.nominations.data or [], current_user)
            except ServiceError as error:
                flash_error(error)
            else:
                flash(
                    ngettext(
                        "Calibration nominations of %(category)s saved; %(num)d assignment was added so that every "
                        "judge of the category has them.",
                        "Calibration nominations of %(category)s saved; %(num)d assignments were added so that every "
                        "judge of the category has them.",
                        added,
                        category=category.code,
                    ),
                    "success",
                )
                return redirect(url_for("calibration.panel", round_id=round_.id, _anchor=f"category-{category.id}"))
        else:
            flash(_("Nothing was saved: choose nominations from the list."), "danger")
    views = calibration_service.panel(round_)
    forms = {}
    for view in views:
        if posted is not None and posted_category == view.category.id:
            forms[view.category.id] = posted
            continue
        form = CalibrationForm(
            formdata=None, category=str(view.category.id), nominations=[n.id for n in view.nominations]
        )
        forms[view.category.id] = form.offer(choices.get(view.category.id, []))
    return render_template(
        "calibration/panel.html",
        round=round_,
        views=views,
        forms=forms,
        counts_form=CalibrationCountsForm(formdata=None, counts=round_.calibration_counts),
        started=calibration_service.started(round_),
        started_in={v.category.id for v in views if v.nominations and calibration_service.started(round_, v.category)},
        low=rules.MIN_NOMINATIONS,
        high=rules.MAX_NOMINATIONS,
    )


@bp.route("/<int:round_id>/calibration/counts", methods=["POST"])
def counts(round_id: int):
    """Whether the judges' first calibration scores count in the ranking."""
    round_ = _round(round_id)
    form = CalibrationCountsForm()
    if form.validate_on_submit():
        try:
            changed = calibration_service.set_counts(round_, bool(form.counts.data), current_user)
        except ServiceError as error:
            flash_error(error)
        else:
            if not changed:
                flash(_("Nothing changed."), "info")
                return redirect(url_for("calibration.panel", round_id=round_.id))
            flash(
                _("Calibration scores now count in the ranking.")
                if round_.calibration_counts
                else _("Calibration scores do not count in the ranking: judges submit those nominations again."),
                "success",
            )
    else:
        flash(_("Nothing was saved: the form had expired. Try again."), "danger")
    return redirect(url_for("calibration.panel", round_id=round_.id))
