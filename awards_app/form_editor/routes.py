"""The secretariat shapes each category's entry forms: by applicant type, field by field, with a preview."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import role_required
from ..entry_forms import spec_to_dict, specs_from_dicts
from ..errors import flash_error
from ..extensions import db
from ..i18n import ORGANISATION_TYPE_LABELS
from ..models import ANY_APPLICANT, Category, OrganisationType, Role
from ..nominations.forms import DeleteForm, entry_form_class
from ..services import ServiceError
from ..services import entry_form_editor as editor
from ..services.entry_forms import current_form, fields_for, submitted_count
from .forms import FIELD_KIND_LABELS, FieldForm, MoveForm, NewFormForm, RemoveForm

bp = Blueprint("form_editor", __name__)


@bp.before_request
@role_required(Role.SECRETARIAT)
def _secretariat_only() -> None:
    """Only the secretariat shapes entry forms."""


def _category(category_id: int, applicant_type: str | None = None) -> Category:
    category = db.get_or_404(Category, category_id)
    if applicant_type is not None and applicant_type not in editor.APPLICANT_TYPES:
        abort(404)
    return category


def type_label(applicant_type: str) -> str:
    """Who a form is for, in words."""
    if applicant_type == ANY_APPLICANT:
        return _("Any applicant")
    return str(ORGANISATION_TYPE_LABELS[OrganisationType(applicant_type)])


def _edit_url(category: Category, applicant_type: str, anchor: str = "") -> str:
    return url_for("form_editor.form_edit", category_id=category.id, applicant_type=applicant_type) + anchor


@bp.route("/<int:category_id>/forms")
def form_list(category_id: int):
    """The category's entry forms by applicant type, with their versions."""
    category = _category(category_id)
    return render_template(
        "form_editor/form_list.html",
        category=category,
        rows=editor.overview(category),
        new_form=NewFormForm(),
        type_label=type_label,
    )


@bp.route("/<int:category_id>/forms", methods=["POST"])
def form_create(category_id: int):
    """Give an applicant type its own form, a copy of the one it fills in now."""
    category = _category(category_id)
    form = NewFormForm()
    applicant_type = form.applicant_type.data or ""
    if not form.validate_on_submit() or applicant_type not in editor.APPLICANT_TYPES:
        flash(_("Choose an applicant type."), "danger")
        return redirect(url_for("form_editor.form_list", category_id=category.id))
    try:
        editor.create_form(category, applicant_type, current_user)
    except ServiceError as error:
        flash_error(error)
        return redirect(url_for("form_editor.form_list", category_id=category.id))
    flash(_("%(who)s now have their own form: change it below.", who=type_label(applicant_type)), "success")
    return redirect(_edit_url(category, applicant_type))


def _rows(category: Category, applicant_type: str):
    """The newest version's fields (for any applicant: the built-in default until the first change)."""
    form = current_form(category, applicant_type)
    if form is not None:
        return form, list(form.fields)
    if applicant_type != ANY_APPLICANT:
        return None, None
    return None, [spec_to_dict(spec) for spec in fields_for(category, ANY_APPLICANT)]


def _render_edit(category: Category, applicant_type: str, field_form: FieldForm):
    form, rows = _rows(category, applicant_type)
    if rows is None:
        flash(_("This applicant type has no form of its own yet: create it first."), "warning")
        return redirect(url_for("form_editor.form_list", category_id=category.id))
    return render_template(
        "form_editor/form_edit.html",
        category=category,
        applicant_type=applicant_type,
        who=type_label(applicant_type),
        form=form,
        rows=rows,
        submitted=submitted_count(form) if form is not None else 0,
        field_form=field_form,
        move_form=MoveForm(),
        remove_form=RemoveForm(),
        kind_labels=_kind_labels(),
    )


def _kind_labels() -> dict[str, str]:
    return {kind: str(label) for kind, label in FIELD_KIND_LABELS.items()}


@bp.route("/<int:category_id>/forms/<applicant_type>")
def form_edit(category_id: int, applicant_type: str):
    """One applicant type's form: its fields in order, to change, move or remove, and a new one to add."""
    category = _category(category_id, applicant_type)
    field_form = FieldForm(formdata=None, data={"kind": "text", "required": True, "max_chars": 300})
    return _render_edit(category, applicant_type, field_form)


@bp.route("/<int:category_id>/forms/<applicant_type>/fields", methods=["POST"])
def field_add(category_id: int, applicant_type: str):
    """Add a field at the end of the form."""
    category = _category(category_id, applicant_type)
    field_form = FieldForm()
    if not field_form.validate_on_submit():
        flash(_("The field was not added: correct what is marked below."), "danger")
        return _render_edit(category, applicant_type, field_form)
    try:
        editor.add_field(category, applicant_type, field_form.to_data(), current_user)
    except ServiceError as error:
        flash_error(error)
        return _render_edit(category, applicant_type, field_form)
    flash(_("Field added."), "success")
    return redirect(_edit_url(category, applicant_type, "#fields"))


@bp.route("/<int:category_id>/forms/<applicant_type>/fields/<field_name>", methods=["GET", "POST"])
def field_edit(category_id: int, applicant_type: str, field_name: str):
    """Change one field: its kind, labels and help in both languages, whether it is required, its limits."""
    category = _category(category_id, applicant_type)
    _form, rows = _rows(category, applicant_type)
    row = next((r for r in rows or [] if r.get("name") == field_name), None)
    if row is None:
        abort(404)
    field_form = FieldForm()
    if request.method == "GET":
        field_form.fill_from(row)
    if field_form.validate_on_submit():
        try:
            editor.update_field(category, applicant_type, field_name, field_form.to_data(), current_user)
        except ServiceError as error:
            flash_error(error)
        else:
            flash(_("Field saved."), "success")
            return redirect(_edit_url(category, applicant_type, "#fields"))
    return render_template(
        "form_editor/field_edit.html",
        category=category,
        applicant_type=applicant_type,
        who=type_label(applicant_type),
        field_name=field_name,
        field_form=field_form,
    )


@bp.route("/<int:category_id>/forms/<applicant_type>/fields/<field_name>/move", methods=["POST"])
def field_move(category_id: int, applicant_type: str, field_name: str):
    """Move a field one place up or down."""
    category = _category(category_id, applicant_type)
    form = MoveForm()
    if not form.validate_on_submit():
        flash(_("Choose up or down."), "danger")
    else:
        try:
            editor.move_field(category, applicant_type, field_name, int(form.step.data), current_user)
        except ServiceError as error:
            flash_error(error)
        else:
            flash(_("Field moved."), "success")
    return redirect(_edit_url(category, applicant_type, "#fields"))


@bp.route("/<int:category_id>/forms/<applicant_type>/fields/<field_name>/remove", methods=["POST"])
def field_remove(category_id: int, applicant_type: str, field_name: str):
    """Remove a field from the form (the nominations already submitted keep theirs)."""
    category = _category(category_id, applicant_type)
    if not RemoveForm().validate_on_submit():
        flash(_("The page had expired: try again."), "danger")
    else:
        try:
            editor.remove_field(category, applicant_type, field_name, current_user)
        except ServiceError as error:
            flash_error(error)
        else:
            flash(_("Field removed."), "success")
    return redirect(_edit_url(category, applicant_type, "#fields"))


@bp.route("/<int:category_id>/forms/<applicant_type>/preview")
def form_preview(category_id: int, applicant_type: str):
    """The form exactly as the applicant sees it (the newest version, or the one asked for)."""
    category = _category(category_id, applicant_type)
    number = request.args.get("version", type=int)
    form = editor.version_of(category, applicant_type, number)
    if form is None and (number is not None or applicant_type != ANY_APPLICANT):
        abort(404)
    specs = specs_from_dicts(form.fields) if form is not None else fields_for(category, ANY_APPLICANT)
    who = type_label(applicant_type) if applicant_type != ANY_APPLICANT else _("any applicant")
    title = who if form is None else _("%(who)s, version %(n)d", who=type_label(applicant_type), n=form.version)
    return render_template(
        "nominations/nomination_form.html",
        form=entry_form_class(specs)(formdata=None),
        category=category,
        nomination=None,
        specs=specs,
        delete_form=DeleteForm(),
        consent_problem=None,
        ask_form=None,
        signed_form=None,
        preview={"who": who, "title": title, "back_url": _edit_url(category, applicant_type)},
    )
