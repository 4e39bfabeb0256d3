"""Every benchmark still runs (at a tiny size): a benchmark that cannot run measures nothing. No time is asserted."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.harness import postgres_available

ROOT = Path(__file__).resolve().parents[2]


def test_the_results_benchmark_runs_and_prints_its_table():
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.results_scale", "--quick", "--repeat", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    lines = completed.stdout.splitlines()
    assert any(line.startswith("quick") and "720" in line for line in lines), completed.stdout
    assert "peak memory < 1 GB" in completed.stdout


def test_the_query_count_benchmark_runs_and_finds_no_growing_page():
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.queries", "--nominations", "20"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    assert "No page's query count grows with the rows it shows." in completed.stdout
    assert "results workbook" in completed.stdout


# The benchmarks of the app over HTTP run on PostgreSQL where this machine can start a throwaway one (as root, with
# Debian's postgresql-15), as they do when they measure; elsewhere on SQLite.
DATABASE = "postgres" if postgres_available() else "sqlite"


def test_the_load_benchmark_drives_gunicorn_and_finds_nothing_lost():
    completed = subprocess.run(  # noqa: S603 - our own benchmark, on the database chosen above
        [sys.executable, "-m", "benchmarks.load", "--quick", "--db", DATABASE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "lost 0: every value sent is in the database exactly once, nothing else" in completed.stdout
    assert "errors 0" in completed.stdout
    assert "load generator" in completed.stdout and "% of a core" in completed.stdout
    assert "'database is locked'" not in completed.stdout


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed: apt-get install wrk")
def test_the_throughput_benchmark_measures_the_pages_against_the_bare_route():
    completed = subprocess.run(  # noqa: S603 - our own benchmark, on the database chosen above
        [sys.executable, "-m", "benchmarks.throughput", "--quick", "--db", DATABASE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    for page in ("(a) bare Flask route", "(b) score sheet", "(c) assignment list", "(d) home, anonymous"):
        assert page in completed.stdout
    assert "(b) score sheet ÷ bare" in completed.stdout


def test_the_account_probe_runs():
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.account_probe", "--pairs", "1", "--runs", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "password-reset request" in completed.stdout


def test_the_results_page_benchmark_runs_and_prints_its_table():
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.results_page", "--quick", "--runs", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    assert "results page, demo, warm" in completed.stdout
    assert "results page, 40 nominations, warm" in completed.stdout
    assert "whole export, 40 nominations, cold" in completed.stdout


def test_the_startup_benchmark_times_the_commands_and_finds_no_heavy_library():
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.startup", "--runs", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    assert "flask awards --help" in completed.stdout and "import wsgi" in completed.stdout
    assert "heavy libraries loaded by create_app(): none" in completed.stdout
