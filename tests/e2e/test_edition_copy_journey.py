"""Copying an edition in a real browser: from the new-edition page to next year's rounds and rubric."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from awards_app.extensions import db
from awards_app.models import Edition, LevelDescriptor
from awards_app.services.rubrics import criteria_of, descriptors_of
from tests.functional.judging_helpers import judging_round

from .helpers import LAPTOP, TABLET, Screenshots, choose_language

SHOTS = Path("/tmp/shots")


@pytest.fixture(autouse=True)
def real_csrf(app):
    """Check CSRF tokens as production does: the copy form carries its own."""
    app.config["WTF_CSRF_ENABLED"] = True


def test_the_secretariat_copies_an_edition_and_finds_its_rounds_and_rubric(page: Page, live_server, world, sign_in):
    round_ = judging_round(world, categories=[world.project, world.leadership])
    first = criteria_of(round_, world.project)[0]
    first.name_en, first.weight = "Impact on citizens' lives", Decimal(3)
    descriptors_of([first])[first.id][-1].text_en = "Transformed how residents live, with measured results."
    db.session.commit()
    described = db.session.scalar(sa.select(sa.func.count(LevelDescriptor.id)))
    SHOTS.mkdir(parents=True, exist_ok=True)
    shots = Screenshots(page, SHOTS, "copy-en-1366", "en")

    # From the new-edition page, the officer starts from last year's edition.
    sign_in(world.secretariat.email)
    page.goto(f"{live_server}/secretariat/editions/new")
    page.get_by_role("button", name="Copy it").click()
    expect(page.locator(".invalid-feedback")).to_have_text("Choose the edition to start from.")
    page.get_by_label("Earlier edition", exact=True).select_option(label="Test Prize 2026 (2026)")
    page.get_by_role("button", name="Copy it").click()

    # The copy is proposed a year on; a short name already taken is refused by its field, nothing created.
    expect(page.get_by_role("heading", name="Copy Test Prize 2026 into a new edition")).to_be_visible()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Test Prize 2027")
    expect(page.get_by_label("Year")).to_have_value("2027")
    expect(page.get_by_label("Short name")).to_have_value("test-2027")
    opens = world.edition.local(world.edition.opens_at)
    expect(page.get_by_label("Call opens")).to_have_value(opens.replace(year=opens.year + 1).strftime("%Y-%m-%dT%H:%M"))
    expect(page.get_by_text("Online evaluation", exact=False)).to_be_visible()
    shots.shoot("form")
    page.get_by_label("Short name").fill("test-2026")
    page.get_by_role("button", name="Create the new edition").click()
    expect(page.locator("#slug + .invalid-feedback")).to_have_text("Another edition already uses this short name.")
    assert db.session.scalar(sa.select(sa.func.count(Edition.id))) == 1
    shots.shoot("refused")

    # Corrected, the copy lands on the new edition, saying what it took and to review the dates.
    page.get_by_label("Short name").fill("test-2027")
    page.get_by_label("Name in Korean").fill("2027 테스트상")
    page.get_by_role("button", name="Create the new edition").click()
    expect(page.get_by_role("heading", name="Test Prize 2027", exact=True)).to_be_visible()
    message = page.get_by_role("alert").filter(has_text="created from Test Prize 2026")
    expect(message).to_contain_text("Copied: 3 categories, 2 award tiers, 1 round, 9 rubric criteria")
    expect(message).to_contain_text("Every date moved one year on: review the call's dates")
    expect(page.get_by_role("row").filter(has_text="Tech-InnovaCity")).to_contain_text("Gold × 1, Silver × 2")
    shots.shoot("new-edition")

    # Its round, a year later, and the rubric as it was changed, descriptors and all.
    page.get_by_role("link", name="Rounds", exact=True).click()
    expect(page.get_by_role("heading", name="Judging rounds Test Prize 2027")).to_be_visible()
    page.get_by_role("link").filter(has_text="Online evaluation").click()
    copied = db.session.scalar(sa.select(Edition).where(Edition.slug == "test-2027"))
    assert copied is not None and copied.name_ko == "2027 테스트상"
    page.get_by_role("row").filter(has_text="TI ·").get_by_role("link", name="Rubric").click()
    expect(page.get_by_role("heading", name="Rubric of Tech-InnovaCity")).to_be_visible()
    expect(page.locator("[name='criteria-0-name_en']")).to_have_value("Impact on citizens' lives")
    expect(page.locator("[name='criteria-0-weight']")).to_have_value(re.compile(r"^3(\.0+)?$"))
    shots.shoot("rubric")
    page.get_by_role("link", name="Level descriptors · Criterion 1").click()
    expect(page.get_by_text("Transformed how residents live, with measured results.")).to_be_visible()
    copied_round = page.url.split("/rounds/")[1].split("/")[0]
    assert copied_round != str(round_.id)
    assert db.session.scalar(sa.select(sa.func.count(LevelDescriptor.id))) == 2 * described  # both editions
    shots.shoot("descriptors")

    # The copy page at a tablet's width, in Korean.
    page.set_viewport_size(TABLET)
    page.goto(f"{live_server}/secretariat/editions/{world.edition.id}/copy")
    choose_language(page, "ko")
    korean = Screenshots(page, SHOTS, "copy-ko-820", "ko")
    korean.shoot("form")
    page.set_viewport_size(LAPTOP)
    assert not shots.too_wide and not korean.too_wide, shots.too_wide + korean.too_wide
