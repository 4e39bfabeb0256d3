"""The uncertainty model as the secretariat uses it: asked for on the results page, fitted by a background process
that reports its progress, shown as expected ranks with intervals, kept while the scores stay the same, and the tiers
checked against it at their boundaries. Runs the real job (a few seconds)."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from awards_app.models import Assignment, AuditEvent, AwardTier, FitStatus, UncertaintyFit, utcnow
from awards_app.services import conflicts as conflicts_service
from awards_app.services import results as results_service
from awards_app.services import rubrics as rubrics_service
from awards_app.services import sheets as sheets_service
from awards_app.services import uncertainty as uncertainty_service
from tests.functional.judging_helpers import judging_round
from tests.functional.test_decisions import CITY, judges, scored


@pytest.fixture
def scored_round(world, db):
    world.project.tiers = [
        AwardTier(name_en="Gold", count=1, position=0, fill_order=1),
        AwardTier(name_en="Silver", count=2, position=1, fill_order=2),
    ]
    round_ = judging_round(world)
    round_.judges_per_nomination = 3
    db.session.commit()
    panel = judges(4)
    leniency = [0, -1, 1, 0]
    rubric = rubrics_service.criteria_of(round_, world.project)
    nominations = []
    for index, base in enumerate([10, 9, 7, 7, 6, 5, 4, 3]):  # each scored by three of the four judges, in turn
        [nomination] = scored(world, round_, [(f"Project {index}", CITY, base)], [])
        for k in range(3):
            judge = panel[(index + k) % 4]
            assignment = Assignment(round_id=round_.id, nomination_id=nomination.id, judge_id=judge.id)
            db.session.add(assignment)
            db.session.flush()
            conflicts_service.declare(assignment, judge, False)
            values = {
                c.id: str(min(10, max(1, base + leniency[(index + k) % 4] + (position + index + k) % 3 - 1)))
                for position, c in enumerate(rubric)
            }
            sheets_service.save_sheet(assignment, judge, sheets_service.SheetInput(values, {}, ""), submit=True)
        nominations.append(nomination)
    return round_, nominations


def wait_for_fit(client, round_, timeout: float = 180) -> dict:
    from awards_app.extensions import db

    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        # The test's requests share one session; end its transaction, as a new request would, to see the job's work.
        db.session.rollback()
        state = json.loads(client.get(f"/secretariat/rounds/{round_.id}/uncertainty.json").data)
        seen.append((state["status"], state["progress"]))
        if state["status"] not in ("queued", "running"):
            state["seen"] = seen
            return state
        time.sleep(0.5)
    raise AssertionError(f"the fit did not finish within {timeout} s: {seen[-5:]}")


def test_the_secretariat_asks_for_the_uncertainty_and_reads_it(app, client, auth, world, db, scored_round):
    round_, _nominations = scored_round
    auth.login(world.secretariat)
    url = f"/secretariat/rounds/{round_.id}/results"
    page = client.get(url).get_data(as_text=True)
    assert "Not fitted yet." in page and "Compute the uncertainty" in page
    response = client.post(
        f"/secretariat/rounds/{round_.id}/uncertainty", data={"category": str(world.project.id)}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "The uncertainty model is running" in page
    assert 'data-fit-working="true"' in page and "<progress" in page
    # Asking again while it runs starts nothing new.
    client.post(f"/secretariat/rounds/{round_.id}/uncertainty", data={"category": str(world.project.id)})
    state = wait_for_fit(client, round_)
    assert state["status"] == "done" and state["usable"] and state["progress"] == 100, state
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UncertaintyFit)) == 1
    fit = db.session.scalar(sa.select(UncertaintyFit))
    db.session.refresh(fit)
    assert fit.converged and fit.max_r_hat <= 1.01 and fit.min_ess >= 200
    assert fit.data_sha256 == uncertainty_service.fit_state(round_).data_sha256
    page = client.get(url).get_data(as_text=True)
    for text in (
        "Expected ranks and how sure they are",
        "leniency",
        "Uncertain zones",
        "Cut 1",
        "P(top 3)",
        "Expected rank (90%)",
        "(converged)",
    ):
        assert text in page, text
    # The two 7s cannot be told apart: both sit in the uncertain zone of the Silver cut at 3.
    results = results_service.category_results(round_, world.project)
    flags = dict(zip(results.ranking["title"], results.ranking["flags"], strict=True))
    assert "uncertain at 3" in flags["Project 2"] and "uncertain at 3" in flags["Project 3"]
    assert results.uncertainty.ranks["expected_rank"].is_monotonic_increasing
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "uncertainty.requested"))


def test_the_tiers_leave_an_uncertain_boundary_to_the_committee(client, auth, world, db, scored_round):
    round_, _nominations = scored_round
    auth.login(world.secretariat)
    client.post(f"/secretariat/rounds/{round_.id}/uncertainty", data={"category": str(world.project.id)})
    assert wait_for_fit(client, round_)["usable"]
    _given, held = results_service.assign_tiers(round_, world.project, world.secretariat)
    view = results_service.tier_view(round_, world.project, results_service.category_results(round_, world.project))
    assert view.with_uncertainty and held >= 1
    reasons = {row.title: why for h in view.held for row, why in h.contenders}
    assert any("uncertain" in why for why in reasons.values()), reasons


def test_a_changed_score_makes_the_fit_stale(client, auth, world, db, scored_round):
    round_, nominations = scored_round
    auth.login(world.secretariat)
    client.post(f"/secretariat/rounds/{round_.id}/uncertainty", data={"category": str(world.project.id)})
    assert wait_for_fit(client, round_)["usable"]
    assignment = db.session.scalar(sa.select(Assignment).where(Assignment.nomination_id == nominations[0].id))
    sheets_service.reopen_sheet(assignment, world.secretariat)
    rubric = rubrics_service.criteria_of(round_, world.project)
    sheets_service.save_sheet(
        assignment, assignment.judge, sheets_service.SheetInput({c.id: "3" for c in rubric}, {}, ""), submit=True
    )
    page = client.get(f"/secretariat/rounds/{round_.id}/results").get_data(as_text=True)
    assert "Scores have changed since the last fit: it is no longer used." in page
    assert "Expected ranks and how sure they are" not in page
    assert uncertainty_service.usable_draws(round_) == {}


def test_a_job_that_stopped_is_seen_as_failed_and_may_be_asked_for_again(client, auth, world, db, scored_round):
    round_, _nominations = scored_round
    dead = UncertaintyFit(
        round_id=round_.id,
        data_sha256=results_service.score_data_sha256(round_),
        status=FitStatus.RUNNING,
        settings={},
        heartbeat_at=utcnow() - timedelta(minutes=10),
    )
    db.session.add(dead)
    db.session.commit()
    auth.login(world.secretariat)
    page = client.get(f"/secretariat/rounds/{round_.id}/results").get_data(as_text=True)
    assert "The last fit failed:" in page and "stopped without finishing" in page
    assert "Compute the uncertainty" in page


def test_a_closed_round_gets_its_fit_without_asking(app, client, auth, world, db, scored_round):
    round_, _nominations = scored_round
    app.config["UNCERTAINTY_AUTOSTART"] = True
    auth.login(world.secretariat)
    client.get(f"/secretariat/rounds/{round_.id}/results")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UncertaintyFit)) == 0  # still open
    round_.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    client.get(f"/secretariat/rounds/{round_.id}/results")
    fit = db.session.scalar(sa.select(UncertaintyFit))
    assert fit is not None and fit.requested_by_id is None
    state = wait_for_fit(client, round_)
    assert state["status"] == "done", state
    client.get(f"/secretariat/rounds/{round_.id}/results")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UncertaintyFit)) == 1  # once per set of scores


def test_nothing_to_fit_is_said_plainly(client, auth, world, db):
    round_ = judging_round(world)
    auth.login(world.secretariat)
    response = client.post(
        f"/secretariat/rounds/{round_.id}/uncertainty", data={"category": str(world.project.id)}, follow_redirects=True
    )
    assert b"No submitted scores yet: there is nothing to fit." in response.data
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UncertaintyFit)) == 0


def test_the_workbook_carries_the_fit_and_it_checks_itself(client, auth, world, db, scored_round):
    import hashlib
    import io

    from openpyxl import load_workbook

    from tests.functional.test_workbook_recompute import _canonical, _rows

    round_, nominations = scored_round
    auth.login(world.secretariat)
    client.post(f"/secretariat/rounds/{round_.id}/uncertainty", data={"category": str(world.project.id)})
    assert wait_for_fit(client, round_)["usable"]
    book = load_workbook(io.BytesIO(client.get(f"/secretariat/rounds/{round_.id}/results.xlsx").data))
    rows, method = _rows(book["Uncertainty"]), {r["Item"]: r["Value"] for r in _rows(book["Method"])}
    n = len(nominations)
    assert len(rows) == n and {r["Reference"] for r in rows} == {x.reference for x in nominations}
    # Every draw ranks every nomination once: the expected ranks add up to 1 + 2 + … + n, and in each draw exactly
    # N nominations are in the top N, so the chances of the top N add up to N.
    assert sum(r["Expected rank"] for r in rows) == pytest.approx(n * (n + 1) / 2)
    for cut in (1, 3):
        assert sum(r[f"P(top {cut})"] for r in rows) == pytest.approx(cut)
    for r in rows:
        assert 1 <= r["Rank 5%"] <= r["Rank 95%"] <= n and 1 <= r["Expected rank"] <= n
        assert 0 <= r["P(top 1)"] <= r["P(top 3)"] <= 1
    assert len(_rows(book["Leniency"])) == 4
    # The fit belongs to exactly the scores of this workbook: its SHA-256 is the one the Scores sheet gives.
    digest = hashlib.sha256()
    for row in _rows(book["Scores"]):
        values = [row[c] for c in ("Category", "Reference", "Judge", "Criterion", "Weight", "Min", "Max", "Score")]
        digest.update(("\t".join(_canonical(v) for v in values) + "\n").encode())
    assert method["Score data SHA-256"] == method["Uncertainty fit of score data SHA-256"] == digest.hexdigest()
    assert "converged" in method["Uncertainty diagnostics"] and "seed 2026" in method["Uncertainty fit"]
