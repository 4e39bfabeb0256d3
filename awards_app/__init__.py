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
    app.config.from_pyfile("config.py", silent=True)
    if test_config:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    register_secret_key(app, name)
    config_class.check(app.config)
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_ATTACHMENT_BYTES"] + 1024 * 1024

    register_extensions(app)
    register_proxy(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_security_headers(app)
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
    from .judging.routes import bp as judging_bp
    from .main.routes import bp as main_bp
    from .nominations.routes import bp as nominations_bp
    from .rounds.routes import bp as rounds_bp
    from .secretariat.routes import bp as secretariat_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(nominations_bp, url_prefix="/nominations")
    app.register_blueprint(secretariat_bp, url_prefix="/secretariat")
    app.register_blueprint(rounds_bp, url_prefix="/secretariat/rounds")
    app.register_blueprint(judging_bp, url_prefix="/judging")


def register_errorhandlers(app: Flask) -> None:
    from .errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from .i18n import register_filters

    register_filters(app)


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def set_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        )
        return response


def register_cli(app: Flask) -> None:
    from .cli import awards

    app.cli.add_command(awards)


def register_logging(app: Flask) -> None:
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
