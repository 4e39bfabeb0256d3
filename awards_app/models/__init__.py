"""The domain model; ``can_*`` predicates on the models say who may do what."""

from .audit import AuditEvent
from .judging import (
    Assignment,
    AssignmentStatus,
    Award,
    CommitteeVote,
    Conflict,
    Criterion,
    LevelDescriptor,
    Round,
    RoundEntry,
    RoundMode,
    Score,
    ScoreSheet,
    SheetStatus,
    Vote,
    assignment_status,
)
from .nominations import ACTIVE_STATUSES, SCREENABLE_STATUSES, Attachment, Nomination, NominationStatus
from .programs import AwardTier, CallState, Category, CategoryKind, Edition
from .results import FitStatus, Publication, ResultNotice, UncertaintyFit
from .types import UTCDateTime, utcnow
from .users import Organisation, OrganisationType, Role, User, UserRole, UserSession, session_key_digest

__all__ = [
    "ACTIVE_STATUSES",
    "SCREENABLE_STATUSES",
    "Assignment",
    "AssignmentStatus",
    "Attachment",
    "AuditEvent",
    "Award",
    "AwardTier",
    "CallState",
    "Category",
    "CategoryKind",
    "CommitteeVote",
    "Conflict",
    "Criterion",
    "Edition",
    "FitStatus",
    "LevelDescriptor",
    "Nomination",
    "NominationStatus",
    "Organisation",
    "OrganisationType",
    "Publication",
    "ResultNotice",
    "Role",
    "Round",
    "RoundEntry",
    "RoundMode",
    "Score",
    "ScoreSheet",
    "SheetStatus",
    "UTCDateTime",
    "UncertaintyFit",
    "User",
    "UserRole",
    "UserSession",
    "Vote",
    "assignment_status",
    "session_key_digest",
    "utcnow",
]
