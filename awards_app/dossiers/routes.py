"""The dossier pages: a judge's own, and the secretariat's for any judge of a round and for each category's book.

Each dossier has a page (its state, a button to build it, its progress while it builds), a JSON status the page
follows, and the PDF. A judge reaches only their own, and only in a round where they hold a nomination they are not
recused from (404 otherwise, as the judge's other round pages answer).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import role_required
from ..downloads import private_download
from ..errors import flash_error
from ..extensions import db
from ..models import Category, Role, Round, User
from ..services import ServiceError, dossier_content
from ..services import dossiers as dossiers_service
from ..services import rounds as rounds_service

bp = Blueprint("dossiers", __name__)


def _round(round_id: int) -> Round:
    return db.get_or_404(Round, round_id)


def _page(subject, state_url: str, pdf_url: str, back_url: str, back_label: str):
    """Build on POST; otherwise show the dossier's state."""
    if request.method == "POST":
        try:
            build = dossiers_service.request_build(subject, current_user)
        except ServiceError as error:
            flash_error(error)
        else:
            if build.ready:
                flash(_("The dossier is ready."), "success")
            elif dossiers_service.waits(build):
                flash(_("Other dossiers are being built: this one waits for its turn; this page shows when."), "info")
            elif build.working:
                flash(_("The dossier is being built; this page shows its progress."), "info")
            else:
                flash(
                    _("The dossier could not be built. Try again, or tell the secretariat if it fails again."), "danger"
                )
        return redirect(request.path)
    return render_template(
        "dossiers/dossier.html",
        subject=subject,
        title=dossier_content.title(subject),
        watermark=dossier_content.watermark_text(subject),
        state=dossiers_service.build_state(subject),
        state_url=state_url,
        pdf_url=pdf_url,
        back_url=back_url,
        back_label=back_label,
    )


def _status(subject):
    state = dossiers_service.build_state(subject)
    build = state.build
    return jsonify(
        status=build.status.value if build else "none",
        progress=build.progress if build else 0,
        stage=build.stage if build else "",
        current=state.current,
        ready=state.ready,
        waiting=state.waiting,
    )


def _pdf(subject, page_url: str):
    try:
        path, name = dossiers_service.ready_file(subject, current_user)
    except ServiceError as error:
        flash_error(error)
        return redirect(page_url)
    return private_download(path, "application/pdf", name)


# --- the judge's own -----------------------------------------------------------------------------------------------


def _own_subject(round_id: int):
    round_ = _round(round_id)
    if not dossiers_service.holds_assignments(round_, current_user):
        abort(404)
    return dossiers_service.judge_subject(round_, current_user)


@bp.route("/judging/rounds/<int:round_id>/dossier", methods=["GET", "POST"])
@role_required(Role.JUDGE)
def own(round_id: int):
    """The judge's nominations of a round as one PDF: build it, follow it, download it."""
    subject = _own_subject(round_id)
    return _page(
        subject,
        url_for("dossiers.own_status", round_id=round_id),
        url_for("dossiers.own_pdf", round_id=round_id),
        url_for("judging.index"),
        _("Your assignments"),
    )


@bp.route("/judging/rounds/<int:round_id>/dossier.json")
@role_required(Role.JUDGE)
def own_status(round_id: int):
    """Where the judge's dossier is, for its page to follow."""
    return _status(_own_subject(round_id))


@bp.route("/judging/rounds/<int:round_id>/dossier.pdf")
@role_required(Role.JUDGE)
def own_pdf(round_id: int):
    """Download the judge's finished dossier (its page when it is not ready)."""
    return _pdf(_own_subject(round_id), url_for("dossiers.own", round_id=round_id))


# --- the secretariat's ---------------------------------------------------------------------------------------------


@bp.route("/secretariat/rounds/<int:round_id>/dossiers")
@role_required(Role.SECRETARIAT)
def round_dossiers(round_id: int):
    """Every dossier of a round: one per judge, and a book per category for the committee."""
    round_ = _round(round_id)
    return render_template(
        "dossiers/round_dossiers.html",
        round=round_,
        dossiers=dossiers_service.round_dossiers(round_),
        first=rounds_service.is_first_round(round_),
    )


def _judge_subject(round_id: int, user_id: int):
    round_ = _round(round_id)
    judge = db.get_or_404(User, user_id)
    if not dossiers_service.is_round_judge(round_, judge):
        abort(404)
    return dossiers_service.judge_subject(round_, judge)


@bp.route("/secretariat/rounds/<int:round_id>/dossiers/judges/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.SECRETARIAT)
def judge_dossier(round_id: int, user_id: int):
    """A judge's dossier of the round, built by the secretariat (in the judge's language, with their name)."""
    subject = _judge_subject(round_id, user_id)
    return _page(
        subject,
        url_for("dossiers.judge_status", round_id=round_id, user_id=user_id),
        url_for("dossiers.judge_pdf", round_id=round_id, user_id=user_id),
        url_for("dossiers.round_dossiers", round_id=round_id),
        _("Dossiers"),
    )


@bp.route("/secretariat/rounds/<int:round_id>/dossiers/judges/<int:user_id>.json")
@role_required(Role.SECRETARIAT)
def judge_status(round_id: int, user_id: int):
    """Where a judge's dossier is, for its page to follow."""
    return _status(_judge_subject(round_id, user_id))


@bp.route("/secretariat/rounds/<int:round_id>/dossiers/judges/<int:user_id>.pdf")
@role_required(Role.SECRETARIAT)
def judge_pdf(round_id: int, user_id: int):
    """Download a judge's finished dossier."""
    return _pdf(
        _judge_subject(round_id, user_id), url_for("dossiers.judge_dossier", round_id=round_id, user_id=user_id)
    )


def _book_subject(round_id: int, category_id: int):
    round_ = _round(round_id)
    category = db.get_or_404(Category, category_id)
    if category not in round_.categories:
        abort(404)
    return dossiers_service.book_subject(round_, category, str(get_locale() or "en"))


@bp.route("/secretariat/rounds/<int:round_id>/dossiers/categories/<int:category_id>", methods=["GET", "POST"])
@role_required(Role.SECRETARIAT)
def book(round_id: int, category_id: int):
    """A category's book of the round for the committee (its finalists, in a later round)."""
    subject = _book_subject(round_id, category_id)
    return _page(
        subject,
        url_for("dossiers.book_status", round_id=round_id, category_id=category_id),
        url_for("dossiers.book_pdf", round_id=round_id, category_id=category_id),
        url_for("dossiers.round_dossiers", round_id=round_id),
        _("Dossiers"),
    )


@bp.route("/secretariat/rounds/<int:round_id>/dossiers/categories/<int:category_id>.json")
@role_required(Role.SECRETARIAT)
def book_status(round_id: int, category_id: int):
    """Where a category's book is, for its page to follow."""
    return _status(_book_subject(round_id, category_id))


@bp.route("/secretariat/rounds/<int:round_id>/dossiers/categories/<int:category_id>.pdf")
@role_required(Role.SECRETARIAT)
def book_pdf(round_id: int, category_id: int):
    """Download a category's finished book."""
    return _pdf(
        _book_subject(round_id, category_id), url_for("dossiers.book", round_id=round_id, category_id=category_id)
    )
