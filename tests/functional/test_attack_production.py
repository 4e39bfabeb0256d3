"""The doors tried as an attacker would: against gunicorn with the production configuration, behind what a TLS proxy
would send (X-Forwarded-Proto https), with cookies sent as a browser sends them, Secure ones included.

Runs on the suite's test database (SQLite file, or PostgreSQL when DATABASE_URL says so, as in CI).
"""

from __future__ import annotations

import http.client
import io
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlencode

import pytest
from openpyxl import Workbook

from awards_app.extensions import db
from awards_app.models import Assignment, Organisation, OrganisationType, Role
from tests.conftest import PASSWORD, make_user
from tests.functional.judging_helpers import eligible, judging_round
from tests.functional.test_workbook_bombs import billion_laughs, shared_strings_bomb

ROOT = Path(__file__).resolve().parents[2]
HOST = "awards.example.org"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def site(app, world, tmp_path):
    """gunicorn serving the production configuration on the test database, with two judges and a round."""
    seoul = Organisation(
        name="Seoul Metropolitan Government", type=OrganisationType.CITY, country_code="KR", city="Seoul"
    )
    db.session.add(seoul)
    nomination = eligible(world, "S-Map", organisation=seoul)
    round_ = judging_round(world)
    korean = make_user("park@judges.example", [Role.JUDGE], name="Park Ji-hoon")
    korean.affiliation, korean.country_code = "KAIST", "KR"
    db.session.commit()
    port = _free_port()
    outbox = tmp_path / "production-outbox"
    env = {
        **os.environ,
        "FLASK_CONFIG": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"],
        "MAIL_OUTBOX": str(outbox),
        "EXTERNAL_URL": f"https://{HOST}",
        "PROXY_FIX_X_FOR": "1",
        "RATELIMIT_ENABLED": "1",
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    env.pop("MAIL_SERVER", None)
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 - closed below
    # One worker: the throttle counts in memory, and a second worker would keep counts of its own.
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "1",
            "--threads",
            "4",
            "--worker-class",
            "gthread",
            "--bind",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(300):
            if process.poll() is not None:
                pytest.fail("gunicorn stopped: " + (tmp_path / "gunicorn.log").read_text()[-3000:])
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start listening within 30 s")
        yield {
            "port": port,
            "outbox": outbox,
            "round": round_,
            "nomination": nomination,
            "korean": korean,
            "log": tmp_path / "gunicorn.log",
        }
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


class Browser:
    """A browser behind the site's TLS proxy: it keeps every cookie (Secure ones too: the proxy spoke TLS)."""

    def __init__(self, port: int, address: str = "198.51.100.20") -> None:
        self.port, self.address = port, address
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        form: dict | None = None,
        *,
        host: str = HOST,
        headers: dict | None = None,
        body: bytes | None = None,
        content_type: str | None = None,
    ):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        sent = {
            "Host": host,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.address,
            "Referer": f"https://{HOST}{path}",
            **(headers or {}),
        }
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form is not None:
            body = urlencode(form, doseq=True).encode()
            content_type = "application/x-www-form-urlencoded"
        if content_type:
            sent["Content-Type"] = content_type
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                cookie_value = rest.split(";", 1)[0]
                if "expires=Thu, 01 Jan 1970" in value or cookie_value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = cookie_value
        connection.close()
        return response, data.decode("utf-8", "replace")

    def token(self, path: str) -> str:
        _response, page = self.request("GET", path)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    def post(self, path: str, form: dict, page: str | None = None, **kwargs):
        return self.request("POST", path, {**form, "csrf_token": self.token(page or path)}, **kwargs)

    def sign_in(self, email: str, password: str = PASSWORD, remember: bool = False):
        return self.post(
            "/auth/login", {"email": email, "password": password} | ({"remember": "y"} if remember else {})
        )


def _mails(folder: Path) -> list:
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(folder.glob("*.eml"))]


def _wait_for_mail(folder: Path, count: int) -> list:
    for _ in range(100):
        if len(_mails(folder)) >= count:
            break
        time.sleep(0.05)
    return _mails(folder)


def test_the_doors_hold_against_gunicorn_in_production(site, world):
    port, outbox = site["port"], site["outbox"]
    attacker = Browser(port, "203.0.113.66")

    # 1. Reset poisoning: a forged Host is refused; a forwarded host is not believed; the link names the site.
    response, body = attacker.request("POST", "/auth/forgot", {"email": world.judge.email}, host="evil.example")
    assert response.status == 400 and "Unknown host" in body
    response, _ = attacker.post(
        "/auth/forgot", {"email": world.judge.email}, headers={"X-Forwarded-Host": "evil.example"}
    )
    assert response.status == 302
    [mail] = _wait_for_mail(outbox, 1)
    assert re.search(rf"https://{re.escape(HOST)}/auth/reset/\S+", mail.get_content())
    assert "evil" not in mail.get_content()

    # 2. The throttle cannot be passed with another spelling of the account.
    for _ in range(5):
        response, _ = attacker.sign_in(world.secretariat.email, "a-wrong-guess")
        assert response.status == 200
    for spelling in (
        f"{world.secretariat.email}\x00",
        f"\x00{world.secretariat.email.upper()}",
        f"{world.secretariat.email}\u200b",
        f" {world.secretariat.email}\r\n",
    ):
        response, _ = attacker.sign_in(spelling)
        assert response.status == 429, spelling
    # "\x00x" is another address once the NUL goes: no such account, so the right password opens nothing.
    response, body = attacker.sign_in(f"{world.secretariat.email}\x00x")
    assert response.status == 200 and "Wrong e-mail or password." in body
    assert attacker.request("GET", "/secretariat/")[0].status == 302

    # 3. An unknown and a known address get the same page.
    unknown = attacker.sign_in("nobody@nowhere.example", "a-wrong-guess")
    known = attacker.sign_in(world.applicant.email, "a-wrong-guess")
    assert unknown[0].status == known[0].status == 200
    assert "Wrong e-mail or password." in unknown[1] and "Wrong e-mail or password." in known[1]

    # 4. Cookies copied before sign-out open nothing after it, remember-me included.
    judge = Browser(port)
    response, _ = judge.sign_in(world.judge.email, remember=True)
    assert response.status == 302 and {"session", "remember_token"} <= set(judge.cookies)
    copied = dict(judge.cookies)
    thief = Browser(port, "203.0.113.77")
    thief.cookies = dict(copied)
    assert thief.request("GET", "/judging/")[0].status == 200
    judge.post("/auth/logout", {}, page="/judging/")
    for cookies in (copied, {"session": copied["session"]}, {"remember_token": copied["remember_token"]}):
        thief.cookies = dict(cookies)
        response, _ = thief.request("GET", "/judging/")
        assert response.status == 302 and "/auth/login" in response.getheader("Location"), cookies

    # 5 and 6. Signed-in pages and downloads are never stored; HSTS and a Permissions-Policy on every answer.
    secretariat = Browser(port, "198.51.100.30")
    assert secretariat.sign_in(world.secretariat.email)[0].status == 429  # the attacker spent this account's tries
    staff = make_user("staff2@wego.example", [Role.SECRETARIAT], name="Second Staff")
    db.session.commit()
    assert secretariat.sign_in(staff.email)[0].status == 302
    for path in (
        "/secretariat/",
        "/secretariat/people",
        "/secretariat/people/import/template.xlsx",
        f"/secretariat/rounds/{site['round'].id}",
    ):
        response, _ = secretariat.request("GET", path)
        assert response.status == 200, path
        assert response.getheader("Cache-Control") == "no-store", path
        assert response.getheader("Strict-Transport-Security") == "max-age=31536000; includeSubDomains"
        assert "camera=()" in response.getheader("Permissions-Policy")

    # 7 and 8. Hostile workbooks are refused with the clear message, never a 500.
    book = Workbook()
    book.active.title = "Judges"
    book.active.append(["Name", "E-mail"])
    plain = io.BytesIO()
    book.save(plain)
    for hostile in (shared_strings_bomb(plain.getvalue()), billion_laughs(plain.getvalue())):
        boundary = "----attack" + secrets.token_hex(8)
        token = secretariat.token("/secretariat/people/import")
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="workbook"; filename="judges.xlsx"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        body += hostile + f"\r\n--{boundary}--\r\n".encode()
        response, page = secretariat.request(
            "POST", "/secretariat/people/import", body=body, content_type=f"multipart/form-data; boundary={boundary}"
        )
        assert response.status == 200 and "The workbook could not be read" in page

    # 11. Assigning the Korean judge to the Seoul nomination by hand is refused, and the rule is named.
    response, page = secretariat.post(
        f"/secretariat/rounds/{site['round'].id}/assignments/manual",
        {"manual-nominations": site["nomination"].id, "manual-judges": site["korean"].id},
        page=f"/secretariat/rounds/{site['round'].id}/assignments",
    )
    assert response.status == 302
    _response, page = secretariat.request("GET", response.getheader("Location"))
    assert "from the nomination&#39;s country (KR)" in page
    db.session.expire_all()
    assert db.session.query(Assignment).count() == 0
    assert "Traceback" not in site["log"].read_text()
