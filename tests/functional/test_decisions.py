"""Decisions a committee can defend: tiers by whom they are for, ties and doubtful places left to the committee,
flags that name their cut, and judges compared without themselves — through the pages the secretariat uses."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from awards_app.extensions import db as _db
from awards_app.models import (
    Assignment,
    AuditEvent,
    Award,
    AwardTier,
    Organisation,
    OrganisationType,
    Role,
)
from awards_app.services import conflicts as conflicts_service
from awards_app.services import results as results_service
from awards_app.services import rubrics as rubrics_service
from awards_app.services import sheets as sheets_service
from tests.conftest import make_user
from tests.functional.judging_helpers import eligible, judging_round

CITY, INSTITUTION, CORPORATION = OrganisationType.CITY, OrganisationType.INSTITUTION, OrganisationType.CORPORATION


@pytest.fixture
def prize_tiers(world, db):
    """The project category gives Gold 1, Silver 2, Bronze 3, a Corporate prize and an Institution prize."""
    world.project.tiers = [
        AwardTier(name_en="Gold", count=1, position=0, fill_order=1),
        AwardTier(name_en="Silver", count=2, position=1, fill_order=2),
        AwardTier(name_en="Bronze", count=3, position=2, fill_order=3),
        AwardTier(name_en="Corporate prize", count=1, position=3, fill_order=4, eligible_types=["corporation"]),
        AwardTier(name_en="Institution prize", count=1, position=4, fill_order=5, eligible_types=["institution"]),
    ]
    db.session.commit()
    return {t.name_en: t for t in world.project.tiers}


def judges(count: int):
    panel = []
    for index in range(count):
        judge = make_user(f"panel{index}@judges.example", [Role.JUDGE], name=f"Panel Judge {index}")
        judge.affiliation, judge.country_code = f"University {index}", "PT"
        panel.append(judge)
    _db.session.commit()
    return panel


def scored(world, round_, entries, panel):
    """Nominations scored by every judge of ``panel`` with the same value on each criterion (1–10):
    ``entries`` is a list of (title, organisation type, value)."""
    rubric = rubrics_service.criteria_of(round_, world.project)
    made = []
    for title, kind, value in entries:
        organisation = Organisation(name=f"{title} Org", type=kind, country_code="FR", city="Lyon")
        _db.session.add(organisation)
        nomination = eligible(world, title, organisation=organisation)
        for judge in panel:
            assignment = Assignment(round_id=round_.id, nomination_id=nomination.id, judge_id=judge.id)
            _db.session.add(assignment)
            _db.session.flush()
            conflicts_service.declare(assignment, judge, False)
            sheets_service.save_sheet(
                assignment, judge, sheets_service.SheetInput({c.id: str(value) for c in rubric}, {}, ""), submit=True
            )
        made.append(nomination)
    return made


def awarded(round_, category) -> dict[str, str]:
    return {a.nomination.title: a.tier.name_en for a in results_service.awards_of(round_, category).values()}


def test_type_prizes_go_to_the_best_of_their_type(client, auth, world, db, prize_tiers):
    # Eight cities, then a corporation and an institution: "rank order" used to give the Corporate prize to the
    # 7th (a city) and the Institution prize to the 8th.
    round_ = judging_round(world)
    round_.judges_per_nomination = 3
    entries = [(f"City project {i}", CITY, 10 - i) for i in range(8)]
    entries += [("Sensor company", CORPORATION, 2), ("Research institute", INSTITUTION, 1)]
    scored(world, round_, entries, judges(3))
    auth.login(world.secretariat)
    response = client.post(
        f"/secretariat/rounds/{round_.id}/results/awards",
        data={"category": str(world.project.id)},
        follow_redirects=True,
    )
    assert b"8 awards given in rank order." in response.data
    given = awarded(round_, world.project)
    assert given["Sensor company"] == "Corporate prize" and given["Research institute"] == "Institution prize"
    assert [title for title, tier in given.items() if tier in ("Gold", "Silver", "Bronze")] == [
        f"City project {i}" for i in range(6)
    ]
    assert "City project 6" not in given and "City project 7" not in given
    page = response.get_data(as_text=True)
    assert "Gold × 1 → Silver × 2 → Bronze × 3 → Corporate prize × 1 (Corporation) → Institution prize × 1" in page


def test_a_shared_first_place_goes_to_the_committee_not_to_the_database_order(client, auth, world, db, prize_tiers):
    round_ = judging_round(world)
    round_.judges_per_nomination = 3
    panel = judges(3)
    first, twin, *_rest = scored(
        world,
        round_,
        [
            ("First", CITY, 9),
            ("Twin", CITY, 9),
            ("Third", CITY, 8),
            ("Fourth", CITY, 7),
            ("Fifth", CITY, 6),
            ("Sixth", CITY, 5),
            ("Seventh", CITY, 4),
        ],
        panel,
    )
    auth.login(world.secretariat)
    url = f"/secretariat/rounds/{round_.id}/results"
    response = client.post(url + "/awards", data={"category": str(world.project.id)}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "2 places are left to the committee" in page
    given = awarded(round_, world.project)
    assert "First" not in given and "Twin" not in given  # neither Gold nor Silver by row order
    assert given == {"Third": "Silver", "Fourth": "Bronze", "Fifth": "Bronze", "Sixth": "Bronze"}
    committee = page[page.index("For the committee to decide") :]
    assert re.search(r"<strong>Gold</strong>: 1 place", committee)
    assert f"{first.reference} · First" in committee and f"{twin.reference} · Twin" in committee
    assert "tie</span>" in committee
    # The committee gives Gold to the twin; the other place of the pair is Silver, by hand too.
    for nomination, tier in ((twin, "Gold"), (first, "Silver")):
        client.post(
            url + "/override",
            data={
                "category": str(world.project.id),
                "override-nomination": str(nomination.id),
                "override-tier": str(prize_tiers[tier].id),
                "override-reason": "Decided at the committee's sitting",
            },
        )
    page = client.get(url).get_data(as_text=True)
    assert "For the committee to decide" not in page
    assert awarded(round_, world.project) | {} == {
        "Twin": "Gold",
        "First": "Silver",
        "Third": "Silver",
        "Fourth": "Bronze",
        "Fifth": "Bronze",
        "Sixth": "Bronze",
    }
    # Giving the tiers again keeps what was given by hand.
    client.post(url + "/awards", data={"category": str(world.project.id)})
    assert awarded(round_, world.project)["Twin"] == "Gold"


def test_a_nomination_judged_by_too_few_is_not_given_a_tier_by_its_rank(client, auth, world, db, prize_tiers):
    round_ = judging_round(world)
    round_.judges_per_nomination = 3
    panel = judges(3)
    scored(world, round_, [("Solid", CITY, 9)], panel)
    scored(world, round_, [("One judge only", CITY, 8)], panel[:1])
    scored(world, round_, [("Also solid", CITY, 7), ("Fourth", CITY, 6)], panel)
    auth.login(world.secretariat)
    url = f"/secretariat/rounds/{round_.id}/results"
    page = client.post(url + "/awards", data={"category": str(world.project.id)}, follow_redirects=True).get_data(
        as_text=True
    )
    given = awarded(round_, world.project)
    assert "One judge only" not in given
    # One judge's 8 might be anyone's 9: Gold is the committee's, between the two; below them the tiers fill on.
    committee = page[page.index("For the committee to decide") :]
    gold = committee[committee.index("<strong>Gold</strong>") : committee.index("<strong>Silver</strong>")]
    assert "Solid" in gold and "One judge only" in gold and "few judges</span>" in gold
    assert given == {"Also solid": "Silver", "Fourth": "Bronze"}


def test_flags_name_their_cut_on_the_results_page(client, auth, world, db, prize_tiers):
    round_ = judging_round(world)
    round_.judges_per_nomination = 3
    round_.shortlist_count = 2
    db.session.commit()
    scored(world, round_, [("A", CITY, 9), ("B", CITY, 8), ("C", CITY, 8), ("D", CITY, 4)], judges(3))
    auth.login(world.secretariat)
    page = client.get(f"/secretariat/rounds/{round_.id}/results").get_data(as_text=True)
    assert results_service.watched_cuts(round_, world.project) == (1, 2, 3, 6)
    # B and C share rank 2, which straddles the shortlist of 2 (both are in the Silver places, cut 3).
    flags = dict(
        zip(
            *[results_service.category_results(round_, world.project).ranking[c] for c in ("title", "flags")],
            strict=True,
        )
    )
    assert flags == {"A": "", "B": "tie at 2", "C": "tie at 2", "D": ""}
    assert "tie at 2" in page


def test_the_tiers_of_a_category_are_set_with_whom_they_are_for_and_their_order(client, auth, world, db):
    auth.login(world.secretariat)
    page = client.get(f"/secretariat/categories/{world.project.id}/edit").get_data(as_text=True)
    assert "tiers-0-eligible_types" in page and "tiers-0-fill_order" in page
    data = {
        "code": "TI",
        "name_en": "Tech-InnovaCity",
        "name_ko": "기술혁신",
        "kind": "project",
        "eligible_types": ["city", "institution", "corporation"],
        "max_per_organisation": "2",
        "position": "1",
        "tiers-0-name_en": "Gold",
        "tiers-0-count": "1",
        "tiers-0-fill_order": "1",
        "tiers-1-name_en": "Corporate prize",
        "tiers-1-count": "1",
        "tiers-1-eligible_types": ["corporation"],
        "tiers-1-fill_order": "3",
        "tiers-2-name_en": "Silver",
        "tiers-2-count": "2",
        "tiers-2-fill_order": "2",
    }
    assert client.post(f"/secretariat/categories/{world.project.id}/edit", data=data).status_code == 302
    db.session.refresh(world.project)
    assert [(t.name_en, t.eligible_types, t.fill_order) for t in world.project.tiers] == [
        ("Gold", [], 1),
        ("Corporate prize", ["corporation"], 3),
        ("Silver", [], 2),
    ]
    assert [t.name_en for t in world.project.tiers_in_fill_order] == ["Gold", "Silver", "Corporate prize"]
    assert world.project.tier_cuts == [1, 3]
    bad = client.post(
        f"/secretariat/categories/{world.project.id}/edit", data=data | {"tiers-1-eligible_types": ["emperor"]}
    )
    assert bad.status_code == 200 and b"not a valid choice" in bad.data


def test_editing_tiers_keeps_the_awards_given(client, auth, world, db, prize_tiers):
    round_ = judging_round(world)
    round_.judges_per_nomination = 1
    scored(world, round_, [("Winner", CITY, 9)], judges(1))
    results_service.assign_tiers(round_, world.project, world.secretariat)
    gold = prize_tiers["Gold"]
    auth.login(world.secretariat)
    data = {
        "code": "TI",
        "name_en": "Tech-InnovaCity",
        "name_ko": "기술혁신",
        "kind": "project",
        "eligible_types": ["city"],
        "max_per_organisation": "2",
        "position": "1",
        "tiers-0-name_en": "Gold medal",
        "tiers-0-count": "1",
        "confirm_tiers": "y",
    }
    response = client.post(f"/secretariat/categories/{world.project.id}/edit", data=data, follow_redirects=True)
    assert b"A tier with awards given cannot be removed" not in response.data  # Gold keeps its row
    award = db.session.scalar(sa.select(Award))
    assert award is not None and award.tier_id == gold.id and award.tier.name_en == "Gold medal"
    # Removing the tier that holds the award is refused, with nothing changed.
    data = data | {"tiers-0-name_en": ""}
    data.pop("tiers-0-count")
    response = client.post(f"/secretariat/categories/{world.project.id}/edit", data=data)
    assert b"A tier with awards given cannot be removed" in response.data
    db.session.expire_all()
    assert db.session.scalar(sa.select(Award)) is not None


def test_the_audit_trail_says_how_many_places_went_to_the_committee(world, db, prize_tiers):
    round_ = judging_round(world)
    round_.judges_per_nomination = 1
    scored(world, round_, [("A", CITY, 9), ("B", CITY, 9)], judges(1))
    given, held = results_service.assign_tiers(round_, world.project, world.secretariat)
    assert (given, held) == (0, 2)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "awards.assigned"))
    assert event.details["held"] == 2


def _round_form(round_, **changes) -> dict:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Asia/Seoul")
    return {
        "name": round_.name,
        "opens_at": round_.opens_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": round_.closes_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
        "categories": [str(c.id) for c in round_.categories],
        "judges_per_nomination": "3",
        "mode": "scoring",
        "ranking_method": "mean",
        "disagreement_threshold": "15",
        "quorum": "0.5",
        "same_country_conflict": "y",
    } | changes


def test_the_method_and_cuts_are_fixed_once_a_sheet_is_submitted(client, auth, world, db):
    round_ = judging_round(world)
    auth.login(world.secretariat)
    url = f"/secretariat/rounds/{round_.id}/edit"
    # Before any score: free to change, and the audit trail says what changed.
    assert client.post(url, data=_round_form(round_, shortlist_count="5")).status_code == 302
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "round.updated"))
    assert event.details["changes"]["shortlist_count"] == ["None", "5"]
    scored(world, round_, [("Scored", CITY, 7)], judges(1))
    # After: refused without the confirmation, with before and after shown, and nothing changed.
    response = client.post(url, data=_round_form(round_, shortlist_count="5", ranking_method="median"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "needs your confirmation" in page
    assert "Ranking by: mean → median" in page
    db.session.refresh(round_)
    assert round_.ranking_method == "mean"
    # Other changes still go through without it.
    assert (
        client.post(url, data=_round_form(round_, shortlist_count="5", name="Online evaluation, round 1")).status_code
        == 302
    )
    # Confirmed: changed and audited with the values before and after.
    response = client.post(
        url,
        data=_round_form(
            round_,
            name="Online evaluation, round 1",
            shortlist_count="8",
            ranking_method="median",
            confirm_decision="y",
        ),
    )
    assert response.status_code == 302
    db.session.refresh(round_)
    assert (round_.ranking_method, round_.shortlist_count) == ("median", 8)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "round.decision_changed"))
    assert event.details["changes"]["ranking_method"] == ["mean", "median"]
    assert event.details["changes"]["shortlist_count"] == ["5", "8"]
    assert event.details["confirmed_after_scores"] is True


def test_tiers_are_fixed_once_scores_are_in_unless_confirmed(client, auth, world, db, prize_tiers):
    round_ = judging_round(world)
    scored(world, round_, [("Scored", CITY, 7)], judges(1))
    auth.login(world.secretariat)
    data = {
        "code": "TI",
        "name_en": "Tech-InnovaCity",
        "name_ko": "기술혁신",
        "kind": "project",
        "eligible_types": ["city", "institution", "corporation"],
        "max_per_organisation": "2",
        "position": "1",
        "tiers-0-name_en": "Gold",
        "tiers-0-count": "2",
    }
    url = f"/secretariat/categories/{world.project.id}/edit"
    page = client.post(url, data=data).get_data(as_text=True)
    assert "changing its tiers moves the cuts" in page and "Tiers before:" in page
    db.session.expire_all()
    assert [t.name_en for t in world.project.tiers] == [
        "Gold",
        "Silver",
        "Bronze",
        "Corporate prize",
        "Institution prize",
    ]
    assert client.post(url, data=data | {"confirm_tiers": "y"}).status_code == 302
    db.session.expire_all()
    assert [(t.name_en, t.count) for t in world.project.tiers] == [("Gold", 2)]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "category.tiers_changed_after_scores"))
    assert event.details["confirmed_after_scores"] is True


def test_export_takes_the_latest_round_with_results_and_says_when_a_round_has_none(world, db, runner, tmp_path):
    first = judging_round(world)
    scored(world, first, [("Scored", CITY, 7)], judges(1))
    later = judging_round(world, "Finalists", opens=timedelta(days=20), closes=timedelta(days=40))
    out = tmp_path / "results.xlsx"
    result = runner.invoke(args=["awards", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Online evaluation" in result.output and out.exists()
    result = runner.invoke(args=["awards", "export", "--round", later.name, "--out", str(out)])
    assert result.exit_code != 0
    assert "has no submitted scores yet" in result.output and "rounds with results: Online evaluation" in result.output


# --- publishing ----------------------------------------------------------------------------------------------------


def _outbox(app) -> list:
    from email import message_from_bytes, policy
    from pathlib import Path

    folder = Path(app.config["MAIL_OUTBOX"])
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(folder.glob("*.eml"))]


def test_publishing_waits_for_every_sheet_says_what_it_shows_and_can_be_withdrawn(
    app, client, auth, world, db, prize_tiers
):
    from datetime import UTC, datetime

    round_ = judging_round(world)
    round_.judges_per_nomination = 1
    panel = judges(2)
    winner, other = scored(world, round_, [("Winner", CITY, 9), ("Runner-up", CITY, 5)], panel[:1])
    winner.organisation_id = world.city.id  # the world's applicant is the winner's
    other.organisation_id = world.other_city.id
    late = Assignment(round_id=round_.id, nomination_id=other.id, judge_id=panel[1].id)
    db.session.add(late)
    db.session.commit()
    results_service.assign_tiers(round_, world.project, world.secretariat)
    auth.login(world.secretariat)
    url = f"/secretariat/rounds/{round_.id}/results/publish"
    page = client.get(url).get_data(as_text=True)
    assert "Online evaluation is still open: publish after it closes." in page
    assert "1 assigned sheet(s) are neither submitted, recused nor waived" in page
    assert re.search(r'<button class="btn btn-danger" type="submit" name="submit_publish" value="1"\s+disabled', page)
    round_.closes_at = datetime.now(UTC)
    db.session.commit()
    response = client.post(url, data={"confirm": "y"}, follow_redirects=True)
    assert b"neither submitted, recused nor waived" in response.data
    assert world.edition.results_published_at is None
    # The secretariat waives the sheet of the judge who could not finish, with the reason.
    progress = client.get(f"/secretariat/rounds/{round_.id}/progress").get_data(as_text=True)
    assert f"/secretariat/rounds/assignments/{late.id}/waive" in progress
    assert (
        client.post(
            f"/secretariat/rounds/assignments/{late.id}/waive", data={"reason": ""}, follow_redirects=True
        ).data.count(b"Say why this sheet may stay unfinished")
        == 1
    )
    client.post(f"/secretariat/rounds/assignments/{late.id}/waive", data={"reason": "Fell ill before scoring"})
    page = client.get(url).get_data(as_text=True)
    assert "Not yet" not in page
    assert "the applicants of 2 nominations are e-mailed" in page and "2 addresses in all." in page
    assert "Winner" in page and "Gold" in page
    response = client.post(url, data={"confirm": "y"}, follow_redirects=True)
    assert b"The results are published; the applicants of 2 nominations are being told." in response.data
    mails = {m["To"]: m.get_content() for m in _outbox(app)}
    assert "Congratulations: Gold, Tech-InnovaCity." in mails[world.applicant.email]
    assert "Congratulations: Silver, Tech-InnovaCity." in mails[world.other_applicant.email]
    assert f"http://localhost/nominations/{winner.id}" in mails[world.applicant.email]
    auth.logout()
    auth.login(world.applicant)
    assert b"Congratulations: Gold" in client.get(f"/nominations/{winner.id}").data
    # Withdrawn with a reason: the applicant no longer sees it; awards can change again.
    auth.logout()
    auth.login(world.secretariat)
    client.post(f"/secretariat/rounds/{round_.id}/results/withdraw", data={"reason": ""})
    assert world.edition.results_published_at is not None
    client.post(f"/secretariat/rounds/{round_.id}/results/withdraw", data={"reason": "A score was entered wrongly"})
    db.session.refresh(world.edition)
    assert world.edition.results_published_at is None
    assert (
        db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "results.withdrawn")).details["reason"]
        == "A score was entered wrongly"
    )
    auth.logout()
    auth.login(world.applicant)
    assert b"Congratulations" not in client.get(f"/nominations/{winner.id}").data
    # Corrected and published again: only the applicant whose result changed is told again.
    auth.logout()
    auth.login(world.secretariat)
    client.post(
        f"/secretariat/rounds/{round_.id}/results/override",
        data={
            "category": str(world.project.id),
            "override-nomination": str(other.id),
            "override-tier": str(prize_tiers["Bronze"].id),
            "override-reason": "Corrected score",
        },
    )
    before = len(_outbox(app))
    page = client.get(url).get_data(as_text=True)
    assert "the applicants of 1 nomination are e-mailed" in page
    client.post(url, data={"confirm": "y"})
    fresh = _outbox(app)[before:]
    assert [m["To"] for m in fresh] == [world.other_applicant.email]
    assert "Congratulations: Bronze" in fresh[0].get_content()
    assert "withdrawn on" in client.get(url).get_data(as_text=True)
