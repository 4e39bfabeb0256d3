import logging
import os
from pathlib import Path

import pytest

from awards_app import create_app
from awards_app.extensions import db as _db
from awards_app.services import mail


@pytest.fixture
def csrf_app(tmp_path):
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path / 'csrf.sqlite3'}"
    app = create_app("testing", {"WTF_CSRF_ENABLED": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        _db.drop_all()
        _db.create_all()
        yield app
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


@pytest.mark.parametrize("url", ["/auth/login", "/auth/register", "/auth/logout", "/language", "/auth/forgot"])
def test_posts_without_a_csrf_token_are_refused(csrf_app, url):
    response = csrf_app.test_client().post(url, data={"email": "a@b.example", "password": "x", "language": "en"})
    assert response.status_code == 400
    assert b"The form expired" in response.data


def test_forms_carry_a_csrf_token(csrf_app):
    page = csrf_app.test_client().get("/auth/login").data.decode()
    assert 'name="csrf_token"' in page


def test_security_headers(client, world):
    response = client.get("/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "<script>" not in response.data.decode()  # no inline script, so the policy can forbid it


def test_session_cookie_is_http_only(client, auth, world):
    response = auth.login(world.applicant)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_mail_is_written_to_the_outbox_and_logged(app, caplog):
    with app.test_request_context(), caplog.at_level(logging.INFO):
        mail.send_email("judge@example.org", "Hello", "invitation", user=type("U", (), {"name": "Ana"})(),
                        invited_by=type("U", (), {"name": "Kim"})(), roles=[], link="http://x/y", days=14)
    files = list(Path(app.config["MAIL_OUTBOX"]).glob("*.eml"))
    assert len(files) == 1
    assert "judge@example.org" in files[0].read_text()
    assert "mail to judge@example.org" in caplog.text


def test_mail_goes_by_smtp_when_configured(app, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            sent.append(("starttls",))

        def login(self, user, password):
            sent.append(("login", user))

        def send_message(self, message):
            sent.append(("send", message["To"]))

    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    app.config.update(MAIL_SERVER="smtp.example", MAIL_USERNAME="prize", MAIL_PASSWORD="secret")
    with app.test_request_context():
        mail.send_email("judge@example.org", "Hello", "invitation", user=type("U", (), {"name": "Ana"})(),
                        invited_by=type("U", (), {"name": "Kim"})(), roles=[], link="http://x/y", days=14)
    assert sent == [("connect", "smtp.example", 587), ("starttls",), ("login", "prize"), ("send", "judge@example.org")]
