"""Marking a category's calibration nominations, and whether calibration scores count."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SubmitField
from wtforms.validators import InputRequired

from ..forms import BaseForm, MultiCheckboxField


class CalibrationForm(BaseForm):
    category = HiddenField(validators=[InputRequired()])
    nominations = MultiCheckboxField(_l("Calibration nominations"), coerce=int)
    submit = SubmitField(_l("Save the calibration nominations"))

    def offer(self, choices: list[tuple[int, str]]) -> CalibrationForm:
        self.nominations.choices = choices
        return self


class CalibrationCountsForm(BaseForm):
    counts = BooleanField(_l("Calibration scores count in the ranking"))
    submit_counts = SubmitField(_l("Save"))
