"""Browser tests: the app served from a real server thread and driven in the system's Chromium.

Playwright never downloads a browser here: it launches Debian's ``/usr/bin/chromium``. Where that is missing
(a laptop without root), the tests skip and say how to install it; on CI (``CI=true``) or with
``REQUIRE_BROWSER=1`` a missing browser stops the run instead, so the journeys are never silently skipped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from awards_app.after_response import wait_for_pending
from tests.conftest import PASSWORD, required_in_ci

from .helpers import LAPTOP, Nominations

CHROMIUM = "/usr/bin/chromium"
CHROME_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = "install it with `sudo apt-get install chromium` (Debian/Ubuntu)"

HERE = Path(__file__).resolve().parent
SCREENSHOT_DIR = HERE.parents[1] / "test-artifacts" / "screenshots"


# The development server under the browser tests abandons a static file's handle when Chromium drops the connection
# mid-response (a page left while its icon loads); the garbage collector later reports it in whichever test runs.
# Only static files are excused: an unclosed file of the app's own (a document, a PDF) still fails the test.
SERVER_LEFTOVERS = pytest.mark.filterwarnings(
    r"ignore:Exception ignored in. <_io.FileIO name='[^']*/awards_app/static/:pytest.PytestUnraisableExceptionWarning"
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark this folder's tests ``e2e``; skip them without Chromium, unless CI requires the browser."""
    browser_tests = [item for item in items if HERE in item.path.parents]
    for item in browser_tests:
        item.add_marker(pytest.mark.e2e)
        item.add_marker(SERVER_LEFTOVERS)
    if not browser_tests or Path(CHROMIUM).exists():
        return
    if required_in_ci():
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
def base_url() -> None:
    """No fixed base URL: each test serves its own app (``live_server``).

    This also replaces pytest-playwright's own ``base_url``, an instance-method session fixture that pytest 9
    deprecates with a multi-line warning the ``filterwarnings`` entry of pyproject.toml cannot match.
    """
    return None


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A fixed language and size: the app picks its language from Accept-Language, and screenshots compare.
    # Reduced motion turns Bootstrap's smooth scrolling off, so that a position read after a scroll is its end.
    return {
        **browser_context_args,
        "viewport": LAPTOP,
        "locale": "en-GB",
        "timezone_id": "Asia/Seoul",
        "reduced_motion": "reduce",
    }


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
        wait_for_pending(app)  # the work the last requests handed over (their mail) ends before the tables go


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR


# --- acting and arranging ----------------------------------------------------------------------------


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


@pytest.fixture
def nominations(app) -> Nominations:
    """Arrange nominations in the test's database (the app context of the ``app`` fixture)."""
    return Nominations()
