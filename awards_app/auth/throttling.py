"""Throttling of sign-in, password-reset requests and registration, declared with Flask-Limiter.

A view counts only the requests it marks with ``count_attempt()``: a failed sign-in (per account, the e-mail
typed, and per client address), a reset request (per account and per address), a registration (per address).
Once a limit is spent the view does not run at all, so not even a right password is checked, and the visitor gets
the same form back with 429, a ``Retry-After`` header and when to try again. A successful sign-in clears its
account's count. The numbers are in ``config.py``; the counters live in ``RATELIMIT_STORAGE_URI``.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable

from flask import Response, current_app, flash, make_response, render_template, request
from flask_babel import gettext as _
from flask_limiter import RequestLimit, RouteLimit
from flask_limiter.util import get_remote_address
from flask_wtf import FlaskForm

from ..extensions import limiter
from ..services.accounts import normalise_email
from .forms import DeleteAccountForm, ForgotPasswordForm, LoginForm, RegistrationForm

_COUNTED = "awards.throttling.counted"
_ACCOUNT = "account/"


def count_attempt() -> None:
    """Count this request against the limits of its view."""
    # In the WSGI environ rather than in `g`, which lives as long as the app context and so may outlive a request.
    request.environ[_COUNTED] = True


def forget_failed_sign_ins() -> None:
    """Clear the count of failed sign-ins of the account just signed in (its address keeps its count)."""
    for current in limiter.current_limits:
        if any(argument.startswith(_ACCOUNT) for argument in current.request_args):
            limiter.limiter.clear(current.limit, *current.request_args)


def _counted(_response: Response) -> bool:
    return bool(request.environ.get(_COUNTED))


def _account() -> str:
    # The e-mail as accounts are looked up, so that "Ana@X" and " ana@x" share one count; hashed, so that whatever
    # was typed makes a short key of plain characters (Memcached refuses long keys and spaces) and the store holds
    # no e-mail addresses.
    email = normalise_email(request.form.get("email", ""))
    return _ACCOUNT + hashlib.sha256(email.encode("utf-8", "replace")).hexdigest()


def _signed_in_account() -> str:
    # The signed-in person's account, keyed as sign-ins key theirs: a wrong password typed to delete the account is
    # a guess at it, limited as failed sign-ins are (someone at a computer left signed in cannot try passwords freely).
    from flask_login import current_user

    email = normalise_email(current_user.email if current_user.is_authenticated else "")
    return _ACCOUNT + hashlib.sha256(email.encode("utf-8", "replace")).hexdigest()


def _address() -> str:
    return "address/" + get_remote_address()


def _answer(
    template: str, form_class: type[FlaskForm], message: Callable[[int], str]
) -> Callable[[RequestLimit], Response]:
    """The 429 page of a spent limit: the view's form again, with when to try again."""

    def on_breach(limit: RequestLimit) -> Response:
        wait = max(1, limit.reset_at - int(time.time()))
        flash(message(math.ceil(wait / 60)), "danger")
        response = make_response(render_template(template, form=form_class()), 429)
        response.headers["Retry-After"] = str(wait)
        return response

    return on_breach


def _limit(setting: str, key_func: Callable[[], str], on_breach: Callable[[RequestLimit], Response]) -> RouteLimit:
    return limiter.limit(
        lambda: current_app.config[setting],
        key_func=key_func,
        methods=["POST"],
        deduct_when=_counted,
        on_breach=on_breach,
    )


_sign_in_refused = _answer(
    "auth/login.html",
    LoginForm,
    lambda minutes: _(
        "Too many failed sign-ins. Try again in %(minutes)d minute(s), or reset your password.", minutes=minutes
    ),
)
_reset_refused = _answer(
    "auth/forgot.html",
    ForgotPasswordForm,
    lambda minutes: _(
        "Too many reset requests. Try again in %(minutes)d minute(s); the link already sent still works.",
        minutes=minutes,
    ),
)
_registration_refused = _answer(
    "auth/register.html",
    RegistrationForm,
    lambda minutes: _(
        "Too many accounts were created from this address. Try again in %(minutes)d minute(s).", minutes=minutes
    ),
)
_deletion_refused = _answer(
    "auth/account_delete.html",
    DeleteAccountForm,
    lambda minutes: _("Too many wrong passwords. Try again in %(minutes)d minute(s).", minutes=minutes),
)

sign_in_per_account = _limit("LOGIN_LIMIT_PER_ACCOUNT", _account, _sign_in_refused)
sign_in_per_address = _limit("LOGIN_LIMIT_PER_ADDRESS", _address, _sign_in_refused)
reset_per_account = _limit("RESET_LIMIT_PER_ACCOUNT", _account, _reset_refused)
reset_per_address = _limit("RESET_LIMIT_PER_ADDRESS", _address, _reset_refused)
registration_per_address = _limit("REGISTER_LIMIT_PER_ADDRESS", _address, _registration_refused)
deletion_per_account = _limit("LOGIN_LIMIT_PER_ACCOUNT", _signed_in_account, _deletion_refused)
