"""The judge list: its template and its import; a new judge is invited by e-mail."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ... import spreadsheets
from ...extensions import db
from ...models import (
    Role,
    User,
)
from ...rules import NAME_CHARS
from ...spreadsheets import Problem, Row, SheetSpec
from ..accounts import send_invitation
from ..audit import record
from ..judge_profile import JudgeDetails, details_problems
from . import COUNTRY, ImportRefused, ImportResult, _column, _country_lookup, _email, _read, str_header

NAME = _l("Name")

EMAIL = _l("E-mail")

TITLE = _l("Title")

AFFILIATION = _l("Organisation")

EXPERTISE = _l("Expertise")

LANGUAGES = _l("Languages")

TIME_ZONE = _l("Time zone")

_PROFILE = (
    ("title", TITLE, 120),
    ("expertise", EXPERTISE, 500),
)

#: The column of each detail that ``judge_profile`` checks, for its problems.
_DETAIL_COLUMNS = {"affiliation": AFFILIATION, "country_code": COUNTRY, "languages": LANGUAGES, "time_zone": TIME_ZONE}


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
                    "e.g. Asia/Seoul, Europe/Paris, America/Bogota. Deadlines are shown to the judge in this "
                    "zone; when empty, a new judge gets their country's zone if it has only one (else Asia/Seoul), "
                    "and confirms it when accepting the invitation."
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
    countries = _country_lookup()
    problems: list[Problem] = []
    planned: list[tuple[Row, str, str, dict[str, str]]] = []
    first_row: dict[str, int] = {}
    for row in rows:
        before = len(problems)
        name = row.get(str_header(NAME))
        email = _email(row.get(str_header(EMAIL)))
        if not name:
            problems.append(row.problem(str_header(NAME), _("Fill this in.")))
        elif len(name) > NAME_CHARS:
            problems.append(row.problem(str_header(NAME), _("At most %(n)d characters.", n=NAME_CHARS)))
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
        # The same checks as the invitation's, optional here: the judge completes them when accepting.
        country_text = row.get(str_header(COUNTRY))
        zone_text = row.get(str_header(TIME_ZONE))
        details, wrong = details_problems(
            JudgeDetails(
                affiliation=row.get(str_header(AFFILIATION)),
                country_code=countries.get(spreadsheets.header_key(country_text), country_text) if country_text else "",
                time_zone=zone_text,
                languages=row.get(str_header(LANGUAGES)),
            ),
            required=False,
        )
        for attribute, message in wrong.items():
            problems.append(row.problem(str_header(_DETAIL_COLUMNS[attribute]), str(message)))
        profile.update(affiliation=details.affiliation, country_code=details.country_code)
        profile["languages"] = details.languages or ""
        # A zone the row gives applies to anyone; one guessed from the country only to a new judge.
        profile["time_zone" if zone_text else "guessed_time_zone"] = details.time_zone
        if len(problems) == before:
            assert email is not None  # checked above
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
        guessed = profile.pop("guessed_time_zone", "")
        if user is None:
            user = User(email=email, name=name, invited_by_id=actor.id)
            if guessed:
                user.time_zone = guessed
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
    db.session.commit()  # the record of each invitation sent (or kept to be sent again)
    result.details = [u.email for u in to_invite]
    return result
