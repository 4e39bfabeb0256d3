"""The results benchmark still runs (at a tiny size): a benchmark that cannot run measures nothing."""

import subprocess
import sys
from pathlib import Path

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


def test_the_load_benchmark_runs_against_gunicorn_and_checks_the_result():
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.load", "--db", "sqlite", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    assert "every score and draft sent is stored exactly once, nothing else" in completed.stdout
    assert "'database is locked' 0" in completed.stdout


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
