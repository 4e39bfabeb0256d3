"""PDF pages drawn as PNG images, kept by the file's hash (no app: the module takes paths)."""

import hashlib
import struct
import zlib
from pathlib import Path

import pytest

from awards_app import previews
from tests.e2e.helpers import small_pdf


def stored(tmp_path: Path, data: bytes) -> tuple[Path, str]:
    path = tmp_path / "source"
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


def test_encode_png_writes_the_rows_it_is_given():
    # Two rows of two pixels, with two bytes of padding after each row (a stride of 8).
    png = previews.encode_png(b"\x01\x02\x03\x04\x05\x06..\x07\x08\x09\x0a\x0b\x0c..", 2, 2, 8)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">IIBB", png[16:26]) == (2, 2, 8, 2)
    length = struct.unpack(">I", png[33:37])[0]
    assert png[37:41] == b"IDAT"
    assert zlib.decompress(png[41 : 41 + length]) == b"\x00\x01\x02\x03\x04\x05\x06\x00\x07\x08\x09\x0a\x0b\x0c"
    assert png.endswith(b"IEND\xae\x42\x60\x82")


def test_the_outline_gives_the_pages_offered_and_is_kept(tmp_path):
    source, digest = stored(tmp_path, small_pdf("Plan", pages=3))
    cache = tmp_path / "cache"
    outline = previews.outline(source, digest, cache, max_pages=2)
    # A US Letter page, 612 x 792 points, drawn 1200 pixels wide.
    assert outline == previews.Outline(((1200, 1553), (1200, 1553)), 3)
    assert outline.truncated
    source.unlink()  # from now on only the cache answers
    assert previews.outline(source, digest, cache, max_pages=2) == outline
    assert previews.outline(source, digest, cache, max_pages=1) == previews.Outline(((1200, 1553),), 3)


def test_a_page_is_drawn_once(tmp_path):
    source, digest = stored(tmp_path, small_pdf("Plan", pages=2))
    cache = tmp_path / "cache"
    path = previews.page_png(source, digest, cache, 2, max_pages=5)
    assert path == cache / digest / "page-002.png"
    assert struct.unpack(">II", path.read_bytes()[16:24]) == (1200, 1553)
    source.unlink()
    assert previews.page_png(source, digest, cache, 2, max_pages=5) == path
    with pytest.raises(IndexError):
        previews.page_png(source, digest, cache, 3, max_pages=5)


@pytest.mark.parametrize(("size", "pixels"), [((612, 792), (1200, 1553)), ((100, 1000), (360, 3600))])
def test_a_tall_page_is_drawn_narrower_rather_than_taller_than_the_limit(size, pixels):
    assert previews._pixels(*size) == pixels


def test_a_file_pdfium_cannot_open_is_unreadable_and_tried_once(tmp_path):
    source, digest = stored(tmp_path, b"<html><script>alert(1)</script></html>")
    cache = tmp_path / "cache"
    with pytest.raises(previews.Unreadable):
        previews.outline(source, digest, cache, max_pages=5)
    source.unlink()
    with pytest.raises(previews.Unreadable):  # the verdict, not the file, answers the second time
        previews.page_png(source, digest, cache, 1, max_pages=5)


def test_the_cache_is_named_by_a_digest_only(tmp_path):
    source, _ = stored(tmp_path, small_pdf())
    with pytest.raises(ValueError):
        previews.outline(source, "../../etc", tmp_path, max_pages=5)


@pytest.mark.parametrize("kept", ["", "[]", '{"total": "x"}', '{"total": 2, "sizes": [1, 2]}', "{"])
def test_a_damaged_cache_is_drawn_again(tmp_path, kept):
    source, digest = stored(tmp_path, small_pdf("Plan", pages=2))
    (tmp_path / "cache" / digest).mkdir(parents=True)
    (tmp_path / "cache" / digest / "outline.json").write_text(kept)
    assert previews.outline(source, digest, tmp_path / "cache", max_pages=5).total == 2
