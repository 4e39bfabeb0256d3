"""Decisions a committee can defend, in the browser as the secretariat uses them: tiers by whom they are for with
the committee's list, the uncertainty model running in the background with its progress and chart, publishing,
withdrawing and publishing again, and the commendation committee's sitting."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from awards_app.extensions import db
from awards_app.models import (
    Assignment,
    AwardTier,
    CommitteeVote,
    Organisation,
    OrganisationType,
    Role,
    RoundMode,
    Vote,
    utcnow,
)
from awards_app.services import rubrics as rubrics_service
from awards_app.services import sheets as sheets_service
from tests.conftest import make_user
from tests.functional.judging_helpers import COMMENDATION_ANSWERS, assign, eligible, judging_round

from .helpers import Screenshots

CITY, INSTITUTION, CORPORATION = OrganisationType.CITY, OrganisationType.INSTITUTION, OrganisationType.CORPORATION


@pytest.fixture
def judged(world):
    """Nine nominations of cities, a corporation and an institution, each scored by three of four judges; two of
    them tie at the Silver boundary."""
    world.project.tiers = [
        AwardTier(name_en="Gold", count=1, position=0, fill_order=1),
        AwardTier(name_en="Silver", count=2, position=1, fill_order=2),
        AwardTier(name_en="Bronze", count=3, position=2, fill_order=3),
        AwardTier(name_en="Corporate prize", count=1, position=3, fill_order=4, eligible_types=["corporation"]),
        AwardTier(name_en="Institution prize", count=1, position=4, fill_order=5, eligible_types=["institution"]),
    ]
    round_ = judging_round(world)
    round_.judges_per_nomination = 3
    judges = []
    for index, name in enumerate(["Budi Santoso", "Carla Mendes", "Dae-jung Park", "Emeka Obi"]):
        judge = make_user(f"judge{index}@judges.example", [Role.JUDGE], name=name)
        judge.affiliation, judge.country_code = f"University {index}", "PT"
        judges.append(judge)
    db.session.commit()
    rubric = rubrics_service.criteria_of(round_, world.project)
    entries = [
        ("Odense robot care", CITY, 10),
        ("Kigali water meters", CITY, 9),
        ("Bogotá mobility data", CITY, 8),
        ("Medellín metro cable", CITY, 8),
        ("Tallinn digital identity", CITY, 6),
        ("Quito air quality", CITY, 5),
        ("Almaty snow routes", CITY, 5),
        ("Kerbside sensors", CORPORATION, 4),
        ("Lima data lab", INSTITUTION, 3),
    ]
    leniency = [0, -1, 1, 0]
    made = []
    for index, (title, kind, base) in enumerate(entries):
        organisation = Organisation(name=f"{title} Org", type=kind, country_code="FR", city="Lyon")
        db.session.add(organisation)
        nomination = eligible(world, title, organisation=organisation)
        panel = (
            [0, 1, 2]
            if title in ("Bogotá mobility data", "Medellín metro cable")
            else [(index + k) % 4 for k in range(3)]
        )
        for j in panel:
            assignment = assign(round_, nomination, judges[j], declared=True)
            tied = title in ("Bogotá mobility data", "Medellín metro cable")
            values = {
                c.id: str(min(10, max(1, base + leniency[j] + (0 if tied else (p + index + j) % 3 - 1))))
                for p, c in enumerate(rubric)
            }
            sheets_service.save_sheet(assignment, judges[j], sheets_service.SheetInput(values, {}, ""), submit=True)
        made.append(nomination)
    return round_, made


def test_the_secretariat_gives_the_tiers_and_the_committee_gets_the_tie(
    page: Page, live_server, world, judged, sign_in, screenshot_dir
):
    round_, nominations = judged
    sign_in(world.secretariat.email)
    page.goto(f"{live_server}/secretariat/rounds/{round_.id}/results")
    expect(
        page.get_by_text(
            "Gold × 1 → Silver × 2 → Bronze × 3 → Corporate prize × 1 (Corporation) → "
            "Institution prize × 1 (Institution)"
        )
    ).to_be_visible()
    page.get_by_role("button", name="Give the tiers in rank order").click()
    expect(page.get_by_role("alert").filter(has_text="places are left to the committee")).to_be_visible()
    committee = page.locator("section[aria-labelledby=committee-heading]")
    expect(committee).to_contain_text("Silver")
    expect(committee).to_contain_text("Bogotá mobility data")
    expect(committee).to_contain_text("Medellín metro cable")
    ranking = page.locator("table[data-sortable]").first
    expect(ranking.locator("tr", has_text="Kerbside sensors")).to_contain_text("Corporate prize")
    expect(ranking.locator("tr", has_text="Lima data lab")).to_contain_text("Institution prize")
    expect(ranking.locator("tr", has_text="Bogotá mobility data")).to_contain_text("tie at 3")
    Screenshots(page, screenshot_dir, "en-laptop-tiers", "en").shoot("committee-list")
    # The committee gives the Silver place to Medellín; the page no longer lists it.
    medellin = f"3. {nominations[3].reference} · Medellín metro cable"
    page.get_by_label("Nomination", exact=True).select_option(label=medellin)
    page.get_by_label("Tier", exact=True).select_option(label="Silver")
    page.get_by_label("Reason", exact=True).fill("The committee preferred its measured results")
    page.get_by_role("button", name="Override").click()
    expect(page.get_by_role("alert").filter(has_text="Award changed")).to_be_visible()
    expect(ranking.locator("tr", has_text="Medellín metro cable")).to_contain_text("Silver")


def test_the_uncertainty_model_runs_in_the_background_and_draws_its_chart(
    page: Page, live_server, world, judged, sign_in, screenshot_dir
):
    round_, nominations = judged
    sign_in(world.secretariat.email)
    page.goto(f"{live_server}/secretariat/rounds/{round_.id}/results")
    expect(page.get_by_text("Not fitted yet.")).to_be_visible()
    page.get_by_role("button", name="Compute the uncertainty").click()
    expect(page.locator("progress[data-fit-progress]")).to_be_visible()
    Screenshots(page, screenshot_dir, "en-laptop-uncertainty", "en").shoot("running")
    # The page follows the job and reloads itself when it is done.
    chart = page.locator("svg[aria-labelledby='ranks-title ranks-desc']")
    expect(chart).to_be_visible(timeout=180_000)
    expect(chart.locator("circle")).to_have_count(len(nominations))
    expect(chart.locator(".chart-cut")).to_have_count(3)  # the tier boundaries at 1, 3 and 6
    expect(chart.locator(".chart-zone").first).to_be_attached()  # the tied pair is in the zone of cut 3
    expect(page.get_by_text("(converged)")).to_be_visible()
    page.locator("#uncertainty").scroll_into_view_if_needed()
    Screenshots(page, screenshot_dir, "en-laptop-uncertainty", "en").shoot("chart")


def test_publishing_withdrawing_and_publishing_again(page: Page, live_server, world, judged, sign_in, app):
    round_, _nominations = judged
    from awards_app.services import results as results_service

    results_service.assign_tiers(round_, world.project, world.secretariat)
    round_.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    sign_in(world.secretariat.email)
    page.goto(f"{live_server}/secretariat/rounds/{round_.id}/results")
    page.get_by_role("link", name="Publish the results…").click()
    expect(page.get_by_role("heading", name="What applicants will see")).to_be_visible()
    expect(page.get_by_role("cell", name="Odense robot care", exact=True)).to_be_visible()
    page.get_by_label("I have checked what will be shown, and publish it").check()
    page.get_by_role("button", name="Publish the results").click()
    expect(page.get_by_role("alert").filter(has_text="The results are published")).to_be_visible()
    page.goto(f"{live_server}/secretariat/rounds/{round_.id}/results/publish")
    page.get_by_label("Why the publication is withdrawn").fill("A score was entered against the wrong nomination")
    page.get_by_role("button", name="Withdraw the publication").click()
    expect(page.get_by_role("alert").filter(has_text="The publication is withdrawn")).to_be_visible()
    expect(page.get_by_text("withdrawn on")).to_be_visible()
    page.get_by_label("I have checked what will be shown, and publish it").check()
    page.get_by_role("button", name="Publish the results").click()
    expect(page.get_by_role("alert").filter(has_text="The results are published")).to_be_visible()


def test_the_committee_s_sitting_is_closed_and_gives_the_commendation(
    page: Page, live_server, world, sign_in, screenshot_dir
):
    world.commendation.tiers = [AwardTier(name_en="Commendation", name_ko="표창", count=1, position=0, fill_order=1)]
    round_ = judging_round(
        world, name="Merit review committee", categories=[world.commendation], mode=RoundMode.COMMITTEE
    )
    nomination = eligible(
        world, "Kim Ji-won, advisory committee", category=world.commendation, answers=COMMENDATION_ANSWERS
    )
    for index, vote in enumerate([Vote.APPROVE, Vote.APPROVE, Vote.ABSTAIN]):
        member = make_user(f"member{index}@wego.example", [Role.JUDGE], name=f"Member {index}")
        db.session.commit()
        assignment = assign(round_, nomination, member, declared=True)
        db.session.add(CommitteeVote(assignment_id=assignment.id, vote=vote))
    db.session.commit()
    sign_in(world.secretariat.email)
    page.goto(f"{live_server}/secretariat/rounds/{round_.id}/results")
    expect(page.get_by_text("provisional").first).to_be_visible()
    page.get_by_label("Votes can no longer change").check()
    page.get_by_role("button", name="Close the sitting").click()
    expect(page.get_by_role("alert").filter(has_text="The sitting is closed")).to_be_visible()
    page.get_by_role("button", name="Give the commendations to the nominations that passed").click()
    expect(page.get_by_role("alert").filter(has_text="1 commendation given.")).to_be_visible()
    expect(page.locator("tr", has_text=nomination.reference)).to_contain_text("Commendation")
    Screenshots(page, screenshot_dir, "en-laptop-sitting", "en").shoot("closed")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assignment)) == 3
