"""The background job of the uncertainty model: ``python -m awards_app.uncertainty_job FIT_ID``.

Started by ``services.uncertainty.request_fit`` as a process of its own (NumPyro and JAX load here, never in the web
application); reaches the database named by ``DATABASE_URL`` with the configuration named by ``AWARDS_JOB_CONFIG``
(``services.background_jobs.run``).
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    from .services import background_jobs
    from .services.uncertainty import JOB, run_fit

    return background_jobs.run(JOB, argv, run_fit)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
