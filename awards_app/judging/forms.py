"""The judge's forms: the conflict-of-interest declaration, the score sheet and the committee vote."""

from __future__ import annotations

from functools import lru_cache

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import HiddenField, RadioField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..forms import BaseForm, select_choices
from ..models import Criterion, ScoreSheet, Vote
from ..rules import COMMENT_CHARS, OVERALL_COMMENT_CHARS, REASON_CHARS
from ..scoring import Scale, score_text
from ..services.sheets import SheetInput


class DeclarationForm(BaseForm):
    """Before scoring: no conflict of interest, or a conflict with its reason."""

    declaration = RadioField(
        _l("Your declaration"),
        choices=select_choices(
            [
                ("none", _l("I have no conflict of interest with this nomination")),
                ("conflict", _l("I have a conflict of interest with this nomination")),
            ]
        ),
        validators=[DataRequired(message=_l("Choose one of the two."))],
    )
    reason = TextAreaField(
        _l("The conflict, briefly"),
        validators=[Length(max=REASON_CHARS)],  # no Optional(): it would stop validate_reason on an empty reason
        description=_l(
            "Required if you have a conflict, e.g. “I advised this city on the project in 2023.” "
            "Only the secretariat sees it."
        ),
        render_kw={"rows": 3},
    )
    submit = SubmitField(_l("Confirm my declaration"))

    @property
    def has_conflict(self) -> bool:
        return self.declaration.data == "conflict"

    def validate_reason(self, field) -> None:
        if self.has_conflict and not (field.data or "").strip():
            raise ValidationError(_l("Say briefly what the conflict is."))


class VoteForm(BaseForm):
    """A committee member's vote on one nomination."""

    vote = RadioField(
        _l("Your vote"),
        choices=select_choices(
            [
                (Vote.APPROVE.value, _l("Approve")),
                (Vote.REJECT.value, _l("Reject")),
                (Vote.ABSTAIN.value, _l("Abstain")),
            ]
        ),
        validators=[DataRequired(message=_l("Choose approve, reject or abstain."))],
    )
    submit = SubmitField(_l("Cast my vote"))


class ScoreSheetForm(BaseForm):
    """A score and an optional comment per criterion (fields ``score_<id>``, ``comment_<id>``) and a general one."""

    criterion_ids: list[int] = []
    overall_comment = TextAreaField(
        _l("Overall comment (optional)"),
        validators=[Optional(), Length(max=OVERALL_COMMENT_CHARS)],
        description=_l("Strengths, weaknesses, anything the committee should know. Only the secretariat reads it."),
        render_kw={"rows": 4},
    )
    # The version of the saved sheet this page was loaded with: a save from an older page is refused.
    version = HiddenField()
    save = SubmitField(_l("Save draft"))
    submit_scores = SubmitField(_l("Submit scores"))

    def score_field(self, criterion_id: int):
        return self[f"score_{criterion_id}"]

    def comment_field(self, criterion_id: int):
        return self[f"comment_{criterion_id}"]

    def score_radios(self, criterion_id: int) -> Markup:
        """The radios of a criterion's score ("not scored" first), each a segment of a bar, the chosen one
        checked, or "not scored" when the value is none of them (as a select shows its first option): written here
        rather than by WTForms' widgets, in a fraction of their time (a page has a rubric's worth of them)."""
        field = self.score_field(criterion_id)
        name = escape(field.name)
        values = [escape(choice.value) for choice in field.choices]
        chosen = escape(field.data) if field.data in [choice.value for choice in field.choices] else ""
        return Markup(  # noqa: S704 -- every name, value and label in it is escaped
            "".join(
                f'<input class="btn-check" id="{name}-{index}" name="{name}" type="radio" value="{value}"'
                f"{' checked' if value == chosen else ''}>"
                f'<label class="btn {"btn-outline-primary" if value else "btn-outline-secondary score-none"}"'
                f' for="{name}-{index}">{escape(str(choice.label))}</label>'
                for index, (value, choice) in enumerate(zip(values, field.choices, strict=True))
            )
        )

    def to_input(self) -> SheetInput:
        try:
            version = int(self.version.data) if self.version.data not in (None, "") else None
        except ValueError:
            version = -1  # a tampered version can only be stale
        if version is not None and not 0 <= version < 2**31:
            version = -1
        return SheetInput(
            scores={i: self.score_field(i).data or "" for i in self.criterion_ids},
            comments={i: self.comment_field(i).data or "" for i in self.criterion_ids},
            overall_comment=self.overall_comment.data or "",
            version=version,
        )

    def show_errors(self, errors: dict[int, str]) -> None:
        """Put the service's per-criterion refusals beside their scores."""
        for criterion_id, message in errors.items():
            if f"score_{criterion_id}" in self:
                self.score_field(criterion_id).errors = [*self.score_field(criterion_id).errors, message]


def score_sheet_form(
    criteria: list[Criterion], scales: list[Scale], sheet: ScoreSheet | None, formdata=None
) -> ScoreSheetForm:
    """Build the score sheet of a rubric: from what was posted, else from the saved sheet."""
    form_class = _rubric_form_class(tuple(zip((c.id for c in criteria), scales, strict=True)))
    if formdata is not None:
        return form_class(formdata=formdata)
    data: dict[str, object] = {"version": str(sheet.version) if sheet is not None else "0"}
    if sheet is not None:
        data["overall_comment"] = sheet.overall_comment
        for score in sheet.scores:
            data[f"score_{score.criterion_id}"] = score_text(score.value)
            data[f"comment_{score.criterion_id}"] = score.comment
    return form_class(formdata=None, data=data)


@lru_cache(maxsize=256)
def _rubric_form_class(rubric: tuple[tuple[int, Scale], ...]) -> type[ScoreSheetForm]:
    """The form class of a rubric (its criteria and their scales), made once per process: building a form class
    costs as much as the rest of the request's form work, and a rubric rarely changes."""
    attributes: dict[str, object] = {"criterion_ids": [criterion_id for criterion_id, _scale in rubric]}
    for criterion_id, scale in rubric:
        choices = [("", _l("Not scored"))] + [(score_text(v), score_text(v)) for v in scale.choices()]
        attributes[f"score_{criterion_id}"] = RadioField(
            _l("Score"),
            choices=select_choices(choices),
            validate_choice=False,
            validators=[Optional()],
        )
        attributes[f"comment_{criterion_id}"] = TextAreaField(
            _l("Comment (optional)"),
            validators=[Optional(), Length(max=COMMENT_CHARS)],
            render_kw={"rows": 2},
        )
    return type("RubricScoreSheetForm", (ScoreSheetForm,), attributes)
