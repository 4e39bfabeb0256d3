"""Form pieces shared by the blueprints."""

from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
    validators,
    widgets,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from .i18n import current_language
from .regions import country_choices
from .rules import EMAIL_CHARS, LONG_NAME_CHARS, MIN_PASSWORD_CHARS, NAME_CHARS, REASON_CHARS, SHORT_TEXT_CHARS
from .rules.privacy import PURPOSES
from .time_zones import TIME_ZONES


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
        validators=[DataRequired(), Email(message=_l("Enter a valid e-mail address.")), Length(max=EMAIL_CHARS)],
    )


def new_password_field() -> PasswordField:
    return PasswordField(
        _l("New password"),
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD_CHARS,
                max=LONG_NAME_CHARS,
                message=_l("Use at least %(n)d characters.", n=MIN_PASSWORD_CHARS),
            ),
        ],
        description=_l("At least %(n)d characters.", n=MIN_PASSWORD_CHARS),
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


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def check_year(field) -> None:
    if field.data and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("Enter a date between the years 2000 and 2100."))


def time_zone_choices(blank=None) -> list[SelectChoice]:
    """Every time zone, after a first empty choice with this label when one is given."""
    return select_choices([*([("", blank)] if blank is not None else []), *((z, z) for z in TIME_ZONES)])


def declared_ties_field() -> TextAreaField:
    return TextAreaField(
        _l("Declared ties"),
        validators=[Optional(), Length(max=REASON_CHARS)],
        description=_l(
            "Organisations and cities you are tied to (employer, board, client, home city), one a line: you are "
            "never given their nominations."
        ),
    )


class JudgeProfileForm(BaseForm):
    """Who a judge is; the secretariat keeps it, the judge can correct it."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=NAME_CHARS)])
    title = StringField(
        _l("Job title"), validators=[Optional(), Length(max=NAME_CHARS)], description=_l("e.g. Professor")
    )
    affiliation = StringField(
        _l("Organisation"),
        validators=[Optional(), Length(max=LONG_NAME_CHARS)],
        description=_l("Never assigned automatically to nominations of this organisation."),
    )
    country_code = SelectField(_l("Country"), validators=[Optional()])
    expertise = StringField(_l("Expertise"), validators=[Optional(), Length(max=SHORT_TEXT_CHARS)])
    languages = StringField(_l("Languages"), validators=[Optional(), Length(max=LONG_NAME_CHARS)])
    time_zone = SelectField(
        _l("Time zone"),
        choices=time_zone_choices(),
        description=_l("Deadlines are shown in this time zone."),
    )
    declared_ties = declared_ties_field()
    submit = SubmitField(_l("Save profile"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.country_code.choices = [("", _l("Choose…")), *country_choices(current_language())]

    def apply_to(self, user) -> dict:
        """Copy the answers onto the user; return what changed."""
        from .services.judge_profile import normalise_ties

        changes = {}
        for name in (
            "name",
            "title",
            "affiliation",
            "country_code",
            "expertise",
            "languages",
            "time_zone",
            "declared_ties",
        ):
            if name not in self:
                continue
            value = normalise_ties(self[name].data) if name == "declared_ties" else (self[name].data or "").strip()
            if getattr(user, name) != value:
                changes[name] = [getattr(user, name), value]
                setattr(user, name, value)
        return changes


class JudgeDetailsForm(BaseForm):
    """A form that asks a judge's details (organisation, country, time zone; at acceptance also languages and
    declared ties): the invitation and its acceptance. The fields are optional here: whether they are required
    depends on the roles, which ``services.judge_profile`` checks, and its problems are shown on them
    (``show_problems``)."""

    affiliation = StringField(
        _l("Organisation"),
        validators=[Optional(), Length(max=LONG_NAME_CHARS)],
        description=_l("Required for a judge: the conflict rules keep a judge off the nominations of their own."),
    )
    country_code = SelectField(_l("Country"), validators=[Optional()])
    time_zone = SelectField(
        _l("Time zone"),
        choices=time_zone_choices(_l("The country's own zone")),
        validators=[Optional()],
        description=_l(
            "Deadlines are shown in this zone. Left as it is, a country with one zone gives its own; "
            "for a country with several, choose."
        ),
    )

    def judge_details(self):
        """The answers, for ``services.judge_profile``."""
        from .services.judge_profile import JudgeDetails

        def text(name: str) -> str | None:
            return (self[name].data or "") if name in self else None

        return JudgeDetails(
            affiliation=text("affiliation") or "",
            country_code=text("country_code") or "",
            time_zone=text("time_zone") or "",
            languages=text("languages"),
            declared_ties=text("declared_ties"),
        )

    def show_problems(self, problems: dict) -> None:
        """Put each problem ``services.judge_profile`` found under its field."""
        for name, message in problems.items():
            if name in self:
                self[name].errors.append(str(message))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._offer_countries()

    def _offer_countries(self) -> None:
        """The country choices in the reader's language; choosing one proposes its time zone (static/js/app.js)."""
        from .time_zones import country_time_zones

        self.country_code.choices = [("", _l("Choose…")), *country_choices(current_language())]
        self.country_code.render_kw = {
            "data-zone-field": self.time_zone.id,
            "data-country-zones": json.dumps(country_time_zones()),
        }


class ConsentFields:
    """The three consents of ``rules.privacy``, each its own required tick (PIPA asks for them separately), for a
    form that makes an account: registration, and an invitation's acceptance."""

    consent_collection = BooleanField(
        _l(
            "I agree that the personal information in this form is collected and used to run the prize, and kept "
            "for 3 years after the edition (PIPA Art. 15)."
        ),
        validators=[DataRequired(message=_l("Without this consent the prize cannot use your information."))],
    )
    consent_provision = BooleanField(
        _l("I agree that it is given to the judges, the Seoul Metropolitan Government and WeGO (PIPA Art. 17)."),
        validators=[DataRequired(message=_l("Without this consent nominations cannot be judged or awarded."))],
    )
    consent_transfer_abroad = BooleanField(
        _l("I agree that judges abroad read it from their own countries (PIPA Art. 28-8)."),
        validators=[DataRequired(message=_l("Without this consent the international judges cannot read it."))],
    )

    def consents(self) -> list[str]:
        """The purposes ticked, as ``rules.privacy.PURPOSES`` names them."""
        return [purpose for purpose in PURPOSES if getattr(self, f"consent_{purpose}").data]
