"""The main pages make as many SQL queries for 30 rows as for 3: no query per row (N+1).

A count, not a timing: benchmarks/queries.py reports the figures at demo size and at 5,000 nominations.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from awards_app.extensions import db
from awards_app.models import Organisation, OrganisationType, Role
from awards_app.services import judging as judging_service
from tests.conftest import make_user
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
            judging_service.save_sheet(
                assignment,
                judge,
                judging_service.SheetInput({c.id: str(5 + number % 5) for c in rubric}, {}, "", None),
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
