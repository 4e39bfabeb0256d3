"""Arrange judging in the test database: eligible nominations, rounds with their rubrics, assignments, judges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from flask import current_app

from awards_app import storage
from awards_app.extensions import db
from awards_app.models import (
    Assignment,
    Attachment,
    Category,
    Criterion,
    Nomination,
    NominationStatus,
    Organisation,
    Role,
    Round,
    RoundMode,
    User,
    utcnow,
)
from awards_app.services import rounds as rounds_service
from awards_app.services import rubrics as rubrics_service
from tests.conftest import complete_project_answers, make_user

COMMENDATION_ANSWERS = {
    "nominee_name": "Kim Ji-won",
    "affiliation": "WeGO advisory committee",
    "position": "Member",
    "merit_start": "2014-01-01",
    "merit_en": "Twelve years of advice to WeGO's member cities on open data.",
    "merit_ko": "12년간 WeGO 회원 도시에 공공데이터 자문",
    "has_revoked_awards": "no",
    "has_disciplinary_record": "no",
    "has_controversies": "no",
}


def eligible(
    world,
    title: str = "Odense robot-assisted care",
    organisation: Organisation | None = None,
    category: Category | None = None,
    answers: dict[str, str] | None = None,
) -> Nomination:
    """A nomination screened eligible, with a reference, as the first round takes them."""
    category = category or world.project
    organisation = organisation or world.city
    category.last_sequence += 1
    applicant = world.applicant if organisation is world.city else world.other_applicant
    nomination = Nomination(
        edition=world.edition,
        category=category,
        organisation=organisation,
        created_by=applicant,
        status=NominationStatus.ELIGIBLE,
        title=title,
        answers=answers or complete_project_answers(title),
        reference=f"SSCP-2026-{category.code}-{category.last_sequence:03d}",
        submitted_at=utcnow(),
    )
    db.session.add(nomination)
    db.session.commit()
    return nomination


def attach(
    nomination: Nomination, data: bytes, name: str = "plan.pdf", content_type: str = "application/pdf"
) -> Attachment:
    """Store a file (a PDF unless told) with an eligible nomination, as it was uploaded before screening."""
    stored = storage.save_bytes(current_app.config["UPLOAD_FOLDER"], data)
    attachment = Attachment(
        nomination=nomination,
        original_name=name,
        stored_name=stored.stored_name,
        content_type=content_type,
        size=stored.size,
        sha256=stored.sha256,
        uploaded_by_id=nomination.created_by_id,
    )
    db.session.add(attachment)
    db.session.commit()
    return attachment


def judging_round(
    world,
    name: str = "Online evaluation",
    categories: list[Category] | None = None,
    opens: timedelta = timedelta(days=-1),
    closes: timedelta = timedelta(days=7, minutes=1),
    mode: RoundMode = RoundMode.SCORING,
) -> Round:
    """A round around now, created through the service so that project categories get the six criteria."""
    now = datetime.now(UTC)
    data = rounds_service.RoundInput(
        name=name,
        opens_at=now + opens,
        closes_at=now + closes,
        category_ids=[c.id for c in (categories or [world.project])],
        judges_per_nomination=3,
        mode=mode,
        same_country_conflict=True,
        quorum=Decimal("0.5"),
    )
    return rounds_service.create_round(world.edition, data, world.secretariat)


def criteria(round_: Round, category: Category) -> list[Criterion]:
    return rubrics_service.criteria_of(round_, category)


def assign(round_: Round, nomination: Nomination, judge: User, declared: bool = False) -> Assignment:
    """Give a judge a nomination in a round; ``declared`` records that they declared no conflict."""
    assignment = Assignment(
        round_id=round_.id,
        nomination_id=nomination.id,
        judge_id=judge.id,
        no_conflict_declared_at=utcnow() if declared else None,
    )
    db.session.add(assignment)
    db.session.commit()
    return assignment


def another_judge(email: str = "judge2@judges.example", name: str = "Budi Santoso") -> User:
    judge = make_user(email, [Role.JUDGE], name=name)
    db.session.commit()
    return judge


def close(round_: Round) -> None:
    round_.closes_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()


def sheet_data(
    rubric: list[Criterion],
    scores: list[str | int | None],
    comments: list[str] | None = None,
    overall: str = "",
    version: int | None = None,
    submit: bool = False,
) -> dict[str, str]:
    """The score sheet as the page posts it."""
    data = {"overall_comment": overall}
    for index, criterion in enumerate(rubric):
        value = scores[index] if index < len(scores) else None
        data[f"score_{criterion.id}"] = "" if value is None else str(value)
        data[f"comment_{criterion.id}"] = comments[index] if comments and index < len(comments) else ""
    if version is not None:
        data["version"] = str(version)
    data["submit_scores" if submit else "save"] = "1"
    return data
