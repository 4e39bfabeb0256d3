"""The uncertainty model run in the background: asking for a fit, following it, and reading a finished one.

A fit never runs in a request. ``request_fit`` records it (queued) and starts ``python -m awards_app.uncertainty_job``
as a process of its own (``background_jobs``); the job writes its progress and a heartbeat into the row as it goes and
the draws when it is done. Pages read the row: a job whose heartbeat stopped is marked failed and may be asked for
again. A fit belongs to the SHA-256 of the score data it was run on (the one the workbook states), and is used while
it stays the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import Category, FitStatus, Round, RoundMode, UncertaintyFit, User, utcnow
from ..rules import BOUNDARY_CERTAINTY, tiers
from . import ServiceError, background_jobs
from .audit import record

if TYPE_CHECKING:  # the model and pandas are imported where used: the app starts without them
    import pandas as pd

    from .. import uncertainty as model

#: A job that has not written its heartbeat for this long is taken to have died.
STALE_AFTER = timedelta(minutes=3)
#: The job, and where it keeps the model compiled for each shape of data.
JOB = background_jobs.Job(
    "awards_app.uncertainty_job",
    "FIT_ID",
    UncertaintyFit,
    FitStatus,
    log="UNCERTAINTY_JOB_LOG",
    stale_after=STALE_AFTER,
    settings=("UNCERTAINTY_COMPILE_CACHE",),
)


def round_totals(round_: Round) -> pd.DataFrame:
    """Every counted judge total of the round (``ranking.judge_totals`` of its counted scores, read in one query)."""
    from .. import ranking
    from .results import round_counted_scores

    return ranking.judge_totals(round_counted_scores(round_))


def latest_fit(round_: Round) -> UncertaintyFit | None:
    return db.session.scalar(
        sa.select(UncertaintyFit)
        .where(UncertaintyFit.round_id == round_.id)
        .order_by(UncertaintyFit.id.desc())
        .limit(1)
    )


def _supervise(fit: UncertaintyFit | None) -> UncertaintyFit | None:
    return background_jobs.supervise(JOB, fit)


@dataclass
class FitState:
    """What the results page says about the uncertainty of a round."""

    fit: UncertaintyFit | None  # the latest fit of the round, whatever its data
    current: bool  # it is of the scores as they are now
    data_sha256: str

    @property
    def usable(self) -> bool:
        return self.fit is not None and self.current and self.fit.usable

    @property
    def working(self) -> bool:
        return self.fit is not None and self.fit.working

    @property
    def stale(self) -> bool:
        """A finished fit of scores that have changed since."""
        return self.fit is not None and not self.current and not self.fit.working


def fit_state(round_: Round, digest: str | None = None) -> FitState:
    """The round's latest fit and whether it is of the scores as they are now (``digest``: their SHA-256, as
    ``export.score_data_sha256`` gives it, when the caller has it)."""
    from .export import score_data_sha256

    digest = digest or score_data_sha256(round_)
    fit = _supervise(latest_fit(round_))
    return FitState(fit, fit is not None and fit.data_sha256 == digest, digest)


def usable_draws(round_: Round) -> dict[int, model.CategoryDraws]:
    """The draws of the round's fit when it is of the current scores and converged; empty otherwise.

    Read once per request (the results of each category ask for them); without any fit, the scores are not even
    hashed."""
    from .. import uncertainty as model

    cache = request.environ.setdefault("awards.usable_draws", {}) if has_request_context() else {}
    if round_.id in cache:
        return cache[round_.id]
    draws: dict[int, model.CategoryDraws] = {}
    if latest_fit(round_) is not None:
        state = fit_state(round_)
        if state.usable and state.fit is not None and state.fit.draws is not None:
            draws = model.from_bytes(state.fit.draws)
    cache[round_.id] = draws
    return draws


def request_fit(round_: Round, actor: User | None) -> UncertaintyFit:
    """Start a fit of the round's current scores in the background, unless one is done or under way for them."""
    from .. import uncertainty as model

    if round_.mode is RoundMode.COMMITTEE:
        raise ServiceError(_l("A committee round is decided by votes: there is no ranking to be unsure of."))
    totals = round_totals(round_)
    if totals.empty:
        raise ServiceError(_l("No submitted scores yet: there is nothing to fit."))
    if model.modelled(totals).empty:
        raise ServiceError(
            _l(
                "The model needs a category with at least %(n)d nominations with submitted scores.",
                n=model.MIN_NOMINATIONS,
            )
        )
    state = fit_state(round_)
    if state.current and state.fit is not None and (state.working or state.fit.status is FitStatus.DONE):
        return state.fit
    settings = model.FitSettings()
    fit = UncertaintyFit(
        round_id=round_.id,
        data_sha256=state.data_sha256,
        status=FitStatus.QUEUED,
        settings={
            "chains": settings.chains,
            "warmup": settings.warmup,
            "samples": settings.samples,
            "seed": settings.seed,
        },
        requested_by_id=actor.id if actor is not None else None,
        heartbeat_at=utcnow(),
    )
    db.session.add(fit)
    db.session.flush()
    record(
        "uncertainty.requested",
        round_,
        actor,
        f"uncertainty model asked for in {round_.name}",
        {"round": round_.name, "fit": fit.id, "data_sha256": state.data_sha256, "automatic": actor is None},
    )
    db.session.commit()
    background_jobs.launch(JOB, fit.id)
    return fit


def start_when_closed(round_: Round) -> None:
    """A round that has closed gets its fit without anyone asking (once per set of scores)."""
    from .. import uncertainty as model

    if (
        not current_app.config.get("UNCERTAINTY_AUTOSTART")
        or round_.mode is RoundMode.COMMITTEE
        or not round_.is_closed()
    ):
        return
    state = fit_state(round_)
    if state.fit is not None and state.current:
        return
    if not model.modelled(round_totals(round_)).empty:
        request_fit(round_, None)


def run_fit(fit_id: int) -> None:
    """The job itself (``awards_app.uncertainty_job``): fit, report progress, keep the draws."""
    from .. import uncertainty as model

    fit = background_jobs.start(JOB, fit_id, "starting")
    if fit is None:
        return
    with background_jobs.failure_recorded(JOB, fit_id):
        from .export import score_data_sha256

        totals = round_totals(fit.round)
        fit.data_sha256 = score_data_sha256(fit.round)  # the scores may have moved on since it was asked for

        def progress(percent: int, stage: str) -> None:
            background_jobs.beat(fit, percent, stage)

        result = model.fit_totals(
            totals,
            model.FitSettings(**fit.settings),
            progress,
            compile_cache=current_app.config.get("UNCERTAINTY_COMPILE_CACHE"),
        )
    fit.draws = model.to_bytes(result)
    fit.max_r_hat, fit.min_ess, fit.converged, fit.seconds = (
        result.max_r_hat,
        result.min_ess,
        result.converged,
        result.seconds,
    )
    fit.message = (
        ""
        if result.converged
        else (
            f"Not converged: R-hat {result.max_r_hat:.3f} (at most {model.MAX_R_HAT}) for {result.worst}, smallest "
            f"effective sample size {result.min_ess:.0f} (at least {model.MIN_ESS})."
        )
    )
    fit.status, fit.progress, fit.finished_at, fit.heartbeat_at = FitStatus.DONE, 100, utcnow(), utcnow()
    db.session.commit()


# --- reading a fit --------------------------------------------------------------------------------------------------


@dataclass
class CategoryUncertainty:
    """What the page and the workbook show of one category's fit."""

    ranks: pd.DataFrame  # model.rank_summary, with reference and the zone flags
    leniency: pd.DataFrame  # model.leniency_summary, with the judge's name
    cuts: tuple[int, ...]
    zones: dict[int, set[int]]  # per cut, the nominations in its uncertain zone


def category_uncertainty(
    round_: Round, category: Category, draws: dict[int, model.CategoryDraws], cuts: tuple[int, ...]
) -> CategoryUncertainty | None:
    from .. import uncertainty as model

    if category.id not in draws:
        return None
    category_draws = draws[category.id]
    ranks = model.rank_summary(category_draws, cuts)
    zones = {cut: model.uncertain_zone(ranks, cut) for cut in cuts}
    names = dict(
        db.session.execute(
            sa.select(User.id, User.name).where(User.id.in_([int(j) for j in category_draws.judge_ids]))
        ).all()
    )
    leniency = model.leniency_summary(category_draws)
    leniency = leniency.assign(name=[names.get(int(j), "") for j in leniency["judge_id"]])
    return CategoryUncertainty(ranks, leniency, cuts, zones)


def boundary_uncertainty(round_: Round, category: Category, draws: dict[int, model.CategoryDraws]) -> tiers.Uncertainty:
    """At a tier's boundary: the model puts the last one in ahead of the first one out in fewer than
    ``BOUNDARY_CERTAINTY`` of its draws (never uncertain without a usable fit)."""
    from .. import uncertainty as model

    category_draws = draws.get(category.id)
    if category_draws is None:
        return lambda _a, _b, _tier: False
    known = {int(i) for i in category_draws.nomination_ids}

    def uncertain(above: tiers.Candidate, below: tiers.Candidate, _tier: tiers.Tier) -> bool:
        if above.nomination_id not in known or below.nomination_id not in known:
            return False
        return model.p_ahead(category_draws, above.nomination_id, below.nomination_id) < BOUNDARY_CERTAINTY

    return uncertain
