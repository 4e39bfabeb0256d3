"""How each kind of personal data is erased (``rules.privacy``): the steps that deleting an account and purging an
edition share. Nothing here commits; the use cases in ``services.erasure`` do, then call ``after_commit``, since a
file may only go once the rows naming it are gone for good.

Making the stores forget: SQLite keeps deleted and overwritten rows in the file's free space, which a backup copies
page by page. The app's connections run with ``secure_delete`` (``extensions.configure_sqlite``), which overwrites
what a change frees; ``forget_freed_space`` then VACUUMs the file (clearing what was freed before that setting, and
by other tools) and checkpoints the write-ahead log into it, truncating the log. PostgreSQL's dumps (``pg_dump``) are
logical: they hold the live rows only, so a dump taken after an erasure holds none of what it changed. Its data
files keep dead row versions until autovacuum reclaims them, as its write-ahead log archives keep them for their own
retention: both are the database operator's to size, outside the app.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from .. import previews, storage
from ..entry_forms import PERSON_KINDS
from ..extensions import db
from ..models import (
    AccessRecord,
    Assignment,
    Attachment,
    AuditEvent,
    Award,
    Conflict,
    Consent,
    FitStatus,
    Nomination,
    Organisation,
    OrganisationType,
    Round,
    RoundMode,
    Score,
    ScoreSheet,
    UncertaintyFit,
    User,
    UserSession,
)
from ..rules import privacy as rules
from . import certificates, dossiers, slot_invitations
from .mail import forget as forget_mail_record

log = logging.getLogger(__name__)

#: The keys of an audit entry's details that hold free text written about a nomination or a judge.
FREE_TEXT_KEYS = ("reason", "name", "file", "email")  # "email": the nominee's, where their consent was asked


@dataclass
class Erasure:
    """What one erasure changed: what to rewrite in the audit trail, and what to finish once it is committed."""

    now: datetime
    replacements: dict[str, str] = field(default_factory=dict)  # a name or address -> its placeholder
    files: list[tuple[str, str]] = field(default_factory=list)  # (stored name, SHA-256) of deleted documents
    addresses: set[str] = field(default_factory=set)  # whose mail waiting in the outbox goes
    nominations: set[int] = field(default_factory=set)
    documents: int = 0
    bytes: int = 0
    accounts: int = 0

    def replace(self, old: str | None, new: str) -> None:
        if old and old.strip() and old != new:
            self.replacements[old] = new


# --- people -------------------------------------------------------------------------------------------------------


def anonymise_account(user: User, erasure: Erasure) -> list[dict]:
    """Anonymise an account in place: its name and address become placeholders, its password, profile, roles,
    sign-ins and consents go, and every audit entry naming it is rewritten. Returns the consents it had (purpose,
    notice version, date), for the audit entry that says it was deleted."""
    name = rules.placeholder_name(rules.role_word(str(r) for r in user.roles), user.id)
    old_email = user.email
    own = Erasure(erasure.now)  # this person's names only: another's are rewritten where they appear
    own.replace(old_email, name)
    own.replace(user.name, name)
    organisation = user.organisation
    if organisation is not None and last_member(user):
        anonymise_organisation(organisation, own)
    erasure.replacements.update(own.replacements)
    erasure.addresses.add(old_email)
    mentions = sa.or_(
        AuditEvent.actor_id == user.id,
        sa.and_(AuditEvent.target_type == "user", AuditEvent.target_id == user.id),
        AuditEvent.summary.contains(old_email, autoescape=True),
        sa.cast(AuditEvent.details, sa.Text).contains(old_email, autoescape=True),
    )
    rewrite_events(mentions, own.replacements, judges={old_email}, forget_addresses_of={user.id})
    consents = [
        {"purpose": c.purpose, "notice_version": c.notice_version, "given": c.given_at.date().isoformat()}
        for c in db.session.scalars(sa.select(Consent).where(Consent.user_id == user.id).order_by(Consent.id))
    ]
    db.session.execute(sa.delete(Consent).where(Consent.user_id == user.id))
    db.session.execute(sa.delete(UserSession).where(UserSession.user_id == user.id))
    forget_mail_record(recipient=old_email)  # the record of the mail sent to them, and any message still waiting
    slot_invitations.forget(user_id=user.id)  # whose presentations they were sent
    user.name, user.email = name, rules.placeholder_email(user.id)
    user.password_hash = None
    user.title = user.affiliation = user.country_code = user.expertise = user.languages = user.declared_ties = ""
    user.locale, user.time_zone = None, "Asia/Seoul"
    user.active, user.confirmation_pending = False, False
    user.last_login_at = None
    user.organisation = None
    user.role_links.clear()
    user.erased_at = erasure.now
    erasure.accounts += 1
    return consents


def placeholder_account(word: str, erasure: Erasure) -> User:
    """A new anonymised account that a purged edition's records of a person who stays are moved to."""
    placeholder = User(
        email=f"pending-{secrets.token_hex(8)}@{rules.PLACEHOLDER_DOMAIN}",
        name="",
        active=False,
        erased_at=erasure.now,
    )
    db.session.add(placeholder)
    db.session.flush()
    placeholder.name = rules.placeholder_name(word, placeholder.id)
    placeholder.email = rules.placeholder_email(placeholder.id)
    return placeholder


def anonymise_organisation(organisation: Organisation, erasure: Erasure) -> None:
    """An individual's organisation is the person: its name and city go. A city, institution or company stays."""
    if organisation.type is not OrganisationType.INDIVIDUAL:
        return
    placeholder = rules.placeholder_organisation(organisation.id)
    erasure.replace(organisation.name, placeholder)
    certificates.forget_organisation_name(organisation, placeholder)  # an individual's certificate names them
    organisation.name = placeholder
    organisation.city = ""


def last_member(user: User) -> bool:
    """Whether no one else (not erased) is left in the user's organisation."""
    others = sa.select(User.id).where(
        User.organisation_id == user.organisation_id, User.id != user.id, User.erased_at.is_(None)
    )
    return not db.session.scalar(sa.select(sa.exists(others)))


# --- nominations and judging --------------------------------------------------------------------------------------


def erase_nominations(nominations: Iterable[Nomination], erasure: Erasure) -> None:
    """Erase what nominations say and what was written about them: answers, documents, the title where it names a
    person, the screening reason, judges' comments and conflict reasons, award override reasons, and the file names
    in the access log. References, statuses, scores and awards stay."""
    ids = []
    erased_titles: dict[int, str] = {}
    for nomination in nominations:
        ids.append(nomination.id)
        for attachment in list(nomination.attachments):
            erasure.files.append((attachment.stored_name, attachment.sha256))
            erasure.documents += 1
            erasure.bytes += attachment.size
            nomination.attachments.remove(attachment)
        consent = nomination.nominee_consent
        if consent is not None:  # the nominee's address and signed form go with what they consented to
            if consent.stored_name:
                erasure.files.append((consent.stored_name, consent.sha256))
                erasure.documents += 1
                erasure.bytes += consent.size
            if consent.email:
                erasure.addresses.add(consent.email)  # the link mailed to them, if still in the outbox
                forget_mail_record(recipient=consent.email)
            nomination.nominee_consent = None
        if nomination.category.kind in PERSON_KINDS:
            nomination.title = rules.erased_title(nomination.reference, nomination.id)
            erased_titles[nomination.id] = nomination.title
        nomination.answers = {}
        nomination.screening_reason = ""
        nomination.client_token = None
    if not ids:
        return
    erasure.nominations.update(ids)
    forget_mail_record(nomination_ids=ids)  # e-mails about them: subjects may name the nominee, links their consent
    db.session.flush()
    sheets = sa.select(ScoreSheet.id).join(Assignment).where(Assignment.nomination_id.in_(ids))
    _blank(sheets)
    db.session.execute(sa.update(Conflict).where(Conflict.nomination_id.in_(ids)).values(reason=""))
    db.session.execute(sa.update(Award).where(Award.nomination_id.in_(ids)).values(override_reason=""))
    certificates.forget_winner_names(erased_titles)  # a certificate names the person as the title did
    dossiers.forget_files_of(ids)  # the printed dossiers and books that hold them
    slot_invitations.forget(nomination_ids=ids)  # who was sent their presentations
    db.session.execute(sa.update(AccessRecord).where(AccessRecord.nomination_id.in_(ids)).values(detail=""))


def erase_judging_texts(*, judge: User | None = None, round_ids: Iterable[int] = ()) -> None:
    """Erase a judge's own words (comments, reasons for conflicts and waivers), everywhere or in some rounds."""
    assignments = sa.select(Assignment.id)
    if judge is not None:
        assignments = assignments.where(Assignment.judge_id == judge.id)
        db.session.execute(sa.update(Conflict).where(Conflict.judge_id == judge.id).values(reason=""))
    else:
        assignments = assignments.where(Assignment.round_id.in_(list(round_ids)))
    db.session.execute(sa.update(Assignment).where(Assignment.id.in_(assignments)).values(waived_reason=""))
    _blank(sa.select(ScoreSheet.id).where(ScoreSheet.assignment_id.in_(assignments)))


def _blank(sheets: sa.Select) -> None:
    db.session.execute(sa.update(ScoreSheet).where(ScoreSheet.id.in_(sheets)).values(overall_comment=""))
    db.session.execute(sa.update(Score).where(Score.sheet_id.in_(sheets), Score.comment != "").values(comment=""))


# --- the audit trail ----------------------------------------------------------------------------------------------


def rewrite_events(
    where: sa.ColumnElement[bool],
    replacements: dict[str, str],
    *,
    nominations: Iterable[int] = (),
    judges: Iterable[str] = (),
    forget_addresses_of: Iterable[int] = (),
    every_free_text: bool = False,
    every_address: bool = False,
) -> int:
    """Rewrite the audit entries matching ``where``: each name and address of ``replacements`` becomes its
    placeholder, in the summary and in the details; the free texts (``FREE_TEXT_KEYS``) of an entry about one of
    ``nominations`` or naming one of ``judges``, or of every entry, become ``ERASED_TEXT``; the network address of
    an entry made by one of ``forget_addresses_of``, or of every entry, goes. Returns how many entries changed."""
    nominations, judges, people = set(nominations), set(judges), set(forget_addresses_of)
    order = sorted(replacements, key=len, reverse=True)  # an address before the name it contains
    changed = 0
    for event in db.session.scalars(sa.select(AuditEvent).where(where)):
        details = event.details if isinstance(event.details, dict) else {}
        summary = event.summary or ""
        if every_free_text or event.nomination_id in nominations or details.get("judge") in judges:
            for key in FREE_TEXT_KEYS:
                value = details.get(key)
                if isinstance(value, str) and value and value != rules.ERASED_TEXT:
                    summary = _scrub(summary, value)
                    details = {**details, key: rules.ERASED_TEXT}
        for old in order:
            summary = summary.replace(old, replacements[old])
        details = _replaced(details, order, replacements)
        address = None if (every_address or event.actor_id in people) else event.ip_address
        if (summary, details, address) != (event.summary, event.details, event.ip_address):
            event.summary, event.details, event.ip_address = summary, details, address
            changed += 1
    return changed


def _scrub(text: str, value: str) -> str:
    """``text`` without the free text ``value``; a summary that kept only its beginning loses it from there on."""
    if value in text:
        return text.replace(value, rules.ERASED_TEXT)
    start = text.find(value[:40])
    return text if start < 0 else text[:start] + rules.ERASED_TEXT


def _replaced(value, order: list[str], replacements: dict[str, str]):
    if isinstance(value, str):
        for old in order:
            value = value.replace(old, replacements[old])
        return value
    if isinstance(value, dict):
        return {key: _replaced(item, order, replacements) for key, item in value.items()}
    if isinstance(value, list):
        return [_replaced(item, order, replacements) for item in value]
    return value


# --- results that must stay the same ------------------------------------------------------------------------------


def current_fits(round_ids: Iterable[int]) -> list[tuple[Round, UncertaintyFit]]:
    """The rounds' finished uncertainty fits that are of the scores as they are (before an erasure renames judges)."""
    from . import uncertainty

    kept = []
    for round_ in db.session.scalars(sa.select(Round).where(Round.id.in_(set(round_ids)))):
        if round_.mode is not RoundMode.SCORING:
            continue
        state = uncertainty.fit_state(round_)
        if state.fit is not None and state.current and state.fit.status is FitStatus.DONE:
            kept.append((round_, state.fit))
    return kept


def carry_fits(kept: list[tuple[Round, UncertaintyFit]]) -> None:
    """Keep those fits current: the score data's SHA-256 names the judges, so renaming one changes it, while the
    model was fitted to the same scores of the same judges (by their ids) and still describes them."""
    from .export import score_data_sha256

    db.session.flush()
    for round_, fit in kept:
        fit.data_sha256 = score_data_sha256(round_)


# --- after the commit ---------------------------------------------------------------------------------------------


def after_commit(erasure: Erasure) -> None:
    """Delete the erased documents' files and the pages drawn from them, the mail waiting for the people erased and
    what this process computed from their names; then make the database file forget the old rows."""
    from .results_cache import forget_computed

    config = current_app.config
    for stored_name, digest in erasure.files:
        storage.delete(config["UPLOAD_FOLDER"], stored_name)
        if not db.session.scalar(sa.select(sa.exists().where(Attachment.sha256 == digest))):
            previews.forget(Path(config["PREVIEW_FOLDER"]), digest)
    forget_mail(Path(config["MAIL_OUTBOX"]), erasure.addresses)
    forget_computed()
    forget_freed_space()


def forget_mail(outbox: Path, addresses: set[str]) -> int:
    """Delete the messages of the outbox folder addressed to any of ``addresses``; return how many."""
    wanted = {address.strip().lower() for address in addresses}
    if not wanted or not outbox.is_dir():
        return 0
    parser, deleted = BytesHeaderParser(policy=policy.default), 0
    for path in outbox.glob("*.eml"):
        try:
            with path.open("rb") as handle:
                headers = parser.parsebytes(handle.read(16384))
        except OSError:
            continue
        if str(headers.get("To", "")).strip().lower() in wanted:
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted


def forget_freed_space() -> None:
    """SQLite: VACUUM the file and checkpoint its log (see the module's docstring). Another process holding the
    database past the busy timeout leaves it for the next erasure; ``secure_delete`` has zeroed this one's rows."""
    if db.engine.url.get_backend_name() != "sqlite" or db.engine.url.database in (None, "", ":memory:"):
        return
    try:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM")
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    except sa.exc.OperationalError as error:
        log.warning("the database file could not be vacuumed after an erasure: %s", error)
