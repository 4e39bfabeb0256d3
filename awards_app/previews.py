"""The pages of a PDF attachment as PNG images, so that a judge reads a document beside the score sheet.

Why images rather than the browser's PDF viewer in a frame: tablets' browsers do not show a PDF inside a page
(Android's Chrome not at all, iPad's Safari only its first page), and an image runs no script in our origin
whatever the file holds. PDFium (pypdfium2, the renderer of Chromium) draws each page the first time it is asked
for; the result is kept on disk under the file's SHA-256, so every judge of a nomination shares one rendering
and a file with other content (another hash) never shows an old one.

Limits: only the first ``max_pages`` pages are offered; a page is drawn ``RENDER_WIDTH`` pixels wide, or
narrower when it would be more than ``MAX_HEIGHT`` high (a long strip), never wider. A file PDFium cannot open
(damaged, encrypted, not a PDF at all) raises ``Unreadable``; that verdict is kept too, so the file is tried once.
No Flask here: the caller passes the paths.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import struct
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium

#: The width, in pixels, of a rendered page: sharp on a tablet's or a laptop's high-density screen.
RENDER_WIDTH = 1200
#: The height, in pixels, a rendered page never exceeds (a tall page is drawn narrower instead).
MAX_HEIGHT = 3 * RENDER_WIDTH

# PDFium is not thread-safe: one document at a time per process (a server thread waits its turn).
_PDFIUM = threading.Lock()


class Unreadable(Exception):
    """PDFium cannot open or draw this file."""


@dataclass(frozen=True)
class Outline:
    """What the page shows before any page is drawn: the size of each page offered, and how many there are."""

    sizes: tuple[tuple[int, int], ...]  # (width, height) in pixels of each page offered, in order
    total: int  # pages in the file, offered or not

    @property
    def truncated(self) -> bool:
        return self.total > len(self.sizes)


def _scale(width_pt: float, height_pt: float) -> float:
    """Pixels per point: ``RENDER_WIDTH`` across, unless the page would then be taller than ``MAX_HEIGHT``."""
    width_pt, height_pt = max(width_pt, 1.0), max(height_pt, 1.0)
    return min(RENDER_WIDTH / width_pt, MAX_HEIGHT / height_pt)


def _pixels(width_pt: float, height_pt: float) -> tuple[int, int]:
    scale = _scale(width_pt, height_pt)
    return max(1, round(width_pt * scale)), max(1, round(height_pt * scale))


def _folder(cache: Path, digest: str) -> Path:
    if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
        raise ValueError("not a SHA-256 digest")
    return cache / digest


def _write_atomically(path: Path, data: bytes) -> None:
    """Write under a temporary name and rename: a reader never sees half a file, and two writers agree."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.part")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _kept_outline(meta: Path, max_pages: int) -> Outline | None:
    """The outline kept in the cache, if it is there, readable and long enough; ``Unreadable`` if so judged."""
    try:
        known = json.loads(meta.read_text())
        if known.get("unreadable"):
            raise Unreadable(meta.parent.name)
        total = int(known["total"])
        sizes = tuple((int(w), int(h)) for w, h in known["sizes"])
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None  # not there yet, or damaged: drawn again
    return Outline(sizes[:max_pages], total) if len(sizes) >= min(total, max_pages) else None


def outline(source: Path, digest: str, cache: Path, max_pages: int) -> Outline:
    """Return the outline of the PDF at ``source`` (whose SHA-256 is ``digest``), from the cache when it is there.

    Raises ``Unreadable`` when PDFium cannot open the file, and ``FileNotFoundError`` when it is missing.
    """
    meta = _folder(cache, digest) / "outline.json"
    known = _kept_outline(meta, max_pages)
    if known is not None:
        return known
    data = source.read_bytes()
    try:
        with _PDFIUM:
            document = pdfium.PdfDocument(data)
            try:
                total = len(document)
                sizes: list[tuple[int, int]] = []
                for index in range(min(total, max_pages)):
                    page = document[index]
                    try:
                        sizes.append(_pixels(*page.get_size()))
                    finally:
                        page.close()
            finally:
                document.close()
    except pdfium.PdfiumError as error:
        _write_atomically(meta, json.dumps({"unreadable": True}).encode())
        raise Unreadable(digest) from error
    _write_atomically(meta, json.dumps({"total": total, "sizes": sizes}).encode())
    return Outline(tuple(sizes), total)


def page_png(source: Path, digest: str, cache: Path, number: int, max_pages: int) -> Path:
    """Return the path of page ``number`` (from 1) drawn as a PNG, drawing it first if it is not in the cache.

    Raises ``IndexError`` for a page that is not offered, ``Unreadable`` and ``FileNotFoundError`` as ``outline``.
    """
    pages = outline(source, digest, cache, max_pages)
    if not 1 <= number <= len(pages.sizes):
        raise IndexError(number)
    path = _folder(cache, digest) / f"page-{number:03d}.png"
    if path.is_file():
        return path
    data = source.read_bytes()
    try:
        with _PDFIUM:
            document = pdfium.PdfDocument(data)
            try:
                page = document[number - 1]
                try:
                    bitmap = page.render(scale=_scale(*page.get_size()), may_draw_forms=False, rev_byteorder=True)
                    png = encode_png(bytes(bitmap.buffer), bitmap.width, bitmap.height, bitmap.stride)
                finally:
                    page.close()
            finally:
                document.close()
    except pdfium.PdfiumError as error:
        raise Unreadable(digest) from error
    _write_atomically(path, png)
    return path


def forget(cache: Path, digest: str) -> None:
    """Delete what was drawn from a file (its file is gone, and no other has the same content)."""
    shutil.rmtree(_folder(cache, digest), ignore_errors=True)


def encode_png(rgb: bytes, width: int, height: int, stride: int) -> bytes:
    """Encode rows of 8-bit RGB pixels (``stride`` bytes apart) as a PNG: no filter, deflated."""
    row = width * 3
    raw = b"".join(b"\x00" + rgb[y * stride : y * stride + row] for y in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8 bits, truecolour, no interlace
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")
