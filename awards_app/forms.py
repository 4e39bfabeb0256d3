"""Form pieces shared by the blueprints."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

MIN_PASSWORD_LENGTH = 10


def new_password_field() -> PasswordField:
    return PasswordField(
        _l("New password"),
        validators=[
            DataRequired(),
            Length(min=MIN_PASSWORD_LENGTH, max=200,
                   message=_l("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)),
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
