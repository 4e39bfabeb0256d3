"""Work done beside the response rather than before it: mail whose timing must not tell anything.

A password-reset request or a registration must answer the same, in content and in time, whether or not the
address has an account. Sending mail (an SMTP round trip) and writing its audit event take far longer than looking
the address up, so the use cases hand that work to :func:`after_response`, and it runs in a thread of its own once
the view has returned: the response goes out without waiting for it, with every WSGI server (gunicorn, and the
development server, which closes a kept-alive response late). The task runs in a request context made from the
same request (its address is audited, its URLs build), with its own database session; a failure is logged, never
shown, since nobody is waiting for it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from flask import Flask, Response, current_app, g, has_request_context, request

log = logging.getLogger(__name__)

#: Where a session keeps the e-mails written in its current transaction (``services.mail``), sent once it commits.
OUTBOX = "awards.outbox"

_TASKS = "awards.after_response"
_THREADS = "awards.after_response.threads"


def after_response(task: Callable[[], object]) -> None:
    """Run ``task`` beside this request's response (at once when there is no request, e.g. a CLI command)."""
    if not has_request_context():  # a command: at once, after the use case's own commit
        from .extensions import db

        task()
        if db.session.info.get(OUTBOX):
            db.session.commit()  # the e-mails the task wrote: they go once committed
        return
    if g.get("after_response"):
        task()  # inside a task already: that task's commit keeps what this one records
        return
    request.environ.setdefault(_TASKS, []).append(task)


def _run(app: Flask, environ: dict, tasks: list[Callable[[], object]]) -> None:
    from .extensions import db

    for task in tasks:
        with app.request_context(environ):
            g.after_response = True  # Flask-Babel's force_locale ignores an empty `g`
            try:
                task()
                db.session.commit()  # what the task recorded: the mail it sent, its audit events
            except Exception:
                log.exception(
                    "work after the response to %s %s failed", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")
                )
                db.session.rollback()


def run_pending(app: Flask) -> None:
    """Run at once what this request handed over, for a request that is never answered (a test's request
    context, a shell)."""
    tasks = request.environ.pop(_TASKS, None)
    if tasks:
        _run(app, dict(request.environ), tasks)


def wait_for_pending(app: Flask, timeout: float = 30.0) -> None:
    """Wait until the work handed over by finished requests is done (the tests read its mail)."""
    threads: list[threading.Thread] = app.extensions.get(_THREADS, [])
    for thread in list(threads):
        thread.join(timeout)
    threads[:] = [t for t in threads if t.is_alive()]


def register(app: Flask) -> None:
    app.extensions[_THREADS] = []

    @app.after_request
    def _schedule(response: Response) -> Response:
        tasks = request.environ.pop(_TASKS, None)
        if tasks:
            the_app = current_app._get_current_object()
            thread = threading.Thread(
                target=_run, args=(the_app, dict(request.environ), tasks), name="after-response", daemon=True
            )
            threads = the_app.extensions[_THREADS]
            threads[:] = [t for t in threads if t.is_alive()]
            threads.append(thread)
            thread.start()
        return response
