"""`make audit`: pip-audit over the lock files, failing on a known vulnerability, never on an unreachable database.

pip-audit asks PyPI's JSON API (or OSV) about each pinned package. Where neither can be reached (a closed network,
a mirror that serves packages but not the API) every package comes back "could not be audited": that is said
plainly and the build goes on; wherever the database answers, a known vulnerability fails the build.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

LOCKS = ("requirements.lock", "requirements-dev.lock")


def audit(lock: str, pip_audit: str) -> int:
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "audit.json"
        completed = subprocess.run(  # noqa: S603  (our own tool, our own arguments)
            [
                pip_audit,
                "--requirement",
                lock,
                "--disable-pip",
                "--progress-spinner",
                "off",
                "--format",
                "json",
                "--output",
                str(report),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if not report.exists():
            print(f"{lock}: the vulnerability database could not be reached; not audited.")
            print("   " + (completed.stderr.strip().splitlines() or ["(pip-audit said nothing)"])[-1])
            return 0
        dependencies = json.loads(report.read_text())["dependencies"]
    audited = [d for d in dependencies if "skip_reason" not in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    if not audited:
        print(
            f"{lock}: the vulnerability database could not be reached for any of its {len(dependencies)} "
            "packages; not audited."
        )
        return 0
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed release yet"
            print(f"{lock}: {dependency['name']} {dependency['version']}: {vuln['id']} (fixed in {fixed})")
    skipped = len(dependencies) - len(audited)
    print(
        f"{lock}: {len(audited)} packages audited, {len(vulnerable)} with known vulnerabilities"
        + (f", {skipped} not found in the database" if skipped else "")
        + "."
    )
    return 1 if vulnerable else 0


if __name__ == "__main__":
    tool = sys.argv[1] if len(sys.argv) > 1 else "pip-audit"
    sys.exit(max(audit(lock, tool) for lock in LOCKS))
