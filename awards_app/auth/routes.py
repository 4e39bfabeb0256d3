"""Signing in and out, registering, resetting a password, accepting an invitation."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..downloads import private_download
from ..errors import flash_error
from ..forms import JudgeProfileForm
from ..i18n import current_language
from ..models import OrganisationType
from ..services import ServiceError
from ..services import accounts as accounts_service
from ..services import erasure as erasure_service
from ..services import privacy as privacy_service
from ..services.judge_profile import DetailsRefused
from ..urls import safe_next
from . import throttling
from .forms import (
    AcceptInvitationForm,
    ConfirmEmailForm,
    DeleteAccountForm,
    ForgotPasswordForm,
    LoginForm,
    RegistrationForm,
    ResetPasswordForm,
    SignOutEverywhereForm,
)

bp = Blueprint("auth", __name__)


def _start_session(user, remember: bool = False) -> None:
    # A fresh session at sign-in (keeping only the language), so a planted session id is worthless; the sign-in
    # itself is kept on the server, where signing out ends it.
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    accounts_service.start_session(
        user, remember=remember, user_agent=request.user_agent.string, ip_address=request.remote_addr
    )
    login_user(user, remember=remember)


@bp.route("/login", methods=["GET", "POST"])
@throttling.sign_in_per_account
@throttling.sign_in_per_address
def login():
    """Sign in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts_service.authenticate(form.email.data, form.password.data)
        if user is None:
            # One message whether the account is unknown, inactive or the password wrong.
            throttling.count_attempt()
            flash(_("Wrong e-mail or password."), "danger")
        elif user.confirmation_pending:
            throttling.count_attempt()  # each try sends a mail: bounded like failed sign-ins
            accounts_service.resend_confirmation(user)
            flash(
                _("Confirm your e-mail address first: we have sent the link to %(email)s again.", email=user.email),
                "warning",
            )
        else:
            throttling.forget_failed_sign_ins()
            _start_session(user, remember=form.remember.data)
            return redirect(safe_next(url_for("main.index")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out: this browser's sign-in ends on the server too."""
    if current_user.is_authenticated:
        accounts_service.end_session(current_user)
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/register", methods=["GET", "POST"])
@throttling.registration_per_address
def register():
    """Create an applicant account with its organisation."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegistrationForm()
    if form.validate_on_submit():
        throttling.count_attempt()  # taken or not, an address tried costs the same: no free probing of accounts
        accounts_service.register_applicant(
            email=form.email.data,
            password=form.password.data,
            name=form.name.data,
            organisation_name=form.organisation_name.data,
            organisation_type=OrganisationType(form.organisation_type.data),
            country_code=form.country.data,
            city=form.city.data,
            locale=current_language(),
            consents=form.consents(),
        )
        # The same answer whether or not the address already has an account: its owner is told by e-mail.
        hours = current_app.config["CONFIRMATION_MAX_AGE"] // 3600
        flash(
            _(
                "Almost done: we have e-mailed a link to %(email)s. Open it within %(h)d hours to finish creating "
                "your account.",
                email=form.email.data,
                h=hours,
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/register.html", form=form)


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """Finish a registration from the e-mailed link (a button, so a mail scanner opening the link changes nothing)."""
    try:
        accounts_service.user_from_token(
            token, accounts_service.CONFIRMATION_SALT, current_app.config["CONFIRMATION_MAX_AGE"]
        )
    except ServiceError as error:
        flash_error(error)
        return redirect(url_for("auth.login"))
    form = ConfirmEmailForm()
    if form.validate_on_submit():
        try:
            user = accounts_service.confirm_email(token, form.password.data)
        except accounts_service.NotTheRegistrationPassword as error:
            form.password.errors = [error.message]
            return render_template("auth/confirm.html", form=form)
        except ServiceError as error:
            flash_error(error, "info")
            return redirect(url_for("auth.login"))
        if current_user.is_authenticated:
            accounts_service.end_session(current_user)
            logout_user()
        _start_session(user)
        flash(_("Welcome! Your account is ready: start a nomination below."), "success")
        return redirect(url_for("nominations.index"))
    return render_template("auth/confirm.html", form=form)


@bp.route("/forgot", methods=["GET", "POST"])
@throttling.reset_per_account
@throttling.reset_per_address
def forgot_password():
    """Ask for a password reset link."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        throttling.count_attempt()
        accounts_service.request_password_reset(form.email.data)
        hours = current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600
        flash(
            _(
                "If an account uses this address, a reset link is on its way. It works once, for %(h)d hour(s).",
                h=hours,
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Set a new password from an e-mailed link."""
    try:
        accounts_service.user_from_token(
            token, accounts_service.RESET_SALT, current_app.config["PASSWORD_RESET_MAX_AGE"]
        )
    except ServiceError as error:
        flash_error(error)
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts_service.reset_password(token, form.password.data)
        except ServiceError as error:
            flash_error(error)
            return redirect(url_for("auth.forgot_password"))
        logout_user()  # the reset ended every sign-in of the account, this browser's included
        flash(_("Your password has been changed and every device signed out. Sign in with the new one."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Accept an invitation: set a name and a password and give the consents; a judge confirms or corrects their
    organisation, country, time zone and languages, and declares their ties."""
    try:
        user = accounts_service.user_from_token(
            token, accounts_service.INVITATION_SALT, current_app.config["INVITATION_MAX_AGE"]
        )
    except ServiceError as error:
        flash_error(error)
        return redirect(url_for("auth.login"))
    if user.has_password:
        flash(_("This invitation has already been accepted. Sign in instead."), "info")
        return redirect(url_for("auth.login"))
    form = AcceptInvitationForm(obj=user)
    if not user.is_judge:  # a secretariat member is not asked a judge's details
        for name in ("affiliation", "country_code", "time_zone", "languages", "declared_ties"):
            del form[name]
    if form.validate_on_submit():
        try:
            user = accounts_service.accept_invitation(
                token,
                name=form.name.data,
                password=form.password.data,
                consents=form.consents(),
                details=form.judge_details(),
            )
        except DetailsRefused as error:
            form.show_problems(error.problems)
        except ServiceError as error:
            flash_error(error)
            return redirect(url_for("auth.login"))
        else:
            _start_session(user)
            flash(_("Welcome, %(name)s. Your account is ready.", name=user.name), "success")
            return redirect(url_for("main.index"))
    return render_template("auth/invitation.html", form=form, invited=user)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """Show the signed-in user's own account; judges and secretariat members keep their profile here."""
    form = None
    if current_user.is_judge or current_user.is_secretariat:
        form = JudgeProfileForm(obj=current_user)
        # Organisation, country and declared ties decide automatic conflicts of interest: once the invitation is
        # accepted, only the secretariat changes them.
        del form.affiliation
        del form.country_code
        del form.declared_ties
        if form.validate_on_submit():
            accounts_service.update_profile(current_user, form.apply_to, current_user)
            flash(_("Profile saved."), "success")
            return redirect(url_for("auth.account"))
    return render_template(
        "auth/account.html",
        form=form,
        sessions=accounts_service.open_sessions(current_user),
        everywhere_form=SignOutEverywhereForm(),
        consents=privacy_service.consents_of(current_user),
    )


@bp.route("/account/my-data.zip")
@login_required
def download_data():
    """Everything the app holds about the signed-in person, with the documents they uploaded, as a ZIP."""
    content = privacy_service.personal_data(current_user)
    return private_download(content, "application/zip", "my-data.zip")


@bp.route("/account/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere():
    """End every sign-in of the account: other devices, remembered browsers and this one."""
    form = SignOutEverywhereForm()
    if form.validate_on_submit():
        ended = accounts_service.end_all_sessions(current_user, current_user)
        logout_user()
        flash(_("Signed out everywhere: %(n)d sign-in(s) ended. Sign in again to continue.", n=ended), "success")
        return redirect(url_for("auth.login"))
    return redirect(url_for("auth.account"))


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
@throttling.deletion_per_account
def delete_account():
    """Delete one's own account: what goes and what stays anonymised, then the password and the address typed to
    confirm; every sign-in ends with it."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            erasure_service.delete_account(current_user, form.password.data, form.confirmation.data)
        except erasure_service.WrongPassword as error:
            throttling.count_attempt()
            flash_error(error)
        except ServiceError as error:
            flash_error(error)
        else:
            logout_user()  # its sign-ins are gone from the server already; this browser forgets its cookies too
            session.clear()
            session["account_deleted"] = True
            return redirect(url_for("auth.goodbye"))
    return render_template(
        "auth/account_delete.html",
        form=form,
        holds=erasure_service.deletion_holds(current_user),
        alone=erasure_service.last_of_organisation(current_user),
    )


@bp.route("/goodbye")
def goodbye():
    """Say what became of an account just deleted (shown once, to the browser it was deleted from)."""
    if not session.pop("account_deleted", False):
        return redirect(url_for("main.index"))
    return render_template("auth/goodbye.html")
