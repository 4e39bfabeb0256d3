"""Certificates in a real browser: the public page of a valid certificate, of one withdrawn with the results (when
and why), of a code nobody was given; and no certificate for a nomination whose edition is not published. axe-core
clean on each page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from awards_app.services import publication as publication_service
from tests.functional.test_certificates import Arranged, valid_certificates

from .test_accessibility import audit


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "bypass_csp": True}  # axe is injected


def test_the_public_page_confirms_withdraws_or_knows_nothing(page: Page, live_server, world, db, sign_in):
    arranged = Arranged(world, db)
    old = next(c for c in arranged.publish() if not c.person)
    old_code = old.printed_code
    publication_service.withdraw(world.edition, world.secretariat, "A score was entered wrongly")
    # Withdrawn, so unpublished: the winner's applicant finds no certificate on their nomination, nor at its address.
    sign_in(world.applicant.email)
    page.goto(f"{live_server}/nominations/{arranged.winner.id}")
    expect(page.get_by_role("heading", name="Odense robot-assisted care")).to_be_visible()
    expect(page.get_by_text("Download the certificate")).to_have_count(0)
    assert page.request.get(f"{live_server}/nominations/{arranged.winner.id}/certificate.pdf").status == 404
    page.context.clear_cookies()

    publication_service.publish(world.edition, world.secretariat)
    fresh = next(c for c in valid_certificates() if not c.person)
    # Typed in small letters with spaces, into the form: the valid certificate's page.
    page.goto(f"{live_server}/certificates")
    page.get_by_label("Certificate code").fill(fresh.printed_code.lower().replace("-", " "))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(f"{live_server}/certificates/{fresh.printed_code}")
    expect(page.get_by_role("status")).to_contain_text("Valid.")
    expect(page.locator("dl")).to_contain_text("City of Odense")
    expect(page.locator("dl")).to_contain_text("Gold")
    assert not audit(page)
    page.screenshot(path="test-artifacts/screenshots/certificate-valid.png", full_page=True)

    page.goto(f"{live_server}/certificates/{old_code}")
    expect(page.get_by_role("status")).to_contain_text("Withdrawn.")
    expect(page.get_by_role("status")).to_contain_text("A score was entered wrongly")
    assert not audit(page)
    page.screenshot(path="test-artifacts/screenshots/certificate-withdrawn.png", full_page=True)

    response = page.goto(f"{live_server}/certificates/ABCD-EFGH-JKMN")
    assert response is not None and response.status == 404
    expect(page.get_by_role("alert")).to_contain_text("No certificate has this code")
    expect(page.get_by_label("Certificate code")).to_have_value("ABCD-EFGH-JKMN")
    assert not audit(page)
