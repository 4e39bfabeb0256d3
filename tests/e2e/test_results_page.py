"""The results page as the committee sees it: the ranking with its three charts, at two widths and in two languages."""

from __future__ import annotations

import random

import pytest
from playwright.sync_api import Page, expect

from awards_app.extensions import db
from awards_app.models import Role
from awards_app.services import sheets as sheets_service
from tests.conftest import make_user
from tests.functional.judging_helpers import assign, criteria, eligible, judging_round

from .helpers import LAPTOP, TABLET, Screenshots, choose_language

SCREENS = {"laptop": LAPTOP, "tablet": TABLET}


@pytest.fixture
def ranked(world):
    """Ten nominations scored by five judges of differing severity (one of them harsh), so every chart has data."""
    round_ = judging_round(world)
    round_.judges_per_nomination = 4
    titles = [
        "Odense robot-assisted care",
        "Kigali smart water meters",
        "Bogotá open mobility data",
        "서울 스마트 교통 신호",
        "Medellín metro cable",
        "Tallinn digital identity",
        "Da Nang flood sensors",
        "Quito air quality map",
        "Almaty snow clearing routes",
        "Abuja land registry",
    ]
    nominations = [
        eligible(world, title, organisation=world.other_city if i % 2 else world.city) for i, title in enumerate(titles)
    ]
    judges = [world.judge] + [
        make_user(f"judge{i}@judges.example", [Role.JUDGE], name=name)
        for i, name in enumerate(["Budi Santoso", "Carla Mendes", "Dae-jung Park", "Emeka Obi"], start=1)
    ]
    db.session.commit()
    rubric = criteria(round_, world.project)
    generator = random.Random(3)
    severity = [0, -3, 1, 2, 0]
    for n_index, nomination in enumerate(nominations):
        quality = 8 - n_index // 2
        for j_index, judge in enumerate(judges):
            if (n_index + j_index) % 5 == 4:
                continue
            assignment = assign(round_, nomination, judge, declared=True)
            values = {
                c.id: str(min(10, max(1, quality + severity[j_index] + generator.randint(-2, 2)))) for c in rubric
            }
            sheets_service.save_sheet(assignment, judge, sheets_service.SheetInput(values, {}, "", None), submit=True)
    return round_, nominations


@pytest.mark.parametrize("language", ["en", "ko"])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_results_page_shows_its_charts(
    page: Page, live_server, world, ranked, sign_in, screenshot_dir, screen, language
):
    round_, nominations = ranked
    page.set_viewport_size(SCREENS[screen])
    sign_in(world.secretariat.email)
    if language != "en":
        choose_language(page, language)
    page.goto(f"{live_server}/secretariat/rounds/{round_.id}/results")
    spread = page.locator("svg[aria-labelledby='spread-title spread-desc']")
    expect(spread).to_be_visible()
    expect(spread.locator("circle")).to_have_count(len(nominations))
    expect(page.locator("svg[aria-labelledby='severity-title severity-desc'] rect")).to_have_count(5)
    robustness = page.locator("svg[aria-labelledby='robust-title robust-desc']")
    expect(robustness.locator("polyline")).to_have_count(len(nominations))
    expect(spread.locator(".chart-cut")).to_have_count(1)  # Gold 1 + Silver 2: the cut after place 3
    shots = Screenshots(page, screenshot_dir, f"{language}-{screen}-results", language)
    shots.shoot("results")
    assert not shots.too_wide, shots.too_wide
