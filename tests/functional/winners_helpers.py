"""Arrange a published edition for the winners' pages: winners in a project, a leadership and a commendation
category, a nomination that won nothing, and private things (a nominee's e-mail, a declared disciplinary record,
an override reason, a judge's sheet) that must never reach the public pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from awards_app.extensions import db
from awards_app.models import (
    Award,
    AwardTier,
    Category,
    CategoryKind,
    Edition,
    Nomination,
    NominationStatus,
    Organisation,
    OrganisationType,
    Round,
)
from awards_app.services import awards as awards_service
from awards_app.services import publication as publication_service
from awards_app.services import sheets as sheets_service
from tests.conftest import complete_project_answers
from tests.functional.judging_helpers import COMMENDATION_ANSWERS, assign, criteria, eligible, judging_round

NOMINEE_EMAIL = "mayor.private@odense.example"
PHONE = "+45 65 51 12 34"
DISCIPLINARY = "A written reprimand in 2019 for a late procurement filing"
OVERRIDE_REASON = "Jury minutes, item 7: the committee preferred the carers' evidence"
LOSER = "Kigali parking sensors"
SUMMARY = (
    "Robots and sensors help older people live at home for longer in Odense, designed together with carers and "
    "residents; waiting times for help fell by 38 percent in two years and the service now covers every district "
    f"of the city. Write to {NOMINEE_EMAIL} or call {PHONE} for the full evaluation report, with the figures of "
    "each district, the carers' survey and the residents' panel minutes. The council has since extended it to the "
    "home-care teams of the three neighbouring municipalities and to the city's disability services."
)


def publish_winners(world) -> dict:
    """Judge, award and publish the world's edition; return the nominations by role."""
    world.leadership.tiers = [AwardTier(name_en="Leadership award", name_ko="리더십상", count=1, position=0)]
    world.commendation.tiers = [AwardTier(name_en="Commendation", name_ko="표창", count=1, position=0)]
    world.project.tiers[0].name_ko = "금상"
    world.edition.name_ko = "제4회 시험상"
    db.session.commit()
    round_ = judging_round(world, categories=[world.project, world.leadership, world.commendation])
    winner = eligible(world, "Odense robot-assisted care", answers={**complete_project_answers(), "summary": SUMMARY})
    silver = eligible(world, "Kigali open data portal", organisation=world.other_city)
    loser = eligible(world, LOSER, organisation=world.other_city)
    individual = Organisation(
        name="Jane Private Person", type=OrganisationType.INDIVIDUAL, country_code="KR", city="Mapo-gu"
    )
    db.session.add(individual)
    db.session.commit()
    leader = eligible(
        world,
        "Mette Frederiksen",
        category=world.leadership,
        answers={
            "nominee_name": "Mette Frederiksen",
            "nominee_position": "Mayor",
            "nominee_organisation": "City of Odense",
            "nominee_email": NOMINEE_EMAIL,
            "term_start": "2018-01-01",
            "achievements": "Led Odense's open data programme and its robot-assisted care.",
        },
    )
    commended = eligible(
        world,
        "김지원",
        organisation=individual,
        category=world.commendation,
        answers={
            **COMMENDATION_ANSWERS,
            "nominee_name": "김지원",
            "has_disciplinary_record": "yes",
            "disciplinary_record": DISCIPLINARY,
        },
    )
    # A judge scored the project winner: neither the judge nor the scores are public.
    assignment = assign(round_, winner, world.judge, declared=True)
    sheets_service.save_sheet(
        assignment,
        world.judge,
        sheets_service.SheetInput({c.id: "9" for c in criteria(round_, world.project)}, {}, "", None),
        submit=True,
    )
    gold, silver_tier = world.project.tiers
    awards_service.override_award(round_, winner, gold, OVERRIDE_REASON, world.secretariat)
    awards_service.override_award(round_, silver, silver_tier, "Second place", world.secretariat)
    awards_service.override_award(round_, leader, world.leadership.tiers[0], "Chosen", world.secretariat)
    awards_service.override_award(round_, commended, world.commendation.tiers[0], "Chosen", world.secretariat)
    close(round_)
    publication_service.publish(world.edition, world.secretariat)
    return {
        "round": round_,
        "winner": winner,
        "silver": silver,
        "loser": loser,
        "leader": leader,
        "commended": commended,
    }


def close(round_: Round) -> None:
    round_.closes_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()


def previous_edition(world, slug: str = "test-2025") -> Edition:
    """Last year's edition, judged, closed and published, beside the world's current one: a Gold and a Silver."""
    year_ago = datetime.now(UTC) - timedelta(days=365)
    edition = Edition(
        name="Test Prize 2025",
        name_ko="제3회 시험상",
        year=2025,
        slug=slug,
        reference_prefix="SSCP",
        opens_at=year_ago - timedelta(days=90),
        closes_at=year_ago,
    )
    category = Category(
        edition=edition,
        code="TI",
        name_en="Tech-InnovaCity",
        name_ko="기술혁신",
        kind=CategoryKind.PROJECT,
        eligible_types=["city"],
        position=1,
        tiers=[
            AwardTier(name_en="Gold", name_ko="금상", count=1, position=0),
            AwardTier(name_en="Silver", name_ko="은상", count=1, position=1),
        ],
    )
    round_ = Round(
        edition=edition,
        name="Final evaluation",
        position=1,
        categories=[category],
        opens_at=year_ago + timedelta(days=10),
        closes_at=year_ago + timedelta(days=40),
    )
    db.session.add_all([edition, round_])
    db.session.flush()
    for number, (title, organisation, tier) in enumerate(
        [
            ("Odense district heating twin", world.city, category.tiers[0]),
            ("Kigali mobile birth registration", world.other_city, category.tiers[1]),
        ],
        start=1,
    ):
        nomination = Nomination(
            edition=edition,
            category=category,
            organisation=organisation,
            created_by=world.applicant if organisation is world.city else world.other_applicant,
            status=NominationStatus.ELIGIBLE,
            title=title,
            answers=complete_project_answers(title),
            reference=f"SSCP-2025-TI-{number:03d}",
            submitted_at=year_ago - timedelta(days=5),
        )
        db.session.add(nomination)
        db.session.flush()
        db.session.add(
            Award(
                round_id=round_.id,
                nomination_id=nomination.id,
                tier_id=tier.id,
                rank=number,
                decided_by_id=world.secretariat.id,
            )
        )
    db.session.commit()
    publication_service.publish(edition, world.secretariat)
    return edition
