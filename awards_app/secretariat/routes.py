"""The secretariat's side: editions and categories, screening nominations, people and the audit trail."""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import joinedload, lazyload, selectinload

from ..auth.access import role_required
from ..errors import flash_error
from ..extensions import db
from ..forms import JudgeProfileForm, WorkbookUploadForm
from ..i18n import current_language
from ..models import (
    AuditEvent,
    Category,
    Edition,
    Nomination,
    NominationStatus,
    Organisation,
    OrganisationType,
    Role,
    User,
    UserRole,
    utcnow,
)
from ..paging import chosen_sort, paginate
from ..regions import COUNTRY_CODES, Region
from ..rules import SEARCH_CHARS
from ..services import ServiceError, access_log
from ..services import accounts as accounts_service
from ..services import edition_copy as edition_copy_service
from ..services import erasure as erasure_service
from ..services import mail as mail_service
from ..services import nominations as nominations_service
from ..services import nominee_consent as nominee_consent_service
from ..services import privacy as privacy_service
from ..services import programs as programs_service
from ..services import rounds as rounds_service
from ..services import season as season_service
from ..services.entry_forms import fields_of
from ..services.imports import XLSX, ImportRefused
from ..services.imports import judges as judge_imports
from ..services.imports import nominations as nomination_imports
from ..services.judge_profile import DetailsRefused
from .forms import (
    CategoryForm,
    EditionCopyForm,
    EditionForm,
    InviteForm,
    NominationFilterForm,
    NominationImportForm,
    PaperConsentForm,
    PrivacyNoticeForm,
    PurgeForm,
    ScreeningForm,
    SourceEditionForm,
)

bp = Blueprint("secretariat", __name__)


@bp.before_request
@role_required(Role.SECRETARIAT)
def guard():
    """Every page here is for the secretariat alone."""


def _edition_from_args() -> Edition | None:
    slug = request.args.get("edition")
    if slug:
        edition = programs_service.edition_by_slug(slug)
        if edition is None:
            abort(404)
        return edition
    return programs_service.current_edition()


@bp.route("/")
def dashboard():
    """Show the current edition at a glance: its call and its nominations by category and status."""
    edition = _edition_from_args()
    editions = db.session.scalars(sa.select(Edition).order_by(Edition.year.desc(), Edition.id.desc())).all()
    counts = nominations_service.status_counts(edition.id) if edition else {}
    to_screen = sum(n for (_category, status), n in counts.items() if status is NominationStatus.SUBMITTED)
    return render_template(
        "secretariat/dashboard.html",
        edition=edition,
        editions=editions,
        counts=counts,
        statuses=list(NominationStatus),
        to_screen=to_screen,
        undelivered_mail=mail_service.undelivered_count(),
    )


# --- editions and categories ---------------------------------------------------------------------


@bp.route("/editions")
def edition_list():
    """List every edition."""
    editions = db.session.scalars(
        sa.select(Edition).order_by(Edition.year.desc(), Edition.id.desc()).options(selectinload(Edition.categories))
    ).all()
    return render_template("secretariat/edition_list.html", editions=editions)


def _editions() -> list[Edition]:
    return list(db.session.scalars(sa.select(Edition).order_by(Edition.year.desc(), Edition.id.desc())))


@bp.route("/editions/new", methods=["GET", "POST"])
def edition_create():
    """Create an edition, or choose an earlier one to copy."""
    form = EditionForm()
    if form.validate_on_submit():
        try:
            edition = programs_service.create_edition(form.to_input(), current_user)
        except ServiceError as error:
            flash_error(error)
        else:
            flash(_("Edition created. Now add its categories."), "success")
            return redirect(url_for("secretariat.edition_detail", edition_id=edition.id))
    if not form.is_submitted():
        form.propose(programs_service.proposed_year())
    source_form = SourceEditionForm(_editions(), formdata=None)
    return render_template("secretariat/edition_form.html", form=form, edition=None, source_form=source_form)


@bp.route("/editions/new/from")
def edition_copy_choose():
    """Go on to copy the earlier edition chosen on the new-edition page."""
    source_form = SourceEditionForm(_editions(), formdata=request.args)
    if source_form.validate():
        return redirect(url_for("secretariat.edition_copy", edition_id=source_form.source.data))
    return render_template(
        "secretariat/edition_form.html", form=EditionForm(formdata=None), edition=None, source_form=source_form
    )


@bp.route("/editions/<int:edition_id>/copy", methods=["GET", "POST"])
def edition_copy(edition_id: int):
    """Create a new edition from this one, its names, short name and call proposed a year on."""
    source = db.get_or_404(Edition, edition_id)
    form = EditionCopyForm()
    if request.method == "GET":
        form.fill_from_proposal(edition_copy_service.propose_copy(source))
    if form.validate_on_submit():
        try:
            copied = edition_copy_service.copy_edition(source, current_user, form.to_copy_input(source.time_zone))
        except programs_service.EditionRefused as error:
            field = getattr(form, error.field, None)
            if field is None:
                flash_error(error)
            else:
                field.errors.append(str(error.message))
        else:
            contents = copied.contents
            flash(
                _(
                    "%(edition)s created from %(source)s. Copied: %(categories)s, %(tiers)s, %(rounds)s, "
                    "%(criteria)s and %(descriptors)s, with who may enter, the entry forms and the rounds' "
                    "settings. No nominations, judges, scores or awards were copied. Every date moved one year "
                    "on: review the call's dates here and each round's on the rounds page.",
                    edition=copied.edition.local_name(current_language()),
                    source=source.local_name(current_language()),
                    categories=ngettext("%(num)d category", "%(num)d categories", contents.categories),
                    tiers=ngettext("%(num)d award tier", "%(num)d award tiers", contents.tiers),
                    rounds=ngettext("%(num)d round", "%(num)d rounds", contents.rounds),
                    criteria=ngettext("%(num)d rubric criterion", "%(num)d rubric criteria", contents.criteria),
                    descriptors=ngettext("%(num)d level descriptor", "%(num)d level descriptors", contents.descriptors),
                ),
                "success",
            )
            return redirect(url_for("secretariat.edition_detail", edition_id=copied.edition.id))
    return render_template(
        "secretariat/edition_copy.html",
        form=form,
        source=source,
        contents=edition_copy_service.copy_contents(source),
        rounds=edition_copy_service.rounds_a_year_later(source),
    )


@bp.route("/editions/<int:edition_id>")
def edition_detail(edition_id: int):
    """Show an edition and its categories."""
    edition = db.get_or_404(Edition, edition_id)
    counts = nominations_service.status_counts(edition.id)
    rounds = rounds_service.rounds_of(edition)
    return render_template(
        "secretariat/edition_detail.html",
        edition=edition,
        counts=counts,
        steps=season_service.steps(edition),
        first_round=rounds[0] if rounds else None,
        last_round=rounds[-1] if rounds else None,
        now=utcnow(),
    )


@bp.route("/editions/<int:edition_id>/open-call", methods=["POST"])
def open_call(edition_id: int):
    """Open the call for entries now, rather than at its opening time."""
    edition = db.get_or_404(Edition, edition_id)
    try:
        season_service.open_call(edition, current_user)
    except ServiceError as error:
        flash_error(error)
    else:
        flash(_("The call is open: applicants can submit until the deadline."), "success")
    return redirect(url_for("secretariat.edition_detail", edition_id=edition.id))


@bp.route("/editions/<int:edition_id>/edit", methods=["GET", "POST"])
def edition_edit(edition_id: int):
    """Change an edition."""
    edition = db.get_or_404(Edition, edition_id)
    form = EditionForm()
    if request.method == "GET":
        form.fill_from(edition)
    if form.validate_on_submit():
        try:
            programs_service.update_edition(edition, form.to_input(), current_user)
        except ServiceError as error:
            flash_error(error)
        else:
            flash(_("Edition saved."), "success")
            return redirect(url_for("secretariat.edition_detail", edition_id=edition.id))
    return render_template("secretariat/edition_form.html", form=form, edition=edition)


@bp.route("/editions/<int:edition_id>/categories/new", methods=["GET", "POST"])
def category_create(edition_id: int):
    """Add a category to an edition."""
    edition = db.get_or_404(Edition, edition_id)
    form = CategoryForm()
    if form.validate_on_submit():
        try:
            programs_service.create_category(edition, form.to_input(), current_user)
        except ServiceError as error:
            flash_error(error)
        else:
            flash(_("Category saved."), "success")
            return redirect(url_for("secretariat.edition_detail", edition_id=edition.id))
    return render_template("secretariat/category_form.html", form=form, edition=edition, category=None)


@bp.route("/categories/<int:category_id>/edit", methods=["GET", "POST"])
def category_edit(category_id: int):
    """Change a category."""
    category = db.get_or_404(Category, category_id)
    form = CategoryForm()
    if request.method == "GET":
        form.fill_from(category)
    locked = None
    if form.validate_on_submit():
        try:
            programs_service.update_category(
                category, form.to_input(), current_user, confirm_tiers=bool(form.confirm_tiers.data)
            )
        except programs_service.TiersLocked as error:
            flash(str(error.message), "warning")
            locked = error
        except ServiceError as error:
            flash_error(error)
        else:
            flash(_("Category saved."), "success")
            return redirect(url_for("secretariat.edition_detail", edition_id=category.edition_id))
    return render_template(
        "secretariat/category_form.html", form=form, edition=category.edition, category=category, locked=locked
    )


# --- nominations and screening -------------------------------------------------------------------


#: The orders of the nominations list; the reference breaks ties (drafts, without one, last).
_BY_REFERENCE = (Nomination.reference.is_(None), Nomination.reference, Nomination.id)
NOMINATION_SORTS = {
    "reference": _BY_REFERENCE,
    "-reference": (Nomination.reference.is_(None), Nomination.reference.desc(), Nomination.id.desc()),
    "title": (Nomination.title, *_BY_REFERENCE),
    "-title": (Nomination.title.desc(), *_BY_REFERENCE),
    "organisation": (Organisation.name, *_BY_REFERENCE),
    "-organisation": (Organisation.name.desc(), *_BY_REFERENCE),
    "country": (Organisation.country_code, *_BY_REFERENCE),
    "-country": (Organisation.country_code.desc(), *_BY_REFERENCE),
    "status": (Nomination.status, *_BY_REFERENCE),
    "-status": (Nomination.status.desc(), *_BY_REFERENCE),
    "submitted": (Nomination.submitted_at.is_(None), Nomination.submitted_at, Nomination.id),
    "-submitted": (Nomination.submitted_at.is_(None), Nomination.submitted_at.desc(), Nomination.id.desc()),
}


def _parse(enum_type, value: str | None):
    try:
        return enum_type(value) if value else None
    except ValueError:
        return None


@bp.route("/nominations")
def nomination_list():
    """List an edition's nominations with filters, search and paging."""
    edition = _edition_from_args()
    if edition is None:
        flash(_("Create an edition first."), "info")
        return redirect(url_for("secretariat.edition_create"))
    form = NominationFilterForm(edition, formdata=request.args)
    form.validate()
    query, sort = _listed(edition, {c.id for c in edition.categories}, form.q.data or "")
    page = paginate(query)
    editions = db.session.scalars(sa.select(Edition).order_by(Edition.year.desc(), Edition.id.desc())).all()
    return render_template(
        "secretariat/nomination_list.html",
        edition=edition,
        editions=editions,
        form=form,
        page=page,
        sort=sort,
        list_args=_list_args(),
    )


#: The nomination list's own arguments: a nomination opened from the list carries them, so that its breadcrumb
#: returns to the same filtered page and "open the next" follows the same list.
LIST_ARGS = ("edition", "category", "status", "country", "region", "type", "q", "sort", "page", "per_page")


def _list_args() -> dict[str, str]:
    return {name: request.args[name][:SEARCH_CHARS] for name in LIST_ARGS if request.args.get(name)}


def _listed(edition: Edition, category_ids: set[int], text: str) -> tuple[sa.Select, str]:
    """The edition's nominations as the list's arguments filter and order them."""
    category_id = request.args.get("category", type=int)
    if category_id not in category_ids:
        category_id = None
    country = (request.args.get("country") or "").upper()
    query = nominations_service.nomination_search(
        edition.id,
        category_id=category_id,
        status=_parse(NominationStatus, request.args.get("status")),
        country_code=country if country in COUNTRY_CODES else None,
        region=_parse(Region, request.args.get("region")),
        organisation_type=_parse(OrganisationType, request.args.get("type")),
        text=text[:SEARCH_CHARS],
    )
    sort = chosen_sort(NOMINATION_SORTS, "reference")
    return query.order_by(None).order_by(*NOMINATION_SORTS[sort]), sort


def _next_nomination(nomination: Nomination) -> int | None:
    """The nomination after this one in the list it was opened from (the whole edition by reference otherwise)."""
    edition = nomination.edition
    category_ids = set(db.session.scalars(sa.select(Category.id).where(Category.edition_id == edition.id)))
    listed, sort = _listed(edition, category_ids, (request.args.get("q") or "").strip())
    everyone = nominations_service.nomination_search(edition.id).order_by(None).order_by(*NOMINATION_SORTS[sort])
    return nominations_service.next_in_list(listed, everyone, nomination.id)


@bp.route("/nominations/<int:nomination_id>", methods=["GET", "POST"])
def nomination_detail(nomination_id: int):
    """Show everything the applicant sent, the audit trail, and the screening decision."""
    nomination = nominations_service.nomination_with_details(nomination_id)
    if nomination is None:
        abort(404)
    form = ScreeningForm()
    if request.method == "GET":
        form.version.data = str(nomination.version)
        if nomination.status in (NominationStatus.ELIGIBLE, NominationStatus.INELIGIBLE):
            form.decision.data = nomination.status.value
            form.reason.data = nomination.screening_reason
            form.share_reason.data = nomination.screening_reason_shared
    if form.validate_on_submit():
        try:
            nominations_service.screen(
                nomination,
                current_user,
                form.decision.data == "eligible",
                form.reason.data or "",
                int(form.version.data) if form.version.data else None,
                share_reason=form.share_reason.data,
            )
        except ServiceError as error:
            flash_error(error)
        else:
            flash(
                _(
                    "%(ref)s marked %(status)s.",
                    ref=nomination.reference,
                    status=_("eligible") if nomination.status is NominationStatus.ELIGIBLE else _("ineligible"),
                ),
                "success",
            )
            following = _next_nomination(nomination) if form.submit_next.data else None
            if form.submit_next.data and following is None:
                flash(_("That was the last nomination of the list."), "info")
            target = following or nomination.id
            return redirect(url_for("secretariat.nomination_detail", nomination_id=target, **_list_args()))
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.nomination_id == nomination.id)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    ).all()
    page = render_template(
        "secretariat/nomination_detail.html",
        nomination=nomination,
        form=form,
        events=events,
        specs=fields_of(nomination),
        lookalikes=nominations_service.lookalikes(nomination),
        needs_consent=nominee_consent_service.needed(nomination),
        list_args=_list_args(),
        next_id=_next_nomination(nomination),
        consent_problem=nominee_consent_service.refusal(nomination),
        paper_form=PaperConsentForm(),
    )
    access_log.note(current_user, "nomination", nomination)
    return page


@bp.route("/nominations/<int:nomination_id>/nominee-consent/paper", methods=["POST"])
def record_paper_consent(nomination_id: int):
    """Record that the nominee's signed consent form reached the secretariat on paper."""
    nomination = nominations_service.nomination_with_details(nomination_id)
    if nomination is None:
        abort(404)
    if PaperConsentForm().validate_on_submit():
        try:
            nominee_consent_service.record_paper_form(nomination, current_user)
        except ServiceError as error:
            flash_error(error)
        else:
            flash(_("The nominee's consent on paper is recorded."), "success")
    else:
        flash(_("The form expired. Please try again."), "danger")
    return redirect(url_for("secretariat.nomination_detail", nomination_id=nomination.id) + "#nominee-consent-card")


# --- people ----------------------------------------------------------------------------------------


@bp.route("/people")
def user_list():
    """List judges and secretariat members, with their invitation state."""
    users = db.session.scalars(
        sa.select(User)
        .where(User.role_links.any(UserRole.role.in_([Role.JUDGE, Role.SECRETARIAT])))
        .order_by(User.name)
    ).all()
    unchecked = [u for u in users if u.is_judge and u.active and u.missing_conflict_details]
    # Applicant accounts an import made, not claimed yet: their invitation can be sent again from here.
    unclaimed = db.session.scalars(
        sa.select(User)
        .where(User.role_links.any(UserRole.role == Role.APPLICANT), User.password_hash.is_(None))
        .options(joinedload(User.organisation), lazyload(User.role_links))  # their roles are not shown
        .order_by(User.name)
    ).all()
    return render_template(
        "secretariat/user_list.html", users=users, form=InviteForm(), unchecked_judges=unchecked, unclaimed=unclaimed
    )


@bp.route("/people/invite", methods=["GET", "POST"])
def user_invite():
    """Invite a judge (with the organisation, country and time zone the conflict rules and deadlines need) or a
    secretariat member by e-mail, in their language."""
    form = InviteForm()
    if form.validate_on_submit():
        try:
            user = accounts_service.invite_user(
                email=form.email.data,
                name=form.name.data,
                roles={Role(r) for r in form.roles.data},
                invited_by=current_user,
                details=form.judge_details(),
                locale=form.locale.data,
            )
        except DetailsRefused as error:
            form.show_problems(error.problems)
        except ServiceError as error:
            form.email.errors.append(str(error.message))
        else:
            flash(_("Invitation sent to %(email)s.", email=user.email), "success")
            return redirect(url_for("secretariat.user_list"))
    return render_template("secretariat/user_invite.html", form=form)


@bp.route("/people/<int:user_id>/edit", methods=["GET", "POST"])
def user_edit(user_id: int):
    """Edit a judge's or secretariat member's profile."""
    user = db.get_or_404(User, user_id)
    if not (user.is_judge or user.is_secretariat):
        abort(404)
    form = JudgeProfileForm(obj=user)
    if form.validate_on_submit():
        accounts_service.update_profile(user, form.apply_to, current_user)
        flash(_("Profile saved."), "success")
        return redirect(url_for("secretariat.user_list"))
    return render_template("secretariat/user_edit.html", form=form, person=user)


@bp.route("/people/<int:user_id>/resend", methods=["POST"])
def user_resend(user_id: int):
    """Send an invitation again (to a judge, a colleague, or an applicant account an import made)."""
    user = db.get_or_404(User, user_id)
    if not (user.is_judge or user.is_secretariat or (user.is_applicant and not user.has_password)):
        abort(404)
    try:
        accounts_service.resend_invitation(user, current_user)
    except ServiceError as error:
        flash_error(error)
    else:
        flash(_("Invitation sent again to %(email)s.", email=user.email), "success")
    return redirect(url_for("secretariat.user_list"))


# --- audit trail -----------------------------------------------------------------------------------


@bp.route("/privacy", methods=["GET", "POST"])
def privacy_notice():
    """Keep the privacy notice in both languages: a change is published as a new version, under which the consents
    given from then on are recorded."""
    notice = privacy_service.current_notice()
    form = PrivacyNoticeForm()
    if request.method == "GET":
        form.text_en.data, form.text_ko.data = notice.text_en, notice.text_ko
    if form.validate_on_submit():
        try:
            published = privacy_service.publish_notice(form.text_en.data, form.text_ko.data, current_user)
        except ServiceError as error:
            flash_error(error)
        else:
            flash(_("Version %(version)d of the privacy notice is published.", version=published.version), "success")
            return redirect(url_for("secretariat.privacy_notice"))
    return render_template("secretariat/privacy_notice.html", form=form, notice=notice)


@bp.route("/privacy/retention")
def retention():
    """Each edition's retention deadline and what purging its personal data erases; a purge for those past it."""
    plans = erasure_service.purge_plan()
    forms = {plan.edition.id: PurgeForm(prefix=f"edition-{plan.edition.id}") for plan in plans}
    return render_template("secretariat/retention.html", plans=plans, forms=forms)


@bp.route("/privacy/retention/<int:edition_id>/purge", methods=["POST"])
def retention_purge(edition_id: int):
    """Purge an edition's personal data, its short name typed to confirm; its anonymised scores and results stay."""
    edition = db.get_or_404(Edition, edition_id)
    form = PurgeForm(prefix=f"edition-{edition.id}")
    if not (form.validate_on_submit() and form.confirms(edition)):
        flash(
            _(
                "Type %(slug)s to confirm the purge of %(edition)s: nothing was purged.",
                slug=edition.slug,
                edition=edition.local_name(current_language()),
            ),
            "danger",
        )
        return redirect(url_for("secretariat.retention"))
    try:
        done = erasure_service.purge(edition, actor=current_user)
    except ServiceError as error:
        flash_error(error)
    else:
        flash(
            _(
                "The personal data of %(edition)s is purged: %(people)d people, %(nominations)d nominations and "
                "%(documents)d documents erased; its scores and results are kept, anonymised.",
                edition=edition.local_name(current_language()),
                people=done.people,
                nominations=done.nominations,
                documents=done.documents,
            ),
            "success",
        )
    return redirect(url_for("secretariat.retention"))


@bp.route("/access-log")
def access_log_page():
    """Who read whose personal data (pages, documents, PDFs, exports), newest first, searchable."""
    filters = access_log.AccessFilter(
        person=request.args.get("person") or "",
        reference=request.args.get("reference") or "",
        kind=request.args.get("kind") or "",
    )
    page = paginate(access_log.search(filters), default_size=50)
    return render_template("secretariat/access_log.html", page=page, filters=filters, kinds=access_log.KINDS)


@bp.route("/audit")
def audit_log():
    """Read the audit trail, newest first, filtered by action or text."""
    query = (
        sa.select(AuditEvent)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    action = (request.args.get("action") or "").replace("\x00", "").strip()[:60]
    text = (request.args.get("q") or "").replace("\x00", "").strip()[:SEARCH_CHARS]
    if action:
        query = query.where(AuditEvent.action.startswith(action, autoescape=True))
    if text:
        query = query.where(AuditEvent.summary.icontains(text, autoescape=True))
    page = paginate(query, default_size=50)
    actions = db.session.scalars(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    return render_template("secretariat/audit_log.html", page=page, action=action, text=text, actions=actions)


# --- Excel in ---------------------------------------------------------------------------------------


def _xlsx(data: bytes, name: str):
    return send_file(io.BytesIO(data), as_attachment=True, download_name=name, mimetype=XLSX, max_age=0)


def _upload(form: WorkbookUploadForm, run):
    """Run an import on the uploaded workbook; return the problems to list (empty when it went through)."""
    upload = form.workbook.data
    try:
        return run(upload.read(), upload.filename or ""), []
    except ImportRefused as error:
        flash_error(error)
        return None, error.problems
    except ServiceError as error:
        flash_error(error)
        return None, []


@bp.route("/editions/<int:edition_id>/import", methods=["GET", "POST"])
def nomination_import(edition_id: int):
    """Enter nominations received outside the website from a filled-in Excel template."""
    edition = db.get_or_404(Edition, edition_id)
    form, problems = NominationImportForm(), []
    if form.validate_on_submit():
        result, problems = _upload(
            form,
            lambda data, name: nomination_imports.import_nominations(
                edition, data, current_user, name, join_registered=form.join_registered.data
            ),
        )
        if result is not None:
            flash(
                ngettext(
                    "%(num)d nomination imported and submitted.",
                    "%(num)d nominations imported and submitted.",
                    result.created,
                ),
                "success",
            )
            return redirect(url_for("secretariat.nomination_list", edition=edition.slug, status="submitted"))
    return render_template(
        "secretariat/import.html",
        form=form,
        problems=problems,
        heading=_("Import nominations"),
        explanation=_(
            "Nominations received by e-mail or on paper for %(edition)s, entered from an Excel workbook. "
            "They become submitted nominations with their references.",
            edition=edition.local_name(current_language()),
        ),
        template_url=url_for("secretariat.nomination_template", edition_id=edition.id),
        back_url=url_for("secretariat.edition_detail", edition_id=edition.id),
        back_label=edition.local_name(current_language()),
    )


@bp.route("/editions/<int:edition_id>/import/template.xlsx")
def nomination_template(edition_id: int):
    """The Excel template for nominations: a sheet per category, with the entry form's fields as columns."""
    edition = db.get_or_404(Edition, edition_id)
    return _xlsx(nomination_imports.nominations_template(edition), f"{edition.slug}-nominations-template.xlsx")


@bp.route("/people/import", methods=["GET", "POST"])
def judge_import():
    """Create or update the panel of judges from a filled-in Excel template; invite the new ones."""
    form, problems = WorkbookUploadForm(), []
    if form.validate_on_submit():
        result, problems = _upload(form, lambda data, name: judge_imports.import_judges(data, current_user, name))
        if result is not None:
            flash(
                _(
                    "Judges imported: %(created)d new, %(updated)d updated; %(invited)d invitations sent.",
                    created=result.created,
                    updated=result.updated,
                    invited=len(result.details),
                ),
                "success",
            )
            return redirect(url_for("secretariat.user_list"))
    return render_template(
        "secretariat/import.html",
        form=form,
        problems=problems,
        heading=_("Import judges"),
        explanation=_(
            "The panel of judges from an Excel workbook: new people are invited by e-mail, people who "
            "already have an account become judges."
        ),
        template_url=url_for("secretariat.judge_template"),
        back_url=url_for("secretariat.user_list"),
        back_label=_("People"),
    )


@bp.route("/people/import/template.xlsx")
def judge_template():
    """The Excel template for the judge list."""
    return _xlsx(judge_imports.judges_template(), "judges-template.xlsx")
