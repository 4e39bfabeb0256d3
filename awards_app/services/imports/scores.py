"""A judge's offline score sheet: a workbook of their assignments in a round, and its upload.

Every row is checked by the score sheet's own rules (``services.sheets.read_scores``, ``sheet_holds``,
``write_sheet``) and by the assignment's (``Assignment.scoring_refusal``), so the web and the workbook cannot
disagree."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ... import spreadsheets
from ...extensions import db
from ...i18n import ASSIGNMENT_STATUS_LABELS
from ...models import (
    Assignment,
    Category,
    Criterion,
    Nomination,
    Round,
    RoundMode,
    ScoreSheet,
    SheetStatus,
    User,
)
from ...rules import COMMENT_CHARS, OVERALL_COMMENT_CHARS
from ...scoring import score_text
from ...spreadsheets import Column, Problem, Row, SheetSpec
from .. import ServiceError
from ..conflicts import write_declaration
from ..rubrics import criteria_of, scales_of
from ..sheets import STALE_SHEET, ScoresRefused, SheetInput, StaleSheet, read_scores, sheet_holds, write_sheet
from . import ImportRefused, ImportResult, _category_sheet_names, _column, _lookup, _read, _spellings, str_header

REFERENCE = _l("Reference")

NOMINATION = _l("Nomination")

STATUS = _l("Status")

CONFLICT = _l("Conflict of interest")

CONFLICT_REASON = _l("Conflict reason")

OVERALL = _l("Overall comment")

SUBMIT = _l("Submit")

VERSION = "Version"

NO_CONFLICT, HAS_CONFLICT = _l("No conflict"), _l("Conflict")

YES, NO = _l("yes"), _l("no")


def _criterion_headers(position: int, criterion: Criterion) -> tuple[Column, Column]:
    score = Column(
        f"{position}. {criterion.name_en}",
        aliases=((f"{position}. {criterion.name_ko}",) if criterion.name_ko else ()),
        decimal_range=(float(criterion.min_score), float(criterion.max_score)),
        width=14,
        note=_(
            "Score from %(min)s to %(max)s in steps of %(step)s.",
            min=score_text(criterion.min_score),
            max=score_text(criterion.max_score),
            step=score_text(criterion.step),
        )
        + (" " + criterion.guidance_en if criterion.guidance_en else ""),
    )
    header, *korean = _spellings(_l("Comment"))
    comment = Column(f"{position}. {header}", aliases=tuple(f"{position}. {k}" for k in korean), width=24, wrap=True)
    return score, comment


def _score_columns(criteria: list[Criterion]) -> tuple[Column, ...]:
    conflict_choices = (str_header(NO_CONFLICT), str_header(HAS_CONFLICT))
    columns = [
        _column(REFERENCE, required=True, locked=True, width=18),
        _column(NOMINATION, locked=True, width=36, wrap=True),
        _column(STATUS, locked=True, width=12),
        _column(
            CONFLICT,
            choices=conflict_choices,
            width=18,
            note=_(
                "Declare before scoring: %(none)s, or %(conflict)s with the reason in the next column (you "
                "are then recused and give no scores).",
                none=conflict_choices[0],
                conflict=conflict_choices[1],
            ),
        ),
        _column(CONFLICT_REASON, width=24, wrap=True),
    ]
    for position, criterion in enumerate(criteria, start=1):
        columns.extend(_criterion_headers(position, criterion))
    columns.append(_column(OVERALL, width=30, wrap=True))
    columns.append(
        _column(
            SUBMIT,
            choices=(str_header(YES), str_header(NO)),
            width=10,
            note=_(
                "yes: submit and lock these scores (every criterion must be scored); no or empty: save them as a draft."
            ),
        )
    )
    columns.append(Column(VERSION, locked=True, hidden=True, width=8))
    return tuple(columns)


@dataclass
class _RoundSheets:
    round: Round
    categories: list[tuple[Category, list[Criterion], list[Assignment], SheetSpec]]


def _assignments_of(judge: User, round_: Round) -> list[Assignment]:
    return list(
        db.session.scalars(
            sa.select(Assignment)
            .join(Assignment.nomination)
            .where(Assignment.judge_id == judge.id, Assignment.round_id == round_.id)
            .options(
                selectinload(Assignment.sheet).selectinload(ScoreSheet.scores),
                selectinload(Assignment.nomination).selectinload(Nomination.category),
                selectinload(Assignment.conflict),
            )
            .order_by(Nomination.reference, Assignment.id)
        )
    )


def offline_refusal(judge: User, round_: Round):
    """Why this judge has no offline score sheet for the round (None when they have one)."""
    if round_.mode is RoundMode.COMMITTEE:
        return _l("This round is decided by a committee vote, not by scores.")
    if not _assignments_of(judge, round_):
        return _l("You have no assignments in this round.")
    return None


def _round_sheets(judge: User, round_: Round, *, with_rows: bool) -> _RoundSheets:
    assignments = _assignments_of(judge, round_)
    by_category: dict[int, list[Assignment]] = defaultdict(list)
    for assignment in assignments:
        by_category[assignment.nomination.category_id].append(assignment)
    categories = sorted({a.nomination.category for a in assignments}, key=lambda c: (c.position, c.id))
    names = _category_sheet_names(categories)
    result = _RoundSheets(round_, [])
    for category in categories:
        criteria = criteria_of(round_, category)
        columns = _score_columns(criteria)
        rows = []
        if with_rows:
            for assignment in by_category[category.id]:
                rows.append(_prefilled(assignment, criteria))
        result.categories.append(
            (category, criteria, by_category[category.id], SheetSpec(names[category.id], columns, tuple(rows)))
        )
    return result


def _prefilled(assignment: Assignment, criteria: list[Criterion]) -> tuple[object, ...]:
    nomination, sheet = assignment.nomination, assignment.sheet
    if assignment.recused:
        conflict = str_header(HAS_CONFLICT)
    else:
        conflict = str_header(NO_CONFLICT) if assignment.no_conflict_declared_at else ""
    scores = {s.criterion_id: s for s in (sheet.scores if sheet else [])}
    status = ASSIGNMENT_STATUS_LABELS[assignment.status]
    values: list[object] = [nomination.reference, nomination.title, str(status), conflict, ""]
    for criterion in criteria:
        score = scores.get(criterion.id)
        values.append(float(score.value) if score is not None and score.value is not None else None)
        values.append(score.comment if score is not None else "")
    values.append(sheet.overall_comment if sheet else "")
    values.append(str_header(YES) if sheet is not None and sheet.status is SheetStatus.SUBMITTED else "")
    values.append(sheet.version if sheet is not None else 0)
    return tuple(values)


def score_workbook(judge: User, round_: Round, zone_of: Callable[[object], str] = str) -> bytes:
    """A judge's assignments of a round as a workbook to score offline: one sheet per category."""
    sheets = _round_sheets(judge, round_, with_rows=True)
    instructions = [
        (_("Round"), f"{round_.edition.name} · {round_.name}"),
        (_("Closes"), zone_of(round_.closes_at)),
        (
            _("How"),
            _(
                "Each row is one nomination assigned to you. Declare a conflict of interest first (column "
                '"%(conflict)s"), then score each criterion and, if you wish, comment. Write yes in '
                '"%(submit)s" to submit the row\'s scores, or leave it empty to keep them as a draft you can '
                "finish on the website. Upload the file on your assignments page before the round closes.",
                conflict=str_header(CONFLICT),
                submit=str_header(SUBMIT),
            ),
        ),
        (
            _("Checks"),
            _(
                "The upload is checked exactly as the online score sheet: scores within each criterion's "
                "range and steps, every criterion before submitting. If any row is wrong nothing is saved, "
                "and each problem is listed with its sheet, row and column."
            ),
        ),
        (
            _("Sharing"),
            _(
                "A comment is shared with the applicant by ticking “Share with the applicant” beside it on the "
                "website; the upload keeps what is ticked there, for the comment as you rewrite it here."
            ),
        ),
    ]
    for category, criteria, _assignments, spec in sheets.categories:
        shares = scales_of(criteria)
        total = sum((s.weight for s in shares), Decimal(0)) or Decimal(1)
        lines = [
            f"{i}. {c.name_en} — {_('weight')} {float(c.weight / total * 100):.0f}% · "
            f"{score_text(c.min_score)}–{score_text(c.max_score)}, {_('step')} {score_text(c.step)}"
            + (f": {c.guidance_en}" if c.guidance_en else "")
            for i, c in enumerate(criteria, start=1)
        ]
        instructions.append((f"{spec.name}", f"{category.code} · {category.name_en}\n" + "\n".join(lines)))
    return spreadsheets.build_template(
        [spec for *_x, spec in sheets.categories],
        instructions,
        title=f"{round_.edition.name} · {round_.name} · {judge.name}",
    )


def _choice(text: str, options: dict[str, str]) -> str | None:
    return options.get(spreadsheets.header_key(text)) if text else ""


def import_scores(judge: User, round_: Round, data: bytes) -> ImportResult:
    """Save (or submit) the scores of a judge's filled-in offline workbook, checked as the web form checks them."""
    refusal = offline_refusal(judge, round_)
    if refusal:
        raise ServiceError(refusal)
    if not round_.is_open():
        raise ServiceError(
            _l("This round is closed: scores can no longer change.")
            if round_.is_closed()
            else _l("This round has not opened yet.")
        )
    sheets = _round_sheets(judge, round_, with_rows=False)
    rows = _read(data, [spec for *_x, spec in sheets.categories])
    conflict_options = _lookup([("none", _spellings(NO_CONFLICT)), ("conflict", _spellings(HAS_CONFLICT))])
    yes_no = _lookup([("yes", ("y", "true", "1", *_spellings(YES))), ("no", ("n", "false", "0", *_spellings(NO)))])
    problems: list[Problem] = []
    actions: list[tuple[Assignment, str, str, SheetInput | None, bool]] = []
    seen: dict[int, Row] = {}
    by_sheet = {
        spec.name: (category, criteria, assignments, spec)
        for category, criteria, assignments, spec in sheets.categories
    }
    for row in rows:
        _category, criteria, assignments, spec = by_sheet[row.sheet]
        by_reference = {a.nomination.reference: a for a in assignments}
        reference = row.get(str_header(REFERENCE))
        assignment = by_reference.get(reference)
        if assignment is None:
            problems.append(
                row.problem(
                    str_header(REFERENCE), _("This nomination is not assigned to you in this category and round.")
                )
            )
            continue
        if assignment.id in seen:
            problems.append(
                row.problem(
                    str_header(REFERENCE), _("This nomination is on row %(row)d too.", row=seen[assignment.id].number)
                )
            )
            continue
        seen[assignment.id] = row
        score_columns = list(spec.columns[5:-3])
        typed_scores = {criterion.id: row.get(score_columns[2 * i].header) for i, criterion in enumerate(criteria)}
        comments = {
            criterion.id: row.get(score_columns[2 * i + 1].header)[:COMMENT_CHARS]
            for i, criterion in enumerate(criteria)
        }
        overall = row.get(str_header(OVERALL))[:OVERALL_COMMENT_CHARS]
        anything = any(typed_scores.values()) or any(comments.values()) or bool(overall)
        conflict = _choice(row.get(str_header(CONFLICT)), conflict_options)
        submit = _choice(row.get(str_header(SUBMIT)), yes_no)
        if assignment.recused:
            if anything:
                problems.append(
                    row.problem(
                        str_header(CONFLICT), _("You are recused from this nomination: leave its scores empty.")
                    )
                )
            continue
        if conflict is None:
            problems.append(
                row.problem(
                    str_header(CONFLICT),
                    _(
                        "Write %(none)s or %(conflict)s.",
                        none=str_header(NO_CONFLICT),
                        conflict=str_header(HAS_CONFLICT),
                    ),
                )
            )
            continue
        if submit is None:
            problems.append(row.problem(str_header(SUBMIT), _("Write yes, no, or leave it empty.")))
            continue
        if conflict == "conflict":
            reason = row.get(str_header(CONFLICT_REASON))
            if not reason:
                problems.append(row.problem(str_header(CONFLICT_REASON), _("Say briefly what the conflict is.")))
            elif anything:
                problems.append(
                    row.problem(
                        str_header(CONFLICT),
                        _("A judge with a conflict gives no scores: empty the scores or the conflict."),
                    )
                )
            else:
                actions.append((assignment, "conflict", reason, None, False))
            continue
        if not conflict and assignment.no_conflict_declared_at is None:
            if anything or submit == "yes":
                problems.append(
                    row.problem(str_header(CONFLICT), _("Declare whether you have a conflict of interest first."))
                )
            continue
        if not anything and submit != "yes":
            if conflict == "none" and assignment.no_conflict_declared_at is None:
                actions.append((assignment, "none", "", None, False))
            continue
        # The score sheet's own checks, each problem put in its column.
        values, errors = read_scores(scales_of(criteria), typed_scores, submit=submit == "yes")
        if errors:
            column = {criterion.id: score_columns[2 * i].header for i, criterion in enumerate(criteria)}
            problems += [row.problem(column[criterion_id], message) for criterion_id, message in errors.items()]
            continue
        sheet = assignment.sheet
        data_in = SheetInput(
            scores={cid: typed_scores[cid] for cid in values},
            comments=comments,
            overall_comment=overall,
            version=sheet.version if sheet is not None else None,
        )
        if (
            sheet is not None
            and sheet_holds(sheet, values, data_in)
            and (submit == "yes") <= (sheet.status is SheetStatus.SUBMITTED)
        ):
            continue  # nothing new: an upload repeated, or a row left as downloaded
        if sheet is not None and sheet.status is SheetStatus.SUBMITTED:
            problems.append(
                row.problem(
                    str_header(REFERENCE), _("These scores have been submitted; only the secretariat can reopen them.")
                )
            )
            continue
        version_text = row.get(VERSION)
        current = sheet.version if sheet is not None else 0
        if version_text != str(current):
            problems.append(
                row.problem(
                    str_header(REFERENCE),
                    _(
                        "These scores were changed on the website after "
                        "this workbook was downloaded. Download it again."
                    ),
                )
            )
            continue
        actions.append(
            (assignment, "none" if assignment.no_conflict_declared_at is None else "", "", data_in, submit == "yes")
        )
    if problems:
        raise ImportRefused(problems)

    # Calibration comes first, in a workbook as on the site: rows of nominations that wait for the calibration
    # are refused as the upload found them, whatever order the rows are in.
    waiting = [
        str(assignment.nomination.reference)
        for assignment, _declaration, _reason, sheet_input, _submitting in actions
        if sheet_input is not None and assignment.calibration is None and assignment.calibration_left
    ]
    if waiting:
        raise ServiceError(
            _l(
                "Your calibration is not complete, so %(references)s cannot be scored yet: fill in and upload the "
                "calibration nominations first (leave the other rows empty), then the others.",
                references=", ".join(waiting),
            )
        )
    result = ImportResult()
    try:
        for assignment, declaration, reason, sheet_input, submitting in actions:
            if declaration:
                write_declaration(assignment, judge, declaration == "conflict", reason)
                result.details.append(str(assignment.nomination.reference))
            if sheet_input is not None:
                refusal = assignment.scoring_refusal(judge)
                if refusal is not None:
                    raise ServiceError(refusal)
                write_sheet(assignment, judge, sheet_input, submit=submitting)
                result.created += 1 if submitting else 0
                result.updated += 0 if submitting else 1
        db.session.commit()
    except (StaleSheet, ScoresRefused, sa.exc.IntegrityError) as error:
        db.session.rollback()
        raise ImportRefused([Problem("", 0, "", str(STALE_SHEET))]) from error
    except ServiceError:
        db.session.rollback()
        raise
    return result
