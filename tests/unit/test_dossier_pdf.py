"""The dossier's assembly (``awards_app.dossier_pdf``) on real small PDFs: the contents state where each part starts,
and every page, the merged documents' included, carries the watermark and "n / N"."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader, PdfWriter

from awards_app import dossier_pdf
from tests.e2e.helpers import small_pdf


def _section(title: str, paragraphs: int = 1, documents: tuple[dossier_pdf.Document, ...] = ()) -> dossier_pdf.Section:
    body = "".join(f"<p>{title}: answer {n}. {'Words of the answer. ' * 40}</p>" for n in range(paragraphs))
    return dossier_pdf.Section(
        title, f"REF-{title[:3]}", f"<html><body><h1>{title}</h1>{body}</body></html>", documents
    )


def _contents(entries: list[dossier_pdf.Entry]) -> str:
    lines = "".join(f"<p>{'Document ' if e.level else ''}{e.title} .... page {e.page}</p>" for e in entries)
    return f"<html><body><h1>Contents</h1>{lines}</body></html>"


def _pdf_of(build) -> bytes:
    writer = PdfWriter()
    build(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _texts(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_contents_page_numbers_and_watermark_on_every_page():
    plan = dossier_pdf.Document("plan.pdf", small_pdf("Implementation plan", pages=3))
    sections = [_section("Smart shelters", 12, (plan,)), _section("서울 스마트 쉼터", 1)]
    seen = []
    book = dossier_pdf.assemble(
        sections, _contents, "Kim Min-su 김민수", "Dossier of Kim", lambda d, t: seen.append((d, t))
    )

    texts = _texts(book.pdf)
    assert book.pages == len(texts)
    first, document, second = book.entries
    assert (first.title, first.page, first.level) == ("Smart shelters", 2, 0)
    assert (document.title, document.level) == ("plan.pdf", 1)
    assert second.title == "서울 스마트 쉼터"
    assert "Smart shelters .... page 2" in texts[0]
    assert f"plan.pdf .... page {document.page}" in texts[0]
    # Each part starts where the contents say: the section's heading, the document's first page, the next section.
    assert texts[first.page - 1].startswith("Smart shelters")
    assert "Implementation plan" in texts[document.page - 1]
    assert "Implementation plan, page 3" in texts[document.page + 1]
    assert second.page == document.page + 3 and "서울 스마트 쉼터" in texts[second.page - 1]
    for number, text in enumerate(texts, start=1):
        assert "Kim Min-su 김민수" in text, number
        assert f"{number} / {book.pages}" in text, number
        assert "Dossier of Kim" in text, number
    assert seen == [(1, 3), (2, 3), (3, 3)]
    outline = PdfReader(io.BytesIO(book.pdf)).outline
    assert [item.title for item in outline if not isinstance(item, list)] == ["Smart shelters", "서울 스마트 쉼터"]


# A PDF that opens, counts its pages and gives their size, but whose page's contents point at an object that is not
# there: it breaks only where it is copied.
HOLLOW = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
    b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>\nendobj\n"
    b"4 0 obj\n5 0 R\n"
    b"endobj\nxref\n0 5\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n0000000115 00000 n \n"
    b"0000000202 00000 n \ntrailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n223\n%%EOF\n"
)


def test_damaged_and_encrypted_documents_are_left_out_not_fatal():
    def encrypted(writer):
        writer.append(PdfReader(io.BytesIO(small_pdf("Secret"))))
        writer.encrypt("password")

    documents = (
        dossier_pdf.Document("broken.pdf", b"%PDF-1.4\nthis is not a PDF at all"),
        dossier_pdf.Document("locked.pdf", _pdf_of(encrypted)),
        dossier_pdf.Document("good.pdf", small_pdf("Good annex")),
        dossier_pdf.Document("hollow.pdf", HOLLOW),
    )
    book = dossier_pdf.assemble([_section("Only one", 1, documents)], _contents, "Judge", "Dossier")
    assert [e.title for e in book.entries] == ["Only one", "good.pdf"]
    texts = _texts(book.pdf)
    assert book.pages == 3 and "Good annex" in texts[2] and "Secret" not in "".join(texts)


def test_putting_the_book_together_says_it_is_alive_between_documents_and_pages():
    """The job's heartbeat while it merges and stamps, which tell no progress of their own."""
    plan, annex = (dossier_pdf.Document(n, small_pdf(n, pages=2)) for n in ("plan.pdf", "annex.pdf"))
    calls = []
    book = dossier_pdf.assemble(
        [_section("Shelters", 1, (plan, annex)), _section("Lights", 1)],
        _contents,
        "Judge",
        "Dossier",
        lambda done, total: calls.append(f"progress {done}/{total}"),
        lambda: calls.append("alive"),
    )
    # After the two sections are drawn: after the contents, each section and document merged (2 + 2), the overlay
    # drawn and each page stamped; then the end.
    assert calls == ["progress 1/3", "progress 2/3", *["alive"] * (1 + 4 + 1 + book.pages), "progress 3/3"]


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"", "damaged"), (b"not a pdf", "damaged"), (HOLLOW, "damaged"), (None, "encrypted")],
)
def test_inspect_says_why_a_document_cannot_be_merged(data, reason):
    if data is None:
        data = _pdf_of(lambda w: (w.append(PdfReader(io.BytesIO(small_pdf()))), w.encrypt("x")))
    with pytest.raises(dossier_pdf.Unreadable) as raised:
        dossier_pdf.inspect(data)
    assert raised.value.reason == reason


def test_landscape_and_rotated_pages_get_an_overlay_of_their_own_size():
    def odd_pages(writer):
        writer.add_blank_page(842, 595)  # A4 landscape
        writer.append(PdfReader(io.BytesIO(small_pdf("Turned"))))
        writer.pages[1].rotate(90)

    assert dossier_pdf.inspect(_pdf_of(odd_pages)) == 2
    book = dossier_pdf.assemble(
        [_section("Plans", 1, (dossier_pdf.Document("plans.pdf", _pdf_of(odd_pages)),))], _contents, "Mark", "Foot"
    )
    reader = PdfReader(io.BytesIO(book.pdf))
    landscape, turned = reader.pages[2], reader.pages[3]
    assert (round(float(landscape.mediabox.width)), round(float(landscape.mediabox.height))) == (842, 595)
    assert turned.rotation == 0 and round(float(turned.mediabox.width)) == 792  # the rotation went into the content
    for page in (landscape, turned):
        assert "Mark" in page.extract_text() and f"/ {book.pages}" in page.extract_text()


def test_the_overlay_names_a_page_size_once_and_escapes_the_text():
    html = dossier_pdf.overlay_html([(595, 842), (595, 842), (842, 595)], "<b>Kim</b>", "A & B")
    assert html.count("@page s0") == 1 and html.count("@page s1") == 1
    assert "&lt;b&gt;Kim&lt;/b&gt;" in html and "A &amp; B" in html and "3 / 3" in html
