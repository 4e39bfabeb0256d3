"""Helpers of the browser tests: a few actions on any page, test files, and data arranged through the services."""

from __future__ import annotations

import contextlib
from pathlib import Path

from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from awards_app.extensions import db
from awards_app.models import Category, Nomination, User
from awards_app.services import nominations as nominations_service

LAPTOP = {"width": 1366, "height": 900}
TABLET = {"width": 820, "height": 1180}


def sign_out(page: Page) -> None:
    """Press "Sign out", opening the collapsed menu first on narrow screens."""
    # The toggler works once Bootstrap's script has run: a click before the page's load event does nothing.
    page.wait_for_load_state("load")
    button = page.locator("form[action$='/auth/logout'] button")
    toggler = page.locator(".navbar-toggler")
    for _ in range(3):
        if button.is_visible() or not toggler.is_visible():
            break
        # The screen may just have been widened: the layout then unfolds the menu while the click waits.
        with contextlib.suppress(PlaywrightTimeoutError):
            toggler.click(timeout=5_000)
        with contextlib.suppress(AssertionError):
            expect(button).to_be_visible(timeout=5_000)
    button.click()
    expect(page.locator("form[action$='/auth/logout']")).to_have_count(0)


def choose_language(page: Page, code: str) -> None:
    """Press a language button of the navigation bar and wait for the page to come back in it, loaded. The switch
    stays in view at every width (outside the folding menu): the click waits for it, on the page the last action led
    to."""
    page.wait_for_load_state("load")
    page.locator(f"button[name=language][value={code}]").click()
    expect(page.locator("html")).to_have_attribute("lang", code)
    # The new page's scripts have run (its confirmation dialogs and the like are in place) before the next click.
    page.wait_for_load_state("load")


class Nominations:
    """Put nominations in the database through the same services the pages use."""

    def draft(self, category: Category, user: User, answers: dict[str, str]) -> Nomination:
        return nominations_service.create_draft(category, user, answers)

    def submitted(
        self, category: Category, user: User, answers: dict[str, str], attachment: tuple[str, bytes] | None = None
    ) -> Nomination:
        nomination = self.draft(category, user, answers)
        if attachment:
            nominations_service.add_attachment(nomination, user, *attachment)
        return nominations_service.submit(nomination, user)


def reloaded(model, object_id: int):
    """Read an object as the server left it: end the test's transaction and forget what the session cached."""
    db.session.rollback()
    return db.session.get(model, object_id)


def small_pdf(text: str = "Implementation plan", pages: int = 1) -> bytes:
    """Return a valid PDF of ``pages`` pages (its cross-reference table points at the real offsets): the first
    page says ``text`` in large type under a dark band, the others "<text>, page <n>"."""
    kids = " ".join(f"{3 + 2 * n} 0 R" for n in range(pages))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode()]
    font = 3 + 2 * pages
    for n in range(pages):
        line = text if n == 0 else f"{text}, page {n + 1}"
        stream = f"0.1 0.25 0.45 rg 0 700 612 92 re f 0 g BT /F1 28 Tf 72 640 Td ({line}) Tj ET".encode()
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * n} 0 R "
            f"/Resources << /Font << /F1 {font} 0 R >> >> >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
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


class Screenshots:
    """Full-page screenshots of a page in one language and screen size, noting any page wider than the screen."""

    def __init__(self, page: Page, folder: Path, prefix: str, language: str) -> None:
        self.page, self.folder, self.prefix, self.language = page, folder, prefix, language
        self.taken: list[str] = []
        self.too_wide: list[str] = []

    def shoot(self, name: str) -> None:
        expect(self.page.locator("html")).to_have_attribute("lang", self.language)
        path = self.folder / f"{self.prefix}-{len(self.taken) + 1:02d}-{name}.png"
        self.page.screenshot(path=path, full_page=True)
        self.taken.append(path.name)
        overflow = self.page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 0:
            self.too_wide.append(f"{path.name} (+{overflow}px)")


def confirm(page: Page, button: str | None = None) -> None:
    """Answer the confirmation dialog that guards what cannot be undone (its confirming button, by name if given)."""
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    if button is not None:
        expect(dialog.locator("#confirm-ok")).to_have_text(button)
    dialog.locator("#confirm-ok").click()
    expect(dialog).to_be_hidden()
