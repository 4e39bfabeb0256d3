"""How long a command of the application takes to start: `flask awards --help` and `import wsgi`.

Run from the project root:

    .venv/bin/python -m benchmarks.startup            # 10 runs of each
    .venv/bin/python -m benchmarks.startup --runs 20

Each run is a fresh process of this Python (``python -m flask --app wsgi awards --help``; ``python -c "import wsgi"``)
with its output thrown away, timed from start to exit; the figures are the min, median and max of the runs, and which
heavy libraries the started application had loaded (none of pandas, numpy or openpyxl is needed to start: they are
imported where a ranking or a workbook is made). The target is at most 0.6 s for `flask awards --help`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "numpy", "openpyxl", "scipy", "jax")
COMMANDS = {
    "flask awards --help": [sys.executable, "-m", "flask", "--app", "wsgi", "awards", "--help"],
    "import wsgi": [sys.executable, "-c", "import wsgi"],
}


def _environment(folder: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{folder}/startup.db",
            "SECRET_KEY": "startup-benchmark",
            "PYTHONDONTWRITEBYTECODE": "0",
        }
    )
    return env


def time_command(command: list[str], runs: int, env: dict[str, str]) -> list[float]:
    """Wall-clock seconds of ``runs`` fresh processes of ``command`` (after one untimed run that fills caches)."""
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return times


def heavy_modules_loaded(env: dict[str, str]) -> list[str]:
    """The heavy libraries that ``create_app()`` leaves imported."""
    probe = f"import sys, wsgi; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return done.stdout.split()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs of each command (default 10)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        env = _environment(folder)
        print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
        for label, command in COMMANDS.items():
            times = time_command(command, args.runs, env)
            print(
                f"{label:<22} min {min(times):.3f} s  median {statistics.median(times):.3f} s  "
                f"max {max(times):.3f} s  ({args.runs} runs)"
            )
        loaded = heavy_modules_loaded(env)
        print(f"heavy libraries loaded by create_app(): {', '.join(loaded) if loaded else 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
