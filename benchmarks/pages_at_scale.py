"""The secretariat's pages that list nominations or assignments, timed at 5,000 nominations.

Run from the project root:

    .venv/bin/python -m benchmarks.pages_at_scale                    # 5,000 nominations, 30 judges (about 2 min)
    .venv/bin/python -m benchmarks.pages_at_scale --quick            # a smoke run (the test suite runs it)

It builds the demo edition in a temporary SQLite database, then adds the synthetic nominations — most screened
eligible and in the first round, some waiting for screening, a few ineligible — and more judges, so that the
panel has ``--judges`` members. Each eligible nomination gets 3 to 5 judges; of the assignments about 60% are
submitted with scores, 10% are drafts, a few judges declared a conflict, the rest are still to do. Each page is
then requested through the test client of a signed-in secretariat member, once to warm up and ``--repeat`` times
measured; it prints the minimum, median and maximum time, the SQL queries and the table rows of each page.
Any answer but 200 is named and makes the exit status 1.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa

# (label, path template); {round} is the first round, {last} a page number past the middle of its nominations
PAGES = [
    ("rounds", "/secretariat/rounds/"),
    ("round overview", "/secretariat/rounds/{round}"),
    ("round overview, a later page", "/secretariat/rounds/{round}?page={last}"),
    ("assignments", "/secretariat/rounds/{round}/assignments"),
    ("assignments, a later page", "/secretariat/rounds/{round}/assignments?page={last}"),
    ("progress", "/secretariat/rounds/{round}/progress"),
    ("progress, a later page", "/secretariat/rounds/{round}/progress?page={last}"),
    ("progress, missing scores", "/secretariat/rounds/{round}/progress?missing=1"),
    ("conflicts", "/secretariat/rounds/{round}/conflicts"),
    ("nominations", "/secretariat/nominations"),
    ("nominations, to screen", "/secretariat/nominations?status=submitted"),
    ("nominations, eligible, a later page", "/secretariat/nominations?status=eligible&page={last}"),
    ("nominations, search", "/secretariat/nominations?q=demo+city+01"),
]
ROW = re.compile(rb"<tr[ >]")


def build(app, nominations: int, judges: int) -> float:
    """Add the synthetic nominations, judges, assignments and scores; return the seconds it took."""
    from awards_app.demo import seed
    from awards_app.extensions import db
    from awards_app.models import (
        Assignment,
        Conflict,
        Criterion,
        Nomination,
        NominationStatus,
        Role,
        Round,
        RoundMode,
        Score,
        ScoreSheet,
        SheetStatus,
        User,
        UserRole,
    )

    started = time.perf_counter()
    generator = random.Random(10)  # repeatable benchmark data, not a secret
    with app.app_context():
        seed(extra=nominations)
        round_ = db.session.scalars(
            sa.select(Round).where(Round.mode == RoundMode.SCORING).order_by(Round.position)
        ).first()
        panel = db.session.scalars(
            sa.select(User.id).join(User.role_links).where(UserRole.role == Role.JUDGE).order_by(User.id)
        ).all()
        for number in range(len(panel) + 1, judges + 1):
            judge = User(email=f"panel{number:03d}@judges.example", name=f"Panel Judge {number:03d}")
            judge.grant(Role.JUDGE)
            db.session.add(judge)
        db.session.flush()
        panel = db.session.scalars(
            sa.select(User.id).join(User.role_links).where(UserRole.role == Role.JUDGE).order_by(User.id)
        ).all()
        secretariat = db.session.scalar(sa.select(User.id).where(User.email == "secretariat@wego.example"))
        extra = db.session.scalars(
            sa.select(Nomination).where(Nomination.title.like("Demo project %")).order_by(Nomination.id)
        ).all()
        now = datetime.now(UTC)
        in_round = []
        for nomination in extra:
            roll = generator.random()
            if roll < 0.08:
                continue  # still waits for screening
            nomination.status = NominationStatus.INELIGIBLE if roll < 0.10 else NominationStatus.ELIGIBLE
            nomination.screened_at = now
            if nomination.status is NominationStatus.ELIGIBLE:
                in_round.append(nomination)
        db.session.flush()
        criteria = {
            category_id: db.session.scalars(
                sa.select(Criterion.id).where(Criterion.round_id == round_.id, Criterion.category_id == category_id)
            ).all()
            for category_id in {n.category_id for n in in_round}
        }
        rows, conflicts, fate = [], [], {}
        for nomination in in_round:
            for judge in generator.sample(panel, 3 + generator.randrange(3)):
                roll = generator.random()
                fate[(nomination.id, judge)] = roll
                if roll > 0.995:
                    conflicts.append(
                        {
                            "judge_id": judge,
                            "nomination_id": nomination.id,
                            "reason": "Advised the city on the project.",
                            "recorded_by_id": judge,
                            "recorded_at": now,
                        }
                    )
                rows.append(
                    {
                        "round_id": round_.id,
                        "nomination_id": nomination.id,
                        "judge_id": judge,
                        "created_by_id": secretariat,
                        "automatic": True,
                        "no_conflict_declared_at": now if roll < 0.8 else None,
                    }
                )
        db.session.execute(sa.insert(Assignment), rows)
        if conflicts:
            db.session.execute(sa.insert(Conflict), conflicts)
        ids = db.session.execute(
            sa.select(Assignment.id, Assignment.nomination_id, Assignment.judge_id).where(
                Assignment.round_id == round_.id, Assignment.nomination_id.in_([n.id for n in in_round])
            )
        ).all()
        sheets = []
        for assignment_id, nomination_id, judge in ids:
            roll = fate[(nomination_id, judge)]
            if roll < 0.7:
                submitted = roll < 0.6
                sheets.append(
                    {
                        "assignment_id": assignment_id,
                        "status": SheetStatus.SUBMITTED if submitted else SheetStatus.DRAFT,
                        "version": 2,
                        "saved_at": now,
                        "submitted_at": now if submitted else None,
                        "overall_comment": "",
                    }
                )
        db.session.execute(sa.insert(ScoreSheet), sheets)
        category_of = {n.id: n.category_id for n in in_round}
        written = db.session.execute(
            sa.select(ScoreSheet.id, ScoreSheet.status, Assignment.nomination_id)
            .join(ScoreSheet.assignment)
            .where(Assignment.round_id == round_.id, Assignment.nomination_id.in_([n.id for n in in_round]))
        ).all()
        db.session.execute(
            sa.insert(Score),
            [
                {
                    "sheet_id": sheet,
                    "criterion_id": criterion,
                    "value": Decimal(generator.randint(3, 10)),
                    "comment": "",
                }
                for sheet, status, nomination_id in written
                for position, criterion in enumerate(criteria[category_of[nomination_id]])
                if status is SheetStatus.SUBMITTED or position < 3
            ],
        )
        db.session.commit()
    return time.perf_counter() - started


def measure(app, repeat: int) -> dict[str, tuple[list[float], int, int, int]]:
    """(seconds of each measured request, queries, table rows, HTTP status) per page."""
    from awards_app.demo import DEMO_LOGINS, DEMO_PASSWORD
    from awards_app.extensions import db
    from awards_app.models import Nomination, Round, RoundMode

    with app.app_context():
        round_ = db.session.scalars(
            sa.select(Round).where(Round.mode == RoundMode.SCORING).order_by(Round.position)
        ).first()
        eligible = db.session.scalar(sa.select(sa.func.count(Nomination.id)).where(Nomination.status == "eligible"))
        values = {"round": round_.id, "last": max(1, eligible // 100 // 2 + 1)}
        engine = db.engine
    client = app.test_client()
    client.post("/auth/login", data={"email": DEMO_LOGINS["secretariat"], "password": DEMO_PASSWORD})
    counted: list[int] = []

    def count(*_args):
        counted.append(1)

    results = {}
    for label, template in PAGES:
        path = template.format(**values)
        client.get(path)  # warm up: templates compiled, caches filled
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - started)
        counted.clear()
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            response = client.get(path)
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        results[label] = (times, len(counted), len(ROW.findall(response.data)), response.status_code)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nominations", type=int, default=5000, help="synthetic nominations (default 5,000)")
    parser.add_argument("--judges", type=int, default=30, help="the panel's size (default 30)")
    parser.add_argument("--repeat", type=int, default=7, help="measured requests per page (default 7)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 60 nominations, 2 requests per page")
    args = parser.parse_args()
    if args.quick:
        args.nominations, args.repeat = 60, 2
    with tempfile.TemporaryDirectory() as folder:
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/pages.sqlite"
        from awards_app import create_app
        from awards_app.extensions import db

        app = create_app(
            "testing",
            {
                "SQLALCHEMY_DATABASE_URI": os.environ["DATABASE_URL"],
                "UPLOAD_FOLDER": f"{folder}/uploads",
                "PREVIEW_FOLDER": f"{folder}/previews",
                "MAIL_OUTBOX": f"{folder}/outbox",
                "UNCERTAINTY_AUTOSTART": False,
            },
        )
        with app.app_context():
            db.create_all()
        seconds = build(app, args.nominations, args.judges)
        results = measure(app, args.repeat)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    print(
        f"Secretariat pages at {args.nominations:,} synthetic nominations and {args.judges} judges "
        f"(built in {seconds:.0f} s); {args.repeat} requests each after one to warm up, in ms."
    )
    print(f"{'page':<38} {'min':>7} {'median':>7} {'max':>7} {'queries':>8} {'rows':>6}")
    failed = []
    for label, (times, queries, rows, status) in results.items():
        ms = [t * 1000 for t in times]
        note = "" if status == 200 else f"  HTTP {status}"
        if status != 200:
            failed.append(label)
        print(f"{label:<38} {min(ms):>7.0f} {statistics.median(ms):>7.0f} {max(ms):>7.0f} {queries:>8} {rows:>6}{note}")
    slowest = max(max(times) for times, *_rest in results.values()) * 1000
    print()
    print(f"Slowest answer: {slowest:,.0f} ms.")
    if failed:
        print(f"Pages that did not answer 200: {', '.join(failed)}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
