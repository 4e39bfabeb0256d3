"""The merit statements (공적조서) of the Mayor's commendation: who downloads them, as PDF and Word, one by one and a
category's at once, read against the form each nomination was written on."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
import sqlalchemy as sa
from docx import Document
from pypdf import PdfReader

from awards_app.entry_forms import COMMENDATION_FIELDS, spec_to_dict
from awards_app.models import (
    AccessRecord,
    Assignment,
    EntryForm,
    Nomination,
    NominationStatus,
    Organisation,
    OrganisationType,
    Role,
    Round,
    utcnow,
)
from tests.conftest import PASSWORD, make_user
from tests.functional.judging_helpers import eligible

KOREAN_ANSWERS = {
    "nominee_name": "김서연",
    "affiliation": "서울디지털재단",
    "position": "선임연구원",
    "merit_start": "2023-03-01",
    "merit_end": "2025-10-31",
    "merit_ko": "WeGO 회원도시 12곳의 디지털 전환을 자문함. 3개 언어로 정책 안내서를 발간함.",
    "merit_en": "Advised 12 WeGO member cities on their digital transformation.",
    "past_awards": "2022 행정안전부장관 표창",
    "has_revoked_awards": "no",
    "has_disciplinary_record": "no",
    "has_controversies": "no",
}
FOREIGN_ANSWERS = {
    **KOREAN_ANSWERS,
    "nominee_name": "Daniel Okafor",
    "affiliation": "WeGO Advisory Committee",
    "position": "Member",
    "merit_end": "",
    "past_awards": "",
    "has_controversies": "yes",
    "controversies": "Audited in 2019, cleared.",
}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def seoul(world, db):
    """A Korean city and its applicant."""
    city = Organisation(
        name="Seoul Metropolitan Government", type=OrganisationType.CITY, country_code="KR", city="Seoul"
    )
    applicant = make_user("applicant@seoul.example", [Role.APPLICANT], city, "Park Ji-hoon")
    db.session.add(city)
    db.session.commit()
    return city, applicant


def commendation(world, db, answers, organisation=None, created_by=None, status=NominationStatus.ELIGIBLE):
    nomination = eligible(world, answers["nominee_name"], organisation, world.commendation, dict(answers))
    nomination.status = status
    if created_by is not None:
        nomination.created_by = created_by
    db.session.commit()
    return nomination


def login(client, user):
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD})


def pdf_text(data: bytes) -> str:
    """The PDF's text, spaces run together (the title is letter-spaced)."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r" +", " ", text)


def table_of(data: bytes) -> dict[str, str]:
    """The Word document's table as {Korean label: value}."""
    (table,) = Document(io.BytesIO(data)).tables
    values: dict[str, str] = {}
    for row in table.rows:
        cells = list(dict.fromkeys(row.cells))  # a merged cell is listed once per column it spans
        for label, value in zip(cells[::2], cells[1::2], strict=False):
            values[label.text.split("\n")[0]] = value.text
    return values


def test_the_secretariat_downloads_a_korean_nominees_statement_as_pdf(client, world, db, seoul, needs_pdf):
    nomination = commendation(world, db, KOREAN_ANSWERS, seoul[0], seoul[1])
    login(client, world.secretariat)
    response = client.get(f"/nominations/{nomination.id}/merit-statement.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f"attachment; filename={nomination.reference}-merit-statement.pdf"
    assert "no-store" in response.headers["Cache-Control"]
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    text = pdf_text(response.data)
    for expected in (
        "공 적 조 서",
        "서울디지털재단",
        "선임연구원",
        "김서연",
        "23.03. ~ 25.10.",
        "2022 행정안전부장관 표창",
    ):
        assert expected in text, expected
    assert "Merit Statement" not in text and "Affiliation" not in text  # a Korean nominee's is in Korean only
    assert nomination.reference in text and "서울특별시장 표창" in text


def test_a_foreign_nominees_statement_has_english_beside_the_korean(client, world, db, needs_pdf):
    nomination = commendation(world, db, FOREIGN_ANSWERS)  # entered from Odense
    login(client, world.secretariat)
    text = pdf_text(client.get(f"/nominations/{nomination.id}/merit-statement.pdf").data)
    for expected in (
        "공 적 조 서",
        "Merit Statement",
        "Affiliation",
        "Daniel Okafor",
        "23.03. ~ 현재 (present)",
        "Advised 12 WeGO member cities",
        "WeGO 회원도시 12곳",
        "Audited in 2019, cleared.",
    ):
        assert expected in text, expected


def test_the_word_document_holds_the_same_rows_and_can_be_edited(client, world, db, seoul):
    nomination = commendation(world, db, KOREAN_ANSWERS, seoul[0], seoul[1])
    login(client, world.secretariat)
    response = client.get(f"/nominations/{nomination.id}/merit-statement.docx")
    assert response.status_code == 200
    assert response.mimetype == DOCX
    assert (
        response.headers["Content-Disposition"] == f"attachment; filename={nomination.reference}-merit-statement.docx"
    )
    assert "no-store" in response.headers["Cache-Control"]
    values = table_of(response.data)
    assert values["소속"] == "서울디지털재단" and values["직위"] == "선임연구원" and values["성명"] == "김서연"
    assert values["공적기간"] == "23.03. ~ 25.10."
    assert values["기서훈"] == "2022 행정안전부장관 표창"
    assert values["징계"] == "-" and values["기타"] == "-"
    assert values["추천기관"] == "Seoul Metropolitan Government"
    submitted = nomination.edition.local(nomination.submitted_at).date()
    assert values["작성일"] == f"{submitted.year}. {submitted.month}. {submitted.day}."
    # Edited and saved again, it is still a document Word reads.
    document = Document(io.BytesIO(response.data))
    document.tables[0].rows[0].cells[1].paragraphs[0].runs[0].text = "서울연구원"
    saved = io.BytesIO()
    document.save(saved)
    assert table_of(saved.getvalue())["소속"] == "서울연구원"


def test_a_field_the_secretariat_removed_from_the_form_reads_as_a_dash(client, world, db, seoul):
    fields = [spec_to_dict(spec) for spec in COMMENDATION_FIELDS if spec.name not in {"position", "past_awards"}]
    form = EntryForm(category=world.commendation, applicant_type="any", version=1, fields=fields)
    db.session.add(form)
    nomination = commendation(world, db, KOREAN_ANSWERS, seoul[0], seoul[1])
    nomination.entry_form = form
    db.session.commit()
    login(client, world.secretariat)
    values = table_of(client.get(f"/nominations/{nomination.id}/merit-statement.docx").data)
    assert values["직위"] == "-"  # the answer is still stored, but the nomination's form no longer asks it
    assert values["기서훈"] == "-"
    assert values["소속"] == "서울디지털재단"


def test_the_applicant_downloads_their_own_once_submitted_and_nobody_else_does(app, world, db):
    submitted = commendation(world, db, FOREIGN_ANSWERS)
    draft = commendation(world, db, FOREIGN_ANSWERS, status=NominationStatus.DRAFT)
    draft.submitted_at = draft.reference = None
    project = eligible(world, "Odense robot-assisted care")
    db.session.commit()
    expected = {
        (world.applicant, submitted): 200,
        (world.applicant, draft): 404,  # a draft has no statement yet
        (world.applicant, project): 404,  # a project has none
        (world.other_applicant, submitted): 403,
        (world.judge, submitted): 403,  # not assigned to it
        (world.secretariat, draft): 404,
        (world.secretariat, project): 404,
    }
    for (user, nomination), status in expected.items():
        for kind in ("pdf", "docx"):
            with app.test_client() as visitor:
                login(visitor, user)
                response = visitor.get(f"/nominations/{nomination.id}/merit-statement.{kind}")
                assert response.status_code == status, (user.email, nomination.status, kind)
    with app.test_client() as anonymous:
        response = anonymous.get(f"/nominations/{submitted.id}/merit-statement.docx")
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_a_committee_member_assigned_to_it_reads_it_as_they_read_the_nomination(client, world, db):
    nomination = commendation(world, db, FOREIGN_ANSWERS)
    round_ = Round(
        edition_id=world.edition.id,
        name="Merit review committee",
        position=1,
        categories=[world.commendation],
        opens_at=world.edition.opens_at,
        closes_at=world.edition.closes_at,
    )
    db.session.add(round_)
    db.session.flush()
    db.session.add(
        Assignment(
            round_id=round_.id, nomination_id=nomination.id, judge_id=world.judge.id, no_conflict_declared_at=utcnow()
        )
    )
    db.session.commit()
    login(client, world.judge)
    assert client.get(f"/nominations/{nomination.id}/merit-statement.docx").status_code == 200
    record = db.session.scalar(sa.select(AccessRecord).where(AccessRecord.user_id == world.judge.id))
    assert record is not None and record.kind == "merit_statement" and record.nomination_id == nomination.id


def test_the_pages_offer_the_statement_only_for_a_submitted_commendation(client, world, db):
    nomination = commendation(world, db, FOREIGN_ANSWERS)
    project = eligible(world, "Odense robot-assisted care")
    login(client, world.secretariat)
    page = client.get(f"/secretariat/nominations/{nomination.id}").get_data(as_text=True)
    assert f"/nominations/{nomination.id}/merit-statement.pdf" in page
    assert f"/nominations/{nomination.id}/merit-statement.docx" in page
    assert "merit-statement" not in client.get(f"/secretariat/nominations/{project.id}").get_data(as_text=True)
    edition = client.get(f"/secretariat/editions/{world.edition.id}").get_data(as_text=True)
    assert f"/secretariat/categories/{world.commendation.id}/merit-statements.pdf" in edition
    assert f"/secretariat/categories/{world.project.id}/merit-statements" not in edition
    client.post("/auth/logout")
    login(client, world.applicant)
    own = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert f"/nominations/{nomination.id}/merit-statement.pdf" in own


def test_a_categorys_statements_come_in_one_pdf_for_the_committee(client, world, db, seoul, needs_pdf):
    korean = commendation(world, db, KOREAN_ANSWERS, seoul[0], seoul[1])
    foreign = commendation(world, db, FOREIGN_ANSWERS)
    ineligible = commendation(
        world, db, {**KOREAN_ANSWERS, "nominee_name": "이탈락"}, status=NominationStatus.INELIGIBLE
    )
    login(client, world.secretariat)
    response = client.get(f"/secretariat/categories/{world.commendation.id}/merit-statements.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == "attachment; filename=test-2026-mc-merit-statements.pdf"
    assert "no-store" in response.headers["Cache-Control"]
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages]
    assert len(pages) == 2  # one each, by reference; the ineligible one is out of the running
    assert korean.reference in pages[0] and "김서연" in pages[0]
    assert foreign.reference in pages[1] and "Daniel Okafor" in pages[1]
    assert ineligible.title == "이탈락" and "이탈락" not in "".join(pages)
    export = db.session.scalar(sa.select(AccessRecord).where(AccessRecord.kind == "export"))
    assert export is not None and export.detail == "test-2026-mc-merit-statements.pdf"


def test_a_categorys_statements_come_as_word_documents_in_a_zip(client, world, db, seoul):
    korean = commendation(world, db, KOREAN_ANSWERS, seoul[0], seoul[1])
    foreign = commendation(world, db, FOREIGN_ANSWERS)
    login(client, world.secretariat)
    response = client.get(f"/secretariat/categories/{world.commendation.id}/merit-statements.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "no-store" in response.headers["Cache-Control"]
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert archive.namelist() == [
            f"{korean.reference}-merit-statement.docx",
            f"{foreign.reference}-merit-statement.docx",
        ]
        assert table_of(archive.read(archive.namelist()[1]))["성명"] == "Daniel Okafor"


def test_a_category_without_statements_says_so(client, world, db):
    commendation(world, db, FOREIGN_ANSWERS, status=NominationStatus.WITHDRAWN)
    login(client, world.secretariat)
    for kind in ("pdf", "zip"):
        response = client.get(f"/secretariat/categories/{world.commendation.id}/merit-statements.{kind}")
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/secretariat/editions/{world.edition.id}#categories")
    page = client.get(f"/secretariat/editions/{world.edition.id}").get_data(as_text=True)
    assert "No nomination of Mayor&#39;s commendation is submitted or eligible yet" in page
    assert client.get(f"/secretariat/categories/{world.project.id}/merit-statements.pdf").status_code == 404
    assert client.get("/secretariat/categories/9999/merit-statements.zip").status_code == 404


def test_only_the_secretariat_downloads_a_categorys_statements(app, world, db):
    commendation(world, db, FOREIGN_ANSWERS)
    for user in (world.applicant, world.judge):
        with app.test_client() as visitor:
            login(visitor, user)
            for kind in ("pdf", "zip"):
                url = f"/secretariat/categories/{world.commendation.id}/merit-statements.{kind}"
                assert visitor.get(url).status_code == 403


def test_nominations_of_a_category_stay_apart(world, db):
    """The bundle is the category's own: another edition's or category's commendations never join it."""
    from awards_app.services.merit_statements import category_nominations

    mine = commendation(world, db, FOREIGN_ANSWERS)
    eligible(world, "Odense robot-assisted care")
    assert [n.id for n in category_nominations(world.commendation)] == [mine.id]
    assert db.session.scalar(sa.select(sa.func.count(Nomination.id))) == 2
