"""The judge's forms: the conflict-of-interest declaration (one, or several from the list), the score sheet and the
committee vote."""

from __future__ import annotations

from functools import lru_cache

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import BooleanField, HiddenField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..forms import BaseForm, MultiCheckboxField, select_choices
from ..models import Assignment, Criterion, ScoreSheet, Vote
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


def _posted_id(value: str | None) -> int:
    """An assignment id as posted; anything else is 0, which is nobody's assignment (the service refuses it)."""
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else 0


class DeclarationsForm(BaseForm):
    """From the list of assignments: no conflict of interest with the nominations ticked, and perhaps a conflict
    (with its reason) with one of them. The service checks that each is the judge's own and waits for a declaration:
    the choices offered here are only what the page shows."""

    no_conflict = MultiCheckboxField(_l("No conflict of interest"), validate_choice=False)
    conflict = SelectField(
        _l("I have a conflict of interest with"),
        choices=select_choices([("", _l("None of them"))]),
        validate_choice=False,
    )
    reason = TextAreaField(
        _l("The conflict, briefly"),
        validators=[Length(max=REASON_CHARS)],
        description=_l("Required if you choose a nomination above. Only the secretariat sees it."),
        render_kw={"rows": 2},
    )
    confirm = BooleanField(
        _l(
            "I have read the nominations listed above (reference, title, organisation and country) and I have no "
            "conflict of interest with any of those I ticked."
        )
    )
    submit = SubmitField(_l("Confirm my declarations"))

    def offer(self, waiting: list[Assignment]) -> DeclarationsForm:
        """Offer the nominations waiting for a declaration; on a first visit, every one of them ticked."""
        self.conflict.choices = select_choices(
            [("", _l("None of them"))]
            + [(str(a.id), f"{a.nomination.reference} · {a.nomination.title}") for a in waiting]
        )
        if not self.is_submitted():
            self.no_conflict.data = [str(a.id) for a in waiting]
        return self

    @property
    def no_conflict_ids(self) -> list[int]:
        return [_posted_id(value) for value in self.no_conflict.data or []]

    @property
    def conflict_id(self) -> int | None:
        return _posted_id(self.conflict.data) if (self.conflict.data or "").strip() else None

    def validate_reason(self, field) -> None:
        if self.conflict_id is not None and not (field.data or "").strip():
            raise ValidationError(_l("Say briefly what the conflict is."))

    def validate_confirm(self, field) -> None:
        if self.no_conflict.data and not field.data:
            raise ValidationError(_l("Confirm that you have read the list and have no conflict with those ticked."))


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


#: The label of every "share" tick of the score sheet.
SHARE_LABEL = _l("Share with the applicant")


class ScoreSheetForm(BaseForm):
    """Per criterion a score, an optional comment and whether it is shared with the applicant (fields
    ``score_<id>``, ``comment_<id>``, ``share_<id>``); a general comment likewise (``overall_comment``,
    ``share_overall``)."""

    criterion_ids: list[int] = []
    overall_comment = TextAreaField(
        _l("Overall comment (optional)"),
        validators=[Optional(), Length(max=OVERALL_COMMENT_CHARS)],
        description=_l(
            "Strengths, weaknesses, anything the committee should know. Only the secretariat reads it, unless you "
            "share it with the applicant."
        ),
        render_kw={"rows": 4},
    )
    share_overall = BooleanField(SHARE_LABEL)
    # The version of the saved sheet this page was loaded with: a save from an older page is refused.
    version = HiddenField()
    save = SubmitField(_l("Save draft"))
    submit_scores = SubmitField(_l("Submit scores"))
    submit_and_next = SubmitField(_l("Submit and open the next"))

    @property
    def submitting(self) -> bool:
        return bool(self.submit_scores.data or self.submit_and_next.data)

    def score_field(self, criterion_id: int):
        return self[f"score_{criterion_id}"]

    def comment_field(self, criterion_id: int):
        return self[f"comment_{criterion_id}"]

    def share_field(self, criterion_id: int):
        return self[f"share_{criterion_id}"]

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
            shared=frozenset(i for i in self.criterion_ids if self.share_field(i).data),
            overall_shared=bool(self.share_overall.data),
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
        data["share_overall"] = sheet.overall_shared
        for score in sheet.scores:
            data[f"score_{score.criterion_id}"] = score_text(score.value)
            data[f"comment_{score.criterion_id}"] = score.comment
            data[f"share_{score.criterion_id}"] = score.shared
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
        attributes[f"share_{criterion_id}"] = BooleanField(SHARE_LABEL)
    return type("RubricScoreSheetForm", (ScoreSheetForm,), attributes)
