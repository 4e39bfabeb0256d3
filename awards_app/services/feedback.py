"""Feedback to applicants (``rules.feedback``), the secretariat's side: the comments judges shared in a round, and
each edited or hidden before applicants read it. Releasing a round's feedback is ``services.feedback_release``; what
an applicant reads, ``services.applicant_feedback``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased, joinedload

from ..extensions import db
from ..models import (
    Assignment,
    Category,
    Criterion,
    FeedbackEdit,
    FeedbackRelease,
    Nomination,
    Round,
    Score,
    ScoreSheet,
    SheetStatus,
    User,
    utcnow,
)
from ..rules import COMMENT_CHARS, OVERALL_COMMENT_CHARS, SHORT_TEXT_CHARS
from ..rules import feedback as rules
from . import ServiceError
from .audit import record


@dataclass
class SharedComment:
    """A comment a judge shared with the applicant, on a criterion or (``criterion`` None) overall, as it stands:
    the judge's own words, and the secretariat's edit of it, if any."""

    sheet_id: int
    round_id: int
    nomination_id: int
    judge_id: int
    criterion: Criterion | None
    original: str
    edit: FeedbackEdit | None = None
    judge_name: str = ""  # for the secretariat's eyes only

    @property
    def criterion_id(self) -> int | None:
        return self.criterion.id if self.criterion is not None else None

    @property
    def text(self) -> str:
        """What the applicant reads: the secretariat's edit, else the judge's words."""
        if self.edit is not None and self.edit.text is not None:
            return self.edit.text
        return self.original

    @property
    def edited(self) -> bool:
        return self.edit is not None and self.edit.edited

    @property
    def hidden(self) -> bool:
        return self.edit is not None and self.edit.hidden

    @property
    def shown(self) -> bool:
        return rules.shown(shared=True, hidden=self.hidden, text=self.text)

    @property
    def outdated(self) -> bool:
        """Edited, and the judge has changed their comment since (their sheet was reopened)."""
        return self.edit is not None and self.edit.edited and self.edit.judge_text != self.original

    @property
    def order(self) -> tuple[int, int, int, int]:
        """The rubric's order, the overall comment last, then the sheets' order."""
        if self.criterion is None:
            return (1, 0, 0, self.sheet_id)
        return (0, self.criterion.position, self.criterion.id, self.sheet_id)


def _shared(*where: sa.ColumnElement[bool]) -> sa.CompoundSelect:
    """Every comment shared with the applicant on a sheet that counts (submitted, its judge not recused), one row
    each: the sheet, round, nomination and judge, the criterion (NULL for the overall comment) and the comment."""
    counted = (ScoreSheet.status == SheetStatus.SUBMITTED, ~Assignment.recused_clause(), *where)
    on_criteria = (
        sa.select(
            ScoreSheet.id.label("sheet_id"),
            Assignment.round_id,
            Assignment.nomination_id,
            Assignment.judge_id,
            Score.criterion_id.label("criterion_id"),
            Score.comment.label("comment"),
        )
        .select_from(Assignment)
        .join(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .join(Score, Score.sheet_id == ScoreSheet.id)
        .where(*counted, Score.shared.is_(True), Score.comment != "")
    )
    overall = (
        sa.select(
            ScoreSheet.id,
            Assignment.round_id,
            Assignment.nomination_id,
            Assignment.judge_id,
            sa.cast(sa.null(), sa.Integer),
            ScoreSheet.overall_comment,
        )
        .select_from(Assignment)
        .join(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .where(*counted, ScoreSheet.overall_shared.is_(True), ScoreSheet.overall_comment != "")
    )
    return sa.union_all(on_criteria, overall)


def shared_comments(
    round_ids: Sequence[int], *where: sa.ColumnElement[bool], with_judges: bool = False
) -> list[SharedComment]:
    """The comments shared in these rounds (narrowed by ``where``, on Assignment and ScoreSheet), with their criteria
    and edits (and, for the secretariat, their judges' names), in rubric order: four queries whatever their number."""
    if not round_ids:
        return []
    rows = db.session.execute(_shared(Assignment.round_id.in_(round_ids), *where)).all()
    if not rows:
        return []
    criteria = {c.id: c for c in db.session.scalars(sa.select(Criterion).where(Criterion.round_id.in_(round_ids)))}
    sheets = (
        sa.select(ScoreSheet.id)
        .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
        .where(Assignment.round_id.in_(round_ids), *where)
    )
    edits = {
        (e.sheet_id, e.criterion_id): e
        for e in db.session.scalars(
            sa.select(FeedbackEdit)
            .where(FeedbackEdit.sheet_id.in_(sheets))
            .options(joinedload(FeedbackEdit.updated_by))
        )
    }
    names: dict[int, str] = {}
    if with_judges:
        judges = {row.judge_id for row in rows}
        names = dict(db.session.execute(sa.select(User.id, User.name).where(User.id.in_(judges))).all())
    comments = [
        SharedComment(
            sheet_id=row.sheet_id,
            round_id=row.round_id,
            nomination_id=row.nomination_id,
            judge_id=row.judge_id,
            criterion=criteria.get(row.criterion_id) if row.criterion_id is not None else None,
            original=row.comment,
            edit=edits.get((row.sheet_id, row.criterion_id)),
            judge_name=names.get(row.judge_id, ""),
        )
        for row in rows
    ]
    return sorted(comments, key=lambda c: c.order)


# --- whether a round's feedback is released ------------------------------------------------------------------


def current_release(round_: Round) -> FeedbackRelease | None:
    """The release of the round's feedback that stands, if any."""
    return db.session.scalar(
        sa.select(FeedbackRelease)
        .where(FeedbackRelease.round_id == round_.id, FeedbackRelease.withdrawn_at.is_(None))
        .order_by(FeedbackRelease.id.desc())
        .limit(1)
    )


def is_released(round_: Round) -> bool:
    return current_release(round_) is not None


def released_rounds(edition_id: int) -> dict[int, datetime]:
    """The edition's rounds whose feedback is released, with when."""
    return dict(
        db.session.execute(
            sa.select(FeedbackRelease.round_id, sa.func.max(FeedbackRelease.released_at))
            .join(Round, Round.id == FeedbackRelease.round_id)
            .where(Round.edition_id == edition_id, FeedbackRelease.withdrawn_at.is_(None))
            .group_by(FeedbackRelease.round_id)
        ).all()
    )


# --- the round's Feedback page ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackSummary:
    """How many comments the judges shared in a round, on how many nominations, and how many are hidden or edited."""

    comments: int = 0
    nominations: int = 0
    hidden: int = 0
    edited: int = 0

    @property
    def shown(self) -> int:
        return self.comments - self.hidden


def summary(round_: Round) -> FeedbackSummary:
    """The round's shared comments counted, in one query."""
    rows = _shared(Assignment.round_id == round_.id).subquery()
    edit = aliased(FeedbackEdit)
    found = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count(sa.distinct(rows.c.nomination_id)),
            sa.func.coalesce(sa.func.sum(sa.case((edit.hidden.is_(True), 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((edit.text.is_not(None), 1), else_=0)), 0),
        )
        .select_from(rows)
        .outerjoin(
            edit,
            sa.and_(edit.sheet_id == rows.c.sheet_id, edit.criterion_id.is_not_distinct_from(rows.c.criterion_id)),
        )
    ).one()
    return FeedbackSummary(*(int(value or 0) for value in found))


def nominations_query(round_: Round, category_id: int | None = None) -> sa.Select:
    """The round's nominations with at least one shared comment (of one category), by reference: a page at a time."""
    shared = _shared(Assignment.round_id == round_.id).subquery()
    query = (
        sa.select(Nomination)
        .where(Nomination.id.in_(sa.select(shared.c.nomination_id)))
        .options(joinedload(Nomination.category).lazyload(Category.tiers), joinedload(Nomination.organisation))
        .order_by(Nomination.reference, Nomination.id)
    )
    return query if category_id is None else query.where(Nomination.category_id == category_id)


@dataclass
class NominationComments:
    nomination: Nomination
    comments: list[SharedComment] = field(default_factory=list)


def comments_by_nomination(round_: Round, nominations: Sequence[Nomination]) -> list[NominationComments]:
    """Each of these nominations (a page of them) with the comments shared on it in the round, judges named."""
    if not nominations:
        return []
    found = {n.id: NominationComments(n) for n in nominations}
    for comment in shared_comments([round_.id], Assignment.nomination_id.in_(list(found)), with_judges=True):
        found[comment.nomination_id].comments.append(comment)
    return list(found.values())


# --- editing and hiding a comment ----------------------------------------------------------------------------


def find_comment(round_: Round, sheet_id: int, criterion_id: int | None) -> SharedComment:
    """One comment shared in the round: refused when there is no such comment, or its judge no longer shares it."""
    for comment in shared_comments([round_.id], ScoreSheet.id == sheet_id, with_judges=True):
        if comment.criterion_id == criterion_id:
            return comment
    raise ServiceError(
        _l("This comment is not shared with the applicant in this round (its judge may have stopped sharing it).")
    )


def _edit_of(comment: SharedComment) -> FeedbackEdit:
    if comment.edit is None:
        comment.edit = FeedbackEdit(sheet_id=comment.sheet_id, criterion_id=comment.criterion_id, hidden=False)
        db.session.add(comment.edit)
    return comment.edit


def _commit(comment: SharedComment, action: str, actor: User, summary_text: str, details: dict) -> None:
    """Record the change of a comment in the audit trail and commit it; a simultaneous first change of the same
    comment by someone else is refused rather than lost."""
    round_ = db.session.get(Round, comment.round_id)
    nomination = db.session.get(Nomination, comment.nomination_id)
    released = round_ is not None and is_released(round_)
    details = {
        "round": round_.name if round_ is not None else "",
        "reference": nomination.reference if nomination is not None else "",
        "criterion": comment.criterion.name_en if comment.criterion is not None else "",
        "judge": comment.judge_name,
        "released": released,  # changed while applicants could read it
        **details,
    }
    edit = comment.edit
    if edit is not None:
        edit.updated_by_id, edit.updated_at = actor.id, utcnow()
    record(action, nomination, actor, summary_text + (" after release" if released else ""), details)
    try:
        db.session.commit()
    except sa.exc.IntegrityError as error:
        db.session.rollback()
        raise ServiceError(
            _l("Someone else changed this comment at the same moment. Reload the page to see it: nothing was changed.")
        ) from error


def edit_comment(round_: Round, sheet_id: int, criterion_id: int | None, text: str, actor: User) -> SharedComment:
    """Give a shared comment the text applicants read (the judge's own words are kept); the judge's text itself
    restores it."""
    comment = find_comment(round_, sheet_id, criterion_id)
    text = (text or "").strip()
    limit = COMMENT_CHARS if criterion_id is not None else OVERALL_COMMENT_CHARS
    if not text:
        raise ServiceError(_l("Write the text the applicant will read, or hide the comment instead."))
    if len(text) > limit:
        raise ServiceError(_l("Keep the comment within %(limit)d characters.", limit=limit))
    if text == comment.text:
        raise ServiceError(_l("That is the text applicants already read: nothing changed."))
    before = comment.text
    edit = _edit_of(comment)
    if text == comment.original:
        edit.text, edit.judge_text = None, ""
    else:
        edit.text, edit.judge_text = text, comment.original
    _commit(
        comment,
        "feedback.edited" if edit.text is not None else "feedback.restored",
        actor,
        "shared comment edited" if edit.text is not None else "shared comment restored to the judge's words",
        {"before": before, "after": comment.text},
    )
    return comment


def restore_comment(round_: Round, sheet_id: int, criterion_id: int | None, actor: User) -> SharedComment:
    """Let applicants read the judge's own words again instead of the edit."""
    comment = find_comment(round_, sheet_id, criterion_id)
    if not comment.edited:
        raise ServiceError(_l("This comment is not edited: applicants read the judge's words already."))
    return edit_comment(round_, sheet_id, criterion_id, comment.original, actor)


def set_hidden(round_: Round, sheet_id: int, criterion_id: int | None, hidden: bool, actor: User) -> SharedComment:
    """Hide a shared comment from the applicant, or show it again."""
    comment = find_comment(round_, sheet_id, criterion_id)
    if comment.hidden == hidden:
        raise ServiceError(
            _l("This comment is already hidden from the applicant.")
            if hidden
            else _l("This comment is already shown to the applicant.")
        )
    _edit_of(comment).hidden = hidden
    _commit(
        comment,
        "feedback.hidden" if hidden else "feedback.shown",
        actor,
        "shared comment hidden" if hidden else "shared comment shown again",
        {"text": comment.text[:SHORT_TEXT_CHARS]},
    )
    return comment
