"""A visitor reads the winners: from the list of editions to a winner's page, whose share card names it with full
addresses; an edition not yet published is not found. Screenshots at laptop and phone widths, in both languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from awards_app.extensions import db
from awards_app.models import Edition
from tests.functional.winners_helpers import publish_winners

from .helpers import LAPTOP, Screenshots, choose_language

PHONE = {"width": 390, "height": 844}


def test_a_visitor_follows_a_winner_and_shares_it(page: Page, live_server, world, screenshot_dir):
    publish_winners(world)
    now = datetime.now(UTC)
    db.session.add(
        Edition(name="Next Prize", year=2027, slug="next-2027", opens_at=now, closes_at=now + timedelta(days=60))
    )
    db.session.commit()

    page.goto(f"{live_server}/")
    page.locator("footer").get_by_role("link", name="Winners").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Seoul Smart City Prize winners")
    expect(page.get_by_role("link", name="Next Prize")).to_have_count(0)  # not published: not listed
    page.get_by_role("link", name="Test Prize 2026").click()
    expect(page.get_by_role("heading", name="Leadership award")).to_be_visible()
    page.get_by_role("link", name="Odense robot-assisted care").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Odense robot-assisted care")
    address = page.url
    assert address.endswith("-odense-robot-assisted-care")

    def meta(name: str) -> str | None:
        return page.locator(f'meta[property="{name}"], meta[name="{name}"]').get_attribute("content")

    assert meta("og:url") == address.replace(live_server, "http://localhost")  # the configured external address
    assert meta("og:title") == "Odense robot-assisted care: Gold, Tech-InnovaCity"
    assert meta("og:image") == "http://localhost/static/img/og-winners.png"
    assert meta("twitter:card") == "summary_large_image"
    expect(page.locator("#share-address")).to_have_value(meta("og:url") or "")

    response = page.goto(f"{live_server}/winners/next-2027")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()

    for language in ("en", "ko"):
        page.goto(f"{live_server}/winners/test-2026")
        if language == "ko":
            choose_language(page, "ko")
        for screen, size in (("laptop", LAPTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            shots = Screenshots(page, screenshot_dir, f"{language}-{screen}-winners", language)
            page.goto(f"{live_server}/winners/test-2026")
            shots.shoot("edition")
            page.goto(address)
            shots.shoot("winner")
            assert not shots.too_wide, shots.too_wide
