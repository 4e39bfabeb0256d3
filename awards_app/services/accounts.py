"""Accounts: registration, login, password reset and invitations."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..extensions import db
from ..models import Organisation, OrganisationType, Role, User, utcnow
from . import ServiceError
from .audit import record
from .mail import send_email

RESET_SALT = "password-reset"
INVITATION_SALT = "invitation"


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def register_applicant(
    *, email: str, password: str, name: str, organisation_name: str,
    organisation_type: OrganisationType, country_code: str, city: str, locale: str | None = None,
) -> User:
    """Create an applicant account together with its organisation."""
    if find_user(email) is not None:
        raise ServiceError(_l("An account with this e-mail address already exists. Sign in or reset your password."))
    organisation = Organisation(
        name=organisation_name.strip(), type=organisation_type, country_code=country_code.upper(), city=city.strip()
    )
    user = User(email=normalise_email(email), name=name.strip(), organisation=organisation, locale=locale)
    user.set_password(password)
    user.grant(Role.APPLICANT)
    db.session.add(user)
    db.session.flush()
    record("account.registered", user, user, f"{user.email} registered for {organisation.name}",
           {"email": user.email, "organisation": organisation.name})
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None; the same answer for any failure."""
    user = find_user(email)
    if user is None or not user.active or not user.check_password(password):
        return None
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _fingerprint(user: User) -> str:
    # The token carries a digest of the current password hash, so it dies once the password changes:
    # that makes reset and invitation links single-use.
    return hashlib.sha256((user.password_hash or "none").encode()).hexdigest()[:20]


def make_token(user: User, salt: str) -> str:
    return _serializer(salt).dumps({"uid": user.id, "fp": _fingerprint(user)})


def user_from_token(token: str, salt: str, max_age: int) -> User:
    """Return the user a link was made for, or refuse an expired, used or forged link."""
    try:
        payload = _serializer(salt).loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise ServiceError(_l("This link has expired. Ask for a new one.")) from error
    except BadSignature as error:
        raise ServiceError(_l("This link is not valid.")) from error
    user = db.session.get(User, payload.get("uid")) if isinstance(payload, dict) else None
    if user is None or not user.active or payload.get("fp") != _fingerprint(user):
        raise ServiceError(_l("This link has already been used or is no longer valid."))
    return user


def request_password_reset(email: str) -> None:
    """E-mail a reset link if the account exists; say nothing either way to the requester."""
    user = find_user(email)
    if user is None or not user.active or not user.has_password:
        return
    link = url_for("auth.reset_password", token=make_token(user, RESET_SALT), _external=True)
    send_email(user.email, _l("Reset your password"), "reset_password", locale=user.locale, user=user, link=link,
               hours=current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600)
    record("account.reset_requested", user, None, f"password reset requested for {user.email}", {"email": user.email})
    db.session.commit()


def reset_password(token: str, password: str) -> User:
    """Set a new password from a valid reset link; the link cannot be used again."""
    user = user_from_token(token, RESET_SALT, current_app.config["PASSWORD_RESET_MAX_AGE"])
    user.set_password(password)
    record("account.password_reset", user, user, f"{user.email} reset the password", {"email": user.email})
    db.session.commit()
    return user


def invite_user(*, email: str, name: str, roles: set[Role], invited_by: User) -> User:
    """Invite a judge or a secretariat member by e-mail; an existing account gains the roles instead."""
    roles = {Role(r) for r in roles} & {Role.JUDGE, Role.SECRETARIAT}
    if not roles:
        raise ServiceError(_l("Choose at least one role."))
    user = find_user(email)
    if user is None:
        user = User(email=normalise_email(email), name=name.strip(), invited_by_id=invited_by.id)
        db.session.add(user)
    elif user.is_applicant:
        raise ServiceError(_l("This address belongs to an applicant account; use another address."))
    for role in sorted(roles):
        user.grant(role)
    db.session.flush()
    record("account.invited", user, invited_by, f"{user.email} invited as {', '.join(sorted(roles))}",
           {"email": user.email, "roles": sorted(roles)})
    send_invitation(user, invited_by)
    db.session.commit()
    return user


def send_invitation(user: User, invited_by: User) -> None:
    """E-mail the link that lets an invited person set a password (or sign in, if they have one)."""
    if user.has_password:
        link = url_for("auth.login", _external=True)
    else:
        link = url_for("auth.accept_invitation", token=make_token(user, INVITATION_SALT), _external=True)
    send_email(user.email, _l("Your invitation to the Seoul Smart City Prize"), "invitation", locale=user.locale,
               user=user, link=link, invited_by=invited_by, roles=sorted(user.roles),
               days=current_app.config["INVITATION_MAX_AGE"] // 86400)


def resend_invitation(user: User, invited_by: User) -> None:
    """Send a judge's or secretariat member's invitation again (a new link; the old one still works until used)."""
    if not (user.is_judge or user.is_secretariat):
        raise ServiceError(_l("Only judges and secretariat members are invited."))
    send_invitation(user, invited_by)
    record("account.invitation_resent", user, invited_by, f"invitation sent again to {user.email}",
           {"email": user.email})
    db.session.commit()


def accept_invitation(token: str, *, name: str, password: str) -> User:
    """Set the invited person's name and password; the invitation link then stops working."""
    user = user_from_token(token, INVITATION_SALT, current_app.config["INVITATION_MAX_AGE"])
    if user.has_password:
        raise ServiceError(_l("This invitation has already been accepted. Sign in instead."))
    user.name = name.strip() or user.name
    user.set_password(password)
    record("account.invitation_accepted", user, user, f"{user.email} accepted the invitation",
           {"email": user.email})
    db.session.commit()
    return user


def create_admin(email: str, name: str, password: str) -> User:
    """Create a secretariat account, or grant the role to an existing one (the CLI's first step)."""
    user = find_user(email)
    if user is None:
        user = User(email=normalise_email(email), name=name)
        db.session.add(user)
    if user.is_applicant:
        raise ServiceError(_l("This address belongs to an applicant account; use another address."))
    user.set_password(password)
    user.grant(Role.SECRETARIAT)
    db.session.flush()
    record("account.admin_created", user, None, f"{user.email} made a secretariat member from the command line",
           {"email": user.email})
    db.session.commit()
    return user


def set_locale(user: User, locale: str) -> None:
    """Remember a signed-in user's language."""
    user.locale = locale
    db.session.commit()


def update_profile(user: User, changes_from, actor: User) -> dict:
    """Save a judge's profile (name, affiliation, country, expertise, languages, time zone)."""
    changes = changes_from(user)
    if changes:
        record("account.profile_updated", user, actor, f"profile of {user.email} updated",
               {"email": user.email, "fields": sorted(changes)})
    db.session.commit()
    return changes
