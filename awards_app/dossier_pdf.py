"""PURE: a dossier's parts -> one PDF, with a contents page, page numbers and a watermark on every page.

A dossier is a run of sections (a nomination as HTML, then the PDF documents it attached). Each section is drawn by
WeasyPrint on its own, the documents are read by pypdf, and the whole is put together in this order:

1. the contents, drawn once the length of everything after it is known: each section and each merged document with
   the page it starts on (drawn again if its own length changes the numbers);
2. each section followed by its documents, with an entry in the PDF's outline (bookmarks) for each;
3. an overlay drawn by WeasyPrint, one page per page of the book and of its size, carrying the watermark (drawn
   diagonally across the page, light enough to read through) and the footer "title · n / N", merged on top of every
   page, the documents' pages included. A rotated page has its rotation moved into its content first, so the
   overlay sits upright on it.

A document that pypdf cannot read, or that is encrypted, is never merged: ``inspect`` says why, for the section to
list it with a note. Nothing here knows Flask or the database; WeasyPrint and pypdf are imported where used.
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable
from dataclasses import dataclass, field

#: The fonts every printed page asks for, Korean first (Debian's fonts-nanum), as templates/pdf does.
FONTS = '"NanumGothic", "Noto Sans CJK KR", "DejaVu Sans", sans-serif'


@dataclass(frozen=True)
class Document:
    """A PDF document to merge after its section."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Section:
    """One entry of the book: its contents line, its HTML, and the documents that follow it."""

    title: str
    detail: str  # the second line of the contents entry: reference, organisation
    html: str
    documents: tuple[Document, ...] = ()


@dataclass(frozen=True)
class Entry:
    """A line of the contents: a section (level 0) or one of its documents (level 1), and its first page."""

    title: str
    detail: str
    page: int
    level: int = 0


@dataclass
class Book:
    pdf: bytes
    pages: int
    entries: list[Entry] = field(default_factory=list)


class Unreadable(Exception):
    """The document cannot be merged; ``reason`` is ``"encrypted"`` or ``"damaged"``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def inspect(data: bytes) -> int:
    """The number of pages of a PDF that can be merged; ``Unreadable`` when it is encrypted, damaged or empty."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise Unreadable("encrypted")
        pages = len(reader.pages)
        for page in reader.pages:
            page.mediabox  # noqa: B018  (a page without a size cannot carry the overlay)
        # A file can read well and still break where it is copied (a page's contents pointing at nothing): copy it
        # once here, so that a document that cannot be merged is known before the book is put together.
        trial = PdfWriter()
        trial.append(reader, import_outline=False)
        trial.write(io.BytesIO())
    except Unreadable:
        raise
    except (PyPdfError, ValueError, TypeError, KeyError, AttributeError, IndexError, OSError, RecursionError) as error:
        raise Unreadable("damaged") from error
    if pages == 0:
        raise Unreadable("damaged")
    return pages


def draw(html_text: str) -> bytes:
    """HTML -> PDF bytes (WeasyPrint; the HTML holds its own styles and no link outside itself)."""
    from weasyprint import HTML

    return HTML(string=html_text).write_pdf()


def assemble(
    sections: list[Section],
    contents: Callable[[list[Entry]], str],
    watermark: str,
    footer: str,
    progress: Callable[[int, int], None] | None = None,
    alive: Callable[[], None] | None = None,
) -> Book:
    """The book: contents, then each section and its documents, every page numbered "n / N" and watermarked.

    ``contents`` draws the contents page(s) as HTML from the entries; the page numbers it is given count the
    contents themselves. ``progress(done, total)`` is called after each section is drawn and once more at the end
    (``total`` is the number of sections plus one for putting the book together). ``alive()`` is called while the
    book is put together, which tells no progress: after the contents, between the documents merged and between the
    pages stamped (a caller that keeps a heartbeat decides how often to write it)."""
    from pypdf import PdfReader, PdfWriter

    def still_alive() -> None:
        if alive:
            alive()

    total = len(sections) + 1
    drawn: list[tuple[PdfReader, list[tuple[Document, PdfReader]]]] = []
    for done, section in enumerate(sections, start=1):
        reader = PdfReader(io.BytesIO(draw(section.html)))
        documents = []
        for document in section.documents:
            try:
                inspect(document.data)
            except Unreadable:
                continue  # the section lists it with its note; it is never merged
            documents.append((document, PdfReader(io.BytesIO(document.data), strict=False)))
        drawn.append((reader, documents))
        if progress:
            progress(done, total)

    contents_pdf, entries = _contents(sections, drawn, contents)
    still_alive()
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(contents_pdf)), import_outline=False)
    for section, (reader, documents) in zip(sections, drawn, strict=True):
        start = len(writer.pages)
        writer.append(reader, import_outline=False)
        parent = writer.add_outline_item(title=section.title, page_number=start)
        still_alive()
        for document, document_reader in documents:
            first = len(writer.pages)
            writer.append(document_reader, import_outline=False)
            writer.add_outline_item(title=document.name, page_number=first, parent=parent)
            still_alive()
    _stamp(writer, watermark, footer, still_alive)
    output = io.BytesIO()
    writer.write(output)
    if progress:
        progress(total, total)
    return Book(output.getvalue(), len(writer.pages), entries)


def _contents(sections, drawn, contents: Callable[[list[Entry]], str]) -> tuple[bytes, list[Entry]]:
    """Draw the contents until the page numbers it states hold with its own length (twice at most in practice)."""
    from pypdf import PdfReader

    length = 1
    for _attempt in range(5):
        entries = _entries(sections, drawn, length)
        pdf = draw(contents(entries))
        drawn_length = len(PdfReader(io.BytesIO(pdf)).pages)
        if drawn_length == length:
            return pdf, entries
        length = drawn_length
    raise RuntimeError("the contents do not settle on a length")


def _entries(sections, drawn, contents_length: int) -> list[Entry]:
    entries = []
    page = contents_length + 1
    for section, (reader, documents) in zip(sections, drawn, strict=True):
        entries.append(Entry(section.title, section.detail, page))
        page += len(reader.pages)
        for document, document_reader in documents:
            entries.append(Entry(document.name, "", page, level=1))
            page += len(document_reader.pages)
    return entries


def _stamp(writer, watermark: str, footer: str, alive: Callable[[], None]) -> None:
    """Merge an overlay page (watermark, footer, "n / N") on top of every page of the writer (``alive()`` after the
    overlay is drawn and after each page)."""
    from pypdf import PdfReader, Transformation

    sizes = []
    for page in writer.pages:
        if page.rotation:
            page.transfer_rotation_to_content()
        box = page.mediabox
        sizes.append((float(box.width), float(box.height), float(box.left), float(box.bottom)))
    overlay = PdfReader(io.BytesIO(draw(overlay_html([(w, h) for w, h, _x, _y in sizes], watermark, footer))))
    alive()
    for page, stamp, (_w, _h, left, bottom) in zip(writer.pages, overlay.pages, sizes, strict=True):
        if left or bottom:
            page.merge_transformed_page(stamp, Transformation().translate(left, bottom))
        else:
            page.merge_page(stamp)
        alive()


def overlay_html(sizes: list[tuple[float, float]], watermark: str, footer: str) -> str:
    """One page per size given (in points): the watermark across its diagonal and the footer with "n / N"."""
    names = {
        size: f"s{index}" for index, size in enumerate(dict.fromkeys((round(w, 2), round(h, 2)) for w, h in sizes))
    }
    rules = "\n".join(f"@page {name} {{ size: {w}pt {h}pt; margin: 0; }}" for (w, h), name in names.items())
    mark, foot = html.escape(watermark), html.escape(footer)
    total = len(sizes)
    pages = []
    for number, (w, h) in enumerate(sizes, start=1):
        name = names[(round(w, 2), round(h, 2))]
        # The watermark runs along the page's diagonal, as wide as the diagonal allows for its length.
        diagonal = (w * w + h * h) ** 0.5
        angle = -_degrees(h, w)
        size = max(14.0, min(80.0, 0.7 * diagonal / _width_in_ems(watermark)))
        pages.append(
            f'<div class="page" style="page: {name}; width: {w}pt; height: {h}pt">'
            f'<div class="mark" style="width: {diagonal}pt; left: {(w - diagonal) / 2}pt; top: {h / 2 - size}pt; '
            f'font-size: {size:.1f}pt; line-height: {2 * size:.1f}pt; transform: rotate({angle:.2f}deg)">{mark}</div>'
            f'<div class="foot"><span class="title">{foot}</span><span class="number">{number} / {total}</span></div>'
            "</div>"
        )
    return f"""<!doctype html><html><head><meta charset="utf-8"><style>
{rules}
html {{ font-family: {FONTS}; }}
body {{ margin: 0; }}
.page {{ position: relative; overflow: hidden; break-after: page; }}
.page:last-child {{ break-after: auto; }}
.mark {{ position: absolute; text-align: center; white-space: nowrap; color: #8a8a8a; opacity: 0.22;
  font-weight: bold; }}
.foot {{ position: absolute; left: 18mm; right: 18mm; bottom: 8mm; font-size: 7.5pt; color: #555;
  display: flex; justify-content: space-between; gap: 12pt; }}
.foot .title {{ overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }}
.foot .number {{ white-space: nowrap; }}
</style></head><body>{"".join(pages)}</body></html>"""


def _width_in_ems(text: str) -> float:
    """Roughly how wide a line of text is, in ems: a Hangul or CJK character is one, any other about 0.6."""
    return max(sum(1.0 if ord(ch) >= 0x2E80 else 0.6 for ch in text), 1.0)


def _degrees(opposite: float, adjacent: float) -> float:
    import math

    return math.degrees(math.atan2(opposite, adjacent))
