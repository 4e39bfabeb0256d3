"""The background job of the uncertainty model: ``python -m awards_app.uncertainty_job FIT_ID``.

Started by ``services.uncertainty.request_fit`` as a process of its own (NumPyro and JAX load here, never in the web
application); reaches the database named by ``DATABASE_URL`` with the configuration named by ``AWARDS_JOB_CONFIG``.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not argv[1].isdigit():
        print("usage: python -m awards_app.uncertainty_job FIT_ID", file=sys.stderr)
        return 2
    from . import create_app
    from .services.uncertainty import run_fit

    overrides = {"SQLALCHEMY_DATABASE_URI": os.environ["DATABASE_URL"]} if os.environ.get("DATABASE_URL") else {}
    app = create_app(os.environ.get("AWARDS_JOB_CONFIG") or None, overrides)
    with app.app_context():
        run_fit(int(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
