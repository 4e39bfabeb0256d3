"""The background job that builds a dossier: ``python -m awards_app.dossier_job BUILD_ID``.

Started by ``services.dossiers.request_build`` as a process of its own (WeasyPrint draws there, never in a request);
reaches the database named by ``DATABASE_URL`` and the files under ``UPLOAD_FOLDER`` and ``PREVIEW_FOLDER`` with the
configuration named by ``AWARDS_JOB_CONFIG``.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not argv[1].isdigit():
        print("usage: python -m awards_app.dossier_job BUILD_ID", file=sys.stderr)
        return 2
    from . import create_app
    from .services.dossiers import run_build

    names = {
        "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
        "UPLOAD_FOLDER": "UPLOAD_FOLDER",
        "PREVIEW_FOLDER": "PREVIEW_FOLDER",
    }
    overrides = {key: os.environ[name] for name, key in names.items() if os.environ.get(name)}
    app = create_app(os.environ.get("AWARDS_JOB_CONFIG") or None, overrides)
    with app.app_context():
        run_build(int(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
