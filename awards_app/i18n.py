"""Language choice and the template filters that show dates, countries and statuses in the reader's language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .models import CategoryKind, NominationStatus, OrganisationType, Role
from .regions import Region, country_name

LANGUAGE_NAMES = {"en": "English", "ko": "한국어"}


def select_locale() -> str:
    """The signed-in user's language, else the one chosen in this browser, else the browser's preference."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    return str(get_locale() or "en")


STATUS_LABELS = {
    NominationStatus.DRAFT: _l("Draft"),
    NominationStatus.SUBMITTED: _l("Submitted"),
    NominationStatus.ELIGIBLE: _l("Eligible"),
    NominationStatus.INELIGIBLE: _l("Ineligible"),
    NominationStatus.WITHDRAWN: _l("Withdrawn"),
}
STATUS_BADGES = {
    NominationStatus.DRAFT: "secondary",
    NominationStatus.SUBMITTED: "primary",
    NominationStatus.ELIGIBLE: "success",
    NominationStatus.INELIGIBLE: "danger",
    NominationStatus.WITHDRAWN: "dark",
}
ORGANISATION_TYPE_LABELS = {
    OrganisationType.CITY: _l("City or regional government"),
    OrganisationType.INSTITUTION: _l("Institution"),
    OrganisationType.CORPORATION: _l("Corporation"),
    OrganisationType.INDIVIDUAL: _l("Individual"),
}
CATEGORY_KIND_LABELS = {
    CategoryKind.PROJECT: _l("Project"),
    CategoryKind.LEADERSHIP: _l("Leadership"),
    CategoryKind.COMMENDATION: _l("Mayor's commendation"),
    CategoryKind.SPECIAL: _l("Special prize"),
}
ROLE_LABELS = {
    Role.APPLICANT: _l("Applicant"),
    Role.JUDGE: _l("Judge"),
    Role.SECRETARIAT: _l("Secretariat"),
}
REGION_LABELS = {
    Region.ASIA_PACIFIC: _l("Asia and the Pacific"),
    Region.CENTRAL_ASIA: _l("Central Asia"),
    Region.EURASIA: _l("Eurasia"),
    Region.MEDITERRANEAN: _l("Mediterranean and Middle East"),
    Region.AFRICA: _l("Africa"),
    Region.EUROPE: _l("Europe"),
    Region.LATIN_AMERICA: _l("Latin America and the Caribbean"),
    Region.NORTH_AMERICA: _l("North America"),
}


def utc_offset(moment: datetime) -> str:
    """Return the offset as UTC+09:00."""
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def format_in_zone(moment: datetime | None, zone: str = "UTC", with_zone: bool = True, style: str = "medium") -> str:
    """Show a moment in a time zone, in the reader's language, with the UTC offset and the zone's name."""
    if moment is None:
        return "—"
    local = moment.astimezone(ZoneInfo(zone))
    text = format_datetime(local.replace(tzinfo=None), style, rebase=False)
    return f"{text} ({utc_offset(local)}, {zone})" if with_zone else text


def register_filters(app: Flask) -> None:
    app.jinja_env.filters["in_zone"] = format_in_zone
    app.jinja_env.filters["country"] = lambda code: country_name(code, current_language())
    app.jinja_env.filters["status_label"] = lambda s: STATUS_LABELS.get(s, s)
    app.jinja_env.filters["status_badge"] = lambda s: STATUS_BADGES.get(s, "secondary")
    app.jinja_env.filters["org_type_label"] = lambda t: ORGANISATION_TYPE_LABELS.get(t, t)
    app.jinja_env.filters["kind_label"] = lambda k: CATEGORY_KIND_LABELS.get(k, k)
    app.jinja_env.filters["role_label"] = lambda r: ROLE_LABELS.get(r, r)
    app.jinja_env.filters["region_label"] = lambda r: REGION_LABELS.get(r, r or "—")
    app.jinja_env.filters["filesize"] = human_size

    @app.context_processor
    def inject_language():
        return {"current_language": current_language(), "language_names": LANGUAGE_NAMES}


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"
