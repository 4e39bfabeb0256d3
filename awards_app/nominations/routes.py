"""The applicant's side: starting, filling in, submitting and withdrawing nominations, and their files."""

from __future__ import annotations

import io
import secrets

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from .. import storage
from ..auth.access import role_required
from ..downloads import private_download
from ..errors import flash_error
from ..extensions import db
from ..i18n import current_language
from ..models import Attachment, Category, Edition, Nomination, Role
from ..services import ServiceError, access_log
from ..services import applicant_feedback as applicant_feedback_service
from ..services import certificates as certificates_service
from ..services import documents as documents_service
from ..services import entry_forms as entry_forms_service
from ..services import nominations as nominations_service
from ..services import nominee_consent as nominee_consent_service
from ..services import presentations as presentations_service
from ..services import receipts as receipts_service
from ..services import sheets as sheets_service
from ..services.awards import published_award
from .forms import AskNomineeForm, DeleteForm, SignedFormUpload, WithdrawForm, entry_form_class

bp = Blueprint("nominations", __name__)


def _load(nomination_id: int) -> Nomination:
    nomination = nominations_service.nomination_with_details(nomination_id)
    if nomination is None:
        abort(404)
    return nomination


@bp.route("/")
@role_required(Role.APPLICANT)
def index():
    """List the organisation's nominations and the categories it can enter."""
    nominations = db.session.scalars(
        sa.select(Nomination)
        .where(Nomination.organisation_id == current_user.organisation_id)
        .options(selectinload(Nomination.category), selectinload(Nomination.edition))
        .order_by(Nomination.updated_at.desc())
    ).all()
    editions = db.session.scalars(
        sa.select(Edition).order_by(Edition.year.desc()).options(selectinload(Edition.categories))
    ).all()
    openings = [
        (
            edition,
            [
                (category, nominations_service.entry_refusal(category, current_user))
                for category in edition.categories
                if category.eligible_types
            ],
        )
        for edition in editions
        if edition.is_open()
    ]
    return render_template("nominations/nomination_list.html", nominations=nominations, openings=openings)


@bp.route("/new/<int:category_id>", methods=["GET", "POST"])
@role_required(Role.APPLICANT)
def create(category_id: int):
    """Start a nomination in a category."""
    category = db.session.get(Category, category_id)
    if category is None:
        abort(404)
    refusal = nominations_service.entry_refusal(category, current_user)
    if refusal:
        if request.method == "POST":
            return _unsaved(category, refusal)
        flash(str(refusal), "warning")
        return redirect(url_for("nominations.index"))
    form = entry_form_class(_applicant_fields(category))()
    if request.method == "GET":
        form.client_token.data = secrets.token_hex(16)
    if form.validate_on_submit():
        try:
            nomination = nominations_service.create_draft(
                category, current_user, form.answers(), form.client_token.data
            )
        except ServiceError as error:
            return _unsaved(category, error.message)
        return _after_save(nomination, nomination.id, form, created=True)
    return _render_form(form, category, None)


@bp.route("/<int:nomination_id>/edit", methods=["GET", "POST"])
@role_required(Role.APPLICANT)
def edit(nomination_id: int):
    """Fill in a draft: save it as often as needed, attach documents, then submit it."""
    nomination = _load(nomination_id)
    if not nomination.belongs_to(current_user):
        abort(403)
    if not nomination.can_edit(current_user):
        if request.method == "POST":
            refusal = nominations_service.edit_refusal(nomination, current_user)
            return _unsaved(nomination.category, refusal, nomination)
        return redirect(url_for("nominations.view", nomination_id=nomination.id))
    form_class = entry_form_class(entry_forms_service.fields_of(nomination))
    form = (
        form_class()
        if request.method == "POST"
        else form_class(data={**(nomination.answers or {}), "version": str(nomination.version)})
    )
    if form.validate_on_submit():
        try:
            nominations_service.save_draft(nomination, current_user, form.answers(), form.opened_version())
        except nominations_service.StaleNomination as stale:
            # Keep what was typed on the page. Saving it again now is a conscious choice to replace the other change.
            flash(
                str(stale.message)
                + " "
                + _(
                    "Your text is still below: save again to replace the other change "
                    "with it, or open the nomination anew to see that change first."
                ),
                "danger",
            )
            form.version.data = str(db.session.get(Nomination, nomination.id).version)
            return _render_form(form, nomination.category, nomination), 409
        except ServiceError as error:
            flash_error(error)
            return redirect(url_for("nominations.view", nomination_id=nomination.id))
        return _after_save(nomination, nomination_id, form)
    if request.method == "GET" and request.args.get("check"):
        form.show_problems(nominations_service.submission_problems(nomination).by_field)
    return _render_form(form, nomination.category, nomination)


def _unsaved(category: Category, refusal, nomination: Nomination | None = None):
    """A post that could not be saved (the deadline passed, the organisation's limit was reached, the nomination was
    submitted from another tab): what was typed is shown back, to copy, rather than lost. When it holds nothing the
    nomination does not already hold (a double click on Submit), the refusal is all there is to say."""
    stored = (nomination.answers or {}) if nomination is not None else {}
    specs = entry_forms_service.fields_of(nomination) if nomination is not None else _applicant_fields(category)
    posted = {spec.name: (request.form.get(spec.name) or "").replace("\x00", "").strip() for spec in specs}
    typed = [(spec, posted[spec.name]) for spec in specs if posted[spec.name]]
    if not typed or all(posted[name] == str(stored.get(name) or "").strip() for name in posted):
        flash(str(refusal), "danger")
        if nomination is not None:
            return redirect(url_for("nominations.view", nomination_id=nomination.id))
        return redirect(url_for("nominations.index"))
    return render_template("nominations/unsaved.html", refusal=refusal, typed=typed), 409


def _applicant_fields(category: Category):
    """The fields the signed-in applicant's organisation fills in, in this category, now."""
    organisation = current_user.organisation
    return entry_forms_service.fields_for(category, organisation.type if organisation is not None else None)


def _render_form(form, category: Category, nomination: Nomination | None):
    checking = nomination is not None and bool(request.args.get("check"))
    return render_template(
        "nominations/nomination_form.html",
        form=form,
        category=category,
        nomination=nomination,
        specs=form.specs,
        delete_form=DeleteForm(),
        consent_problem=nominee_consent_service.refusal(nomination) if checking else None,
        **_consent_forms(nomination),
    )


def _consent_forms(nomination: Nomination | None, ask_form: AskNomineeForm | None = None) -> dict:
    """The nominee-consent panel's forms, for a nomination about a person."""
    if nomination is None or not nominee_consent_service.needed(nomination):
        return {"ask_form": None, "signed_form": None}
    if ask_form is None:
        consent = nomination.nominee_consent
        email = consent.email if consent is not None else (nomination.answers or {}).get("nominee_email", "")
        ask_form = AskNomineeForm(formdata=None, data={"email": email})
    return {"ask_form": ask_form, "signed_form": SignedFormUpload(formdata=None)}


def _after_save(nomination: Nomination, nomination_id: int, form, created: bool = False):
    """The answers are saved: attach the chosen files, then submit if asked; each step reports on its own.
    ``nomination_id``: the nomination's, known without reading back the nomination the commit expired (four
    queries, on every save of a draft, for the address of the page to go back to)."""
    edit_url = url_for("nominations.edit", nomination_id=nomination_id)
    uploads = form.chosen_files
    if uploads:
        attached = []
        for slot, upload in uploads:
            try:
                attachment = nominations_service.add_attachment(
                    nomination, current_user, upload.filename, upload.read(), slot
                )
            except ServiceError as error:
                flash_error(error)
                return redirect(edit_url)  # the message is at the top of the page: land there
            attached.append(attachment.original_name)
        if not form.submit_entry.data:
            flash(_("%(name)s attached. Your answers were saved too.", name=", ".join(attached)), "success")
            return redirect(edit_url + ("#attachments" if uploads[-1][0] == "" else f"#{uploads[-1][0]}"))
    elif form.upload.data:
        flash(_("Choose a file to upload. Your answers were saved."), "warning")
        return redirect(edit_url)
    if form.submit_entry.data:
        try:
            nominations_service.submit(nomination, current_user, zone=form.reader_zone.data)
        except nominations_service.SubmissionRefused as refused:
            flash(str(refused.message), "danger")
            return redirect(url_for("nominations.edit", nomination_id=nomination_id, check=1))
        except ServiceError as error:
            flash_error(error)
            return redirect(url_for("nominations.view", nomination_id=nomination_id))
        flash(_("Submitted. Your reference is %(ref)s.", ref=nomination.reference), "success")
        return redirect(url_for("nominations.view", nomination_id=nomination_id))
    if created:
        flash(_("Draft saved. You can come back to it at any time before the deadline."), "success")
    else:
        flash(_("Draft saved."), "success")
    return redirect(edit_url)


@bp.route("/<int:nomination_id>")
@login_required
def view(nomination_id: int):
    """Show a nomination read-only, with its status and, once released, the judges' feedback on it."""
    nomination = _load(nomination_id)
    if not nomination.can_view(current_user):
        abort(403)
    if current_user.is_secretariat and not nomination.belongs_to(current_user):
        return redirect(url_for("secretariat.nomination_detail", nomination_id=nomination.id))
    if not nomination.belongs_to(current_user):
        # A judge reads a nomination on their scoring page, beside the rubric.
        assignment = sheets_service.assignment_of(current_user, nomination)
        if assignment is not None:
            return redirect(url_for("judging.assignment", assignment_id=assignment.id))
        abort(403)
    return render_template(
        "nominations/nomination_view.html",
        nomination=nomination,
        specs=entry_forms_service.fields_of(nomination),
        withdraw_form=WithdrawForm(),
        award=published_award(nomination),
        certificate=certificates_service.current_of(nomination),
        needs_consent=nominee_consent_service.needed(nomination),
        feedback=applicant_feedback_service.for_applicant(nomination, current_user),
        presentations=presentations_service.for_nomination(nomination),
    )


@bp.route("/<int:nomination_id>/withdraw", methods=["POST"])
@role_required(Role.APPLICANT)
def withdraw(nomination_id: int):
    """Withdraw a nomination before the deadline."""
    nomination = _load(nomination_id)
    if not nomination.belongs_to(current_user):
        abort(403)
    form = WithdrawForm()
    if not form.validate_on_submit():
        flash(_("Tick the box to confirm the withdrawal."), "warning")
        return redirect(url_for("nominations.view", nomination_id=nomination.id))
    try:
        nominations_service.withdraw(nomination, current_user, form.reason.data or "", zone=form.reader_zone.data)
    except ServiceError as error:
        flash_error(error)
    else:
        flash(_("The nomination has been withdrawn."), "info")
    return redirect(url_for("nominations.view", nomination_id=nomination.id))


def _load_attachment(nomination_id: int, attachment_id: int) -> Attachment:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.nomination_id != nomination_id:
        abort(404)
    return attachment


@bp.route("/<int:nomination_id>/attachments/<int:attachment_id>/delete", methods=["POST"])
@role_required(Role.APPLICANT)
def delete_attachment(nomination_id: int, attachment_id: int):
    """Remove a document from a draft."""
    attachment = _load_attachment(nomination_id, attachment_id)
    if not attachment.nomination.belongs_to(current_user):
        abort(403)
    try:
        nominations_service.remove_attachment(attachment, current_user)
    except ServiceError as error:
        flash_error(error)
    else:
        flash(_("The document was removed."), "info")
    return redirect(url_for("nominations.edit", nomination_id=nomination_id) + "#attachments")


@bp.route("/<int:nomination_id>/attachments/<int:attachment_id>")
@login_required
def download(nomination_id: int, attachment_id: int):
    """Send a document as a download, to those who may see the nomination."""
    attachment = _load_attachment(nomination_id, attachment_id)
    if not attachment.can_download(current_user):
        abort(403)
    path = storage.path_of(current_app.config["UPLOAD_FOLDER"], attachment.stored_name)
    if not path.exists():
        current_app.logger.error("attachment %s is missing its file", attachment.id)
        abort(404)
    access_log.note(current_user, "document", attachment.nomination, attachment.original_name)
    return private_download(path, attachment.content_type, attachment.original_name)


@bp.route("/<int:nomination_id>/nomination.pdf")
@login_required
def pdf(nomination_id: int):
    """The nomination as a PDF (what the receipt e-mail attaches), to those who may see it."""
    nomination = _load(nomination_id)
    if not nomination.can_view(current_user):
        abort(403)
    access_log.note(current_user, "pdf", nomination)
    try:
        content = receipts_service.nomination_pdf(nomination, current_language())
    except OSError:
        current_app.logger.exception("the PDF of nomination %s could not be drawn", nomination.id)
        abort(503)
    return private_download(io.BytesIO(content), "application/pdf", receipts_service.pdf_name(nomination))


def _consent_target(nomination_id: int) -> Nomination:
    nomination = _load(nomination_id)
    if not nomination.belongs_to(current_user):
        abort(403)
    if not nominee_consent_service.needed(nomination):
        abort(404)
    return nomination


def _consent_panel(nomination: Nomination) -> str:
    return url_for("nominations.edit", nomination_id=nomination.id) + "#nominee-consent"


@bp.route("/<int:nomination_id>/nominee-consent/ask", methods=["POST"])
@role_required(Role.APPLICANT)
def ask_nominee(nomination_id: int):
    """E-mail the nominee a link to consent to the nomination."""
    nomination = _consent_target(nomination_id)
    form = AskNomineeForm()
    if not form.validate_on_submit():
        for error in form.email.errors:
            flash(_("Nominee's e-mail") + ": " + str(error), "danger")
        return redirect(_consent_panel(nomination))
    try:
        nominee_consent_service.ask_nominee(nomination, current_user, form.email.data)
    except ServiceError as error:
        flash_error(error)
    else:
        flash(
            _(
                "The consent link was sent to %(email)s. You will get an e-mail when the nominee answers.",
                email=form.email.data,
            ),
            "success",
        )
    return redirect(_consent_panel(nomination))


@bp.route("/<int:nomination_id>/nominee-consent/form", methods=["POST"])
@role_required(Role.APPLICANT)
def upload_signed_form(nomination_id: int):
    """Keep the consent form the nominee signed."""
    nomination = _consent_target(nomination_id)
    form = SignedFormUpload()
    if not form.validate_on_submit():
        flash(_("The form expired. Please try again."), "danger")
        return redirect(_consent_panel(nomination))
    upload = form.signed_form.data
    try:
        nominee_consent_service.upload_signed_form(
            nomination, current_user, getattr(upload, "filename", None), upload.read() if upload else b""
        )
    except ServiceError as error:
        flash_error(error)
    else:
        flash(_("The signed consent form was kept: the nominee's consent is on record."), "success")
    return redirect(_consent_panel(nomination))


@bp.route("/<int:nomination_id>/nominee-consent/form")
@login_required
def signed_form(nomination_id: int):
    """The signed consent form, to the applicant and the secretariat (never to judges)."""
    nomination = _load(nomination_id)
    if not nomination.can_see_nominee_consent(current_user):
        abort(403)
    consent = nomination.nominee_consent
    if consent is None or not consent.stored_name:
        abort(404)
    path = storage.path_of(current_app.config["UPLOAD_FOLDER"], consent.stored_name)
    if not path.exists():
        current_app.logger.error("the consent form of nomination %s is missing its file", nomination.id)
        abort(404)
    access_log.note(current_user, "document", nomination, consent.original_name)
    return private_download(path, consent.content_type, consent.original_name)


@bp.route("/<int:nomination_id>/nominee-consent-form.pdf")
@role_required(Role.APPLICANT)
def blank_consent_form(nomination_id: int):
    """The consent form for the nominee to print and sign, as a PDF."""
    nomination = _consent_target(nomination_id)
    try:
        content = nominee_consent_service.blank_form_pdf(nomination, current_language())
    except OSError:
        current_app.logger.exception("the consent form of nomination %s could not be drawn", nomination.id)
        abort(503)
    return private_download(io.BytesIO(content), "application/pdf", f"nominee-consent-{nomination.id}.pdf")


#: A document shown in the page (an <img>; never framed) may also be opened on its own: whatever its bytes hold,
#: it may not run or load anything, and no page may frame it.
INLINE_POLICY = "default-src 'none'; sandbox; frame-ancestors 'none'"


def _opened(find_path):
    """The file ``find_path()`` names, opened; asked twice if it vanished in between (someone emptied the preview
    cache: asking again draws the page anew), then 404, never a 500."""
    for _attempt in range(2):
        try:
            path = find_path()
        except documents_service.NoPreview:
            abort(404)
        try:
            return open(path, "rb")  # send_file closes it with the response
        except FileNotFoundError:
            continue
    abort(404)


def _inline(handle, mimetype: str, name: str):
    # The name was cleaned at upload; cleaned again, since a header cannot hold a line break from any source.
    name = storage.clean_filename(name)
    response = send_file(handle, mimetype=mimetype, as_attachment=False, download_name=name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = INLINE_POLICY
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:nomination_id>/attachments/<int:attachment_id>/pages/<int:number>")
@login_required
def attachment_page(nomination_id: int, attachment_id: int, number: int):
    """Show one page of a PDF document as an image, to those who may see the nomination."""
    attachment = _load_attachment(nomination_id, attachment_id)
    if not attachment.can_download(current_user):
        abort(403)
    handle = _opened(lambda: documents_service.page_image(attachment, number))
    if number == 1:  # a document read page by page is one line of the log
        access_log.note(current_user, "document", attachment.nomination, attachment.original_name)
    stem = attachment.original_name.rpartition(".")[0] or attachment.original_name
    return _inline(handle, "image/png", f"{stem}-{number}.png")


@bp.route("/<int:nomination_id>/attachments/<int:attachment_id>/image")
@login_required
def attachment_image(nomination_id: int, attachment_id: int):
    """Show an image document in the page, to those who may see the nomination."""
    attachment = _load_attachment(nomination_id, attachment_id)
    if not attachment.can_download(current_user):
        abort(403)
    handle = _opened(lambda: documents_service.image_file(attachment))
    access_log.note(current_user, "document", attachment.nomination, attachment.original_name)
    return _inline(handle, attachment.content_type, attachment.original_name)
