"""The benchmark of the paged pages still runs (at a tiny size), and every page it times answers."""

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.benchmark

ROOT = Path(__file__).resolve().parents[2]


def test_the_pages_benchmark_runs_and_every_page_answers():
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.pages_at_scale", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    for label in ("round overview", "assignments, a later page", "progress, missing scores", "conflicts"):
        assert label in completed.stdout
    assert "Slowest answer:" in completed.stdout and "did not answer 200" not in completed.stdout
