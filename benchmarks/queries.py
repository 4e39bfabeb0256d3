"""SQL queries per page for the main pages, at demo size and at 5,000 nominations: they must not grow with rows.

Run from the project root:

    .venv/bin/python -m benchmarks.queries                    # demo size, then 5,000 nominations
    .venv/bin/python -m benchmarks.queries --nominations 300  # a smaller second size

It builds the demo edition in a temporary SQLite database, counts the queries each page makes (an SQLAlchemy
``before_cursor_execute`` listener around one request of a signed-in test client), then adds the synthetic
nominations — screened eligible, in the first round, five judges each with submitted scores — and counts again.
A page whose count grows with the data is listed as GROWS (an N+1 query); the exit status is then 1.

Each page is counted with the results the process keeps forgotten (``services.results_cache``): as the first request
after a change of the data, the one that makes the most queries, at both sizes alike.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa

PAGES = [
    # (who, label, path template); {nomination}, {round}, {assignment}, {own} are filled in from the data
    (None, "home", "/"),
    ("applicant", "my nominations", "/nominations/"),
    ("applicant", "my nomination", "/nominations/{own}"),
    ("judge", "my assignments", "/judging/"),
    ("judge", "score sheet", "/judging/assignments/{assignment}"),
    ("secretariat", "overview", "/secretariat/"),
    ("secretariat", "nominations (screening)", "/secretariat/nominations"),
    ("secretariat", "nomination detail", "/secretariat/nominations/{nomination}"),
    ("secretariat", "round", "/secretariat/rounds/{round}"),
    ("secretariat", "assignments", "/secretariat/rounds/{round}/assignments"),
    ("secretariat", "progress", "/secretariat/rounds/{round}/progress"),
    ("secretariat", "conflicts", "/secretariat/rounds/{round}/conflicts"),
    ("secretariat", "results", "/secretariat/rounds/{round}/results"),
    ("secretariat", "results workbook", "/secretariat/rounds/{round}/results.xlsx"),
    ("secretariat", "people", "/secretariat/people"),
    ("secretariat", "audit trail", "/secretariat/audit"),
]
ROW = re.compile(rb"<tr[ >]")


def _logins() -> dict[str, str]:
    from awards_app.demo import DEMO_LOGINS

    return {
        "applicant": DEMO_LOGINS["applicant"],
        "judge": DEMO_LOGINS["judge"],
        "secretariat": DEMO_LOGINS["secretariat"],
    }


def measure(app) -> dict[str, tuple[int, int, int]]:
    """(queries, rows shown, HTTP status) per page."""
    from awards_app.demo import DEMO_PASSWORD
    from awards_app.extensions import db
    from awards_app.models import Assignment, Nomination, Round, RoundMode, User

    logins = _logins()
    with app.app_context():
        round_ = db.session.scalars(
            sa.select(Round).where(Round.mode == RoundMode.SCORING).order_by(Round.position)
        ).first()
        judge = db.session.scalar(sa.select(User).where(User.email == logins["judge"]))
        applicant = db.session.scalar(sa.select(User).where(User.email == logins["applicant"]))
        values = {
            "round": round_.id,
            "assignment": db.session.scalar(
                sa.select(Assignment.id)
                .where(Assignment.judge_id == judge.id, Assignment.round_id == round_.id)
                .order_by(Assignment.id)
            ),
            "nomination": db.session.scalar(
                sa.select(Nomination.id).where(Nomination.reference.is_not(None)).order_by(Nomination.id)
            ),
            "own": db.session.scalar(
                sa.select(Nomination.id)
                .where(Nomination.organisation_id == applicant.organisation_id)
                .order_by(Nomination.id)
            ),
        }
        engine = db.engine
    counted: list[int] = []

    def count(*_args):
        counted.append(1)

    results = {}
    clients = {}
    for who, label, template in PAGES:
        if who not in clients:
            client = app.test_client()
            if who:
                client.post("/auth/login", data={"email": logins[who], "password": DEMO_PASSWORD})
            clients[who] = client
        path = template.format(**values)
        from awards_app.services import results_cache

        results_cache.forget_computed()
        counted.clear()
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            response = clients[who].get(path)
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        rows = len(ROW.findall(response.data)) if response.mimetype == "text/html" else 0
        results[label] = (len(counted), rows, response.status_code)
    return results


def grow(app, nominations: int, per_nomination: int = 5) -> float:
    """Add synthetic nominations, eligible and in the first round, each scored by ``per_nomination`` judges."""
    from awards_app.demo import seed
    from awards_app.extensions import db
    from awards_app.models import (
        Assignment,
        Criterion,
        Nomination,
        NominationStatus,
        Round,
        RoundMode,
        Score,
        ScoreSheet,
        SheetStatus,
        User,
        UserRole,
    )

    started = time.perf_counter()
    with app.app_context():
        seed(extra=nominations)
        round_ = db.session.scalars(
            sa.select(Round).where(Round.mode == RoundMode.SCORING).order_by(Round.position)
        ).first()
        extra = db.session.scalars(sa.select(Nomination).where(Nomination.title.like("Demo project %"))).all()
        judges = db.session.scalars(
            sa.select(User.id).join(User.role_links).where(UserRole.role == "judge").order_by(User.id)
        ).all()
        now = datetime.now(UTC)
        generator = random.Random(5)  # repeatable benchmark data, not a secret
        for nomination in extra:
            nomination.status = NominationStatus.ELIGIBLE
            nomination.screened_at = now
        db.session.flush()
        criteria = {}
        for nomination in extra:
            if nomination.category_id not in criteria:
                criteria[nomination.category_id] = db.session.scalars(
                    sa.select(Criterion.id).where(
                        Criterion.round_id == round_.id, Criterion.category_id == nomination.category_id
                    )
                ).all()
        assignments = []
        for index, nomination in enumerate(extra):
            for k in range(per_nomination):
                assignments.append(
                    {
                        "round_id": round_.id,
                        "nomination_id": nomination.id,
                        "judge_id": judges[(index * 3 + k * 5) % len(judges)],
                        "no_conflict_declared_at": now,
                    }
                )
        unique = {(a["nomination_id"], a["judge_id"]): a for a in assignments}
        db.session.execute(sa.insert(Assignment), list(unique.values()))
        ids = db.session.execute(
            sa.select(Assignment.id, Assignment.nomination_id).where(
                Assignment.nomination_id.in_([n.id for n in extra])
            )
        ).all()
        category_of = {n.id: n.category_id for n in extra}
        db.session.execute(
            sa.insert(ScoreSheet),
            [
                {
                    "assignment_id": a,
                    "status": SheetStatus.SUBMITTED,
                    "version": 2,
                    "saved_at": now,
                    "submitted_at": now,
                    "overall_comment": "",
                }
                for a, _n in ids
            ],
        )
        sheets = db.session.execute(
            sa.select(ScoreSheet.id, Assignment.nomination_id)
            .join(ScoreSheet.assignment)
            .where(Assignment.nomination_id.in_([n.id for n in extra]))
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
                for sheet, nomination_id in sheets
                for criterion in criteria[category_of[nomination_id]]
            ],
        )
        db.session.commit()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nominations", type=int, default=5000, help="the synthetic nominations of the large size")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/queries.sqlite"
        from awards_app import create_app
        from awards_app.demo import seed
        from awards_app.extensions import db

        app = create_app(
            "testing",
            {
                "SQLALCHEMY_DATABASE_URI": os.environ["DATABASE_URL"],
                "UPLOAD_FOLDER": f"{folder}/uploads",
                "PREVIEW_FOLDER": f"{folder}/previews",
                "MAIL_OUTBOX": f"{folder}/outbox",
            },
        )
        with app.app_context():
            db.create_all()
            seed()
        small = measure(app)
        seconds = grow(app, args.nominations)
        large = measure(app)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    print(
        f"Queries per page: the demo edition, then {args.nominations:,} more nominations (eligible, five judges "
        f"each, scores submitted; built in {seconds:.0f} s)."
    )
    print(f"{'page':<26} {'queries (demo)':>15} {'queries (large)':>16} {'rows (demo)':>12} {'rows (large)':>13}  ")
    growing = []
    for label in small:
        q1, r1, s1 = small[label]
        q2, r2, s2 = large[label]
        verdict = "ok" if q2 <= q1 else "GROWS"
        if verdict != "ok":
            growing.append(label)
        status = "" if s1 == s2 == 200 else f" (HTTP {s1}/{s2})"
        print(f"{label:<26} {q1:>15} {q2:>16} {r1:>12} {r2:>13}  {verdict}{status}")
    print()
    print(
        "No page's query count grows with the rows it shows."
        if not growing
        else f"Pages whose query count grows: {', '.join(growing)}"
    )
    sys.exit(1 if growing else 0)


if __name__ == "__main__":
    main()
