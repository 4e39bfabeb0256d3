"""The access log (PIPA): who read whose personal data — a nomination's page, its documents or its PDF — and who
exported many at once. One row per person, kind, nomination and day; kept, and searchable by the secretariat."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import AccessRecord, Nomination, User, utcnow
from ..rules import SEARCH_CHARS

#: What was read, as the log's page names it.
KINDS = {
    "nomination": _l("Nomination page"),
    "document": _l("Document"),
    "pdf": _l("Nomination as PDF"),
    "merit_statement": _l("Merit statement"),
    "dossier": _l("Dossier or committee book (PDF)"),
    "export": _l("Export of results"),
}


def note(user: User, kind: str, nomination: Nomination | None = None, detail: str = "") -> None:
    """Record that ``user`` read this (at most once a day per nomination: a repeat changes nothing), committed at
    once in one statement. A person reading their own nomination is not logged: it is their data."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of access: {kind}")
    if not user.is_authenticated or (nomination is not None and nomination.belongs_to(user)):
        return
    now = utcnow()
    values = {
        "user_id": user.id,
        "kind": kind,
        "nomination_id": nomination.id if nomination is not None else None,
        "detail": detail[:300],
        "day": now.date().isoformat(),
        "at": now,
    }
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    # A Core statement on the session's connection: one INSERT, in the session's transaction, no ORM work.
    db.session.connection().execute(dialect.insert(AccessRecord).values(**values).on_conflict_do_nothing())
    db.session.commit()


@dataclass(frozen=True)
class AccessFilter:
    person: str = ""  # a part of the name or the e-mail address
    reference: str = ""  # a part of the nomination's reference
    kind: str = ""


def search(filters: AccessFilter) -> sa.Select:
    """The log's rows matching the filters, newest first."""
    query = (
        sa.select(AccessRecord)
        .join(User, User.id == AccessRecord.user_id)
        .outerjoin(Nomination, Nomination.id == AccessRecord.nomination_id)
        .options(sa.orm.contains_eager(AccessRecord.user))
        .order_by(AccessRecord.at.desc(), AccessRecord.id.desc())
    )
    person = filters.person.replace("\x00", "").strip()[:SEARCH_CHARS]
    reference = filters.reference.replace("\x00", "").strip()[:SEARCH_CHARS]
    if person:
        query = query.where(
            sa.or_(User.name.icontains(person, autoescape=True), User.email.icontains(person, autoescape=True))
        )
    if reference:
        query = query.where(Nomination.reference.icontains(reference, autoescape=True))
    if filters.kind in KINDS:
        query = query.where(AccessRecord.kind == filters.kind)
    return query
