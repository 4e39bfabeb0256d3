"""The main pages make as many SQL queries for 30 rows as for 3: no query per row (N+1); the pages a judge and an
applicant use most make no lazy load at all, and the score sheet at most eight statements.

A count, not a timing: benchmarks/queries.py reports the figures at demo size and at 5,000 nominations.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from awards_app.extensions import db
from awards_app.models import Assignment, Organisation, OrganisationType, Role
from awards_app.services import nominations as nominations_service
from awards_app.services import sheets as sheets_service
from tests.conftest import complete_project_answers, make_user
from tests.functional.judging_helpers import assign, criteria, eligible, judging_round

SECRETARIAT_PAGES = [
    "/secretariat/rounds/{round}",
    "/secretariat/rounds/{round}/assignments",
    "/secretariat/rounds/{round}/progress",
    "/secretariat/rounds/{round}/results",
    "/secretariat/rounds/{round}/conflicts",
    "/secretariat/nominations",
    "/secretariat/audit",
    "/secretariat/rounds/{round}/results.xlsx",
    # paged, searched, filtered and sorted
    "/secretariat/rounds/",
    "/secretariat/rounds/{round}?per_page=25&sort=-submitted&q=project",
    "/secretariat/rounds/{round}/assignments?per_page=25&state=missing&sort=title",
    "/secretariat/rounds/{round}/progress?per_page=25&state=short&sort=-missing&q=project",
    "/secretariat/nominations?per_page=25&sort=-title&status=eligible&q=project",
]
#: Pages that list a round's nominations (or an edition's) a page at a time.
PAGED_PAGES = [
    "/secretariat/rounds/{round}?per_page=25",
    "/secretariat/rounds/{round}/assignments?per_page=25&state=short",  # two judges of the three wanted
    "/secretariat/rounds/{round}/progress?per_page=25&sort=-missing",
    "/secretariat/nominations?per_page=25&status=eligible",
]
JUDGE_PAGES = ["/judging/"]


def _queries(client, path: str) -> int:
    """The queries of one request for the page, measured on a second request (the first warms caches)."""
    client.get(path)
    db.session.expire_all()
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200, path
    return len(statements)


def _add_scored(world, round_, judges, rubric, start: int, count: int) -> None:
    for number in range(start, start + count):
        organisation = Organisation(
            name=f"City {number}", type=OrganisationType.CITY, country_code="KE", city=f"City {number}"
        )
        db.session.add(organisation)
        db.session.commit()
        nomination = eligible(world, f"Project {number}", organisation=organisation)
        for judge in judges:
            assignment = assign(round_, nomination, judge, declared=True)
            sheets_service.save_sheet(
                assignment,
                judge,
                sheets_service.SheetInput({c.id: str(5 + number % 5) for c in rubric}, {}, "", None),
                submit=True,
            )


@pytest.mark.parametrize(("who", "pages"), [("secretariat", SECRETARIAT_PAGES), ("judge", JUDGE_PAGES)])
def test_main_pages_make_no_query_per_row(client, auth, world, who, pages):
    round_ = judging_round(world)
    rubric = criteria(round_, world.project)
    judges = [world.judge, make_user("second@judges.example", [Role.JUDGE], name="Second Judge")]
    db.session.commit()
    _add_scored(world, round_, judges, rubric, 0, 3)
    auth.login(world.secretariat if who == "secretariat" else world.judge)
    few = {page: _queries(client, page.format(round=round_.id)) for page in pages}
    _add_scored(world, round_, judges, rubric, 3, 27)
    many = {page: _queries(client, page.format(round=round_.id)) for page in pages}
    assert many == few


def _profile(client, path: str) -> tuple[list[str], list[str]]:
    """The statements and the lazy loads of one request for the page, made as a fresh request makes them (in an
    application context of its own, so with a session of its own), after a first request that warms the caches."""
    client.get(path)
    statements: list[str] = []
    lazy: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(" ".join(statement.split()))

    def loads(state):
        if state.lazy_loaded_from is not None:
            lazy.append(f"{state.lazy_loaded_from.class_.__name__}: {' '.join(str(state.statement).split())[:120]}")
        elif state.is_column_load:
            lazy.append(f"refresh: {' '.join(str(state.statement).split())[:120]}")

    sa.event.listen(db.engine, "before_cursor_execute", count)
    sa.event.listen(Session, "do_orm_execute", loads)
    try:
        with client.application.app_context():
            response = client.get(path)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
        sa.event.remove(Session, "do_orm_execute", loads)
    assert response.status_code == 200, path
    return statements, lazy


@pytest.fixture
def scored_round(world):
    round_ = judging_round(world)
    rubric = criteria(round_, world.project)
    judges = [world.judge, make_user("second@judges.example", [Role.JUDGE], name="Second Judge")]
    db.session.commit()
    _add_scored(world, round_, judges, rubric, 0, 3)
    return round_, rubric, judges


def test_the_score_sheet_takes_at_most_eight_statements_and_no_lazy_load(client, auth, world, scored_round):
    round_, rubric, _judges = scored_round
    draft = assign(round_, eligible(world, "Draft project"), world.judge, declared=True)
    sheets_service.save_sheet(draft, world.judge, sheets_service.SheetInput({rubric[0].id: "7"}, {}, "", None))
    undeclared = assign(round_, eligible(world, "Undeclared project"), world.judge)
    submitted = db.session.scalar(
        sa.select(Assignment).where(Assignment.judge_id == world.judge.id, Assignment.round_id == round_.id)
    )
    auth.login(world.judge)
    for path in [f"/judging/assignments/{a.id}" for a in (draft, undeclared, submitted)]:
        # The sheet a judge can still change reads its rubric's level descriptors in one more statement (5 → 6).
        statements, lazy = _profile(client, path)
        assert len(statements) <= 8, "\n".join(statements)
        assert sum("level_descriptor" in statement for statement in statements) <= 1
        assert lazy == []


def test_a_judge_s_and_an_applicant_s_pages_make_no_lazy_load_and_no_query_per_row(client, auth, world, scored_round):
    round_, rubric, judges = scored_round
    nomination = nominations_service.create_draft(world.project, world.applicant, complete_project_answers())
    applicant_pages = ("/nominations/", f"/nominations/{nomination.id}")
    auth.login(world.judge)
    few, lazy = _profile(client, "/judging/")
    assert lazy == []
    _add_scored(world, round_, judges, rubric, 3, 12)
    many, lazy = _profile(client, "/judging/")
    assert lazy == [] and len(many) == len(few)

    auth.logout()
    auth.login(world.applicant)
    for path in applicant_pages:
        _statements, lazy = _profile(client, path)
        assert lazy == [], "\n".join(lazy)


def test_the_secretariat_s_nomination_and_progress_pages_make_no_lazy_load(client, auth, world, scored_round):
    round_, rubric, judges = scored_round
    auth.login(world.secretariat)
    nomination_id = db.session.scalar(sa.select(Assignment.nomination_id).where(Assignment.round_id == round_.id))
    pages = [
        f"/secretariat/nominations/{nomination_id}",
        f"/secretariat/rounds/{round_.id}/progress",
        f"/secretariat/rounds/{round_.id}/assignments",
    ]
    few = {}
    for page in pages:
        statements, lazy = _profile(client, page)
        assert lazy == [], "\n".join(lazy)
        few[page] = len(statements)
    _add_scored(world, round_, judges, rubric, 3, 12)
    for page in pages:
        statements, lazy = _profile(client, page)
        assert lazy == [] and len(statements) == few[page], page


def test_a_later_page_costs_the_queries_of_the_first(client, auth, world, scored_round):
    round_, rubric, judges = scored_round
    _add_scored(world, round_, judges, rubric, 3, 27)
    auth.login(world.secretariat)
    for page in PAGED_PAGES:
        path = page.format(round=round_.id)
        first, lazy_first = _profile(client, path)
        second, lazy_second = _profile(client, path + "&page=2")
        assert len(second) == len(first) and len(lazy_second) == len(lazy_first), path
        if "/rounds/" in path:
            assert lazy_first == lazy_second == [], "\n".join(lazy_first + lazy_second)
