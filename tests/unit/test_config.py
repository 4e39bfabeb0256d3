import pytest

from awards_app import create_app


def test_production_refuses_the_default_secret(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", {"SECRET_KEY": "change-me", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_production_refuses_a_missing_secret():
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", {"SECRET_KEY": "", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_production_refuses_debug():
    with pytest.raises(RuntimeError, match="DEBUG"):
        create_app("production", {"SECRET_KEY": "x" * 40, "DEBUG": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_production_starts_with_a_real_secret():
    app = create_app("production", {"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert not app.debug


def test_database_url_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    import importlib

    import config

    importlib.reload(config)
    try:
        assert config.Config.SQLALCHEMY_DATABASE_URI.endswith("x.db")
    finally:
        monkeypatch.delenv("DATABASE_URL")
        importlib.reload(config)


def test_default_database_is_sqlite_in_the_instance_folder(monkeypatch):
    import importlib

    import config

    monkeypatch.delenv("DATABASE_URL", raising=False)
    importlib.reload(config)
    assert f"sqlite:///{config.INSTANCE_DIR / 'awards.sqlite3'}" == config.Config.SQLALCHEMY_DATABASE_URI
