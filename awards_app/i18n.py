"""Language choice and the template filters that show dates, countries and statuses in the reader's language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import format_datetime, get_locale, get_translations, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .models import AssignmentStatus, CategoryKind, NominationStatus, OrganisationType, Role
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
ASSIGNMENT_STATUS_LABELS = {
    AssignmentStatus.TO_DO: _l("To do"),
    AssignmentStatus.DRAFT: _l("Draft"),
    AssignmentStatus.SUBMITTED: _l("Submitted"),
    AssignmentStatus.RECUSED: _l("Recused"),
    AssignmentStatus.WAIVED: _l("Waived"),
}
#: The ranking module's flags and methods, as the results page shows them.
FLAG_LABELS = {
    "few judges": _l("few judges"),
    "disagreement": _l("disagreement"),
    "tie": _l("tie"),
    "tie-break": _l("tie-break"),
    "unstable": _l("unstable"),
    "uncertain": _l("uncertain"),
    "an earlier tier is undecided": _l("an earlier tier is undecided"),
}
# A flag that names its cut: "unstable at 3".
FLAG_AT_LABELS = {
    "tie": _l("tie at %(n)d"),
    "tie-break": _l("tie-break at %(n)d"),
    "unstable": _l("unstable at %(n)d"),
    "uncertain": _l("uncertain at %(n)d"),
}


def flag_label(flag: str) -> str:
    """A flag of the ranking in the reader's language: "unstable at 3" → "3위 경계에서 불안정"."""
    name, _sep, cut = (flag or "").partition(" at ")
    if cut.isdigit() and name in FLAG_AT_LABELS:
        return str(FLAG_AT_LABELS[name]) % {"n": int(cut)}
    return str(FLAG_LABELS.get(flag, flag))


METHOD_LABELS = {
    "mean": _l("Mean"),
    "median": _l("Median"),
    "trimmed": _l("Trimmed mean"),
    "normalised": _l("Normalised"),
}
FILE_TYPE_LABELS = {
    "application/pdf": _l("PDF document"),
    "image/png": _l("PNG image"),
    "image/jpeg": _l("JPEG image"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": _l("Word document"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _l("Excel workbook"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": _l("PowerPoint presentation"),
}
MAIL_STATUS_LABELS = {
    "queued": _l("Waiting to be sent"),
    "sending": _l("Being sent"),
    "sent": _l("Sent"),
    "failed": _l("Not delivered yet"),
    "gave_up": _l("Not delivered"),
    "discarded": _l("Let go"),
}
VOTE_LABELS = {"approve": _l("approve"), "reject": _l("reject"), "abstain": _l("abstain")}
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


# 24-hour clock and a spelled-out month: unambiguous for a panel from fifty countries.
DATETIME_PATTERNS = {
    "en": {"medium": "d MMM y, HH:mm", "short": "d MMM y HH:mm"},
    "ko": {"medium": "y년 M월 d일 HH:mm", "short": "y. M. d. HH:mm"},
}


def format_in_zone(moment: datetime | None, zone: str = "UTC", with_zone: bool = True, style: str = "medium") -> str:
    """Show a moment in a time zone, in the reader's language, with the UTC offset and the zone's name."""
    if moment is None:
        return "—"
    local = moment.astimezone(ZoneInfo(zone))
    pattern = DATETIME_PATTERNS.get(current_language(), DATETIME_PATTERNS["en"])[style]
    text = format_datetime(local.replace(tzinfo=None), pattern, rebase=False)
    return f"{text} ({utc_offset(local)}, {zone})" if with_zone else text


def _status(value) -> str:
    try:
        return str(STATUS_LABELS[NominationStatus(value)])
    except (KeyError, ValueError):
        return str(value)


def _roles(values) -> str:
    return ", ".join(str(ROLE_LABELS.get(Role(v), v)) for v in values or [] if v in set(Role))


def _form_of(d: dict) -> str:
    """Which entry form an audited change was made to, in words: "TI, corporations' form, version 2"."""
    applicant_type = d["applicant_type"]
    who = (
        ORGANISATION_TYPE_LABELS[OrganisationType(applicant_type)]
        if applicant_type in set(OrganisationType)
        else _("any applicant")
    )
    return _(
        "%(category)s, form for %(who)s, version %(version)s", category=d["category"], who=who, version=d["version"]
    )


def _field_name(value) -> str:
    return str(value.get("name", "")) if isinstance(value, dict) else str(value)


def _descriptor_range(snapshot: dict) -> str:
    return f"{snapshot['lowest']}–{snapshot['highest']}"


#: How each audited action reads, in the reader's language, from the event's details.
AUDIT_TEXTS = {
    "account.registered": lambda d: _("%(email)s registered for %(organisation)s", **d),
    "account.reset_requested": lambda d: _("Password reset requested for %(email)s", **d),
    "account.password_reset": lambda d: _("%(email)s set a new password", **d),
    "account.invited": lambda d: _("%(email)s invited as %(roles)s", email=d["email"], roles=_roles(d["roles"])),
    "account.invitation_resent": lambda d: _("Invitation sent again to %(email)s", **d),
    "account.invitation_accepted": lambda d: _("%(email)s accepted the invitation", **d),
    "account.admin_created": lambda d: _("%(email)s made a secretariat member from the command line", **d),
    "account.deleted": lambda d: _("%(account)s: account deleted at its owner's request", account=d["account"]),
    "account.deletion_refused": lambda d: _(
        "Deletion of the account of %(email)s refused (%(why)s)", email=d["email"], why=d["why"]
    ),
    "privacy.purged": lambda d: _(
        "Personal data of %(slug)s purged: %(accounts)d accounts deleted, %(kept)d kept, %(nominations)d "
        "nominations and %(documents)d documents erased",
        **d,
    ),
    "account.imported": lambda d: _("Applicant account %(email)s created for %(organisation)s by an import", **d),
    "edition.created": lambda d: _("Edition %(slug)s created", **d),
    "edition.updated": lambda d: _(
        "Edition %(slug)s changed: %(fields)s", slug=d["slug"], fields=", ".join(d["changes"])
    ),
    "edition.copied": lambda d: _(
        "Edition %(slug)s copied from %(source)s: categories %(categories)s, %(rounds)d rounds, %(criteria)d "
        "criteria and %(descriptors)d level descriptors, every date a year on",
        slug=d["slug"],
        source=d["source"],
        categories=", ".join(d["categories"]) or "—",
        rounds=len(d["rounds"]),
        criteria=d["criteria"],
        descriptors=d["descriptors"],
    ),
    "category.created": lambda d: _("Category %(code)s created in %(edition)s", **d),
    "category.updated": lambda d: _(
        "Category %(code)s changed: %(fields)s", code=d["code"], fields=", ".join(d["changes"])
    ),
    "entry_form.created": lambda d: _("Entry form created: %(form)s", form=_form_of(d)),
    "entry_form.field_added": lambda d: _(
        "Field %(field)s added: %(form)s", field=_field_name(d["field"]), form=_form_of(d)
    ),
    "entry_form.field_changed": lambda d: _(
        "Field %(field)s changed: %(form)s", field=_field_name(d["field"]), form=_form_of(d)
    ),
    "entry_form.field_removed": lambda d: _(
        "Field %(field)s removed: %(form)s", field=_field_name(d["field"]), form=_form_of(d)
    ),
    "entry_form.field_moved": lambda d: (
        _("Field %(field)s moved up: %(form)s", field=_field_name(d["field"]), form=_form_of(d))
        if d["step"] < 0
        else _("Field %(field)s moved down: %(form)s", field=_field_name(d["field"]), form=_form_of(d))
    ),
    "nomination.created": lambda d: _("Draft started in %(category)s", **d),
    "nomination.draft_saved": lambda d: ngettext(
        "Draft saved: %(num)d answer changed", "Draft saved: %(num)d answers changed", len(d["fields"])
    ),
    "nomination.submitted": lambda d: _("Submitted as %(reference)s", **d),
    "nomination.imported": lambda d: _("Imported from an Excel workbook as %(reference)s", reference=d["reference"]),
    "nomination.withdrawn": lambda d: (
        _("Withdrawn (was %(status)s)", status=_status(d["from"])) + (f": {d['reason']}" if d.get("reason") else "")
    ),
    "nomination.screened": lambda d: (
        _("Screened: %(before)s → %(after)s", before=_status(d["from"]), after=_status(d["to"]))
        + (f": {d['reason']}" if d.get("reason") else "")
    ),
    "attachment.added": lambda d: _("%(name)s attached (%(size)s)", name=d["name"], size=human_size(d["size"])),
    "attachment.removed": lambda d: _("%(name)s removed", **d),
    "demo.extra_seeded": lambda d: _("%(count)d synthetic nominations added", **d),
    "account.profile_updated": lambda d: _("Profile of %(email)s updated", email=d["email"]),
    "round.created": lambda d: _("Round %(round)s created", **d),
    "round.updated": lambda d: _("Round %(round)s changed", round=d["round"]),
    "round.advanced": lambda d: _(
        "%(count)d nominations advanced from %(before)s to %(round)s",
        count=d["count"],
        before=d["from"],
        round=d["round"],
    ),
    "rubric.changed": lambda d: _(
        "Rubric of %(category)s in %(round)s changed", category=d["category"], round=d["round"]
    ),
    "rubric.reopened_and_changed": lambda d: _(
        "Rubric of %(category)s in %(round)s changed after scores were submitted",
        category=d["category"],
        round=d["round"],
    ),
    "rubric.descriptor_added": lambda d: _(
        "Level descriptor %(range)s added to %(criterion)s (%(category)s, %(round)s)",
        range=_descriptor_range(d["after"]),
        criterion=d["criterion"],
        category=d["category"],
        round=d["round"],
    ),
    "rubric.descriptor_changed": lambda d: _(
        "Level descriptor %(range)s of %(criterion)s changed (%(category)s, %(round)s)",
        range=_descriptor_range(d["after"]),
        criterion=d["criterion"],
        category=d["category"],
        round=d["round"],
    ),
    "rubric.descriptor_removed": lambda d: _(
        "Level descriptor %(range)s removed from %(criterion)s (%(category)s, %(round)s)",
        range=_descriptor_range(d["before"]),
        criterion=d["criterion"],
        category=d["category"],
        round=d["round"],
    ),
    "assignment.added": lambda d: _(
        "%(count)d assignments added by hand in %(round)s", count=d["count"], round=d["round"]
    ),
    "assignment.automatic": lambda d: _(
        "%(count)d assignments added automatically in %(round)s (seed %(seed)s)",
        count=d["count"],
        round=d["round"],
        seed=d["seed"],
    ),
    "assignment.removed": lambda d: _(
        "%(reference)s taken from %(judge)s in %(round)s", reference=d["reference"], judge=d["judge"], round=d["round"]
    ),
    "assignment.reassigned": lambda d: _(
        "%(reference)s moved from %(before)s to %(after)s", reference=d["reference"], before=d["from"], after=d["to"]
    ),
    "conflict.declared": lambda d: _(
        "%(judge)s declared a conflict of interest: %(reason)s", judge=d["judge"], reason=d["reason"]
    ),
    "conflict.none_declared": lambda d: _("%(judge)s declared no conflict of interest", judge=d["judge"]),
    "conflict.recorded": lambda d: _(
        "Conflict of interest of %(judge)s recorded: %(reason)s", judge=d["judge"], reason=d["reason"]
    ),
    "scores.saved": lambda d: _("Scores saved (total so far %(total)s)", total=d["total"]),
    "scores.submitted": lambda d: _("Scores submitted (total %(total)s)", total=d["total"]),
    "scores.reopened": lambda d: _("Scores of %(judge)s reopened", judge=d["judge"]),
    "vote.cast": lambda d: _("Vote cast: %(vote)s", vote=VOTE_LABELS.get(d["vote"], d["vote"])),
    "awards.assigned": lambda d: _(
        "%(count)d awards given in rank order in %(category)s", count=d["count"], category=d["category"]
    ),
    "awards.overridden": lambda d: _(
        "%(reference)s: award changed from %(before)s to %(after)s: %(reason)s",
        reference=d["reference"],
        before=d["from"] or "—",
        after=d["to"] or "—",
        reason=d["reason"],
    ),
    "results.published": lambda d: _("Results of %(slug)s published", slug=d["slug"]),
    "feedback.edited": lambda d: _feedback_change(
        _("Shared comment of %(judge)s on %(what)s edited in %(round)s: “%(before)s” → “%(after)s”", **_what(d)), d
    ),
    "feedback.restored": lambda d: _feedback_change(
        _("Shared comment of %(judge)s on %(what)s given back the judge's words in %(round)s", **_what(d)), d
    ),
    "feedback.hidden": lambda d: _feedback_change(
        _("Shared comment of %(judge)s on %(what)s hidden from the applicant in %(round)s", **_what(d)), d
    ),
    "feedback.shown": lambda d: _feedback_change(
        _("Shared comment of %(judge)s on %(what)s shown to the applicant again in %(round)s", **_what(d)), d
    ),
    "feedback.released": lambda d: ngettext(
        "Feedback of %(round)s released to applicants; %(num)d nomination's applicants told",
        "Feedback of %(round)s released to applicants; %(num)d nominations' applicants told",
        d["told"],
        round=d["round"],
    ),
    "feedback.withdrawn": lambda d: _(
        "Feedback of %(round)s withdrawn: %(reason)s", round=d["round"], reason=d["reason"]
    ),
    "reminders.sent": lambda d: _(
        "Reminders sent to %(count)d judges in %(round)s", count=d["count"], round=d["round"]
    ),
    "presentation.placed": lambda d: _(
        "Presentation of %(reference)s placed in %(round)s: %(moment)s, %(minutes)d minutes",
        reference=d["reference"],
        round=d["round"],
        moment=format_in_zone(datetime.fromisoformat(d["starts_at"])),
        minutes=d["minutes"],
    ),
    "presentation.moved": lambda d: _(
        "Presentation of %(reference)s in %(round)s changed: now %(moment)s, %(minutes)d minutes",
        reference=d["reference"],
        round=d["round"],
        moment=format_in_zone(datetime.fromisoformat(d["starts_at"])),
        minutes=d["minutes"],
    ),
    "presentation.removed": lambda d: _(
        "Presentation of %(reference)s in %(round)s removed (it was %(moment)s)",
        reference=d["reference"],
        round=d["round"],
        moment=format_in_zone(datetime.fromisoformat(d["starts_at"])),
    ),
}


def _what(details: dict) -> dict:
    """The words of a shared comment's audit line: whose comment, on which criterion (or overall), in which round."""
    return {
        "judge": details["judge"],
        "what": details["criterion"] or _("the overall comment"),
        "round": details["round"],
        "before": details.get("before", ""),
        "after": details.get("after", ""),
    }


def _feedback_change(text: str, details: dict) -> str:
    """A change of a shared comment made while applicants could read it says so."""
    return text + (" " + _("(after the feedback was released)") if details.get("released") else "")


def audit_text(event) -> str:
    """Describe an audit event in the reader's language; events of unknown shape keep their stored summary."""
    describe = AUDIT_TEXTS.get(event.action)
    if describe is None:
        return event.summary
    try:
        return describe(event.details or {})
    except (KeyError, TypeError, ValueError):
        return event.summary


def _translations():
    """The catalogue of the current locale, looked up once per locale within a request or command. Flask-Babel's
    own lookup walks the domain, the locale and its cache for every string, and a page shows a hundred of them; a
    forced locale (an e-mail in its reader's language) is another locale object, so it finds its own catalogue."""
    locale = get_locale()
    found = g.get("_catalogue")
    if found is None or found[0] is not locale:
        found = g._catalogue = (locale, get_translations())
    return found[1]


def register_filters(app: Flask) -> None:
    # The templates' _() and ngettext through ``_translations`` (Flask-Babel installs the same callables over its
    # slower lookup; the strings and their escaping are unchanged).
    app.jinja_env.install_gettext_callables(
        gettext=lambda text: _translations().ugettext(text),
        ngettext=lambda singular, plural, n: _translations().ungettext(singular, plural, n),
        pgettext=lambda context, text: _translations().upgettext(context, text),
        npgettext=lambda context, singular, plural, n: _translations().unpgettext(context, singular, plural, n),
        newstyle=True,
    )
    app.jinja_env.filters["audit_text"] = audit_text
    app.jinja_env.filters["in_zone"] = format_in_zone
    app.jinja_env.filters["country"] = lambda code: country_name(code, current_language())
    app.jinja_env.filters["status_label"] = lambda s: STATUS_LABELS.get(s, s)
    app.jinja_env.filters["status_badge"] = lambda s: STATUS_BADGES.get(s, "secondary")
    app.jinja_env.filters["org_type_label"] = lambda t: ORGANISATION_TYPE_LABELS.get(t, t)
    app.jinja_env.filters["kind_label"] = lambda k: CATEGORY_KIND_LABELS.get(k, k)
    app.jinja_env.filters["role_label"] = lambda r: ROLE_LABELS.get(r, r)
    app.jinja_env.filters["region_label"] = lambda r: REGION_LABELS.get(r, r or "—")
    app.jinja_env.filters["filesize"] = human_size
    app.jinja_env.filters["file_type"] = lambda t: FILE_TYPE_LABELS.get(t, _("File"))
    app.jinja_env.filters["browser_name"] = browser_name
    app.jinja_env.filters["flag_label"] = flag_label
    app.jinja_env.filters["method_label"] = lambda m: METHOD_LABELS.get(str(m), m)
    app.jinja_env.filters["mail_status"] = lambda s: MAIL_STATUS_LABELS.get(str(s), s)
    app.jinja_env.filters["vote_label"] = lambda v: VOTE_LABELS.get(str(v), v)
    app.jinja_env.filters["assignment_status_label"] = lambda s: ASSIGNMENT_STATUS_LABELS.get(s, s)
    app.jinja_env.globals["statuses"] = AssignmentStatus

    @app.context_processor
    def inject_language():
        return {"current_language": current_language(), "language_names": LANGUAGE_NAMES}


_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def browser_name(user_agent: str | None) -> str:
    """A browser as a person recognises it ("Firefox on Windows"), from its User-Agent; the raw text otherwise."""
    text = user_agent or ""
    browser = next((name for mark, name in _BROWSERS if mark in text), None)
    system = next((name for mark, name in _SYSTEMS if mark in text), None)
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    return browser or system or (text[:60] or _("Unknown browser"))


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"
