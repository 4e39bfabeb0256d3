"""Throttled sign-in, password-reset requests and registration; the same answer for an unknown e-mail and a wrong
password; a fresh session at sign-in."""

from __future__ import annotations

from pathlib import Path

import pytest

from awards_app import create_app
from awards_app.throttle import EXTENSION
from tests.conftest import PASSWORD

WRONG = "not-the-password"


@pytest.fixture
def throttled(app):
    """Switch throttling on for this test (the suite runs with it off) with fresh counters."""
    from limits import storage, strategies

    throttle = app.extensions[EXTENSION]
    throttle.enabled = True
    throttle.limiter = strategies.MovingWindowRateLimiter(storage.MemoryStorage())
    return throttle


def login(client, email, password, address="10.0.0.1"):
    return client.post("/auth/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_an_unknown_address_and_a_wrong_password_get_the_same_answer(client, world, throttled):
    unknown = login(client, "nobody@example.org", WRONG)
    wrong = login(client, world.applicant.email, WRONG)
    assert unknown.status_code == wrong.status_code == 200
    assert b"Wrong e-mail or password." in unknown.data and b"Wrong e-mail or password." in wrong.data


def test_five_failures_lock_the_account_for_a_while_even_against_the_right_password(client, world, throttled):
    for _ in range(5):
        assert login(client, world.applicant.email, WRONG).status_code == 200
    blocked = login(client, world.applicant.email, PASSWORD)
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert b"Too many failed sign-ins" in blocked.data
    assert b'action="/auth/logout"' not in blocked.data  # not signed in
    # Other accounts from the same address still sign in.
    assert login(client, world.other_applicant.email, PASSWORD).status_code == 302


def test_a_successful_sign_in_clears_the_account_count(client, world, throttled):
    for _ in range(4):
        login(client, world.applicant.email, WRONG)
    assert login(client, world.applicant.email, PASSWORD).status_code == 302
    client.post("/auth/logout")
    for _ in range(4):
        login(client, world.applicant.email, WRONG)
    assert login(client, world.applicant.email, PASSWORD).status_code == 302


def test_one_address_trying_many_accounts_is_stopped(client, world, throttled):
    for index in range(30):
        login(client, f"guess{index}@example.org", WRONG, address="203.0.113.9")
    assert login(client, world.applicant.email, PASSWORD, address="203.0.113.9").status_code == 429
    assert login(client, world.applicant.email, PASSWORD, address="198.51.100.7").status_code == 302


def test_behind_a_trusted_proxy_the_forwarded_address_is_counted(app, client, world, throttled):
    from werkzeug.middleware.proxy_fix import ProxyFix

    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # what PROXY_FIX_X_FOR=1 sets up

    def through_proxy(email, password, forwarded):
        return client.post("/auth/login", data={"email": email, "password": password},
                           headers={"X-Forwarded-For": forwarded}, environ_base={"REMOTE_ADDR": "127.0.0.1"})

    for index in range(30):
        through_proxy(f"guess{index}@example.org", WRONG, "203.0.113.9")
    assert through_proxy(world.applicant.email, PASSWORD, "203.0.113.9").status_code == 429
    assert through_proxy(world.applicant.email, PASSWORD, "198.51.100.7").status_code == 302


def test_the_proxy_setting_wraps_the_app(tmp_path: Path):
    from werkzeug.middleware.proxy_fix import ProxyFix

    url = f"sqlite:///{tmp_path / 'proxy.sqlite3'}"
    assert isinstance(create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "PROXY_FIX_X_FOR": 1}).wsgi_app,
                      ProxyFix)
    assert not isinstance(create_app("testing", {"SQLALCHEMY_DATABASE_URI": url}).wsgi_app, ProxyFix)


def test_password_reset_requests_are_throttled_per_account(app, client, world, throttled):
    for _ in range(3):
        response = client.post("/auth/forgot", data={"email": world.applicant.email})
        assert response.status_code == 302
    blocked = client.post("/auth/forgot", data={"email": world.applicant.email})
    assert blocked.status_code == 429 and b"Too many reset requests" in blocked.data
    sent = list(Path(app.config["MAIL_OUTBOX"]).glob("*.eml"))
    assert len(sent) == 3


def test_the_session_is_renewed_at_sign_in(client, world):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        session["locale"] = "ko"
    assert login(client, world.applicant.email, PASSWORD).status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["locale"] == "ko"  # the language chosen before signing in is kept
        assert session["_user_id"]


def test_no_password_token_or_secret_reaches_the_logs(app, client, world, caplog):
    import logging
    import re

    caplog.set_level(logging.DEBUG)
    login(client, world.applicant.email, "a-wrong-password-xyz")
    login(client, world.applicant.email, PASSWORD)
    client.post("/auth/logout")
    client.post("/auth/register", data={"email": "new@city.example", "password": "brand-new-password-1",
                                        "confirm": "brand-new-password-1", "name": "New", "organisation_name": "X",
                                        "organisation_type": "city", "country": "FR", "city": "Lyon"})
    client.post("/auth/logout")
    client.post("/auth/forgot", data={"email": world.applicant.email})
    mail = next(Path(app.config["MAIL_OUTBOX"]).glob("*.eml")).read_text()
    token = re.search(r"/auth/reset/([\w.-]+)", mail).group(1)
    client.post(f"/auth/reset/{token}", data={"password": "another-password-2", "confirm": "another-password-2"})
    logged = caplog.text
    assert logged  # the requests and the mail were logged...
    for secret in (PASSWORD, "a-wrong-password-xyz", "brand-new-password-1", "another-password-2", token,
                   app.config["SECRET_KEY"]):
        assert secret not in logged  # ...without a password, the reset token or the secret key
