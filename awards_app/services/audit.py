"""Writing the audit trail."""

from __future__ import annotations

from flask import has_request_context, request

from ..extensions import db
from ..models import AuditEvent, Edition, Nomination, User
from ..rules import SHORT_TEXT_CHARS


def record(
    action: str,
    target: object,
    actor: User | None,
    summary: str = "",
    details: dict | None = None,
) -> AuditEvent:
    """Add an audit event to the session (the calling use case commits it with its own change)."""
    nomination = target if isinstance(target, Nomination) else getattr(target, "nomination", None)
    edition_id: int | None
    if isinstance(target, Edition):
        edition_id = target.id
    else:
        edition_id = getattr(target, "edition_id", None) or (nomination.edition_id if nomination else None)
    event = AuditEvent(
        action=action,
        target_type=target.__class__.__name__.lower(),
        target_id=getattr(target, "id", None),
        actor_id=actor.id if actor is not None and getattr(actor, "id", None) else None,
        nomination_id=nomination.id if nomination is not None else None,
        edition_id=edition_id,
        summary=summary[:SHORT_TEXT_CHARS],
        details=details or {},
        ip_address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event
