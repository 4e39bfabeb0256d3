"""Excel in: nominations received by e-mail, the judge list, and a judge's offline score sheet.

Each import reads the whole file, checks every row against the same rules as the web forms, and writes nothing
unless every row is right; then it writes everything in one transaction. Problems name the sheet, the row and the
column. The templates come from here too, so a template and its import can never disagree.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import available_timezones

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from .. import spreadsheets
from ..entry_forms import FieldSpec, check_answers, clean_answers, fields_for, title_of
from ..extensions import db
from ..i18n import ORGANISATION_TYPE_LABELS
from ..models import (
    ACTIVE_STATUSES,
    Assignment,
    Category,
    Conflict,
    Criterion,
    Edition,
    Nomination,
    NominationStatus,
    Organisation,
    OrganisationType,
    Role,
    Round,
    RoundMode,
    ScoreSheet,
    SheetStatus,
    User,
    utcnow,
)
from ..regions import COUNTRY_CODES, country_name
from ..scoring import ScoreError, parse_score
from ..spreadsheets import Column, Problem, Row, SheetSpec
from . import ServiceError
from .accounts import normalise_email, send_invitation
from .audit import record
from .judging import (
    STALE_SHEET,
    ScoresRefused,
    SheetInput,
    StaleSheet,
    criteria_of,
    scales_of,
    score_message,
    scoring_refusal,
    write_declaration,
    write_sheet,
)
from .nominations import next_reference

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportRefused(ServiceError):
    """The file has problems; nothing was written. ``problems`` says where and why."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = spreadsheets.sort_problems(problems)
        super().__init__(_l("Nothing was saved: correct the rows listed below and upload the file again."))


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    details: list[str] = field(default_factory=list)


def _read(data: bytes, specs: list[SheetSpec], require_all: bool = False) -> list[Row]:
    try:
        rows, problems = spreadsheets.read_workbook(
            data, specs, require_all=require_all, max_unpacked=current_app.config["MAX_WORKBOOK_UNPACKED_BYTES"]
        )
    except spreadsheets.UnreadableFile as error:
        raise ImportRefused([Problem("", 0, "", str(error))]) from error
    if problems:
        raise ImportRefused(problems)
    return rows


def _both_languages(text) -> tuple[str, tuple[str, ...]]:
    """A lazy text in English (the header) and in Korean (accepted as well)."""
    with force_locale("en"):
        english = str(text)
    with force_locale("ko"):
        korean = str(text)
    return english, ((korean,) if korean != english else ())


def _spellings(text) -> tuple[str, ...]:
    """Every accepted spelling of a lazy text: English first, then Korean."""
    english, others = _both_languages(text)
    return (english, *others)


def _column(text, **options) -> Column:
    header, aliases = _both_languages(text)
    return Column(header, aliases=aliases, **options)


def _lookup(pairs: Iterable[tuple[str, Iterable[str]]]) -> dict[str, str]:
    """A map from every accepted spelling (casefolded) to its stored value."""
    found: dict[str, str] = {}
    for value, spellings in pairs:
        for spelling in (value, *spellings):
            found.setdefault(spreadsheets.header_key(spelling), value)
    return found


def _country_lookup() -> dict[str, str]:
    return _lookup((code, (country_name(code, "en"), country_name(code, "ko"))) for code in COUNTRY_CODES)


def _email(text: str) -> str | None:
    try:
        return normalise_email(validate_email(text, check_deliverability=False).normalized)
    except EmailNotValidError:
        return None


# --- nominations ------------------------------------------------------------------------------------

ORGANISATION = _l("Organisation")
ORGANISATION_TYPE = _l("Organisation type")
COUNTRY = _l("Country")
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
    if spec.widget == "date":
        notes.append(_("A date, e.g. 2025-03-31."))
    if spec.widget == "urls":
        notes.append(_("One web address per line."))
    if spec.choices:
        notes.append(_("One of: %(values)s.", values=", ".join(value for value, _label in spec.choices)))
    return Column(
        header,
        required=spec.required,
        aliases=aliases,
        note=" ".join(notes),
        choices=tuple(value for value, _label in spec.choices),
        width=40 if spec.widget in ("textarea", "urls") else 22,
        wrap=spec.widget in ("textarea", "urls"),
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


def _category_sheet_names(categories: list[Category]) -> dict[int, str]:
    from ..workbook import CategoryInfo, category_sheet_names

    infos = [CategoryInfo(c.code, c.name_en, ()) for c in categories]
    return dict(zip((c.id for c in categories), category_sheet_names(infos), strict=True))


def _nomination_specs(edition: Edition) -> list[tuple[Category, SheetSpec]]:
    categories = sorted(edition.categories, key=lambda c: (c.position, c.id))
    names = _category_sheet_names(categories)
    return [
        (
            c,
            SheetSpec(
                names[c.id],
                _organisation_columns() + tuple(_field_column(f) for f in fields_for(c.kind)),
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


def import_nominations(edition: Edition, data: bytes, actor: User, filename: str = "") -> ImportResult:
    """Enter the nominations of a filled-in template as submitted nominations, all or none."""
    specs = _nomination_specs(edition)
    rows = _read(data, [spec for _c, spec in specs])
    category_of = {spec.name: category for category, spec in specs}
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
        for org in db.session.scalars(
            sa.select(Organisation).where(sa.func.lower(Organisation.name).in_({n for n in names if n}))
        ):
            known_orgs[(spreadsheets.header_key(org.name), org.country_code)].append(org)

    applicants: dict[str, _Applicant] = {}
    planned: list[tuple[Row, Category, _Applicant, dict[str, str]]] = []
    for row in rows:
        category = category_of[row.sheet]
        before = len(problems)
        org_name = row.get(str_header(ORGANISATION))[:200]
        org_type = types.get(spreadsheets.header_key(row.get(str_header(ORGANISATION_TYPE))))
        country = countries.get(spreadsheets.header_key(row.get(str_header(COUNTRY))))
        city = row.get(str_header(CITY))[:120]
        contact = row.get(str_header(CONTACT_NAME))[:120]
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
        answers = clean_answers(
            category.kind, {f.name: row.get(_both_languages(f.label)[0]) for f in fields_for(category.kind)}
        )
        found = check_answers(category.kind, answers)
        labels = {f.name: _both_languages(f.label)[0] for f in fields_for(category.kind)}
        for name, messages in found.by_field.items():
            for message in messages:
                problems.append(row.problem(labels.get(name, name), message))
        if len(problems) > before:
            continue
        organisation = (org_name, OrganisationType(org_type), country, city)
        applicant = applicants.get(email)
        if applicant is None:
            applicant = applicants[email] = _Applicant(email, contact, organisation, users.get(email))
            problem = _resolve_organisation(row, applicant, known_orgs)
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

    _check_limits(planned, problems)
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
        nomination = Nomination(
            edition_id=edition.id,
            category=category,
            organisation=applicant.user.organisation,
            created_by=applicant.user,
            status=NominationStatus.SUBMITTED,
            answers=answers,
            title=title_of(category.kind, answers),
            submitted_at=now,
        )
        db.session.add(nomination)
        db.session.flush()
        nomination.reference = next_reference(nomination)
        record(
            "nomination.imported",
            nomination,
            actor,
            f"imported from {filename or 'a workbook'} as {nomination.reference}",
            {"reference": nomination.reference, "file": filename[:200], "row": f"{row.sheet}!{row.number}"},
        )
        result.created += 1
    db.session.commit()
    return result


def str_header(text) -> str:
    """The English header of a column, as the reader keys the row's values."""
    return _both_languages(text)[0]


def _org_key(organisation: tuple[str, OrganisationType, str, str]) -> tuple[str, str, str]:
    name, org_type, country, _city = organisation
    return spreadsheets.header_key(name), org_type.value, country


def _resolve_organisation(
    row: Row, applicant: _Applicant, known: dict[tuple[str, str], list[Organisation]]
) -> Problem | None:
    """An existing applicant must be named with their own organisation; a new one joins a registered organisation
    of the same name, type and country, or starts one."""
    name, org_type, country, _city = applicant.organisation
    user = applicant.user
    if user is not None:
        if not user.is_applicant:
            return row.problem(
                str_header(CONTACT_EMAIL),
                _("This address belongs to a judge or secretariat account; give the applicant's own address."),
            )
        org = user.organisation
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
    return None


def _check_limits(planned: list[tuple[Row, Category, _Applicant, dict[str, str]]], problems: list[Problem]) -> None:
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
        title = spreadsheets.header_key(title_of(category.kind, answers))
        title_header = next(
            str_header(f.label) for f in fields_for(category.kind) if f.name in ("title", "nominee_name")
        )
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


# --- judges -----------------------------------------------------------------------------------------

NAME = _l("Name")
EMAIL = _l("E-mail")
TITLE = _l("Title")
AFFILIATION = _l("Organisation")
EXPERTISE = _l("Expertise")
LANGUAGES = _l("Languages")
TIME_ZONE = _l("Time zone")
_PROFILE = (
    ("title", TITLE, 120),
    ("affiliation", AFFILIATION, 200),
    ("expertise", EXPERTISE, 500),
    ("languages", LANGUAGES, 200),
)


def _judge_spec() -> SheetSpec:
    return SheetSpec(
        "Judges",
        (
            _column(NAME, required=True, width=26),
            _column(EMAIL, required=True, width=30),
            _column(TITLE, width=22, note=_("e.g. Professor, Director of Smart City Policy")),
            _column(AFFILIATION, width=30),
            _column(COUNTRY, width=14, note=_("A country code such as KR, or the country's name.")),
            _column(EXPERTISE, width=30, wrap=True),
            _column(LANGUAGES, width=18, note=_("e.g. English, Korean")),
            _column(
                TIME_ZONE,
                width=20,
                note=_(
                    "e.g. Asia/Seoul, Europe/Paris, America/Bogota. Deadlines are shown "
                    "to the judge in this zone; Asia/Seoul when empty."
                ),
            ),
        ),
        blank_rows=100,
    )


def judges_template() -> bytes:
    """The workbook for the judge list."""
    return spreadsheets.build_template(
        [_judge_spec()],
        [
            (
                _("What this is"),
                _(
                    "The panel of judges, one row per person. New people receive an invitation by e-mail "
                    "to set their password; people who already have an account become judges and their "
                    "profile is updated with what the row gives."
                ),
            ),
            (_("Required columns"), _("Columns marked * (orange) must be filled in; the others are optional.")),
            (
                _("Checks"),
                _("If any row is wrong, nothing is imported and each problem is listed with its row and column."),
            ),
        ],
        title=_("Judges"),
    )


def import_judges(data: bytes, actor: User, filename: str = "") -> ImportResult:
    """Create or update the judges of a filled-in judge list, all or none; invite the new ones."""
    spec = _judge_spec()
    rows = _read(data, [spec], require_all=True)
    countries, zones = _country_lookup(), available_timezones() - {"localtime", "Factory"}
    problems: list[Problem] = []
    planned: list[tuple[Row, str, str, dict[str, str]]] = []
    first_row: dict[str, int] = {}
    for row in rows:
        before = len(problems)
        name = row.get(str_header(NAME))
        email = _email(row.get(str_header(EMAIL)))
        if not name:
            problems.append(row.problem(str_header(NAME), _("Fill this in.")))
        elif len(name) > 120:
            problems.append(row.problem(str_header(NAME), _("At most %(n)d characters.", n=120)))
        if email is None:
            problems.append(row.problem(str_header(EMAIL), _("Give a valid e-mail address.")))
        elif email in first_row:
            problems.append(
                row.problem(str_header(EMAIL), _("This address is on row %(row)d too.", row=first_row[email]))
            )
        else:
            first_row[email] = row.number
        profile: dict[str, str] = {}
        for attribute, header, limit in _PROFILE:
            value = row.get(str_header(header))
            if len(value) > limit:
                problems.append(row.problem(str_header(header), _("At most %(n)d characters.", n=limit)))
            profile[attribute] = value
        country_text = row.get(str_header(COUNTRY))
        if country_text:
            country = countries.get(spreadsheets.header_key(country_text))
            if country is None:
                problems.append(
                    row.problem(str_header(COUNTRY), _("Give a country code such as KR, or a country's name."))
                )
            profile["country_code"] = country or ""
        zone = row.get(str_header(TIME_ZONE))
        if zone:
            match = next((z for z in zones if z.casefold() == zone.casefold()), None)
            if match is None:
                problems.append(
                    row.problem(str_header(TIME_ZONE), _("Give a time zone such as Asia/Seoul or Europe/Paris."))
                )
            profile["time_zone"] = match or ""
        if len(problems) == before:
            planned.append((row, name, email, profile))
    users = (
        {
            u.email: u
            for u in db.session.scalars(sa.select(User).where(User.email.in_([email for _r, _n, email, _p in planned])))
        }
        if planned
        else {}
    )
    for row, _name, email, _profile in planned:
        user = users.get(email)
        if user is not None and user.is_applicant:
            problems.append(
                row.problem(str_header(EMAIL), _("This address belongs to an applicant account; use another address."))
            )
    if problems:
        raise ImportRefused(problems)

    result = ImportResult()
    to_invite: list[User] = []
    for _row, name, email, profile in planned:
        user = users.get(email)
        if user is None:
            user = User(email=email, name=name, invited_by_id=actor.id)
            db.session.add(user)
            result.created += 1
            changed = ["name", *sorted(k for k, v in profile.items() if v)]
        else:
            changed = ["name"] if user.name != name else []
            user.name = name
            result.updated += 1
        for attribute, value in profile.items():
            if value and getattr(user, attribute) != value:
                setattr(user, attribute, value)
                changed.append(attribute)
        if not user.is_judge:
            user.grant(Role.JUDGE)
            to_invite.append(user)
            db.session.flush()
            record(
                "account.invited",
                user,
                actor,
                f"{email} invited as judge (import)",
                {"email": email, "roles": [Role.JUDGE.value]},
            )
        elif changed:
            db.session.flush()
            record(
                "account.profile_updated",
                user,
                actor,
                f"profile of {email} updated (import)",
                {"email": email, "fields": sorted(set(changed))},
            )
    db.session.commit()
    for user in to_invite:
        send_invitation(user, actor)
    result.details = [u.email for u in to_invite]
    return result


# --- a judge's offline score sheet ------------------------------------------------------------------

REFERENCE = _l("Reference")
NOMINATION = _l("Nomination")
STATUS = _l("Status")
CONFLICT = _l("Conflict of interest")
CONFLICT_REASON = _l("Conflict reason")
OVERALL = _l("Overall comment")
SUBMIT = _l("Submit")
VERSION = "Version"
NO_CONFLICT, HAS_CONFLICT = _l("No conflict"), _l("Conflict")
YES, NO = _l("yes"), _l("no")
_STATUS_TEXT = {"to_do": _l("To do"), "draft": _l("Draft"), "submitted": _l("Submitted"), "recused": _l("Recused")}


def _plain(value: Decimal | float) -> str:
    return format(Decimal(str(value)).normalize(), "f")


def _criterion_headers(position: int, criterion: Criterion) -> tuple[Column, Column]:
    score = Column(
        f"{position}. {criterion.name_en}",
        aliases=((f"{position}. {criterion.name_ko}",) if criterion.name_ko else ()),
        decimal_range=(float(criterion.min_score), float(criterion.max_score)),
        width=14,
        note=_(
            "Score from %(min)s to %(max)s in steps of %(step)s.",
            min=_plain(criterion.min_score),
            max=_plain(criterion.max_score),
            step=_plain(criterion.step),
        )
        + (" " + criterion.guidance_en if criterion.guidance_en else ""),
    )
    header, *korean = _spellings(_l("Comment"))
    comment = Column(f"{position}. {header}", aliases=tuple(f"{position}. {k}" for k in korean), width=24, wrap=True)
    return score, comment


def _score_columns(criteria: list[Criterion]) -> tuple[Column, ...]:
    conflict_choices = (str_header(NO_CONFLICT), str_header(HAS_CONFLICT))
    columns = [
        _column(REFERENCE, required=True, locked=True, width=18),
        _column(NOMINATION, locked=True, width=36, wrap=True),
        _column(STATUS, locked=True, width=12),
        _column(
            CONFLICT,
            choices=conflict_choices,
            width=18,
            note=_(
                "Declare before scoring: %(none)s, or %(conflict)s with the reason in the next column (you "
                "are then recused and give no scores).",
                none=conflict_choices[0],
                conflict=conflict_choices[1],
            ),
        ),
        _column(CONFLICT_REASON, width=24, wrap=True),
    ]
    for position, criterion in enumerate(criteria, start=1):
        columns.extend(_criterion_headers(position, criterion))
    columns.append(_column(OVERALL, width=30, wrap=True))
    columns.append(
        _column(
            SUBMIT,
            choices=(str_header(YES), str_header(NO)),
            width=10,
            note=_(
                "yes: submit and lock these scores (every criterion must be scored); no or empty: save them as a draft."
            ),
        )
    )
    columns.append(Column(VERSION, locked=True, hidden=True, width=8))
    return tuple(columns)


@dataclass
class _RoundSheets:
    round: Round
    categories: list[tuple[Category, list[Criterion], list[Assignment], SheetSpec]]


def _assignments_of(judge: User, round_: Round) -> list[Assignment]:
    return list(
        db.session.scalars(
            sa.select(Assignment)
            .join(Assignment.nomination)
            .where(Assignment.judge_id == judge.id, Assignment.round_id == round_.id)
            .options(
                selectinload(Assignment.sheet).selectinload(ScoreSheet.scores),
                selectinload(Assignment.nomination).selectinload(Nomination.category),
            )
            .order_by(Nomination.reference, Assignment.id)
        )
    )


def offline_refusal(judge: User, round_: Round):
    """Why this judge has no offline score sheet for the round (None when they have one)."""
    if round_.mode is RoundMode.COMMITTEE:
        return _l("This round is decided by a committee vote, not by scores.")
    if not _assignments_of(judge, round_):
        return _l("You have no assignments in this round.")
    return None


def _round_sheets(judge: User, round_: Round, *, with_rows: bool) -> _RoundSheets:
    assignments = _assignments_of(judge, round_)
    recused = set(db.session.scalars(sa.select(Conflict.nomination_id).where(Conflict.judge_id == judge.id)))
    by_category: dict[int, list[Assignment]] = defaultdict(list)
    for assignment in assignments:
        by_category[assignment.nomination.category_id].append(assignment)
    categories = sorted({a.nomination.category for a in assignments}, key=lambda c: (c.position, c.id))
    names = _category_sheet_names(categories)
    result = _RoundSheets(round_, [])
    for category in categories:
        criteria = criteria_of(round_, category)
        columns = _score_columns(criteria)
        rows = []
        if with_rows:
            for assignment in by_category[category.id]:
                rows.append(_prefilled(assignment, criteria, assignment.nomination_id in recused))
        result.categories.append(
            (category, criteria, by_category[category.id], SheetSpec(names[category.id], columns, tuple(rows)))
        )
    return result


def _prefilled(assignment: Assignment, criteria: list[Criterion], recused: bool) -> tuple[object, ...]:
    nomination, sheet = assignment.nomination, assignment.sheet
    if recused:
        status, conflict = "recused", str_header(HAS_CONFLICT)
    else:
        status = "to_do" if sheet is None else ("submitted" if sheet.status is SheetStatus.SUBMITTED else "draft")
        conflict = str_header(NO_CONFLICT) if assignment.no_conflict_declared_at else ""
    scores = {s.criterion_id: s for s in (sheet.scores if sheet else [])}
    values: list[object] = [nomination.reference, nomination.title, str(_STATUS_TEXT[status]), conflict, ""]
    for criterion in criteria:
        score = scores.get(criterion.id)
        values.append(float(score.value) if score is not None and score.value is not None else None)
        values.append(score.comment if score is not None else "")
    values.append(sheet.overall_comment if sheet else "")
    values.append(str_header(YES) if sheet is not None and sheet.status is SheetStatus.SUBMITTED else "")
    values.append(sheet.version if sheet is not None else 0)
    return tuple(values)


def score_workbook(judge: User, round_: Round, zone_of: Callable[[object], str] = str) -> bytes:
    """A judge's assignments of a round as a workbook to score offline: one sheet per category."""
    sheets = _round_sheets(judge, round_, with_rows=True)
    instructions = [
        (_("Round"), f"{round_.edition.name} · {round_.name}"),
        (_("Closes"), zone_of(round_.closes_at)),
        (
            _("How"),
            _(
                "Each row is one nomination assigned to you. Declare a conflict of interest first (column "
                '"%(conflict)s"), then score each criterion and, if you wish, comment. Write yes in '
                '"%(submit)s" to submit the row\'s scores, or leave it empty to keep them as a draft you can '
                "finish on the website. Upload the file on your assignments page before the round closes.",
                conflict=str_header(CONFLICT),
                submit=str_header(SUBMIT),
            ),
        ),
        (
            _("Checks"),
            _(
                "The upload is checked exactly as the online score sheet: scores within each criterion's "
                "range and steps, every criterion before submitting. If any row is wrong nothing is saved, "
                "and each problem is listed with its sheet, row and column."
            ),
        ),
    ]
    for category, criteria, _assignments, spec in sheets.categories:
        shares = scales_of(criteria)
        total = sum((s.weight for s in shares), Decimal(0)) or Decimal(1)
        lines = [
            f"{i}. {c.name_en} — {_('weight')} {float(c.weight / total * 100):.0f}% · "
            f"{_plain(c.min_score)}–{_plain(c.max_score)}, {_('step')} {_plain(c.step)}"
            + (f": {c.guidance_en}" if c.guidance_en else "")
            for i, c in enumerate(criteria, start=1)
        ]
        instructions.append((f"{spec.name}", f"{category.code} · {category.name_en}\n" + "\n".join(lines)))
    return spreadsheets.build_template(
        [spec for *_x, spec in sheets.categories],
        instructions,
        title=f"{round_.edition.name} · {round_.name} · {judge.name}",
    )


def _choice(text: str, options: dict[str, str]) -> str | None:
    return options.get(spreadsheets.header_key(text)) if text else ""


def import_scores(judge: User, round_: Round, data: bytes) -> ImportResult:
    """Save (or submit) the scores of a judge's filled-in offline workbook, checked as the web form checks them."""
    refusal = offline_refusal(judge, round_)
    if refusal:
        raise ServiceError(refusal)
    if not round_.is_open():
        raise ServiceError(
            _l("This round is closed: scores can no longer change.")
            if round_.is_closed()
            else _l("This round has not opened yet.")
        )
    sheets = _round_sheets(judge, round_, with_rows=False)
    rows = _read(data, [spec for *_x, spec in sheets.categories])
    recused = set(db.session.scalars(sa.select(Conflict.nomination_id).where(Conflict.judge_id == judge.id)))
    conflict_options = _lookup([("none", _spellings(NO_CONFLICT)), ("conflict", _spellings(HAS_CONFLICT))])
    yes_no = _lookup([("yes", ("y", "true", "1", *_spellings(YES))), ("no", ("n", "false", "0", *_spellings(NO)))])
    problems: list[Problem] = []
    actions: list[tuple[Assignment, str, str, SheetInput | None, bool]] = []
    seen: dict[int, Row] = {}
    by_sheet = {
        spec.name: (category, criteria, assignments, spec)
        for category, criteria, assignments, spec in sheets.categories
    }
    for row in rows:
        _category, criteria, assignments, spec = by_sheet[row.sheet]
        by_reference = {a.nomination.reference: a for a in assignments}
        reference = row.get(str_header(REFERENCE))
        assignment = by_reference.get(reference)
        if assignment is None:
            problems.append(
                row.problem(
                    str_header(REFERENCE), _("This nomination is not assigned to you in this category and round.")
                )
            )
            continue
        if assignment.id in seen:
            problems.append(
                row.problem(
                    str_header(REFERENCE), _("This nomination is on row %(row)d too.", row=seen[assignment.id].number)
                )
            )
            continue
        seen[assignment.id] = row
        score_columns = list(spec.columns[5:-3])
        typed_scores = {criterion.id: row.get(score_columns[2 * i].header) for i, criterion in enumerate(criteria)}
        comments = {
            criterion.id: row.get(score_columns[2 * i + 1].header)[:5000] for i, criterion in enumerate(criteria)
        }
        overall = row.get(str_header(OVERALL))[:10000]
        anything = any(typed_scores.values()) or any(comments.values()) or bool(overall)
        conflict = _choice(row.get(str_header(CONFLICT)), conflict_options)
        submit = _choice(row.get(str_header(SUBMIT)), yes_no)
        if assignment.nomination_id in recused:
            if anything:
                problems.append(
                    row.problem(
                        str_header(CONFLICT), _("You are recused from this nomination: leave its scores empty.")
                    )
                )
            continue
        if conflict is None:
            problems.append(
                row.problem(
                    str_header(CONFLICT),
                    _(
                        "Write %(none)s or %(conflict)s.",
                        none=str_header(NO_CONFLICT),
                        conflict=str_header(HAS_CONFLICT),
                    ),
                )
            )
            continue
        if submit is None:
            problems.append(row.problem(str_header(SUBMIT), _("Write yes, no, or leave it empty.")))
            continue
        if conflict == "conflict":
            reason = row.get(str_header(CONFLICT_REASON))
            if not reason:
                problems.append(row.problem(str_header(CONFLICT_REASON), _("Say briefly what the conflict is.")))
            elif anything:
                problems.append(
                    row.problem(
                        str_header(CONFLICT),
                        _("A judge with a conflict gives no scores: empty the scores or the conflict."),
                    )
                )
            else:
                actions.append((assignment, "conflict", reason, None, False))
            continue
        if not conflict and assignment.no_conflict_declared_at is None:
            if anything or submit == "yes":
                problems.append(
                    row.problem(str_header(CONFLICT), _("Declare whether you have a conflict of interest first."))
                )
            continue
        if not anything and submit != "yes":
            if conflict == "none" and assignment.no_conflict_declared_at is None:
                actions.append((assignment, "none", "", None, False))
            continue
        before = len(problems)
        scales = {s.criterion_id: s for s in scales_of(criteria)}
        values: dict[int, Decimal | None] = {}
        for i, criterion in enumerate(criteria):
            try:
                values[criterion.id] = parse_score(typed_scores[criterion.id], scales[criterion.id])
            except ScoreError as error:
                problems.append(row.problem(score_columns[2 * i].header, score_message(error)))
                continue
            if submit == "yes" and values[criterion.id] is None:
                problems.append(row.problem(score_columns[2 * i].header, _("Score every criterion before submitting.")))
        if len(problems) > before:
            continue
        sheet = assignment.sheet
        if (
            sheet is not None
            and _same(sheet, values, comments, overall)
            and (submit == "yes") <= (sheet.status is SheetStatus.SUBMITTED)
        ):
            continue  # nothing new: an upload repeated, or a row left as downloaded
        if sheet is not None and sheet.status is SheetStatus.SUBMITTED:
            problems.append(
                row.problem(
                    str_header(REFERENCE), _("These scores have been submitted; only the secretariat can reopen them.")
                )
            )
            continue
        version_text = row.get(VERSION)
        current = sheet.version if sheet is not None else 0
        if version_text != str(current):
            problems.append(
                row.problem(
                    str_header(REFERENCE),
                    _(
                        "These scores were changed on the website after "
                        "this workbook was downloaded. Download it again."
                    ),
                )
            )
            continue
        data_in = SheetInput(
            scores={cid: typed_scores[cid] for cid in values},
            comments=comments,
            overall_comment=overall,
            version=sheet.version if sheet is not None else None,
        )
        actions.append(
            (assignment, "none" if assignment.no_conflict_declared_at is None else "", "", data_in, submit == "yes")
        )
    if problems:
        raise ImportRefused(problems)

    result = ImportResult()
    try:
        for assignment, declaration, reason, data_in, submit in actions:
            if declaration:
                write_declaration(assignment, judge, declaration == "conflict", reason)
                result.details.append(assignment.nomination.reference)
            if data_in is not None:
                if scoring_refusal(assignment, judge) is not None:
                    raise ServiceError(scoring_refusal(assignment, judge))
                write_sheet(assignment, judge, data_in, submit=submit)
                result.created += 1 if submit else 0
                result.updated += 0 if submit else 1
        db.session.commit()
    except (StaleSheet, ScoresRefused, sa.exc.IntegrityError) as error:
        db.session.rollback()
        raise ImportRefused([Problem("", 0, "", str(STALE_SHEET))]) from error
    except ServiceError:
        db.session.rollback()
        raise
    return result


def _same(sheet: ScoreSheet, values: dict[int, Decimal | None], comments: dict[int, str], overall: str) -> bool:
    stored = {s.criterion_id: s for s in sheet.scores}
    for criterion_id, value in values.items():
        score = stored.get(criterion_id)
        if score is None:
            if value is not None or comments.get(criterion_id):
                return False
            continue
        if score.value != value or (score.comment or "") != comments.get(criterion_id, ""):
            return False
    return (sheet.overall_comment or "") == overall
