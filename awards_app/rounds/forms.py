"""The secretariat's judging forms: rounds, rubrics, assignments and conflicts."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    StopValidation,
    ValidationError,
)

from ..forms import BaseForm, MultiCheckboxField, NumberRange, check_year, select_choices
from ..i18n import current_language
from ..models import RoundMode
from ..rules import DEFAULT_DISAGREEMENT, GUIDANCE_CHARS, LONG_NAME_CHARS, NAME_CHARS, REASON_CHARS
from ..rules.committee import DEFAULT_QUORUM
from ..rules.criteria import DEFAULT_SCALE
from ..rules.descriptors import DESCRIPTOR_CHARS
from ..scoring import score_text
from ..services.descriptors import DescriptorInput
from ..services.rounds import RoundInput
from ..services.rubrics import CriterionInput


def finite(form, field) -> None:
    """Refuse NaN and infinities, which Decimal accepts but no score scale can use."""
    if field.data is not None and not field.data.is_finite():
        raise StopValidation(str(_l("Enter a number.")))  # stop: range checks cannot compare NaN


class RoundForm(BaseForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=NAME_CHARS)],
        description=_l("e.g. Online evaluation, Finalists, Final committee"),
    )
    name_ko = StringField(
        _l("Name in Korean"),
        validators=[Optional(), Length(max=NAME_CHARS)],
        description=_l("e.g. 온라인 심사; without it, Korean pages show the English name."),
    )
    opens_at = DateTimeLocalField(_l("Opens"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()])
    closes_at = DateTimeLocalField(_l("Closes"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()])
    categories = MultiCheckboxField(
        _l("Categories judged"), coerce=int, validators=[DataRequired(message=_l("Choose at least one category."))]
    )
    judges_per_nomination = IntegerField(
        _l("Judges per nomination"), default=3, validators=[InputRequired(), NumberRange(min=1, max=50)]
    )
    max_load = IntegerField(
        _l("Most nominations per judge"),
        validators=[Optional(), NumberRange(min=1, max=1000)],
        description=_l("For automatic assignment; leave empty for no limit."),
    )
    mode = SelectField(
        _l("Decision mode"),
        default=RoundMode.SCORING.value,
        choices=select_choices(
            [
                (RoundMode.SCORING.value, _l("Judges score a weighted rubric")),
                (RoundMode.COMMITTEE.value, _l("Committee vote (Mayor's commendations)")),
            ]
        ),
    )
    ranking_method = SelectField(
        _l("Ranking by"),
        default="mean",
        choices=select_choices(
            [
                ("mean", _l("Mean of the judges' totals")),
                ("median", _l("Median")),
                ("trimmed", _l("Trimmed mean (with 5 or more judges)")),
                ("normalised", _l("Normalised (each judge's severity evened out)")),
            ]
        ),
    )
    disagreement_threshold = DecimalField(
        _l("Disagreement flag at a spread (SD) of"),
        default=DEFAULT_DISAGREEMENT,
        places=1,
        validators=[InputRequired(), finite, NumberRange(min=0, max=100)],
    )
    shortlist_count = IntegerField(
        _l("Places that go on to the next round"),
        validators=[Optional(), NumberRange(min=1, max=1000)],
        description=_l("Per category; the ranking watches this cut. Leave empty when the round shortlists nothing."),
    )
    same_country_conflict = BooleanField(_l("Never assign a judge a nomination from their own country"), default=True)
    confirm_decision = BooleanField(
        _l(
            "I understand that judges have submitted scores in this round, and change "
            "how it ranks or where its cuts fall anyway (recorded in the audit trail)"
        )
    )
    quorum = DecimalField(
        _l("Quorum (committee rounds)"),
        default=DEFAULT_QUORUM,
        places=3,
        validators=[InputRequired(), finite, NumberRange(min=0, max=Decimal("0.99"))],
        description=_l("More than this share of the committee must vote; 0.5 is a majority."),
    )
    submit = SubmitField(_l("Save round"))

    def __init__(self, edition, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.edition = edition
        self.categories.choices = [(c.id, f"{c.code} · {c.name(current_language())}") for c in edition.categories]

    def validate_opens_at(self, field) -> None:
        check_year(field)

    def validate_closes_at(self, field) -> None:
        check_year(field)
        if self.opens_at.data and field.data and field.data <= self.opens_at.data:
            raise ValidationError(str(_l("The round must close after it opens.")))

    def to_input(self) -> RoundInput:
        zone = ZoneInfo(self.edition.time_zone)
        return RoundInput(
            name=self.name.data.strip(),
            name_ko=(self.name_ko.data or "").strip(),
            opens_at=self.opens_at.data.replace(tzinfo=zone),
            closes_at=self.closes_at.data.replace(tzinfo=zone),
            category_ids=list(self.categories.data),
            judges_per_nomination=self.judges_per_nomination.data,
            mode=RoundMode(self.mode.data),
            same_country_conflict=bool(self.same_country_conflict.data),
            quorum=self.quorum.data,
            max_load=self.max_load.data,
            ranking_method=self.ranking_method.data,
            disagreement_threshold=self.disagreement_threshold.data,
            shortlist_count=self.shortlist_count.data,
        )

    def fill_from(self, round_) -> None:
        self.name.data, self.name_ko.data = round_.name, round_.name_ko
        self.opens_at.data = round_.opens_at.astimezone(ZoneInfo(self.edition.time_zone)).replace(tzinfo=None)
        self.closes_at.data = round_.closes_at.astimezone(ZoneInfo(self.edition.time_zone)).replace(tzinfo=None)
        self.categories.data = [c.id for c in round_.categories]
        self.judges_per_nomination.data = round_.judges_per_nomination
        self.max_load.data = round_.max_load
        self.ranking_method.data = round_.ranking_method
        self.disagreement_threshold.data = round_.disagreement_threshold
        self.shortlist_count.data = round_.shortlist_count
        self.mode.data = round_.mode.value
        self.same_country_conflict.data = round_.same_country_conflict
        self.quorum.data = round_.quorum


class CriterionForm(Form):
    Meta = BaseForm.Meta
    criterion_id = HiddenField()
    name_en = StringField(_l("Criterion"), validators=[Optional(), Length(max=LONG_NAME_CHARS)])
    name_ko = StringField(_l("Criterion (Korean)"), validators=[Optional(), Length(max=LONG_NAME_CHARS)])
    guidance_en = TextAreaField(_l("Guidance for judges"), validators=[Optional(), Length(max=GUIDANCE_CHARS)])
    guidance_ko = TextAreaField(_l("Guidance (Korean)"), validators=[Optional(), Length(max=GUIDANCE_CHARS)])
    weight = DecimalField(_l("Weight"), validators=[Optional(), finite, NumberRange(min=Decimal("0.001"), max=1000)])
    min_score = DecimalField(
        _l("Lowest"), default=DEFAULT_SCALE.minimum, validators=[Optional(), finite, NumberRange(min=-1000, max=1000)]
    )
    max_score = DecimalField(
        _l("Highest"), default=DEFAULT_SCALE.maximum, validators=[Optional(), finite, NumberRange(min=-1000, max=1000)]
    )
    step = SelectField(
        _l("Step"), default="1", choices=select_choices([("1", _l("Whole points")), ("0.5", _l("Half points"))])
    )


class DescriptorForm(BaseForm):
    """One level descriptor of a criterion: a range of its scale and what it means."""

    lowest = DecimalField(
        _l("From score"),
        places=None,
        validators=[InputRequired(message=_l("Enter the range's lowest score.")), finite, NumberRange(-1000, 1000)],
    )
    highest = DecimalField(
        _l("To score"),
        places=None,
        validators=[InputRequired(message=_l("Enter the range's highest score.")), finite, NumberRange(-1000, 1000)],
    )
    text_en = TextAreaField(
        _l("What it means (English)"),
        validators=[
            DataRequired(message=_l("Write what this range means in English (the Korean is optional).")),
            Length(max=DESCRIPTOR_CHARS),
        ],
    )
    text_ko = TextAreaField(
        _l("What it means (Korean)"),
        validators=[Optional(), Length(max=DESCRIPTOR_CHARS)],
        description=_l("Optional: judges reading in Korean see the English where it is empty."),
    )
    submit = SubmitField(_l("Save descriptor"))

    def to_input(self) -> DescriptorInput:
        return DescriptorInput(self.lowest.data, self.highest.data, self.text_en.data or "", self.text_ko.data or "")


class RubricForm(BaseForm):
    criteria = FieldList(FormField(CriterionForm), min_entries=1, max_entries=30)
    confirm_reopen = BooleanField(
        _l(
            "I understand that judges have submitted scores against this rubric, and "
            "change it anyway (recorded in the audit trail)"
        )
    )
    submit = SubmitField(_l("Save rubric"))
    # The rubric's fingerprint when the page was opened (optimistic locking between secretariat members).
    opened = HiddenField(validators=[Optional(), Length(max=64)])

    def validate_criteria(self, field) -> None:
        for entry in field:
            named = bool((entry.name_en.data or "").strip())
            if named and entry.weight.data is None:
                raise ValidationError(str(_l("Each criterion needs a weight.")))
            if not named and (entry.weight.data is not None or (entry.guidance_en.data or "").strip()):
                raise ValidationError(str(_l("Each criterion needs a name.")))

    def fill_from(self, criteria) -> None:
        while len(self.criteria):
            self.criteria.pop_entry()
        for c in criteria:
            self.criteria.append_entry(
                {
                    "criterion_id": str(c.id),
                    "name_en": c.name_en,
                    "name_ko": c.name_ko,
                    "guidance_en": c.guidance_en,
                    "guidance_ko": c.guidance_ko,
                    "weight": c.weight,
                    "min_score": c.min_score,
                    "max_score": c.max_score,
                    "step": score_text(c.step),
                }
            )
        for _ in range(2):
            self.criteria.append_entry(
                {"step": "1", "min_score": DEFAULT_SCALE.minimum, "max_score": DEFAULT_SCALE.maximum}
            )

    def to_input(self) -> list[CriterionInput]:
        rows = []
        for entry in self.criteria:
            if not (entry.name_en.data or "").strip():
                continue
            raw_id = (entry.criterion_id.data or "").strip()
            rows.append(
                CriterionInput(
                    id=int(raw_id) if raw_id.isdigit() else None,
                    name_en=entry.name_en.data.strip(),
                    name_ko=(entry.name_ko.data or "").strip(),
                    guidance_en=(entry.guidance_en.data or "").strip(),
                    guidance_ko=(entry.guidance_ko.data or "").strip(),
                    weight=entry.weight.data,
                    min_score=entry.min_score.data if entry.min_score.data is not None else DEFAULT_SCALE.minimum,
                    max_score=entry.max_score.data if entry.max_score.data is not None else DEFAULT_SCALE.maximum,
                    step=Decimal(entry.step.data or "1"),
                )
            )
        return rows


class ManualAssignForm(BaseForm):
    nominations = SelectMultipleField(
        _l("Nominations"), coerce=int, validators=[DataRequired(message=_l("Choose at least one nomination."))]
    )
    judges = SelectMultipleField(
        _l("Judges"), coerce=int, validators=[DataRequired(message=_l("Choose at least one judge."))]
    )
    submit = SubmitField(_l("Assign"))


class AutoAssignForm(BaseForm):
    seed = IntegerField(
        _l("Seed"),
        default=0,
        validators=[InputRequired(), NumberRange(min=0, max=2**31 - 1)],
        description=_l("The same seed and the same inputs give the same assignment."),
    )
    submit_auto = SubmitField(_l("Fill the gaps automatically"))


class ReassignForm(BaseForm):
    judge = SelectField(_l("Give it to"), coerce=int, validators=[InputRequired()])
    submit = SubmitField(_l("Reassign"))


class ConflictForm(BaseForm):
    judge = SelectField(_l("Judge"), coerce=int, validators=[InputRequired()])
    nomination = SelectField(_l("Nomination"), coerce=int, validators=[InputRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=REASON_CHARS)])
    submit = SubmitField(_l("Record conflict"))


class AdvanceTopForm(BaseForm):
    places = IntegerField(
        _l("Top places of each category"), default=10, validators=[InputRequired(), NumberRange(min=1, max=1000)]
    )
    to_round = SelectField(_l("Into round"), coerce=int, validators=[InputRequired()])
    submit_top = SubmitField(_l("Advance the top places"))


class AdvanceForm(BaseForm):
    nominations = MultiCheckboxField(
        _l("Nominations"), coerce=int, validators=[DataRequired(message=_l("Choose the nominations to advance."))]
    )
    to_round = SelectField(_l("Into round"), coerce=int, validators=[InputRequired()])
    submit = SubmitField(_l("Advance"))


class OverrideForm(BaseForm):
    nomination = SelectField(_l("Nomination"), coerce=int, validators=[InputRequired()])
    tier = SelectField(
        _l("Tier"), coerce=int, validators=[InputRequired()], description=_l("Choose “No award” to take an award away.")
    )
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=REASON_CHARS)])
    submit_override = SubmitField(_l("Override"))


class PublishForm(BaseForm):
    confirm = BooleanField(
        _l("I have checked what will be shown, and publish it"),
        validators=[DataRequired(message=_l("Tick the box to confirm publication."))],
    )
    submit_publish = SubmitField(_l("Publish the results"))


class WithdrawForm(BaseForm):
    reason = TextAreaField(
        _l("Why the publication is withdrawn"),
        validators=[DataRequired(), Length(max=REASON_CHARS)],
        description=_l(
            "Recorded in the audit trail. Applicants no longer see a result until the results are published again."
        ),
    )
    submit_withdraw = SubmitField(_l("Withdraw the publication"))
