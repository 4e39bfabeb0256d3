"""The door: loading the signed-in user and guarding views by role."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..models import Role, User

login_message = _l("Please sign in to see this page.")


def load_user(session_id: str) -> User | None:
    """The signed-in user, while the sign-in the cookie names is open and the account active."""
    from ..services.accounts import session_user

    return session_user(session_id)


def role_required(*roles: Role):
    """Let in signed-in users holding any of the roles; answer 403 to anyone else signed in."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:  # Flask-Login lets OPTIONS through unauthenticated
                abort(403)
            if not any(current_user.has_role(role) for role in roles):
                abort(403)
            if Role.APPLICANT in roles and len(roles) == 1 and current_user.organisation_id is None:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
