"""Copying an edition: next year's programme, rounds and rubrics from an earlier one, its dates a year on."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from awards_app.i18n import audit_text
from awards_app.models import (
    Assignment,
    AuditEvent,
    Award,
    AwardTier,
    CalibrationNomination,
    Category,
    CategoryKind,
    CommitteeVote,
    Conflict,
    Criterion,
    Edition,
    LevelDescriptor,
    Nomination,
    Publication,
    Round,
    RoundEntry,
    RoundMode,
    Score,
    ScoreSheet,
    SheetStatus,
    Vote,
)
from awards_app.services import edition_copy
from awards_app.services.programs import EditionRefused
from awards_app.services.rubrics import criteria_of, descriptors_of
from tests.conftest import count
from tests.functional.judging_helpers import assign, eligible, judging_round

SEOUL = ZoneInfo("Asia/Seoul")
PEOPLE_AND_WORK = (
    Nomination,
    Assignment,
    ScoreSheet,
    Score,
    Conflict,
    CommitteeVote,
    CalibrationNomination,
    Award,
    Publication,
    RoundEntry,
)


def seoul(*args: int) -> datetime:
    return datetime(*args, tzinfo=SEOUL)


@pytest.fixture
def realistic(world, db):
    """The test edition as a real one looks after its year: Korean names, described categories, tiers for some
    applicant types, a scoring round whose rubric was changed and a committee round, and the people's work in it
    (a nomination, assignments, a conflict, scores, a vote, a calibration mark, an award, a publication)."""
    edition = world.edition
    edition.name_ko = "2026 테스트상"
    edition.opens_at, edition.closes_at = seoul(2026, 3, 2, 9, 0), seoul(2026, 5, 29, 18, 0)
    edition.results_published_at = seoul(2026, 11, 20, 10, 0)
    project = world.project
    project.description_en, project.description_ko = "Technology that changed a city.", "도시를 바꾼 기술"
    project.tiers.append(
        AwardTier(
            name_en="Corporate prize",
            name_ko="기업상",
            count=1,
            position=2,
            fill_order=1,
            eligible_types=["corporation"],
        )
    )
    project.tiers[0].name_ko, project.tiers[0].fill_order = "금상", 2
    project.tiers[1].fill_order = 3
    world.leadership.tiers = [
        AwardTier(name_en="Leadership award", name_ko="리더십상", count=3, position=0, fill_order=1)
    ]
    db.session.commit()

    scoring = judging_round(world, name="Online evaluation", categories=[project, world.leadership])
    scoring.name_ko = "온라인 심사"
    scoring.opens_at, scoring.closes_at = seoul(2026, 6, 15, 9, 0), seoul(2026, 7, 10, 18, 0)
    scoring.max_load, scoring.same_country_conflict = 12, False
    scoring.ranking_method, scoring.disagreement_threshold = "trimmed", Decimal("12.50")
    scoring.shortlist_count, scoring.calibration_counts = 5, True
    scoring.judges_per_nomination = 4
    rubric = criteria_of(scoring, project)
    rubric[0].weight, rubric[0].max_score, rubric[0].step = Decimal("2.5"), Decimal(5), Decimal("0.5")
    rubric[0].guidance_en, rubric[0].guidance_ko = "Read the outcomes first.", "성과를 먼저 읽으십시오."
    db.session.delete(rubric[-1])
    described = descriptors_of(rubric[:1])[rubric[0].id]
    for descriptor in described:
        db.session.delete(descriptor)
    db.session.add_all(
        [
            LevelDescriptor(criterion_id=rubric[0].id, lowest=1, highest=2, text_en="Weak", text_ko="약함"),
            LevelDescriptor(criterion_id=rubric[0].id, lowest=Decimal("2.5"), highest=5, text_en="Strong"),
        ]
    )
    db.session.commit()
    committee = judging_round(
        world, name="Committee sitting", categories=[world.commendation], mode=RoundMode.COMMITTEE
    )
    committee.opens_at, committee.closes_at = seoul(2026, 9, 1, 14, 0), seoul(2026, 9, 1, 17, 0)
    committee.quorum = Decimal("0.600")
    committee.sitting_closed_at, committee.sitting_closed_by_id = seoul(2026, 9, 1, 16, 0), world.secretariat.id
    db.session.commit()

    # The people's work in the edition: none of it may be copied.
    nomination = eligible(world)
    db.session.add(RoundEntry(round_id=scoring.id, nomination_id=nomination.id))
    assignment = assign(scoring, nomination, world.judge, declared=True)
    scores = [Score(criterion_id=c.id, value=Decimal(3)) for c in criteria_of(scoring, project)]
    sheet = ScoreSheet(
        assignment_id=assignment.id, status=SheetStatus.SUBMITTED, submitted_at=seoul(2026, 7, 1, 10, 0), scores=scores
    )
    commendation = eligible(world, title="Kim Ji-won", category=world.commendation)
    vote = assign(committee, commendation, world.judge)
    db.session.add_all(
        [
            sheet,
            CommitteeVote(assignment_id=vote.id, vote=Vote.APPROVE),
            Conflict(
                judge_id=world.judge.id, nomination_id=commendation.id, reason="Friend", recorded_by_id=world.judge.id
            ),
            CalibrationNomination(round_id=scoring.id, nomination_id=nomination.id, marked_by_id=world.secretariat.id),
            Award(
                round_id=scoring.id,
                nomination_id=nomination.id,
                tier_id=project.tiers[0].id,
                decided_by_id=world.secretariat.id,
            ),
            Publication(edition_id=edition.id, published_by_id=world.secretariat.id),
        ]
    )
    db.session.commit()
    return world


def _rounds(edition: Edition) -> list[Round]:
    from awards_app.extensions import db

    return list(db.session.scalars(sa.select(Round).where(Round.edition_id == edition.id).order_by(Round.position)))


def _tiers(category: Category) -> list[tuple]:
    return [(t.name_en, t.name_ko, t.count, t.position, t.fill_order, t.eligible_types) for t in category.tiers]


def _rubric(round_: Round, category: Category) -> list[tuple]:
    criteria = criteria_of(round_, category)
    described = descriptors_of(criteria)
    return [
        (
            c.position,
            c.name_en,
            c.name_ko,
            c.guidance_en,
            c.guidance_ko,
            c.weight,
            c.min_score,
            c.max_score,
            c.step,
            [(d.lowest, d.highest, d.text_en, d.text_ko) for d in described[c.id]],
        )
        for c in criteria
    ]


ROUND_SETTINGS = (
    "name",
    "name_ko",
    "position",
    "mode",
    "judges_per_nomination",
    "max_load",
    "same_country_conflict",
    "quorum",
    "ranking_method",
    "disagreement_threshold",
    "shortlist_count",
    "calibration_counts",
)


def test_a_copy_takes_the_programme_rounds_and_rubrics_with_every_date_a_year_on(realistic, db):
    source = realistic.edition
    before = {model: count(model) for model in PEOPLE_AND_WORK}

    copied = edition_copy.copy_edition(source, realistic.secretariat)

    edition = db.session.get(Edition, copied.edition.id)
    assert (edition.name, edition.name_ko, edition.year, edition.slug) == (
        "Test Prize 2027",
        "2027 테스트상",
        2027,
        "test-2027",
    )
    assert (edition.reference_prefix, edition.time_zone) == (source.reference_prefix, "Asia/Seoul")
    # The same wall-clock times in Seoul, a year later; nothing of the results or the purge.
    assert edition.opens_at == seoul(2027, 3, 2, 9, 0) and edition.closes_at == seoul(2027, 5, 29, 18, 0)
    assert edition.results_published_at is None and edition.personal_data_purged_at is None

    assert [c.code for c in edition.categories] == ["TI", "LD", "MC"]
    for old, new in zip(source.categories, edition.categories, strict=True):
        for attribute in ("code", "name_en", "name_ko", "description_en", "description_ko", "kind", "position"):
            assert getattr(new, attribute) == getattr(old, attribute), attribute
        assert new.eligible_types == old.eligible_types and new.max_per_organisation == old.max_per_organisation
        assert _tiers(new) == _tiers(old) and new.id != old.id
        assert {t.id for t in new.tiers}.isdisjoint({t.id for t in old.tiers})
        assert new.last_sequence == 0  # references start again from 1
    project = edition.categories[0]
    assert _tiers(project)[2] == ("Corporate prize", "기업상", 1, 2, 1, ["corporation"])
    assert project.kind is CategoryKind.PROJECT  # the kind carries the entry form

    old_rounds, new_rounds = _rounds(source), _rounds(edition)
    assert len(new_rounds) == 2
    for old, new in zip(old_rounds, new_rounds, strict=True):
        for attribute in ROUND_SETTINGS:
            assert getattr(new, attribute) == getattr(old, attribute), attribute
        assert [c.code for c in new.categories] == [c.code for c in old.categories]
        assert all(c.edition_id == edition.id for c in new.categories)
        for old_category, new_category in zip(old.categories, new.categories, strict=True):
            assert _rubric(new, new_category) == _rubric(old, old_category)
    scoring, committee = new_rounds
    assert (scoring.opens_at, scoring.closes_at) == (seoul(2027, 6, 15, 9, 0), seoul(2027, 7, 10, 18, 0))
    assert (committee.opens_at, committee.closes_at) == (seoul(2027, 9, 1, 14, 0), seoul(2027, 9, 1, 17, 0))
    assert committee.sitting_closed_at is None and committee.sitting_closed_by_id is None
    changed = _rubric(scoring, project)
    assert len(changed) == 5 and changed[0][5:9] == (Decimal("2.5"), Decimal(1), Decimal(5), Decimal("0.5"))
    assert changed[0][4] == "성과를 먼저 읽으십시오."
    assert changed[0][9] == [(1, 2, "Weak", "약함"), (Decimal("2.5"), 5, "Strong", "")]
    assert copied.contents == edition_copy.CopyContents(categories=3, tiers=4, rounds=2, criteria=8, descriptors=37)

    # Nothing about people or their work: the counts are as they were, and the new edition holds none of it.
    assert {model: count(model) for model in PEOPLE_AND_WORK} == before
    new_round_ids = [r.id for r in new_rounds]
    assert not db.session.scalar(sa.select(sa.func.count(Nomination.id)).where(Nomination.edition_id == edition.id))
    for model in (Assignment, RoundEntry, CalibrationNomination, Award):
        assert not db.session.scalar(
            sa.select(sa.func.count()).select_from(model).where(model.round_id.in_(new_round_ids))
        )
    assert not db.session.scalar(sa.select(sa.func.count(Publication.id)).where(Publication.edition_id == edition.id))
    # The earlier edition is untouched.
    db.session.refresh(source)
    assert source.slug == "test-2026" and len(_rounds(source)) == 2 and source.categories[0].last_sequence == 1


def test_the_copy_is_audited_with_what_it_took(app, realistic, db):
    copied = edition_copy.copy_edition(realistic.edition, realistic.secretariat)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "edition.copied"))
    assert event.edition_id == copied.edition.id and event.actor_id == realistic.secretariat.id
    assert event.summary == "edition test-2027 copied from test-2026"
    details = event.details
    assert details["source"] == "test-2026" and details["categories"] == ["TI", "LD", "MC"]
    assert [r["name"] for r in details["rounds"]] == ["Online evaluation", "Committee sitting"]
    assert (details["tiers"], details["criteria"], details["descriptors"]) == (4, 8, 37)
    assert details["rounds"][0]["opens_at"] == "2027-06-15T00:00:00+00:00"
    with app.test_request_context():
        assert audit_text(event) == (
            "Edition test-2027 copied from test-2026: categories TI, LD, MC, 2 rounds, 8 criteria and 37 level "
            "descriptors, every date a year on"
        )


def test_the_leap_day_becomes_the_28th_of_february(world, db):
    world.edition.opens_at, world.edition.closes_at = seoul(2028, 1, 3, 9, 0), seoul(2028, 2, 29, 23, 59)
    db.session.commit()
    round_ = judging_round(world)
    round_.opens_at, round_.closes_at = seoul(2028, 2, 29, 10, 0), seoul(2028, 3, 31, 18, 0)
    db.session.commit()

    copied = edition_copy.copy_edition(world.edition, world.secretariat)

    assert copied.edition.closes_at == seoul(2029, 2, 28, 23, 59)
    (moved,) = _rounds(copied.edition)
    assert (moved.opens_at, moved.closes_at) == (seoul(2029, 2, 28, 10, 0), seoul(2029, 3, 31, 18, 0))


def test_a_clash_is_refused_and_nothing_is_created(realistic, db):
    taken = Edition(
        name="Someone else's",
        year=2030,
        slug="test-2027",
        reference_prefix="OTHER",
        opens_at=seoul(2030, 1, 1, 0, 0),
        closes_at=seoul(2030, 2, 1, 0, 0),
    )
    db.session.add(taken)
    db.session.commit()
    before = {model: count(model) for model in (Edition, Category, AwardTier, Round, Criterion, LevelDescriptor)}
    with pytest.raises(EditionRefused) as refused:
        edition_copy.copy_edition(realistic.edition, realistic.secretariat)
    assert refused.value.field == "slug"
    assert str(refused.value.message) == "Another edition already uses this short name."
    # The same references (prefix and year) as another edition are refused at the year.
    proposal = replace(edition_copy.propose_copy(realistic.edition), slug="free-2027", year=2026)
    with pytest.raises(EditionRefused) as refused:
        edition_copy.copy_edition(realistic.edition, realistic.secretariat, proposal)
    assert refused.value.field == "year"
    assert {model: count(model) for model in before} == before
    assert not db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "edition.copied"))


def test_a_failure_half_way_leaves_nothing_behind(realistic, db, monkeypatch):
    before = {model: count(model) for model in (Edition, Category, AwardTier, Round, Criterion, LevelDescriptor)}

    def broken(*args, **kwargs):
        raise RuntimeError("the disk filled up")

    monkeypatch.setattr(edition_copy, "_copy_rubrics", broken)
    with pytest.raises(RuntimeError):
        edition_copy.copy_edition(realistic.edition, realistic.secretariat)
    assert {model: count(model) for model in before} == before


def test_a_name_without_the_year_is_left_for_the_secretariat_to_type(world, db):
    world.edition.name, world.edition.name_ko, world.edition.slug = "4th Seoul Smart City Prize", "제4회", "sscp"
    db.session.commit()
    proposal = edition_copy.propose_copy(world.edition)
    assert (proposal.name, proposal.name_ko, proposal.slug, proposal.year) == ("", "", "sscp-2027", 2027)
    with pytest.raises(EditionRefused) as refused:
        edition_copy.copy_edition(world.edition, world.secretariat)
    assert refused.value.field == "name"
    assert count(Edition) == 1


# --- the pages --------------------------------------------------------------------------------------------


def _form(realistic, **changes) -> dict[str, str]:
    return {
        "name": "Test Prize 2027",
        "name_ko": "2027 테스트상",
        "year": "2027",
        "slug": "test-2027",
        "reference_prefix": "SSCP",
        "opens_at": "2027-03-02T09:00",
        "closes_at": "2027-05-29T18:00",
        **changes,
    }


def test_the_edition_page_offers_the_copy_prefilled_a_year_on(client, auth, realistic):
    auth.login(realistic.secretariat)
    detail = client.get(f"/secretariat/editions/{realistic.edition.id}").get_data(as_text=True)
    assert f'href="/secretariat/editions/{realistic.edition.id}/copy"' in detail and "Copy into a new edition" in detail
    page = client.get(f"/secretariat/editions/{realistic.edition.id}/copy").get_data(as_text=True)
    for value in (
        "Test Prize 2027",
        "2027 테스트상",
        "2027",
        "test-2027",
        "SSCP",
        "2027-03-02T09:00",
        "2027-05-29T18:00",
    ):
        assert f'value="{value}"' in page, value
    assert "3 categories" in page and "4 award tiers" in page and "2 rounds" in page
    assert "8 rubric criteria" in page and "37 level descriptors" in page
    assert "Online evaluation" in page and "Asia/Seoul" in page
    assert 'name="time_zone"' not in page  # the copy keeps the zone


def test_copying_through_the_page_lands_on_the_new_edition_saying_what_was_copied(client, auth, realistic, db):
    auth.login(realistic.secretariat)
    response = client.post(
        f"/secretariat/editions/{realistic.edition.id}/copy",
        data=_form(realistic, name="Seoul Smart City Prize 2027", opens_at="2027-02-15T10:00"),
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    edition = db.session.scalar(sa.select(Edition).where(Edition.slug == "test-2027"))
    assert response.request.path == f"/secretariat/editions/{edition.id}"
    assert edition.name == "Seoul Smart City Prize 2027" and edition.opens_at == seoul(2027, 2, 15, 10, 0)
    assert "Seoul Smart City Prize 2027 created from Test Prize 2026. Copied: 3 categories, 4 award tiers" in page
    assert "2 rounds, 8 rubric criteria and 37 level descriptors" in page
    assert "review the call&#39;s dates" in page and "Tech-InnovaCity" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"slug": "test-2026"}, "Another edition already uses this short name."),
        ({"year": "2026"}, "Another edition already gives references SSCP-2026-…"),
        ({"closes_at": "2027-03-01T09:00"}, "The call must close after it opens."),
        ({"opens_at": "someday"}, "Not a valid datetime value"),
        ({"name": ""}, "This field is required."),
        ({"slug": "Has Spaces"}, "Lower-case letters, digits and hyphens only, not ending with a hyphen."),
        ({"slug": "sscp-"}, "Lower-case letters, digits and hyphens only, not ending with a hyphen."),
    ],
)
def test_a_refused_copy_shows_the_field_and_creates_nothing(client, auth, realistic, db, changes, message):
    auth.login(realistic.secretariat)
    before = {model: count(model) for model in (Edition, Category, AwardTier, Round, Criterion, LevelDescriptor)}
    response = client.post(f"/secretariat/editions/{realistic.edition.id}/copy", data=_form(realistic, **changes))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # The message sits by the field at fault, before the next field's label, and the input is marked invalid.
    field = next(iter(changes))
    by_field = page[page.rindex("<input", 0, page.index(f'id="{field}"')) :]
    by_field = by_field[: re.search(r"<label|<p ", by_field).start()]
    assert "is-invalid" in by_field and f'<div class="invalid-feedback d-block">{message}' in by_field, by_field
    assert {model: count(model) for model in before} == before


def test_the_new_edition_page_offers_to_start_from_an_earlier_one(client, auth, realistic):
    auth.login(realistic.secretariat)
    page = client.get("/secretariat/editions/new").get_data(as_text=True)
    assert "Start from an earlier edition" in page
    assert f'<option value="{realistic.edition.id}">Test Prize 2026 (2026)</option>' in page
    chosen = client.get(f"/secretariat/editions/new/from?source={realistic.edition.id}")
    assert chosen.status_code == 302
    assert chosen.headers["Location"].endswith(f"/secretariat/editions/{realistic.edition.id}/copy")
    for query in ("", "?source=0", "?source=999", "?source=abc"):
        refused = client.get(f"/secretariat/editions/new/from{query}")
        assert refused.status_code == 200, query
        assert "Start from an earlier edition" in refused.get_data(as_text=True)
    assert "Choose the edition to start from." in client.get("/secretariat/editions/new/from?source=0").get_data(
        as_text=True
    )


def test_only_the_secretariat_copies(client, auth, realistic, db):
    for person in (realistic.judge, realistic.applicant):
        auth.login(person)
        assert client.get(f"/secretariat/editions/{realistic.edition.id}/copy").status_code == 403
        assert (
            client.post(f"/secretariat/editions/{realistic.edition.id}/copy", data=_form(realistic)).status_code == 403
        )
        assert client.get(f"/secretariat/editions/new/from?source={realistic.edition.id}").status_code == 403
        auth.logout()
    assert count(Edition) == 1
    assert client.get(f"/secretariat/editions/{realistic.edition.id}/copy").status_code == 302  # to the login page
    assert client.get("/secretariat/editions/404/copy").status_code == 302
    auth.login(realistic.secretariat)
    assert client.get("/secretariat/editions/404/copy").status_code == 404
