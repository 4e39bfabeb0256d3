"""Forms for signing in, registering and setting passwords."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from ..forms import (
    BaseForm,
    ConsentFields,
    JudgeDetailsForm,
    confirm_password_field,
    declared_ties_field,
    email_field,
    new_password_field,
)
from ..i18n import ORGANISATION_TYPE_LABELS, current_language
from ..models import OrganisationType
from ..regions import country_choices
from ..rules import EMAIL_CHARS, LONG_NAME_CHARS, NAME_CHARS


class LoginForm(BaseForm):
    email = email_field()
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=LONG_NAME_CHARS)])
    remember = BooleanField(_l("Keep me signed in on this device"))
    submit = SubmitField(_l("Sign in"))


class RegistrationForm(BaseForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=NAME_CHARS)])
    email = email_field()
    password = new_password_field()
    confirm = confirm_password_field()
    organisation_name = StringField(
        _l("Organisation"),
        validators=[DataRequired(), Length(max=LONG_NAME_CHARS)],
        description=_l("The city government, institution or company you enter for; for an individual, your name."),
    )
    organisation_type = SelectField(_l("Type of organisation"), validators=[DataRequired()])
    country = SelectField(_l("Country"), validators=[DataRequired()])
    city = StringField(_l("City"), validators=[DataRequired(), Length(max=NAME_CHARS)])
    consent_collection = ConsentFields.consent_collection
    consent_provision = ConsentFields.consent_provision
    consent_transfer_abroad = ConsentFields.consent_transfer_abroad
    submit = SubmitField(_l("Create account"))
    consents = ConsentFields.consents

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.organisation_type.choices = [
            ("", _l("Choose…")),
            *((t.value, ORGANISATION_TYPE_LABELS[t]) for t in OrganisationType),
        ]
        self.country.choices = [("", _l("Choose…")), *country_choices(current_language())]


class ForgotPasswordForm(BaseForm):
    email = email_field()
    submit = SubmitField(_l("Send me a reset link"))


class ResetPasswordForm(BaseForm):
    password = new_password_field()
    confirm = confirm_password_field()
    submit = SubmitField(_l("Set password"))


class AcceptInvitationForm(JudgeDetailsForm):
    """Accepting an invitation: a name, a password, the consents and, for a judge, their details confirmed (a
    secretariat member is not asked them: the view removes those fields)."""

    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=NAME_CHARS)])
    languages = StringField(
        _l("Languages you read"),
        validators=[Optional(), Length(max=LONG_NAME_CHARS)],
        description=_l("e.g. English, Korean"),
    )
    declared_ties = declared_ties_field()
    password = new_password_field()
    confirm = confirm_password_field()
    consent_collection = ConsentFields.consent_collection
    consent_provision = ConsentFields.consent_provision
    consent_transfer_abroad = ConsentFields.consent_transfer_abroad
    submit = SubmitField(_l("Accept and set password"))
    consents = ConsentFields.consents


class ConfirmEmailForm(BaseForm):
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=LONG_NAME_CHARS)],
        description=_l("The one you chose when you registered."),
    )
    submit = SubmitField(_l("Confirm and continue"))


class SignOutEverywhereForm(BaseForm):
    submit = SubmitField(_l("Sign out everywhere"))


class DeleteAccountForm(BaseForm):
    """Delete one's own account: the password, and the account's e-mail address typed to confirm."""

    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=LONG_NAME_CHARS)])
    confirmation = StringField(
        _l("Type your e-mail address to confirm"), validators=[DataRequired(), Length(max=EMAIL_CHARS)]
    )
    submit = SubmitField(_l("Delete my account"))
