"""Configuration classes: development, testing and production.

The factory picks one by name (``FLASK_CONFIG`` or the ``config_name`` argument) and then lets
``instance/config.py`` override anything, so a deployment can keep its secrets out of the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"
MB = 1024 * 1024

#: The placeholder a deployment must replace; production refuses to start with it.
DEFAULT_SECRET_KEY = "change-me"


def _sqlite_url(name: str) -> str:
    return f"sqlite:///{INSTANCE_DIR / name}"


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or _sqlite_url("awards.sqlite3")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # Where attachments and outgoing mail live; both default to the instance folder.
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER") or str(INSTANCE_DIR / "uploads")
    MAIL_OUTBOX = os.environ.get("MAIL_OUTBOX") or str(INSTANCE_DIR / "outbox")

    # Attachment limits: per file and per nomination (bytes).
    MAX_ATTACHMENT_BYTES = int(os.environ.get("MAX_ATTACHMENT_BYTES", 20 * MB))
    MAX_NOMINATION_BYTES = int(os.environ.get("MAX_NOMINATION_BYTES", 60 * MB))
    MAX_ATTACHMENTS_PER_NOMINATION = int(os.environ.get("MAX_ATTACHMENTS_PER_NOMINATION", 20))

    # SMTP is used when MAIL_SERVER is set; otherwise mail is written to MAIL_OUTBOX.
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 587))
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "1") == "1"
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "Seoul Smart City Prize <noreply@localhost>")

    # Links in e-mails: the tokens expire after these many seconds.
    PASSWORD_RESET_MAX_AGE = 60 * 60
    INVITATION_MAX_AGE = 14 * 24 * 60 * 60

    LANGUAGES = ["en", "ko"]
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BOOTSTRAP_SERVE_LOCAL = True
    ITEMS_PER_PAGE = 25

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # a long form filled over a working day must still post

    # Throttling (Flask-Limiter; the limits sit on the views in awards_app/auth/routes.py): failed sign-ins per
    # account and per address, password-reset requests per account and per address, registrations per address.
    # memory:// counts per process; point it at redis://… or memcached://… to share the counts between processes
    # and machines (that needs the `redis` or `pymemcache` package).
    RATELIMIT_ENABLED = os.environ.get("RATELIMIT_ENABLED", "1") == "1"  # 0 only for load tests from one address
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_STRATEGY = "sliding-window-counter"  # the strategy that memory, Redis and Memcached all support
    RATELIMIT_KEY_PREFIX = "awards"  # a Redis or Memcached shared with other applications keeps counts apart
    # A store that stops answering must not stop people signing in: count in this process meanwhile, log the rest.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    LOGIN_LIMIT_PER_ACCOUNT = "5 per 15 minutes"
    LOGIN_LIMIT_PER_ADDRESS = "30 per 15 minutes"
    RESET_LIMIT_PER_ACCOUNT = "3 per hour"
    RESET_LIMIT_PER_ADDRESS = "10 per hour"
    REGISTER_LIMIT_PER_ADDRESS = "10 per hour"
    # Behind a reverse proxy: the number of proxies whose X-Forwarded-For and -Proto are trusted (0: none).
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", "0"))

    @classmethod
    def check(cls, config: dict) -> None:
        """Refuse a configuration that must not run; the base accepts anything."""


class DevelopmentConfig(Config):
    DEBUG = True


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or "sqlite://"
    WTF_CSRF_ENABLED = False
    MAIL_SERVER = None
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast hashing keeps the suite quick; never in production
    RATELIMIT_ENABLED = False  # switched on by the tests of throttling


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True

    @classmethod
    def check(cls, config: dict) -> None:
        """Refuse to run production with a missing or default secret key, or with debugging on."""
        key = config.get("SECRET_KEY")
        if not key or key == DEFAULT_SECRET_KEY or len(key) < 16:
            raise RuntimeError(
                "SECRET_KEY is missing or the default: set a long random SECRET_KEY for production."
            )
        if config.get("DEBUG"):
            raise RuntimeError("DEBUG must be off in production.")


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
