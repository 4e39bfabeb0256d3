"""Requests per second of a judge's score sheet, against a bare Flask route served by the same gunicorn.

Run from the project root (as root: it starts a throwaway PostgreSQL with Debian's postgresql-15; wrk must be
installed: ``apt-get install wrk``):

    .venv/bin/python -m benchmarks.throughput --runs 3   # three consecutive runs and their spread (~2 min)
    .venv/bin/python -m benchmarks.throughput            # one run
    .venv/bin/python -m benchmarks.throughput --quick    # a few seconds on SQLite, for a smoke run

It loads the demo edition (``flask awards seed-demo``) into an empty database and serves, from ONE gunicorn in the
production configuration (2 sync workers, loopback), the app with a bare Flask route beside it
(``benchmarks.bare_app:beside_the_app()``: the route's answer is five bytes, with none of the app's work). The
demo judge signs in, declares no conflict on an assignment of the open finalists' round and autosaves half its
scores, as a judge does mid-way; wrk then gets, one after the other and with that judge's session cookie:

(a) the bare route, (b) the judge's score sheet, (c) the judge's assignment list, (d) the home page, anonymous,
(e) a route of the app that answers five bytes to the signed-in judge after the app's own work around every
request (``bare_app.beside_the_app``), and (a) again, each for the same time with the same connections. It
prints requests per second, wrk's latency percentiles, the ratio of each page to the bare route (the mean of its
two measurements), and how much CPU wrk, the app's workers and PostgreSQL used meanwhile. Issue 10's target: the
score sheet at least 10% of the bare route.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import resource
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks.harness import (
    TOKEN,
    VERSION,
    Browser,
    Busy,
    Postgres,
    Server,
    environment,
    flask,
    load_average,
    machine_speed,
    spread,
)

#: Issue 10's target: the score sheet answers at least this share of the bare route's requests per second.
RATIO_TARGET = 0.10
NEXT_TO_SCORE = re.compile(r'id="next-to-score"\s+href="(/judging/assignments/\d+)"')
SCORE_FIELD = re.compile(r'name="score_(\d+)"')
EDITABLE = 'id="score-sheet"'  # the form of a sheet the judge can still change


@dataclass
class Page:
    name: str
    path: str
    signed_in: bool
    marker: str  # text the right page has: a redirect to the sign-in page, or an error page, has not


@dataclass
class Measured:
    rate: float  # requests per second
    p50: float  # ms
    p99: float  # ms
    failed: int  # answers other than 2xx/3xx, and socket errors
    busy: Busy


def wrk(url: str, cookie: str, seconds: float, connections: int, threads: int, watched: dict) -> Measured:
    """Run wrk on one URL; its figures, and the CPU that wrk and the watched processes used meanwhile."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with Busy(watched) as busy:
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # wrk is a child of this process: its CPU time is in RUSAGE_CHILDREN once it has ended.
    busy.own = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if completed.returncode:
        raise SystemExit(f"wrk failed: {completed.stderr or completed.stdout}")
    out = completed.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    failed = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    if errors := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        failed += sum(int(n) for n in errors.groups())
    return Measured(rate, _latency(out, "50%"), _latency(out, "99%"), failed, busy)


def _latency(wrk_output: str, share: str) -> float:
    match = re.search(rf"^\s+{share}\s+([\d.]+)(us|ms|s)\s*$", wrk_output, re.MULTILINE)
    if not match:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


async def judge_mid_sheet(port: int, email: str, password: str) -> tuple[str, str]:
    """Sign the judge in and open their next sheet, half scored; return its path and the session cookie."""
    async with Browser(port) as browser:
        if not await browser.sign_in(email, password):
            raise SystemExit(f"{email} could not sign in")
        following = NEXT_TO_SCORE.search((await browser.get("/judging/")).text)
        if not following:
            raise SystemExit(f"{email} has nothing to score in an open round")
        path = following.group(1)
        page = (await browser.get(path)).text
        token = TOKEN.search(page)
        if 'name="declaration"' in page and token:
            await browser.post(f"{path}/declaration", {"declaration": "none", "csrf_token": token.group(1)})
            page = (await browser.get(path)).text
            token = TOKEN.search(page)
        # One name per criterion (a score is a group of radios sharing it), in the rubric's order.
        criteria, version = list(dict.fromkeys(SCORE_FIELD.findall(page))), VERSION.search(page)
        if not (EDITABLE in page and criteria and version and token):
            raise SystemExit(f"{path} is not a score sheet the judge can fill in")
        scores = {f"score_{c}": str(5 + n % 4) for n, c in enumerate(criteria[: len(criteria) // 2])}
        saved = await browser.post(
            f"{path}/autosave",
            {**scores, "version": version.group(1), "overall_comment": "Halfway through."},
            headers={"X-CSRFToken": token.group(1), "Accept": "application/json"},
        )
        if saved.status != 200:
            raise SystemExit(f"autosave of {path} answered {saved.status}: {saved.text[:300]}")
        return path, browser.cookie_header


async def answers(port: int, pages: list[Page], cookie: str) -> list[str]:
    """What is wrong with the pages as wrk will ask for them (wrk counts a redirect to the sign-in page as fine)."""
    problems = []
    for page in pages:
        async with Browser(port) as browser:
            answer = await browser.request("GET", page.path, headers={"Cookie": cookie} if page.signed_in else {})
        if answer.status != 200 or page.marker not in answer.text:
            problems.append(f"{page.name} ({page.path}) answered {answer.status} without {page.marker!r}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["postgres", "sqlite"], help="postgres, or sqlite with --quick")
    parser.add_argument("--runs", type=int, default=1, help="consecutive runs of the whole sequence")
    parser.add_argument("--seconds", type=float, default=8, help="wrk's duration per page")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=0, help="gthread threads per worker (0: sync workers)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 1 s per page (SQLite unless --db postgres)")
    options = parser.parse_args()
    options.db = options.db or ("sqlite" if options.quick else "postgres")
    if options.quick:
        options.seconds, options.connections = 1, 4
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    from awards_app.demo import DEMO_LOGINS, DEMO_PASSWORD

    folder = Path(tempfile.mkdtemp(prefix="awards-throughput."))
    postgres = Postgres() if options.db == "postgres" else None
    server = None
    try:
        if postgres:
            postgres.start()
        url = postgres.database("throughput") if postgres else f"sqlite:///{folder / 'throughput.sqlite3'}"
        env = environment(url, folder)
        flask(env, "db", "upgrade")
        flask(env, "awards", "seed-demo")
        server = Server(
            "benchmarks.bare_app:beside_the_app()", env, folder, options.workers, options.threads, warm="/auth/login"
        )
        sheet, cookie = asyncio.run(judge_mid_sheet(server.port, DEMO_LOGINS["judge"], DEMO_PASSWORD))
        pages = [
            Page("(a) bare Flask route", "/bare/", False, "hello"),
            Page("(b) score sheet", sheet, True, EDITABLE),
            Page("(c) assignment list", "/judging/", True, "/judging/assignments/"),
            Page("(d) home, anonymous", "/", False, "<html"),
            Page("(e) empty, signed in", "/bare-signed-in/", True, "hello"),
        ]
        if problems := asyncio.run(answers(server.port, pages, cookie)):
            raise SystemExit("\n".join(problems))
        watched = {"app": server.pid, **({"PostgreSQL": postgres.pid} if postgres else {})}
        base = f"http://127.0.0.1:{server.port}"
        print(
            f"{server.description}, production settings, {options.db}, demo edition; wrk -t{options.wrk_threads} "
            f"-c{options.connections} -d{options.seconds:g}s per page; load average before {load_average()}; "
            f"{machine_speed()}"
        )
        runs: list[dict[str, float]] = []
        for number in range(1, options.runs + 1):
            print(f"\nrun {number}")
            print(f"  {'page':<24} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'failed':>6}  CPU meanwhile")
            figures: dict[str, list[float]] = {}
            for page in [*pages, pages[0]]:
                measured = wrk(
                    base + page.path,
                    cookie if page.signed_in else "",
                    options.seconds,
                    options.connections,
                    options.wrk_threads,
                    watched,
                )
                figures.setdefault(page.name, []).append(measured.rate)
                print(
                    f"  {page.name:<24} {measured.rate:>8,.0f} {measured.p50:>7.1f} {measured.p99:>7.1f} "
                    f"{measured.failed:>6}  {measured.busy.describe('wrk')}",
                    flush=True,
                )
                if measured.failed:
                    raise SystemExit(f"{page.name}: {measured.failed} failed requests")
            rates = {name: sum(values) / len(values) for name, values in figures.items()}
            bare = rates[pages[0].name]
            both = " and ".join(f"{rate:,.0f}" for rate in figures[pages[0].name])
            print(f"  bare route: {bare:,.0f} requests/s, the mean of {both}")
            for page in pages[1:]:
                print(f"  {page.name:<24} {rates[page.name] / bare:.3f} of the bare route")
            runs.append(rates)
        print(f"\n{options.runs} run(s): min–max (median)")
        for page in pages:
            print(f"  {page.name:<30} {spread([r[page.name] for r in runs])} requests/s")
        ratios = [r[pages[1].name] / r[pages[0].name] for r in runs]
        for page in pages[1:]:
            values = [r[page.name] / r[pages[0].name] for r in runs]
            print(f"  {page.name + ' ÷ bare':<30} {spread(values, 3)}")
        met = all(ratio >= RATIO_TARGET for ratio in ratios)
        print(
            f"target: the score sheet at least {RATIO_TARGET:.0%} of the bare route in every run: "
            f"{'met' if met else 'NOT met'}; load average after {load_average()}"
        )
    finally:
        if server is not None:
            server.stop()
        if postgres:
            postgres.stop()
        shutil.rmtree(folder, ignore_errors=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
