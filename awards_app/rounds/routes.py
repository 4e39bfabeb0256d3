"""The secretariat's judging pages: rounds, rubrics, assignments, conflicts and the panel's progress."""

from __future__ import annotations

import io
from decimal import Decimal

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
from markupsafe import Markup, escape
from sqlalchemy.orm import joinedload

from ..auth.access import role_required
from ..errors import flash_error
from ..extensions import db
from ..i18n import current_language
from ..models import (
    Assignment,
    Award,
    Category,
    Conflict,
    Criterion,
    Edition,
    LevelDescriptor,
    Nomination,
    Role,
    Round,
    RoundMode,
    User,
)
from ..paging import chosen_sort, paginate
from ..rules import REASON_CHARS, SEARCH_CHARS
from ..scoring import score_text
from ..services import ServiceError, access_log, results_cache
from ..services import assignments as assignments_service
from ..services import awards as awards_service
from ..services import committee as committee_service
from ..services import conflicts as conflicts_service
from ..services import descriptors as descriptors_service
from ..services import eligibility as eligibility_service
from ..services import export as export_service
from ..services import progress as progress_service
from ..services import publication as publication_service
from ..services import results as results_service
from ..services import rounds as rounds_service
from ..services import rubrics as rubrics_service
from ..services import season as season_service
from ..services import sheets as sheets_service
from ..services import uncertainty as uncertainty_service
from ..services import votes as votes_service
from ..services.programs import current_edition, edition_by_slug
from ..urls import safe_next
from .forms import (
    AdvanceForm,
    AdvanceTopForm,
    AutoAssignForm,
    ConflictForm,
    DescriptorForm,
    ManualAssignForm,
    OverrideForm,
    PublishForm,
    ReassignForm,
    RoundForm,
    RubricForm,
    WithdrawForm,
)

bp = Blueprint("rounds", __name__)


@bp.before_request
@role_required(Role.SECRETARIAT)
def guard():
    """Every page here is for the secretariat alone."""


def _edition() -> Edition:
    slug = request.args.get("edition")
    edition = edition_by_slug(slug) if slug else current_edition()
    if edition is None:
        abort(404)
    return edition


def _no_edition_yet() -> bool:
    return not request.args.get("edition") and current_edition() is None


def _create_an_edition_first():
    flash(_("Create an edition first."), "info")
    return redirect(url_for("secretariat.edition_create"))


def _round(round_id: int) -> Round:
    round_ = rounds_service.round_with_details(round_id)
    if round_ is None:
        abort(404)
    return round_


def _nominations_page(round_: Round):
    """The page of the round's nominations the request asks for: its filters, its order and the page itself."""
    category_id = request.args.get("category", type=int)
    state = request.args.get("state", "")
    filters = progress_service.RoundFilter(
        text=(request.args.get("q") or "").replace("\x00", "")[:SEARCH_CHARS],
        category_id=category_id if category_id in {c.id for c in round_.categories} else None,
        state=state if state in progress_service.ROUND_FILTER_STATES else "",
    )
    sort = chosen_sort(progress_service.ROUND_SORTS, "reference")
    page = paginate(progress_service.round_nomination_search(round_, filters, sort))
    return filters, sort, page


@bp.route("/")
def round_list():
    """List an edition's rounds in order."""
    if _no_edition_yet():
        return _create_an_edition_first()
    edition = _edition()
    rounds = rounds_service.rounds_of(edition)
    return render_template(
        "rounds/round_list.html",
        edition=edition,
        rounds=rounds,
        progress={r.id: progress_service.judge_progress(r) for r in rounds},
    )


@bp.route("/new", methods=["GET", "POST"])
def round_create():
    """Add a round to an edition (the current one unless the address names another)."""
    if _no_edition_yet():
        return _create_an_edition_first()
    edition = _edition()
    form = RoundForm(edition)
    if form.validate_on_submit():
        try:
            round_ = rounds_service.create_round(edition, form.to_input(), current_user)
        except ServiceError as error:
            flash_error(error)
        else:
            flash(_("Round created. Check its rubrics, then assign judges."), "success")
            return redirect(url_for("rounds.round_detail", round_id=round_.id))
    return render_template("rounds/round_form.html", form=form, edition=edition, round=None)


@bp.route("/<int:round_id>/open", methods=["POST"])
def open_round(round_id: int):
    """Open the round now rather than at its opening time, and tell its judges."""
    round_ = _round(round_id)
    try:
        told = season_service.open_round(round_, current_user)
    except ServiceError as error:
        flash_error(error)
    else:
        flash(
            ngettext(
                "The round is open: %(num)d judge was e-mailed their nominations and the deadline.",
                "The round is open: %(num)d judges were e-mailed their nominations and the deadline.",
                told,
            ),
            "success",
        )
    return redirect(url_for("rounds.round_detail", round_id=round_.id))


@bp.route("/<int:round_id>/edit", methods=["GET", "POST"])
def round_edit(round_id: int):
    """Change a round."""
    round_ = _round(round_id)
    form = RoundForm(round_.edition)
    if request.method == "GET":
        form.fill_from(round_)
    locked_changes = None
    if form.validate_on_submit():
        try:
            rounds_service.update_round(
                round_, form.to_input(), current_user, confirm_decision=bool(form.confirm_decision.data)
            )
        except rounds_service.DecisionLocked as locked:
            flash(str(locked.message), "warning")
            locked_changes = locked.changes
        except ServiceError as error:
            flash_error(error)
        else:
            flash(_("Round saved."), "success")
            return redirect(url_for("rounds.round_detail", round_id=round_.id))
    return render_template(
        "rounds/round_form.html",
        form=form,
        edition=round_.edition,
        round=round_,
        locked_changes=locked_changes,
        scores_in=rounds_service.round_has_submitted_scores(round_),
    )


@bp.route("/<int:round_id>")
def round_detail(round_id: int):
    """A round at a glance: its categories and rubrics, nominations, assignments and what comes next."""
    round_ = _round(round_id)
    panel = _panel_context(round_)
    later = [r for r in rounds_service.rounds_of(round_.edition) if r.position > round_.position]
    advance_form = AdvanceForm()
    advance_form.nominations.choices = [(n.id, n.reference or str(n.id)) for n in panel["page"].items]
    advance_form.to_round.choices = [(r.id, r.name) for r in later]
    top_form = AdvanceTopForm(prefix="top", places=round_.shortlist_count or 10)
    top_form.to_round.choices = advance_form.to_round.choices
    rubrics = {c.id: rubrics_service.criteria_of(round_, c) for c in round_.categories}
    locked = {c.id: rubrics_service.rubric_locked(round_, c) for c in round_.categories}
    shares = {c.id: rubrics_service.weight_shares_of(rubrics[c.id]) for c in round_.categories}
    return render_template(
        "rounds/round_detail.html",
        shares=shares,
        **panel,
        later=later,
        advance_form=advance_form,
        top_form=top_form,
        rubrics=rubrics,
        locked=locked,
        first=rounds_service.is_first_round(round_),
        unchecked_judges=eligibility_service.judges_escaping_conflict_rules(),
    )


def _panel_context(round_: Round) -> dict:
    """What a round's overview and its progress page both show: the round's counts, each judge's progress, and the
    chosen page of nominations with theirs (and the filters and order that chose it)."""
    filters, sort, page = _nominations_page(round_)
    return {
        "round": round_,
        "summary": progress_service.round_summary(round_),
        "judges_progress": progress_service.judge_progress(round_),
        "nominations_progress": progress_service.nominations_progress(round_, page.items),
        "page": page,
        "filters": filters,
        "sort": sort,
    }


@bp.route("/<int:round_id>/rubrics/<int:category_id>", methods=["GET", "POST"])
def rubric_edit(round_id: int, category_id: int):
    """Edit the criteria, weights and scales of one category in one round."""
    round_ = _round(round_id)
    category = db.get_or_404(Category, category_id)
    if category not in round_.categories or round_.mode is RoundMode.COMMITTEE:
        abort(404)
    form = RubricForm()
    if request.method == "GET":
        form.fill_from(rubrics_service.criteria_of(round_, category))
        form.opened.data = rubrics_service.rubric_fingerprint(rubrics_service.criteria_of(round_, category))
    locked = rubrics_service.rubric_locked(round_, category)
    if form.validate_on_submit():
        try:
            rubrics_service.save_rubric(
                round_,
                category,
                form.to_input(),
                current_user,
                confirm_reopen=bool(form.confirm_reopen.data),
                opened=form.opened.data or None,
            )
        except rubrics_service.StaleRubric as stale:
            # The form keeps what this person typed; saving again now knowingly replaces the other version.
            flash(
                str(stale.message)
                + " "
                + _(
                    "Your version is still below: save again to replace theirs with it, "
                    "or open the rubric anew to see their change first."
                ),
                "danger",
            )
            form.opened.data = rubrics_service.rubric_fingerprint(rubrics_service.criteria_of(round_, category))
        except ServiceError as error:
            flash_error(error)
        else:
            flash(_("Rubric saved."), "success")
            return redirect(url_for("rounds.round_detail", round_id=round_.id))
    criteria = rubrics_service.criteria_of(round_, category)
    shares = rubrics_service.weight_shares_of(criteria)
    return render_template(
        "rounds/rubric_form.html",
        form=form,
        round=round_,
        category=category,
        locked=locked,
        shares=shares,
        criteria=criteria,
        descriptors=rubrics_service.descriptors_of(criteria),
    )


def _criterion(round_id: int, category_id: int, criterion_id: int) -> tuple[Round, Criterion]:
    round_ = _round(round_id)
    criterion = db.get_or_404(Criterion, criterion_id)
    if criterion.round_id != round_.id or criterion.category_id != category_id or round_.mode is RoundMode.COMMITTEE:
        abort(404)
    return round_, criterion


def _descriptor(criterion: Criterion, descriptor_id: int) -> LevelDescriptor:
    descriptor = db.get_or_404(LevelDescriptor, descriptor_id)
    if descriptor.criterion_id != criterion.id:
        abort(404)
    return descriptor


@bp.route("/<int:round_id>/rubrics/<int:category_id>/criteria/<int:criterion_id>/descriptors", methods=["GET", "POST"])
@bp.route(
    "/<int:round_id>/rubrics/<int:category_id>/criteria/<int:criterion_id>/descriptors/<int:descriptor_id>",
    methods=["GET", "POST"],
)
def descriptors_edit(round_id: int, category_id: int, criterion_id: int, descriptor_id: int | None = None):
    """A criterion's level descriptors: add one, or change the one chosen."""
    round_, criterion = _criterion(round_id, category_id, criterion_id)
    descriptor = _descriptor(criterion, descriptor_id) if descriptor_id is not None else None
    form = DescriptorForm()
    if request.method == "GET" and descriptor is not None:
        form.lowest.data, form.highest.data = (
            Decimal(score_text(descriptor.lowest)),
            Decimal(score_text(descriptor.highest)),
        )
        form.text_en.data, form.text_ko.data = descriptor.text_en, descriptor.text_ko
    here = url_for("rounds.descriptors_edit", round_id=round_.id, category_id=category_id, criterion_id=criterion.id)
    if form.validate_on_submit():
        try:
            if descriptor is None:
                descriptors_service.add_descriptor(criterion, form.to_input(), current_user)
            else:
                descriptors_service.update_descriptor(descriptor, form.to_input(), current_user)
        except ServiceError as error:
            flash_error(error)
        else:
            flash(_("Descriptor saved."), "success")
            return redirect(here)
    return render_template(
        "rounds/descriptor_form.html",
        form=form,
        round=round_,
        category=criterion.category,
        criterion=criterion,
        descriptor=descriptor,
        descriptors=rubrics_service.descriptors_of([criterion])[criterion.id],
        locked=rubrics_service.rubric_locked(round_, criterion.category),
        score_text=score_text,
    )


@bp.route(
    "/<int:round_id>/rubrics/<int:category_id>/criteria/<int:criterion_id>/descriptors/<int:descriptor_id>/remove",
    methods=["POST"],
)
def descriptor_remove(round_id: int, category_id: int, criterion_id: int, descriptor_id: int):
    """Remove one of a criterion's level descriptors."""
    round_, criterion = _criterion(round_id, category_id, criterion_id)
    descriptor = _descriptor(criterion, descriptor_id)
    try:
        descriptors_service.remove_descriptor(descriptor, current_user)
    except ServiceError as error:
        flash_error(error)
    else:
        flash(_("Descriptor removed."), "info")
    return redirect(
        url_for("rounds.descriptors_edit", round_id=round_.id, category_id=category_id, criterion_id=criterion.id)
    )


# --- assignments ------------------------------------------------------------------------------------


def _assignment_forms(
    round_: Round, nominations: list[tuple[int, str]], panel: list[User], held: dict[int, int] | None = None
):
    manual = ManualAssignForm(prefix="manual")
    manual.nominations.choices = nominations
    manual.judges.choices = [
        (
            j.id,
            f"{j.name} ({j.country_code or '—'})"
            + (f" · {held.get(j.id, 0)}" if held is not None else "")
            + (f" · {_('profile incomplete')}" if j.missing_conflict_details else ""),
        )
        for j in panel
    ]
    return manual, AutoAssignForm(prefix="auto")


@bp.route("/<int:round_id>/assignments", methods=["GET"])
def assignments(round_id: int):
    """Who judges what in this round, with the tools to assign, remove and reassign."""
    round_ = _round(round_id)
    filters, sort, page = _nominations_page(round_)
    panel = eligibility_service.judges()
    held = eligibility_service.loads(round_)
    # Assigning by hand offers the nominations of this page: the filters and the search find the others.
    manual, auto = _assignment_forms(
        round_, [(n.id, f"{n.reference} · {n.title[:60]}") for n in page.items], panel, held
    )
    reassign = ReassignForm()
    reassign.judge.choices = [(j.id, j.name) for j in panel]
    return render_template(
        "rounds/assignments.html",
        round=round_,
        manual=manual,
        auto=auto,
        summary=progress_service.round_summary(round_),
        nominations_progress=progress_service.nominations_progress(round_, page.items),
        page=page,
        filters=filters,
        sort=sort,
        reassign=reassign,
        panel=panel,
        unchecked_judges=eligibility_service.judges_escaping_conflict_rules(panel),
        known=eligibility_service.known_conflicts(round_) if not round_.is_closed() else [],
        tied_judges=[j for j in panel if j.declared_tie_list],
        offers=eligibility_service.offers(round_, page.items, panel),
    )


@bp.route("/<int:round_id>/assignments/manual", methods=["POST"])
def assign_manual(round_id: int):
    """Assign the chosen judges to the chosen nominations."""
    round_ = _round(round_id)
    manual, _auto = _assignment_forms(
        round_, rounds_service.round_nomination_choices(round_), eligibility_service.judges()
    )
    if not manual.validate_on_submit():
        for errors in manual.errors.values():
            for message in errors:
                flash(str(message), "danger")
        return redirect(safe_next(url_for("rounds.assignments", round_id=round_.id)))
    try:
        added, refused = assignments_service.assign_manually(
            round_, manual.nominations.data, manual.judges.data, current_user
        )
    except ServiceError as error:
        flash_error(error)
    else:
        flash(_("%(n)d assignments added.", n=added), "success")
        for judge, nomination, reason in refused:
            flash(
                _(
                    "%(judge)s was not assigned %(ref)s: %(reason)s.",
                    judge=judge.name,
                    ref=nomination.reference,
                    reason=reason,
                ),
                "warning",
            )
        _flash_profiles_to_complete(list({j.id: j for j, _n, _r in refused if j.missing_conflict_details}.values()))
    return redirect(safe_next(url_for("rounds.assignments", round_id=round_.id)))


def _flash_profiles_to_complete(judges: list[User]) -> None:
    """Link to the profile of each judge refused for lacking an organisation or a country, to complete it."""
    if not judges:
        return
    links = Markup(", ").join(
        Markup('<a href="{}" class="alert-link">{}</a>').format(url_for("secretariat.user_edit", user_id=j.id), j.name)
        for j in judges
    )
    # The sentence is escaped, then the links (whose names are escaped) go into it.
    flash(
        escape(_("Complete the profile, then assign again: %(links)s.", links="{links}")).format(links=links), "warning"
    )


@bp.route("/<int:round_id>/assignments/automatic", methods=["POST"])
def assign_automatic(round_id: int):
    """Fill every nomination up to the panel size, evenly and without conflicts."""
    round_ = _round(round_id)
    form = AutoAssignForm(prefix="auto")
    if not form.validate_on_submit():
        flash(_("The seed must be a whole number."), "danger")
        return redirect(safe_next(url_for("rounds.assignments", round_id=round_.id)))
    try:
        result = assignments_service.assign_automatically(round_, current_user, seed=form.seed.data)
    except ServiceError as error:
        flash_error(error)
        return redirect(safe_next(url_for("rounds.assignments", round_id=round_.id)))
    flash(_("%(n)d assignments added automatically.", n=result.added), "success")
    for nomination, missing, reason in result.shortfalls[:20]:
        flash(
            _("%(ref)s still lacks %(n)d judge(s): %(reason)s.", ref=nomination.reference, n=missing, reason=reason),
            "warning",
        )
    if len(result.shortfalls) > 20:
        flash(_("… and %(n)d more nominations are short of judges.", n=len(result.shortfalls) - 20), "warning")
    if result.unchecked_judges:
        flash(
            _(
                "%(names)s were given nothing: without an organisation and a country in their profile the conflict "
                "rules cannot check them.",
                names=", ".join(j.name for j in result.unchecked_judges),
            ),
            "warning",
        )
        _flash_profiles_to_complete(result.unchecked_judges)
    return redirect(safe_next(url_for("rounds.assignments", round_id=round_.id)))


@bp.route("/assignments/<int:assignment_id>/remove", methods=["POST"])
def assignment_remove(assignment_id: int):
    """Take a nomination away from a judge who has not started on it."""
    assignment = db.get_or_404(Assignment, assignment_id)
    round_id = assignment.round_id
    try:
        assignments_service.remove_assignment(assignment, current_user)
    except ServiceError as error:
        flash_error(error)
    else:
        flash(_("Assignment removed."), "info")
    return redirect(safe_next(url_for("rounds.assignments", round_id=round_id)))


@bp.route("/assignments/<int:assignment_id>/reassign", methods=["POST"])
def assignment_reassign(assignment_id: int):
    """Give a nomination to another judge."""
    assignment = db.get_or_404(Assignment, assignment_id)
    round_id = assignment.round_id
    form = ReassignForm()
    form.judge.choices = [(j.id, j.name) for j in eligibility_service.judges()]
    if not form.validate_on_submit():
        flash(_("Choose a judge from the list."), "danger")
        return redirect(safe_next(url_for("rounds.assignments", round_id=round_id)))
    new_judge = db.session.get(User, form.judge.data)
    try:
        replacement = assignments_service.reassign(assignment, new_judge, current_user)
    except ServiceError as error:
        flash_error(error)
        if new_judge is not None and new_judge.missing_conflict_details:
            _flash_profiles_to_complete([new_judge])
    else:
        flash(
            _("%(ref)s now goes to %(name)s.", ref=replacement.nomination.reference, name=replacement.judge.name),
            "success",
        )
    return redirect(safe_next(url_for("rounds.assignments", round_id=round_id)))


@bp.route("/<int:round_id>/nominations/<int:nomination_id>/replacement", methods=["POST"])
def assign_replacement(round_id: int, nomination_id: int):
    """Give a nomination short of judges the judges it lacks, by the automatic assignment's rules."""
    round_ = _round(round_id)
    nomination = db.get_or_404(Nomination, nomination_id)
    try:
        result = assignments_service.assign_replacement(round_, nomination, current_user)
    except ServiceError as error:
        flash_error(error)
    else:
        if result.added:
            flash(
                _(
                    "%(ref)s: %(names)s assigned and e-mailed.",
                    ref=nomination.reference,
                    names=", ".join(a.judge.name for a in result.added),
                ),
                "success",
            )
        if result.missing:
            flash(
                _(
                    "%(ref)s still lacks %(n)d judge(s): %(reason)s.",
                    ref=nomination.reference,
                    n=result.missing,
                    reason=result.reason,
                ),
                "warning",
            )
            _flash_profiles_to_complete(eligibility_service.judges_escaping_conflict_rules())
    return redirect(safe_next(url_for("rounds.progress", round_id=round_.id)))


@bp.route("/assignments/<int:assignment_id>/waive", methods=["POST"])
def assignment_waive(assignment_id: int):
    """Let an unfinished sheet stay unfinished, with the reason."""
    assignment = db.get_or_404(Assignment, assignment_id)
    reason = request.form.get("reason", "").replace("\x00", "")[:REASON_CHARS]
    try:
        assignments_service.waive_assignment(assignment, current_user, reason)
    except ServiceError as error:
        flash_error(error)
    else:
        flash(
            _(
                "%(ref)s: the sheet of %(name)s is waived.",
                ref=assignment.nomination.reference,
                name=assignment.judge.name,
            ),
            "info",
        )
    return redirect(safe_next(url_for("rounds.progress", round_id=assignment.round_id)))


@bp.route("/assignments/<int:assignment_id>/reopen", methods=["POST"])
def assignment_reopen(assignment_id: int):
    """Reopen a judge's submitted scores."""
    assignment = db.get_or_404(Assignment, assignment_id)
    try:
        sheets_service.reopen_sheet(assignment, current_user)
    except ServiceError as error:
        flash_error(error)
    else:
        flash(_("The scores of %(name)s are open again.", name=assignment.judge.name), "success")
    return redirect(safe_next(url_for("rounds.progress", round_id=assignment.round_id)))


# --- progress, reminders, conflicts, advancing -----------------------------------------------------


@bp.route("/<int:round_id>/progress")
def progress(round_id: int):
    """The panel's progress: per judge, per nomination, and the committee's counts."""
    round_ = _round(round_id)
    panel = _panel_context(round_)
    shown = [n.id for n in panel["page"].items]
    totals = progress_service.judge_totals(round_, shown) if round_.mode is RoundMode.SCORING else {}
    votes = votes_service.vote_counts(round_) if round_.mode is RoundMode.COMMITTEE else {}
    return render_template(
        "rounds/progress.html",
        **panel,
        totals=totals,
        votes=votes,
        late=rounds_service.is_late(round_),
    )


@bp.route("/<int:round_id>/remind", methods=["POST"])
def remind(round_id: int):
    """E-mail every judge with unfinished work."""
    round_ = _round(round_id)
    try:
        count = progress_service.send_reminders(round_, current_user)
    except ServiceError as error:
        flash_error(error)
    else:
        flash(
            _("Reminders sent to %(n)d judge(s).", n=count) if count else _("Every judge is done: nobody to remind."),
            "success",
        )
    return redirect(safe_next(url_for("rounds.progress", round_id=round_.id)))


@bp.route("/<int:round_id>/conflicts", methods=["GET", "POST"])
def conflicts(round_id: int):
    """Declared and recorded conflicts of interest for this round's nominations, and recording a new one."""
    round_ = _round(round_id)
    form = ConflictForm()
    form.judge.choices = [(j.id, j.name) for j in eligibility_service.judges()]
    form.nomination.choices = rounds_service.round_nomination_choices(round_)
    if form.validate_on_submit():
        judge = db.session.get(User, form.judge.data)
        nomination = db.session.get(Nomination, form.nomination.data)
        try:
            conflicts_service.record_conflict(judge, nomination, form.reason.data, current_user)
        except ServiceError as error:
            flash_error(error)
        else:
            flash(
                _("Conflict recorded: %(name)s is recused from %(ref)s.", name=judge.name, ref=nomination.reference),
                "success",
            )
            return redirect(url_for("rounds.conflicts", round_id=round_.id))
    in_round = rounds_service.round_nominations_query(round_).with_only_columns(Nomination.id).order_by(None)
    listed = db.session.scalars(
        sa.select(Conflict)
        .where(Conflict.nomination_id.in_(in_round))
        .options(joinedload(Conflict.judge), joinedload(Conflict.nomination), joinedload(Conflict.recorded_by))
        .order_by(Conflict.recorded_at.desc(), Conflict.id.desc())
    ).all()
    return render_template(
        "rounds/conflicts.html",
        round=round_,
        form=form,
        conflicts=listed,
        tied_judges=[j for j in eligibility_service.judges() if j.declared_tie_list],
    )


@bp.route("/<int:round_id>/advance-top", methods=["POST"])
def advance_top(round_id: int):
    """Take the top places of each category, by this round's ranking, into a later round."""
    round_ = _round(round_id)
    form = AdvanceTopForm(prefix="top")
    form.to_round.choices = [
        (r.id, r.name) for r in rounds_service.rounds_of(round_.edition) if r.position > round_.position
    ]
    if not form.validate_on_submit():
        flash(_("Give the number of places and the round they go to."), "danger")
        return redirect(url_for("rounds.round_detail", round_id=round_.id))
    target = db.session.get(Round, form.to_round.data)
    try:
        added = results_service.advance_top(round_, target, form.places.data, current_user)
    except ServiceError as error:
        flash_error(error)
    else:
        flash(_("%(n)d nominations advanced to %(round)s.", n=added, round=target.name), "success")
    return redirect(url_for("rounds.round_detail", round_id=round_.id))


@bp.route("/<int:round_id>/advance", methods=["POST"])
def advance(round_id: int):
    """Take the chosen nominations into a later round."""
    round_ = _round(round_id)
    form = AdvanceForm()
    form.nominations.choices = rounds_service.round_nomination_choices(round_)
    form.to_round.choices = [
        (r.id, r.name) for r in rounds_service.rounds_of(round_.edition) if r.position > round_.position
    ]
    if not form.validate_on_submit():
        flash(_("Choose the nominations to advance and the round they go to."), "danger")
        return redirect(url_for("rounds.round_detail", round_id=round_.id))
    target = db.session.get(Round, form.to_round.data)
    try:
        added = rounds_service.advance(round_, target, form.nominations.data, current_user)
    except ServiceError as error:
        flash_error(error)
    else:
        flash(_("%(n)d nominations advanced to %(round)s.", n=added, round=target.name), "success")
    return redirect(url_for("rounds.round_detail", round_id=round_.id))


@bp.route("/<int:round_id>/results")
def results(round_id: int):
    """The ranking of one category of the round, its robustness under every method, and the judges' behaviour."""
    round_ = _round(round_id)
    if round_.mode is RoundMode.COMMITTEE:
        return _committee_results(round_)
    category = _results_category(round_, request.args.get("category", type=int))
    uncertainty_service.start_when_closed(round_)
    results = results_service.category_results(round_, category)
    charts = results_service.charts_of(results)
    return render_template(
        "rounds/results.html",
        round=round_,
        category=category,
        results=results,
        charts=charts,
        drawn=_drawn_charts(results, charts),
        awards=awards_service.awards_of(round_, category),
        tier_view=awards_service.tier_view(round_, category, results),
        fit=uncertainty_service.fit_state(round_),
        expected={int(r.nomination_id): r for r in results.uncertainty.ranks.itertuples()}
        if results.uncertainty
        else {},
        override=_override_form(category, results),
    )


@bp.route("/<int:round_id>/uncertainty", methods=["POST"])
def uncertainty_request(round_id: int):
    """Start the uncertainty model on the round's current scores, in the background."""
    round_ = _round(round_id)
    category_id = request.form.get("category", type=int)
    try:
        uncertainty_service.request_fit(round_, current_user)
    except ServiceError as error:
        flash_error(error)
    else:
        flash(_("The uncertainty model is running; this page shows its progress."), "info")
    return redirect(url_for("rounds.results", round_id=round_.id, category=category_id) + "#uncertainty")


@bp.route("/<int:round_id>/uncertainty.json")
def uncertainty_status(round_id: int):
    """Where the round's uncertainty model is: for the results page to follow its progress."""
    round_ = _round(round_id)
    state = uncertainty_service.fit_state(round_)
    fit = state.fit
    return jsonify(
        status=fit.status.value if fit else "none",
        progress=fit.progress if fit else 0,
        stage=fit.stage if fit else "",
        current=state.current,
        usable=state.usable,
        message=fit.message if fit else "",
    )


#: The results page's charts: what the page calls each, its macro in rounds/_charts.html, and whether the macro also
#: takes the award cut line.
_CHARTS = (("spread", "score_spread", True), ("severity", "severity", False), ("robustness", "robustness", True))


def _drawn_charts(results: results_service.CategoryResults, charts) -> dict[str, str]:
    """The charts of a category's results as SVG markup, drawn once for the results' key in each language.

    The charts are most of the page's work; their markup depends only on the results (whose key says the data, the
    method, the cuts and the tiers) and the language of their labels, so it is kept beside the results."""
    language = current_language()
    key = ("charts-html", results.key, language)
    drawn = results_cache.recall(key) if results.key else None
    if drawn is None:
        cut = results_service.award_cut(results.category)
        drawn = {
            name: get_template_attribute("rounds/_charts.html", macro)(
                getattr(charts, name), *([cut] if with_cut else [])
            )
            for name, macro, with_cut in _CHARTS
        }
        if results.uncertainty:
            drawn["intervals"] = get_template_attribute("rounds/_charts.html", "rank_intervals")(charts.intervals)
        if results.key:
            results_cache.keep(key, drawn)
    return drawn


def _results_category(round_: Round, category_id: int | None) -> Category:
    if not round_.categories:
        abort(404)
    return next((c for c in round_.categories if c.id == category_id), round_.categories[0])


def _committee_override_form(round_: Round) -> OverrideForm:
    form = OverrideForm(prefix="override")
    form.nomination.choices = [
        (line.nomination.id, f"{line.nomination.reference} · {line.nomination.title[:50]}")
        for line in committee_service.sitting(round_)
    ]
    form.tier.choices = [(0, _("No award"))] + [
        (t.id, f"{c.code} · {t.name(current_language())}") for c in round_.categories for t in c.tiers
    ]
    return form


def _committee_results(round_: Round):
    lines = committee_service.sitting(round_)
    form = _committee_override_form(round_)
    awards = {a.nomination_id: a for a in db.session.scalars(sa.select(Award).where(Award.round_id == round_.id))}
    plans = {c.id: committee_service.commendation_plan(round_, c) for c in round_.categories}
    return render_template(
        "rounds/committee_results.html",
        round=round_,
        lines=lines,
        awards=awards,
        plans=plans,
        override=form,
        rules=committee_service.RULES_IN_WORDS,
    )


@bp.route("/<int:round_id>/sitting/close", methods=["POST"])
def close_sitting(round_id: int):
    """Close the committee's sitting: the votes are frozen."""
    round_ = _round(round_id)
    if request.form.get("confirm") != "y":
        flash(_("Tick the box to close the sitting: votes can no longer change afterwards."), "warning")
    else:
        try:
            committee_service.close_sitting(round_, current_user)
        except ServiceError as error:
            flash_error(error)
        else:
            flash(_("The sitting is closed: the votes are final."), "success")
    return redirect(url_for("rounds.results", round_id=round_.id))


@bp.route("/<int:round_id>/sitting/commendations", methods=["POST"])
def give_commendations(round_id: int):
    """Give the commendations to the nominations that passed."""
    round_ = _round(round_id)
    category = _results_category(round_, request.form.get("category", type=int))
    try:
        given, held = committee_service.give_commendations(round_, category, current_user)
    except ServiceError as error:
        flash_error(error)
    else:
        flash(ngettext("%(num)d commendation given.", "%(num)d commendations given.", given), "success")
        if held:
            flash(
                ngettext(
                    "%(num)d place is left to the committee: see the list below.",
                    "%(num)d places are left to the committee: see the list below.",
                    held,
                ),
                "warning",
            )
    return redirect(url_for("rounds.results", round_id=round_.id))


@bp.route("/<int:round_id>/sitting/minutes.txt")
def sitting_minutes(round_id: int):
    """The minutes of the committee's sitting, in Korean and English."""
    round_ = _round(round_id)
    if round_.mode is not RoundMode.COMMITTEE:
        abort(404)
    name = f"{round_.edition.slug}-{round_.name}-minutes".replace(" ", "-").lower()
    return send_file(
        io.BytesIO(committee_service.minutes(round_).encode("utf-8")),
        as_attachment=True,
        download_name=f"{name}.txt",
        mimetype="text/plain; charset=utf-8",
        max_age=0,
    )


def _override_form(category: Category, results) -> OverrideForm:
    form = OverrideForm(prefix="override")
    form.nomination.choices = [
        (int(r.nomination_id), f"{r.rank}. {r.reference} · {r.title[:50]}") for r in results.ranking_rows
    ]
    form.tier.choices = [(0, _("No award"))] + [(t.id, t.name(current_language())) for t in category.tiers]
    return form


@bp.route("/<int:round_id>/results/awards", methods=["POST"])
def assign_awards(round_id: int):
    """Give the category's award tiers in rank order."""
    round_ = _round(round_id)
    category = _results_category(round_, request.form.get("category", type=int))
    try:
        given, held = awards_service.assign_tiers(round_, category, current_user)
    except ServiceError as error:
        flash_error(error)
    else:
        flash(_("%(n)d awards given in rank order.", n=given), "success")
        if held:
            flash(
                ngettext(
                    "%(num)d place is left to the committee: see the list below.",
                    "%(num)d places are left to the committee: see the list below.",
                    held,
                ),
                "warning",
            )
    return redirect(url_for("rounds.results", round_id=round_.id, category=category.id))


@bp.route("/<int:round_id>/results/override", methods=["POST"])
def override_award(round_id: int):
    """Give a nomination another tier than the rank order, with the reason."""
    round_ = _round(round_id)
    category = _results_category(round_, request.form.get("category", type=int))
    if round_.mode is RoundMode.COMMITTEE:
        form = _committee_override_form(round_)
    else:
        form = _override_form(category, results_service.category_results(round_, category))
    if not form.validate_on_submit():
        flash(_("Choose a nomination and a tier, and give the reason."), "danger")
        return redirect(url_for("rounds.results", round_id=round_.id, category=category.id))
    # A committee's form offers the tiers of every category of the round (the service checks the nomination's).
    offered = round_.categories if round_.mode is RoundMode.COMMITTEE else [category]
    tier = next((t for c in offered for t in c.tiers if t.id == form.tier.data), None)
    try:
        awards_service.override_award(
            round_, db.session.get(Nomination, form.nomination.data), tier, form.reason.data, current_user
        )
    except ServiceError as error:
        flash_error(error)
    else:
        flash(_("Award changed; the reason is recorded."), "success")
    return redirect(url_for("rounds.results", round_id=round_.id, category=category.id))


@bp.route("/<int:round_id>/results/publish", methods=["GET", "POST"])
def publish(round_id: int):
    """Publish the edition's results, after a page that says what will be shown to whom."""
    round_ = _round(round_id)
    edition = round_.edition
    form = PublishForm()
    if form.validate_on_submit():
        try:
            told = publication_service.publish(edition, current_user)
        except ServiceError as error:
            flash_error(error)
        else:
            flash(
                ngettext(
                    "The results are published; the applicants of %(num)d nomination are being told.",
                    "The results are published; the applicants of %(num)d nominations are being told.",
                    told,
                ),
                "success",
            )
            return redirect(url_for("rounds.results", round_id=round_.id))
    return render_template(
        "rounds/publish.html",
        round=round_,
        edition=edition,
        form=form,
        check=publication_service.check(edition),
        withdraw_form=WithdrawForm(),
        history=publication_service.history(edition),
    )


@bp.route("/<int:round_id>/results/withdraw", methods=["POST"])
def withdraw(round_id: int):
    """Take the published results back, with the reason."""
    round_ = _round(round_id)
    form = WithdrawForm()
    if not form.validate_on_submit():
        flash(_("Say why the publication is withdrawn."), "danger")
        return redirect(url_for("rounds.publish", round_id=round_.id))
    try:
        publication_service.withdraw(round_.edition, current_user, form.reason.data)
    except ServiceError as error:
        flash_error(error)
    else:
        flash(
            _("The publication is withdrawn: applicants no longer see a result, and awards can change again."),
            "warning",
        )
    return redirect(url_for("rounds.publish", round_id=round_.id))


@bp.route("/<int:round_id>/results.xlsx")
def results_workbook(round_id: int):
    """Download the round's results as the committee's Excel workbook."""
    round_ = _round(round_id)
    data = export_service.round_workbook(round_)
    name = f"{round_.edition.slug}-{round_.name}".replace(" ", "-").lower()
    access_log.note(current_user, "export", detail=f"{name}.xlsx")
    return send_file(
        io.BytesIO(data),
        as_attachment=True,
        download_name=f"{name}.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        max_age=0,
    )


@bp.route("/<int:round_id>/rankings.csv")
def results_csv(round_id: int):
    """Download the round's rankings (the workbook's Rankings sheet) as CSV."""
    round_ = _round(round_id)
    name = f"{round_.edition.slug}-{round_.name}-rankings".replace(" ", "-").lower()
    access_log.note(current_user, "export", detail=f"{name}.csv")
    return send_file(
        io.BytesIO(export_service.rankings_csv(round_)),
        as_attachment=True,
        download_name=f"{name}.csv",
        mimetype="text/csv",
        max_age=0,
    )
