"""Who signs an edition's certificates, and the date printed on them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, FieldList, Form, FormField, StringField, SubmitField
from wtforms.validators import Length, Optional

from ..forms import BaseForm
from ..rules import LONG_NAME_CHARS, NAME_CHARS
from ..rules import certificates as rules


class SignatoryForm(Form):
    """One signatory (a sub-form: the CSRF token is the outer form's)."""

    name_en = StringField(_l("Name"), validators=[Optional(), Length(max=NAME_CHARS)])
    title_en = StringField(_l("Title"), validators=[Optional(), Length(max=LONG_NAME_CHARS)])
    name_ko = StringField(_l("Name in Korean"), validators=[Optional(), Length(max=NAME_CHARS)])
    title_ko = StringField(_l("Title in Korean"), validators=[Optional(), Length(max=LONG_NAME_CHARS)])

    def signatory(self) -> rules.Signatory:
        return rules.Signatory(
            name_en=(self.name_en.data or "").strip(),
            title_en=(self.title_en.data or "").strip(),
            name_ko=(self.name_ko.data or "").strip(),
            title_ko=(self.title_ko.data or "").strip(),
        )


class CertificateSettingsForm(BaseForm):
    signatories = FieldList(
        FormField(SignatoryForm), min_entries=rules.MAX_SIGNATORIES, max_entries=rules.MAX_SIGNATORIES
    )
    certificate_date = DateField(
        _l("Date on the certificates"),
        validators=[Optional()],
        description=_l(
            "Usually the day of the ceremony. Left empty, the certificates carry the day the results are published."
        ),
    )
    submit = SubmitField(_l("Save"))

    def rows(self) -> list[rules.Signatory]:
        return [entry.form.signatory() for entry in self.signatories]
