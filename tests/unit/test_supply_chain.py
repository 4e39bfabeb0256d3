"""The supply chain: every package the app and its tests install is pinned with hashes in a lock file that `make`
installs from, and `make audit` fails on a known vulnerability but not on a database it cannot reach."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
# A pinned entry: name==version, an optional environment marker, then its hashes on continuation lines.
PINNED = re.compile(
    r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;\\]+)(?:\s*;[^\\]*)?\s*\\\n"
    r"((?:\s+--hash=sha256:[0-9a-f]{64}\s*\\?\n?)+)",
    re.M,
)


def _entries(name: str) -> list[tuple[str, str, int]]:
    """(package, version, number of hashes) for each pinned entry; a package may have one per Python version."""
    return [
        (re.sub(r"[-_.]+", "-", m.group(1).split("[")[0]).lower(), m.group(2), m.group(3).count("--hash="))
        for m in PINNED.finditer((ROOT / name).read_text())
    ]


def _locked(name: str) -> dict[str, set[str]]:
    versions: dict[str, set[str]] = {}
    for package, version, _hashes in _entries(name):
        versions.setdefault(package, set()).add(version)
    return versions


def _direct(name: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-r"):
            continue
        requirement = Requirement(line)
        pins[re.sub(r"[-_.]+", "-", requirement.name).lower()] = str(requirement.specifier).removeprefix("==")
    return pins


@pytest.mark.parametrize(
    ("lock", "lists"),
    [
        ("requirements.lock", ["requirements.txt"]),
        ("requirements-dev.lock", ["requirements.txt", "requirements-dev.txt"]),
    ],
)
def test_every_package_is_locked_with_hashes_at_the_version_asked_for(lock, lists):
    locked, entries = _locked(lock), _entries(lock)
    text = (ROOT / lock).read_text()
    # Every line naming a package is a pinned entry with hashes: nothing floats.
    named = re.findall(r"^[A-Za-z0-9]", text, re.M)
    assert len(named) == len(entries)
    assert all(hashes >= 1 for _package, _version, hashes in entries)
    for listed in lists:
        for package, version in _direct(listed).items():
            assert locked[package] == {version}, f"{package}: {listed} asks {version}, {lock} has {locked[package]}"
    # The packages that used to float are held too.
    for transitive in ("werkzeug", "jinja2", "itsdangerous", "markupsafe", "numpy", "click", "blinker"):
        assert transitive in locked, transitive


def test_the_dev_lock_holds_the_runtime_lock_s_versions():
    runtime, dev = _locked("requirements.lock"), _locked("requirements-dev.lock")
    assert {name: dev[name] for name in runtime} == runtime


def test_make_installs_from_the_lock_files_with_hashes_required():
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet --require-hashes -r requirements.lock" in makefile
    assert "pip install --quiet --require-hashes -r requirements-dev.lock" in makefile
    assert not re.search(r"pip install[^\n]*-r requirements(-dev)?\.txt", makefile)


def _fake_pip_audit(tmp_path: Path, report: dict | None, stderr: str = "") -> Path:
    """A stand-in for pip-audit that writes ``report`` where it is told to (or nothing, as when it fails)."""
    script = tmp_path / "pip-audit"
    body = f"""#!{sys.executable}
import json, sys
args = sys.argv[1:]
report = {report!r}
if report is not None:
    open(args[args.index("--output") + 1], "w").write(json.dumps(report))
sys.stderr.write({stderr!r})
sys.exit(1 if report is None or any(d.get("vulns") for d in report["dependencies"]) else 0)
"""
    script.write_text(body)
    script.chmod(0o755)
    return script


def _audit(tool: Path) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603  (the suite's own script and stand-in)
        [sys.executable, str(ROOT / ".ci/audit.py"), str(tool)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_audit_fails_on_a_known_vulnerability(tmp_path):
    report = {
        "dependencies": [
            {"name": "werkzeug", "version": "3.1.9", "vulns": [{"id": "GHSA-xxxx", "fix_versions": ["3.1.10"]}]},
            {"name": "flask", "version": "3.1.3", "vulns": []},
        ],
        "fixes": [],
    }
    completed = _audit(_fake_pip_audit(tmp_path, report))
    assert completed.returncode == 1
    assert "werkzeug 3.1.9: GHSA-xxxx (fixed in 3.1.10)" in completed.stdout
    assert "2 packages audited, 1 with known vulnerabilities" in completed.stdout


def test_audit_passes_when_nothing_is_known(tmp_path):
    report = {"dependencies": [{"name": "flask", "version": "3.1.3", "vulns": []}], "fixes": []}
    completed = _audit(_fake_pip_audit(tmp_path, report))
    assert completed.returncode == 0 and "1 packages audited, 0 with known vulnerabilities" in completed.stdout


def test_audit_says_so_and_passes_when_the_database_is_out_of_reach(tmp_path):
    skipped = {"dependencies": [{"name": "flask", "version": "3.1.3", "skip_reason": "Dependency not found on PyPI"}]}
    completed = _audit(_fake_pip_audit(tmp_path, skipped))
    assert completed.returncode == 0 and "could not be reached" in completed.stdout
    completed = _audit(_fake_pip_audit(tmp_path, None, "ConnectionError: Max retries exceeded"))
    assert completed.returncode == 0 and "could not be reached; not audited" in completed.stdout
    assert "ConnectionError" in completed.stdout
