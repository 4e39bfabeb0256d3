"""A nomination's life: draft, submission, withdrawal, attachments and screening."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from .. import previews, storage
from ..entry_forms import Problems, check_answers, clean_answers, title_of
from ..extensions import db
from ..i18n import format_in_zone
from ..models import (
    ACTIVE_STATUSES,
    Attachment,
    CallState,
    Category,
    Edition,
    Nomination,
    NominationStatus,
    Organisation,
    OrganisationType,
    User,
    utcnow,
)
from ..regions import Region, countries_in
from ..rules import SHORT_TEXT_CHARS
from . import NotAllowed, ServiceError, entry_forms, nominee_consent, receipts
from .audit import record


class SubmissionRefused(ServiceError):
    """The answers break the form's rules; ``problems`` says which, by field."""

    def __init__(self, problems: Problems) -> None:
        super().__init__(
            _l("The nomination cannot be submitted yet: each problem is listed below, with a link to its field.")
        )
        self.problems = problems


def active_count(category: Category, organisation_id: int | None) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count(Nomination.id)).where(
                Nomination.category_id == category.id,
                Nomination.organisation_id == organisation_id,
                Nomination.status.in_(ACTIVE_STATUSES),
            )
        )
        or 0
    )


def entry_refusal(category: Category, user: User) -> str | None:
    """Why this applicant cannot start a nomination in this category now, or None if they can."""
    if not user.is_applicant:
        return _l("Only applicant accounts enter nominations.")
    if not category.edition.is_open():
        return _l("The call for entries is not open.")
    if user.organisation is None or not category.accepts(user.organisation.type):
        return _l("This category is not open to your type of organisation.")
    if active_count(category, user.organisation_id) >= category.max_per_organisation:
        return _l(
            "Your organisation already has the most nominations allowed in this category (%(n)d).",
            n=category.max_per_organisation,
        )
    return None


def _lock_organisation(organisation_id: int | None) -> None:
    # Take the organisation's row lock before counting its nominations, so that two requests at once cannot both
    # pass the per-organisation maximum (PostgreSQL locks the row; SQLite takes its single write lock).
    db.session.execute(sa.update(Organisation).where(Organisation.id == organisation_id).values(id=Organisation.id))


def create_draft(
    category: Category, user: User, answers: dict[str, object], client_token: str | None = None
) -> Nomination:
    """Start a nomination in a category for the user's organisation, saved as a draft.

    A form posted again with the same ``client_token`` (back button, double click) returns the draft it made.
    """
    if user.is_applicant:
        _lock_organisation(user.organisation_id)
        if client_token:
            earlier = db.session.scalar(
                sa.select(Nomination).where(
                    Nomination.organisation_id == user.organisation_id, Nomination.client_token == client_token
                )
            )
            if earlier is not None:
                db.session.rollback()
                return earlier
    refusal = entry_refusal(category, user)
    if refusal:
        db.session.rollback()
        raise ServiceError(refusal)
    form = entry_forms.form_for(category, user.organisation.type if user.organisation is not None else None)
    fields = entry_forms.fields_of_form(form, category)
    cleaned = clean_answers(fields, answers)
    nomination = Nomination(
        client_token=client_token or None,
        edition_id=category.edition_id,
        category=category,
        organisation_id=user.organisation_id,
        created_by_id=user.id,
        status=NominationStatus.DRAFT,
        answers=cleaned,
        title=title_of(fields, cleaned),
        entry_form=form,
    )
    db.session.add(nomination)
    db.session.flush()
    record("nomination.created", nomination, user, f"draft started in {category.code}", {"category": category.code})
    db.session.commit()
    return nomination


def _require(allowed: bool, message) -> None:
    if not allowed:
        raise NotAllowed(message)


def edit_refusal(nomination: Nomination, user: User):
    """Say why a nomination cannot be changed (the message for a refused edit, submission or upload)."""
    if nomination.status is not NominationStatus.DRAFT:
        return _l("This nomination has been submitted and can no longer be changed.")
    if not nomination.edition.is_open():
        return _call_closed(nomination.edition, _l("the nomination can no longer be changed."))
    return _l("You may not change this nomination.")


def _call_closed(edition: Edition, consequence):
    """Why the call refuses a change now, with the moment it closed (or opens), in the edition's time zone."""
    if edition.call_state() is CallState.NOT_OPEN:
        return _l(
            "The call opens on %(moment)s: %(consequence)s",
            moment=format_in_zone(edition.opens_at, edition.time_zone),
            consequence=consequence,
        )
    return _l(
        "The deadline passed on %(moment)s: %(consequence)s",
        moment=format_in_zone(edition.closes_at, edition.time_zone),
        consequence=consequence,
    )


class StaleNomination(ServiceError):
    """The nomination changed (another window, another person) since the page that posted was opened."""


STALE_NOMINATION = _l(
    "This nomination was changed elsewhere (another window, or a colleague) after you opened this "
    "page, so nothing was saved."
)


def check_version(nomination: Nomination, version: int | None) -> None:
    """Refuse a change made from a page older than the nomination (optimistic locking)."""
    if version is not None and version != nomination.version:
        db.session.rollback()
        raise StaleNomination(STALE_NOMINATION)


def _commit_nomination() -> None:
    """Commit; if another request changed the same nomination meanwhile, the version check in the UPDATE fails."""
    try:
        db.session.commit()
    except StaleDataError as error:
        db.session.rollback()
        raise StaleNomination(STALE_NOMINATION) from error


def save_draft(nomination: Nomination, user: User, answers: dict[str, object], version: int | None = None) -> list[str]:
    """Save the answers as they are; return the names of the fields that changed.

    ``version``: the nomination's version when the form was opened; an older one is refused (StaleNomination).
    """
    if not nomination.can_edit(user):
        raise NotAllowed(edit_refusal(nomination, user))
    forms = entry_forms.CurrentForms([nomination.category])
    fields = entry_forms.fields_of(nomination, forms)
    cleaned = clean_answers(fields, answers)
    changed = sorted(k for k, v in cleaned.items() if (nomination.answers or {}).get(k, "") != v)
    if changed:  # a page posting what is already saved (a double click, a replay) overwrites nothing
        check_version(nomination, version)
        entry_forms.pin(nomination, forms)
        nomination.answers = cleaned
        nomination.title = title_of(fields, cleaned)
        nomination.updated_at = utcnow()
        record("nomination.draft_saved", nomination, user, f"draft saved: {', '.join(changed)}", {"fields": changed})
    _commit_nomination()
    return changed


def next_reference(nomination: Nomination) -> str:
    # One UPDATE ... RETURNING: two submissions at once can never get the same number.
    sequence = db.session.execute(
        sa.update(Category)
        .where(Category.id == nomination.category_id)
        .values(last_sequence=Category.last_sequence + 1)
        .returning(Category.last_sequence)
    ).scalar_one()
    edition = nomination.edition
    return f"{edition.reference_prefix}-{edition.year}-{nomination.category.code}-{sequence:03d}"


def submit(
    nomination: Nomination, user: User, answers: dict[str, object] | None = None, zone: str | None = None
) -> Nomination:
    """Save the latest answers, check every rule, and submit: the nomination gets its reference, and the applicant
    a receipt by e-mail (with the time in ``zone`` too, the browser's, when it is a real one)."""
    if nomination.status is NominationStatus.SUBMITTED and nomination.belongs_to(user):
        return nomination  # a double click or a re-posted form: already done
    if not nomination.can_submit(user):
        raise NotAllowed(edit_refusal(nomination, user))
    if answers is not None:
        save_draft(nomination, user, answers)
    problems = submission_problems(nomination)
    if problems or nominee_consent.refusal(nomination):
        raise SubmissionRefused(problems)  # the edit page lists the nominee's consent with the answers' problems
    _lock_organisation(nomination.organisation_id)
    db.session.refresh(nomination)  # another request may have submitted it while we waited for the lock
    if nomination.status is NominationStatus.SUBMITTED:
        db.session.rollback()
        return nomination
    if not nomination.category.accepts(nomination.organisation.type):
        db.session.rollback()
        raise ServiceError(_l("This category is no longer open to your type of organisation."))
    if active_count(nomination.category, nomination.organisation_id) > nomination.category.max_per_organisation:
        db.session.rollback()
        raise ServiceError(_l("Your organisation already has the most nominations allowed in this category."))
    if nomination.reference is None:
        nomination.reference = next_reference(nomination)
    entry_forms.pin(nomination)  # the version the answers were checked against, theirs for good
    nomination.status = NominationStatus.SUBMITTED
    nomination.submitted_at = utcnow()
    record(
        "nomination.submitted",
        nomination,
        user,
        f"submitted as {nomination.reference}",
        {"reference": nomination.reference},
    )
    _commit_nomination()
    receipts.after_submission(nomination, user, receipts.reader_zone(zone))
    return nomination


def submission_problems(nomination: Nomination) -> Problems:
    """What still stops a draft from being submitted, by field."""
    documents = {attachment.slot for attachment in nomination.attachments if attachment.slot}
    return check_answers(entry_forms.fields_of(nomination), nomination.answers or {}, documents)


def withdraw(nomination: Nomination, user: User, reason: str = "", zone: str | None = None) -> Nomination:
    """Withdraw a draft or a submitted nomination before the deadline; a submitted one's applicant is told in
    writing."""
    if nomination.status is NominationStatus.WITHDRAWN and nomination.belongs_to(user):
        return nomination
    if not nomination.can_withdraw(user):
        if not nomination.edition.is_open():
            raise NotAllowed(_call_closed(nomination.edition, _l("the nomination can no longer be withdrawn.")))
        raise NotAllowed(_l("This nomination can no longer be withdrawn."))
    previous = nomination.status
    nomination.status = NominationStatus.WITHDRAWN
    nomination.withdrawn_at = utcnow()
    record(
        "nomination.withdrawn",
        nomination,
        user,
        f"withdrawn (was {previous})",
        {"from": str(previous), "reason": reason[:SHORT_TEXT_CHARS]},
    )
    _commit_nomination()
    if previous is NominationStatus.SUBMITTED:
        receipts.after_withdrawal(nomination, user, receipts.reader_zone(zone))
    return nomination


def add_attachment(nomination: Nomination, user: User, filename: str | None, data: bytes, slot: str = "") -> Attachment:
    """Check an uploaded file's type and size, store it under a random name, and attach it (to a file field of the
    form when ``slot`` names one)."""
    if not nomination.can_edit(user):
        raise NotAllowed(edit_refusal(nomination, user))
    if slot and slot not in {spec.name for spec in entry_forms.fields_of(nomination) if spec.is_file}:
        raise ServiceError(_l("The form has no such document to attach."))
    config = current_app.config
    name = storage.clean_filename(filename)
    if not data:
        if filename:
            raise ServiceError(_l("%(name)s is empty (0 bytes): nothing was attached.", name=name))
        raise ServiceError(_l("Choose a file to upload."))
    if len(data) > config["MAX_ATTACHMENT_BYTES"]:
        raise ServiceError(
            _l(
                "%(name)s is larger than the limit of %(mb)d MB per file.",
                name=name,
                mb=config["MAX_ATTACHMENT_BYTES"] // (1024 * 1024),
            )
        )
    if nomination.attachment_bytes + len(data) > config["MAX_NOMINATION_BYTES"]:
        raise ServiceError(
            _l(
                "The attachments of a nomination may total %(mb)d MB at most; remove a file first.",
                mb=config["MAX_NOMINATION_BYTES"] // (1024 * 1024),
            )
        )
    if len(nomination.attachments) >= config["MAX_ATTACHMENTS_PER_NOMINATION"]:
        raise ServiceError(
            _l("A nomination may have %(n)d attachments at most.", n=config["MAX_ATTACHMENTS_PER_NOMINATION"])
        )
    content_type = storage.sniff_type(data, name)
    if content_type is None:
        raise ServiceError(
            _l(
                "%(name)s was refused: only PDF, PNG, JPEG, DOCX, XLSX and PPTX files are accepted, "
                "and the file's content must match its name.",
                name=name,
            )
        )
    try:
        stored = storage.save_bytes(config["UPLOAD_FOLDER"], data)
    except OSError as error:
        current_app.logger.error("could not store an upload: %s", error)
        raise ServiceError(_l("The file could not be stored. Please try again later.")) from error
    attachment = Attachment(
        nomination=nomination,
        original_name=name,
        stored_name=stored.stored_name,
        content_type=content_type,
        size=stored.size,
        sha256=stored.sha256,
        uploaded_by_id=user.id,
        slot=slot,
    )
    try:
        db.session.add(attachment)
        db.session.flush()
        record(
            "attachment.added",
            attachment,
            user,
            f"{name} attached ({stored.size} bytes)",
            {"name": name, "size": stored.size, "slot": slot},
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        storage.delete(config["UPLOAD_FOLDER"], stored.stored_name)
        raise
    return attachment


def remove_attachment(attachment: Attachment, user: User) -> None:
    """Remove an attachment from a draft, its file, and the pages drawn from it unless another file has them."""
    nomination = attachment.nomination
    if not nomination.can_edit(user):
        raise NotAllowed(edit_refusal(nomination, user))
    stored_name, name, digest = attachment.stored_name, attachment.original_name, attachment.sha256
    record("attachment.removed", attachment, user, f"{name} removed", {"name": name})
    db.session.delete(attachment)
    db.session.commit()
    storage.delete(current_app.config["UPLOAD_FOLDER"], stored_name)
    if not db.session.scalar(sa.select(sa.exists().where(Attachment.sha256 == digest))):
        previews.forget(Path(current_app.config["PREVIEW_FOLDER"]), digest)


def screen(
    nomination: Nomination,
    user: User,
    eligible: bool,
    reason: str,
    version: int | None = None,
    *,
    share_reason: bool = True,
) -> Nomination:
    """Record the secretariat's eligibility decision, with its reason, which the applicant reads if
    ``share_reason`` (refused if the page is older than the nomination: ``version``)."""
    reason = (reason or "").strip()
    new_status = NominationStatus.ELIGIBLE if eligible else NominationStatus.INELIGIBLE
    if (
        nomination.status is new_status
        and nomination.screening_reason == reason
        and nomination.screening_reason_shared == share_reason
        and user.is_secretariat
    ):
        return nomination  # this very decision is already recorded (a double click, a re-posted form)
    check_version(nomination, version)
    if not nomination.can_screen(user):
        raise NotAllowed(_l("Only submitted nominations can be screened."))
    if not eligible and not reason:
        raise ServiceError(_l("Give the reason a nomination is ineligible."))
    if eligible and nominee_consent.refusal(nomination):
        raise ServiceError(
            _l(
                "The nominee has not consented, so the judges may not read this nomination: record the signed form "
                "if it reached you on paper, or mark it ineligible."
            )
        )
    previous = nomination.status
    nomination.status = new_status
    nomination.screening_reason = reason
    nomination.screening_reason_shared = share_reason
    nomination.screened_at = utcnow()
    nomination.screened_by_id = user.id
    record(
        "nomination.screened",
        nomination,
        user,
        f"{previous} → {new_status}" + (f": {reason}" if reason else ""),
        {"from": str(previous), "to": str(new_status), "reason": reason, "reason_shared": share_reason},
    )
    _commit_nomination()
    receipts.after_screening(nomination)
    return nomination


# --- finding nominations ------------------------------------------------------------------------


def nomination_search(
    edition_id: int,
    *,
    category_id: int | None = None,
    status: NominationStatus | None = None,
    country_code: str | None = None,
    region: Region | None = None,
    organisation_type: OrganisationType | None = None,
    text: str = "",
) -> sa.Select:
    """Return the query of an edition's nominations that match every filter given.

    The text matches the reference, title, organisation name or city, case-insensitively.
    """
    query = (
        sa.select(Nomination)
        .join(Nomination.organisation)
        .where(Nomination.edition_id == edition_id)
        .options(selectinload(Nomination.organisation), selectinload(Nomination.category))
    )
    if category_id is not None:
        query = query.where(Nomination.category_id == category_id)
    if status is not None:
        query = query.where(Nomination.status == status)
    if country_code:
        query = query.where(Organisation.country_code == country_code)
    if region is not None:
        query = query.where(Organisation.country_code.in_(countries_in(region)))
    if organisation_type is not None:
        query = query.where(Organisation.type == organisation_type)
    text = (text or "").strip()
    if text:
        query = query.where(text_matches(text))
    return query.order_by(Nomination.reference.is_(None), Nomination.reference, Nomination.id)


def next_in_list(listed: sa.Select, everyone: sa.Select, current_id: int) -> int | None:
    """The nomination after ``current_id`` in a list (``listed``: filtered and ordered), for "open the next".

    The current one may have left the list (screened out of a "submitted" filter): the next is then the first listed
    nomination that comes after it in the same order over the whole edition (``everyone``)."""
    ids = list(db.session.scalars(listed.with_only_columns(Nomination.id)))
    if current_id in ids:
        position = ids.index(current_id)
        return ids[position + 1] if position + 1 < len(ids) else None
    wanted = set(ids)
    after = False
    for nomination_id in db.session.scalars(everyone.with_only_columns(Nomination.id)):
        if after and nomination_id in wanted:
            return nomination_id
        after = after or nomination_id == current_id
    return None


def text_matches(text: str) -> sa.ColumnElement[bool]:
    """The nominations whose reference, title, organisation name or city holds the text, case-insensitively (a
    query using it joins the organisation). A NUL byte is dropped: no text holds one, and PostgreSQL refuses it."""
    escaped = text.replace("\x00", "").strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    return sa.or_(
        sa.func.lower(Nomination.reference).like(pattern, escape="\\"),
        sa.func.lower(Nomination.title).like(pattern, escape="\\"),
        sa.func.lower(Organisation.name).like(pattern, escape="\\"),
        sa.func.lower(Organisation.city).like(pattern, escape="\\"),
    )


def status_counts(edition_id: int) -> dict[tuple[int, NominationStatus], int]:
    """Count an edition's nominations by (category id, status)."""
    rows = db.session.execute(
        sa.select(Nomination.category_id, Nomination.status, sa.func.count(Nomination.id))
        .where(Nomination.edition_id == edition_id)
        .group_by(Nomination.category_id, Nomination.status)
    ).all()
    return {(category_id, status): count for category_id, status, count in rows}


def nomination_with_details(nomination_id: int) -> Nomination | None:
    """A nomination with what its pages show (category, edition, organisation, who entered and who screened it,
    the attachments), in two queries."""
    return db.session.scalar(
        sa.select(Nomination)
        .where(Nomination.id == nomination_id)
        .options(
            joinedload(Nomination.category),
            joinedload(Nomination.edition),
            joinedload(Nomination.organisation),
            joinedload(Nomination.created_by),
            joinedload(Nomination.screened_by),
            joinedload(Nomination.nominee_consent),
            selectinload(Nomination.attachments),
        )
    )


@dataclass(frozen=True)
class Lookalike:
    """A nomination of this or an earlier edition that reads like the one being screened."""

    nomination: Nomination
    field: str  # "title" or "summary"
    score: float


def lookalikes(nomination: Nomination) -> list[Lookalike]:
    """The nominations of the same or an earlier edition whose title or summary closely matches this one's (drafts
    left out: nobody has sent them), best first (``awards_app.similarity``)."""
    from .. import similarity

    others = db.session.scalars(
        sa.select(Nomination)
        .join(Edition, Edition.id == Nomination.edition_id)
        .where(
            Nomination.id != nomination.id,
            Nomination.status != NominationStatus.DRAFT,
            Edition.year <= nomination.edition.year,
        )
        .options(joinedload(Nomination.edition), joinedload(Nomination.organisation))
    ).all()
    by_id = {other.id: other for other in others}

    def entry(n: Nomination) -> similarity.Entry:
        return similarity.Entry(n.id, n.title or "", str((n.answers or {}).get("summary") or ""))

    matches = similarity.similar(entry(nomination), (entry(other) for other in others))
    return [Lookalike(by_id[m.id], m.field, m.score) for m in matches]
