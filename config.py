"""Configuration classes: development, testing and production.

The factory picks one by name (``FLASK_CONFIG`` or the ``config_name`` argument) and then lets
``instance/config.py`` override anything, so a deployment can keep its secrets out of the repository.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

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
    # PDF pages drawn as images for the judges, kept by the file's hash (a cache: not backed up, safe to empty).
    PREVIEW_FOLDER = os.environ.get("PREVIEW_FOLDER") or str(INSTANCE_DIR / "previews")
    # The pages of a PDF shown beside the score sheet; the rest is read in the downloaded file.
    PREVIEW_MAX_PAGES = int(os.environ.get("PREVIEW_MAX_PAGES", 30))

    # Attachment limits: per file and per nomination (bytes).
    MAX_ATTACHMENT_BYTES = int(os.environ.get("MAX_ATTACHMENT_BYTES", 20 * MB))
    MAX_NOMINATION_BYTES = int(os.environ.get("MAX_NOMINATION_BYTES", 60 * MB))
    MAX_ATTACHMENTS_PER_NOMINATION = int(os.environ.get("MAX_ATTACHMENTS_PER_NOMINATION", 20))
    # An uploaded workbook (imports, offline score sheets) whose parts unpack into more than this is refused
    # before it is parsed: a few megabytes of .xlsx can hold gigabytes of XML.
    MAX_WORKBOOK_UNPACKED_BYTES = int(os.environ.get("MAX_WORKBOOK_UNPACKED_BYTES", 50 * MB))

    # SMTP is used when MAIL_SERVER is set; otherwise mail is written to MAIL_OUTBOX.
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 587))
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "1") == "1"
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "Seoul Smart City Prize <noreply@localhost>")
    # The organiser of the finals' calendar invitations (where a calendar sends questions); MAIL_SENDER's address
    # when unset.
    SECRETARIAT_EMAIL = os.environ.get("SECRETARIAT_EMAIL", "")

    # The address people reach the site at, e.g. https://awards.example.org. Every link in an e-mail is built from it,
    # never from the Host header of the request that caused the mail (which anyone can forge).
    EXTERNAL_URL = os.environ.get("EXTERNAL_URL", "http://127.0.0.1:5000")
    # Host names the app answers for; any other Host header is refused with 400. None accepts every host
    # (development and tests); production answers for the host of EXTERNAL_URL and those of TRUSTED_HOSTS.
    TRUSTED_HOSTS: list[str] | None = None
    EXTRA_TRUSTED_HOSTS = [h.strip() for h in os.environ.get("TRUSTED_HOSTS", "").split(",") if h.strip()]
    ONLY_TRUSTED_HOSTS = False

    # Links in e-mails: the tokens expire after these many seconds.
    PASSWORD_RESET_MAX_AGE = 60 * 60
    CONFIRMATION_MAX_AGE = 48 * 60 * 60
    INVITATION_MAX_AGE = 14 * 24 * 60 * 60

    # The uncertainty model (awards_app.uncertainty) runs as a background process; its output goes to this file.
    UNCERTAINTY_JOB_LOG = os.environ.get("UNCERTAINTY_JOB_LOG") or str(INSTANCE_DIR / "uncertainty-jobs.log")
    # Where JAX keeps the model compiled for each shape of data: a later fit of the same shape starts at once.
    UNCERTAINTY_COMPILE_CACHE = os.environ.get("UNCERTAINTY_COMPILE_CACHE") or str(INSTANCE_DIR / "jax-cache")
    # Dossiers (the judges' and the committee's PDFs) are built by a background process; its output goes here.
    DOSSIER_JOB_LOG = os.environ.get("DOSSIER_JOB_LOG") or str(INSTANCE_DIR / "dossier-jobs.log")
    DOSSIERS_IN_BACKGROUND = True
    # How many dossiers are built at once (each a process drawing PDFs); the others wait their turn, queued.
    DOSSIER_BUILDS_AT_ONCE = int(os.environ.get("DOSSIER_BUILDS_AT_ONCE", 2))
    # Start the model by itself when the results of a closed round are opened (the tests start it when they mean to).
    UNCERTAINTY_AUTOSTART = True
    # A background job's priority below the web application's (os.nice): it takes the cores only when no request
    # wants them, so pages stay as fast while a dossier is drawn or a model fitted.
    BACKGROUND_JOB_NICENESS = int(os.environ.get("BACKGROUND_JOB_NICENESS", 10))

    LANGUAGES = ["en", "ko"]
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BOOTSTRAP_SERVE_LOCAL = True
    ITEMS_PER_PAGE = 25

    # Sign-ins live on the server (awards_app.models.UserSession): signing out ends them there. Without "keep me
    # signed in" a sign-in ends after this long idle; with it, after REMEMBER_COOKIE_DURATION.
    SESSION_IDLE_TIMEOUT = timedelta(hours=12)
    SESSION_TOUCH_INTERVAL = timedelta(minutes=5)
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
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
    # Certificate codes that match no certificate, per address (awards_app/certificates/routes.py).
    CERTIFICATE_LIMIT_PER_ADDRESS = "20 per 15 minutes"
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
    EXTERNAL_URL = "http://localhost"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast hashing keeps the suite quick; never in production
    RATELIMIT_ENABLED = False  # switched on by the tests of throttling
    UNCERTAINTY_AUTOSTART = False
    DOSSIERS_IN_BACKGROUND = False  # built within the request that asks; one test runs the real background job
    BACKGROUND_JOB_NICENESS = 0  # the real jobs the suite runs share the cores with it, and must finish in time


def external_host(url: str | None) -> str | None:
    """The host name of a configured external address, or None when it is not an http(s) URL with a host."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.hostname


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    EXTERNAL_URL = os.environ.get("EXTERNAL_URL", "")
    ONLY_TRUSTED_HOSTS = True
    # Strict-Transport-Security: browsers keep to HTTPS for a year, subdomains included.
    HSTS_MAX_AGE = 365 * 24 * 60 * 60

    @classmethod
    def check(cls, config: dict) -> None:
        """Refuse to run production with a missing or default secret key, debugging on, or no external address."""
        key = config.get("SECRET_KEY")
        if not key or key == DEFAULT_SECRET_KEY or len(key) < 16:
            raise RuntimeError("SECRET_KEY is missing or the default: set a long random SECRET_KEY for production.")
        if config.get("DEBUG"):
            raise RuntimeError("DEBUG must be off in production.")
        url = config.get("EXTERNAL_URL")
        if external_host(url) is None or urlsplit(url).scheme != "https":
            raise RuntimeError(
                "EXTERNAL_URL is missing or not an https:// address: set it to the address people reach the site at "
                "(e.g. https://awards.example.org); every link in an e-mail is built from it."
            )


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
