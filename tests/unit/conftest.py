"""The unit tests never open the app's database: CI runs them once (in the SQLite run), not again on PostgreSQL.
A unit test that asks for the app, its database or a client is refused here; it belongs in tests/functional."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
DATABASE_FIXTURES = {"app", "db", "client", "world", "live_server"}


@pytest.fixture
def app_without_database(tmp_path):
    """An app context for what needs one without a database: lazy translations rendered, forms built."""
    from awards_app import create_app

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'unused.sqlite3'}"})
    with app.app_context():
        yield app


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    misplaced = [
        item.nodeid
        for item in items
        if HERE in item.path.parents and DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
    ]
    if misplaced:
        raise pytest.UsageError(
            "These unit tests use the app's database, which CI runs the unit tests without on PostgreSQL; "
            f"move them to tests/functional: {', '.join(misplaced)}"
        )
