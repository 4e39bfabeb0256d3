"""How fast the results page and the committee's workbook are, at demo size and at the prize's real scale.

Run from the project root:

    .venv/bin/python -m benchmarks.results_page                      # this checkout (about a minute)
    .venv/bin/python -m benchmarks.results_page --baseline 84b8a96   # the same, then the same on another commit
    .venv/bin/python -m benchmarks.results_page --runs 5             # more runs of each figure
    .venv/bin/python -m benchmarks.results_page --quick --runs 1     # a smoke run: 40 nominations (the tests run it)

Each scale is measured in a fresh process of its own, with a temporary SQLite database and the testing
configuration (in-process, Flask test client, signed in as the secretariat):

- **demo**: ``flask awards seed-demo``'s edition; the results page of its judged first round, first category;
- **real**: 250 nominations in four categories, 16 judges, 5 judges each, six criteria (``benchmarks.results_scale``'s
  round); the results page of its first category, and the whole export (``services.export.round_workbook``).

"Cold" is the first request after the process's computed results were forgotten (as after a score changes);
"warm" is the same request again (for the export: with the rankings kept, as after the results page was seen).
One request warms the process up (templates compiled) before anything is timed.
Each figure is min / median / max over ``--runs`` runs, of the wall clock and of the process's CPU time (which
other processes on a busy machine lengthen far less). ``--baseline COMMIT`` copies that commit out of git
(``git archive``, nothing in the repository changes) into a temporary folder and runs this same script there, so
before and after are measured the same way.

Targets (2-core machine): the results page at most 20 ms at demo size and 200 ms at 250 nominations, warm; the
whole export at most 0.5 s at the real scale.
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from benchmarks.harness import machine_speed

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "benchmark-password"


def _timed(action) -> list[float]:
    """The wall-clock and the CPU seconds of ``action`` (the CPU time of this process, which other processes on a
    busy machine lengthen far less than the wall clock)."""
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return [time.perf_counter() - wall, time.process_time() - cpu]


def _forget_computed() -> None:
    """Empty this process's cache of computed results (a commit without one has nothing to forget)."""
    try:
        cache = importlib.import_module("awards_app.services.results_cache")
    except ModuleNotFoundError:
        return
    cache.forget_computed()


def _round_workbook():
    """``round_workbook`` where this checkout keeps it (before the services were split, in ``results``)."""
    try:
        return importlib.import_module("awards_app.services.export").round_workbook
    except ModuleNotFoundError:
        return importlib.import_module("awards_app.services.results").round_workbook


def _page_times(app, url: str, email: str, runs: int) -> dict:
    client = app.test_client()
    answer = client.post("/auth/login", data={"email": email, "password": PASSWORD})
    assert answer.status_code in (200, 302), answer.status_code

    def get() -> None:
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        assert "no-store" in response.headers.get("Cache-Control", "")

    get()  # templates compiled, statements cached: the process is warm, the results are not
    cold = []
    for _ in range(runs):
        _forget_computed()
        cold.append(_timed(get))
    warm = [_timed(get) for _ in range(runs)]
    return {"cold": cold, "warm": warm}


def _app(folder: str):
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite"
    from awards_app import create_app
    from awards_app.extensions import db

    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": os.environ["DATABASE_URL"],
            "UPLOAD_FOLDER": f"{folder}/uploads",
            "PREVIEW_FOLDER": f"{folder}/previews",
            "MAIL_OUTBOX": f"{folder}/outbox",
            "UNCERTAINTY_JOB_LOG": f"{folder}/uncertainty-jobs.log",
        },
    )
    with app.app_context():
        db.create_all()
    return app


def measure_demo(runs: int) -> dict:
    import sqlalchemy as sa

    with tempfile.TemporaryDirectory() as folder:
        app = _app(folder)
        from awards_app.demo import DEMO_LOGINS, seed
        from awards_app.extensions import db
        from awards_app.models import Round, RoundMode, User

        with app.app_context():
            seed()
            staff = db.session.scalar(sa.select(User).where(User.email == DEMO_LOGINS["secretariat"]))
            staff.set_password(PASSWORD)
            db.session.commit()
            round_ = db.session.scalars(
                sa.select(Round).where(Round.mode == RoundMode.SCORING).order_by(Round.position)
            ).first()
            url = f"/secretariat/rounds/{round_.id}/results"
        figures = {"page": _page_times(app, url, DEMO_LOGINS["secretariat"], runs)}
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return figures


def measure_real(runs: int, scale: str = "real") -> dict:
    import sqlalchemy as sa

    from benchmarks.results_scale import SCALES, _seed_database

    with tempfile.TemporaryDirectory() as folder:
        app = _app(folder)
        from awards_app.extensions import db
        from awards_app.models import Round, User

        with app.app_context():
            round_ = _seed_database(SCALES[scale])
            staff = db.session.scalar(sa.select(User).where(User.email == "staff@bench.example"))
            staff.set_password(PASSWORD)
            db.session.commit()
            round_id = round_.id
        figures = {"page": _page_times(app, f"/secretariat/rounds/{round_id}/results", "staff@bench.example", runs)}
        round_workbook = _round_workbook()
        with app.app_context():
            round_ = db.session.get(Round, round_id)
            round_workbook(round_)  # warm-up, as for the page
            export = []
            for _ in range(runs):
                db.session.expire_all()
                _forget_computed()
                export.append(_timed(lambda: round_workbook(round_)))
            figures["export"] = export
            warm = []
            for _ in range(runs):
                db.session.expire_all()
                warm.append(_timed(lambda: round_workbook(round_)))
            figures["export warm"] = warm
            db.session.remove()
            db.engine.dispose()
    return figures


def child(scale: str, runs: int) -> None:
    sys.path.insert(0, str(ROOT))
    figures = measure_demo(runs) if scale == "demo" else measure_real(runs, scale)
    print(json.dumps(figures))


def run(root: Path, runs: int, quick: bool = False) -> dict:
    """Every figure, each scale in a fresh process started in ``root`` (this checkout or a baseline's copy)."""
    figures = {}
    for scale in ("demo", "quick" if quick else "real"):
        command = [sys.executable, "-m", "benchmarks.results_page", "--child", scale, "--runs", str(runs)]
        env = {**os.environ, "PYTHONPATH": str(root)}
        completed = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            raise SystemExit(f"{scale}: the measuring process failed\n{completed.stderr[-3000:]}")
        figures["demo" if scale == "demo" else "real"] = json.loads(completed.stdout.strip().splitlines()[-1])
    return figures


def baseline_copy(commit: str, folder: Path) -> Path:
    """The files of ``commit`` in ``folder``, with this benchmark (and what it imports) as it is here."""
    git = shutil.which("git") or "git"
    archive = subprocess.run([git, "archive", commit], cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as files:
        files.extractall(folder, filter="data")
    shutil.copy2(Path(__file__), folder / "benchmarks" / "results_page.py")
    return folder


def _row(label: str, timings: list[list[float]], unit: str, target: float | None) -> str:
    scale = 1000 if unit == "ms" else 1
    digits = 1 if unit == "ms" else 3
    text = f"{label:<38}"
    for seconds in ([wall for wall, _cpu in timings], [cpu for _wall, cpu in timings]):
        low, middle, high = (scale * v for v in (min(seconds), statistics.median(seconds), max(seconds)))
        text += f" {low:>8.{digits}f} {middle:>8.{digits}f} {high:>8.{digits}f} {unit:<3}"
    if target is not None:
        median = statistics.median(wall for wall, _cpu in timings) * scale
        text += f"  target ≤ {target:g} {unit}: {'met' if median <= target else 'NOT met'}"
    return text


def report(title: str, figures: dict, nominations: int) -> None:
    print(title)
    print(f"{'':<38} {'wall clock: min':>26} {'median':>8} {'max':>8}     {'CPU: min':>8} {'median':>8} {'max':>8}")
    print(_row("results page, demo, cold", figures["demo"]["page"]["cold"], "ms", None))
    print(_row("results page, demo, warm", figures["demo"]["page"]["warm"], "ms", 20))
    big = f"{nominations} nominations"
    print(_row(f"results page, {big}, cold", figures["real"]["page"]["cold"], "ms", None))
    print(_row(f"results page, {big}, warm", figures["real"]["page"]["warm"], "ms", 200))
    print(_row(f"whole export, {big}, cold", figures["real"]["export"], "s", 0.5))
    print(_row(f"whole export, {big}, warm", figures["real"]["export warm"], "s", None))
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each figure (min / median / max)")
    parser.add_argument("--baseline", metavar="COMMIT", help="measure this commit the same way, for comparison")
    parser.add_argument("--quick", action="store_true", help="40 nominations instead of 250: a smoke run")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    runs = max(1, args.runs)
    if args.child:
        child(args.child, runs)
        return
    load = os.getloadavg()
    print(
        f"{os.cpu_count()} CPUs; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {machine_speed()}; "
        f"{runs} runs of each figure."
    )
    print()
    nominations = 40 if args.quick else 250  # benchmarks.results_scale's "quick" and "real" scales
    report("This checkout:", run(ROOT, runs, args.quick), nominations)
    if args.baseline:
        with tempfile.TemporaryDirectory(prefix="results-page-") as folder:
            copy = baseline_copy(args.baseline, Path(folder))
            report(f"Commit {args.baseline}:", run(copy, runs, args.quick), nominations)


if __name__ == "__main__":
    main()
