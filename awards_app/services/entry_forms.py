"""Which entry form a nomination follows: the category's newest version for the applicant's type, else for any
applicant, else the category kind's default; a submitted nomination keeps the version it was written against."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import sqlalchemy as sa

from ..entry_forms import FieldSpec, LocalText, default_fields, in_both_languages, specs_from_dicts
from ..extensions import db
from ..models import ANY_APPLICANT, Category, EntryForm, Nomination, NominationStatus, OrganisationType


def current_form(category: Category, applicant_type: str) -> EntryForm | None:
    """The newest stored version of the category's form for exactly this applicant type (or ``any``)."""
    return db.session.scalar(
        sa.select(EntryForm)
        .where(EntryForm.category_id == category.id, EntryForm.applicant_type == applicant_type)
        .order_by(EntryForm.version.desc())
        .limit(1)
    )


class CurrentForms:
    """The current forms of some categories, read in one query, for work that asks for many (category, applicant
    type) pairs at once, such as an import of a few hundred rows; ``form_for`` and ``fields_for`` ask it for one."""

    def __init__(self, categories: Iterable[Category]) -> None:
        self._newest: dict[tuple[int, str], EntryForm] = {}
        self._fields: dict[tuple[int, int | None], tuple[FieldSpec, ...]] = {}
        ids = {c.id for c in categories}
        if ids:
            for form in db.session.scalars(
                sa.select(EntryForm).where(EntryForm.category_id.in_(ids)).order_by(EntryForm.version)
            ):
                self._newest[(form.category_id, form.applicant_type)] = form  # a later version replaces an earlier

    def form_for(self, category: Category, organisation_type: OrganisationType | str | None) -> EntryForm | None:
        """The form an applicant of this type fills in now: their type's own, else the one for any applicant; None
        means the category kind's default form."""
        own = self._newest.get((category.id, str(organisation_type))) if organisation_type else None
        return own if own is not None else self._newest.get((category.id, ANY_APPLICANT))

    def fields_for(self, category: Category, organisation_type: OrganisationType | str | None) -> tuple[FieldSpec, ...]:
        form = self.form_for(category, organisation_type)
        key = (category.id, form.id if form is not None else None)
        if key not in self._fields:
            self._fields[key] = fields_of_form(form, category)
        return self._fields[key]


def form_for(category: Category, organisation_type: OrganisationType | str | None) -> EntryForm | None:
    """The form an applicant of this type fills in now (``CurrentForms.form_for``)."""
    return CurrentForms([category]).form_for(category, organisation_type)


def fields_of_form(form: EntryForm | None, category: Category) -> tuple[FieldSpec, ...]:
    return specs_from_dicts(form.fields) if form is not None else default_fields(category.kind)


def fields_for(category: Category, organisation_type: OrganisationType | str | None) -> tuple[FieldSpec, ...]:
    """The fields an applicant of this type fills in now."""
    return fields_of_form(form_for(category, organisation_type), category)


def fields_of(nomination: Nomination, forms: CurrentForms | None = None) -> tuple[FieldSpec, ...]:
    """The fields a nomination answers: a draft follows the form it will be submitted on (the current one for its
    organisation's type), anything else the version it was written against. ``forms``: the current forms, when
    the caller has read them already (to ``pin`` the draft after)."""
    if nomination.status is NominationStatus.DRAFT:
        forms = forms if forms is not None else CurrentForms([nomination.category])
        return forms.fields_for(nomination.category, nomination.organisation.type)
    return fields_of_form(nomination.entry_form, nomination.category)


def pin(nomination: Nomination, forms: CurrentForms | None = None) -> tuple[FieldSpec, ...]:
    """Tie a draft (or an imported entry) to the form it is written on now, and return that form's fields."""
    forms = forms if forms is not None else CurrentForms([nomination.category])
    nomination.entry_form = forms.form_for(nomination.category, nomination.organisation.type)
    return forms.fields_for(nomination.category, nomination.organisation.type)


def submitted_count(form: EntryForm) -> int:
    """How many nominations were submitted on this version (a version with any can no longer change)."""
    return (
        db.session.scalar(
            sa.select(sa.func.count(Nomination.id)).where(
                Nomination.entry_form_id == form.id, Nomination.submitted_at.is_not(None)
            )
        )
        or 0
    )


def sheet_fields(category: Category, forms: CurrentForms | None = None) -> tuple[FieldSpec, ...]:
    """The columns of the category's sheet in the nominations workbook: the fields of the form of every applicant
    type the category admits (but file slots), merged by name in form order. A column is required where every form
    requires it; a field whose label another field already has is told apart by its name."""
    types = [t for t in OrganisationType if category.accepts(t)] or list(OrganisationType)
    forms = forms if forms is not None else CurrentForms([category])
    forms_of_types = [forms.fields_for(category, t) for t in types]
    merged: dict[str, FieldSpec] = {}
    for fields in forms_of_types:
        for spec in fields:
            if not spec.is_file:  # a workbook brings no files
                merged.setdefault(spec.name, spec)
    columns: list[FieldSpec] = []
    headers: set[str] = set()
    for spec in merged.values():
        english, korean = in_both_languages(spec.label)
        if english in headers:
            spec = replace(spec, label=LocalText(f"{english} ({spec.name})", f"{korean} ({spec.name})"))
            english = f"{english} ({spec.name})"
        headers.add(english)
        everywhere = all(any(f.name == spec.name and f.required for f in fields) for fields in forms_of_types)
        columns.append(replace(spec, required=everywhere))
    return tuple(columns)
