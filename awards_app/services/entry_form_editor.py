"""The secretariat shapes a category's entry forms: one per applicant type, edited field by field.

Every change is checked as a whole form (``entry_forms.form_problems``) and refused, changing nothing, when the form
would be unusable. A version that a nomination was submitted against never changes: the change makes the next
version, and the submitted nominations keep theirs.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ..entry_forms import default_fields, form_problems, spec_to_dict
from ..extensions import db
from ..models import ANY_APPLICANT, Category, EntryForm, Nomination, OrganisationType, User
from . import ServiceError
from .audit import record
from .entry_forms import current_form, fields_for, submitted_count

#: Every applicant type a form can be for, the form for any applicant first.
APPLICANT_TYPES = (ANY_APPLICANT, *(t.value for t in OrganisationType))


class FormRefused(ServiceError):
    """The change would make the form unusable; ``problems`` says why, one message each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


@dataclass
class FormRow:
    """One applicant type's form in a category: its newest version (None: it follows another form)."""

    applicant_type: str
    form: EntryForm | None
    versions: list[EntryForm]
    submitted: int


def overview(category: Category) -> list[FormRow]:
    """The category's forms by applicant type: for any applicant, then each type the category admits or has a
    form for."""
    rows = []
    for applicant_type in APPLICANT_TYPES:
        versions = [form for form in category.entry_forms if form.applicant_type == applicant_type]
        if applicant_type != ANY_APPLICANT and not versions and applicant_type not in (category.eligible_types or []):
            continue
        newest = max(versions, key=lambda form: form.version) if versions else None
        rows.append(FormRow(applicant_type, newest, sorted(versions, key=lambda f: f.version), _submitted(newest)))
    return rows


def _submitted(form: EntryForm | None) -> int:
    return submitted_count(form) if form is not None else 0


def version_of(category: Category, applicant_type: str, number: int | None) -> EntryForm | None:
    """A version of the category's form for an applicant type (the newest when no number is given)."""
    if number is None:
        return current_form(category, applicant_type)
    return next((f for f in category.entry_forms if f.applicant_type == applicant_type and f.version == number), None)


def _check_type(applicant_type: str) -> None:
    if applicant_type not in APPLICANT_TYPES:
        raise ServiceError(_l("Unknown applicant type."))


def create_form(category: Category, applicant_type: str, user: User) -> EntryForm:
    """Give an applicant type its own form, starting as a copy of the one its applicants fill in now."""
    _check_type(applicant_type)
    with _one_at_a_time():
        if current_form(category, applicant_type) is not None:
            raise ServiceError(_l("This applicant type already has its own form: edit it below."))
        if applicant_type == ANY_APPLICANT:
            form = _materialise_default(category, user)
        else:
            rows = [spec_to_dict(spec) for spec in fields_for(category, ANY_APPLICANT)]
            form = EntryForm(category=category, applicant_type=applicant_type, version=1, fields=rows, created_by=user)
            db.session.add(form)
            db.session.flush()
        record(
            "entry_form.created",
            form,
            user,
            f"entry form of {category.code} for {applicant_type} created",
            {"category": category.code, "applicant_type": applicant_type, "version": form.version},
        )
        db.session.commit()
    return form


def _materialise_default(category: Category, user: User) -> EntryForm:
    """Store the kind's default form as version 1 of the form for any applicant; the nominations written on the
    default (no version of their own) are that version's."""
    rows = [spec_to_dict(spec) for spec in default_fields(category.kind)]
    form = EntryForm(category=category, applicant_type=ANY_APPLICANT, version=1, fields=rows, created_by=user)
    db.session.add(form)
    db.session.flush()
    for nomination in db.session.scalars(
        db.select(Nomination).where(Nomination.category_id == category.id, Nomination.entry_form_id.is_(None))
    ):
        nomination.entry_form = form
    return form


def _editable(category: Category, applicant_type: str, user: User) -> EntryForm:
    """The version a change goes into: the newest, or a new one when a nomination was submitted on the newest."""
    _check_type(applicant_type)
    form = current_form(category, applicant_type)
    if form is None:
        if applicant_type != ANY_APPLICANT:
            raise ServiceError(_l("This applicant type has no form of its own yet: create it first."))
        form = _materialise_default(category, user)
    if submitted_count(form):
        form = EntryForm(
            category=category,
            applicant_type=applicant_type,
            version=form.version + 1,
            fields=copy.deepcopy(form.fields),
            created_by=user,
        )
        db.session.add(form)
        db.session.flush()
    return form


def _change(
    category: Category,
    applicant_type: str,
    user: User,
    change: Callable[[list[dict]], list[dict]],
    action: str,
    summary: str,
    details: dict,
) -> EntryForm:
    with _one_at_a_time():
        form = _editable(category, applicant_type, user)
        rows = change(copy.deepcopy(form.fields))
        problems = form_problems(rows)
        if problems:
            raise FormRefused(problems)
        form.fields = rows
        record(
            action,
            form,
            user,
            f"{summary} in the {applicant_type} form of {category.code} (version {form.version})",
            {"category": category.code, "applicant_type": applicant_type, "version": form.version, **details},
        )
        db.session.commit()
    return form


@contextmanager
def _one_at_a_time() -> Iterator[None]:
    """Refuse a change, undoing all of it; two people making the same new version at once get one through (the
    version number is unique) and the other a message."""
    try:
        yield
    except ServiceError:
        db.session.rollback()
        raise
    except IntegrityError as error:
        db.session.rollback()
        raise ServiceError(
            _l("Someone else changed this form at the same moment: look at it again, then retry.")
        ) from error


def _index(rows: list[dict], name: str) -> int:
    for position, row in enumerate(rows):
        if row.get("name") == name:
            return position
    raise ServiceError(_l("The form has no field named “%(name)s”.", name=name))


def add_field(category: Category, applicant_type: str, data: dict, user: User) -> EntryForm:
    """Add a field at the end of the form."""
    return _change(
        category,
        applicant_type,
        user,
        lambda rows: [*rows, data],
        "entry_form.field_added",
        f"field {data.get('name')} added",
        {"field": data},
    )


def update_field(category: Category, applicant_type: str, name: str, data: dict, user: User) -> EntryForm:
    """Change a field; a new name is followed by the conditions that named the old one."""

    def change(rows: list[dict]) -> list[dict]:
        rows[_index(rows, name)] = data
        new_name = data.get("name")
        if new_name != name:
            for row in rows:
                condition = row.get("required_if")
                if condition and condition[0] == name:
                    row["required_if"] = [new_name, condition[1]]
        return rows

    return _change(
        category, applicant_type, user, change, "entry_form.field_changed", f"field {name} changed", {"field": data}
    )


def remove_field(category: Category, applicant_type: str, name: str, user: User) -> EntryForm:
    """Remove a field (refused while another field's condition names it); the section it opened opens at the next
    field instead, unless that one opens its own."""

    def change(rows: list[dict]) -> list[dict]:
        position = _index(rows, name)
        removed = rows.pop(position)
        following = rows[position] if position < len(rows) else None
        if following is not None and not (following.get("section_en") or following.get("section_ko")):
            following["section_en"] = removed.get("section_en") or ""
            following["section_ko"] = removed.get("section_ko") or ""
        return rows

    return _change(
        category, applicant_type, user, change, "entry_form.field_removed", f"field {name} removed", {"field": name}
    )


def move_field(category: Category, applicant_type: str, name: str, step: int, user: User) -> EntryForm:
    """Move a field up (step -1) or down (step 1) the form."""

    def change(rows: list[dict]) -> list[dict]:
        position = _index(rows, name)
        target = position + step
        if step not in (-1, 1) or not 0 <= target < len(rows):
            raise ServiceError(_l("The field cannot move further that way."))
        rows[position], rows[target] = rows[target], rows[position]
        return rows

    return _change(
        category,
        applicant_type,
        user,
        change,
        "entry_form.field_moved",
        f"field {name} moved {'up' if step < 0 else 'down'}",
        {"field": name, "step": step},
    )
