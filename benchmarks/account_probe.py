"""Can the time of an answer tell whether an address has an account? Measured as an attacker would measure it.

Run from the project root:

    .venv/bin/python -m benchmarks.account_probe            # 3 runs of 60 pairs per question
    .venv/bin/python -m benchmarks.account_probe --pairs 10 --runs 1

It serves the app with gunicorn on SQLite with the production settings (real scrypt password hashing; throttling
off, or the probe would be stopped after a few tries, which is the other defence) and asks three questions in
alternation, a known address then an unknown one, over fresh connections:

- sign-in with a wrong password;
- a password-reset request;
- a registration (the known address is taken; the unknown one is new each time).

For each it prints the median time of both and their difference, per run, and the spread over the runs. An answer
that leaked would differ by far more than the run-to-run spread (before the fix: sign-in 13 ms against 126 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import ROOT, TOKEN, Browser, Server, environment, flask

KNOWN = "known.person@judges.example"
PASSWORD = "probe-password-2026"


def prepare(env: dict[str, str]) -> None:
    flask(env, "db", "upgrade")
    code = f"""
from awards_app import create_app
from awards_app.extensions import db
from awards_app.models import Role, User
app = create_app()
with app.app_context():
    user = User(email={KNOWN!r}, name="Known Person")
    user.set_password({PASSWORD!r})
    user.grant(Role.JUDGE)
    db.session.add(user)
    db.session.commit()
"""
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True)


async def timed_post(port: int, path: str, fields: dict) -> float:
    """One visitor: open the form (for its token and cookie), then time the post alone."""
    async with Browser(port) as browser:
        page = await browser.get(path)
        token = TOKEN.search(page.text).group(1)
        started = time.perf_counter()
        answer = await browser.post(path, {**fields, "csrf_token": token})
        elapsed = time.perf_counter() - started
    if answer.status not in (200, 302):
        raise SystemExit(f"{path} answered {answer.status}")
    return elapsed


async def probe(port: int, pairs: int, run: int) -> dict[str, tuple[float, float]]:
    questions = {
        "sign-in, wrong password": ("/auth/login", lambda email, _i: {"email": email, "password": "wrong-guess-1"}),
        "password-reset request": ("/auth/forgot", lambda email, _i: {"email": email}),
        "registration": (
            "/auth/register",
            lambda email, _i: {
                "name": "Probe",
                "email": email,
                "password": "probe-password-1",
                "confirm": "probe-password-1",
                "organisation_name": "Probe City",
                "organisation_type": "city",
                "country": "FR",
                "city": "Lyon",
                "agree": "y",
            },
        ),
    }
    medians = {}
    for name, (path, fields) in questions.items():
        known, unknown = [], []
        for index in range(pairs):
            fresh = f"nobody.{run}.{index}@nowhere.example"
            known.append(await timed_post(port, path, fields(KNOWN, index)))
            unknown.append(await timed_post(port, path, fields(fresh, index)))
        medians[name] = (statistics.median(known) * 1000, statistics.median(unknown) * 1000)
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=60, help="known/unknown pairs per question and run")
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        env = environment(f"sqlite:///{folder / 'probe.sqlite3'}", folder)
        prepare(env)
        server = Server("wsgi:app", env, folder, workers=2, threads=1, warm="/auth/login")
        try:
            results = [asyncio.run(probe(server.port, options.pairs, run)) for run in range(options.runs)]
        finally:
            server.stop()
    print(
        f"Median time of an answer, ms ({options.pairs} pairs per run, {options.runs} runs; gunicorn 2 workers, "
        "production settings, SQLite)"
    )
    print(f"{'question':26} {'run':>3} {'known':>8} {'unknown':>8} {'difference':>10}")
    for name in results[0]:
        differences = []
        for run, medians in enumerate(results, start=1):
            known, unknown = medians[name]
            differences.append(known - unknown)
            print(f"{name:26} {run:>3} {known:8.1f} {unknown:8.1f} {known - unknown:+10.1f}")
        print(f"{'':26} {'':>3} {'':8} {'':8} {'spread':>10}: {min(differences):+.1f} to {max(differences):+.1f}")


if __name__ == "__main__":
    main()
