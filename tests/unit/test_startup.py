"""The application starts without its heavy libraries: every `flask awards` command and each gunicorn worker starts
quickly, and pandas, numpy and openpyxl load where a ranking or a workbook is made."""

import subprocess
import sys
from pathlib import Path

from benchmarks.startup import HEAVY

ROOT = Path(__file__).resolve().parents[2]


def _loaded_after(code: str, tmp_path) -> set[str]:
    probe = f"import sys\n{code}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path}/probe.db", "SECRET_KEY": "probe"}
    done = subprocess.run(  # noqa: S603  (this Python, running a probe of our own)
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return set(done.stdout.split())


def test_the_app_starts_without_pandas_numpy_or_openpyxl(tmp_path):
    assert _loaded_after("import wsgi", tmp_path) == set()


def test_the_heavy_libraries_load_where_they_are_used(tmp_path):
    code = "import wsgi\nfrom awards_app import ranking, spreadsheets\nspreadsheets.build_template([], [('A', 'B')])"
    loaded = _loaded_after(code, tmp_path)
    assert {"pandas", "numpy", "openpyxl"} <= loaded


def _flask(tmp_path, *args: str, config: str = "development") -> subprocess.CompletedProcess:
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": f"sqlite:///{tmp_path}/probe.db",
        "SECRET_KEY": "probe",
        "FLASK_CONFIG": config,
    }
    return subprocess.run(  # noqa: S603  (this Python, running Flask's command line on our app)
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_flask_awards_help_lists_the_tasks_without_building_the_app(tmp_path):
    # An unknown configuration makes building the app fail: the help must not need it.
    done = _flask(tmp_path, "awards", "--help", config="no-such-configuration")
    assert done.returncode == 0, done.stderr[-2000:]
    for task in ("create-admin", "seed-demo", "export", "backup", "restore", "purge"):
        assert task in done.stdout
    assert "no-such-configuration" not in done.stderr


def test_a_flask_awards_task_builds_the_app_it_runs_in(tmp_path):
    done = _flask(tmp_path, "awards", "seed-demo", "--if-empty", config="no-such-configuration")
    assert done.returncode != 0
    assert "no-such-configuration" in done.stderr
    assert _flask(tmp_path, "db", "upgrade").returncode == 0
    done = _flask(tmp_path, "awards", "export", "--out", str(tmp_path / "results.xlsx"))
    assert done.returncode == 1
    assert "There is no edition yet." in done.stderr
