"""How fast the rankings and the committee's workbook are, at 150,000 scores and at the prize's real scale.

Run from the project root:

    .venv/bin/python -m benchmarks.results_scale            # both scales, best of 3 timings each
    .venv/bin/python -m benchmarks.results_scale --quick    # a small smoke run

For each scale it builds a synthetic round (deterministic seed; judges of differing severity; six criteria with
the published weights; several categories), then measures, in a fresh process so that peak memory is the
scale's own (``ru_maxrss`` of that process):

- **ranking**: ``rank_nominations`` + ``judge_totals`` + ``judge_diagnostics`` + ``panel_agreement`` +
  ``method_agreement`` over every category;
- **workbook**: ``workbook.build_workbook`` of the same round (every sheet, styles, charts);
- **bare dump**: the same cells written by openpyxl's write-only mode with no styling, in the same run;
- at the real scale also **the whole export** through the application: a temporary SQLite database holding the
  round (250 nominations, 16 judges, 5 judges each), ``services.results.round_workbook`` end to end, and the
  number of SQL queries it makes (it must not grow with the number of rows).

Targets (2-core machine): ranking ≤ 2 s and workbook ≤ 2× the bare dump at 150,000 scores; the whole export under
1 s at the real scale; peak memory under 1 GB.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS = (20, 20, 15, 15, 15, 15)  # the six published criteria
SCALES = {
    "150k": {"nominations": 5000, "judges": 60, "per_nomination": 5, "categories": 4},
    "real": {"nominations": 250, "judges": 16, "per_nomination": 5, "categories": 4},
    "quick": {"nominations": 40, "judges": 8, "per_nomination": 3, "categories": 2},
}


def synthetic_round(
    nominations: int, judges: int, per_nomination: int, categories: int, seed: int = 2026
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score rows (one per judge, nomination and criterion) and the rubric order, as ``awards_app.ranking`` takes."""
    rng = np.random.default_rng(seed)
    severity = rng.normal(0, 1.2, judges)
    quality = rng.normal(6, 1.5, nominations)
    category = np.arange(nominations) % categories + 1
    judge = np.stack([(np.arange(nominations) * 7 + k * 11) % judges for k in range(per_nomination)], axis=1)
    rows = nominations * per_nomination * len(WEIGHTS)
    nomination_ids = np.repeat(np.arange(1, nominations + 1), per_nomination * len(WEIGHTS))
    judge_ids = np.repeat(judge.reshape(-1), len(WEIGHTS)) + 1
    criterion_index = np.tile(np.arange(len(WEIGHTS)), nominations * per_nomination)
    raw = quality[nomination_ids - 1] + severity[judge_ids - 1] + rng.normal(0, 1.0, rows)
    frame = pd.DataFrame(
        {
            "category_id": category[nomination_ids - 1],
            "nomination_id": nomination_ids,
            "judge_id": judge_ids,
            "criterion_id": (category[nomination_ids - 1] - 1) * len(WEIGHTS) + criterion_index + 1,
            "score": np.clip(np.round(raw), 1, 10).astype(float),
            "weight": np.asarray(WEIGHTS, dtype=float)[criterion_index],
            "min": 1.0,
            "max": 10.0,
        }
    )
    criteria = pd.DataFrame(
        {
            "category_id": np.repeat(np.arange(1, categories + 1), len(WEIGHTS)),
            "criterion_id": np.arange(1, categories * len(WEIGHTS) + 1),
            "position": np.tile(np.arange(len(WEIGHTS)), categories),
        }
    )
    return frame, criteria


def compute(scores: pd.DataFrame, criteria: pd.DataFrame):
    from awards_app import ranking

    settings = ranking.RankingSettings(judges_per_nomination=5, cuts=(6,))
    table = ranking.rank_nominations(scores, criteria, settings)
    totals = ranking.judge_totals(scores)
    judges = ranking.judge_diagnostics(totals)
    alpha = ranking.panel_agreement(totals)
    agreement = ranking.method_agreement(table, settings.method)
    return table, totals, judges, alpha, agreement


def workbook_data(scores: pd.DataFrame, table: pd.DataFrame, judges: pd.DataFrame):
    from awards_app import workbook

    codes = {c: f"C{c}" for c in sorted(scores["category_id"].unique())}
    categories = [
        workbook.CategoryInfo(code, f"Category {code}", (("Gold", 1), ("Silver", 2), ("Bronze", 3)))
        for code in codes.values()
    ]
    reference = "SSCP-2026-" + table["nomination_id"].astype(str).str.zfill(5)
    rankings = pd.DataFrame(
        {
            "Category": table["category_id"].map(codes),
            "Rank": table["rank"],
            "Reference": reference,
            "Nomination": "Smart city project " + table["nomination_id"].astype(str),
            "Organisation": "City " + (table["nomination_id"] % 180).astype(str),
            "Country": "KR",
            "Judges": table["judges"],
            "Score": table["score"],
            "Mean": table["mean"],
            "Median": table["median"],
            "Trimmed mean": table["trimmed_mean"],
            "Normalised": table["normalised"],
            "SD": table["sd"],
            "Tier": "",
            "Flags": table["flags"],
        }
    )
    score_rows = pd.DataFrame(
        {
            "Category": scores["category_id"].map(codes),
            "Reference": "SSCP-2026-" + scores["nomination_id"].astype(str).str.zfill(5),
            "Judge": "Judge " + scores["judge_id"].astype(str),
            "Criterion": "Criterion " + scores["criterion_id"].astype(str),
            "Weight": scores["weight"],
            "Min": scores["min"],
            "Max": scores["max"],
            "Score": scores["score"],
            "Comment": "",
        }
    )
    judge_rows = pd.DataFrame(
        {
            "Category": judges["category_id"].map(codes),
            "Judge": "Judge " + judges["judge_id"].astype(str),
            "Nominations": judges["nominations"],
            "Mean total": judges["mean"],
            "SD": judges["sd"],
            "Offset": judges["offset"],
            "Spearman": judges["spearman"],
        }
    )
    conflicts = pd.DataFrame(columns=list(workbook.CONFLICTS_COLUMNS))
    return workbook.WorkbookData(
        edition="Benchmark Prize",
        round_name="Online evaluation",
        method="mean",
        generated_at=datetime.now(UTC),
        categories=categories,
        rankings=rankings,
        scores=score_rows,
        judges=judge_rows,
        conflicts=conflicts,
        method_notes=[("Score data SHA-256", workbook.score_data_sha256(score_rows))],
    )


def bare_dump(data) -> bytes:
    """The same cells as the workbook (every sheet's header and values), written with no styling at all."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheets = [("Rankings", data.rankings)]
    sheets += [(f"C{i}", data.rankings[data.rankings["Category"] == c.code]) for i, c in enumerate(data.categories)]
    sheets += [("Scores", data.scores), ("Judges", data.judges), ("Conflicts", data.conflicts)]
    for name, frame in sheets:
        sheet = book.create_sheet(name)
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False, name=None):
            sheet.append([None if isinstance(v, float) and v != v else v for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def best_of(repeat: int, action):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return min(times), result


def measure_scale(name: str, repeat: int) -> dict:
    from awards_app import workbook

    scale = SCALES[name]
    scores, criteria = synthetic_round(**scale)
    ranking_s, (table, _totals, judges, _alpha, _agreement) = best_of(repeat, lambda: compute(scores, criteria))
    data = workbook_data(scores, table, judges)
    workbook_s, book = best_of(repeat, lambda: workbook.build_workbook(data))
    bare_s, bare = best_of(repeat, lambda: bare_dump(data))
    result = {
        "scale": name,
        "scores": len(scores),
        "nominations": scale["nominations"],
        "judges": scale["judges"],
        "ranking_s": ranking_s,
        "workbook_s": workbook_s,
        "bare_s": bare_s,
        "workbook_bytes": len(book),
        "bare_bytes": len(bare),
    }
    if name in ("real", "quick"):
        result.update(whole_export(scale, repeat))
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def whole_export(scale: dict, repeat: int) -> dict:
    """The real path: a temporary SQLite database with the round, exported by the service the page uses."""
    import sqlalchemy as sa

    with tempfile.TemporaryDirectory() as folder:
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite"
        os.environ["UPLOAD_FOLDER"] = f"{folder}/uploads"
        from awards_app import create_app
        from awards_app.extensions import db
        from awards_app.services import results as results_service

        app = create_app("testing")
        with app.app_context():
            db.create_all()
            round_ = _seed_database(scale)
            queries = []
            sa.event.listen(db.engine, "before_cursor_execute", lambda *args: queries.append(1))
            seconds, data = best_of(
                repeat, lambda: (db.session.expire_all(), results_service.round_workbook(round_))[1]
            )
            count = len(queries) // repeat
            db.session.remove()
        return {"export_s": seconds, "export_queries": count, "export_bytes": len(data)}


def _seed_database(scale: dict):
    """An edition with one open round, its categories' rubrics, judges, eligible nominations and submitted scores."""
    from awards_app.extensions import db
    from awards_app.models import (
        Assignment,
        Category,
        CategoryKind,
        Edition,
        Nomination,
        NominationStatus,
        Organisation,
        OrganisationType,
        Role,
        RoundMode,
        Score,
        ScoreSheet,
        SheetStatus,
        User,
    )
    from awards_app.services import rounds as rounds_service
    from awards_app.services import rubrics as rubrics_service

    now = datetime.now(UTC)
    edition = Edition(
        name="Benchmark Prize",
        year=2026,
        slug="bench-2026",
        reference_prefix="SSCP",
        time_zone="Asia/Seoul",
        opens_at=now - timedelta(days=60),
        closes_at=now - timedelta(days=30),
    )
    categories = [
        Category(
            edition=edition,
            code=f"C{i}",
            name_en=f"Category {i}",
            name_ko=f"부문 {i}",
            kind=CategoryKind.PROJECT,
            eligible_types=["city", "institution", "corporation"],
            max_per_organisation=500,
            position=i,
        )
        for i in range(1, scale["categories"] + 1)
    ]
    organisation = Organisation(name="Bench City", type=OrganisationType.CITY, country_code="KR", city="Seoul")
    applicant = User(email="applicant@bench.example", name="Applicant", organisation=organisation)
    applicant.grant(Role.APPLICANT)
    secretariat = User(email="staff@bench.example", name="Staff")
    secretariat.grant(Role.SECRETARIAT)
    judges = []
    for j in range(scale["judges"]):
        judge = User(email=f"judge{j}@bench.example", name=f"Judge {j}", country_code="FR")
        judge.grant(Role.JUDGE)
        judges.append(judge)
    db.session.add_all([edition, organisation, applicant, secretariat, *judges])
    db.session.commit()
    round_ = rounds_service.create_round(
        edition,
        rounds_service.RoundInput(
            name="Online evaluation",
            opens_at=now - timedelta(days=20),
            closes_at=now + timedelta(days=5),
            category_ids=[c.id for c in categories],
            judges_per_nomination=scale["per_nomination"],
            mode=RoundMode.SCORING,
            same_country_conflict=False,
            quorum=Decimal("0.5"),
        ),
        secretariat,
    )
    rubric = {c.id: rubrics_service.criteria_of(round_, c) for c in categories}
    generator = random.Random(2026)  # repeatable benchmark data, not a secret
    for n in range(scale["nominations"]):
        category = categories[n % len(categories)]
        nomination = Nomination(
            edition_id=edition.id,
            category=category,
            organisation=organisation,
            created_by=applicant,
            status=NominationStatus.ELIGIBLE,
            answers={},
            title=f"Smart city project {n}",
            reference=f"SSCP-2026-{category.code}-{n:04d}",
            submitted_at=now,
        )
        db.session.add(nomination)
        for k in range(scale["per_nomination"]):
            judge = judges[(n * 7 + k * 3) % len(judges)]
            assignment = Assignment(round=round_, nomination=nomination, judge=judge, no_conflict_declared_at=now)
            sheet = ScoreSheet(assignment=assignment, status=SheetStatus.SUBMITTED, version=2, submitted_at=now)
            sheet.scores = [
                Score(criterion_id=c.id, value=Decimal(generator.randint(3, 10)), comment="")
                for c in rubric[category.id]
            ]
            db.session.add_all([assignment, sheet])
    db.session.commit()
    return round_


def child(name: str, repeat: int) -> None:
    sys.path.insert(0, str(ROOT))
    print(json.dumps(measure_scale(name, repeat)))


def run(names: list[str], repeat: int) -> list[dict]:
    results = []
    for name in names:
        command = [sys.executable, "-m", "benchmarks.results_scale", "--child", name, "--repeat", str(repeat)]
        completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            raise SystemExit(f"{name}: the measuring process failed\n{completed.stderr[-3000:]}")
        results.append(json.loads(completed.stdout.strip().splitlines()[-1]))
    return results


def report(results: list[dict]) -> bool:
    print(
        f"{'scale':<7} {'scores':>8} {'ranking s':>10} {'workbook s':>11} {'bare dump s':>12} {'ratio':>6} "
        f"{'export s':>9} {'queries':>8} {'peak MB':>8}"
    )
    passed = True
    for r in results:
        ratio = r["workbook_s"] / r["bare_s"]
        print(
            f"{r['scale']:<7} {r['scores']:>8,} {r['ranking_s']:>10.3f} {r['workbook_s']:>11.3f} "
            f"{r['bare_s']:>12.3f} {ratio:>6.2f} {r.get('export_s', float('nan')):>9.3f} "
            f"{r.get('export_queries', '-'):>8} {r['peak_mb']:>8.0f}"
        )
    print()
    for r in results:
        checks = []
        if r["scale"] == "150k":
            checks += [
                ("ranking ≤ 2 s", r["ranking_s"] <= 2),
                ("workbook ≤ 2× bare dump", r["workbook_s"] <= 2 * r["bare_s"]),
            ]
        if r["scale"] == "real":
            checks += [("whole export < 1 s", r["export_s"] < 1)]
        checks += [("peak memory < 1 GB", r["peak_mb"] < 1024)]
        for label, ok in checks:
            passed &= ok
            print(f"{r['scale']:<7} {label:<26} {'PASS' if ok else 'FAIL'}")
    return passed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small smoke run instead of the two scales")
    parser.add_argument("--repeat", type=int, default=3, help="timings are the best of this many runs")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.repeat)
        return
    names = ["quick"] if args.quick else ["150k", "real"]
    print(f"{os.cpu_count()} CPUs; timings are the best of {args.repeat}; peak memory is each scale's own process.")
    ok = report(run(names, max(1, args.repeat)))
    sys.exit(0 if ok or args.quick else 1)


if __name__ == "__main__":
    main()
