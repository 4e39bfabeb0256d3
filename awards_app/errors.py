"""Error pages: every failure gets a page in the user's language, never a stack trace."""

from __future__ import annotations

from flask import Flask, flash, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, SecurityError

from .extensions import db
from .services import NotAllowed, ServiceError
from .urls import safe_referrer


def flash_error(error: ServiceError, category: str = "danger") -> None:
    """The one way a refused use case reaches the user: its message, flashed. A view that catches a ServiceError
    (to choose where to go next) flashes it with this; one that does not leaves it to the handler below."""
    flash(str(error.message), category)


def _wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


def register(app: Flask) -> None:
    @app.errorhandler(NotAllowed)
    def not_allowed(error: NotAllowed):
        db.session.rollback()
        if _wants_json():
            return jsonify(error=str(error.message)), 403
        return render_template("errors/error.html", code=403, title=_("Not allowed"), message=error.message), 403

    @app.errorhandler(ServiceError)
    def refused(error: ServiceError):
        # A use case refused and changed nothing: say why, on the page the request came from.
        db.session.rollback()
        if _wants_json():
            return jsonify(error=str(error.message)), 409
        flash_error(error)
        return redirect(safe_referrer() or "/")

    @app.errorhandler(SecurityError)
    def unknown_host(error):
        # A Host header the site does not answer for (TRUSTED_HOSTS): no page of ours, since none can be addressed.
        return "Unknown host: this site answers only for its own address.\n", 400, {"Content-Type": "text/plain"}

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template(
            "errors/error.html",
            code=400,
            title=_("The form expired"),
            message=_("The page was open too long or came from elsewhere. Go back, reload it and try again."),
        ), 400

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error):
        limit = app.config["MAX_ATTACHMENT_BYTES"] // (1024 * 1024)
        flash(
            _(
                "The file is too large: the limit is %(mb)d MB per file. Nothing was saved, including answers typed "
                "since the last save.",
                mb=limit,
            ),
            "danger",
        )
        return redirect(safe_referrer() or "/"), 303

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        titles = {
            400: _("Bad request"),
            403: _("Not allowed"),
            404: _("Page not found"),
            405: _("Not allowed"),
        }
        messages = {
            403: _("You do not have access to this page. Sign in with another account or go back."),
            404: _("There is nothing here. Check the address, or start from the home page."),
        }
        return render_template(
            "errors/error.html",
            code=error.code,
            title=titles.get(error.code, error.name),
            message=messages.get(error.code, _("The request could not be handled.")),
        ), error.code

    @app.errorhandler(IntegrityError)
    def already_done(error: IntegrityError):
        # Two requests raced to make the same record (a double click, two tabs): the first one won.
        db.session.rollback()
        app.logger.info("integrity conflict on %s %s: %s", request.method, request.path, error.orig)
        return render_template(
            "errors/error.html",
            code=409,
            title=_("Already done"),
            message=_(
                "This was saved a moment ago, perhaps by a double click or another window. Go back and "
                "reload the page to see it."
            ),
        ), 409

    @app.errorhandler(StaleDataError)
    def changed_meanwhile(error: StaleDataError):
        # Optimistic locking: the UPDATE named the version this request had read, and another request had moved it
        # on. The use cases turn this into their own message; this is the net under every other path.
        db.session.rollback()
        app.logger.info("stale update on %s %s: %s", request.method, request.path, error)
        return render_template(
            "errors/error.html",
            code=409,
            title=_("Changed meanwhile"),
            message=_(
                "Someone else changed this a moment ago, so nothing was saved. Go back and reload the page to "
                "see their change, then make yours again."
            ),
        ), 409

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def database_unavailable(error: DBAPIError):
        # The database restarted, dropped the connection or was busy: nothing of this request was saved (its
        # transaction is rolled back), the pool reconnects by itself (pre-ping), and a retry will go through.
        if isinstance(error, IntegrityError):
            return already_done(error)
        db.session.rollback()
        app.logger.warning(
            "database unavailable on %s %s: %s",
            request.method,
            request.path,
            str(error.orig).splitlines()[0] if error.orig else error,
        )
        message = _("The database is briefly unavailable. Nothing was saved; please try again in a moment.")
        if _wants_json():
            return jsonify(error=message), 503, {"Retry-After": "5"}
        return (
            render_template("errors/error.html", code=503, title=_("Try again in a moment"), message=message),
            503,
            {"Retry-After": "5"},
        )

    @app.errorhandler(Exception)
    def internal_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if app.config.get("PROPAGATE_EXCEPTIONS_IN_TESTS"):
            raise error
        return render_template(
            "errors/error.html",
            code=500,
            title=_("Something went wrong"),
            message=_("The error has been logged. Nothing you sent was half-saved; please try again."),
        ), 500
