"""Work done after the response has gone out: mail whose timing must not tell anything.

A password-reset request or a registration must answer the same, in content and in time, whether or not the
address has an account. Sending mail (an SMTP round trip) and writing its audit event take far longer than looking
the address up, so the use cases hand that work to :func:`after_response`, and it runs once the server has sent the
response and closes it. The task runs in a request context of the same request (its address is audited, its URLs
build), with its own database session; a failure is logged, never shown, since nobody is waiting for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from flask import Flask, Response, current_app, g, has_request_context, request

log = logging.getLogger(__name__)

_TASKS = "awards.after_response"


def after_response(task: Callable[[], None]) -> None:
    """Run ``task`` after this request's response is sent (at once when there is no request, e.g. a CLI command)."""
    if not has_request_context() or g.get("after_response"):
        task()
        return
    request.environ.setdefault(_TASKS, []).append(task)


def _run(app: Flask, environ: dict, tasks: list[Callable[[], None]]) -> None:
    for task in tasks:
        with app.request_context(environ):
            g.after_response = True  # Flask-Babel's force_locale ignores an empty `g`
            try:
                task()
            except Exception:
                log.exception("work after the response to %s %s failed", environ.get("REQUEST_METHOD"),
                              environ.get("PATH_INFO"))
                from .extensions import db

                db.session.rollback()


def register(app: Flask) -> None:
    @app.after_request
    def _schedule(response: Response) -> Response:
        tasks = request.environ.pop(_TASKS, None)
        if tasks:
            response.call_on_close(partial(_run, current_app._get_current_object(), request.environ, tasks))
        return response
