"""The results a process keeps: computed once for each state of the data, and never served once the data changed.

Each change that the results depend on is made through its service, as the secretariat or a judge would make it;
afterwards the results are computed again (the ranking runs once more), and they are exactly those computed with
an empty cache.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import flask
import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from awards_app import ranking
from awards_app.models import Assignment, AwardTier, FitStatus, UncertaintyFit, utcnow
from awards_app.services import assignments as assignments_service
from awards_app.services import conflicts as conflicts_service
from awards_app.services import export as export_service
from awards_app.services import programs as programs_service
from awards_app.services import results as results_service
from awards_app.services import results_cache as results_cache_service
from awards_app.services import rounds as rounds_service
from awards_app.services import rubrics as rubrics_service
from awards_app.services import sheets as sheets_service
from tests.functional.judging_helpers import judging_round
from tests.functional.test_decisions import CITY, judges, scored

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with nothing kept, whatever earlier tests computed."""
    results_cache_service.forget_computed()
    yield
    results_cache_service.forget_computed()


@pytest.fixture
def rankings_run(monkeypatch) -> list[int]:
    """One item per time a category's ranking is computed."""
    runs: list[int] = []
    real = ranking.rank_nominations

    def counted(*args, **kwargs):
        runs.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(ranking, "rank_nominations", counted)
    return runs


@pytest.fixture
def panel_round(world, db):
    """Five nominations, each scored and submitted by the same three judges, and a fourth judge on the first
    nomination who has not submitted yet."""
    world.project.tiers = [
        AwardTier(name_en="Gold", count=1, position=0, fill_order=1),
        AwardTier(name_en="Silver", count=2, position=1, fill_order=2),
    ]
    round_ = judging_round(world)
    panel = judges(4)
    entries = [(f"Project {n}", CITY, value) for n, value in enumerate([9, 8, 8, 6, 4])]
    nominations = scored(world, round_, entries, panel[:3])
    late = Assignment(round_id=round_.id, nomination_id=nominations[0].id, judge_id=panel[3].id)
    db.session.add(late)
    db.session.commit()
    return round_, nominations, panel, late


def fresh(round_, category) -> results_service.CategoryResults:
    """The results computed with nothing kept."""
    results_cache_service.forget_computed()
    return results_service.category_results(round_, category)


def assert_same_results(kept: results_service.CategoryResults, computed: results_service.CategoryResults) -> None:
    for name in ("ranking", "agreement", "judges", "totals", "scores"):
        pd.testing.assert_frame_equal(getattr(kept, name), getattr(computed, name))
    assert kept.settings == computed.settings
    assert kept.key == computed.key
    np.testing.assert_equal((kept.alpha, *kept.alpha_interval), (computed.alpha, *computed.alpha_interval))
    for name in ("ranking_rows", "judge_rows"):
        pd.testing.assert_frame_equal(pd.DataFrame(getattr(kept, name)), pd.DataFrame(getattr(computed, name)))
    assert results_service.charts_of(kept) == results_service.charts_of(computed)


def test_results_are_computed_once_for_the_same_data(world, db, panel_round, rankings_run):
    round_, _nominations, _panel, _late = panel_round
    first = results_service.category_results(round_, world.project)
    again = results_service.category_results(round_, world.project)
    assert len(rankings_run) == 1
    assert again.key == first.key
    assert_same_results(again, fresh(round_, world.project))


def test_a_page_is_the_same_from_the_cache_as_computed_afresh(client, auth, world, db, panel_round, rankings_run):
    round_, _nominations, _panel, _late = panel_round
    auth.login(world.secretariat)
    url = f"/secretariat/rounds/{round_.id}/results"
    computed = client.get(url)
    kept = client.get(url)
    assert len(rankings_run) == 1
    assert kept.headers["Cache-Control"] == "no-store"

    def without_tokens(page: bytes) -> bytes:
        return re.sub(rb'name="csrf_token" (type="hidden" )?value="[^"]*"', b"", page)

    assert without_tokens(kept.data) == without_tokens(computed.data)


def test_the_key_is_read_in_one_query_and_once_per_page(client, auth, world, db, panel_round):
    """Once for a page whose results are kept; on a page that computes them, once more after each value computed
    (the category's results, the score data's SHA-256), to keep it only if the data did not change meanwhile."""
    round_, _nominations, _panel, _late = panel_round
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def key_reads() -> int:
        return sum("group_concat" in s or "string_agg" in s for s in statements)

    url = f"/secretariat/rounds/{round_.id}/results"
    auth.login(world.secretariat)
    db.session.refresh(round_)
    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        results_cache_service.data_key(round_)
        assert len(statements) == 1
        statements.clear()
        client.get(url)
        assert key_reads() == 3
        statements.clear()
        client.get(url)
        assert key_reads() == 1
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)


def _submit_another_sheet(world, db, round_, nominations, panel, late) -> None:
    conflicts_service.declare(late, panel[3], False)
    values = {c.id: "3" for c in rubrics_service.criteria_of(round_, world.project)}
    sheets_service.save_sheet(late, panel[3], sheets_service.SheetInput(values, {}, ""), submit=True)


def _reopen_a_sheet(world, db, round_, nominations, panel, late) -> None:
    assignment = db.session.scalar(
        sa.select(Assignment).where(Assignment.nomination_id == nominations[1].id, Assignment.judge_id == panel[0].id)
    )
    sheets_service.reopen_sheet(assignment, world.secretariat)


def _change_a_score(world, db, round_, nominations, panel, late) -> None:
    assignment = db.session.scalar(
        sa.select(Assignment).where(Assignment.nomination_id == nominations[2].id, Assignment.judge_id == panel[1].id)
    )
    sheets_service.reopen_sheet(assignment, world.secretariat)
    values = {c.id: "10" for c in rubrics_service.criteria_of(round_, world.project)}
    sheets_service.save_sheet(assignment, panel[1], sheets_service.SheetInput(values, {}, ""), submit=True)


def _record_a_conflict(world, db, round_, nominations, panel, late) -> None:
    conflicts_service.record_conflict(panel[2], nominations[3], "Advised the applicant in 2025.", world.secretariat)


def _waive_a_sheet(world, db, round_, nominations, panel, late) -> None:
    assignments_service.waive_assignment(late, world.secretariat, "On leave until the round closes.")


def _round_input(round_, **changes) -> rounds_service.RoundInput:
    data = rounds_service.RoundInput(
        name=round_.name,
        opens_at=round_.opens_at,
        closes_at=round_.closes_at,
        category_ids=[c.id for c in round_.categories],
        judges_per_nomination=round_.judges_per_nomination,
        mode=round_.mode,
        same_country_conflict=round_.same_country_conflict,
        quorum=round_.quorum,
        ranking_method=round_.ranking_method,
        disagreement_threshold=round_.disagreement_threshold,
        shortlist_count=round_.shortlist_count,
    )
    return replace(data, **changes)


def _change_the_method(world, db, round_, nominations, panel, late) -> None:
    data = _round_input(round_, ranking_method="median")
    with pytest.raises(rounds_service.DecisionLocked):
        rounds_service.update_round(round_, data, world.secretariat)
    rounds_service.update_round(round_, data, world.secretariat, confirm_decision=True)


def _change_the_threshold(world, db, round_, nominations, panel, late) -> None:
    data = _round_input(round_, disagreement_threshold=Decimal("0.5"))
    rounds_service.update_round(round_, data, world.secretariat, confirm_decision=True)


def _change_the_shortlist(world, db, round_, nominations, panel, late) -> None:
    data = _round_input(round_, shortlist_count=4)
    rounds_service.update_round(round_, data, world.secretariat, confirm_decision=True)


def _change_the_panel_size(world, db, round_, nominations, panel, late) -> None:
    rounds_service.update_round(round_, _round_input(round_, judges_per_nomination=4), world.secretariat)


def _change_the_tiers(world, db, round_, nominations, panel, late) -> None:
    category = world.project
    data = programs_service.CategoryInput(
        code=category.code,
        name_en=category.name_en,
        name_ko=category.name_ko,
        kind=category.kind,
        eligible_types=[CITY],
        max_per_organisation=category.max_per_organisation,
        position=category.position,
        description_en=category.description_en,
        description_ko=category.description_ko,
        tiers=[programs_service.TierInput("Gold", "금상", 2), programs_service.TierInput("Silver", "은상", 2)],
    )
    with pytest.raises(programs_service.TiersLocked):
        programs_service.update_category(category, data, world.secretariat)
    programs_service.update_category(category, data, world.secretariat, confirm_tiers=True)


def _change_the_rubric_weight(world, db, round_, nominations, panel, late) -> None:
    criterion = rubrics_service.criteria_of(round_, world.project)[0]
    criterion.weight = Decimal("60")
    db.session.commit()


def _rename_a_nomination(world, db, round_, nominations, panel, late) -> None:
    nominations[0].title = "Project 0, renamed"
    db.session.commit()


def _rename_a_judge(world, db, round_, nominations, panel, late) -> None:
    panel[0].name = "Panel Judge Zero"
    db.session.commit()


def _fit_the_model(world, db, round_, nominations, panel, late) -> None:
    fit = UncertaintyFit(
        round_id=round_.id,
        data_sha256=export_service.score_data_sha256(round_),
        status=FitStatus.QUEUED,
        settings={},
    )
    db.session.add(fit)
    db.session.commit()


CHANGES = {
    "a sheet submitted": _submit_another_sheet,
    "a sheet reopened": _reopen_a_sheet,
    "a score changed": _change_a_score,
    "a recusal": _record_a_conflict,
    "a waiver": _waive_a_sheet,
    "the method, confirmed": _change_the_method,
    "the disagreement threshold": _change_the_threshold,
    "the shortlist": _change_the_shortlist,
    "the panel size": _change_the_panel_size,
    "the tiers, confirmed": _change_the_tiers,
    "a criterion's weight": _change_the_rubric_weight,
    "a nomination's title": _rename_a_nomination,
    "a judge's name": _rename_a_judge,
    "an uncertainty fit": _fit_the_model,
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_every_change_the_results_depend_on_computes_them_again(world, db, panel_round, rankings_run, change):
    round_, nominations, panel, late = panel_round
    before = results_service.category_results(round_, world.project)
    digest = export_service.score_data_sha256(round_)
    results_service.category_results(round_, world.project)
    assert len(rankings_run) == 1
    change(world, db, round_, nominations, panel, late)
    after = results_service.category_results(round_, world.project)
    assert len(rankings_run) == 2, "the results were served from before the change"
    assert after.key != before.key
    assert_same_results(after, fresh(round_, world.project))
    # The score data's SHA-256 (the one the fits are kept under) is never stale either.
    export_service.score_data_sha256(round_)
    kept_digest = export_service.score_data_sha256(round_)
    results_cache_service.forget_computed()
    assert kept_digest == export_service.score_data_sha256(round_)
    if change in (_submit_another_sheet, _reopen_a_sheet, _change_a_score, _record_a_conflict, _rename_a_judge):
        assert kept_digest != digest


def test_the_page_shows_a_change_at_once(client, auth, world, db, panel_round):
    round_, nominations, panel, _late = panel_round
    auth.login(world.secretariat)
    url = f"/secretariat/rounds/{round_.id}/results"
    assert "Project 3" in client.get(url).get_data(as_text=True)
    conflicts_service.record_conflict(panel[2], nominations[3], "Advised the applicant in 2025.", world.secretariat)
    page = client.get(url).get_data(as_text=True)
    assert "few judges" in page  # Project 3 keeps two of its three judges
    nominations[3].title = "Project 3, renamed"
    db.session.commit()
    assert "Project 3, renamed" in client.get(url).get_data(as_text=True)


KEY_IN_ANOTHER_PROCESS = """
import sys
import sqlalchemy as sa
from awards_app import create_app
from awards_app.extensions import db
from awards_app.models import Round
from awards_app.services import export as export_service
from awards_app.services import results_cache as results_cache_service
app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": sys.argv[1]})
with app.app_context():
    round_ = db.session.get(Round, int(sys.argv[2]))
    print(results_cache_service.data_key(round_), export_service.score_data_sha256(round_))
"""


def test_two_processes_name_the_same_data_alike(app, world, db, panel_round):
    round_, nominations, panel, _late = panel_round

    def elsewhere() -> list[str]:
        db.session.commit()  # the other process reads what is committed
        completed = subprocess.run(  # noqa: S603  (our own module, our own arguments)
            [sys.executable, "-c", KEY_IN_ANOTHER_PROCESS, app.config["SQLALCHEMY_DATABASE_URI"], str(round_.id)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return completed.stdout.split()

    here = [results_cache_service.data_key(round_), export_service.score_data_sha256(round_)]
    assert elsewhere() == here
    conflicts_service.record_conflict(panel[1], nominations[0], "Same university.", world.secretariat)
    changed = [results_cache_service.data_key(round_), export_service.score_data_sha256(round_)]
    assert changed[0] != here[0] and changed[1] != here[1]
    assert elsewhere() == changed


def test_the_cache_keeps_a_bounded_number_of_entries():
    size = results_cache_service.CACHE_SIZE
    for n in range(size + 10):
        results_cache_service.keep(("test", n), n)
    assert results_cache_service.recall(("test", 0)) is None
    assert results_cache_service.recall(("test", size + 9)) == size + 9


def test_results_computed_while_the_data_changed_are_not_kept(world, db, panel_round, monkeypatch):
    """Another worker may commit between the key's query and the scores' query: what was computed then is served to
    its own caller only, never kept under the key read before the change."""
    round_, nominations, panel, _late = panel_round
    real = ranking.rank_nominations
    runs: list[int] = []

    def meanwhile(*args, **kwargs):
        if not runs:
            conflicts_service.record_conflict(panel[2], nominations[3], "Advised the applicant.", world.secretariat)
        runs.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(ranking, "rank_nominations", meanwhile)
    first = results_service.category_results(round_, world.project)
    assert first.key == ""
    again = results_service.category_results(round_, world.project)
    assert len(runs) == 2, "results computed while the data changed were kept"
    assert again.key
    assert_same_results(again, fresh(round_, world.project))


def test_a_page_reads_the_key_again_after_it_writes(app, world, db, panel_round):
    round_, nominations, panel, _late = panel_round
    with app.test_request_context("/", method="GET"):
        before = results_cache_service.data_key(round_)
        assert results_cache_service.data_key(round_) == before
        conflicts_service.record_conflict(panel[2], nominations[3], "Advised the applicant.", world.secretariat)
        assert results_cache_service.data_key(round_) != before
        assert results_cache_service.data_key(round_) == results_cache_service.data_key(round_, fresh=True)


def test_the_key_follows_the_latest_fit_to_its_draws(world, db, panel_round):
    round_, _nominations, _panel, _late = panel_round
    fit = UncertaintyFit(
        round_id=round_.id,
        data_sha256=export_service.score_data_sha256(round_),
        status=FitStatus.DONE,
        converged=True,
        settings={},
        draws=b"the first draws",
    )
    db.session.add(fit)
    db.session.commit()
    keys = [results_cache_service.data_key(round_)]
    fit.draws = b"the draws of a fit run again"
    db.session.commit()
    keys.append(results_cache_service.data_key(round_))
    fit.finished_at = utcnow()
    db.session.commit()
    keys.append(results_cache_service.data_key(round_))
    assert len(set(keys)) == 3


def test_the_export_reads_the_key_once_before_and_once_after_whatever_its_categories(world, db, panel_round):
    round_, _nominations, _panel, _late = panel_round
    round_.categories.append(world.leadership)
    db.session.commit()
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def key_reads() -> int:
        return sum("group_concat" in s or "string_agg" in s for s in statements)

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        cold = export_service.round_workbook(round_)
        assert key_reads() == 2
        statements.clear()
        warm = export_service.round_workbook(round_)
        assert key_reads() == 1
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)
    assert len(cold) > 0 and len(warm) > 0


def test_the_charts_are_drawn_once_in_each_language(client, auth, world, db, panel_round, monkeypatch):
    round_, _nominations, _panel, _late = panel_round
    auth.login(world.secretariat)
    url = f"/secretariat/rounds/{round_.id}/results"
    svg = re.compile(r"<svg.*?</svg>", re.S)

    def charts(language: str) -> list[str]:
        return svg.findall(client.get(url, headers={"Accept-Language": language}).get_data(as_text=True))

    english, korean = charts("en"), charts("ko")
    assert len(english) == len(korean) >= 3
    assert english != korean  # the labels are in the page's language, not in the language first drawn
    drawn: list[str] = []
    real = flask.get_template_attribute

    def counted(template: str, name: str):
        drawn.append(name)
        return real(template, name)

    monkeypatch.setattr("awards_app.rounds.routes.get_template_attribute", counted)
    assert charts("en") == english and charts("ko") == korean
    assert drawn == []  # both kept
    results_cache_service.forget_computed()
    assert charts("ko") == korean  # drawn afresh, the same
    assert drawn


def test_categories_worked_out_together_are_each_as_worked_out_alone(app, db):
    # Two categories of one round, with different tiers (so different cuts) and a shortlist: the export works them
    # out in one pass, a category's page one at a time; each must come out the same both ways.
    from benchmarks.results_scale import SCALES, _seed_database

    round_ = _seed_database(SCALES["quick"])
    first, second = round_.categories
    first.tiers = [AwardTier(name_en="Grand", count=1, position=0, fill_order=1)]
    second.tiers = [
        AwardTier(name_en="Gold", count=2, position=0, fill_order=1),
        AwardTier(name_en="Silver", count=3, position=1, fill_order=2),
    ]
    round_.shortlist_count = 4
    db.session.commit()
    together = results_service.categories_results(round_, [first, second])
    assert together[first.id].settings.cuts == (1, 4) and together[second.id].settings.cuts == (2, 4, 5)
    for category in (first, second):
        assert len(together[category.id].ranking) == 20
        assert_same_results(together[category.id], fresh(round_, category))


def test_the_rounds_totals_read_together_are_each_categorys_totals(app, db):
    # The uncertainty model's input: every category's judge totals, read in one query for the whole round.
    import pandas as pd

    from awards_app import ranking
    from awards_app.services import uncertainty as uncertainty_service
    from benchmarks.results_scale import SCALES, _seed_database

    round_ = _seed_database(SCALES["quick"])
    together = uncertainty_service.round_totals(round_)
    alone = pd.concat(
        [ranking.judge_totals(results_service.counted_scores(round_, c)) for c in round_.categories], ignore_index=True
    )
    assert len(round_.categories) == 2 and together["category_id"].nunique() == 2 and len(together) > 40
    key = ["category_id", "nomination_id", "judge_id"]
    pd.testing.assert_frame_equal(
        together.sort_values(key).reset_index(drop=True), alone.sort_values(key).reset_index(drop=True)
    )
