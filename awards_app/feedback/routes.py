"""A round's feedback to applicants, for the secretariat: the comments judges shared, edited or hidden, the release
once the results are published, its withdrawal, and a preview of what an applicant reads."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..auth.access import role_required
from ..errors import flash_error
from ..extensions import db
from ..models import Assignment, Role, Round, RoundMode
from ..paging import paginate
from ..services import ServiceError
from ..services import applicant_feedback as applicant_feedback_service
from ..services import feedback as feedback_service
from ..services import feedback_release as release_service
from ..services import nominations as nominations_service
from ..services import rounds as rounds_service
from ..urls import safe_next
from .forms import OVERALL, CommentEditForm, CommentVisibilityForm, ReleaseForm, ReleaseWithdrawForm

bp = Blueprint("feedback", __name__)


@bp.before_request
@role_required(Role.SECRETARIAT)
def guard():
    """Every page here is for the secretariat alone."""


def _round(round_id: int) -> Round:
    """A round scored on a rubric (a committee's vote has no comments to share), or 404."""
    round_ = rounds_service.round_with_details(round_id)
    if round_ is None or round_.mode is not RoundMode.SCORING:
        abort(404)
    return round_


def _page_url(round_: Round) -> str:
    return url_for("feedback.round_feedback", round_id=round_.id)


def _back(round_: Round, nomination_id: int | None = None):
    """To the page the form was on (the same page of the list), at the nomination's comments."""
    target = safe_next(_page_url(round_))
    return redirect(target + (f"#nomination-{nomination_id}" if nomination_id else ""))


@bp.route("/<int:round_id>/feedback")
def round_feedback(round_id: int):
    """The comments judges shared in the round, by nomination, each with its edit and whether it is hidden; whether
    the round's feedback is released, and what to do next."""
    round_ = _round(round_id)
    category_id = request.args.get("category", type=int)
    if category_id not in {c.id for c in round_.categories}:
        category_id = None
    page = paginate(feedback_service.nominations_query(round_, category_id), default_size=25)
    history = release_service.release_history(round_)
    current = next((r for r in history if r.withdrawn_at is None), None)
    return render_template(
        "feedback/round_feedback.html",
        round=round_,
        page=page,
        nominations=feedback_service.comments_by_nomination(round_, page.items),
        summary=feedback_service.summary(round_),
        release=current,
        history=history,
        refusal=release_service.release_refusal(round_, current is not None),
        category_id=category_id,
        overall=OVERALL,
        withdraw_form=ReleaseWithdrawForm(),
    )


@bp.route("/<int:round_id>/feedback/edit", methods=["POST"])
def comment_edit(round_id: int):
    """Change the text applicants read of a shared comment, or give them the judge's own words again."""
    round_ = _round(round_id)
    form = CommentEditForm()
    target = form.target
    if not form.validate_on_submit() or target is None:
        errors = form.text.errors or [_("The form was incomplete or had expired. Try again.")]
        flash(_("Nothing was changed: %(why)s", why=" ".join(str(e) for e in errors)), "danger")
        return _back(round_)
    try:
        if form.restore.data:
            comment = feedback_service.restore_comment(round_, *target, current_user)
        else:
            comment = feedback_service.edit_comment(round_, *target, form.text.data or "", current_user)
    except ServiceError as error:
        flash_error(error)
        return _back(round_)
    if comment.edited:
        flash(_("Edit saved: applicants will read it. The judge's own words are kept."), "success")
    else:
        flash(_("Applicants will read the judge's own words."), "success")
    return _back(round_, comment.nomination_id)


@bp.route("/<int:round_id>/feedback/visibility", methods=["POST"])
def comment_visibility(round_id: int):
    """Hide a shared comment from the applicant, or show it again."""
    round_ = _round(round_id)
    form = CommentVisibilityForm()
    target = form.target
    if not form.validate_on_submit() or target is None:
        flash(_("Nothing was changed: the form was incomplete or had expired. Try again."), "danger")
        return _back(round_)
    try:
        comment = feedback_service.set_hidden(round_, *target, form.hiding, current_user)
    except ServiceError as error:
        flash_error(error)
        return _back(round_)
    if comment.hidden:
        flash(_("The comment is hidden: the applicant will not read it."), "info")
    else:
        flash(_("The comment is shown to the applicant again."), "success")
    return _back(round_, comment.nomination_id)


@bp.route("/<int:round_id>/feedback/release", methods=["GET", "POST"])
def release(round_id: int):
    """Release the round's feedback to applicants, after a page that says what they will read and who is told."""
    round_ = _round(round_id)
    form = ReleaseForm()
    if form.validate_on_submit():
        try:
            told = release_service.release(round_, current_user)
        except ServiceError as error:
            flash_error(error)
        else:
            flash(
                ngettext(
                    "The feedback is released; the applicants of %(num)d nomination are being told.",
                    "The feedback is released; the applicants of %(num)d nominations are being told.",
                    told,
                )
                if told
                else _("The feedback is released again; applicants were told at its first release."),
                "success",
            )
            return redirect(_page_url(round_))
    return render_template(
        "feedback/release.html", round=round_, form=form, check=release_service.release_check(round_)
    )


@bp.route("/<int:round_id>/feedback/withdraw", methods=["POST"])
def release_withdraw(round_id: int):
    """Take the round's feedback back from applicants, with the reason."""
    round_ = _round(round_id)
    form = ReleaseWithdrawForm()
    if not form.validate_on_submit():
        flash(_("Say why the feedback is withdrawn. Nothing was changed."), "danger")
        return redirect(_page_url(round_))
    try:
        release_service.withdraw(round_, current_user, form.reason.data or "")
    except ServiceError as error:
        flash_error(error)
    else:
        flash(_("The feedback is withdrawn: applicants no longer read it. You can release it again."), "warning")
    return redirect(_page_url(round_))


@bp.route("/<int:round_id>/feedback/nominations/<int:nomination_id>")
def preview(round_id: int, nomination_id: int):
    """What the nomination's applicant reads of the round's feedback (or will read, once it is released)."""
    round_ = _round(round_id)
    nomination = nominations_service.nomination_with_details(nomination_id)
    in_round = db.session.scalar(
        sa.select(sa.exists().where(Assignment.round_id == round_.id, Assignment.nomination_id == nomination_id))
    )
    if nomination is None or not in_round:
        abort(404)
    current = feedback_service.current_release(round_)
    return render_template(
        "feedback/preview.html",
        round=round_,
        nomination=nomination,
        feedback=applicant_feedback_service.round_feedback(
            round_, nomination, current.released_at if current is not None else None
        ),
        released=current is not None,
    )
