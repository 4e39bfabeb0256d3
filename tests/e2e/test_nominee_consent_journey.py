"""A Mayor's commendation needs its nominee's consent: the applicant sends the link, the nominee (no account, in
Korean) reads the nomination and consents, and the applicant submits. Both pages pass the accessibility audit."""

from __future__ import annotations

import re

import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from awards_app.extensions import db
from awards_app.models import Nomination, NominationStatus
from tests.conftest import PASSWORD
from tests.functional.judging_helpers import COMMENDATION_ANSWERS

from .helpers import LAPTOP, choose_language, confirm, reloaded
from .test_accessibility import AXE, audit


def _fill(page: Page, answers: dict[str, str]) -> None:
    for name, value in answers.items():
        field = page.locator(f"[name={name}]")
        if field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)


def _browser_page(browser: Browser, locale: str) -> Page:
    """A page whose CSP lets the accessibility audit inject axe."""
    context = browser.new_context(bypass_csp=True, viewport=LAPTOP, locale=locale, reduced_motion="reduce")
    return context.new_page()


def test_the_nominee_consents_by_link_and_the_applicant_submits(
    browser: Browser, live_server, world, smtp_inbox, screenshot_dir
):
    page = _browser_page(browser, "en-GB")
    page.goto(f"{live_server}/auth/login")
    page.locator("#email").fill(world.applicant.email)
    page.locator("#password").fill(PASSWORD)
    page.locator("#submit").click()
    expect(page.locator("form[action$='/auth/logout']")).to_be_attached()
    page.goto(f"{live_server}/nominations/new/{world.commendation.id}")
    _fill(page, {**COMMENDATION_ANSWERS, "nominee_name": "Kim Ji-won"})
    page.get_by_role("button", name="Submit nomination").click()
    confirm(page)

    # Refused: the summary names the nominee's consent and leads to it.
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("The nominee's consent: The nominee has not consented yet")
    # The page's script gives the first field with a problem the focus when it runs; click after it has.
    page.wait_for_load_state("load")
    summary.get_by_role("link", name="The nominee's consent").click()
    expect(page.get_by_label("Nominee's e-mail")).to_be_focused()
    page.get_by_label("Nominee's e-mail").fill("ji-won.kim@example.org")
    page.get_by_role("button", name="Send the consent link").click()
    expect(page.get_by_text("The consent link was sent to ji-won.kim@example.org.")).to_be_visible()
    expect(page.locator("#nominee-consent")).to_contain_text("Waiting for the nominee")
    page.screenshot(path=str(screenshot_dir / "en-laptop-45-nominee-consent-waiting.png"), full_page=True)
    if AXE.exists():
        assert audit(page) == []

    (mail,) = smtp_inbox.messages
    token = re.search(r"/consent/(\S+)", mail.get_body(("plain",)).get_content()).group(1)

    nominee = _browser_page(browser, "ko-KR")
    nominee.goto(f"{live_server}/consent/{token}")
    choose_language(nominee, "ko")
    expect(nominee.get_by_role("heading", level=1)).to_be_visible()
    expect(nominee.locator("main, body").first).to_contain_text("Kim Ji-won")
    if AXE.exists():
        assert audit(nominee) == []
    nominee.screenshot(path=str(screenshot_dir / "ko-laptop-46-nominee-consent-page.png"), full_page=True)
    for box in nominee.locator("input[type=checkbox]").all():
        box.check()
    nominee.locator("#give").click()
    expect(nominee.locator(".alert-success")).to_be_visible()
    expect(nominee.locator("#give")).to_have_count(0)
    nominee.context.close()

    page.reload()
    expect(page.locator("#nominee-consent")).to_contain_text("The nominee consented through the link")
    page.get_by_role("button", name="Submit nomination").click()
    confirm(page)
    expect(page.get_by_text(re.compile(r"Submitted\. Your reference is SSCP-2026-MC-\d{3}"))).to_be_visible()
    nomination = db.session.scalar(sa.select(Nomination.id).where(Nomination.category_id == world.commendation.id))
    assert reloaded(Nomination, nomination).status is NominationStatus.SUBMITTED
    page.context.close()
