"""Results computed from a round's data, kept in this process under the SHA-256 of that data.

What is computed from the scores (each category's ranking, diagnostics and charts, the score data's SHA-256) is kept
under ``data_key``: the SHA-256 of everything it is computed from, read in one query. A changed score, recusal,
waiver, rubric, name or uncertainty fit gives another key, and the round's method, threshold, panel size and
shortlist and the category's tiers are part of each entry's own key: an entry is never stale, only no longer asked
for, and two processes reading the same data compute the same entries. Entries are dropped oldest first.

The key is read before a value is computed and again after it: a value is kept only when the data did not change in
between (another process may commit a score meanwhile), so a value is never kept under a key of data it was not
computed from.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import reduce
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.orm import ORMExecuteState, Session

from ..extensions import db
from ..models import (
    Assignment,
    Category,
    Conflict,
    Criterion,
    Nomination,
    Organisation,
    Round,
    Score,
    ScoreSheet,
    SheetStatus,
    UncertaintyFit,
    User,
)
from ..models.judging import round_category

#: How many computed entries (a category's results, its charts, a round's score-data SHA-256) a process keeps.
CACHE_SIZE = 48

T = TypeVar("T")
_cache: OrderedDict[Hashable, object] = OrderedDict()
_cache_lock = threading.Lock()


def recall(key: Hashable) -> Any | None:
    """The value kept under ``key``, or None."""
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    return None


def keep(key: Hashable, value: object) -> None:
    """Keep ``value`` under ``key`` (the oldest entries make room)."""
    with _cache_lock:
        _cache[key] = value
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)


def remember(round_: Round, name: Hashable, compute: Callable[[], T]) -> T:
    """The value kept under ``name`` and the round's ``data_key``, or ``compute()``, kept there when the round's data
    did not change while it was computed. ``name`` must say everything else the value depends on (the settings)."""
    key = (name, data_key(round_))
    value = recall(key)
    if value is None:
        value = compute()
        if unchanged(round_, key[1]):
            keep(key, value)
    return value


def unchanged(round_: Round, key: str) -> bool:
    """Whether the round's data is still what ``key`` was read from (read afresh)."""
    return data_key(round_, fresh=True) == key


def forget_computed() -> None:
    """Empty this process's cache (benchmarks measure a cold page with it; correctness never needs it)."""
    with _cache_lock:
        _cache.clear()


def _line(*columns: sa.ColumnExpressionArgument[Any]) -> sa.ColumnElement[str]:
    """A row's values as one text that tells them apart whatever they hold: each value as its length, a colon and
    itself, a NULL as a dash."""
    texts = []
    for column in columns:
        text = sa.cast(column, sa.String)
        texts.append(sa.func.coalesce(sa.cast(sa.func.length(text), sa.String) + ":" + text, "-"))
    return reduce(lambda left, right: left + right, texts)


def _lines(query: sa.Select, *order: sa.ColumnExpressionArgument[Any]) -> sa.ScalarSelect:
    """Every row of ``query`` (a single ``_line``), in a stated order, as one text."""
    rows = query.order_by(*order).subquery()
    return sa.select(sa.func.aggregate_strings(rows.c.line, "\n")).scalar_subquery()


@functools.cache
def _data_query() -> sa.Select:
    """The query of ``data_key``, built once (building it costs more than running it), for the ``round_id``."""
    round_id = sa.bindparam("round_id", type_=sa.Integer)
    recused = sa.exists().where(
        Conflict.judge_id == Assignment.judge_id, Conflict.nomination_id == Assignment.nomination_id
    )
    in_round = sa.select(Assignment.nomination_id).where(Assignment.round_id == round_id)
    judges = sa.select(Assignment.judge_id).where(Assignment.round_id == round_id)
    return sa.select(
        # Each sheet: whose, its status, waived or not, its judge recused or not.
        _lines(
            sa.select(
                _line(
                    Assignment.id,
                    Assignment.nomination_id,
                    Assignment.judge_id,
                    ScoreSheet.status,
                    Assignment.waived_at.is_not(None),
                    recused,
                ).label("line")
            )
            .select_from(Assignment)
            .outerjoin(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
            .where(Assignment.round_id == round_id),
            Assignment.id,
        ),
        # Every score of a submitted sheet.
        _lines(
            sa.select(_line(ScoreSheet.assignment_id, Score.criterion_id, Score.value).label("line"))
            .select_from(Score)
            .join(ScoreSheet, ScoreSheet.id == Score.sheet_id)
            .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
            .where(Assignment.round_id == round_id, ScoreSheet.status == SheetStatus.SUBMITTED),
            Score.id,
        ),
        # The rubrics, the categories in their order, and how nominations and judges are named.
        _lines(
            sa.select(
                _line(
                    Criterion.id,
                    Criterion.category_id,
                    Criterion.weight,
                    Criterion.min_score,
                    Criterion.max_score,
                    Criterion.step,
                    Criterion.position,
                    Criterion.name_en,
                ).label("line")
            ).where(Criterion.round_id == round_id),
            Criterion.id,
        ),
        _lines(
            sa.select(_line(Category.id, Category.code, Category.position).label("line"))
            .select_from(Category)
            .join(round_category, round_category.c.category_id == Category.id)
            .where(round_category.c.round_id == round_id),
            Category.position,
            Category.id,
        ),
        _lines(
            sa.select(
                _line(
                    Nomination.id,
                    Nomination.category_id,
                    Nomination.reference,
                    Nomination.title,
                    Organisation.name,
                    Organisation.country_code,
                    Organisation.type,
                ).label("line")
            )
            .select_from(Nomination)
            .join(Organisation, Organisation.id == Nomination.organisation_id)
            .where(Nomination.id.in_(in_round)),
            Nomination.id,
        ),
        _lines(
            sa.select(_line(User.id, User.name, User.email).label("line")).where(User.id.in_(judges)),
            User.id,
        ),
        # The latest fit of the uncertainty model: whether it is done, converged, of which score data, and when it
        # finished with how many bytes of draws (the draws themselves are too large to read at each page).
        sa.select(
            _line(
                UncertaintyFit.id,
                UncertaintyFit.status,
                UncertaintyFit.converged,
                UncertaintyFit.data_sha256,
                UncertaintyFit.finished_at,
                sa.func.length(UncertaintyFit.draws),
            )
        )
        .where(UncertaintyFit.round_id == round_id)
        .order_by(UncertaintyFit.id.desc())
        .limit(1)
        .scalar_subquery(),
    )


_MEMO = "awards.data_keys"


def data_key(round_: Round, *, fresh: bool = False) -> str:
    """The SHA-256 of everything the round's results are computed from, read in one query: each sheet's status,
    waiver and recusal, every submitted score, the rubrics, the categories, the nominations' references, titles and
    organisations, the judges' names and e-mails, and the state of the latest uncertainty fit (its status, convergence,
    score data, when it finished and the size of its draws).

    A page (GET) reads it once per round, until the session writes anything (``_forget_request_keys``); anything
    else, and ``fresh``, reads it afresh."""
    memo = request.environ.setdefault(_MEMO, {}) if has_request_context() and request.method in ("GET", "HEAD") else {}
    if fresh or round_.id not in memo:
        parts = db.session.execute(_data_query(), {"round_id": round_.id}).one()
        memo[round_.id] = hashlib.sha256("\x1e".join(part or "" for part in parts).encode()).hexdigest()
    return memo[round_.id]


def _forget_request_keys(*_args: object) -> None:
    """A session that writes (or ends its transaction) may have changed the data: the request reads its keys again."""
    if has_request_context():
        request.environ.pop(_MEMO, None)


def _forget_on_write(state: ORMExecuteState) -> None:
    if not state.is_select:
        _forget_request_keys()


for _event in ("after_flush", "after_commit", "after_rollback"):
    sa.event.listen(Session, _event, _forget_request_keys)
sa.event.listen(Session, "do_orm_execute", _forget_on_write)
