"""Excel in: nominations and judges imported by the secretariat, and a judge's offline score sheet.

Each import is all or nothing: a file with one wrong row writes nothing and names the row, the column and why.
"""

from __future__ import annotations

import io
from decimal import Decimal
from email import policy
from email.parser import BytesParser
from pathlib import Path

import sqlalchemy as sa
from openpyxl import load_workbook

from awards_app.extensions import db
from awards_app.models import (
    AuditEvent,
    Conflict,
    Nomination,
    NominationStatus,
    Organisation,
    OutgoingMail,
    Role,
    RoundMode,
    ScoreSheet,
    SheetStatus,
    User,
)
from awards_app.services import sheets as sheets_service
from tests.conftest import complete_project_answers, count
from tests.functional.judging_helpers import (
    COMMENDATION_ANSWERS,
    another_judge,
    assign,
    close,
    criteria,
    eligible,
    judging_round,
)

PROJECT_HEADERS = {
    "title": "Project title",
    "summary": "Summary",
    "start_date": "Start date",
    "stage": "State of the technology",
    "problem": "Problem",
    "solution": "Solution and technology",
    "funding": "Funding and planning",
    "implementation": "Implementation and participation",
    "monitoring": "Monitoring and learning",
    "outcomes": "Outcomes and impact",
    "partners": "Partners",
    "links": "Links",
}
TI, MC = "TI Tech-InnovaCity", "MC Mayor's commendation"  # the sheets of the world's categories


def fill(template: bytes, sheet_name: str, rows: list[dict[str, object]], start: int = 2) -> bytes:
    """Type rows into a downloaded template, by header (the star of required columns ignored)."""
    book = load_workbook(io.BytesIO(template))
    sheet = book[sheet_name]
    columns = {str(c.value).rstrip(" *"): c.column for c in sheet[1] if c.value}
    for offset, values in enumerate(rows):
        for header, value in values.items():
            cell = sheet.cell(start + offset, columns[header], value)
            if isinstance(value, str):
                cell.data_type = "s"  # typed as text, as Excel keeps a cell formatted as text
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, url: str, data: bytes, name: str = "filled.xlsx"):
    return client.post(url, data={"workbook": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def project_row(
    title: str,
    organisation: str = "City of Bogotá",
    email: str = "smartcity@bogota.example",
    country: object = "CO",
    org_type: str = "city",
    **changes,
) -> dict[str, object]:
    answers = complete_project_answers(title)
    row = {
        "Organisation": organisation,
        "Organisation type": org_type,
        "Country": country,
        "City": "Bogotá",
        "Contact name": "Laura Gómez",
        "Contact e-mail": email,
    }
    row.update({PROJECT_HEADERS[k]: v for k, v in answers.items()})
    row.update(changes)
    return row


# --- nominations ------------------------------------------------------------------------------------


def test_the_nominations_template_has_a_sheet_per_category_with_the_entry_form(client, auth, world):
    auth.login(world.secretariat)
    response = client.get(f"/secretariat/editions/{world.edition.id}/import/template.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Instructions", TI, "LD Leadership", MC]
    headers = [c.value for c in book[TI][1]]
    assert headers[:6] == [
        "Organisation *",
        "Organisation type *",
        "Country *",
        "City *",
        "Contact name *",
        "Contact e-mail *",
    ]
    assert "Project title *" in headers and "Partners" in headers
    assert "Merit description (Korean) *" in [c.value for c in book[MC][1]]
    page = client.get(f"/secretariat/editions/{world.edition.id}/import")
    assert page.status_code == 200 and b"Download the template" in page.data


def test_a_clean_file_becomes_submitted_nominations_with_references(app, client, auth, world):
    auth.login(world.secretariat)
    template = client.get(f"/secretariat/editions/{world.edition.id}/import/template.xlsx").data
    filled = fill(
        template,
        TI,
        [
            project_row("Bogotá open mobility data"),
            project_row(
                "Odense care robots", organisation="City of Odense", email=world.applicant.email, country="Denmark"
            ),
            project_row(
                '=HYPERLINK("http://evil.example")', organisation="City of Bogotá", email="mobility@bogota.example"
            ),
        ],
    )
    filled = fill(
        filled,
        MC,
        [
            {
                "Organisation": "Seoul Digital Foundation",
                "Organisation type": "individual",
                "Country": "대한민국",
                "City": "Seoul",
                "Contact name": "Park Seo-yeon",
                "Contact e-mail": "park@sdf.example",
                **{
                    header: COMMENDATION_ANSWERS[name]
                    for name, header in {
                        "nominee_name": "Name or group name",
                        "affiliation": "Affiliation",
                        "position": "Position",
                        "merit_start": "Merit period from",
                        "merit_ko": "Merit description (Korean)",
                        "merit_en": "Merit description (English)",
                        "has_revoked_awards": "Has any award been revoked?",
                        "has_disciplinary_record": "Any disciplinary record?",
                        "has_controversies": "Any investigations or controversies?",
                    }.items()
                },
            }
        ],
    )
    response = upload(client, f"/secretariat/editions/{world.edition.id}/import", filled)
    assert response.status_code == 302, _problems(response.data.decode()) or response.data.decode()[-3000:]
    nominations = db.session.scalars(sa.select(Nomination).order_by(Nomination.id)).all()
    assert [n.status for n in nominations] == [NominationStatus.SUBMITTED] * 4
    assert [n.reference for n in nominations] == [
        "SSCP-2026-TI-001",
        "SSCP-2026-TI-002",
        "SSCP-2026-TI-003",
        "SSCP-2026-MC-001",
    ]
    assert nominations[0].answers["summary"] == complete_project_answers()["summary"]
    assert nominations[0].answers["start_date"] == "2022-03-01"
    assert nominations[2].title == '=HYPERLINK("http://evil.example")'  # kept as the text it is
    # The Odense row joins the existing applicant's organisation; the two Bogotá contacts share a new one.
    assert nominations[1].organisation_id == world.city.id and nominations[1].created_by_id == world.applicant.id
    assert nominations[0].organisation_id == nominations[2].organisation_id
    bogota = db.session.get(Organisation, nominations[0].organisation_id)
    assert (bogota.name, bogota.country_code, bogota.type.value) == ("City of Bogotá", "CO", "city")
    assert nominations[3].organisation.country_code == "KR"
    new_user = db.session.scalar(sa.select(User).where(User.email == "smartcity@bogota.example"))
    assert new_user.is_applicant and not new_user.has_password
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert actions.count("nomination.imported") == 4 and actions.count("account.imported") == 3
    # Each account the import made is e-mailed a link to claim it; the existing applicant is not.
    outbox = sorted(Path(app.config["MAIL_OUTBOX"]).glob("*.eml"))
    invited = [
        str(BytesParser(policy=policy.default).parsebytes(path.read_bytes()).get_body(("plain",)).get_content())
        + BytesParser(policy=policy.default).parsebytes(path.read_bytes())["To"]
        for path in outbox
    ]
    made = db.session.scalars(
        sa.select(User.email).where(User.password_hash.is_(None), User.email != world.judge.email)
    ).all()
    assert len(invited) == len(made) == 3 and all(any(email in mail for mail in invited) for email in made)
    assert all("/auth/invitation/" in mail for mail in invited) and world.applicant.email not in "".join(invited)
    # The secretariat sees them as not claimed yet, and can send the link again.
    people = client.get("/secretariat/people").get_data(as_text=True)
    assert "Applicant accounts not claimed yet" in people and "smartcity@bogota.example" in people
    assert client.post(f"/secretariat/people/{new_user.id}/resend").status_code == 302
    assert len(list(Path(app.config["MAIL_OUTBOX"]).glob("*.eml"))) == 4
    # The link lets the contact set a password and find the nomination entered for them.
    auth.logout()
    link = next(mail for mail in invited if "smartcity@bogota.example" in mail)
    path = "/auth/invitation/" + link.split("/auth/invitation/")[1].split()[0]
    accepted = client.post(
        path,
        data={
            "name": "Ana Gómez",
            "password": "a-long-pass-phrase",
            "confirm": "a-long-pass-phrase",
            "consent_collection": "y",
            "consent_provision": "y",
            "consent_transfer_abroad": "y",
        },
    )
    assert accepted.status_code == 302 and accepted.headers["Location"] == "/"
    assert "SSCP-2026-TI-001" in client.get("/nominations/").get_data(as_text=True)
    auth.logout()
    auth.login(world.secretariat)
    # The applicant sees the imported nomination among their own.
    auth.logout()
    auth.login(world.applicant)
    assert b"Odense care robots" in client.get("/nominations/").data


def test_one_wrong_row_imports_nothing_and_every_problem_is_named(client, auth, world):
    auth.login(world.secretariat)
    template = client.get(f"/secretariat/editions/{world.edition.id}/import/template.xlsx").data
    filled = fill(
        template,
        TI,
        [
            project_row("A good one"),
            project_row(
                "Bad one",
                country="Atlantis",
                org_type="guild",
                email="not-an-address",
                **{"Summary": "", "Start date": "someday", "State of the technology": "prototype"},
            ),
            project_row("Individual", org_type="individual", email="person@example.org", organisation="Jo Bloggs"),
        ],
    )
    response = upload(client, f"/secretariat/editions/{world.edition.id}/import", filled)
    assert response.status_code == 200
    page = response.data.decode()
    assert "Nothing was saved" in page
    problems = _problems(page)
    assert (TI, "3", "Country") in problems
    assert (TI, "3", "Organisation type") in problems
    assert (TI, "3", "Contact e-mail") in problems
    assert (TI, "3", "Summary") in problems
    assert (TI, "3", "Start date") in problems
    assert (TI, "3", "State of the technology") in problems
    assert problems[(TI, "4", "Organisation type")] == "This category is not open to this type of organisation."
    assert (TI, "2") not in {(s, r) for s, r, _c in problems}
    assert count(Nomination) == 0 and count(Organisation) == 2
    assert db.session.scalar(sa.select(User).where(User.email == "smartcity@bogota.example")) is None


def _problems(page: str) -> dict[tuple[str, str, str], str]:
    """The problems table of an import page: (sheet, row, column) → message."""
    import html
    import re

    table = page.split('id="import-problems"', 1)[1].split("</table>", 1)[0]
    found = {}
    for row in re.findall(r"<tr><td>(.*?)</td><td[^>]*>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", table):
        found[tuple(html.unescape(cell) for cell in row[:3])] = html.unescape(row[3])
    return found


def test_the_per_organisation_limit_and_duplicates_are_checked_across_the_file_and_the_database(client, auth, world):
    eligible(world, "Odense care robots")
    auth.login(world.secretariat)
    template = client.get(f"/secretariat/editions/{world.edition.id}/import/template.xlsx").data
    odense = {"organisation": "City of Odense", "email": world.applicant.email, "country": "DK"}
    filled = fill(
        template,
        TI,
        [
            project_row("odense care ROBOTS", **odense),  # the same title as the nomination already entered
            project_row("Odense heat map", **odense),
            project_row("Odense bikes", **odense),  # a third in TI: the limit is two
            project_row("Bogotá buses"),
            project_row("Bogotá buses"),
        ],
    )
    response = upload(client, f"/secretariat/editions/{world.edition.id}/import", filled)
    problems = _problems(response.data.decode())
    assert problems[(TI, "2", "Project title")].startswith("This organisation already has this nomination")
    assert "SSCP-2026-TI-001" in problems[(TI, "2", "Project title")]
    assert "more nominations than allowed" in problems[(TI, "4", "Organisation")]
    assert problems[(TI, "6", "Project title")] == "The same nomination is on row 5 too."
    assert count(Nomination) == 1


def test_a_contact_of_another_organisation_or_a_judge_is_refused(client, auth, world):
    auth.login(world.secretariat)
    template = client.get(f"/secretariat/editions/{world.edition.id}/import/template.xlsx").data
    filled = fill(
        template,
        TI,
        [
            project_row("One", organisation="City of Aarhus", email=world.applicant.email, country="DK"),
            project_row("Two", email=world.judge.email),
        ],
    )
    problems = _problems(upload(client, f"/secretariat/editions/{world.edition.id}/import", filled).data.decode())
    assert "registered with City of Odense" in problems[(TI, "2", "Organisation")]
    assert "judge or secretariat" in problems[(TI, "3", "Contact e-mail")]
    assert count(Nomination) == 0


def test_a_new_contact_joins_a_registered_organisation_only_when_the_secretariat_allows_it(client, auth, world):
    # Anyone could e-mail an entry "for" a registered city with their own address: joining it would show them the
    # city's nominations. Refused unless the secretariat, having checked, ticks the choice.
    auth.login(world.secretariat)
    url = f"/secretariat/editions/{world.edition.id}/import"
    template = client.get(f"{url}/template.xlsx").data
    stranger = "someone@elsewhere.example"
    filled = fill(
        template, TI, [project_row("Odense care robots", organisation="City of Odense", email=stranger, country="DK")]
    )
    page = client.get(url).get_data(as_text=True)
    assert 'name="join_registered"' in page and "New contacts may join organisations already registered" in page
    problems = _problems(upload(client, url, filled).data.decode())
    refusal = problems[(TI, "2", "Contact e-mail")]
    assert f"{stranger} is not a member of City of Odense" in refusal and "tick" in refusal
    assert count(Nomination) == 0 and db.session.scalar(sa.select(User).where(User.email == stranger)) is None

    allowed = client.post(
        url,
        data={"workbook": (io.BytesIO(filled), "filled.xlsx"), "join_registered": "y"},
        content_type="multipart/form-data",
    )
    assert allowed.status_code == 302
    joined = db.session.scalar(sa.select(User).where(User.email == stranger))
    assert joined.organisation_id == world.city.id
    (nomination,) = db.session.scalars(sa.select(Nomination)).all()
    assert nomination.organisation_id == world.city.id and nomination.created_by_id == joined.id


def test_what_is_not_a_workbook_gets_a_message_and_changes_nothing(client, auth, world):
    auth.login(world.secretariat)
    response = upload(client, f"/secretariat/editions/{world.edition.id}/import", b"%PDF-1.4 hello", "x.pdf")
    assert response.status_code == 200
    assert "This is not an Excel workbook" in response.data.decode()
    response = client.post(
        f"/secretariat/editions/{world.edition.id}/import", data={}, content_type="multipart/form-data"
    )
    assert response.status_code == 200 and b"Choose a file." in response.data
    assert count(Nomination) == 0


def test_a_template_with_a_renamed_column_is_refused(client, auth, world):
    auth.login(world.secretariat)
    template = client.get(f"/secretariat/editions/{world.edition.id}/import/template.xlsx").data
    book = load_workbook(io.BytesIO(template))
    book[TI]["A1"] = "Organization"
    book[TI]["A2"] = "x"
    buffer = io.BytesIO()
    book.save(buffer)
    problems = _problems(
        upload(client, f"/secretariat/editions/{world.edition.id}/import", buffer.getvalue()).data.decode()
    )
    assert problems[(TI, "1", "Organization")] == "This column is not in the template."
    assert problems[(TI, "1", "Organisation")] == "This column is missing."


# --- judges -----------------------------------------------------------------------------------------


def test_the_judge_list_creates_invites_and_updates_judges(app, client, auth, world):
    auth.login(world.secretariat)
    template = client.get("/secretariat/people/import/template.xlsx").data
    filled = fill(
        template,
        "Judges",
        [
            {
                "Name": "Carlos Moreno",
                "E-mail": "Carlos.Moreno@Univ.example",
                "Title": "Professor",
                "Organisation": "Université Paris 1",
                "Country": "France",
                "Expertise": "15-minute city",
                "Languages": "French, English, Spanish",
                "Time zone": "europe/paris",
            },
            {"Name": "Ana Ferreira", "E-mail": world.judge.email, "Title": "Director", "Country": "PT"},
            {"Name": "Lee Jung-hoon", "E-mail": world.secretariat.email},
        ],
    )
    response = upload(client, "/secretariat/people/import", filled)
    assert response.status_code == 302, response.data.decode()[:2000]
    carlos = db.session.scalar(sa.select(User).where(User.email == "carlos.moreno@univ.example"))
    assert carlos.is_judge and not carlos.has_password
    assert (carlos.title, carlos.affiliation, carlos.country_code, carlos.time_zone) == (
        "Professor",
        "Université Paris 1",
        "FR",
        "Europe/Paris",
    )
    db.session.refresh(world.judge)
    assert (world.judge.title, world.judge.country_code) == ("Director", "PT")
    staff = db.session.get(User, world.secretariat.id)
    assert staff.has_role(Role.JUDGE) and staff.has_role(Role.SECRETARIAT)
    invitations = " ".join(p.read_text(errors="replace") for p in Path(app.config["MAIL_OUTBOX"]).glob("*.eml"))
    assert "To: carlos.moreno@univ.example" in invitations and f"To: {world.secretariat.email}" in invitations
    assert f"To: {world.judge.email}" not in invitations  # already a judge: updated, not invited again
    # Each invitation sent is on the record the secretariat reads (the mail page): committed, as another
    # connection sees it.
    with db.engine.connect() as connection:
        recorded = connection.scalars(sa.select(OutgoingMail.recipient).order_by(OutgoingMail.recipient)).all()
    assert recorded == sorted(["carlos.moreno@univ.example", world.secretariat.email])


def test_a_new_judge_of_a_country_with_one_zone_gets_that_zone(client, auth, world):
    auth.login(world.secretariat)
    template = client.get("/secretariat/people/import/template.xlsx").data
    filled = fill(
        template,
        "Judges",
        [
            {
                "Name": "Sofia Lindqvist",
                "E-mail": "sofia@judges.example",
                "Organisation": "Gothenburg",
                "Country": "SE",
            },
            {"Name": "David Cohen", "E-mail": "david@judges.example", "Country": "United States"},
            {"Name": "Ana Ferreira", "E-mail": world.judge.email, "Country": "Sweden"},
        ],
    )
    assert upload(client, "/secretariat/people/import", filled).status_code == 302
    zones = dict(db.session.execute(sa.select(User.email, User.time_zone)).all())
    assert zones["sofia@judges.example"] == "Europe/Stockholm"
    assert zones["david@judges.example"] == "Asia/Seoul"  # several zones: confirmed when accepting
    assert zones[world.judge.email] == "Asia/Seoul"  # an existing judge keeps theirs


def test_a_wrong_judge_row_imports_no_judge(client, auth, world):
    auth.login(world.secretariat)
    template = client.get("/secretariat/people/import/template.xlsx").data
    filled = fill(
        template,
        "Judges",
        [
            {"Name": "Good Judge", "E-mail": "good@judges.example"},
            {"Name": "", "E-mail": "good@judges.example", "Time zone": "Mars/Olympus", "Country": "Narnia"},
            {"Name": "Applicant", "E-mail": world.applicant.email},
        ],
    )
    response = upload(client, "/secretariat/people/import", filled)
    problems = _problems(response.data.decode())
    assert problems[("Judges", "3", "Name")] == "Fill this in."
    assert problems[("Judges", "3", "E-mail")] == "This address is on row 2 too."
    assert ("Judges", "3", "Time zone") in problems and ("Judges", "3", "Country") in problems
    assert "applicant account" in problems[("Judges", "4", "E-mail")]
    assert db.session.scalar(sa.select(User).where(User.email == "good@judges.example")) is None


# --- a judge's offline score sheet ------------------------------------------------------------------


def _offline_setup(world):
    round_ = judging_round(world)
    first = eligible(world, "Odense care robots")
    second = eligible(world, "Kigali sensors", organisation=world.other_city)
    a1 = assign(round_, first, world.judge, declared=True)
    a2 = assign(round_, second, world.judge)
    return round_, criteria(round_, world.project), a1, a2


def _scores(rubric, values, comment_first: str = "") -> dict[str, object]:
    row = {}
    for i, (criterion, value) in enumerate(zip(rubric, values, strict=True), start=1):
        row[f"{i}. {criterion.name_en}"] = value
    if comment_first:
        row["1. Comment"] = comment_first
    return row


def test_a_judge_scores_offline_and_the_upload_saves_and_submits(client, auth, world):
    round_, rubric, a1, a2 = _offline_setup(world)
    auth.login(world.judge)
    assert b"Score offline in Excel" in client.get("/judging/").data
    download = client.get(f"/judging/rounds/{round_.id}/offline.xlsx")
    assert download.status_code == 200
    book = load_workbook(io.BytesIO(download.data))
    assert book.sheetnames == ["Instructions", TI]
    sheet = book[TI]
    assert [c.value for c in sheet[1]][:5] == [
        "Reference *",
        "Nomination",
        "Status",
        "Conflict of interest",
        "Conflict reason",
    ]
    assert [sheet.cell(r, 1).value for r in (2, 3)] == [a1.nomination.reference, a2.nomination.reference]
    assert sheet.cell(2, 4).value == "No conflict" and sheet.cell(3, 4).value is None
    filled = fill(
        download.data,
        TI,
        [
            {
                **_scores(rubric, [8, 7, 9, 6, 7, 8], "Strong evidence"),
                "Overall comment": "Convincing",
                "Submit": "yes",
            },
            {"Conflict of interest": "No conflict", **_scores(rubric, [5, 5, None, None, None, None])},
        ],
    )
    response = upload(client, f"/judging/rounds/{round_.id}/offline", filled)
    assert response.status_code == 302, _problems(response.data.decode()) or response.data.decode()[-3000:]
    db.session.expire_all()
    first = db.session.get(ScoreSheet, a1.sheet.id)
    assert first.status is SheetStatus.SUBMITTED and first.overall_comment == "Convincing"
    values = {s.criterion_id: s.value for s in first.scores}
    assert [values[c.id] for c in rubric] == [Decimal(v) for v in (8, 7, 9, 6, 7, 8)]
    assert next(s.comment for s in first.scores if s.criterion_id == rubric[0].id) == "Strong evidence"
    second = db.session.get(type(a2), a2.id)
    assert second.no_conflict_declared_at is not None
    assert second.sheet.status is SheetStatus.DRAFT
    assert sorted(str(s.value) for s in second.sheet.scores if s.value is not None) == ["5.00", "5.00"] or sorted(
        int(s.value) for s in second.sheet.scores if s.value is not None
    ) == [5, 5]
    # The same file again changes nothing and is not an error (a repeated upload).
    again = upload(client, f"/judging/rounds/{round_.id}/offline", filled)
    assert again.status_code == 302
    assert db.session.get(ScoreSheet, a1.sheet.id).version == first.version


def test_an_invalid_score_saves_nothing_and_names_the_cell(client, auth, world):
    round_, rubric, _a1, a2 = _offline_setup(world)
    auth.login(world.judge)
    template = client.get(f"/judging/rounds/{round_.id}/offline.xlsx").data
    filled = fill(
        template,
        TI,
        [
            {**_scores(rubric, [8, 7, 9, 6, 7, 8]), "Submit": "yes"},
            {
                "Conflict of interest": "No conflict",
                **_scores(rubric, [11, 7.5, "good", None, None, None]),
                "Submit": "yes",
            },
        ],
    )
    response = upload(client, f"/judging/rounds/{round_.id}/offline", filled)
    problems = _problems(response.data.decode())
    assert problems[(TI, "3", f"1. {rubric[0].name_en}")] == "Enter a score from 1 to 10."
    assert problems[(TI, "3", f"2. {rubric[1].name_en}")] == "Scores go in steps of 1."
    assert problems[(TI, "3", f"3. {rubric[2].name_en}")] == "Enter a number."
    assert problems[(TI, "3", f"4. {rubric[3].name_en}")] == "Score every criterion before submitting."
    assert count(ScoreSheet) == 0
    db.session.expire_all()
    assert db.session.get(type(a2), a2.id).no_conflict_declared_at is None


def test_conflicts_are_declared_offline_and_recused_rows_take_no_scores(client, auth, world):
    round_, rubric, _a1, a2 = _offline_setup(world)
    auth.login(world.judge)
    template = client.get(f"/judging/rounds/{round_.id}/offline.xlsx").data
    bad = fill(template, TI, [{}, {"Conflict of interest": "Conflict", **_scores(rubric, [5] * 6)}])
    problems = _problems(upload(client, f"/judging/rounds/{round_.id}/offline", bad).data.decode())
    assert (TI, "3", "Conflict reason") in problems
    undeclared = fill(template, TI, [{}, _scores(rubric, [5] * 6)])
    problems = _problems(upload(client, f"/judging/rounds/{round_.id}/offline", undeclared).data.decode())
    assert problems[(TI, "3", "Conflict of interest")] == "Declare whether you have a conflict of interest first."
    good = fill(
        template, TI, [{}, {"Conflict of interest": "Conflict", "Conflict reason": "I advised Kigali on this project"}]
    )
    assert upload(client, f"/judging/rounds/{round_.id}/offline", good).status_code == 302
    conflict = db.session.scalar(sa.select(Conflict))
    assert (conflict.nomination_id, conflict.reason) == (a2.nomination_id, "I advised Kigali on this project")
    recused = fill(client.get(f"/judging/rounds/{round_.id}/offline.xlsx").data, TI, [{}, _scores(rubric, [5] * 6)])
    problems = _problems(upload(client, f"/judging/rounds/{round_.id}/offline", recused).data.decode())
    assert "recused" in problems[(TI, "3", "Conflict of interest")]


def test_submitted_and_since_changed_scores_are_protected(client, auth, world):
    round_, rubric, a1, _a2 = _offline_setup(world)
    auth.login(world.judge)
    template = client.get(f"/judging/rounds/{round_.id}/offline.xlsx").data
    # Saved on the website after the download: the workbook is stale.
    sheets_service.save_sheet(a1, world.judge, sheets_service.SheetInput({rubric[0].id: "4"}, {}, "", None))
    stale = fill(template, TI, [_scores(rubric, [8, 7, 9, 6, 7, 8])])
    problems = _problems(upload(client, f"/judging/rounds/{round_.id}/offline", stale).data.decode())
    assert "changed on the website" in problems[(TI, "2", "Reference")]
    fresh = client.get(f"/judging/rounds/{round_.id}/offline.xlsx").data
    submit = fill(fresh, TI, [{**_scores(rubric, [8, 7, 9, 6, 7, 8]), "Submit": "yes"}])
    assert upload(client, f"/judging/rounds/{round_.id}/offline", submit).status_code == 302
    changed = fill(fresh, TI, [{**_scores(rubric, [9, 7, 9, 6, 7, 8]), "Submit": "yes"}])
    problems = _problems(upload(client, f"/judging/rounds/{round_.id}/offline", changed).data.decode())
    assert "only the secretariat can reopen" in problems[(TI, "2", "Reference")]


def test_rows_not_assigned_to_the_judge_are_refused(client, auth, world):
    round_, rubric, _a1, _a2 = _offline_setup(world)
    other = eligible(world, "Not yours")
    assign(round_, other, another_judge())
    auth.login(world.judge)
    template = client.get(f"/judging/rounds/{round_.id}/offline.xlsx").data
    filled = fill(
        template,
        TI,
        [{"Reference": other.reference, "Conflict of interest": "No conflict", **_scores(rubric, [5] * 6)}],
        start=4,
    )
    problems = _problems(upload(client, f"/judging/rounds/{round_.id}/offline", filled).data.decode())
    assert problems[(TI, "4", "Reference")] == "This nomination is not assigned to you in this category and round."
    assert count(ScoreSheet) == 0


def test_offline_scoring_follows_the_round_and_the_judge(client, auth, world):
    round_, rubric, _a1, _a2 = _offline_setup(world)
    stranger = another_judge()
    auth.login(stranger)
    assert client.get(f"/judging/rounds/{round_.id}/offline.xlsx").status_code == 404
    assert client.get(f"/judging/rounds/{round_.id}/offline").status_code == 404
    auth.logout()
    auth.login(world.judge)
    template = client.get(f"/judging/rounds/{round_.id}/offline.xlsx").data
    close(round_)
    filled = fill(template, TI, [_scores(rubric, [5] * 6)])
    response = upload(client, f"/judging/rounds/{round_.id}/offline", filled)
    assert response.status_code == 200
    assert b"uploads are not accepted" in response.data or b"This round is closed" in response.data
    assert count(ScoreSheet) == 0
    committee = judging_round(world, "Committee", categories=[world.commendation], mode=RoundMode.COMMITTEE)
    nomination = eligible(world, "Kim Ji-won", category=world.commendation, answers=COMMENDATION_ANSWERS)
    assign(committee, nomination, world.judge)
    assert client.get(f"/judging/rounds/{committee.id}/offline.xlsx").status_code == 404


def test_the_rankings_csv(client, auth, world):
    round_, rubric, a1, _a2 = _offline_setup(world)
    sheets_service.save_sheet(
        a1, world.judge, sheets_service.SheetInput({c.id: "8" for c in rubric}, {}, "", None), submit=True
    )
    a1.nomination.title = "=cmd|' /C calc'!A0"
    db.session.commit()
    auth.login(world.secretariat)
    response = client.get(f"/secretariat/rounds/{round_.id}/rankings.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeffCategory,Rank,Reference,Nomination,Organisation,Country,Judges,Score,Mean,")
    line = text.splitlines()[1]
    assert line.startswith(f"TI,1,{a1.nomination.reference},'=cmd|' /C calc'!A0,City of Odense,Denmark,1,")
    assert ",77.777778," in line


def test_the_import_reads_the_entry_forms_once_however_many_rows(client, auth, world):
    """Each row answers its category's form for its applicant type; the forms are read once per import, not per row."""
    auth.login(world.secretariat)
    template = client.get(f"/secretariat/editions/{world.edition.id}/import/template.xlsx").data

    def form_reads(first: int, rows: int) -> int:
        filled = fill(
            template,
            TI,
            [
                project_row(f"Project {i}", organisation=f"City {i}", email=f"office{i}@city.example")
                for i in range(first, first + rows)
            ],
        )
        statements: list[str] = []

        def seen(_conn, _cursor, statement, *_args):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", seen)
        try:
            response = upload(client, f"/secretariat/editions/{world.edition.id}/import", filled)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", seen)
        assert response.status_code == 302, _problems(response.data.decode())
        return sum("FROM entry_form" in s for s in statements)

    few, many = form_reads(0, 2), form_reads(2, 12)
    assert count(Nomination) == 14
    assert many == few
