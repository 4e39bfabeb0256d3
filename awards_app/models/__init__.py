"""The domain model; ``can_*`` predicates on the models say who may do what."""

from .audit import AuditEvent
from .nominations import ACTIVE_STATUSES, SCREENABLE_STATUSES, Attachment, Nomination, NominationStatus
from .programs import AwardTier, CallState, Category, CategoryKind, Edition
from .types import UTCDateTime, utcnow
from .users import Organisation, OrganisationType, Role, User, UserRole

__all__ = [
    "ACTIVE_STATUSES",
    "SCREENABLE_STATUSES",
    "Attachment",
    "AuditEvent",
    "AwardTier",
    "CallState",
    "Category",
    "CategoryKind",
    "Edition",
    "Nomination",
    "NominationStatus",
    "Organisation",
    "OrganisationType",
    "Role",
    "UTCDateTime",
    "User",
    "UserRole",
    "utcnow",
]
