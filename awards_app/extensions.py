"""Flask extensions, created unbound and initialised by the application factory."""

from __future__ import annotations

from typing import Any, cast

import sqlalchemy as sa
from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase

# Named constraints so that Alembic can alter and drop them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
bootstrap = Bootstrap5()
# Throttling of sign-in, password-reset requests and registration: the limits are declared on those views
# (auth/routes.py), the counters kept in RATELIMIT_STORAGE_URI. Behind a reverse proxy, ProxyFix (PROXY_FIX_X_FOR)
# makes the remote address the client's.
limiter = Limiter(key_func=get_remote_address)


def configure_sqlite(engine: sa.Engine) -> None:
    """Let SQLite serve several requests at once (WAL journal, a busy timeout), enforce foreign keys, and overwrite
    what is deleted (``secure_delete``): an erased name otherwise lingers in the file's free space, and in every
    backup copied from it (``services.anonymise.forget_freed_space`` clears what was freed before)."""
    if engine.url.get_backend_name() != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()


def rows_changed(statement: sa.Update | sa.Delete) -> int:
    """Run an UPDATE or DELETE in the current session and return how many rows it changed."""
    result = db.session.execute(statement)
    return cast("sa.CursorResult[Any]", result).rowcount
