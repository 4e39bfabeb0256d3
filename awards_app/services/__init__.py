"""Use cases: one function each. They change the database, write the audit trail and commit."""

from __future__ import annotations


class ServiceError(Exception):
    """A use case refused: the message is shown to the user, and nothing was changed."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


class NotAllowed(ServiceError):
    """The user may not do this to this object (the views answer 403)."""
