"""The judge's side: assignments, conflict declarations, score sheets and committee votes."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    get_template_attribute,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import joinedload

from ..auth.access import role_required
from ..errors import flash_error
from ..extensions import db
from ..forms import WorkbookUploadForm
from ..i18n import format_in_zone
from ..models import Assignment, Category, Nomination, Role, Round, RoundMode, ScoreSheet, Vote, utcnow
from ..paging import chosen_sort, list_url
from ..scoring import score_text
from ..services import NotAllowed, ServiceError, access_log
from ..services import calibration as calibration_service
from ..services import conflicts as conflicts_service
from ..services import documents as documents_service
from ..services import rubrics as rubrics_service
from ..services import sheets as sheets_service
from ..services import votes as votes_service
from ..services.entry_forms import fields_of
from ..services.imports import XLSX, ImportRefused
from ..services.imports import scores as score_imports
from .forms import DeclarationForm, DeclarationsForm, VoteForm, score_sheet_form

bp = Blueprint("judging", __name__)


def _zone() -> str:
    """The judge's own time zone, in which every deadline on these pages is shown."""
    zone = getattr(current_user, "time_zone", "") or "UTC"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return zone


def time_left(moment: datetime, now: datetime | None = None) -> str:
    """How long until a moment, to the hour (to the minute on the last day): "3 days 4 hours"."""
    seconds = int((moment - (now or utcnow())).total_seconds())
    if seconds < 60:
        return _("less than a minute")
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(ngettext("%(num)d day", "%(num)d days", days))
    if hours:
        parts.append(ngettext("%(num)d hour", "%(num)d hours", hours))
    if not days and minutes:
        parts.append(ngettext("%(num)d minute", "%(num)d minutes", minutes))
    return " ".join(parts)


def _own_assignment(assignment_id: int, *, to_show: bool = True) -> Assignment:
    """Load an assignment of the signed-in judge, with everything its page shows and its scores, in one query (and
    one for the attachments): 404 if there is none, 403 if it is someone else's. ``to_show=False``: only what
    saving its scores needs (an autosave shows nothing of the nomination)."""
    shown = (
        (
            joinedload(Assignment.nomination).joinedload(Nomination.organisation),
            joinedload(Assignment.nomination).selectinload(Nomination.attachments),
        )
        if to_show
        else ()
    )
    assignment = (
        db.session.scalars(
            sa.select(Assignment)
            .where(Assignment.id == assignment_id)
            .options(
                *shown,
                joinedload(Assignment.round),
                joinedload(Assignment.nomination).joinedload(Nomination.category).lazyload(Category.tiers),
                # A row per score rather than a second query: a round trip costs more than a few repeated columns.
                joinedload(Assignment.sheet).joinedload(ScoreSheet.scores),
                joinedload(Assignment.conflict),
                joinedload(Assignment.vote),
                joinedload(Assignment.calibration),
            )
        )
        .unique()
        .one_or_none()
    )
    if assignment is None:
        abort(404)
    if not assignment.belongs_to(current_user):
        abort(403)
    return assignment


def _back(assignment: Assignment):
    return redirect(url_for("judging.assignment", assignment_id=assignment.id))


@bp.route("/", methods=["GET", "POST"])
@role_required(Role.JUDGE)
def index():
    """List the judge's assignments by round, with progress, the judge's own totals and the next one to score; a
    posted form declares no conflict of interest with several of them at once (and perhaps a conflict with one)."""
    work = sheets_service.judge_work(current_user)
    waiting = sheets_service.awaiting_declaration(work, current_user)
    form = DeclarationsForm().offer(waiting)
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                declared = conflicts_service.declare_several(
                    current_user, form.no_conflict_ids, form.conflict_id, form.reason.data or ""
                )
            except ServiceError as error:
                flash_error(error)
            else:
                _flash_declared(declared)
                return redirect(list_url())
        else:
            flash(_("Nothing was saved: see the declarations marked below."), "danger")
    sort = chosen_sort(sheets_service.WORK_SORTS, "category")
    return render_template(
        "judging/assignment_list.html",
        work=sheets_service.sort_work(work, sort),
        sort=sort,
        waiting=waiting,
        form=form,
        next_up=sheets_service.next_to_score(work),
        zone=_zone(),
        time_left=time_left,
    )


def _flash_declared(declared: conflicts_service.Declarations) -> None:
    if declared.no_conflict:
        count = len(declared.no_conflict)
        flash(
            ngettext(
                "You declared no conflict of interest with %(num)d nomination: you can now score it.",
                "You declared no conflict of interest with %(num)d nominations: you can now score them.",
                count,
            ),
            "success",
        )
    if declared.conflict is not None:
        flash(
            _(
                "Your conflict of interest with %(ref)s is recorded and you are recused from it. The secretariat "
                "will ask another judge.",
                ref=declared.conflict.nomination.reference,
            ),
            "info",
        )


@bp.route("/assignments/<int:assignment_id>", methods=["GET", "POST"])
@role_required(Role.JUDGE)
def assignment(assignment_id: int):
    """One assignment: the declaration first, then the score sheet (or the vote), read-only once done."""
    assignment = _own_assignment(assignment_id)
    conflict = assignment.conflict
    if conflict is not None:
        if request.method == "POST":
            flash(_("You are recused from this nomination: nothing was saved."), "danger")
            return _back(assignment)
        return _render("judging/recused.html", assignment, conflict=conflict)
    if assignment.no_conflict_declared_at is None:
        if request.method == "POST":
            flash(_("Declare whether you have a conflict of interest first. Nothing was saved."), "danger")
            return _back(assignment)
        return _render("judging/declaration.html", assignment, form=DeclarationForm())
    if assignment.round.mode is RoundMode.COMMITTEE:
        if request.method == "POST":
            return redirect(url_for("judging.vote", assignment_id=assignment.id), code=307)
        vote = votes_service.vote_of(assignment)
        form = VoteForm(data={"vote": vote.vote.value if vote else None})
        return _render(
            "judging/vote.html",
            assignment,
            form=form,
            vote=vote,
            documents=documents_service.documents_of(assignment.nomination),
        )
    return _score(assignment)


def _score(assignment: Assignment):
    """Show the score sheet; a posted one is saved as a draft or submitted, or shown again with its errors."""
    criteria = rubrics_service.criteria_of(assignment.round, assignment.nomination.category)
    scales = rubrics_service.scales_of(criteria)
    posted = request.method == "POST"
    form = score_sheet_form(criteria, scales, assignment.sheet, request.form if posted else None)
    stale_base = None  # the version a post refused as stale was typed on
    if posted:
        refusal = assignment.scoring_refusal(current_user)
        if refusal:
            flash(_("%(refusal)s Nothing was saved.", refusal=refusal), "danger")
            return _back(assignment)
        submit = form.submitting
        # A first calibration submission may complete the judge's calibration: then they read how they compare.
        first_calibration = submit and assignment.calibration is not None and assignment.calibration_total is None
        if form.validate_on_submit():
            try:
                sheets_service.save_sheet(assignment, current_user, form.to_input(), submit=submit)
            except sheets_service.ScoresRefused as refused:
                form.show_errors(refused.errors)
                flash(str(refused.message), "danger")
            except sheets_service.StaleSheet as stale:
                # Show what was typed against the newest version: saving again is then a deliberate choice.
                stale_base = form.version.data or ""
                form.version.data = str(assignment.sheet.version)
                flash(str(stale.message), "warning")
            except ServiceError as error:
                flash_error(error)
                return _back(assignment)
            else:
                if first_calibration:
                    feedback = calibration_service.judge_feedback(
                        current_user, assignment.round, assignment.nomination.category
                    )
                    if feedback is not None and feedback.ready:
                        flash(_("Your calibration is complete. Here is how your totals compare."), "success")
                        return redirect(
                            url_for(
                                "judging.calibration",
                                round_id=assignment.round_id,
                                category_id=assignment.nomination.category_id,
                            )
                        )
                if form.submit_and_next.data:
                    return _open_the_next(assignment)
                if submit:
                    flash(
                        _("Your scores for %(ref)s are submitted. Thank you!", ref=assignment.nomination.reference),
                        "success",
                    )
                    return redirect(url_for("judging.index"))
                flash(_("Draft saved. You can come back to it until the round closes."), "success")
                return _back(assignment)
        else:
            flash(_("Some comments are too long: see the fields marked below. Nothing was saved."), "danger")
    # Shown again after a post, the sheet holds what was typed and saved nowhere: the browser keeps it.
    return _render_sheet(assignment, criteria, scales, form, stale_base=stale_base, unsaved=posted)


def _open_the_next(submitted: Assignment):
    """After "Submit and open the next": the judge's next nomination, or their list once nothing is left."""
    following = sheets_service.next_to_score(sheets_service.judge_work(current_user))
    done = submitted.nomination.reference
    if following is None:
        flash(
            _(
                "Your scores for %(ref)s are submitted. That was the last one: all your nominations in the open "
                "rounds are done. Thank you!",
                ref=done,
            ),
            "success",
        )
        return redirect(url_for("judging.index"))
    flash(
        _(
            "Your scores for %(ref)s are submitted. Here is the next nomination: %(next)s.",
            ref=done,
            next=following.nomination.reference,
        ),
        "success",
    )
    return _back(following)


def _render_sheet(assignment: Assignment, criteria, scales, form, stale_base: str | None = None, unsaved: bool = False):
    refusal = assignment.scoring_refusal(current_user)
    return _render(
        "judging/score_sheet.html",
        assignment,
        form=form,
        criteria=criteria,
        shares=rubrics_service.weight_shares_of(criteria),
        scales={s.criterion_id: s for s in scales},
        summary=sheets_service.sheet_summary(assignment, criteria),
        saved={s.criterion_id: s for s in (assignment.sheet.scores if assignment.sheet else [])},
        refusal=refusal,
        # Shown beside the inputs only: a sheet the judge can no longer change does not read them.
        descriptors={} if refusal else rubrics_service.descriptors_of(criteria),
        documents=documents_service.documents_of(assignment.nomination),
        stale_base=stale_base,
        unsaved=unsaved,
    )


def _render(template: str, assignment: Assignment, **context):
    nomination = assignment.nomination
    page = render_template(
        template,
        assignment=assignment,
        round=assignment.round,
        nomination=nomination,
        specs=fields_of(nomination),
        status=assignment.status,
        zone=_zone(),
        time_left=time_left,
        score_text=score_text,
        **context,
    )
    if template != "judging/recused.html":  # logged once the page is drawn: the log's commit reloads nothing
        access_log.note(current_user, "nomination", nomination)
    return page


@bp.route("/rounds/<int:round_id>/calibration/<int:category_id>")
@role_required(Role.JUDGE)
def calibration(round_id: int, category_id: int):
    """The judge's own calibration in a category, beside the panel's median, once theirs is complete; only theirs."""
    round_ = db.get_or_404(Round, round_id)
    category = db.get_or_404(Category, category_id)
    feedback = calibration_service.judge_feedback(current_user, round_, category)
    if feedback is None:
        abort(404)
    return render_template("judging/calibration.html", round=round_, category=category, feedback=feedback)


@bp.route("/assignments/<int:assignment_id>/autosave", methods=["POST"])
@role_required(Role.JUDGE)
def autosave(assignment_id: int):
    """Save the draft while the judge types (called by scoring.js); answer in JSON."""
    assignment = _own_assignment(assignment_id, to_show=False)
    zone = _zone()  # read before the commit, which expires the signed-in judge
    criteria = rubrics_service.criteria_of(assignment.round, assignment.nomination.category)
    form = score_sheet_form(criteria, rubrics_service.scales_of(criteria), assignment.sheet, request.form)
    if not form.validate():
        errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
        return jsonify(saved=False, message=_("Some comments are too long. Nothing was saved."), fields=errors), 422
    try:
        saved = sheets_service.autosave_sheet(assignment, current_user, form.to_input(), criteria)
    except sheets_service.ScoresRefused as refused:
        return jsonify(
            saved=False, message=str(refused.message), errors={str(k): str(v) for k, v in refused.errors.items()}
        ), 422
    except sheets_service.StaleSheet as stale:
        return jsonify(saved=False, stale=True, message=str(stale.message)), 409
    except NotAllowed as refusal:
        return jsonify(saved=False, message=str(refusal.message)), 403
    except ServiceError as error:
        return jsonify(saved=False, message=str(error.message)), 409
    badge = get_template_attribute("macros/status.html", "assignment_status")(saved.status)
    return jsonify(
        saved=True,
        version=saved.version,
        total=round(saved.total.value, 1),
        scored=saved.total.scored,
        criteria=saved.total.criteria,
        saved_at=saved.saved_at.isoformat(),
        status=_("Draft saved %(moment)s", moment=format_in_zone(saved.saved_at, zone)),
        badge=str(badge),  # the header's status badge: "To do" becomes "Draft" without a reload
    )


@bp.route("/assignments/<int:assignment_id>/declaration", methods=["POST"])
@role_required(Role.JUDGE)
def declare(assignment_id: int):
    """Declare no conflict of interest, or a conflict (which recuses the judge)."""
    assignment = _own_assignment(assignment_id)
    form = DeclarationForm()
    if not form.validate_on_submit():
        return _render("judging/declaration.html", assignment, form=form)
    try:
        conflicts_service.declare(assignment, current_user, form.has_conflict, form.reason.data or "")
    except ServiceError as error:
        flash_error(error)
    else:
        if form.has_conflict:
            flash(
                _(
                    "Your conflict of interest is recorded and you are recused from this nomination. "
                    "The secretariat will ask another judge."
                ),
                "info",
            )
        else:
            flash(_("Thank you. You can now score this nomination."), "success")
    return _back(assignment)


@bp.route("/assignments/<int:assignment_id>/vote", methods=["POST"])
@role_required(Role.JUDGE)
def vote(assignment_id: int):
    """Cast (or change) a committee vote."""
    assignment = _own_assignment(assignment_id)
    form = VoteForm()
    if not form.validate_on_submit():
        flash(_("Choose approve, reject or abstain."), "danger")
        return _back(assignment)
    try:
        votes_service.cast_vote(assignment, current_user, Vote(form.vote.data))
    except ServiceError as error:
        flash_error(error)
    else:
        flash(_("Your vote is recorded. You can change it until the round closes."), "success")
    return _back(assignment)


# --- scoring offline in Excel -----------------------------------------------------------------------


def _offline_round(round_id: int) -> Round:
    """A scoring round in which the signed-in judge has assignments (404 otherwise: nothing to see there)."""
    round_ = db.get_or_404(Round, round_id)
    if score_imports.offline_refusal(current_user, round_) is not None:
        abort(404)
    return round_


@bp.route("/rounds/<int:round_id>/offline.xlsx")
@role_required(Role.JUDGE)
def offline_workbook(round_id: int):
    """The judge's assignments of a round as an Excel workbook to score offline."""
    round_ = _offline_round(round_id)
    data = score_imports.score_workbook(current_user, round_, lambda moment: format_in_zone(moment, _zone()))
    name = f"{round_.edition.slug}-{round_.name}-scores".replace(" ", "-").lower()
    return send_file(io.BytesIO(data), as_attachment=True, download_name=f"{name}.xlsx", mimetype=XLSX, max_age=0)


@bp.route("/rounds/<int:round_id>/offline", methods=["GET", "POST"])
@role_required(Role.JUDGE)
def offline_upload(round_id: int):
    """Upload the filled-in offline workbook: every row is checked as the web form checks it, then saved."""
    round_ = _offline_round(round_id)
    form, problems = WorkbookUploadForm(), []
    if form.validate_on_submit():
        try:
            result = score_imports.import_scores(current_user, round_, form.workbook.data.read())
        except ImportRefused as error:
            flash_error(error)
            problems = error.problems
        except ServiceError as error:
            flash_error(error)
        else:
            flash(
                _(
                    "Workbook uploaded. Submitted: %(submitted)d; saved as drafts: %(saved)d; declarations "
                    "recorded: %(declared)d.",
                    submitted=result.created,
                    saved=result.updated,
                    declared=len(result.details),
                ),
                "success",
            )
            return redirect(url_for("judging.index"))
    return render_template("judging/offline.html", round=round_, form=form, problems=problems, zone=_zone())
