"""Form pieces shared by the blueprints."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, PasswordField, SelectChoice, StringField, validators
from wtforms.validators import DataRequired, Email, EqualTo, Length

MIN_PASSWORD_LENGTH = 10


def _without_nul(value):
    # PostgreSQL cannot store NUL characters in text; no real answer contains one.
    return value.replace("\x00", "") if isinstance(value, str) else value


class BaseForm(FlaskForm):
    """Every form of the app: strips NUL characters from whatever is typed."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            if issubclass(unbound_field.field_class, StringField):
                options = {**options, "filters": [*unbound_field.kwargs.get("filters", ()), _without_nul]}
            return unbound_field.bind(form=form, **options)


class NumberRange(validators.NumberRange):
    """WTForms' range check, refusing with its own message a number it cannot compare (instead of failing)."""

    def __call__(self, form, field):
        try:
            super().__call__(form, field)
        except (OverflowError, ValueError):  # a whole number beyond a float's range, a signalling NaN
            field.data = None
            super().__call__(form, field)


def email_field(label=_l("E-mail")) -> EmailField:
    """An e-mail address, checked and used in the one spelling accounts are stored, looked up and throttled by."""
    from .services.accounts import normalise_email

    return EmailField(
        label,
        filters=[normalise_email],
        validators=[DataRequired(), Email(message=_l("Enter a valid e-mail address.")), Length(max=254)],
    )


def new_password_field() -> PasswordField:
    return PasswordField(
        _l("New password"),
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD_LENGTH, max=200, message=_l("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
            ),
        ],
        description=_l("At least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
    )


def confirm_password_field() -> PasswordField:
    return PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


def select_choices(pairs) -> list[SelectChoice]:
    """Turn (value, label) pairs into the choices WTForms expects."""
    return [SelectChoice(value, label) for value, label in pairs]


class WorkbookUploadForm(BaseForm):
    """The upload of a filled-in Excel template (nominations, judges, an offline score sheet)."""

    workbook = FileField(_l("Filled-in workbook (.xlsx)"), validators=[FileRequired(message=_l("Choose a file."))])
