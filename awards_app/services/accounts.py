"""Accounts: registration, login, password reset and invitations."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from datetime import timedelta
from functools import partial

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from ..after_response import after_response
from ..extensions import db, rows_changed
from ..models import Organisation, OrganisationType, Role, User, UserSession, session_key_digest, utcnow
from ..urls import external_url
from . import ServiceError
from . import privacy as privacy_service
from .audit import record
from .judge_profile import JudgeDetails, apply_details, check_details
from .mail import send_email

RESET_SALT = "password-reset"
INVITATION_SALT = "invitation"
CONFIRMATION_SALT = "confirm-email"


#: Characters nobody types into an address on purpose: controls (NUL among them), invisible formatting marks and
#: line or paragraph separators.
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp"})


def normalise_email(email: str | None) -> str:
    """An account's identity, the one spelling used to store it, to look it up and to count attempts against it.

    Invisible characters are dropped, surrounding space trimmed and letters lowered, so ``" Ana@X.org\x00"`` is
    ``ana@x.org`` everywhere: a throttle keyed on one spelling cannot be passed with another.
    """
    visible = "".join(ch for ch in (email or "") if unicodedata.category(ch) not in _INVISIBLE)
    return visible.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def register_applicant(
    *,
    email: str,
    password: str,
    name: str,
    organisation_name: str,
    organisation_type: OrganisationType,
    country_code: str,
    city: str,
    locale: str | None = None,
    consents: list[str] | None = None,
) -> None:
    """Register an applicant and answer nothing about the address: the caller says "check your inbox" either way.

    A new address gets an account that waits for the link e-mailed to it; an address whose registration was never
    confirmed takes the new details (only the newest link works); an address with an account is left as it is
    and its owner is told that someone tried. Both paths hash the password and write one audit event, and the mail
    goes after the response, so neither the page nor its timing shows whether the address is known.
    """
    notice = privacy_service.current_notice().version  # read (or first written) before anything changes
    password_hash = hash_password(password)
    user = find_user(email)
    if user is not None and not user.confirmation_pending:
        record(
            "account.registration_refused",
            user,
            None,
            f"registration attempted with the address of {user.email}",
            {"email": user.email},
        )
        db.session.commit()
        after_response(partial(_send_registration_attempt, user.id))
        return
    if user is None:
        user = User(email=normalise_email(email), confirmation_pending=True)
        user.organisation = Organisation()
        user.grant(Role.APPLICANT)
        db.session.add(user)
    organisation = user.organisation
    assert organisation is not None  # an applicant's account always has its organisation
    organisation.name = organisation_name.strip()
    organisation.type = organisation_type
    organisation.country_code = country_code.upper()
    organisation.city = city.strip()
    user.name = name.strip()
    user.locale = locale
    user.password_hash = password_hash
    db.session.flush()
    privacy_service.record_consents(user, consents or [], notice)
    record(
        "account.registered",
        user,
        user,
        f"{user.email} registered for {organisation.name}",
        {"email": user.email, "organisation": organisation.name},
    )
    db.session.commit()
    after_response(partial(_send_confirmation, user.id))


def _send_confirmation(user_id: int) -> None:
    user = db.session.get(User, user_id)
    if user is None or not user.confirmation_pending:
        return
    link = external_url("auth.confirm_email", token=make_token(user, CONFIRMATION_SALT))
    send_email(
        user.email,
        "confirm_email",
        locale=user.locale,
        user=user,
        link=link,
        hours=current_app.config["CONFIRMATION_MAX_AGE"] // 3600,
    )


def _send_registration_attempt(user_id: int) -> None:
    user = db.session.get(User, user_id)
    if user is None:
        return
    send_email(
        user.email,
        "registration_attempt",
        locale=user.locale,
        user=user,
        sign_in=external_url("auth.login"),
        reset=external_url("auth.forgot_password"),
    )


class NotTheRegistrationPassword(ServiceError):
    """The password typed to confirm an address is not the one its registration was made with."""


def confirm_email(token: str, password: str) -> User:
    """Finish a registration from the e-mailed link and the password it was made with: the account can sign in from
    now on.

    The link alone is not enough: a registration of an unconfirmed address replaces the one before it, so someone
    else's registration of the owner's address sends its link to the owner's mailbox, and opening it would open an
    account whose password that someone knows.
    """
    user = user_from_token(token, CONFIRMATION_SALT, current_app.config["CONFIRMATION_MAX_AGE"])
    if not user.confirmation_pending:
        raise ServiceError(_l("This address is already confirmed. Sign in."))
    if not user.check_password(password):
        raise NotTheRegistrationPassword(
            _l(
                "This is not the password this registration was made with. If you do not remember it, or did not "
                "choose it, register again: the new registration replaces this one."
            )
        )
    user.confirmation_pending = False
    record("account.confirmed", user, user, f"{user.email} confirmed the address", {"email": user.email})
    db.session.commit()
    return user


def resend_confirmation(user: User) -> None:
    """Send the link again to an applicant who tries to sign in before confirming the address."""
    after_response(partial(_send_confirmation, user.id))


def hash_password(password: str) -> str:
    """The stored form of a password (scrypt unless the configuration names a faster method for the tests)."""
    return generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


def _spend_a_password_check(password: str) -> None:
    # Checking a password costs what hashing it costs; an unknown address must cost the same, or the time of the
    # answer tells which addresses have accounts.
    dummies = current_app.extensions.setdefault("awards.dummy_password_hashes", {})
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in dummies:
        dummies[method] = generate_password_hash(secrets.token_hex(16), method=method)
    check_password_hash(dummies[method], password)


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None; the same answer, in the same time, for any failure.

    An applicant whose address is not yet confirmed is returned too: the caller tells them to open the link.
    """
    user = find_user(email)
    if user is None or not user.active or not user.has_password:
        _spend_a_password_check(password)
        return None
    if not user.check_password(password):
        return None
    return user


# --- sign-ins -------------------------------------------------------------------------------------------------------


def start_session(user: User, *, remember: bool, user_agent: str = "", ip_address: str | None = None) -> str:
    """Open a sign-in for this browser and return its key, which the cookies carry (the database keeps a digest)."""
    now = utcnow()
    config = current_app.config
    key = secrets.token_urlsafe(32)
    lifetime = config["REMEMBER_COOKIE_DURATION"] if remember else config["SESSION_IDLE_TIMEOUT"]
    forgotten = now - timedelta(days=30)
    db.session.execute(
        sa.delete(UserSession).where(
            UserSession.user_id == user.id, sa.or_(UserSession.ended_at < forgotten, UserSession.expires_at < forgotten)
        )
    )
    session_row = UserSession(
        user_id=user.id,
        key_digest=session_key_digest(key),
        remember=remember,
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
        user_agent=(user_agent or "")[:200],
        ip_address=ip_address,
    )
    db.session.add(session_row)
    user.last_login_at = now
    db.session.commit()
    user.session_key = key
    user.current_session = session_row
    return key


def session_user(cookie_id: str | None) -> User | None:
    """The user whose open sign-in a session or remember-me cookie names, or None once it has ended or expired.

    An idle sign-in without "keep me signed in" expires after ``SESSION_IDLE_TIMEOUT``; each request moves that on
    (written at most every ``SESSION_TOUCH_INTERVAL``, so a page view is not a write).
    """
    user_id, _, key = (cookie_id or "").partition(":")
    if not key or not user_id.isdigit():
        return None
    row = (
        db.session.scalars(
            sa.select(UserSession)
            # The user's organisation and roles with it: every page asks for them, and they cost no query of their own.
            .options(
                joinedload(UserSession.user).joinedload(User.organisation),
                joinedload(UserSession.user).joinedload(User.role_links),
            )
            .where(UserSession.key_digest == session_key_digest(key))
        )
        .unique()
        .one_or_none()
    )
    now = utcnow()
    if row is None or str(row.user_id) != user_id or not row.is_open(now) or not row.user.active:
        return None
    config = current_app.config
    if now - row.last_seen_at >= config["SESSION_TOUCH_INTERVAL"]:
        row.last_seen_at = now
        if not row.remember:
            row.expires_at = now + config["SESSION_IDLE_TIMEOUT"]
        db.session.commit()
    user = row.user
    user.session_key = key
    user.current_session = row
    return user


def end_session(user: User) -> None:
    """Sign this browser out on the server: its session and remember-me cookies open nothing any more."""
    if user.current_session is not None and user.current_session.ended_at is None:
        user.current_session.ended_at = utcnow()
        db.session.commit()


def end_all_sessions(user: User, actor: User | None = None) -> int:
    """Sign the user out everywhere (every browser, remembered or not); return how many sign-ins were ended."""
    now = utcnow()
    ended = rows_changed(
        sa.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=now)
    )
    record(
        "account.signed_out_everywhere",
        user,
        actor,
        f"every sign-in of {user.email} ended",
        {"email": user.email, "sessions": ended},
    )
    db.session.commit()
    return ended


def open_sessions(user: User) -> list[UserSession]:
    """The user's sign-ins that still open pages, newest first (for the account page)."""
    now = utcnow()
    return list(
        db.session.scalars(
            sa.select(UserSession)
            .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None), UserSession.expires_at > now)
            .order_by(UserSession.last_seen_at.desc())
        )
    )


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
    """E-mail a reset link if the account exists; answer the same, in the same time, either way. An account made
    for someone who never set a password (an invited judge, an applicant of an imported nomination) has nothing to
    reset: its invitation is sent again instead, the link that lets them set one.

    The lookup is all the request does; the link is made, mailed and audited after the response.
    """
    # One query whatever the answer (loading the account would fetch its roles as well, a second query that only a
    # known address costs).
    found = db.session.execute(
        sa.select(User.id, User.password_hash.is_not(None)).where(
            User.email == normalise_email(email), User.active.is_(True)
        )
    ).first()
    if found is not None:
        user_id, has_password = found
        after_response(partial(_send_reset_link if has_password else _send_invitation_again, user_id))


def _send_invitation_again(user_id: int) -> None:
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.has_password:
        return
    inviter = db.session.get(User, user.invited_by_id) if user.invited_by_id else None
    send_invitation(user, inviter)
    record(
        "account.invitation_resent",
        user,
        None,
        f"invitation sent again to {user.email}, who asked to reset a password never set",
        {"email": user.email},
    )
    db.session.commit()


def _send_reset_link(user_id: int) -> None:
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        return
    link = external_url("auth.reset_password", token=make_token(user, RESET_SALT))
    send_email(
        user.email,
        "reset_password",
        locale=user.locale,
        user=user,
        link=link,
        hours=current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600,
    )
    record("account.reset_requested", user, None, f"password reset requested for {user.email}", {"email": user.email})
    db.session.commit()


def reset_password(token: str, password: str) -> User:
    """Set a new password from a valid reset link; the link cannot be used again, and every sign-in ends."""
    user = user_from_token(token, RESET_SALT, current_app.config["PASSWORD_RESET_MAX_AGE"])
    user.set_password(password)
    user.confirmation_pending = False  # the link reached the mailbox: that confirms the address as well
    record("account.password_reset", user, user, f"{user.email} reset the password", {"email": user.email})
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    db.session.commit()
    return user


def invite_user(
    *,
    email: str,
    name: str,
    roles: set[Role],
    invited_by: User,
    details: JudgeDetails | None = None,
    locale: str | None = None,
) -> User:
    """Invite a judge or a secretariat member by e-mail, in their language; an existing account gains the roles
    instead. A judge comes with the organisation, country and time zone the conflict rules and deadlines need
    (``judge_profile.check_details``); an existing account keeps its own and only has its blanks filled."""
    roles = {Role(r) for r in roles} & {Role.JUDGE, Role.SECRETARIAT}
    if not roles:
        raise ServiceError(_l("Choose at least one role."))
    user = find_user(email)
    if user is not None and user.is_applicant:
        raise ServiceError(_l("This address belongs to an applicant account; use another address."))
    details = check_details(details or JudgeDetails(), required=Role.JUDGE in roles)
    locale = locale if locale in current_app.config["LANGUAGES"] else None
    if user is None:
        user = User(email=normalise_email(email), name=name.strip(), invited_by_id=invited_by.id, locale=locale)
        apply_details(user, details)
        db.session.add(user)
    else:
        apply_details(user, details, only_blanks=True)
        user.locale = user.locale or locale
    for role in sorted(roles):
        user.grant(role)
    db.session.flush()
    record(
        "account.invited",
        user,
        invited_by,
        f"{user.email} invited as {', '.join(sorted(roles))}",
        {"email": user.email, "roles": sorted(roles)},
    )
    send_invitation(user, invited_by)
    db.session.commit()
    return user


def send_invitation(user: User, invited_by: User | None) -> None:
    """E-mail the link that lets an invited person set a password (or sign in, if they have one); ``invited_by`` is
    named in it when known."""
    if user.has_password:
        link = external_url("auth.login")
    else:
        link = external_url("auth.accept_invitation", token=make_token(user, INVITATION_SALT))
    send_email(
        user.email,
        "invitation",
        locale=user.locale,
        user=user,
        link=link,
        invited_by=invited_by,
        roles=sorted(user.roles),
        days=current_app.config["INVITATION_MAX_AGE"] // 86400,
    )


def invite_imported(user_ids: list[int], actor_id: int) -> None:
    """E-mail each applicant account an import made the link to claim it (set a password), unless claimed since."""
    actor = db.session.get(User, actor_id)
    for user in db.session.scalars(sa.select(User).where(User.id.in_(user_ids))):
        if actor is not None and not user.has_password:
            send_invitation(user, actor)


def resend_invitation(user: User, invited_by: User) -> None:
    """Send an invitation again (a new link; the old one still works until used): to a judge or secretariat member,
    or to an applicant whose account an import made and who has not claimed it yet."""
    if not (user.is_judge or user.is_secretariat or (user.is_applicant and not user.has_password)):
        raise ServiceError(_l("Only judges, secretariat members and unclaimed imported accounts are invited."))
    send_invitation(user, invited_by)
    record(
        "account.invitation_resent", user, invited_by, f"invitation sent again to {user.email}", {"email": user.email}
    )
    db.session.commit()


def accept_invitation(
    token: str,
    *,
    name: str,
    password: str,
    consents: list[str] | None = None,
    details: JudgeDetails | None = None,
) -> User:
    """Set the invited person's name and password, record their consents and, for a judge, the details they confirm
    or correct (organisation, country, time zone, languages, declared ties; all but the ties required); the
    invitation link then stops working."""
    notice = privacy_service.current_notice().version  # read (or first written) before anything changes
    user = user_from_token(token, INVITATION_SALT, current_app.config["INVITATION_MAX_AGE"])
    if user.has_password:
        raise ServiceError(_l("This invitation has already been accepted. Sign in instead."))
    changed = apply_details(user, check_details(details or JudgeDetails(), required=True)) if user.is_judge else []
    user.name = name.strip() or user.name
    user.set_password(password)
    privacy_service.record_consents(user, consents or [], notice)
    record(
        "account.invitation_accepted",
        user,
        user,
        f"{user.email} accepted the invitation",
        {"email": user.email, "fields": sorted(changed)} if changed else {"email": user.email},
    )
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
    record(
        "account.admin_created",
        user,
        None,
        f"{user.email} made a secretariat member from the command line",
        {"email": user.email},
    )
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
        record(
            "account.profile_updated",
            user,
            actor,
            f"profile of {user.email} updated",
            {"email": user.email, "fields": sorted(changes)},
        )
    db.session.commit()
    return changes
