import io
import zipfile

import pytest

from awards_app.storage import clean_filename, path_of, save_bytes, sniff_type

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


def office_file(main_part: str, content_type_marker: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", f"<Types>{content_type_marker}</Types>")
        package.writestr(main_part, "<xml/>")
    return buffer.getvalue()


DOCX = office_file("word/document.xml", "word")
XLSX = office_file("xl/workbook.xml", "xl")
PPTX = office_file("ppt/presentation.xml", "ppt")


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (PDF, "plan.pdf", "application/pdf"),
        (PNG, "map.PNG", "image/png"),
        (JPEG, "photo.jpeg", "image/jpeg"),
        (JPEG, "photo.jpg", "image/jpeg"),
        (DOCX, "statement.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (XLSX, "budget.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (PPTX, "slides.pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ],
)
def test_accepted_types_are_read_from_the_content(data, name, expected):
    assert sniff_type(data, name) == expected


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"<html><script>alert(1)</script></html>", "report.pdf"),  # a web page disguised as a PDF
        (b"MZ\x90\x00" + b"\x00" * 100, "report.pdf"),  # an executable disguised as a PDF
        (PDF, "report.exe"),  # right content, wrong name
        (PDF, "report.docx"),  # a PDF pretending to be Word
        (PNG, "map"),  # no extension
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "logo.png"),
        (office_file("other.xml", "x"), "statement.docx"),  # a zip that is not a Word document
        (b"PK\x03\x04broken", "statement.docx"),
        (b"", "empty.pdf"),
    ],
)
def test_disguised_or_unknown_content_is_refused(data, name):
    assert sniff_type(data, name) is None


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\plan.pdf", "plan.pdf"),
        ("보고서 2026.pdf", "보고서 2026.pdf"),
        ("bad\x00name\n.pdf", "badname.pdf"),
        (".hidden.pdf", "hidden.pdf"),
        ("", "attachment"),
        (None, "attachment"),
    ],
)
def test_file_names_are_cleaned(raw, clean):
    assert clean_filename(raw) == clean


def test_long_names_keep_their_extension():
    name = clean_filename("a" * 500 + ".pdf")
    assert len(name) <= 200
    assert name.endswith(".pdf")


def test_saved_files_get_random_names_and_stored_paths_refuse_traversal(tmp_path):
    stored = save_bytes(str(tmp_path), PDF)
    assert (tmp_path / stored.stored_name).read_bytes() == PDF
    assert stored.size == len(PDF)
    assert len(stored.sha256) == 64
    assert not list(tmp_path.glob("*.part"))
    with pytest.raises(ValueError):
        path_of(str(tmp_path), "../secret")


@pytest.mark.parametrize("failing", ["write", "fsync", "replace"])
def test_a_failed_write_leaves_no_file_and_no_partial_file(tmp_path, monkeypatch, failing):
    """A full disk half-way through the bytes, at the flush to disk, or at the rename: nothing stays behind."""
    import builtins
    import errno

    from awards_app import storage

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    if failing == "write":
        real_open = builtins.open

        class HalfWritten:
            def __init__(self, handle):
                self.handle = handle

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return self.handle.__exit__(*exc)

            def write(self, data):
                self.handle.write(data[: len(data) // 2])  # half the bytes reach the disk, then it is full
                self.handle.flush()
                disk_full()

        monkeypatch.setattr(storage, "open", lambda *a, **k: HalfWritten(real_open(*a, **k)), raising=False)
    else:
        monkeypatch.setattr(storage.os, failing, disk_full)
    with pytest.raises(OSError) as raised:
        save_bytes(str(tmp_path), PDF)
    assert raised.value.errno == errno.ENOSPC
    assert list(tmp_path.iterdir()) == []
