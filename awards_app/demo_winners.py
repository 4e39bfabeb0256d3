"""The demo's previous edition: the 2025 prize, judged, closed and published, so that the winners' pages show
something next to the open 2026 call. Made once; seeding again finds it by its slug and adds nothing."""

from __future__ import annotations

import random
from datetime import datetime

import sqlalchemy as sa

from .demo import (
    CATEGORIES,
    SEOUL,
    SeedSummary,
    _commendation_answers,
    _leadership_answers,
    _project_answers,
)
from .extensions import db
from .models import (
    Award,
    AwardTier,
    Category,
    Edition,
    Nomination,
    NominationStatus,
    Organisation,
    Round,
    User,
)
from .services import certificates as certificates_service
from .services import publication as publication_service
from .services.audit import record

SLUG = "sscp-2025"
#: (category, organisation, title or nominee, tier — None: judged, but no award), in rank order per category.
ENTRIES = [
    ("TI", "Busan Metropolitan City", "Busan port traffic digital twin", "Gold"),
    ("TI", "City of Yokohama", "Yokohama hydrogen bus data platform", "Silver"),
    ("TI", "Taipei City Government", "Taipei smart parking guidance", "Silver"),
    ("TI", "Tbilisi City Hall", "Tbilisi one-stop e-permits", "Bronze"),
    ("TI", "Hanbit Mobility Co., Ltd.", "Smart crosswalks for school zones", "Corporate prize"),
    ("TI", "Almaty City Akimat", "Almaty bike-share open data", None),
    ("HC", "City of Kigali", "Tablets for Kigali's community health workers", "Gold"),
    ("HC", "Reykjavík City", "My Neighbourhood: residents' ideas for every district", "Silver"),
    ("HC", "Makati City Government", "Makati senior citizens' e-wallet", None),
    ("LD", "Jakarta Smart City", "Sari Wulandari", "Leadership award"),
    ("MC", "Seoul Metropolitan Government", "이민호", "Commendation"),
]
LEADER_POSITION = {"Sari Wulandari": "Head of Jakarta Smart City"}
COMMENDED = {
    "이민호": (
        "서울디지털재단",
        "수석연구원",
        ("2021-03-01", "2025-02-28"),
        "서울시 공공와이파이 통합 관제 체계를 설계하여 장애 대응 시간을 평균 4시간에서 35분으로 줄임.\n"
        "취약계층 디지털 역량 교육 과정을 개발하여 3년간 시민 1만 2천 명이 수료함.",
        "Designed the integrated monitoring of Seoul's public Wi-Fi, cutting the average repair time from four hours "
        "to 35 minutes.\nDeveloped a digital skills course for vulnerable residents that 12,000 citizens completed "
        "in three years.",
        "",
    )
}


def previous_edition(secretariat: User, summary: SeedSummary) -> Edition:
    """The 2025 edition with its winners published through the publication service, as the secretariat would."""
    edition = db.session.scalar(sa.select(Edition).where(Edition.slug == SLUG))
    if edition is not None:
        return edition
    rng = random.Random(2025)
    edition = Edition(
        name="3rd Seoul Smart City Prize",
        name_ko="제3회 서울스마트도시상",
        year=2025,
        slug=SLUG,
        reference_prefix="SSCP",
        time_zone="Asia/Seoul",
        opens_at=datetime(2025, 2, 10, 9, 0, tzinfo=SEOUL),
        closes_at=datetime(2025, 5, 30, 18, 0, tzinfo=SEOUL),
    )
    for spec in (c for c in CATEGORIES if c["code"] in {"TI", "HC", "LD", "MC"}):
        edition.categories.append(
            Category(
                code=spec["code"],
                name_en=spec["name_en"],
                name_ko=spec["name_ko"],
                kind=spec["kind"],
                eligible_types=[t.value for t in spec["types"]],
                max_per_organisation=spec["max"],
                position=spec["position"],
                description_en=spec["description_en"],
                description_ko=spec["description_ko"],
                tiers=[
                    AwardTier(name_en=en, name_ko=ko, count=n, position=i, fill_order=i + 1, eligible_types=[])
                    for i, (en, ko, n, _types) in enumerate(spec["tiers"])
                ],
            )
        )
    categories = {c.code: c for c in edition.categories}
    round_ = Round(
        edition=edition,
        name="Final evaluation",
        name_ko="최종 심사",
        position=1,
        categories=list(categories.values()),
        opens_at=datetime(2025, 7, 1, 9, 0, tzinfo=SEOUL),
        closes_at=datetime(2025, 9, 30, 18, 0, tzinfo=SEOUL),
    )
    db.session.add_all([edition, round_])
    db.session.flush()
    rank: dict[str, int] = {}
    for code, organisation_name, title, tier_name in ENTRIES:
        category = categories[code]
        organisation = db.session.scalar(sa.select(Organisation).where(Organisation.name == organisation_name))
        applicant = db.session.scalar(sa.select(User).where(User.organisation_id == organisation.id))
        if code == "LD":
            answers = _leadership_answers(title, LEADER_POSITION[title], organisation_name, rng)
        elif code == "MC":
            answers = _commendation_answers(title, *COMMENDED[title])
        else:
            answers = {
                **_project_answers(title, rng),
                "summary": f"{title}. " + _project_answers(title, rng)["problem"],
            }
        category.last_sequence += 1
        rank[code] = rank.get(code, 0) + 1
        nomination = Nomination(
            edition=edition,
            category=category,
            organisation=organisation,
            created_by=applicant,
            status=NominationStatus.ELIGIBLE,
            title=title,
            answers=answers,
            reference=f"SSCP-2025-{code}-{category.last_sequence:03d}",
            submitted_at=datetime(2025, 5, 20, 12, 0, tzinfo=SEOUL),
            screened_at=datetime(2025, 6, 10, 12, 0, tzinfo=SEOUL),
            screened_by_id=secretariat.id,
        )
        db.session.add(nomination)
        db.session.flush()
        if tier_name is not None:
            tier = next(t for t in category.tiers if t.name_en == tier_name)
            db.session.add(
                Award(
                    round_id=round_.id,
                    nomination_id=nomination.id,
                    tier_id=tier.id,
                    rank=rank[code],
                    decided_by_id=secretariat.id,
                    decided_at=datetime(2025, 10, 2, 15, 0, tzinfo=SEOUL),
                )
            )
        summary.count("nominations of 2025")
    for code in categories:
        given = sum(1 for c, _o, _t, tier in ENTRIES if c == code and tier)
        record(
            "awards.assigned",
            round_,
            secretariat,
            f"{given} awards given in rank order in {code}, 0 places left to the committee",
            {"round": round_.name, "category": code, "count": given, "held": 0},
        )
    certificates_service.demo_signatories(edition)  # before publishing, which issues the certificates
    db.session.commit()
    summary.count("editions")
    publication_service.publish(edition, secretariat)
    return edition
