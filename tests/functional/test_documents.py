"""A nomination's documents read beside the score sheet: PDF pages as images, images inline, the rest listed;
who may see them, and what a broken, lying or missing file gives."""

import re
import struct
from pathlib import Path

import pytest

from awards_app import previews, storage
from awards_app.models import Conflict, Role
from tests.conftest import make_user
from tests.e2e.helpers import small_pdf

from .judging_helpers import another_judge, assign, attach, eligible, judging_round

PNG = previews.encode_png(b"\xff\x00\x00" * 4, 2, 2, 6)  # two by two red pixels
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def panel(world):
    """An open round with two nominations: the first assigned to the world's judge (declared, so scoring), the
    second to another judge; each with a three-page PDF."""
    round_ = judging_round(world)
    first = eligible(world, "Odense robot-assisted care")
    second = eligible(world, "Kigali smart water meters", organisation=world.other_city)
    mine = assign(round_, first, world.judge, declared=True)
    other = another_judge()
    assign(round_, second, other, declared=True)
    return {
        "round": round_,
        "assignment": mine,
        "nomination": first,
        "pdf": attach(first, small_pdf("Odense plan", pages=3), "Odense plan.pdf"),
        "other_nomination": second,
        "other_pdf": attach(second, small_pdf("Kigali plan"), "kigali.pdf"),
        "other_judge": other,
    }


def page_url(attachment, number: int = 1) -> str:
    return f"/nominations/{attachment.nomination_id}/attachments/{attachment.id}/pages/{number}"


def image_url(attachment) -> str:
    return f"/nominations/{attachment.nomination_id}/attachments/{attachment.id}/image"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def assert_shown_safely(response, content_type: str) -> None:
    """Shown in the page, never run: the type the server decided, no sniffing, a sandbox, framed by nobody."""
    assert response.status_code == 200
    assert response.mimetype == content_type
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    policy = response.headers["Content-Security-Policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "no-store" in response.headers["Cache-Control"]


def test_the_score_sheet_offers_the_documents_near_the_top(client, auth, world, panel):
    auth.login(world.judge)
    page = client.get(f"/judging/assignments/{panel['assignment'].id}").get_data(as_text=True)
    assert "Documents (1)" in page
    # The switch comes before the answers, and the documents' pages are images drawn by the server.
    assert page.index('id="tab-documents"') < page.index("Older people waited weeks for help.")
    pdf = panel["pdf"]
    for number in (1, 2, 3):
        assert f'src="{page_url(pdf, number)}"' in page
    assert "Odense plan.pdf, page 2 of 3" in page
    assert f"/nominations/{pdf.nomination_id}/attachments/{pdf.id}" in page  # and the download stays
    # The score form is still there, untouched by the new left column.
    assert 'id="score-sheet"' in page


def test_a_pdf_page_is_an_image_drawn_once_and_kept_by_the_files_hash(app, client, auth, world, panel):
    auth.login(world.judge)
    pdf = panel["pdf"]
    response = client.get(page_url(pdf, 2))
    assert_shown_safely(response, "image/png")
    width, height = png_size(response.data)
    assert width == previews.RENDER_WIDTH and height > width  # a portrait page
    cached = Path(app.config["PREVIEW_FOLDER"]) / pdf.sha256 / "page-002.png"
    assert cached.read_bytes() == response.data
    # A second request is served from the disk: PDFium is not asked again.
    stamp = cached.stat().st_mtime_ns
    assert client.get(page_url(pdf, 2)).data == response.data
    assert cached.stat().st_mtime_ns == stamp


def test_a_page_image_deleted_while_it_is_being_sent_is_drawn_again_never_a_500(
    app, client, auth, world, panel, monkeypatch
):
    """Someone empties the preview cache between finding a page's image and opening it: the page is asked for
    again (and drawn anew); a file that keeps vanishing is not found, and nothing fails."""
    from awards_app.services import documents as documents_service

    drawn = documents_service.page_image
    calls = []

    def vanishing(attachment, number):
        path = drawn(attachment, number)
        calls.append(path)
        if len(calls) == 1:
            Path(path).unlink()
        return path

    auth.login(world.judge)
    monkeypatch.setattr(documents_service, "page_image", vanishing)
    response = client.get(page_url(panel["pdf"], 1))
    assert response.status_code == 200 and response.mimetype == "image/png" and len(calls) == 2

    def always_gone(attachment, number):
        return Path(app.config["PREVIEW_FOLDER"]) / "gone.png"

    monkeypatch.setattr(documents_service, "page_image", always_gone)
    assert client.get(page_url(panel["pdf"], 1)).status_code == 404


@pytest.mark.parametrize("number", [0, 4, 99999])
def test_a_page_that_is_not_there_is_not_found(client, auth, world, panel, number):
    auth.login(world.judge)
    assert client.get(page_url(panel["pdf"], number)).status_code == 404


def test_only_the_first_pages_are_drawn(app, client, auth, world, panel):
    app.config["PREVIEW_MAX_PAGES"] = 2
    auth.login(world.judge)
    page = client.get(f"/judging/assignments/{panel['assignment'].id}").get_data(as_text=True)
    assert "The first 2 of 3 pages are shown here; download the file to read the rest." in page
    assert page_url(panel["pdf"], 2) in page and page_url(panel["pdf"], 3) not in page
    assert client.get(page_url(panel["pdf"], 3)).status_code == 404


# --- who may see a document ------------------------------------------------------------------------------


@pytest.mark.parametrize("route", [page_url, lambda a: f"/nominations/{a.nomination_id}/attachments/{a.id}"])
def test_who_may_see_a_document(client, auth, world, panel, route, db):
    url = route(panel["pdf"])
    assert client.get(url).status_code == 302  # anonymous: to the sign-in page
    for user, expected in (
        (world.judge, 200),  # assigned, declared no conflict
        (world.applicant, 200),  # the nomination's own applicant
        (world.secretariat, 200),
        (panel["other_judge"], 403),  # judges another nomination
        (world.other_applicant, 403),
        (make_user("nobody@judges.example", [Role.JUDGE], name="No Assignment"), 403),
    ):
        db.session.commit()
        auth.login(user)
        response = client.get(url)
        response.close()
        assert response.status_code == expected, (user.email, response.status_code)
        auth.logout()


def test_a_recused_judge_no_longer_sees_the_pages(client, auth, world, panel, db):
    auth.login(world.judge)
    assert client.get(page_url(panel["pdf"])).status_code == 200
    db.session.add(
        Conflict(
            judge_id=world.judge.id,
            nomination_id=panel["nomination"].id,
            reason="Advised",
            recorded_by_id=world.judge.id,
        )
    )
    db.session.commit()
    assert client.get(page_url(panel["pdf"])).status_code == 403
    page = client.get(f"/judging/assignments/{panel['assignment'].id}").get_data(as_text=True)
    assert "/attachments/" not in page


def test_a_judge_cannot_reach_another_nominations_file_by_changing_an_id(client, auth, world, panel):
    auth.login(world.judge)
    mine, theirs = panel["pdf"], panel["other_pdf"]
    # Their nomination with their file: not this judge's nomination.
    assert client.get(page_url(theirs)).status_code == 403
    assert client.get(image_url(theirs)).status_code == 403
    # My nomination with their file's id, or their nomination with mine: no such document.
    assert client.get(f"/nominations/{mine.nomination_id}/attachments/{theirs.id}/pages/1").status_code == 404
    assert client.get(f"/nominations/{theirs.nomination_id}/attachments/{mine.id}/pages/1").status_code == 404
    assert client.get(f"/nominations/{mine.nomination_id}/attachments/{theirs.id}/image").status_code == 404
    assert client.get(f"/nominations/{mine.nomination_id}/attachments/999999/pages/1").status_code == 404


# --- images, other files, and files that are not what they claim --------------------------------------


def test_an_image_is_shown_as_it_is(client, auth, world, panel):
    image = attach(panel["nomination"], PNG, "site photo.png", "image/png")
    auth.login(world.judge)
    page = client.get(f"/judging/assignments/{panel['assignment'].id}").get_data(as_text=True)
    assert "Documents (2)" in page
    assert f'src="{image_url(image)}"' in page
    response = client.get(image_url(image))
    assert_shown_safely(response, "image/png")
    assert response.data == PNG
    # A PDF has no /image, and an image has no pages.
    assert client.get(image_url(panel["pdf"])).status_code == 404
    assert client.get(page_url(image)).status_code == 404


def test_another_kind_of_file_is_listed_with_its_type_and_size(client, auth, world, panel):
    document = attach(panel["nomination"], b"PK\x03\x04 not really read here", "budget.docx", DOCX_TYPE)
    auth.login(world.judge)
    page = client.get(f"/judging/assignments/{panel['assignment'].id}").get_data(as_text=True)
    section = re.search(rf'<section[^>]*id="document-{document.id}".*?</section>', page, re.S).group(0)
    assert "budget.docx" in section and "Word document" in section and "B" in section
    assert f'href="/nominations/{document.nomination_id}/attachments/{document.id}"' in section
    assert "cannot be shown here: download it" in section
    assert "<img" not in section
    assert client.get(image_url(document)).status_code == 404
    assert client.get(page_url(document)).status_code == 404


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        ("application/pdf", b"<html><script>alert(document.cookie)</script></html>"),
        ("application/pdf", b"%PDF-1.7\n garbage that no reader can open"),
        ("image/png", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
        ("image/jpeg", PNG),  # an image, but not the one it claims to be
    ],
)
def test_a_file_that_is_not_what_it_claims_is_offered_for_download_only(client, auth, world, panel, content_type, data):
    liar = attach(panel["nomination"], data, "liar.pdf" if content_type.endswith("pdf") else "liar.png", content_type)
    auth.login(world.judge)
    page = client.get(f"/judging/assignments/{panel['assignment'].id}")
    assert page.status_code == 200
    section = re.search(rf'<section[^>]*id="document-{liar.id}".*?</section>', page.get_data(as_text=True), re.S)
    assert "This file cannot be shown here" in section.group(0)
    assert "<img" not in section.group(0)
    # Asked for directly, nothing of it is served in the page.
    assert client.get(page_url(liar)).status_code == 404
    assert client.get(image_url(liar)).status_code == 404
    # The page of the real PDF beside it is still drawn.
    assert client.get(page_url(panel["pdf"])).status_code == 200


def test_a_missing_file_says_so_and_nothing_fails(app, client, auth, world, panel):
    pdf = panel["pdf"]
    storage.path_of(app.config["UPLOAD_FOLDER"], pdf.stored_name).unlink()
    image = attach(panel["nomination"], PNG, "photo.png", "image/png")
    storage.path_of(app.config["UPLOAD_FOLDER"], image.stored_name).unlink()
    auth.login(world.judge)
    page = client.get(f"/judging/assignments/{panel['assignment'].id}")
    assert page.status_code == 200
    assert page.get_data(as_text=True).count("This file cannot be found on the server.") == 2
    assert client.get(page_url(pdf)).status_code == 404
    assert client.get(image_url(image)).status_code == 404


def test_a_nomination_without_documents_says_so(client, auth, world, panel, db):
    for attachment in list(panel["nomination"].attachments):
        db.session.delete(attachment)
    db.session.commit()
    auth.login(world.judge)
    page = client.get(f"/judging/assignments/{panel['assignment'].id}").get_data(as_text=True)
    assert "Documents (0)" in page and "No documents attached." in page


def test_the_committee_vote_shows_the_documents_too(client, auth, world, panel, db):
    from awards_app.models import RoundMode

    panel["round"].mode = RoundMode.COMMITTEE
    db.session.commit()
    auth.login(world.judge)
    page = client.get(f"/judging/assignments/{panel['assignment'].id}").get_data(as_text=True)
    assert "Your vote" in page
    assert page_url(panel["pdf"], 1) in page


def test_the_korean_page_names_the_documents_in_korean(client, auth, world, panel):
    auth.login(world.judge)
    client.post("/language", data={"language": "ko"})
    page = client.get(f"/judging/assignments/{panel['assignment'].id}").get_data(as_text=True)
    assert "첨부 문서 (1)" in page and "Documents (1)" not in page
    assert "Odense plan.pdf, 3쪽 중 2쪽" in page
    assert "PDF 문서" in page and "내려받기" in page


def test_removing_a_draft_document_removes_its_drawn_pages(app, client, auth, world):
    from awards_app.services import nominations as nominations_service

    draft = nominations_service.create_draft(world.project, world.applicant, {"title": "Odense heat pumps"})
    pdf = nominations_service.add_attachment(draft, world.applicant, "draft plan.pdf", small_pdf("Draft"))
    auth.login(world.applicant)
    assert client.get(page_url(pdf)).status_code == 200  # the applicant sees their own file's pages
    drawn = Path(app.config["PREVIEW_FOLDER"]) / pdf.sha256
    assert (drawn / "page-001.png").is_file()
    client.post(f"/nominations/{draft.id}/attachments/{pdf.id}/delete")
    assert not drawn.exists()


def test_a_korean_file_name_survives_the_headers(client, auth, world, panel):
    korean = attach(panel["nomination"], small_pdf("Seoul"), '서울 "계획"\r\n.pdf')
    auth.login(world.judge)
    response = client.get(page_url(korean))
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline") and "\n" not in disposition and "\r" not in disposition
    assert "filename*=UTF-8''" in disposition
