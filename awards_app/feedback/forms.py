"""Changing a shared comment, hiding it, and releasing or withdrawing a round's feedback."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from ..forms import BaseForm
from ..rules import OVERALL_COMMENT_CHARS, REASON_CHARS

#: What the ``criterion`` field holds for a sheet's overall comment.
OVERALL = "overall"


def _posted_id(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


class CommentForm(BaseForm):
    """Which shared comment a change is for: its sheet, and its criterion (``OVERALL`` for the overall comment)."""

    sheet = HiddenField(validators=[InputRequired()])
    criterion = HiddenField(validators=[InputRequired()])

    @property
    def target(self) -> tuple[int, int | None] | None:
        """(sheet id, criterion id or None for the overall comment), or None when what was posted names neither."""
        sheet = _posted_id(self.sheet.data)
        if sheet is None:
            return None
        if (self.criterion.data or "").strip() == OVERALL:
            return sheet, None
        criterion = _posted_id(self.criterion.data)
        return (sheet, criterion) if criterion is not None else None


class CommentEditForm(CommentForm):
    text = TextAreaField(
        _l("What the applicant reads"),
        validators=[Length(max=OVERALL_COMMENT_CHARS)],
        description=_l("The judge's own words are kept; the audit trail records the edit."),
        render_kw={"rows": 4},
    )
    save = SubmitField(_l("Save the edit"))
    restore = SubmitField(_l("Restore the judge's words"))


class CommentVisibilityForm(CommentForm):
    hidden = HiddenField()  # "1" hides the comment, anything else shows it again

    @property
    def hiding(self) -> bool:
        return self.hidden.data == "1"


class ReleaseForm(BaseForm):
    confirm = BooleanField(
        _l("I have read the comments as applicants will read them, and release them"),
        validators=[DataRequired(message=_l("Tick the box to confirm the release."))],
    )
    submit_release = SubmitField(_l("Release feedback to applicants"))


class ReleaseWithdrawForm(BaseForm):
    reason = TextAreaField(
        _l("Why the feedback is withdrawn"),
        validators=[DataRequired(message=_l("Say why the feedback is withdrawn.")), Length(max=REASON_CHARS)],
        description=_l(
            "Recorded in the audit trail. Applicants no longer read the feedback until it is released again."
        ),
        render_kw={"rows": 2},
    )
    submit_withdraw = SubmitField(_l("Withdraw the feedback"))
