"""Who took part in which edition: the people a purge of an edition concerns, who among them is still active in
another, and how an edition's records of a person move to a placeholder account (``rules.privacy``)."""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    AccessRecord,
    Assignment,
    Attachment,
    AuditEvent,
    Conflict,
    Edition,
    Nomination,
    Role,
    Round,
    User,
    UserRole,
)
from .anonymise import Erasure


def in_edition(edition: Edition) -> sa.ColumnElement[bool]:
    """The audit entries of an edition: about it, or about one of its nominations."""
    return sa.or_(
        AuditEvent.edition_id == edition.id,
        AuditEvent.nomination_id.in_(sa.select(Nomination.id).where(Nomination.edition_id == edition.id)),
    )


def participants(edition: Edition) -> dict[User, bool]:
    """The people who took part in an edition, secretariat members and erased accounts left out, each with whether
    they judged in it: applicants of the entering organisations and whoever entered or uploaded for them; judges
    assigned to, or in conflict with, one of its nominations."""
    nominations = sa.select(Nomination.id).where(Nomination.edition_id == edition.id)
    judges = sa.union(
        sa.select(Assignment.judge_id).join(Round).where(Round.edition_id == edition.id),
        sa.select(Conflict.judge_id).where(Conflict.nomination_id.in_(nominations)),
    )
    applicants = sa.union(
        sa.select(User.id).where(
            User.organisation_id.in_(sa.select(Nomination.organisation_id).where(Nomination.edition_id == edition.id))
        ),
        sa.select(Nomination.created_by_id).where(Nomination.edition_id == edition.id),
        sa.select(Attachment.uploaded_by_id).where(Attachment.nomination_id.in_(nominations)),
    )
    judged = set(db.session.scalars(judges))
    people = db.session.scalars(
        sa.select(User)
        .where(
            sa.or_(User.id.in_(judged), User.id.in_(applicants)),
            User.erased_at.is_(None),
            ~User.role_links.any(UserRole.role == Role.SECRETARIAT),
        )
        .order_by(User.id)
    )
    return {person: person.id in judged for person in people}


def active_in(editions: list[int]) -> set[int]:
    """The people who take part in any of these editions: they entered one (or their organisation did), judged in
    one, or were in conflict with one of its nominations."""
    if not editions:
        return set()
    nominations = sa.select(Nomination.id).where(Nomination.edition_id.in_(editions))
    return set(
        db.session.scalars(
            sa.union(
                sa.select(Nomination.created_by_id).where(Nomination.edition_id.in_(editions)),
                sa.select(User.id).where(
                    User.organisation_id.in_(
                        sa.select(Nomination.organisation_id).where(Nomination.edition_id.in_(editions))
                    )
                ),
                sa.select(Assignment.judge_id).join(Round).where(Round.edition_id.in_(editions)),
                sa.select(Conflict.judge_id).where(Conflict.nomination_id.in_(nominations)),
            )
        )
    )


def move_records(person: User, placeholder: User, edition: Edition, erasure: Erasure) -> None:
    """Move a person's records of one edition to their placeholder account: what they entered, judged, declared
    and did in it, and what the access log says they read of it."""
    nominations = sa.select(Nomination.id).where(Nomination.edition_id == edition.id)
    rounds = sa.select(Round.id).where(Round.edition_id == edition.id)
    moves = (
        (Nomination, Nomination.created_by_id, Nomination.edition_id == edition.id),
        (Assignment, Assignment.judge_id, Assignment.round_id.in_(rounds)),
        (Conflict, Conflict.judge_id, Conflict.nomination_id.in_(nominations)),
        (Conflict, Conflict.recorded_by_id, Conflict.nomination_id.in_(nominations)),
        (AuditEvent, AuditEvent.actor_id, in_edition(edition)),
        (AccessRecord, AccessRecord.user_id, AccessRecord.nomination_id.in_(nominations)),
    )
    for model, column, where in moves:
        db.session.execute(
            sa.update(model)
            .where(where, column == person.id)
            .values({column.key: placeholder.id})
            .execution_options(synchronize_session="fetch")
        )
    erasure.replace(person.email, placeholder.name)
    erasure.replace(person.name, placeholder.name)
