"""The nominations received by e-mail: a template with a sheet per category, and its import."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import partial

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ... import spreadsheets
from ...after_response import after_response
from ...entry_forms import FieldSpec, check_answers, clean_answers, title_field, title_of
from ...extensions import db
from ...i18n import ORGANISATION_TYPE_LABELS
from ...models import (
    ACTIVE_STATUSES,
    Category,
    Edition,
    Nomination,
    NominationStatus,
    Organisation,
    OrganisationType,
    Role,
    User,
    utcnow,
)
from ...rules import LONG_NAME_CHARS, NAME_CHARS
from ...spreadsheets import Column, Problem, Row, SheetSpec
from ..accounts import invite_imported
from ..audit import record
from ..entry_forms import CurrentForms, pin, sheet_fields
from ..nominations import next_reference
from . import (
    COUNTRY,
    ImportRefused,
    ImportResult,
    _both_languages,
    _category_sheet_names,
    _column,
    _country_lookup,
    _email,
    _lookup,
    _read,
    _spellings,
    str_header,
)

ORGANISATION = _l("Organisation")

ORGANISATION_TYPE = _l("Organisation type")

CITY = _l("City")

CONTACT_NAME = _l("Contact name")

CONTACT_EMAIL = _l("Contact e-mail")


def _type_lookup() -> dict[str, str]:
    return _lookup((t.value, _spellings(label)) for t, label in ORGANISATION_TYPE_LABELS.items())


def _field_column(spec: FieldSpec) -> Column:
    header, aliases = _both_languages(spec.label)
    notes = [str(spec.help)] if spec.help else []
    if spec.word_limit:
        notes.append(_("At most %(n)d words.", n=spec.word_limit))
    if spec.kind == "date":
        notes.append(_("A date, e.g. 2025-03-31."))
    if spec.kind == "urls":
        notes.append(_("One web address per line."))
    if spec.choices:
        notes.append(_("One of: %(values)s.", values=", ".join(value for value, _label in spec.choices)))
    return Column(
        header,
        required=spec.required,
        aliases=aliases,
        note=" ".join(notes),
        choices=tuple(value for value, _label in spec.choices),
        width=40 if spec.kind in ("textarea", "urls") else 22,
        wrap=spec.kind in ("textarea", "urls"),
    )


def _organisation_columns() -> tuple[Column, ...]:
    types = ", ".join(t.value for t in OrganisationType)
    return (
        _column(ORGANISATION, required=True, width=30, note=_("The organisation's name as it should appear.")),
        _column(
            ORGANISATION_TYPE,
            required=True,
            choices=tuple(t.value for t in OrganisationType),
            note=_("One of: %(values)s.", values=types),
        ),
        _column(COUNTRY, required=True, width=14, note=_("A country code such as KR, or the country's name.")),
        _column(CITY, required=True),
        _column(CONTACT_NAME, required=True, width=22),
        _column(
            CONTACT_EMAIL,
            required=True,
            width=30,
            note=_(
                "The applicant's account: an existing one, or a new one that the person can claim with "
                '"Forgot your password?".'
            ),
        ),
    )


def _nomination_specs(edition: Edition) -> list[tuple[Category, SheetSpec]]:
    categories = sorted(edition.categories, key=lambda c: (c.position, c.id))
    names = _category_sheet_names(categories)
    return [
        (
            c,
            SheetSpec(
                names[c.id],
                _organisation_columns() + tuple(_field_column(f) for f in sheet_fields(c)),
                blank_rows=200,
            ),
        )
        for c in categories
    ]


def nominations_template(edition: Edition) -> bytes:
    """The workbook the secretariat fills in with nominations received outside the website: a sheet per category."""
    specs = _nomination_specs(edition)
    instructions = [
        (
            _("What this is"),
            _(
                "Nominations received by e-mail or on paper, entered by the secretariat. Each sheet "
                "is one category; fill one row per nomination. Leave the sheets you do not need "
                "empty."
            ),
        ),
        (_("Required columns"), _("Columns marked * (orange) must be filled in; the others are optional.")),
        (
            _("Checks"),
            _(
                "Every row is checked against the same rules as the online form (required answers, word "
                "limits, dates, the categories each type of organisation may enter and the number of "
                "nominations per organisation). If any row is wrong, nothing is imported and each problem "
                "is listed with its sheet, row and column."
            ),
        ),
        (
            _("Result"),
            _(
                "Each row becomes a submitted nomination with its reference, under the contact's "
                "applicant account (created when the address is new)."
            ),
        ),
    ]
    for category, spec in specs:
        instructions.append(
            (
                spec.name,
                f"{category.code} · {category.name_en}" + (f" / {category.name_ko}" if category.name_ko else ""),
            )
        )
    return spreadsheets.build_template(
        [spec for _c, spec in specs], instructions, title=f"{edition.name}: {_('nominations')}"
    )


@dataclass
class _Applicant:
    email: str
    name: str
    organisation: tuple[str, OrganisationType, str, str]  # name, type, country, city
    user: User | None = None
    org: Organisation | None = None


#: The upload form's choice that lets a contact new to the site join an organisation registered here.
JOIN_REGISTERED = _l("New contacts may join organisations already registered here")


def import_nominations(
    edition: Edition, data: bytes, actor: User, filename: str = "", join_registered: bool = False
) -> ImportResult:
    """Enter the nominations of a filled-in template as submitted nominations, all or none.

    A contact new to the site whose organisation is registered here (the same name, type and country) would join it,
    and read and change its nominations: that happens only with ``join_registered``, which the secretariat chooses
    once it has checked with the organisation. Without it such a row is refused and says so."""
    specs = _nomination_specs(edition)
    rows = _read(data, [spec for _c, spec in specs])
    category_of = {spec.name: category for category, spec in specs}
    forms = CurrentForms(category for category, _spec in specs)  # every row's form, read once
    headers = {c.id: {f.name: _both_languages(f.label)[0] for f in sheet_fields(c, forms)} for c, _spec in specs}
    countries, types = _country_lookup(), _type_lookup()
    problems: list[Problem] = []

    emails = {_email(r.get(str_header(CONTACT_EMAIL))) for r in rows} - {None}
    users = (
        {
            u.email: u
            for u in db.session.scalars(
                sa.select(User).where(User.email.in_(emails)).options(selectinload(User.organisation))
            )
        }
        if emails
        else {}
    )
    known_orgs: dict[tuple[str, str], list[Organisation]] = defaultdict(list)
    names = {spreadsheets.header_key(r.get(str_header(ORGANISATION))) for r in rows}
    if names:
        for known in db.session.scalars(
            sa.select(Organisation)
            .where(sa.func.lower(Organisation.name).in_({n for n in names if n}))
            .options(selectinload(Organisation.members))  # whether a new contact would join people already there
        ):
            known_orgs[(spreadsheets.header_key(known.name), known.country_code)].append(known)

    applicants: dict[str, _Applicant] = {}
    planned: list[tuple[Row, Category, _Applicant, dict[str, str]]] = []
    for row in rows:
        category = category_of[row.sheet]
        before = len(problems)
        org_name = row.get(str_header(ORGANISATION))[:LONG_NAME_CHARS]
        org_type = types.get(spreadsheets.header_key(row.get(str_header(ORGANISATION_TYPE))))
        country = countries.get(spreadsheets.header_key(row.get(str_header(COUNTRY))))
        city = row.get(str_header(CITY))[:NAME_CHARS]
        contact = row.get(str_header(CONTACT_NAME))[:NAME_CHARS]
        email = _email(row.get(str_header(CONTACT_EMAIL)))
        for header, value in ((ORGANISATION, org_name), (CITY, city), (CONTACT_NAME, contact)):
            if not value:
                problems.append(row.problem(str_header(header), _("Fill this in.")))
        if org_type is None:
            problems.append(
                row.problem(
                    str_header(ORGANISATION_TYPE),
                    _("Choose one of: %(values)s.", values=", ".join(t.value for t in OrganisationType)),
                )
            )
        elif not category.accepts(OrganisationType(org_type)):
            problems.append(
                row.problem(str_header(ORGANISATION_TYPE), _("This category is not open to this type of organisation."))
            )
        if country is None:
            problems.append(row.problem(str_header(COUNTRY), _("Give a country code such as KR, or a country's name.")))
        if email is None:
            problems.append(row.problem(str_header(CONTACT_EMAIL), _("Give a valid e-mail address.")))
        # Each row answers the form of its organisation's type; the sheet has the columns of every type's form.
        admitted = org_type is not None and category.accepts(OrganisationType(org_type))
        fields = forms.fields_for(category, org_type) if admitted else sheet_fields(category, forms)
        labels = headers[category.id]
        answers = clean_answers(fields, {f.name: row.get(labels[f.name]) for f in fields if not f.is_file})
        found = check_answers(fields, answers)
        for name, messages in found.by_field.items():
            for message in messages:
                problems.append(row.problem(labels.get(name, name), message))
        if len(problems) > before:
            continue
        assert org_type is not None and country is not None and email is not None  # each was checked above
        organisation = (org_name, OrganisationType(org_type), country, city)
        applicant = applicants.get(email)
        if applicant is None:
            applicant = applicants[email] = _Applicant(email, contact, organisation, users.get(email))
            problem = _resolve_organisation(row, applicant, known_orgs, join_registered)
            if problem:
                problems.append(problem)
                continue
        elif _org_key(applicant.organisation) != _org_key(organisation):
            problems.append(
                row.problem(
                    str_header(ORGANISATION), _("Another row gives this contact e-mail with a different organisation.")
                )
            )
            continue
        planned.append((row, category, applicant, answers))

    _check_limits(planned, problems, forms)
    if problems:
        db.session.rollback()
        raise ImportRefused(problems)

    result = ImportResult()
    now = utcnow()
    new_organisations: dict[tuple[str, str, str], Organisation] = {}
    for applicant in applicants.values():
        if applicant.user is None:
            org = applicant.org
            if org is None:
                name, org_type, country, city = applicant.organisation
                org = new_organisations.get(_org_key(applicant.organisation))
                if org is None:
                    org = Organisation(name=name, type=org_type, country_code=country, city=city)
                    new_organisations[_org_key(applicant.organisation)] = org
                applicant.org = org
            applicant.user = User(email=applicant.email, name=applicant.name, organisation=org)
            applicant.user.grant(Role.APPLICANT)
            db.session.add(applicant.user)
            db.session.flush()
            record(
                "account.imported",
                applicant.user,
                actor,
                f"{applicant.email} created by an import for {org.name}",
                {"email": applicant.email, "organisation": org.name},
            )
            result.details.append(applicant.email)
    for row, category, applicant, answers in planned:
        assert applicant.user is not None  # every applicant has an account by now
        nomination = Nomination(
            edition_id=edition.id,
            category=category,
            organisation=applicant.user.organisation,
            created_by=applicant.user,
            status=NominationStatus.SUBMITTED,
            answers=answers,
            submitted_at=now,
        )
        db.session.add(nomination)
        nomination.title = title_of(pin(nomination, forms), answers)
        db.session.flush()
        nomination.reference = next_reference(nomination)
        record(
            "nomination.imported",
            nomination,
            actor,
            f"imported from {filename or 'a workbook'} as {nomination.reference}",
            {"reference": nomination.reference, "file": filename[:LONG_NAME_CHARS], "row": f"{row.sheet}!{row.number}"},
        )
        result.created += 1
    db.session.commit()
    # Each account the import made is told, and can claim it (a password of its own); the mail goes once saved.
    made = [a.user.id for a in applicants.values() if a.user is not None and not a.user.has_password]
    if made:
        after_response(partial(invite_imported, made, actor.id))
    return result


def _org_key(organisation: tuple[str, OrganisationType, str, str]) -> tuple[str, str, str]:
    name, org_type, country, _city = organisation
    return spreadsheets.header_key(name), org_type.value, country


def _resolve_organisation(
    row: Row, applicant: _Applicant, known: dict[tuple[str, str], list[Organisation]], join_registered: bool
) -> Problem | None:
    """An existing applicant must be named with their own organisation; a new one starts one, or joins a registered
    organisation of the same name, type and country: one with members only when the secretariat allowed it."""
    name, org_type, country, _city = applicant.organisation
    user = applicant.user
    if user is not None:
        if not user.is_applicant:
            return row.problem(
                str_header(CONTACT_EMAIL),
                _("This address belongs to a judge or secretariat account; give the applicant's own address."),
            )
        org = user.organisation
        if org is None:
            return row.problem(
                str_header(CONTACT_EMAIL),
                _("This address belongs to an account without an organisation; give the applicant's own address."),
            )
        if (spreadsheets.header_key(org.name), org.country_code) != (spreadsheets.header_key(name), country):
            return row.problem(
                str_header(ORGANISATION),
                _(
                    "This contact is registered with %(organisation)s (%(country)s); use that name or another contact.",
                    organisation=org.name,
                    country=org.country_code,
                ),
            )
        applicant.org = org
        return None
    matches = [o for o in known.get((spreadsheets.header_key(name), country), []) if o.type is org_type]
    applicant.org = matches[0] if len(matches) == 1 else None
    if applicant.org is not None and applicant.org.members and not join_registered:
        # Anyone could send the secretariat an entry "for" a registered city with their own address: joining it
        # would show them its nominations. Its members decide that, not a row of a workbook.
        return row.problem(
            str_header(CONTACT_EMAIL),
            _(
                "%(email)s is not a member of %(organisation)s, which is registered here. Give the address of one "
                "of its members; or, once you have checked with the organisation that this contact works for it, "
                "tick “%(choice)s” and upload again: the contact will read and change its nominations.",
                email=applicant.email,
                organisation=applicant.org.name,
                choice=JOIN_REGISTERED,
            ),
        )
    return None


def _check_limits(
    planned: list[tuple[Row, Category, _Applicant, dict[str, str]]], problems: list[Problem], forms: CurrentForms
) -> None:
    """The per-organisation maximum of each category, and no nomination entered twice."""
    org_ids = {a.org.id for _r, _c, a, _x in planned if a.org is not None}
    existing: dict[tuple[int, int], list[Nomination]] = defaultdict(list)
    if org_ids:
        # Hold the organisations' rows while counting, as an applicant's own submission does.
        db.session.execute(sa.update(Organisation).where(Organisation.id.in_(org_ids)).values(id=Organisation.id))
        for nomination in db.session.scalars(
            sa.select(Nomination).where(Nomination.organisation_id.in_(org_ids), Nomination.status.in_(ACTIVE_STATUSES))
        ):
            existing[(nomination.organisation_id, nomination.category_id)].append(nomination)
    counts: Counter = Counter()
    titles: dict[tuple[object, int, str], Row] = {}
    for row, category, applicant, answers in planned:
        owner: object = applicant.org.id if applicant.org is not None else _org_key(applicant.organisation)
        here = existing.get((owner, category.id), []) if isinstance(owner, int) else []
        fields = forms.fields_for(category, applicant.organisation[1])
        title = spreadsheets.header_key(title_of(fields, answers))
        named_by = title_field(fields)
        title_header = str_header(named_by.label) if named_by is not None else str_header(ORGANISATION)
        same = next((n for n in here if spreadsheets.header_key(n.title) == title), None)
        if same is not None:
            problems.append(
                row.problem(
                    title_header,
                    _(
                        "This organisation already has this nomination (%(reference)s).",
                        reference=same.reference or _("draft"),
                    ),
                )
            )
            continue
        if (owner, category.id, title) in titles:
            earlier = titles[(owner, category.id, title)]
            problems.append(
                row.problem(title_header, _("The same nomination is on row %(row)d too.", row=earlier.number))
            )
            continue
        titles[(owner, category.id, title)] = row
        counts[(owner, category.id)] += 1
        if len(here) + counts[(owner, category.id)] > category.max_per_organisation:
            problems.append(
                row.problem(
                    str_header(ORGANISATION),
                    _(
                        "This organisation would have more nominations than allowed in this category (%(n)d).",
                        n=category.max_per_organisation,
                    ),
                )
            )
