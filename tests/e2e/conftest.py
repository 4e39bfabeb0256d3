"""Browser tests: the app served from a real server thread and driven in the system's Chromium.

Playwright never downloads a browser here: it launches Debian's ``/usr/bin/chromium``. Where that is missing
(a laptop without root), the tests skip and say how to install it; on CI (``CI=true``) or with
``REQUIRE_BROWSER=1`` a missing browser stops the run instead, so the journeys are never silently skipped.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from awards_app.extensions import db
from awards_app.models import Category, Nomination, User
from awards_app.services import nominations as nomination_service
from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
INSTALL_HINT = "install it with `sudo apt-get install chromium` (Debian/Ubuntu)"

HERE = Path(__file__).resolve().parent
SCREENSHOT_DIR = HERE.parents[1] / "test-artifacts" / "screenshots"

LAPTOP = {"width": 1366, "height": 900}
TABLET = {"width": 820, "height": 1180}


def _browser_required() -> bool:
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("REQUIRE_BROWSER") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark this folder's tests ``e2e``; skip them without Chromium, unless CI requires the browser."""
    browser_tests = [item for item in items if HERE in item.path.parents]
    for item in browser_tests:
        item.add_marker(pytest.mark.e2e)
    if not browser_tests or Path(CHROMIUM).exists():
        return
    if _browser_required():
        raise pytest.UsageError(
            f"The browser tests need Chromium at {CHROMIUM} and CI (or REQUIRE_BROWSER=1) forbids skipping them: "
            f"{INSTALL_HINT}."
        )
    skip = pytest.mark.skip(reason=f"Chromium is not installed at {CHROMIUM}: {INSTALL_HINT}.")
    for item in browser_tests:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROME_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A fixed language and size: the app picks its language from Accept-Language, and screenshots compare.
    return {**browser_context_args, "viewport": LAPTOP, "locale": "en-GB", "timezone_id": "Asia/Seoul"}


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """Serve the test's app (and the data its fixtures committed) on a free port; yield the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR


def small_pdf(text: str = "Implementation plan") -> bytes:
    """Return a valid one-page PDF (its cross-reference table points at the real offsets)."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(pdf)


# --- acting in the browser and arranging data ---------------------------------------------------------


@pytest.fixture
def sign_in(page: Page, live_server: str) -> Callable[..., None]:
    """Sign in through the login form (by field ids, so it works in every language)."""

    def _sign_in(email: str, password: str = PASSWORD) -> None:
        page.goto(f"{live_server}/auth/login")
        page.locator("#email").fill(email)
        page.locator("#password").fill(password)
        page.locator("#submit").click()
        expect(page.locator("form[action$='/auth/logout']")).to_be_attached()

    return _sign_in


def sign_out(page: Page) -> None:
    """Press "Sign out", opening the collapsed menu first on narrow screens."""
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
    page.locator("form[action$='/auth/logout'] button").click()
    expect(page.locator("form[action$='/auth/logout']")).to_have_count(0)


def choose_language(page: Page, code: str) -> None:
    """Press a language button of the navigation bar and wait for the page to come back in it."""
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
    page.locator(f"button[name=language][value={code}]").click()
    expect(page.locator("html")).to_have_attribute("lang", code)


class Nominations:
    """Put nominations in the database through the same services the pages use."""

    def draft(self, category: Category, user: User, answers: dict[str, str]) -> Nomination:
        return nomination_service.create_draft(category, user, answers)

    def submitted(self, category: Category, user: User, answers: dict[str, str],
                  attachment: tuple[str, bytes] | None = None) -> Nomination:
        nomination = self.draft(category, user, answers)
        if attachment:
            nomination_service.add_attachment(nomination, user, *attachment)
        return nomination_service.submit(nomination, user)


@pytest.fixture
def nominations(app) -> Nominations:
    return Nominations()


def reloaded(model, object_id: int):
    """Read an object as the server left it: end the test's transaction and forget what the session cached."""
    db.session.rollback()
    return db.session.get(model, object_id)
