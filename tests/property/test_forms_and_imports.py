"""Property-based tests of hostile input: random posts to every form never answer 5xx, and random workbooks given
to the imports are either imported correctly or refused with named problems — never an unexpected error."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from awards_app import spreadsheets
from awards_app.extensions import db
from awards_app.models import Nomination
from awards_app.services import nominations as nominations_service
from awards_app.services.imports import ImportRefused
from awards_app.services.imports import judges as judge_imports
from tests.conftest import PASSWORD, complete_project_answers

FIELDS = [
    "title",
    "summary",
    "start_date",
    "stage",
    "problem",
    "links",
    "email",
    "password",
    "confirm",
    "name",
    "organisation_name",
    "organisation_type",
    "country",
    "city",
    "decision",
    "reason",
    "version",
    "client_token",
    "overall_comment",
    "score_1",
    "comment_1",
    "declaration",
    "no_conflict",
    "conflict",
    "confirm",
    "vote",
    "nominations",
    "judges",
    "to_round",
    "places",
    "tier",
    "category",
    "seed",
    "k",
    "max_load",
    "judges_per_nomination",
    "opens_at",
    "closes_at",
    "year",
    "slug",
    "code",
    "name_en",
    "name_ko",
    "kind",
    "max_per_organisation",
    "criteria-0-weight",
    "criteria-0-name_en",
    "criteria-0-min_score",
    "criteria-0-max_score",
    "criteria-0-step",
    "lowest",
    "highest",
    "text_en",
    "text_ko",
    "override-nomination",
    "override-tier",
    "override-reason",
    "language",
    "roles",
    "time_zone",
    "page",
    "save",
    "submit_entry",
    "submit_scores",
    "submit_and_next",
    "upload",
    "opened",
    "mode",
    "quorum",
]
HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "99999999999999999999",
            "1e308",
            "NaN",
            "0000-00-00",
            "2026-13-45T25:61",
            "<script>",
            "' OR 1=1 --",
            "\x00",
            "../../etc/passwd",
            "=1+1",
            "None",
            "true",
            "[]",
            "{}",
            "🙂" * 50,
            "a" * 5000,
        ]
    ),
)
POSTS = st.dictionaries(
    st.sampled_from(FIELDS), st.one_of(HOSTILE_TEXT, st.lists(HOSTILE_TEXT, max_size=3)), max_size=8
)


def _post_endpoints(app) -> list[tuple[str, str]]:
    values = {
        "nomination_id": 1,
        "attachment_id": 1,
        "edition_id": 1,
        "category_id": 1,
        "user_id": 1,
        "token": "x",
        "round_id": 1,
        "assignment_id": 1,
        "criterion_id": 1,
        "descriptor_id": 1,
        "mail_id": 1,
        "applicant_type": "any",
        "field_name": "title",
        "code": "ABCD-EFGH-JKMN",
        "edition_slug": "x",
        "winner": "1",
    }
    with app.test_request_context():
        return sorted(
            {
                (rule.endpoint, url_for(rule.endpoint, **{a: values[a] for a in rule.arguments}))
                for rule in app.url_map.iter_rules()
                if "POST" in rule.methods
            }
        )


@pytest.mark.parametrize("who", ["applicant", "judge", "secretariat"])
@settings(max_examples=70, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_posts_to_every_form_never_answer_5xx(app, world, who, data):
    user = {"applicant": world.applicant, "judge": world.judge, "secretariat": world.secretariat}[who]
    if db.session.scalar(sa.select(sa.func.count(Nomination.id))) == 0:
        nominations_service.create_draft(world.project, world.applicant, complete_project_answers())
    endpoint, url = data.draw(st.sampled_from(_post_endpoints(app)))
    fields = data.draw(POSTS)
    with app.test_client() as client:
        client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
        response = client.post(url, data=fields)
        assert response.status_code < 500, f"{endpoint} {url} {fields!r}: {response.status_code}"
    db.session.rollback()


CELLS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.dates(min_value=date(1900, 1, 1)),
    st.datetimes(min_value=datetime(1900, 1, 1)),
    st.sampled_from(["=1+1", "@SUM(A1)", "#DIV/0!", "Gold", "KR", "city", "yes", "No conflict", "7", "7.5"]),
)


def _workbook(sheet: str, header: list[str], rows: list[list[object]]) -> bytes:
    book = Workbook()
    book.active.title = sheet
    book.active.append([ILLEGAL_CHARACTERS_RE.sub("", value) for value in header])
    for row in rows:
        # A spreadsheet cannot hold control characters: what Excel could save is what is generated.
        book.active.append([ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELLS, min_size=8, max_size=8), max_size=6))
def test_random_judge_lists_are_imported_or_refused_with_named_problems(app, world, rows):
    header = ["Name *", "E-mail *", "Title", "Organisation", "Country", "Expertise", "Languages", "Time zone"]
    data = _workbook("Judges", header, rows)
    with app.test_request_context():
        try:
            result = judge_imports.import_judges(data, world.secretariat)
        except ImportRefused as refused:
            assert refused.problems and all(p.message for p in refused.problems)
            db.session.rollback()
        else:
            written = [[ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row] for row in rows]
            assert result.created + result.updated == sum(
                1 for row in written if any(spreadsheets.cell_text(v) for v in row)
            )


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.lists(CELLS, min_size=3, max_size=3), max_size=8),
    header=st.lists(
        st.one_of(st.sampled_from(["Name", "E-mail", "Country", "Score"]), st.text(max_size=8)), max_size=5
    ),
)
def test_the_reader_never_fails_on_what_a_spreadsheet_can_hold(rows, header):
    spec = spreadsheets.SheetSpec(
        "Judges",
        (spreadsheets.Column("Name", required=True), spreadsheets.Column("E-mail"), spreadsheets.Column("Country")),
    )
    data = _workbook("Judges", header, rows)
    found, problems = spreadsheets.read_workbook(data, [spec])
    for row in found:
        assert set(row.values) == {"Name", "E-mail", "Country"}
        assert all(isinstance(value, str) for value in row.values.values())
    assert all(p.sheet == "Judges" and p.message for p in problems)
