"""The last day of a round: judges scoring and applicants saving drafts and uploading, all at once, over HTTP.

Run from the project root (as root: it starts a throwaway PostgreSQL with Debian's postgresql-15):

    .venv/bin/python -m benchmarks.load                      # PostgreSQL, 100 judges + 50 applicants, 60 s
    .venv/bin/python -m benchmarks.load --db sqlite --judges 20 --applicants 0
    .venv/bin/python -m benchmarks.load --quick              # a few seconds, for a smoke run

It migrates an empty database, creates an open round whose nominations each have three judges, and the judges
and applicants with passwords; serves the app with gunicorn (production settings, loopback only) and drives it
with one thread per simulated person, each with its own cookies and CSRF tokens, like a browser:

- a judge signs in, then until the time is up: opens the assignment list, opens the next nomination, declares
  no conflict, autosaves the score sheet three times (as scoring.js does while the judge types) and submits it;
  once done it keeps opening its assignments;
- an applicant signs in, then saves its draft again and again with new text, and uploads a small PDF every fifth
  save.

It reports requests per second, latency percentiles (sign-in excluded: it is deliberately slow password
hashing), errors by kind, and the result check: every score sheet a judge submitted is in the database exactly
once with exactly the scores sent, no other sheet is, every draft holds the last text its applicant saved, and
every acknowledged upload is there once. Finally it serves a bare Flask route (benchmarks/bare_app.py) with the
same gunicorn settings and the same client, and quotes the app's throughput as a ratio of it.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "load-test-password-2026"
PGBIN = "/usr/lib/postgresql/15/bin"
TOKEN = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
VERSION = re.compile(r'name="version"[^>]*?value="(\d+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- a browser-like client -----------------------------------------------------------------------------


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter = field(default_factory=Counter)
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float, status: int, what: str, counted: bool = True) -> None:
        with self.lock:
            self.requests += 1
            if counted:
                self.latencies.append(seconds)
                self.by_kind.setdefault(what, []).append(seconds)
            if status >= 400 or status == 0:
                self.errors[f"{what}: HTTP {status}"] += 1


class Browser:
    """One person's connection: keep-alive, cookies (Secure ones too: this is loopback) and timing."""

    def __init__(self, port: int, stats: Stats) -> None:
        self.port, self.stats = port, stats
        self.pause = lambda: None  # the person's thinking and typing between two requests
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict | None = None,
        what: str = "",
        counted: bool = True,
    ) -> tuple[int, bytes, dict]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        for attempt in range(2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt:
                    self.stats.add(time.perf_counter() - started, 0, what or path, counted)
                    return 0, b"", {}
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        self.stats.add(time.perf_counter() - started, response.status, what or path, counted)
        if counted:
            self.pause()
        return response.status, data, dict(response.getheaders())

    def get(self, path: str, what: str = "") -> tuple[int, str]:
        status, data, _ = self.request("GET", path, what=what)
        return status, data.decode("utf-8", "replace")

    def post(self, path: str, fields: dict, what: str = "", headers: dict | None = None, counted: bool = True):
        body = urlencode(fields).encode()
        return self.request(
            "POST", path, body, {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}, what, counted
        )

    def post_file(self, path: str, fields: dict, name: str, data: bytes, what: str = ""):
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="document"; filename="{name}"\r\n'
            f"Content-Type: application/pdf\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request("POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}, what)

    def sign_in(self, email: str) -> bool:
        status, data, _headers = self.request("GET", "/auth/login", what="sign-in page", counted=False)
        page = data.decode("utf-8", "replace")
        token = TOKEN.search(page)
        status, _data, _headers = self.post(
            "/auth/login",
            {"email": email, "password": PASSWORD, "csrf_token": token.group(1) if token else ""},
            "sign in",
            counted=False,
        )
        return status == 302


# --- the people --------------------------------------------------------------------------------------


@dataclass
class Sent:
    """What the clients were told was saved: the result check compares the database with it."""

    submitted: dict[int, dict[int, str]] = field(default_factory=dict)  # assignment -> criterion -> score
    drafts: dict[int, str] = field(default_factory=dict)  # nomination -> last summary saved
    uploads: Counter = field(default_factory=Counter)  # nomination -> uploads acknowledged
    lock: threading.Lock = field(default_factory=threading.Lock)


def judge_session(
    port: int,
    email: str,
    assignments: list[int],
    criteria: dict[int, list[int]],
    window: dict,
    stats: Stats,
    sent: Sent,
    seed: int,
    think: float,
) -> None:
    rng = random.Random(seed)  # repeatable load, not a secret
    browser = Browser(port, stats)
    browser.pause = lambda: time.sleep(think * rng.uniform(0.5, 1.5))
    signed_in = browser.sign_in(email)
    window["barrier"].wait()  # everyone is signed in: the measured minute starts now
    deadline = window["deadline"]
    if not signed_in:
        stats.errors["sign in refused"] += 1
        return
    time.sleep(rng.uniform(0, 2 * think))  # people do not all click at the same instant
    todo = list(assignments)
    while time.monotonic() < deadline:
        browser.get("/judging/", "assignment list")
        if not todo:
            browser.get(f"/judging/assignments/{rng.choice(assignments)}", "open a done assignment")
            continue
        assignment = todo[0]
        url = f"/judging/assignments/{assignment}"
        _status, page = browser.get(url, "open a nomination")
        token = TOKEN.search(page)
        if 'name="declaration"' in page and token:
            browser.post(
                f"{url}/declaration", {"declaration": "none", "csrf_token": token.group(1)}, "declare no conflict"
            )
            _status, page = browser.get(url, "open the score sheet")
            token = TOKEN.search(page)
        version = VERSION.search(page)
        if not token or not version:
            stats.errors["score sheet without token or version"] += 1
            todo.pop(0)
            continue
        ids = criteria[assignment]
        scores: dict[int, str] = {}
        current = int(version.group(1))
        for _typing in range(3):
            for criterion in ids:
                if rng.random() < 0.6 or criterion not in scores:
                    scores[criterion] = str(rng.randint(1, 10))
            fields = {f"score_{c}": v for c, v in scores.items()} | {
                "version": str(current),
                "save": "1",
                "overall_comment": f"draft {current}",
            }
            status, data, _headers = browser.post(
                f"{url}/autosave", fields, "autosave", {"X-CSRFToken": token.group(1), "Accept": "application/json"}
            )
            if status == 200:
                match = re.search(rb'"version":\s*(\d+)', data)
                current = int(match.group(1)) if match else current
            if time.monotonic() >= deadline:
                return
        fields = {f"score_{c}": v for c, v in scores.items()} | {
            "version": str(current),
            "submit_scores": "1",
            "overall_comment": "final",
            "csrf_token": token.group(1),
        }
        status, _data, _headers = browser.post(url, fields, "submit scores")
        if status in (302, 303):
            with sent.lock:
                sent.submitted[assignment] = dict(scores)
        todo.pop(0)


def applicant_session(
    port: int, email: str, nomination: int, window: dict, stats: Stats, sent: Sent, pdf: bytes, think: float, seed: int
) -> None:
    rng = random.Random(seed)  # repeatable load, not a secret
    browser = Browser(port, stats)
    browser.pause = lambda: time.sleep(2 * think * rng.uniform(0.5, 1.5))  # typing a paragraph takes longer
    signed_in = browser.sign_in(email)
    window["barrier"].wait()
    deadline = window["deadline"]
    if not signed_in:
        stats.errors["sign in refused"] += 1
        return
    time.sleep(rng.uniform(0, 2 * think))
    url = f"/nominations/{nomination}/edit"
    saves = 0
    while time.monotonic() < deadline:
        _status, page = browser.get(url, "open the draft")
        token, version = TOKEN.search(page), VERSION.search(page)
        if not token or not version:
            stats.errors["draft without token or version"] += 1
            time.sleep(0.5)
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
            status, _data, _headers = browser.post_file(
                url, fields | {"upload": "1"}, f"plan-{saves}.pdf", pdf, "save and upload"
            )
            acknowledged = status in (302, 303)
            if acknowledged:
                with sent.lock:
                    sent.uploads[nomination] += 1
        else:
            status, _data, _headers = browser.post(url, fields | {"save": "1"}, "save draft")
            acknowledged = status in (302, 303)
        if acknowledged:
            with sent.lock:
                sent.drafts[nomination] = summary


# --- the server and the data ---------------------------------------------------------------------------


class Postgres:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="pg.", dir="/tmp"))
        self.port = free_port()
        shutil.chown(self.root, "postgres", "postgres")

    def _as_postgres(self, command: str) -> None:
        subprocess.run(["su", "postgres", "-c", command], check=True, capture_output=True)  # noqa: S607

    def start(self) -> str:
        self._as_postgres(f"{PGBIN}/initdb -D {self.root}/data -A trust -U postgres -E UTF8 --locale=C.UTF-8")
        self._as_postgres(
            f"{PGBIN}/pg_ctl -D {self.root}/data -o '-p {self.port} -k {self.root} -c "
            f"listen_addresses=127.0.0.1 -c max_connections=200' -l {self.root}/log -w start"
        )
        self._as_postgres(f"{PGBIN}/createdb -h 127.0.0.1 -p {self.port} awards")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/awards"

    def stop(self) -> None:
        subprocess.run(
            ["su", "postgres", "-c", f"{PGBIN}/pg_ctl -D {self.root}/data -m fast -w stop"],  # noqa: S607
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.root, ignore_errors=True)


def environment(database_url: str, folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "FLASK_CONFIG": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": database_url,
        "UPLOAD_FOLDER": str(folder / "uploads"),
        "MAIL_OUTBOX": str(folder / "outbox"),
        "RATELIMIT_ENABLED": "0",
        "FLASK_APP": "wsgi.py",
        # The site's address as production needs it; the clients connect to 127.0.0.1 and say so in Host.
        "EXTERNAL_URL": "https://127.0.0.1",
    }


def prepare(env: dict[str, str], judges: int, applicants: int, per_judge: int) -> dict:
    """Migrate, then create the round, the people and the work, in a child process with the production config."""
    subprocess.run(
        [str(ROOT / ".venv/bin/flask"), "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    code = f"""
import json
from benchmarks.load import create_data
print(json.dumps(create_data({judges}, {applicants}, {per_judge})))
"""
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    import json

    return json.loads(result.stdout.strip().splitlines()[-1])


def create_data(judges: int, applicants: int, per_judge: int) -> dict:
    """Inside the app: an open round with rubric, judges, three judges per nomination, applicants with drafts."""
    from datetime import UTC, datetime, timedelta
    from decimal import Decimal

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
        digest = generate_password_hash(PASSWORD)  # one hash for all: creating 150 of them is not what is measured
        staff = User(email="staff@load.example", name="Staff", password_hash=digest)
        staff.grant(Role.SECRETARIAT)
        panel = []
        for j in range(judges):
            judge = User(
                email=f"judge{j:03d}@load.example",
                name=f"Judge {j:03d}",
                password_hash=digest,
                country_code="FR",
                time_zone="Europe/Paris",
            )
            judge.grant(Role.JUDGE)
            panel.append(judge)
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
        entries = []
        for n in range(nominations):
            entries.append(
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
            )
        db.session.add_all(entries)
        db.session.flush()
        work: dict[str, list[int]] = {}
        for n, nomination in enumerate(entries):
            for k in range(3):
                judge = panel[(n * 3 + k) % len(panel)]
                assignment = Assignment(round_id=round_.id, nomination_id=nomination.id, judge_id=judge.id)
                db.session.add(assignment)
                db.session.flush()
                work.setdefault(judge.email, []).append(assignment.id)
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
        return {"work": work, "criteria": criteria, "drafts": drafts, "round": round_.id}


def serve(module: str, env: dict[str, str], port: int, workers: int, threads: int, folder: Path) -> subprocess.Popen:
    log = open(folder / f"gunicorn-{port}.log", "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread",
            "--bind",
            f"127.0.0.1:{port}",
            "--backlog",
            "2048",
            "--graceful-timeout",
            "5",
            module,
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                for _request in range(4 * workers):  # every worker loads its templates and catalogues first
                    warm = Browser(port, Stats())  # a new connection each time, to reach every worker
                    warm.request("GET", "/auth/login" if module == "wsgi:app" else "/", counted=False)
                    warm.connection.close()
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"gunicorn did not start: see {folder}/gunicorn-{port}.log")


def bare_throughput(port: int, clients: int, seconds: float) -> float:
    stats = Stats()
    deadline = time.monotonic() + seconds

    def hammer():
        browser = Browser(port, stats)
        while time.monotonic() < deadline:
            browser.get("/", "bare")

    threads = [threading.Thread(target=hammer) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return stats.requests / (time.perf_counter() - started)


def check(env: dict[str, str], sent: Sent, data: dict) -> list[str]:
    """Compare the database with what the clients were told was saved."""
    code = """
import json, sys
from benchmarks.load import database_state
print(json.dumps(database_state()))
"""
    import json

    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    state = json.loads(result.stdout.strip().splitlines()[-1])
    problems = []
    submitted = {int(k): v for k, v in state["submitted"].items()}
    for assignment, scores in sent.submitted.items():
        stored = submitted.get(assignment)
        expected = {str(c): str(v) for c, v in scores.items()}
        if stored is None:
            problems.append(f"assignment {assignment}: submitted, but not in the database")
        elif stored != expected:
            problems.append(f"assignment {assignment}: scores {stored} differ from those sent {expected}")
    extra = set(submitted) - set(sent.submitted)
    if extra:
        problems.append(f"{len(extra)} submitted sheets no client submitted")
    if state["duplicate_scores"]:
        problems.append(f"{state['duplicate_scores']} sheets hold a criterion twice")
    drafts = {int(k): v for k, v in state["drafts"].items()}
    for nomination, summary in sent.drafts.items():
        if drafts.get(nomination) != summary:
            problems.append(f"nomination {nomination}: the draft does not hold the last text saved")
    attachments = {int(k): v for k, v in state["attachments"].items()}
    for nomination in set(attachments) | set(sent.uploads):
        if attachments.get(nomination, 0) != sent.uploads.get(nomination, 0):
            problems.append(
                f"nomination {nomination}: {attachments.get(nomination, 0)} attachments for "
                f"{sent.uploads.get(nomination, 0)} acknowledged uploads"
            )
    return problems


def database_state() -> dict:
    import sqlalchemy as sa

    from awards_app import create_app
    from awards_app.extensions import db
    from awards_app.models import Attachment, Nomination, NominationStatus, Score, ScoreSheet, SheetStatus

    app = create_app()
    with app.app_context():
        submitted: dict[int, dict[str, str]] = {}
        rows = db.session.execute(
            sa.select(ScoreSheet.assignment_id, Score.criterion_id, Score.value)
            .join(Score, Score.sheet_id == ScoreSheet.id)
            .where(ScoreSheet.status == SheetStatus.SUBMITTED)
        ).all()
        for assignment, criterion, value in rows:
            submitted.setdefault(assignment, {})[str(criterion)] = str(int(value)) if value is not None else ""
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
    return {"submitted": submitted, "duplicate_scores": duplicates, "drafts": drafts, "attachments": attachments}


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--judges", type=int, default=100)
    parser.add_argument("--applicants", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--per-judge", type=int, default=6, help="assignments per judge")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--think",
        type=float,
        default=3.0,
        help="seconds a judge takes between two requests on average (applicants twice that); 0 for a stress test",
    )
    parser.add_argument("--quick", action="store_true", help="10 judges, 5 applicants, 8 seconds")
    args = parser.parse_args()
    if args.quick:
        args.judges, args.applicants, args.seconds = 10, 5, 8
    sys.path.insert(0, str(ROOT))
    from tests.e2e.helpers import small_pdf

    folder = Path(tempfile.mkdtemp(prefix="awards-load."))
    postgres = Postgres() if args.db == "postgres" else None
    server = bare = None
    try:
        url = postgres.start() if postgres else f"sqlite:///{folder}/load.sqlite"
        env = environment(url, folder)
        data = prepare(env, args.judges, args.applicants, args.per_judge)
        port = free_port()
        server = serve("wsgi:app", env, port, args.workers, args.threads, folder)
        stats, sent = Stats(), Sent()
        count = len(data["work"]) + len(data["drafts"])

        def begin() -> None:  # runs once, when every person has signed in
            window["deadline"] = time.monotonic() + args.seconds
            window["started"] = time.perf_counter()

        window: dict = {"barrier": threading.Barrier(count, action=begin)}
        criteria = {a: data["criteria"] for assignments in data["work"].values() for a in assignments}
        people = [
            threading.Thread(
                target=judge_session, args=(port, email, assignments, criteria, window, stats, sent, index, args.think)
            )
            for index, (email, assignments) in enumerate(sorted(data["work"].items()))
        ]
        pdf = small_pdf("Load test plan")
        people += [
            threading.Thread(
                target=applicant_session,
                args=(port, email, nomination, window, stats, sent, pdf, args.think, 1000 + index),
            )
            for index, (email, nomination) in enumerate(sorted(data["drafts"].items()))
        ]
        for person in people:
            person.start()
        for person in people:
            person.join()
        elapsed = time.perf_counter() - window["started"]
        stats.requests = len(stats.latencies)  # the measured window only: sign-in is before it
        server.terminate()
        server.wait(timeout=20)
        server = None
        problems = check(env, sent, data)
        locked = (folder / f"gunicorn-{port}.log").read_text(errors="replace").count("database is locked")
        bare_port = free_port()
        bare = serve("benchmarks.bare_app:app", env, bare_port, args.workers, args.threads, folder)
        bare_rps = bare_throughput(bare_port, len(people), min(10.0, args.seconds))
        app_rps = stats.requests / elapsed
        lat = stats.latencies
        print(
            f"{args.db}: {len(data['work'])} judges and {len(data['drafts'])} applicants for {elapsed:.0f} s; "
            f"gunicorn {args.workers} workers × {args.threads} threads; think time {args.think} s; "
            f"{os.cpu_count()} CPUs shared with the load generator"
        )
        print(f"requests            {stats.requests}")
        print(
            f"requests per second {app_rps:.1f}   (bare Flask route, same gunicorn: {bare_rps:.0f}/s; "
            f"ratio {app_rps / bare_rps:.3f})"
        )
        print(
            f"latency ms          p50 {1000 * percentile(lat, 0.5):.0f}   p95 {1000 * percentile(lat, 0.95):.0f}   "
            f"p99 {1000 * percentile(lat, 0.99):.0f}   (sign-in excluded)"
        )
        print(f"errors              {sum(stats.errors.values())} {dict(stats.errors) or ''}")
        for kind, values in sorted(stats.by_kind.items()):
            print(
                f"  {kind:<22} {len(values):>6} requests   p50 {1000 * percentile(values, 0.5):>5.0f} ms   "
                f"p95 {1000 * percentile(values, 0.95):>5.0f} ms"
            )
        print(f"'database is locked' {locked}")
        print(
            f"score sheets submitted {len(sent.submitted)}, drafts saved {len(sent.drafts)}, uploads "
            f"{sum(sent.uploads.values())}"
        )
        verdict = "every score and draft sent is stored exactly once, nothing else" if not problems else "FAILED"
        print(f"result check        {verdict}")
        for problem in problems[:20]:
            print("  " + problem)
        p95_ok = percentile(lat, 0.95) < 0.25
        print(
            f"targets             p95 < 250 ms: {'PASS' if p95_ok else 'FAIL'}; errors 0: "
            f"{'PASS' if not stats.errors else 'FAIL'}; nothing lost: {'PASS' if not problems else 'FAIL'}"
        )
        sys.exit(0 if (p95_ok and not stats.errors and not problems and not locked) or args.quick else 1)
    finally:
        for process in (server, bare):
            if process is not None:
                process.terminate()
                process.wait(timeout=20)
        if postgres:
            postgres.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
