"""The background job that builds a dossier: ``python -m awards_app.dossier_job BUILD_ID``.

Started by ``services.dossiers.request_build`` as a process of its own (WeasyPrint draws there, never in a request);
reaches the database named by ``DATABASE_URL`` and the files under ``UPLOAD_FOLDER`` and ``PREVIEW_FOLDER`` with the
configuration named by ``AWARDS_JOB_CONFIG`` (``services.background_jobs.run``).
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    from .services import background_jobs
    from .services.dossiers import JOB, run_build

    return background_jobs.run(JOB, argv, run_build)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
