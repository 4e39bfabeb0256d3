"""The uncertainty model: how long a fit takes, and whether its intervals are honest.

Run from the project root:

    .venv/bin/python -m benchmarks.uncertainty                 # timings (3 runs each) and the full simulation study
    .venv/bin/python -m benchmarks.uncertainty --rounds 10     # a shorter study
    .venv/bin/python -m benchmarks.uncertainty --runs 0        # the study alone
    .venv/bin/python -m benchmarks.uncertainty --rounds 0      # the timings alone

**Timings**, each in a process of its own, as the background job runs (imports and compilation included), three
times, with the minimum, median and maximum. The demo's job keeps JAX's compilation cache in a folder of its own:
its first run compiles the model, the later ones (data of the same shape) find it compiled.

- the demo: ``flask awards seed-demo`` into an SQLite file, then the job on its judged first round (its categories
  of five nominations or more, fitted together), end to end as ``python -m awards_app.uncertainty_job`` runs it,
  and the fitting alone as the job records it;
- the real scale: 250 nominations in one category, 16 judges, 5 judges each.

**Simulation study**, at the prize's shape: rounds of 20 nominations, 16 judges of differing leniency, 3 to 5 judges
per nomination (``awards_app.uncertainty.simulate_round``), each fitted with the application's settings. It reports
how often the 90% rank interval holds the true rank (it should be 85–95%), and Kendall's tau between the true order
and the order by expected rank, by the Mean and by the per-judge Normalised score (the expected rank should do at
least as well as the Mean).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

REAL_SCALE = """
import time
from awards_app import uncertainty as model
sim = model.simulate_round(seed=1, nominations=250, judges=16, per_nomination=(5,))
started = time.perf_counter()
fit = model.fit_totals(sim.totals)
print(f"{time.perf_counter() - started:.2f} {fit.max_r_hat:.4f} {fit.min_ess:.0f}")
"""

DEMO_FIT = """
import sys
from dataclasses import asdict
from awards_app import create_app, uncertainty
from awards_app.extensions import db
from awards_app.models import Round, UncertaintyFit
from awards_app.services import export as export_service
from awards_app.services import results as results_service
import sqlalchemy as sa
app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": sys.argv[1]})
with app.app_context():
    round_ = db.session.scalar(sa.select(Round).where(Round.name == "Online evaluation"))
    # The application's own settings, as a request from the results page stores them.
    fit = UncertaintyFit(round_id=round_.id, data_sha256=export_service.score_data_sha256(round_),
                         settings=asdict(uncertainty.FitSettings()))
    db.session.add(fit)
    db.session.commit()
    print(fit.id, len(results_service.counted_scores(round_, round_.categories[0])))
"""

READ_FIT = """
import sys
from awards_app import create_app
from awards_app.extensions import db
from awards_app.models import UncertaintyFit
app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": sys.argv[1]})
with app.app_context():
    fit = db.session.get(UncertaintyFit, int(sys.argv[2]))
    print(f"{fit.seconds:.2f}", fit.status.value, f"R-hat {fit.max_r_hat:.4f}", f"ESS {fit.min_ess:.0f}",
          "converged" if fit.converged else "NOT converged")
"""


def _python(code: str, *arguments: str, env: dict | None = None) -> str:
    completed = subprocess.run(
        [sys.executable, "-c", code, *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout.strip().splitlines()[-1]


def spread(values: list[float]) -> str:
    return f"{min(values):.1f} / {statistics.median(values):.1f} / {max(values):.1f} s"


def time_demo(runs: int) -> tuple[list[float], list[float]]:
    times, fitting = [], []
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/demo.sqlite3"
        env = {
            **os.environ,
            "FLASK_CONFIG": "testing",
            "DATABASE_URL": url,
            "FLASK_APP": "wsgi.py",
            "MAIL_OUTBOX": f"{folder}/outbox",
            "UPLOAD_FOLDER": f"{folder}/uploads",
            "PREVIEW_FOLDER": f"{folder}/previews",
            "AWARDS_JOB_CONFIG": "testing",
            "PYTHONPATH": str(ROOT),
            # A fresh compilation cache: the first run compiles, the later ones find the model compiled.
            "UNCERTAINTY_COMPILE_CACHE": f"{folder}/jax-cache",
        }
        subprocess.run(
            [sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True
        )
        subprocess.run(
            [sys.executable, "-m", "flask", "awards", "seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True
        )
        for _ in range(runs):
            fit_id, _count = _python(DEMO_FIT, url, env=env).split()
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "awards_app.uncertainty_job", fit_id],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
            times.append(time.perf_counter() - started)
            seconds, status = _python(READ_FIT, url, fit_id, env=env).split(" ", 1)
            fitting.append(float(seconds))
            print(
                f"  demo fit {fit_id}: {times[-1]:.1f} s for the job process end to end, {seconds} s fitting: {status}"
            )
    return times, fitting


def time_real_scale(runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        inner, r_hat, ess = _python(REAL_SCALE).split()
        times.append(time.perf_counter() - started)
        print(f"  real scale: {times[-1]:.1f} s in all ({inner} s fitting), R-hat {r_hat}, ESS {ess}")
    return times


def study(rounds: int) -> None:
    if rounds < 1:
        return
    import numpy as np

    from awards_app import uncertainty as model
    from awards_app.ranking import judge_totals, kendall_tau_b, normalised_totals

    covered, taus = [], {"expected rank": [], "Mean": [], "Normalised": []}
    not_converged = 0
    started = time.perf_counter()
    for seed in range(rounds):
        sim = model.simulate_round(seed=10_000 + seed)
        fit = model.fit_totals(sim.totals)
        not_converged += not fit.converged
        draws = fit.categories[1]
        summary = model.rank_summary(draws).set_index("nomination_id")
        ids = [int(i) for i in draws.nomination_ids]
        truth = np.array([sim.quality[i] for i in ids])
        true_rank = {i: r for r, i in enumerate(sorted(ids, key=lambda i: -sim.quality[i]), start=1)}
        covered += [summary.loc[i, "rank_low"] <= true_rank[i] <= summary.loc[i, "rank_high"] for i in ids]
        totals = sim.totals.assign(criterion_id=1)
        normalised = normalised_totals(
            judge_totals(totals.assign(score=totals["total"], weight=1.0, min=0.0, max=100.0))
        )
        means = sim.totals.groupby("nomination_id")["total"].mean()
        norm = normalised.groupby("nomination_id")["normalised"].mean()
        taus["expected rank"].append(kendall_tau_b(-summary.loc[ids, "expected_rank"].to_numpy(), truth))
        taus["Mean"].append(kendall_tau_b(means.loc[ids].to_numpy(), truth))
        taus["Normalised"].append(kendall_tau_b(norm.loc[ids].to_numpy(), truth))
    n = len(covered)
    coverage = sum(covered) / n
    margin = 1.96 * math.sqrt(coverage * (1 - coverage) / n)
    print(
        f"Simulation study: {rounds} rounds of 20 nominations, 16 judges, 3 to 5 judges each "
        f"({time.perf_counter() - started:.0f} s; {not_converged} fits not converged)"
    )
    print(
        f"  90% rank intervals hold the true rank for {coverage:.1%} of {n} nominations "
        f"(95% confidence {coverage - margin:.1%} to {coverage + margin:.1%}); target 85–95%"
    )
    for name, values in taus.items():
        print(f"  Kendall's tau with the true order, by {name:13s}: mean {statistics.fmean(values):.3f}")
    better = sum(e >= m for e, m in zip(taus["expected rank"], taus["Mean"], strict=True))
    print(f"  the expected rank orders at least as well as the Mean in {better} of {rounds} rounds")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each fit")
    parser.add_argument("--rounds", type=int, default=40, help="simulated rounds in the study")
    options = parser.parse_args()
    if options.runs > 0:
        print("Demo (the judged first round: its two categories with 5 nominations or more):")
        demo, demo_fitting = time_demo(options.runs)
        print("Real scale (250 nominations, 16 judges, 5 each):")
        real = time_real_scale(options.runs)
        print(
            f"Min / median / max: demo fit {spread(demo_fitting)} ({spread(demo)} for the job process end to "
            f"end), target 10 s; real scale {spread(real)} end to end, target 20 s"
        )
    study(options.rounds)


if __name__ == "__main__":
    main()
