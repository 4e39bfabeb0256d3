"""Stored XSS: what applicants and judges type is shown as text on every page that shows it, and in the exports;
hostile uploads are refused at the form."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from awards_app.extensions import db
from awards_app.models import OrganisationType, Role
from awards_app.services import conflicts as conflicts_service
from awards_app.services import nominations as nominations_service
from awards_app.services import sheets as sheets_service
from tests.conftest import PASSWORD, complete_project_answers, make_user, register_applicant
from tests.functional.judging_helpers import assign, criteria, judging_round

PAYLOAD = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>"
RAW = ("<script>alert(1)</script>", "<img src=x onerror")


@pytest.fixture
def hostile(world):
    """An applicant, a nomination and a judge's work where every free-text field holds the payload."""
    applicant = register_applicant(
        email="mallory@applicants.example",
        password=PASSWORD,
        name=PAYLOAD,
        organisation_name=PAYLOAD,
        organisation_type=OrganisationType.CITY,
        country_code="FR",
        city=PAYLOAD,
    )
    answers = {
        key: (value if key in ("start_date", "stage", "links") else f"{PAYLOAD} {key}")
        for key, value in complete_project_answers().items()
    }
    nomination = nominations_service.create_draft(world.project, applicant, answers)
    from tests.unit.test_storage import PDF

    nominations_service.add_attachment(nomination, applicant, f"{PAYLOAD}.pdf", PDF)
    nominations_service.submit(nomination, applicant)
    nominations_service.screen(nomination, world.secretariat, True, "")
    judge = world.judge
    judge.title, judge.affiliation, judge.expertise, judge.languages = PAYLOAD, PAYLOAD, PAYLOAD, PAYLOAD
    db.session.commit()
    round_ = judging_round(world)
    assignment = assign(round_, nomination, judge, declared=True)
    rubric = criteria(round_, world.project)
    sheets_service.save_sheet(
        assignment,
        judge,
        sheets_service.SheetInput({c.id: "7" for c in rubric}, {c.id: PAYLOAD for c in rubric}, PAYLOAD, None),
        submit=True,
    )
    other = make_user("judge2@judges.example", [Role.JUDGE], name=PAYLOAD)
    db.session.commit()
    recused = assign(round_, nomination, other)
    conflicts_service.declare(recused, other, True, PAYLOAD)
    return {"applicant": applicant, "nomination": nomination, "round": round_, "assignment": assignment}


def _pages_show_text_only(client, paths: list[str]) -> None:
    shown = 0
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        for raw in RAW:
            assert raw not in page, f"{path} shows {raw!r} unescaped"
        shown += "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert shown >= len(paths) // 2  # the payload is really on these pages, as text


def test_the_applicant_sees_their_own_text_as_text(client, auth, hostile):
    auth.login(hostile["applicant"].email)
    _pages_show_text_only(client, ["/nominations/", f"/nominations/{hostile['nomination'].id}", "/auth/account"])


def test_the_secretariat_pages_show_it_as_text(client, auth, world, hostile):
    auth.login(world.secretariat)
    round_id, nomination_id = hostile["round"].id, hostile["nomination"].id
    _pages_show_text_only(
        client,
        [
            "/secretariat/nominations",
            f"/secretariat/nominations/{nomination_id}",
            "/secretariat/audit",
            "/secretariat/people",
            f"/secretariat/rounds/{round_id}",
            f"/secretariat/rounds/{round_id}/assignments",
            f"/secretariat/rounds/{round_id}/progress",
            f"/secretariat/rounds/{round_id}/conflicts",
            f"/secretariat/rounds/{round_id}/results",
            f"/secretariat/people/{world.judge.id}/edit",
        ],
    )


def test_the_judge_pages_show_it_as_text(client, auth, world, hostile):
    auth.login(world.judge)
    _pages_show_text_only(client, ["/judging/", f"/judging/assignments/{hostile['assignment'].id}"])


def test_the_workbook_and_the_csv_hold_it_as_plain_text(client, auth, world, hostile):
    auth.login(world.secretariat)
    book = load_workbook(io.BytesIO(client.get(f"/secretariat/rounds/{hostile['round'].id}/results.xlsx").data))
    cells = [
        cell
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and PAYLOAD in cell.value
    ]
    assert cells  # title, organisation, comments, conflict reason
    assert all(cell.data_type == "s" for cell in cells)
    csv = client.get(f"/secretariat/rounds/{hostile['round'].id}/rankings.csv").get_data(as_text=True)
    assert "alert(1)" in csv


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("page.html", b"<!doctype html><script>alert(1)</script>"),
        ("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
        ("tool.js", b"alert(document.cookie)"),
        ("run.sh", b"#!/bin/sh\nrm -rf /\n"),
        ("setup.exe", b"MZ\x90\x00" + b"\x00" * 64),
        ("report.pdf", b"<html><body onload=alert(1)>"),  # a web page named as a PDF
    ],
)
def test_hostile_uploads_are_refused_at_the_form(client, auth, world, name, data):
    draft = nominations_service.create_draft(world.project, world.applicant, complete_project_answers())
    auth.login(world.applicant)
    response = client.post(
        f"/nominations/{draft.id}/edit",
        data={**complete_project_answers(), "upload": "1", "document": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert b"was refused" in response.data
    db.session.expire_all()
    assert not db.session.get(type(draft), draft.id).attachments
