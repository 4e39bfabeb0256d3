"""The Seoul Smart City Prize nomination and judging application."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from flask import Flask
from werkzeug.routing import IntegerConverter

from config import CONFIGS


def create_app(config_name: str | None = None, test_config: dict | None = None) -> Flask:
    """Create and configure the application."""
    app = Flask(__name__, instance_relative_config=True)
    name = config_name or os.environ.get("FLASK_CONFIG") or "development"
    config_class = CONFIGS[name]
    app.config.from_object(config_class)
    app.config["CONFIG_NAME"] = name
    app.config.from_pyfile("config.py", silent=True)
    if test_config:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    register_secret_key(app, name)
    config_class.check(app.config)
    register_hosts(app)
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_ATTACHMENT_BYTES"] + 1024 * 1024

    register_extensions(app)
    register_proxy(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_security_headers(app)
    register_after_response(app)
    register_cli(app)
    register_logging(app)
    return app


def register_secret_key(app: Flask, config_name: str) -> None:
    """Give development a stable random key in the instance folder, so a restart keeps people signed in."""
    from config import DEFAULT_SECRET_KEY

    if config_name != "development" or app.config.get("SECRET_KEY") != DEFAULT_SECRET_KEY:
        return
    key_file = Path(app.instance_path) / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
    app.config["SECRET_KEY"] = key_file.read_text().strip()


def register_hosts(app: Flask) -> None:
    """Answer only for the site's own host names when the configuration asks for it (production does)."""
    from config import external_host

    if app.config.get("ONLY_TRUSTED_HOSTS") and not app.config.get("TRUSTED_HOSTS"):
        app.config["TRUSTED_HOSTS"] = [
            external_host(app.config["EXTERNAL_URL"]),
            *app.config.get("EXTRA_TRUSTED_HOSTS", []),
        ]


def register_proxy(app: Flask) -> None:
    """Behind a reverse proxy, trust its X-Forwarded-For/-Proto for that many hops (``PROXY_FIX_X_FOR``)."""
    hops = int(app.config.get("PROXY_FIX_X_FOR") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def register_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (the models must be known before Migrate looks)
    from .extensions import babel, bootstrap, csrf, db, login_manager, migrate
    from .i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    register_throttling(app)
    babel.init_app(app, locale_selector=select_locale)
    bootstrap.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"

    from .auth.access import load_user, login_message

    login_manager.user_loader(load_user)
    login_manager.login_message = login_message

    from .extensions import configure_sqlite

    with app.app_context():
        configure_sqlite(db.engine)


def register_throttling(app: Flask) -> None:
    """Count sign-ins, reset requests and registrations (Flask-Limiter; the limits sit on the auth views)."""
    from flask_limiter import RateLimitExceeded

    from .extensions import limiter

    limiter.init_app(app)

    @app.errorhandler(RateLimitExceeded)
    def throttled(error: RateLimitExceeded):
        # Each limit renders its own 429 page (its form, and when to try again): answer with it.
        return error.get_response()


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: an id the database can hold, so a huge number is a 404, not an error."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    from .auth.routes import bp as auth_bp
    from .calibration.routes import bp as calibration_bp
    from .certificates.routes import bp as certificates_bp
    from .dossiers.routes import bp as dossiers_bp
    from .feedback.routes import bp as feedback_bp
    from .form_editor.routes import bp as form_editor_bp
    from .judging.routes import bp as judging_bp
    from .mail.routes import bp as mail_bp
    from .main.routes import bp as main_bp
    from .merit.routes import bp as merit_bp
    from .nominations.routes import bp as nominations_bp
    from .presentations.routes import bp as presentations_bp
    from .rounds.routes import bp as rounds_bp
    from .secretariat.routes import bp as secretariat_bp
    from .winners.routes import bp as winners_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(nominations_bp, url_prefix="/nominations")
    app.register_blueprint(secretariat_bp, url_prefix="/secretariat")
    app.register_blueprint(mail_bp, url_prefix="/secretariat/mail")
    app.register_blueprint(form_editor_bp, url_prefix="/secretariat/categories")
    app.register_blueprint(rounds_bp, url_prefix="/secretariat/rounds")
    app.register_blueprint(calibration_bp, url_prefix="/secretariat/rounds")
    app.register_blueprint(feedback_bp, url_prefix="/secretariat/rounds")
    app.register_blueprint(judging_bp, url_prefix="/judging")
    app.register_blueprint(dossiers_bp)  # its pages sit under /judging and /secretariat/rounds
    app.register_blueprint(certificates_bp)  # its addresses are public (/certificates) and under those of others
    app.register_blueprint(winners_bp, url_prefix="/winners")
    app.register_blueprint(merit_bp)
    app.register_blueprint(presentations_bp)  # its routes name their full paths: secretariat, judging, .ics


def register_errorhandlers(app: Flask) -> None:
    from .errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from . import paging, rules
    from .i18n import register_filters

    register_filters(app)
    paging.register(app)
    app.jinja_env.globals["rules"] = rules  # the prize's limits, as forms and services read them


#: Browser features no page of the app uses, switched off for the site and anything it might frame.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)
_STATIC_ENDPOINTS = frozenset({"static", "bootstrap.static", "main.favicon"})
#: Public data the same for every visitor, which sets its own caching (a short max-age, an ETag).
_PUBLIC_DATA_ENDPOINTS = frozenset({"winners.edition_json"})


def register_security_headers(app: Flask) -> None:
    """The security headers of every response, in one place (Flask-Talisman was weighed: it adds an HTTPS redirect
    the reverse proxy already does, and its defaults are looser than these, so a second mechanism would only blur
    which one decides)."""
    from flask import request
    from flask_login import current_user

    @app.before_request
    def recognise_user():
        # Read the sign-in at the start of the request, before a view changes anything: recognising it may write
        # its last-seen time, which must not commit a view's half-made change. Static files need no one.
        if request.endpoint not in _STATIC_ENDPOINTS:
            _ = current_user.is_authenticated

    @app.after_request
    def set_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        )
        headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if app.config.get("HSTS_MAX_AGE"):
            headers.setdefault(
                "Strict-Transport-Security", f"max-age={int(app.config['HSTS_MAX_AGE'])}; includeSubDomains"
            )
        if request.endpoint not in _STATIC_ENDPOINTS | _PUBLIC_DATA_ENDPOINTS:
            # Nothing but the app's own static files may be kept by a browser or a proxy: a signed-in page or a
            # download left in a shared computer's cache shows a judge's scores to the next person at the desk.
            headers["Cache-Control"] = "no-store"
            headers.pop("Expires", None)
            headers.pop("Last-Modified", None)
            headers.pop("ETag", None)
        return response


def register_after_response(app: Flask) -> None:
    from .after_response import register

    register(app)


def register_cli(app: Flask) -> None:
    from .cli import awards

    app.cli.add_command(awards)


def register_logging(app: Flask) -> None:
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
