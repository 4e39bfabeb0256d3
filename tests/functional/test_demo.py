from datetime import UTC, datetime

import sqlalchemy as sa

from awards_app.demo import seed
from awards_app.models import AuditEvent, Category, Edition, Nomination, NominationStatus, Organisation, Role, User
from awards_app.regions import Region
from tests.conftest import count


def test_seed_demo_builds_a_realistic_edition(runner, db):
    result = runner.invoke(args=["awards", "seed-demo"])
    assert result.exit_code == 0, result.output
    assert "secretariat@wego.example" in result.output and "demo-password-2026" in result.output
    assert "seoul-metropolitan-government@applicants.example" in result.output
    assert db.session.scalar(sa.select(User).where(User.email == "seoul-metropolitan-government@applicants.example"))
    edition = db.session.scalar(sa.select(Edition))
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
    assert all(r.startswith("SSCP-2026-") for r in references)


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
    edition = db.session.scalar(sa.select(Edition))
    assert edition.is_open(datetime(2026, 11, 25, tzinfo=UTC))


def test_extra_synthetic_nominations_for_scale(app, db):
    summary = seed(extra=30)
    assert summary.created["synthetic nominations"] == 30
    seed(extra=30)
    assert count(Nomination) == 43 + 30
    references = db.session.scalars(sa.select(Nomination.reference).where(Nomination.reference.is_not(None))).all()
    assert len(references) == len(set(references))
