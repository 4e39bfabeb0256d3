"""Fetch axe-core, the accessibility engine the browser tests inject into each page, from the npm registry.

Pinned by version and checked against the registry's published SHA-512, so what runs is exactly what was
reviewed. Usage: ``python tests/e2e/fetch_axe.py DESTINATION``; it does nothing when DESTINATION exists.
"""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

VERSION = "4.10.3"
TARBALL = f"https://registry.npmjs.org/axe-core/-/axe-core-{VERSION}.tgz"
INTEGRITY = "sha512-Xm7bpRXnDSX2YE2YFfBk2FnF0ep6tmG7xPh8iHee8MIcrgq762Nkce856dYtJYLkuIoYZvGfTs/PbZhideTcEg=="
MEMBER = "package/axe.min.js"


def fetch(destination: Path) -> None:
    if destination.exists():
        return
    with urllib.request.urlopen(TARBALL, timeout=60) as response:
        data = response.read()
    digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != INTEGRITY:
        raise SystemExit(f"axe-core {VERSION}: the download does not match its published checksum")
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        script = archive.extractfile(MEMBER)
        if script is None:
            raise SystemExit(f"axe-core {VERSION}: {MEMBER} is missing from the package")
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial = destination.with_suffix(".part")
        partial.write_bytes(script.read())
        partial.replace(destination)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    fetch(Path(sys.argv[1]))
