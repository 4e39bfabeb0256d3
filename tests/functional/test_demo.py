from datetime import UTC, datetime

import sqlalchemy as sa

from awards_app.demo import seed
from awards_app.models import (
    AuditEvent,
    Category,
    Edition,
    Nomination,
    NominationStatus,
    Organisation,
    PresentationSlot,
    Role,
    Round,
    User,
)
from awards_app.regions import Region
from tests.conftest import count


def test_seed_demo_builds_a_realistic_edition(runner, db):
    result = runner.invoke(args=["awards", "seed-demo"])
    assert result.exit_code == 0, result.output
    assert "secretariat@wego.example" in result.output and "demo-password-2026" in result.output
    assert "seoul-metropolitan-government@applicants.example" in result.output
    assert db.session.scalar(sa.select(User).where(User.email == "seoul-metropolitan-government@applicants.example"))
    edition = db.session.scalar(sa.select(Edition).where(Edition.slug == "sscp-2026"))
    assert edition.year == 2026 and edition.time_zone == "Asia/Seoul"
    assert [c.code for c in edition.categories] == ["TI", "HC", "LD", "SP", "MC"]
    statuses = set(db.session.scalars(sa.select(Nomination.status)).all())
    assert statuses == set(NominationStatus)
    regions = {o.region for o in db.session.scalars(sa.select(Organisation))}
    assert regions == set(Region)
    countries = {o.country_code for o in db.session.scalars(sa.select(Organisation))}
    assert len(countries) >= 30
    judges = [u for u in db.session.scalars(sa.select(User)) if u.has_role(Role.JUDGE)]
    assert len(judges) >= 16
    references = db.session.scalars(sa.select(Nomination.reference).where(Nomination.reference.is_not(None))).all()
    assert len(references) == len(set(references))
    assert all(r.startswith("SSCP-2026-") for r in references if not r.startswith("SSCP-2025-"))
    # The finalists present three weeks on: in two rooms at COEX and online, none overlapping.
    slots = db.session.scalars(sa.select(PresentationSlot)).all()
    assert len(slots) >= 6 and {s.mode.value for s in slots} == {"seoul", "online"}


def test_seed_demo_twice_duplicates_nothing(runner, db):
    runner.invoke(args=["awards", "seed-demo"])
    before = {model: count(model) for model in (User, Organisation, Edition, Category, Nomination, AuditEvent)}
    result = runner.invoke(args=["awards", "seed-demo"])
    assert result.exit_code == 0, result.output
    assert "nothing new" in result.output
    after = {model: count(model) for model in (User, Organisation, Edition, Category, Nomination, AuditEvent)}
    assert before == after


def test_seed_demo_if_empty_leaves_an_existing_database_alone(runner, world):
    result = runner.invoke(args=["awards", "seed-demo", "--if-empty"])
    assert "was not loaded again" in result.output
    assert count(Edition) == 1


def test_the_demo_call_is_open_for_trying_it(app, db):
    seed(now=datetime(2026, 11, 24, tzinfo=UTC))
    edition = db.session.scalar(sa.select(Edition).where(Edition.slug == "sscp-2026"))
    assert edition.is_open(datetime(2026, 11, 25, tzinfo=UTC))


def test_extra_synthetic_nominations_for_scale(app, db):
    summary = seed(extra=30)
    assert summary.created["synthetic nominations"] == 30
    seed(extra=30)
    current = sa.select(sa.func.count(Nomination.id)).join(Nomination.edition).where(Edition.slug == "sscp-2026")
    assert db.session.scalar(current) == 43 + 30
    references = db.session.scalars(sa.select(Nomination.reference).where(Nomination.reference.is_not(None))).all()
    assert len(references) == len(set(references))


def test_the_demo_s_first_round_is_judged_and_means_something(app, db):
    from awards_app.models import AssignmentStatus, Round, SheetStatus
    from awards_app.services import awards as awards_service
    from awards_app.services import progress as progress_service
    from awards_app.services import results as results_service
    from awards_app.services import rounds as rounds_service

    seed()
    first = db.session.scalar(sa.select(Round).where(Round.name == "Online evaluation"))
    assert first.is_closed() and first.shortlist_count == 6
    # Every sheet submitted, by 3 to 5 judges per nomination.
    progress = progress_service.nominations_progress(first, rounds_service.round_nominations(first))
    assert all(status is AssignmentStatus.SUBMITTED for p in progress for _a, status in p.by_judge)
    assert {p.submitted for p in progress} >= {3, 4, 5} and min(p.submitted for p in progress) >= 2
    assert all(a.sheet.status is SheetStatus.SUBMITTED for a in progress_service.round_assignments(first))
    ti = next(c for c in first.categories if c.code == "TI")
    results = results_service.category_results(first, ti)
    # One judge markedly harsher than the others.
    offsets = sorted(results.judges["offset"])
    assert offsets[0] < -15 and offsets[1] > -10
    # A tie at a tier boundary, left to the committee.
    tied = results.ranking[results.ranking["flags"].str.contains("tie at 3")]
    assert len(tied) == 2 and tied["score"].nunique() == 1
    plan = awards_service.tier_plan(first, ti, results)
    assert any({c.nomination_id for c in h.contenders} == set(tied["nomination_id"]) for h in plan.held)
    # Institutions and corporations among the entrants, and type prizes given to them.
    assert {"institution", "corporation"} <= set(results.ranking["applicant_type"])
    tiers = {t.id: t.name_en for t in ti.tiers}
    types = dict(zip(results.ranking["nomination_id"], results.ranking["applicant_type"], strict=True))
    given = {tiers[g.tier_id]: types[g.nomination_id] for g in plan.given if tiers[g.tier_id].endswith("prize")}
    assert given == {"Corporate prize": "corporation", "Institution prize": "institution"}
    # Judges shared comments with the applicants, for the secretariat to read, edit or hide before the results are
    # out; others are kept for the committee.
    from awards_app.models import Score
    from awards_app.services import feedback as feedback_service
    from awards_app.services import feedback_release

    shared = feedback_service.summary(first)
    assert shared.comments > shared.nominations > 20
    assert db.session.scalar(sa.select(sa.func.count()).where(Score.comment != "", Score.shared.is_(False))) > 0
    assert feedback_release.release_refusal(first) is not None  # the results are not published: not yet
    # The later rounds stay open for trying, with work waiting for the demo judge.
    finalists = db.session.scalar(sa.select(Round).where(Round.name == "Finalists"))
    assert finalists.is_open() and rounds_service.round_nominations(finalists)
    demo_judge = db.session.scalar(sa.select(User).where(User.email == "judge01@judges.example"))
    assert any(a.judge_id == demo_judge.id and a.sheet is None for a in progress_service.round_assignments(finalists))


def test_the_demo_has_last_year_s_winners_published(app, db, client):
    from awards_app.models import Award

    seed()
    previous = db.session.scalar(sa.select(Edition).where(Edition.slug == "sscp-2025"))
    assert previous.results_published_at is not None
    assert all(r.is_closed() for r in db.session.scalars(sa.select(Round).where(Round.edition_id == previous.id)))
    assert (
        db.session.scalar(sa.select(sa.func.count(Award.id)).join(Award.round).where(Round.edition_id == previous.id))
        == 9
    )
    page = client.get("/winners/sscp-2025").get_data(as_text=True)
    assert "Busan port traffic digital twin" in page and "Sari Wulandari" in page and "이민호" in page
    assert "Almaty bike-share open data" not in page  # judged, no award
    assert 'href="/winners"' in client.get("/").get_data(as_text=True)
    # The current edition stays unpublished, its winners' page as if it did not exist.
    assert client.get("/winners/sscp-2026").status_code == 404
