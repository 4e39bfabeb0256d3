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
        create_app(
            "production",
            {
                "SECRET_KEY": "x" * 40,
                "DEBUG": True,
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
                "EXTERNAL_URL": "https://awards.example.org",
            },
        )


SITE = "https://awards.example.org"


def test_production_starts_with_a_real_secret_and_its_address():
    app = create_app(
        "production", {"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://", "EXTERNAL_URL": SITE}
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert not app.debug
    assert app.config["TRUSTED_HOSTS"] == ["awards.example.org"]


@pytest.mark.parametrize("url", ["", "awards.example.org", "http://awards.example.org", "https://", "ftp://x.org"])
def test_production_refuses_to_start_without_an_https_external_address(url):
    with pytest.raises(RuntimeError, match="EXTERNAL_URL"):
        create_app("production", {"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://", "EXTERNAL_URL": url})


def test_more_host_names_can_be_trusted(monkeypatch):
    import importlib

    import config

    monkeypatch.setenv("TRUSTED_HOSTS", " www.awards.example.org, awards.example.net ")
    importlib.reload(config)
    try:
        extra = config.ProductionConfig.EXTRA_TRUSTED_HOSTS
        assert extra == ["www.awards.example.org", "awards.example.net"]
        app = create_app(
            "production",
            {
                "SECRET_KEY": "x" * 40,
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
                "EXTERNAL_URL": SITE,
                "EXTRA_TRUSTED_HOSTS": extra,
            },
        )
        assert app.config["TRUSTED_HOSTS"] == ["awards.example.org", "www.awards.example.org", "awards.example.net"]
    finally:
        monkeypatch.delenv("TRUSTED_HOSTS")
        importlib.reload(config)


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
