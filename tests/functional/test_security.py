"""Sign-in hardening: a renewed session at sign-in, cookie flags, security headers on every response, no inline
script, local ``next`` redirects only, and no password, token or secret in the logs.

CSRF has its own module (test_csrf.py), and throttling is with the sign-in tests (test_auth.py).
"""

import logging
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import url_for

from awards_app import create_app
from awards_app.extensions import db as _db
from awards_app.extensions import limiter
from awards_app.models import Role
from awards_app.services import mail as mail_service
from awards_app.services import rubrics as rubrics_service
from tests.conftest import PASSWORD, make_user
from tests.e2e.helpers import small_pdf
from tests.functional.judging_helpers import assign, attach, criteria, eligible, judging_round, sheet_data


def sign_in(client, email, password=PASSWORD, **kwargs):
    return client.post("/auth/login", data={"email": email, "password": password}, **kwargs)


# --- The session at sign-in, and the cookies ---------------------------------------------------------------


def test_the_session_is_renewed_at_sign_in(app, client, world):
    client.post("/language", data={"language": "ko"})  # a visitor's session from before signing in
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    before = client.get_cookie("session").value
    assert sign_in(client, world.applicant.email).status_code == 302
    after = client.get_cookie("session").value
    assert after != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["locale"] == "ko"  # the language chosen before signing in is kept
        assert session["_user_id"].startswith(f"{world.applicant.id}:")
    # The cookie from before signing in, replayed elsewhere, signs nobody in.
    replayed = app.test_client()
    replayed.set_cookie("session", before)
    assert replayed.get("/nominations/").status_code == 302
    assert client.get("/nominations/").status_code == 200


def _cookies(response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def test_cookies_are_http_only_and_same_site(client, world):
    cookies = _cookies(
        client.post("/auth/login", data={"email": world.applicant.email, "password": PASSWORD, "remember": "y"})
    )
    assert set(cookies) == {"session", "remember_token"}
    for header in cookies.values():
        assert "HttpOnly" in header and "SameSite=Lax" in header, header


@pytest.fixture
def production_app(tmp_path: Path):
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path / 'production.sqlite3'}"
    app = create_app(
        "production",
        {
            "SECRET_KEY": "a-long-random-production-secret-" * 2,
            "SQLALCHEMY_DATABASE_URI": url,
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "PREVIEW_FOLDER": str(tmp_path / "previews"),
            "MAIL_OUTBOX": str(tmp_path / "outbox"),
            "EXTERNAL_URL": "https://awards.example",
        },
    )
    with app.app_context():
        _db.drop_all()
        _db.create_all()
        make_user("staff@wego.example", [Role.SECRETARIAT])
        _db.session.commit()
        yield app
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


def test_production_cookies_are_also_secure(production_app):
    assert not production_app.debug and production_app.config["WTF_CSRF_ENABLED"]
    client = production_app.test_client()
    page = client.get("/auth/login", base_url="https://awards.example")
    assert "Secure" in _cookies(page)["session"]
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page.get_data(as_text=True)).group(1)
    # Over HTTPS, Flask-WTF also wants the post to come from a page of the same site.
    response = client.post(
        "/auth/login",
        base_url="https://awards.example",
        headers={"Referer": "https://awards.example/auth/login"},
        data={"email": "staff@wego.example", "password": PASSWORD, "remember": "y", "csrf_token": token},
    )
    assert response.status_code == 302
    cookies = _cookies(response)
    assert set(cookies) == {"session", "remember_token"}
    for header in cookies.values():
        assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header, header


# --- Security headers on every response, and no inline script -------------------------------------------------


def assert_security_headers(response, where: str) -> None:
    headers = response.headers
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("Referrer-Policy") == "same-origin", where
    policy = dict(directive.strip().partition(" ")[::2] for directive in headers["Content-Security-Policy"].split(";"))
    if "sandbox" in policy:
        # A document shown in the page (a PDF's page, an image): stricter still, nothing may run or load.
        assert policy["default-src"] == "'none'", where
        assert policy["frame-ancestors"] == "'none'", where
        assert "script-src" not in policy and policy["sandbox"] == "", where
        return
    assert policy["default-src"] == "'self'", where
    assert policy["script-src"] == "'self'", where  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["style-src"] == "'self'", where
    assert policy["object-src"] == "'none'", where
    assert policy["frame-ancestors"] == "'none'", where
    assert "unsafe" not in headers["Content-Security-Policy"], where


class InlineCode(HTMLParser):
    """What a strict Content-Security-Policy would block: inline scripts, styles, handlers, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.found.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}={value}>")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


@pytest.fixture
def arranged(app, world, db):
    """A nomination with an attachment, a round with a scored assignment: every page has something to show."""
    nomination = eligible(world)
    attachment = attach(nomination, small_pdf())  # a real PDF: its pages are drawn
    round_ = judging_round(world)
    assignment = assign(round_, nomination, world.judge, declared=True)
    criterion = criteria(round_, world.project)[0]
    return {
        "nomination_id": nomination.id,
        "attachment_id": attachment.id,
        "number": 1,
        "edition_id": world.edition.id,
        "category_id": world.project.id,
        "user_id": world.judge.id,
        "token": "not-a-real-token",
        "round_id": round_.id,
        "assignment_id": assignment.id,
        "rubric": criteria(round_, world.project),
        "criterion_id": criterion.id,
        "descriptor_id": rubrics_service.descriptors_of([criterion])[criterion.id][0].id,
        "applicant_type": "any",
        "field_name": "title",
        "mail_id": 1,
        "code": "ABCD-EFGH-JKMN",
        "edition_slug": world.edition.slug,
        "winner": str(nomination.id),
    }


def test_every_page_has_the_security_headers_and_no_inline_code(app, world, arranged):
    visitors = {"anonymous": None, "applicant": world.applicant, "judge": world.judge, "secretariat": world.secretariat}
    seen_html = 0
    for name, user in visitors.items():
        client = app.test_client()
        if user:
            assert sign_in(client, user.email).status_code == 302
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods:
                continue
            filename = "css/bootstrap.min.css" if rule.endpoint == "bootstrap.static" else "css/app.css"
            with app.test_request_context():
                url = url_for(rule.endpoint, **{arg: {**arranged, "filename": filename}[arg] for arg in rule.arguments})
            response = client.get(url)
            where = f"GET {url} as {name}: {response.status_code}"
            assert response.status_code < 500, where
            assert_security_headers(response, where)
            if response.mimetype == "text/html":
                seen_html += 1
                assert inline_code(response.get_data(as_text=True)) == [], where
            response.close()
    assert seen_html > 60


def test_error_pages_json_and_throttled_answers_have_the_security_headers(app, client, world, arranged):
    def boom():
        raise RuntimeError("an unexpected failure")

    app.add_url_rule("/boom", "boom", boom)
    app.config["RATELIMIT_ENABLED"] = True
    limiter.init_app(app)
    answers = {"404": client.get("/no-such-page"), "405": client.get("/auth/logout"), "500": client.get("/boom")}
    app.config["WTF_CSRF_ENABLED"] = True
    answers["400 (CSRF)"] = client.post("/auth/login", data={"email": world.judge.email, "password": PASSWORD})
    app.config["WTF_CSRF_ENABLED"] = False
    sign_in(client, world.judge.email)
    answers["JSON"] = client.post(
        f"/judging/assignments/{arranged['assignment_id']}/autosave",
        data=sheet_data(arranged["rubric"], [7]),
        headers={"Accept": "application/json"},
    )
    client.post("/auth/logout")
    for _ in range(5):
        sign_in(client, world.applicant.email, "not-the-password")
    answers["429"] = sign_in(client, world.applicant.email)
    assert {name: answer.status_code for name, answer in answers.items()} == {
        "404": 404,
        "405": 405,
        "500": 500,
        "400 (CSRF)": 400,
        "JSON": 200,
        "429": 429,
    }
    for name, answer in answers.items():
        assert_security_headers(answer, name)
        if answer.mimetype == "text/html":
            assert inline_code(answer.get_data(as_text=True)) == [], name


# --- Redirects after signing in or switching language stay on the site ------------------------------------------

OFF_SITE = [
    "//evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "https://evil.example/",
    "http:evil.example",
    "https:/evil.example",
    "javascript:alert(1)",
    "/\t/evil.example",
    "/\r\n/evil.example",
    " //evil.example",
    "ftp://evil.example",
    "data:text/html,<script>alert(1)</script>",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_next_never_leads_off_the_site(client, world, target):
    response = client.post(
        f"/auth/login?next={quote(target, safe='')}", data={"email": world.applicant.email, "password": PASSWORD}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"
    response = client.post("/language", data={"language": "en", "next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_next_to_a_page_of_the_site_is_followed(client, world):
    response = client.post(
        "/auth/login?next=" + quote("/nominations/?page=2", safe=""),
        data={"email": world.applicant.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/nominations/?page=2"
    response = client.post("/language", data={"language": "ko", "next": "/auth/account"})
    assert response.headers["Location"] == "/auth/account"


# --- Nothing secret in the logs, and the mail ----------------------------------------------------------------


def test_no_password_token_or_secret_reaches_the_logs(app, client, world, caplog):
    caplog.set_level(logging.DEBUG)
    app.config.update(MAIL_PASSWORD="the-smtp-password")
    app.config["RATELIMIT_ENABLED"] = True
    limiter.init_app(app)
    sign_in(client, world.applicant.email, "a-wrong-password-xyz")
    sign_in(client, "nobody@example.org", "an-unknown-account-password")
    sign_in(client, world.applicant.email)
    client.post("/auth/logout")
    client.post(
        "/auth/register",
        data={
            "email": "new@city.example",
            "password": "brand-new-password-1",
            "confirm": "brand-new-password-1",
            "name": "New",
            "organisation_name": "X",
            "organisation_type": "city",
            "country": "FR",
            "city": "Lyon",
            "consent_collection": "y",
            "consent_provision": "y",
            "consent_transfer_abroad": "y",
        },
    )
    client.post("/auth/logout")
    client.post("/auth/forgot", data={"email": world.applicant.email})
    mails = "".join(p.read_text() for p in sorted(Path(app.config["MAIL_OUTBOX"]).glob("*.eml")))
    token = re.search(r"/auth/reset/([\w.-]+)", mails).group(1)
    confirmation = re.search(r"/auth/confirm/([\w.-]+)", mails).group(1)
    client.post(f"/auth/reset/{token}", data={"password": "another-password-2", "confirm": "another-password-2"})
    for _ in range(5):
        sign_in(client, world.judge.email, "guessing-password-3")
    assert sign_in(client, world.judge.email, "guessing-password-3").status_code == 429
    logged = caplog.text
    assert f"mail to {world.applicant.email} written to" in logged  # the requests and the mail were logged...
    assert "ratelimit" in logged
    for secret in (
        PASSWORD,
        "a-wrong-password-xyz",
        "an-unknown-account-password",
        "brand-new-password-1",
        "another-password-2",
        "guessing-password-3",
        token,
        confirmation,
        app.config["SECRET_KEY"],
        "the-smtp-password",
    ):
        assert secret not in logged  # ...without a password, the reset token or a secret


def test_mail_is_written_to_the_outbox_and_logged(app, caplog):
    with caplog.at_level(logging.INFO):
        mail_service.send_email(
            "judge@example.org",
            "invitation",
            user=type("U", (), {"name": "Ana"})(),
            invited_by=type("U", (), {"name": "Kim"})(),
            roles=[],
            link="http://x/y/secret-link",
            days=14,
        )
        _db.session.commit()  # e-mail goes out once its use case commits
    files = list(Path(app.config["MAIL_OUTBOX"]).glob("*.eml"))
    assert len(files) == 1
    assert "judge@example.org" in files[0].read_text()
    assert "mail to judge@example.org" in caplog.text
    assert "secret-link" not in caplog.text  # the invitation link stays in the mail


def test_mail_goes_by_smtp_when_configured(app, monkeypatch, caplog):
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

    monkeypatch.setattr(mail_service.smtplib, "SMTP", FakeSMTP)
    app.config.update(MAIL_SERVER="smtp.example", MAIL_USERNAME="prize", MAIL_PASSWORD="the-smtp-password")
    with caplog.at_level(logging.DEBUG):
        mail_service.send_email(
            "judge@example.org",
            "invitation",
            user=type("U", (), {"name": "Ana"})(),
            invited_by=type("U", (), {"name": "Kim"})(),
            roles=[],
            link="http://x/y/secret-link",
            days=14,
        )
        _db.session.commit()  # e-mail goes out once its use case commits
    assert sent == [("connect", "smtp.example", 587), ("starttls",), ("login", "prize"), ("send", "judge@example.org")]
    assert "mail to judge@example.org sent" in caplog.text
    assert "the-smtp-password" not in caplog.text and "secret-link" not in caplog.text
