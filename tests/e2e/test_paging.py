"""The secretariat pages through a large round in the browser: page links, a filter, an order and a page size that
stay together, and the round's figures that count every nomination."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from awards_app.extensions import db
from awards_app.models import Organisation, OrganisationType
from awards_app.services import sheets as sheets_service
from tests.conftest import PASSWORD
from tests.functional.judging_helpers import another_judge, assign, criteria, eligible, judging_round

from .helpers import LAPTOP, choose_language
from .test_accessibility import AXE, audit


def test_the_secretariat_pages_through_a_round_s_progress(
    page: Page, browser: Browser, live_server, world, sign_in, screenshot_dir
):
    round_ = judging_round(world)
    round_.judges_per_nomination = 2
    second = another_judge()
    city = Organisation(name="Harbour City", type=OrganisationType.CITY, country_code="KE", city="Mombasa")
    db.session.add(city)
    db.session.commit()
    rubric = criteria(round_, world.project)
    for number in range(1, 131):
        nomination = eligible(world, f"Harbour project {number:03d}", organisation=city)
        assignment = assign(round_, nomination, world.judge, declared=True)
        if number <= 12:
            sheets_service.save_sheet(
                assignment, world.judge, sheets_service.SheetInput({c.id: "8" for c in rubric}, {}, ""), submit=True
            )
        if number % 2:
            assign(round_, nomination, second)

    sign_in(world.secretariat.email)
    page.goto(f"{live_server}/secretariat/rounds/{round_.id}/progress")
    expect(page.get_by_text("Showing 1–100 of 130")).to_be_visible()
    # Nobody owes the even ones up to 12 anything: scored by their one judge, they are short of a judge instead.
    expect(page.get_by_text("124 of 130 nominations still miss scores.")).to_be_visible()
    pages = page.get_by_role("navigation", name="Pages")
    pages.get_by_role("link", name="Page 2").click()
    expect(page.get_by_text("Showing 101–130 of 130")).to_be_visible()
    expect(page.get_by_text("Harbour project 101")).to_be_visible()
    expect(page.get_by_role("link", name="Page 2")).to_have_attribute("aria-current", "page")

    # Short of judges, fewest scores missing first, 25 a page: every link keeps all three.
    page.get_by_label("State").select_option("short")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("Showing 1–65 of 65")).to_be_visible()  # the even ones have one judge of three
    page.get_by_role("link", name="Missing scores").click()
    expect(page.get_by_role("columnheader", name="Missing scores")).to_have_attribute("aria-sort", "ascending")
    page.get_by_label("Rows per page").select_option("25")
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page.get_by_text("Showing 1–25 of 65")).to_be_visible()
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Next").click()
    expect(page.get_by_text("Showing 26–50 of 65")).to_be_visible()
    assert re.search(r"state=short", page.url) and "sort=missing" in page.url and "per_page=25" in page.url
    expect(page.get_by_role("columnheader", name="Missing scores")).to_have_attribute("aria-sort", "ascending")
    expect(page.get_by_label("State")).to_have_value("short")
    page.screenshot(path=str(screenshot_dir / "en-laptop-21-round-progress-paged.png"), full_page=True)
    page.screenshot(path=str(screenshot_dir / "en-laptop-22-round-progress-paged-viewport.png"))
    if AXE.exists():  # the page links, the sorting headers and the page size pass the audit of every page
        context = browser.new_context(bypass_csp=True, viewport=LAPTOP, locale="en-GB")  # axe is injected
        audited = context.new_page()
        audited.goto(f"{live_server}/auth/login")
        audited.locator("#email").fill(world.secretariat.email)
        audited.locator("#password").fill(PASSWORD)
        audited.locator("#submit").click()
        audited.goto(page.url)
        expect(audited.get_by_text("Showing 26–50 of 65")).to_be_visible()
        assert audit(audited) == []
        context.close()

    # A page past the last shows the last and says so.
    page.goto(f"{live_server}/secretariat/rounds/{round_.id}/progress?page=40")
    expect(page.get_by_role("alert")).to_contain_text("There is no page 40: this is page 2, the last.")
    expect(page.get_by_text("Showing 101–130 of 130")).to_be_visible()

    choose_language(page, "ko")
    expect(page.get_by_role("navigation", name="페이지 이동")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "ko-laptop-21-round-progress-paged.png"), full_page=True)
