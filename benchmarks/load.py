"""The last day of a round: judges scoring and applicants saving drafts and uploading, all at once, over HTTP.

Run from the project root (as root: it starts a throwaway PostgreSQL with Debian's postgresql-15):

    .venv/bin/python -m benchmarks.load --runs 3     # 100 judges + 50 applicants, then twice that; 3 runs (~8 min)
    .venv/bin/python -m benchmarks.load              # one run of each
    .venv/bin/python -m benchmarks.load --think 0 --seconds 20 --scales 1   # no pauses: the capacity
    .venv/bin/python -m benchmarks.load --quick      # a few seconds on SQLite, for a smoke run

Each run migrates an empty database and creates an open round whose nominations each have three judges, and
the judges and applicants; serves the app with gunicorn in its production configuration (loopback only); signs
everyone in; then for the measured window drives every person from one asyncio event loop, each with its own
connection, cookies and CSRF tokens, like a browser:

- a judge opens the assignment list, opens the next nomination, declares no conflict, autosaves the score
  sheet three times (as scoring.js does while the judge types) and submits it; once done it keeps opening its
  assignments;
- an applicant opens its draft and saves it again and again with new text, with a small PDF every fifth save.

Between two requests a person pauses a random 0.5–1.5 × the think time (3 s for judges, twice that for
applicants). Afterwards it checks the database against what every client was told: each submitted sheet holds
exactly the scores sent, each sheet autosaved and not submitted holds the last autosaved scores and comment, no
other sheet is submitted, each draft holds the last text saved, each acknowledged upload is there once.

Per run it prints requests, errors, anything lost, latency p50/p95/p99 (sign-in excluded: it happens before the
window), the autosave's p95, and how much CPU the load generator, the app's workers and PostgreSQL used over the
window: the generator must stay a small share of a core, or it, not the app, would be what is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import secrets
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.harness import (
    TOKEN,
    VERSION,
    Browser,
    Busy,
    Postgres,
    Server,
    Stats,
    call_in_app,
    environment,
    load_average,
    machine_speed,
    percentile,
    small_pdf,
    spread,
)

PASSWORD = "load-test-password-2026"
#: Issue 10's targets, in seconds, at the first scale (100 judges + 50 applicants) and at twice that.
P95_TARGET = 0.25
AUTOSAVE_P95_TARGET = 0.15


# --- the people ------------------------------------------------------------------------------------------------


@dataclass
class Sent:
    """What the clients were told was saved: the result check compares the database with it."""

    autosaved: dict[int, dict] = field(default_factory=dict)  # assignment -> last acknowledged scores and comment
    submitted: dict[int, dict[str, str]] = field(default_factory=dict)  # assignment -> criterion -> score
    drafts: dict[int, str] = field(default_factory=dict)  # nomination -> last summary saved
    uploads: Counter = field(default_factory=Counter)  # nomination -> uploads acknowledged


class WindowClosed(Exception):
    """The measured window is over: the person stops where they are."""


@dataclass
class Person:
    """A browser and the person's pace: between two requests a random 0.5–1.5 × their think time."""

    browser: Browser
    think: float
    deadline: float
    rng: random.Random

    async def arrive(self) -> None:
        await asyncio.sleep(self.rng.uniform(0, 2 * self.think))  # people do not all click at the same instant

    async def pause(self) -> None:
        await asyncio.sleep(self.think * self.rng.uniform(0.5, 1.5))
        if time.monotonic() >= self.deadline:
            raise WindowClosed


async def judge(person: Person, email: str, work: list[int], criteria: list[int], sent: Sent) -> None:
    browser, stats, pause = person.browser, person.browser.stats, person.pause
    await person.arrive()
    todo = list(work)
    while True:
        await browser.get("/judging/", "assignment list")
        await pause()
        if not todo:
            await browser.get(f"/judging/assignments/{person.rng.choice(work)}", "open a done assignment")
            await pause()
            continue
        assignment = todo.pop(0)
        url = f"/judging/assignments/{assignment}"
        page = (await browser.get(url, "open a nomination")).text
        await pause()
        token = TOKEN.search(page)
        if 'name="declaration"' in page and token:
            await browser.post(f"{url}/declaration", {"declaration": "none", "csrf_token": token.group(1)}, "declare")
            await pause()
            page = (await browser.get(url, "open the score sheet")).text
            await pause()
            token = TOKEN.search(page)
        version = VERSION.search(page)
        if not token or not version:
            stats.errors["score sheet without token or version"] += 1
            continue
        scores: dict[int, str] = {}
        current = int(version.group(1))
        for typing in range(3):
            for criterion in criteria:
                if person.rng.random() < 0.6 or criterion not in scores:
                    scores[criterion] = str(person.rng.randint(1, 10))
            comment = f"draft {typing} of {email}"
            fields = {f"score_{c}": v for c, v in scores.items()} | {
                "version": str(current),
                "save": "1",
                "overall_comment": comment,
            }
            answer = await browser.post(
                f"{url}/autosave", fields, "autosave", {"X-CSRFToken": token.group(1), "Accept": "application/json"}
            )
            if answer.status == 200 and (saved := json.loads(answer.body)).get("saved"):
                current = saved["version"]
                sent.autosaved[assignment] = {"scores": {str(c): v for c, v in scores.items()}, "comment": comment}
            await pause()
        fields = {f"score_{c}": v for c, v in scores.items()} | {
            "version": str(current),
            "submit_scores": "1",
            "overall_comment": "final",
            "csrf_token": token.group(1),
        }
        answer = await browser.post(url, fields, "submit scores")
        if answer.status in (302, 303):
            sent.submitted[assignment] = {str(c): v for c, v in scores.items()}
        await pause()


async def applicant(person: Person, nomination: int, sent: Sent, pdf: bytes) -> None:
    browser, stats, pause = person.browser, person.browser.stats, person.pause
    await person.arrive()
    url = f"/nominations/{nomination}/edit"
    saves = 0
    while True:
        page = (await browser.get(url, "open the draft")).text
        await pause()
        token, version = TOKEN.search(page), VERSION.search(page)
        if not token or not version:
            stats.errors["draft without token or version"] += 1
            continue
        saves += 1
        summary = f"Save number {saves} of this draft: {secrets.token_hex(6)}"
        fields = {
            "title": f"Load test project {nomination}",
            "summary": summary,
            "csrf_token": token.group(1),
            "version": version.group(1),
        }
        if saves % 5 == 0:
            answer = await browser.post_file(url, fields | {"upload": "1"}, f"plan-{saves}.pdf", pdf, "save and upload")
            if answer.status in (302, 303):
                sent.uploads[nomination] += 1
        else:
            answer = await browser.post(url, fields | {"save": "1"}, "save draft")
        if answer.status in (302, 303):
            sent.drafts[nomination] = summary
        await pause()


async def drive(port: int, data: dict, seconds: float, think: float, busy: Busy) -> tuple[Stats, Sent]:
    """Sign everyone in, then let them all work for the window; return what happened."""
    stats, sent = Stats(), Sent()
    judges = sorted(data["work"].items())
    applicants = sorted(data["drafts"].items())
    browsers = {email: Browser(port, stats) for email, _ in judges + applicants}
    few_at_a_time = asyncio.Semaphore(8)

    async def sign_in(email: str) -> None:
        async with few_at_a_time:
            if not await browsers[email].sign_in(email, PASSWORD):
                stats.errors[f"sign-in of {email} refused"] += 1

    async def until_closed(work) -> None:
        with contextlib.suppress(WindowClosed):
            await work

    await asyncio.gather(*(sign_in(email) for email in browsers))
    pdf = small_pdf("Load test plan")
    with busy:
        deadline = time.monotonic() + seconds
        people = [
            judge(Person(browsers[email], think, deadline, random.Random(index)), email, work, data["criteria"], sent)
            for index, (email, work) in enumerate(judges)
        ] + [
            # typing a paragraph takes longer than choosing a score
            applicant(Person(browsers[email], 2 * think, deadline, random.Random(1000 + index)), nomination, sent, pdf)
            for index, (email, nomination) in enumerate(applicants)
        ]
        outcomes = await asyncio.gather(*(until_closed(person) for person in people), return_exceptions=True)
    for browser in browsers.values():
        browser.close()
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            stats.errors[f"client failed: {outcome!r}"] += 1
    return stats, sent


# --- the data and the check ------------------------------------------------------------------------------------


def create_data(judges: int, applicants: int, per_judge: int) -> dict:
    """Inside the app: migrate the empty database, then an open round with its rubric, the judges, three judges
    per nomination, and applicants with drafts."""
    from datetime import UTC, datetime, timedelta
    from decimal import Decimal

    from flask_migrate import upgrade
    from werkzeug.security import generate_password_hash

    from awards_app import create_app
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
        User,
    )
    from awards_app.services import rounds as rounds_service
    from awards_app.services import rubrics as rubrics_service

    app = create_app()
    with app.app_context():
        upgrade()
        now = datetime.now(UTC)
        edition = Edition(
            name="Load Prize",
            year=2026,
            slug="load-2026",
            reference_prefix="SSCP",
            time_zone="Asia/Seoul",
            opens_at=now - timedelta(days=10),
            closes_at=now + timedelta(days=5),
        )
        category = Category(
            edition=edition,
            code="TI",
            name_en="Tech-InnovaCity",
            name_ko="기술혁신",
            kind=CategoryKind.PROJECT,
            eligible_types=["city"],
            max_per_organisation=5,
            position=1,
        )
        # One quick hash for everyone: signing in happens before the measured window, and hundreds of scrypt
        # checks would only make the wait for it longer.
        digest = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        staff = User(email="staff@load.example", name="Staff", password_hash=digest)
        staff.grant(Role.SECRETARIAT)
        panel = []
        for j in range(judges):
            person = User(
                email=f"judge{j:03d}@load.example",
                name=f"Judge {j:03d}",
                password_hash=digest,
                country_code="FR",
                time_zone="Europe/Paris",
            )
            person.grant(Role.JUDGE)
            panel.append(person)
        db.session.add_all([edition, staff, *panel])
        db.session.commit()
        round_ = rounds_service.create_round(
            edition,
            rounds_service.RoundInput(
                name="Online evaluation",
                opens_at=now - timedelta(days=2),
                closes_at=now + timedelta(days=2),
                category_ids=[category.id],
                judges_per_nomination=3,
                mode=RoundMode.SCORING,
                same_country_conflict=False,
                quorum=Decimal("0.5"),
            ),
            staff,
        )
        criteria = [c.id for c in rubrics_service.criteria_of(round_, category)]
        nominations = max(1, judges * per_judge // 3)
        owner_org = Organisation(name="Candidate City", type=OrganisationType.CITY, country_code="KE", city="Nairobi")
        owner = User(email="owner@load.example", name="Owner", organisation=owner_org, password_hash=digest)
        owner.grant(Role.APPLICANT)
        db.session.add_all([owner_org, owner])
        entries = [
            Nomination(
                edition_id=edition.id,
                category=category,
                organisation=owner_org,
                created_by=owner,
                status=NominationStatus.ELIGIBLE,
                answers={},
                title=f"Candidate {n}",
                reference=f"SSCP-2026-TI-{n + 1:04d}",
                submitted_at=now,
            )
            for n in range(nominations)
        ]
        db.session.add_all(entries)
        db.session.flush()
        assignments = []
        for n, nomination in enumerate(entries):
            for k in range(3):
                person = panel[(n * 3 + k) % len(panel)]
                assignments.append(Assignment(round_id=round_.id, nomination_id=nomination.id, judge_id=person.id))
        db.session.add_all(assignments)
        db.session.flush()
        emails = {person.id: person.email for person in panel}
        work: dict[str, list[int]] = {}
        for assignment in assignments:
            work.setdefault(emails[assignment.judge_id], []).append(assignment.id)
        drafts = {}
        for a in range(applicants):
            organisation = Organisation(
                name=f"Applicant City {a:03d}", type=OrganisationType.CITY, country_code="KE", city=f"City {a:03d}"
            )
            user = User(
                email=f"applicant{a:03d}@load.example",
                name=f"Applicant {a:03d}",
                organisation=organisation,
                password_hash=digest,
            )
            user.grant(Role.APPLICANT)
            draft = Nomination(
                edition_id=edition.id,
                category=category,
                organisation=organisation,
                created_by=user,
                status=NominationStatus.DRAFT,
                answers={"title": "Draft"},
                title="Draft",
            )
            db.session.add_all([organisation, user, draft])
            db.session.flush()
            drafts[user.email] = draft.id
        db.session.commit()
        return {"work": work, "criteria": criteria, "drafts": drafts}


def database_state() -> dict:
    """Inside the app: every score sheet with its status, comment and scores; drafts' summaries; attachments."""
    import sqlalchemy as sa

    from awards_app import create_app
    from awards_app.extensions import db
    from awards_app.models import Attachment, Nomination, NominationStatus, Score, ScoreSheet

    app = create_app()
    with app.app_context():
        sheets: dict[int, dict] = {}
        for sheet in db.session.scalars(sa.select(ScoreSheet)):
            sheets[sheet.assignment_id] = {"status": sheet.status.value, "comment": sheet.overall_comment, "scores": {}}
        rows = db.session.execute(
            sa.select(ScoreSheet.assignment_id, Score.criterion_id, Score.value).join(
                Score, Score.sheet_id == ScoreSheet.id
            )
        ).all()
        for assignment, criterion, value in rows:
            sheets[assignment]["scores"][str(criterion)] = str(int(value)) if value is not None else ""
        duplicates = db.session.scalar(
            sa.select(sa.func.count()).select_from(
                sa.select(Score.sheet_id)
                .group_by(Score.sheet_id, Score.criterion_id)
                .having(sa.func.count() > 1)
                .subquery()
            )
        )
        drafts = {
            n.id: (n.answers or {}).get("summary", "")
            for n in db.session.scalars(sa.select(Nomination).where(Nomination.status == NominationStatus.DRAFT))
        }
        attachments = dict(
            db.session.execute(
                sa.select(Attachment.nomination_id, sa.func.count()).group_by(Attachment.nomination_id)
            ).all()
        )
    return {"sheets": sheets, "duplicate_scores": duplicates, "drafts": drafts, "attachments": attachments}


def check(state: dict, sent: Sent) -> tuple[int, list[str]]:
    """Compare the database with what the clients were told was saved: (values lost, every problem)."""
    problems, lost = [], 0
    sheets = {int(k): v for k, v in state["sheets"].items()}
    for assignment, scores in sent.submitted.items():
        stored = sheets.get(assignment)
        if stored is None or stored["status"] != "submitted" or stored["scores"] != scores:
            lost += 1
            problems.append(f"assignment {assignment}: submitted {scores}, the database holds {stored}")
    for assignment, saved in sent.autosaved.items():
        if assignment in sent.submitted:
            continue
        stored = sheets.get(assignment)
        if stored is None or stored["scores"] != saved["scores"] or stored["comment"] != saved["comment"]:
            lost += 1
            problems.append(f"assignment {assignment}: autosaved {saved}, the database holds {stored}")
    extra = {a for a, sheet in sheets.items() if sheet["status"] == "submitted"} - set(sent.submitted)
    if extra:
        problems.append(f"{len(extra)} submitted sheets no client submitted")
    if state["duplicate_scores"]:
        problems.append(f"{state['duplicate_scores']} sheets hold a criterion twice")
    drafts = {int(k): v for k, v in state["drafts"].items()}
    for nomination, summary in sent.drafts.items():
        if drafts.get(nomination) != summary:
            lost += 1
            problems.append(f"nomination {nomination}: the draft does not hold the last text saved")
    attachments = {int(k): v for k, v in state["attachments"].items()}
    for nomination in set(attachments) | set(sent.uploads):
        stored, acknowledged = attachments.get(nomination, 0), sent.uploads.get(nomination, 0)
        if stored != acknowledged:
            lost += max(0, acknowledged - stored)
            problems.append(f"nomination {nomination}: {stored} attachments for {acknowledged} acknowledged uploads")
    return lost, problems


# --- a run -------------------------------------------------------------------------------------------------------


@dataclass
class Run:
    label: str
    number: int
    judges: int
    applicants: int
    requests: int
    seconds: float
    p50: float
    p95: float
    p99: float
    autosave_p95: float
    errors: int
    lost: int
    generator_share: float
    busy: str

    @property
    def met(self) -> bool:
        autosave_ok = self.autosave_p95 < AUTOSAVE_P95_TARGET or self.label != "×1"
        return self.p95 < P95_TARGET and autosave_ok and not self.errors and not self.lost


def one_run(options, postgres: Postgres | None, scale: int, number: int, folder: Path) -> Run:
    judges, applicants = options.judges * scale, options.applicants * scale
    name = f"load_{number}_{scale}"
    url = postgres.database(name) if postgres else f"sqlite:///{folder / name}.sqlite3"
    env = environment(url, folder)
    data = call_in_app(env, "benchmarks.load:create_data", judges, applicants, options.per_judge)
    print(
        f"\n{judges} judges + {applicants} applicants, run {number}: load average before {load_average()}",
        flush=True,
    )
    server = Server("wsgi:app", env, folder, options.workers, options.threads, warm="/auth/login")
    try:
        busy = Busy({"app": server.pid, **({"PostgreSQL": postgres.pid} if postgres else {})})
        stats, sent = asyncio.run(drive(server.port, data, options.seconds, options.think, busy))
    finally:
        server.stop()
    lost, problems = check(call_in_app(env, "benchmarks.load:database_state"), sent)
    times, seconds = stats.all_times, busy.wall
    run = Run(
        label=f"×{scale}",
        number=number,
        judges=judges,
        applicants=applicants,
        requests=len(times),
        seconds=seconds,
        p50=percentile(times, 0.50),
        p95=percentile(times, 0.95),
        p99=percentile(times, 0.99),
        autosave_p95=percentile(stats.times.get("autosave", []), 0.95),
        errors=sum(stats.errors.values()),
        lost=lost,
        generator_share=busy.own / busy.wall,
        busy=busy.describe(),
    )
    locked = server.log().count("database is locked")
    print(f"  {server.description}, think time {options.think} s, {options.seconds:.0f} s window")
    print(f"  requests {run.requests:,} in {seconds:.1f} s ({run.requests / seconds:.1f}/s)")
    print(
        f"  latency p50 {1000 * run.p50:.0f} ms, p95 {1000 * run.p95:.0f} ms, p99 {1000 * run.p99:.0f} ms; "
        f"autosave p95 {1000 * run.autosave_p95:.0f} ms (sign-in excluded)"
    )
    for kind, values in sorted(stats.times.items()):
        print(
            f"    {kind:<24} {len(values):>6}   p50 {1000 * percentile(values, 0.5):>5.0f} ms"
            f"   p95 {1000 * percentile(values, 0.95):>5.0f} ms   p99 {1000 * percentile(values, 0.99):>5.0f} ms"
        )
    print(f"  errors {run.errors}" + (f" {dict(stats.errors)}" if stats.errors else ""))
    kept = (
        f"{len(sent.submitted)} sheets submitted, {len(set(sent.autosaved) - set(sent.submitted))} left autosaved, "
        f"{len(sent.drafts)} drafts, {sum(sent.uploads.values())} uploads"
    )
    print(
        f"  lost {lost}: "
        + ("every value sent is in the database exactly once, nothing else" if not problems else "FAILED")
        + f" ({kept})"
    )
    for problem in problems[:20]:
        print("    " + problem)
    if locked:
        print(f"  'database is locked' {locked} times in the server's log")
    print(f"  CPU over the window: {run.busy}", flush=True)
    return run


def summary(runs: list[Run]) -> bool:
    """Print the runs side by side and the spread per scale; True when every run met its targets."""
    print(f"\n{'people':<28} {'run':>3} {'requests':>8} {'req/s':>6} {'p50':>5} {'p95':>5} {'p99':>5} ", end="")
    print(f"{'autosave p95':>12} {'errors':>6} {'lost':>4}  load generator")
    for run in runs:
        print(
            f"{run.judges:>3} judges + {run.applicants:>3} applicants {run.number:>6} {run.requests:>8,}"
            f" {run.requests / run.seconds:>6.1f} {1000 * run.p50:>5.0f} {1000 * run.p95:>5.0f} {1000 * run.p99:>5.0f}"
            f" {1000 * run.autosave_p95:>12.0f} {run.errors:>6} {run.lost:>4}"
            f"  {100 * run.generator_share:.1f}% of a core"
        )
    everything_met = True
    for label in dict.fromkeys(run.label for run in runs):
        mine = [run for run in runs if run.label == label]
        print(f"\n{mine[0].judges} judges + {mine[0].applicants} applicants, {len(mine)} run(s): min–max (median)")
        figures = {
            "p50, ms": [1000 * r.p50 for r in mine],
            "p95, ms": [1000 * r.p95 for r in mine],
            "p99, ms": [1000 * r.p99 for r in mine],
            "autosave p95, ms": [1000 * r.autosave_p95 for r in mine],
            "requests/s": [r.requests / r.seconds for r in mine],
            "load generator, % of a core": [100 * r.generator_share for r in mine],
        }
        for name, values in figures.items():
            print(f"  {name:<28} {spread(values, 1 if '/' in name or '%' in name else 0)}")
        print(f"  {'errors, lost':<28} {sum(r.errors for r in mine)}, {sum(r.lost for r in mine)}")
        autosave = f", autosave p95 < {1000 * AUTOSAVE_P95_TARGET:.0f} ms" if label == "×1" else ""
        verdicts = ", ".join("met" if r.met else "NOT met" for r in mine)
        print(f"  targets (p95 < {1000 * P95_TARGET:.0f} ms{autosave}, no errors, nothing lost) per run: {verdicts}")
        everything_met &= all(r.met for r in mine)
    return everything_met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["postgres", "sqlite"], help="postgres, or sqlite with --quick")
    parser.add_argument("--judges", type=int, default=100)
    parser.add_argument("--applicants", type=int, default=50)
    parser.add_argument(
        "--scales", default="1,2", help="multiples of --judges and --applicants to run, in order (default 1,2)"
    )
    parser.add_argument("--runs", type=int, default=1, help="consecutive runs of every scale; the spread is printed")
    parser.add_argument("--seconds", type=float, default=60, help="the measured window of each run")
    parser.add_argument("--per-judge", type=int, default=6, help="assignments per judge")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--think",
        type=float,
        default=3.0,
        help="seconds a judge takes between two requests on average (applicants twice that); 0 for a stress test",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: 4 judges + 2 applicants, 4 s, one scale (SQLite unless --db postgres)",
    )
    options = parser.parse_args()
    options.db = options.db or ("sqlite" if options.quick else "postgres")
    if options.quick:
        options.judges, options.applicants, options.seconds, options.think = 4, 2, 4, 0.2
        options.scales, options.workers, options.threads = "1", 2, 4
    scales = [int(scale) for scale in options.scales.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="awards-load."))
    postgres = Postgres() if options.db == "postgres" else None
    runs: list[Run] = []
    try:
        if postgres:
            postgres.start()
        for number in range(1, options.runs + 1):
            for scale in scales:
                runs.append(one_run(options, postgres, scale, number, folder))
    finally:
        if postgres:
            postgres.stop()
        shutil.rmtree(folder, ignore_errors=True)
    met = summary(runs)
    verdict = "every target met" if met else "targets not met"
    print(f"\nload average after {load_average()}; {machine_speed()}; {verdict}")
    # Losing or refusing work is a failure; a slow run is a figure to read, and the exit status does not hide it.
    sys.exit(1 if any(run.errors or run.lost for run in runs) else 0)


if __name__ == "__main__":
    main()
