"""The forms of the pages anyone may open: a nominee's answer to their consent link."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SubmitField
from wtforms.validators import DataRequired

from ..forms import BaseForm
from ..rules.privacy import PURPOSES


class NomineeAnswerForm(BaseForm):
    """The nominee's consent through their link: the three purposes of ``rules.privacy``, each its own tick."""

    consent_collection = BooleanField(
        _l(
            "I agree that the personal information about me in this nomination is collected and used to run the "
            "prize, and kept for 3 years after the edition (PIPA Art. 15)."
        ),
        validators=[DataRequired(message=_l("Without this consent the nomination cannot be judged."))],
    )
    consent_provision = BooleanField(
        _l("I agree that it is given to the judges, the Seoul Metropolitan Government and WeGO (PIPA Art. 17)."),
        validators=[DataRequired(message=_l("Without this consent the nomination cannot be judged."))],
    )
    consent_transfer_abroad = BooleanField(
        _l("I agree that judges abroad read it from their own countries (PIPA Art. 28-8)."),
        validators=[DataRequired(message=_l("Without this consent the nomination cannot be judged."))],
    )
    give = SubmitField(_l("I consent"))

    def consents(self) -> list[str]:
        return [purpose for purpose in PURPOSES if getattr(self, f"consent_{purpose}").data]


class NomineeRefusalForm(BaseForm):
    """The nominee refuses: nothing to tick."""

    refuse = SubmitField(_l("I refuse"))
