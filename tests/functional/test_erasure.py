"""Erasure of personal data: "Delete my account" (applicants and judges, its refusals) and the purge of editions
past their retention period (the page and `flask awards purge`). After either, the erased names, addresses and
texts are gone from every page the secretariat can open, from the workbook and the CSV, and from the raw bytes of
a backup taken afterwards; the scores and results are the same numbers."""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from awards_app.backup import _pg_tool
from awards_app.extensions import db, limiter
from awards_app.models import (
    AccessRecord,
    Assignment,
    Attachment,
    AuditEvent,
    AwardTier,
    Category,
    CategoryKind,
    Conflict,
    Consent,
    Edition,
    FitStatus,
    Nomination,
    NominationStatus,
    NomineeConsent,
    Organisation,
    OrganisationType,
    Role,
    Round,
    RoundMode,
    Score,
    ScoreSheet,
    UncertaintyFit,
    User,
    UserSession,
    utcnow,
)
from awards_app.rules import privacy as rules
from awards_app.services import ServiceError, access_log
from awards_app.services import accounts as accounts_service
from awards_app.services import conflicts as conflicts_service
from awards_app.services import erasure as erasure_service
from awards_app.services import export as export_service
from awards_app.services import nominations as nominations_service
from awards_app.services import nominee_consent as nominee_consent_service
from awards_app.services import privacy as privacy_service
from awards_app.services import rounds as rounds_service
from awards_app.services import sheets as sheets_service
from awards_app.services import uncertainty as uncertainty_service
from awards_app.services.results import categories_results
from tests.conftest import PASSWORD, complete_project_answers, make_user
from tests.e2e.helpers import small_pdf
from tests.functional.judging_helpers import COMMENDATION_ANSWERS, another_judge, assign, attach, criteria, eligible

# --- arranging ----------------------------------------------------------------------------------------------------


def scored_round(edition: Edition, category: Category, nominations: list[Nomination], judges: list[User], actor: User):
    """A scoring round of ``edition`` in which every judge submitted a sheet, with comments, on every nomination;
    it is opened around now for the scores to go in, and left open."""
    now = datetime.now(UTC)
    round_ = rounds_service.create_round(
        edition,
        rounds_service.RoundInput(
            name=f"Evaluation {edition.year}",
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=7),
            category_ids=[category.id],
            judges_per_nomination=len(judges),
            mode=RoundMode.SCORING,
            same_country_conflict=False,
            quorum=Decimal("0.5"),
        ),
        actor,
    )
    rubric = criteria(round_, category)
    for j, judge in enumerate(judges):
        for n, nomination in enumerate(nominations):
            sheets_service.save_sheet(
                assign(round_, nomination, judge, declared=True),
                judge,
                sheets_service.SheetInput(
                    {c.id: str(3 + (j * 2 + n * 3 + k) % 7) for k, c in enumerate(rubric)},
                    {rubric[0].id: f"{judge.name} on {nomination.title}: {COMMENT_OF[judge.email]}"},
                    f"Overall, {COMMENT_OF[judge.email]}",
                ),
                submit=True,
            )
    return round_


#: A comment in each judge's own words, found nowhere else.
COMMENT_OF = {
    "judge@judges.example": "a careful plan, WOMBAT-4410",
    "budi@judges.example": "promising, KESTREL-5150",
    "tomas@judges.example": "bold but costly, TAPIR-2202",
}


def close(round_: Round, when: datetime | None = None) -> None:
    when = when or datetime.now(UTC) - timedelta(minutes=1)
    round_.opens_at, round_.closes_at = when - timedelta(days=30), when
    db.session.commit()


def numbers(round_: Round) -> dict:
    """Everything a round's results compute, as numbers: the ranking and each judge's diagnostics."""
    db.session.expire_all()
    round_ = db.session.get(Round, round_.id)
    found = {}
    for category_id, results in categories_results(round_, round_.categories).items():
        ranking = results.ranking[["nomination_id", "rank", "score", "judges", "mean", "median", "sd", "normalised"]]
        judges = results.judges[["nominations", "mean", "sd", "offset", "spearman"]]
        found[category_id] = (
            ranking.round(9).to_dict("records"),
            sorted(tuple(row) for row in judges.round(9).fillna(-1).itertuples(index=False)),
        )
    return found


def sign_in(client, email: str, password: str = PASSWORD):
    return client.post("/auth/login", data={"email": email, "password": password})


# --- looking for what was erased ----------------------------------------------------------------------------------


def spellings(text: str) -> list[bytes]:
    """How a text can sit in a database file or dump: as UTF-8, as a JSON string escapes it (``\\uXXXX``), and that
    again as PostgreSQL's COPY escapes a backslash."""
    escaped = json.dumps(text)[1:-1]
    return list(dict.fromkeys(form.encode() for form in (text, escaped, escaped.replace("\\", "\\\\"))))


def missing_everywhere(haystack: bytes | str, needles: list[str], where: str) -> None:
    data = haystack if isinstance(haystack, bytes) else haystack.encode()
    found = [needle for needle in needles if any(form in data for form in spellings(needle))]
    assert not found, f"{where} still holds {found}"


def pages(client, edition: Edition, every_page: bool = True) -> dict[str, str]:
    """Every page the secretariat can open about an edition, by address (the client is signed in as secretariat)."""
    urls = [f"/secretariat/nominations?edition={edition.slug}&per_page=500", f"/secretariat/editions/{edition.id}"]
    if every_page:
        urls += [
            "/secretariat/people",
            "/secretariat/audit?per_page=500",
            "/secretariat/access-log?per_page=500",
            f"/secretariat/?edition={edition.slug}",
        ]
    for nomination_id in db.session.scalars(sa.select(Nomination.id).where(Nomination.edition_id == edition.id)):
        urls.append(f"/secretariat/nominations/{nomination_id}")
    for round_id in db.session.scalars(sa.select(Round.id).where(Round.edition_id == edition.id)):
        urls += [f"/secretariat/rounds/{round_id}{tail}" for tail in ("", "/results", "/progress", "/assignments")]
        urls.append(f"/secretariat/rounds/{round_id}/conflicts")
    found = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        found[url] = response.get_data(as_text=True)
    return found


def exports(client, round_: Round) -> dict[str, bytes]:
    """The round's workbook (every cell's value, as text) and its CSV."""
    workbook = client.get(f"/secretariat/rounds/{round_.id}/results.xlsx")
    assert workbook.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(workbook.data))
    cells = "\n".join(
        str(cell.value) for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value
    )
    csv = client.get(f"/secretariat/rounds/{round_.id}/rankings.csv")
    assert csv.status_code == 200
    return {"the workbook": cells.encode(), "the CSV": csv.data}


def backup_bytes(runner, tmp_path: Path) -> tuple[bytes, list[bytes]]:
    """A backup taken now: the raw bytes of its database (on PostgreSQL, the dump as SQL) and of its files."""
    out = tmp_path / f"backup-{utcnow():%H%M%S%f}.tar.gz"
    result = runner.invoke(args=["awards", "backup", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with tarfile.open(out) as archive:
        members = {m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}
    files = [data for name, data in members.items() if name.startswith("uploads/")]
    if "database.sqlite" in members:
        return members["database.sqlite"], files
    dump = tmp_path / "database.pgdump"
    dump.write_bytes(members["database.pgdump"])
    script = subprocess.run([_pg_tool("pg_restore"), "--file=-", str(dump)], capture_output=True, check=True)  # noqa: S603
    return script.stdout, files


def assert_erased(client, runner, tmp_path, edition: Edition, rounds: list[Round], gone: list[str]) -> None:
    for url, text in pages(client, edition).items():
        missing_everywhere(text, gone, url)
    for round_ in rounds:
        for name, data in exports(client, round_).items():
            missing_everywhere(data, gone, name)
    database, files = backup_bytes(runner, tmp_path)
    missing_everywhere(database, gone, "the database of a backup taken afterwards")
    for data in files:
        missing_everywhere(data, gone, "a file of a backup taken afterwards")


# --- "Delete my account" ------------------------------------------------------------------------------------------


@pytest.fixture
def judged(app, world):
    """A closed, scored round of the current edition whose results are published: Odense's nomination (the
    applicant's) and two of Kigali's, judged by Ana (the world's judge) and Budi; Ana declared a conflict with a
    third nomination of Kigali's. Ana's profile says who she is; both have signed in."""
    budi = another_judge("budi@judges.example", "Budi Santoso")
    odense = eligible(
        world,
        "Odense robot-assisted care",
        answers=complete_project_answers("Odense robot-assisted care") | {"summary": "Robots for PANDA-3390 homes."},
    )
    kigali = [eligible(world, f"Kigali water meters {n}", organisation=world.other_city) for n in (1, 2)]
    round_ = scored_round(world.edition, world.project, [odense, *kigali], [world.judge, budi], world.secretariat)
    conflicted = eligible(world, "Kigali open data", organisation=world.other_city)
    conflicts_service.declare(
        assign(round_, conflicted, world.judge), world.judge, True, "Advised Kigali, ECHIDNA-8812"
    )
    world.judge.expertise, world.judge.affiliation = "Urban data, BILBY-3021", "University of Porto"
    close(round_)
    world.edition.results_published_at = utcnow()
    db.session.commit()
    return {"round": round_, "odense": odense, "budi": budi}


def test_an_applicant_deletes_their_account(app, client, runner, world, judged, tmp_path):
    applicant, round_ = world.applicant, judged["round"]
    privacy_service.record_consents(applicant, rules.PURPOSES, privacy_service.current_notice().version)
    draft = nominations_service.create_draft(
        world.project, applicant, complete_project_answers("Odense heat pumps") | {"summary": "Heat for ZEBRA-7781."}
    )
    nominations_service.add_attachment(draft, applicant, "odense-budget-QX41.pdf", small_pdf("Budget MOOSE-4141"))
    leadership = nominations_service.create_draft(
        world.leadership,
        applicant,
        {
            "nominee_name": "Park Seo-yeon",
            "nominee_position": "Deputy mayor",
            "nominee_organisation": "Odense",
            "nominee_email": "park.seoyeon@odense.example",
            "term_start": "2019-01-01",
            "achievements": "Led the ORCA-5512 data programme.",
        },
    )
    # The nominees' own consents: a signed form for the leader, the e-mailed link for the commendation.
    nominee_consent_service.upload_signed_form(leadership, applicant, "park-consent-OTTER-3131.pdf", small_pdf("Park"))
    nominations_service.submit(leadership, applicant)
    commendation = nominations_service.create_draft(world.commendation, applicant, COMMENDATION_ANSWERS)
    asked = nominee_consent_service.ask_nominee(commendation, applicant, "kim.jiwon-HERON-2718@example.org")
    nominee_consent_service.answer(nominee_consent_service.link_token(asked), list(rules.PURPOSES), give=True)
    nominations_service.submit(commendation, applicant)
    nominations_service.screen(commendation, world.secretariat, False, "Not a resident: LYNX-6620")
    accounts_service.end_all_sessions(applicant, applicant)  # an audit entry that names the address
    outbox = Path(app.config["MAIL_OUTBOX"])
    assert any(applicant.email in p.read_text(errors="replace") for p in outbox.glob("*.eml"))  # receipts
    before = numbers(round_)
    sign_in(client, world.secretariat.email)
    client.get(f"/secretariat/nominations/{draft.id}")  # the access log notes the secretariat read it
    client.post("/auth/logout")
    sign_in(client, applicant.email)
    page = client.get("/auth/account/delete")
    assert page.status_code == 200
    assert "Your organisation's nominations: every answer and every document" in page.get_data(as_text=True)
    applicant_id, draft_id = applicant.id, draft.id
    stored = [a.stored_name for a in db.session.scalars(sa.select(Attachment))]
    stored += [c.stored_name for c in db.session.scalars(sa.select(NomineeConsent)) if c.stored_name]

    response = client.post(
        "/auth/account/delete", data={"password": PASSWORD, "confirmation": " Applicant@Odense.example "}
    )

    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/goodbye")
    goodbye = client.get("/auth/goodbye")
    assert "Your account is deleted" in goodbye.get_data(as_text=True)
    assert client.get("/auth/goodbye").status_code == 302  # said once
    assert client.get("/auth/account").status_code == 302  # signed out
    db.session.expire_all()
    user = db.session.get(User, applicant_id)
    assert (user.name, user.email) == (f"Deleted applicant {applicant_id}", f"deleted-{applicant_id}@erased.invalid")
    assert user.erased_at and not user.active and not user.has_password and not user.roles and user.organisation is None
    assert sign_in(client, "applicant@odense.example").status_code == 200  # the form again: no such account
    assert not db.session.scalar(sa.select(sa.func.count(UserSession.id)).where(UserSession.user_id == applicant_id))
    assert not db.session.scalar(sa.select(sa.func.count(Consent.id)).where(Consent.user_id == applicant_id))
    statuses = {
        n.id: n.status
        for n in db.session.scalars(sa.select(Nomination).where(Nomination.created_by_id == applicant_id))
    }
    assert statuses[draft_id] is NominationStatus.WITHDRAWN  # the draft and the unscreened entry are withdrawn
    assert statuses[leadership.id] is NominationStatus.WITHDRAWN
    assert statuses[commendation.id] is NominationStatus.INELIGIBLE  # decided: kept, anonymised
    assert statuses[judged["odense"].id] is NominationStatus.ELIGIBLE
    for nomination in db.session.scalars(sa.select(Nomination).where(Nomination.organisation_id == world.city.id)):
        assert nomination.answers == {} and nomination.screening_reason == ""
    assert db.session.get(Nomination, leadership.id).title == f"Erased nomination {leadership.reference}"
    assert db.session.get(Nomination, judged["odense"].id).title == "Odense robot-assisted care"  # names a project
    assert db.session.get(Organisation, world.city.id).name == "City of Odense"  # a city is no person
    assert not db.session.scalar(sa.select(sa.func.count(Attachment.id)))
    assert not db.session.scalar(sa.select(sa.func.count(NomineeConsent.id)))  # the nominees' addresses and forms
    for text in ("HERON-2718", "OTTER-3131"):
        assert not db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(
                sa.or_(AuditEvent.summary.contains(text), sa.cast(AuditEvent.details, sa.String).contains(text))
            )
        ), text
    uploads = Path(app.config["UPLOAD_FOLDER"])
    assert stored and not any((uploads / name).exists() for name in stored)
    assert not any("odense.example" in p.read_text(errors="replace") for p in outbox.glob("*.eml"))
    assert not any("HERON-2718" in p.read_text(errors="replace") for p in outbox.glob("*.eml"))  # the nominee's
    assert numbers(round_) == before  # the results are the same numbers
    deleted = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "account.deleted"))
    assert deleted.actor_id == applicant_id and deleted.ip_address is None
    assert deleted.details["nominations_withdrawn"] == 2 and deleted.details["nominations_erased"] == 4
    assert {c["purpose"] for c in deleted.details["consents"]} == set(rules.PURPOSES)
    assert not db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.actor_id == applicant_id, AuditEvent.ip_address.is_not(None)
        )
    )

    sign_in(client, world.secretariat.email)
    assert_erased(
        client,
        runner,
        tmp_path,
        world.edition,
        [round_],
        [
            "Ida Jensen",
            "applicant@odense.example",
            "ZEBRA-7781",
            "PANDA-3390",
            "odense-budget-QX41",
            "MOOSE-4141",
            "Park Seo-yeon",
            "park.seoyeon@odense.example",
            "ORCA-5512",
            "LYNX-6620",
            COMMENDATION_ANSWERS["nominee_name"],
            COMMENDATION_ANSWERS["merit_en"],
            COMMENDATION_ANSWERS["merit_ko"],
            "Odense robot-assisted care: a careful plan",  # the judges' comments on the applicant's nomination
        ],
    )


def test_what_was_freed_before_is_cleared_from_the_database_file(app, runner, world, tmp_path):
    """A database written by a SQLite that did not overwrite deleted rows (``secure_delete`` is a build option) still
    holds their bytes in its free space: the erasure's VACUUM clears them too."""
    if db.engine.url.get_backend_name() != "sqlite":
        pytest.skip("SQLite keeps deleted rows in its free space; a PostgreSQL dump holds live rows only")
    with db.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA secure_delete=OFF")
        connection.execute(
            sa.insert(UserSession).values(
                user_id=world.applicant.id,
                key_digest="0" * 64,
                expires_at=utcnow(),
                user_agent="Browser of applicant@odense.example, Ida Jensen",
            )
        )
        connection.commit()
        connection.execute(sa.delete(UserSession))  # a sign-in forgotten long ago
        connection.commit()
        connection.exec_driver_sql("PRAGMA secure_delete=ON")
    assert (
        b"Browser of applicant@odense.example"
        in Path(db.engine.url.database).read_bytes() + Path(db.engine.url.database + "-wal").read_bytes()
    )
    erasure_service.delete_account(world.applicant, PASSWORD, world.applicant.email)
    database, _files = backup_bytes(runner, tmp_path)
    missing_everywhere(database, ["applicant@odense.example", "Ida Jensen"], "a backup")
    missing_everywhere(Path(db.engine.url.database).read_bytes(), ["applicant@odense.example"], "the database file")


def test_a_colleague_keeps_the_organisation_s_nominations(app, client, world):
    colleague = make_user("second@odense.example", [Role.APPLICANT], world.city, "Lars Nielsen")
    draft = nominations_service.create_draft(world.project, world.applicant, complete_project_answers())
    db.session.commit()
    sign_in(client, world.applicant.email)
    assert "stay with its other members" in client.get("/auth/account/delete").get_data(as_text=True)
    client.post("/auth/account/delete", data={"password": PASSWORD, "confirmation": world.applicant.email})
    db.session.expire_all()
    assert db.session.get(User, world.applicant.id).erased_at is not None
    kept = db.session.get(Nomination, draft.id)
    assert kept.status is NominationStatus.DRAFT and kept.answers["summary"]
    assert kept.belongs_to(db.session.get(User, colleague.id))


def test_a_judge_deletes_their_account(app, client, runner, world, judged, tmp_path):
    judge, round_ = world.judge, judged["round"]
    before = numbers(round_)
    digest = export_service.score_data_sha256(round_)  # it names the judges, so it changes with Ana's name
    fit = UncertaintyFit(  # a finished fit (not converged: this test has no draws to read)
        round_id=round_.id, data_sha256=digest, status=FitStatus.DONE, converged=False, message="did not converge"
    )
    db.session.add(fit)
    db.session.commit()
    assert uncertainty_service.fit_state(round_).current
    conflicts = db.session.scalar(sa.select(sa.func.count(Conflict.id)))
    sign_in(client, world.secretariat.email)
    client.post(f"/secretariat/people/{judge.id}/resend")  # an invitation in the outbox, and in the audit trail
    client.post("/auth/logout")
    sign_in(client, judge.email)
    page = client.get("/auth/account/delete").get_data(as_text=True)
    assert "The scores you submitted" in page and 'name="password"' in page

    response = client.post("/auth/account/delete", data={"password": PASSWORD, "confirmation": judge.email})

    assert response.status_code == 302
    db.session.expire_all()
    judge = db.session.get(User, judge.id)
    assert judge.name == f"Deleted judge {judge.id}" and judge.expertise == judge.affiliation == ""
    assert numbers(round_) == before
    state = uncertainty_service.fit_state(db.session.get(Round, round_.id))
    assert state.fit.id == fit.id and state.current and state.data_sha256 != digest  # the same scores, still described
    sheets = db.session.scalars(sa.select(ScoreSheet).join(Assignment).where(Assignment.judge_id == judge.id)).all()
    assert sheets and all(s.overall_comment == "" and all(c.comment == "" for c in s.scores) for s in sheets)
    assert db.session.scalar(sa.select(sa.func.count(Conflict.id))) == conflicts  # the recusal still counts
    assert db.session.scalar(sa.select(Conflict.reason).where(Conflict.judge_id == judge.id)) == ""
    assert db.session.scalar(sa.select(Score.comment).where(Score.comment.contains("KESTREL")))  # Budi's stay
    sign_in(client, world.secretariat.email)
    workbook = exports(client, round_)["the workbook"].decode()
    assert f"Deleted judge {judge.id}" in workbook
    assert_erased(
        client,
        runner,
        tmp_path,
        world.edition,
        [round_],
        ["Ana Ferreira", "judge@judges.example", "WOMBAT-4410", "ECHIDNA-8812", "BILBY-3021", "University of Porto"],
    )


def test_a_judge_with_unfinished_work_is_asked_to_be_replaced_first(app, client, world):
    round_ = scored_round(world.edition, world.project, [], [], world.secretariat)
    assign(round_, eligible(world), world.judge, declared=True)
    sign_in(client, world.judge.email)
    page = client.get("/auth/account/delete").get_data(as_text=True)
    assert "You have 1 unfinished assignment(s) in Evaluation 2026" in page
    assert 'name="password"' not in page  # no form while something holds the deletion
    response = client.post(
        "/auth/account/delete", data={"password": PASSWORD, "confirmation": world.judge.email}, follow_redirects=True
    )
    assert "Ask the secretariat to give them to another judge" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, world.judge.id).erased_at is None
    refused = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "account.deletion_refused"))
    assert refused.details["why"] == "holds"


def test_a_nomination_being_judged_holds_its_applicant_s_account(app, client, world):
    eligible(world, "Kigali water meters", organisation=world.other_city)
    sign_in(client, world.other_applicant.email)
    page = client.get("/auth/account/delete").get_data(as_text=True)
    assert "SSCP-2026-TI-001 is being judged" in page
    with pytest.raises(ServiceError, match="being judged"):
        erasure_service.delete_account(world.other_applicant, PASSWORD, world.other_applicant.email)
    assert db.session.get(User, world.other_applicant.id).erased_at is None


def test_the_last_secretariat_member_cannot_leave(app, world):
    assert any("only secretariat member" in hold for hold in erasure_service.deletion_holds(world.secretariat))
    make_user("colleague@wego.example", [Role.SECRETARIAT])
    db.session.commit()
    assert erasure_service.deletion_holds(world.secretariat) == []


@pytest.mark.parametrize(
    ("password", "confirmation", "message"),
    [
        ("wrong-horse-battery", "judge@judges.example", "The password is not right"),
        (PASSWORD, "someone@else.example", "Type your e-mail address exactly"),
        (PASSWORD, "", "This field is required"),
        ("", "judge@judges.example", "This field is required"),
    ],
)
def test_a_wrong_password_or_confirmation_deletes_nothing(app, client, world, password, confirmation, message):
    sign_in(client, world.judge.email)
    response = client.post("/auth/account/delete", data={"password": password, "confirmation": confirmation})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    judge = db.session.get(User, world.judge.id)
    assert judge.erased_at is None and judge.name == "Ana Ferreira" and judge.check_password(PASSWORD)
    assert client.get("/auth/account").status_code == 200  # still signed in


def test_wrong_passwords_are_limited_like_failed_sign_ins(app, client, world):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per day"  # a whole-day window: no boundary falls inside the test
    app.config["RATELIMIT_ENABLED"] = True
    limiter.init_app(app)
    sign_in(client, world.judge.email)
    wrong = {"password": "wrong-horse-battery", "confirmation": world.judge.email}
    assert [client.post("/auth/account/delete", data=wrong).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.post("/auth/account/delete", data={"password": PASSWORD, "confirmation": world.judge.email})
    assert refused.status_code == 429 and "Too many wrong passwords" in refused.get_data(as_text=True)
    assert db.session.get(User, world.judge.id).erased_at is None  # not even the right password is checked


def test_deleting_an_account_needs_the_form_s_token(app, client, world):
    sign_in(client, world.judge.email)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/auth/account/delete", data={"password": PASSWORD, "confirmation": world.judge.email})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400 and b"The form expired" in response.data
    assert db.session.get(User, world.judge.id).erased_at is None


# --- retention ----------------------------------------------------------------------------------------------------

PAST_OPENS = datetime(2021, 3, 1, tzinfo=UTC)


@pytest.fixture
def past(app, world):
    return past_edition(world)


def past_edition(world) -> dict:
    """The 2021 edition, long past its retention deadline: Odense (the applicant's city, which enters the current
    edition too) and Aarhus entered projects with documents, an individual a leadership nomination; Ana (judging in
    the current edition too) and Tomas (2021 only) scored them, and Tomas declared a conflict. Mette, Aarhus's
    applicant, and Lee Hana, the individual, took part in 2021 only."""
    edition = Edition(
        name="Seoul Smart City Prize 2021",
        year=2021,
        slug="prize-2021",
        opens_at=PAST_OPENS,
        closes_at=PAST_OPENS + timedelta(days=90),
        results_published_at=PAST_OPENS + timedelta(days=200),
    )
    project = Category(
        edition=edition,
        code="TI",
        name_en="Tech-InnovaCity",
        name_ko="기술혁신",
        kind=CategoryKind.PROJECT,
        eligible_types=["city"],
        max_per_organisation=2,
        tiers=[AwardTier(name_en="Gold", count=1)],
    )
    leadership = Category(
        edition=edition,
        code="LD",
        name_en="Leadership",
        name_ko="리더십",
        kind=CategoryKind.LEADERSHIP,
        eligible_types=["individual"],
        position=2,
    )
    aarhus = Organisation(name="Aarhus Kommune", type=OrganisationType.CITY, country_code="DK", city="Aarhus")
    hana = Organisation(name="Lee Hana", type=OrganisationType.INDIVIDUAL, country_code="KR", city="Busan")
    db.session.add_all([edition, aarhus, hana])
    mette = make_user("mette@aarhus.example", [Role.APPLICANT], aarhus, "Mette Holm")
    lee = make_user("lee.hana@example.org", [Role.APPLICANT], hana, "Lee Hana")
    tomas = make_user("tomas@judges.example", [Role.JUDGE], name="Tomas Berg")
    db.session.commit()

    def nominated(category, organisation, applicant, title, answers, number):
        nomination = Nomination(
            edition=edition,
            category=category,
            organisation=organisation,
            created_by=applicant,
            status=NominationStatus.ELIGIBLE,
            title=title,
            answers=answers,
            reference=f"SSCP-2021-{category.code}-{number:03d}",
            submitted_at=PAST_OPENS + timedelta(days=20),
        )
        db.session.add(nomination)
        db.session.commit()
        return nomination

    odense = nominated(
        project,
        world.city,
        world.applicant,
        "Odense bikes",
        complete_project_answers("Odense bikes") | {"summary": "Bikes GIRAFFE-1101."},
        1,
    )
    aarhus_entry = nominated(
        project,
        aarhus,
        mette,
        "Aarhus harbour",
        complete_project_answers("Aarhus harbour") | {"problem": "Floods HERON-1212."},
        2,
    )
    hana_entry = nominated(
        leadership,
        hana,
        lee,
        "Lee Hana",
        {"nominee_name": "Lee Hana", "nominee_position": "Mayor", "achievements": "Busan data IBIS-1313."},
        1,
    )
    attach(odense, small_pdf("Odense plan"), "odense-plan-OKAPI.pdf")
    attach(aarhus_entry, small_pdf("Aarhus MOOSE-2121"), "aarhus-plan-MOOSE.pdf")
    round_ = scored_round(edition, project, [odense, aarhus_entry], [world.judge, tomas], world.secretariat)
    conflicts_service.record_conflict(tomas, hana_entry, "Advised Busan, OTTER-3303", world.secretariat)
    access_log.note(tomas, "document", aarhus_entry, "aarhus-plan-MOOSE.pdf")
    close(round_, PAST_OPENS + timedelta(days=150))
    # Today: Odense enters the current edition, and Ana judges it.
    current = eligible(world, "Odense heat pumps", answers=complete_project_answers() | {"summary": "Now SEAL-9090."})
    today = scored_round(world.edition, world.project, [current], [world.judge], world.secretariat)
    return {"edition": edition, "round": round_, "today": today, "current": current, "people": (mette, lee, tomas)}


ERASED_IN_2021 = [
    "Mette Holm",
    "mette@aarhus.example",
    "lee.hana@example.org",
    "Tomas Berg",
    "tomas@judges.example",
    "GIRAFFE-1101",
    "HERON-1212",
    "IBIS-1313",
    "odense-plan-OKAPI",
    "aarhus-plan-MOOSE",
    "MOOSE-2121",
    "TAPIR-2202",
    "OTTER-3303",
]


def snapshot() -> dict[str, list]:
    """Every row of every table."""
    db.session.expire_all()
    return {
        table.name: sorted(map(repr, db.session.execute(sa.select(table)).all())) for table in db.metadata.sorted_tables
    }


def test_the_plan_says_what_would_go_and_changes_nothing(app, runner, world, past):
    before = snapshot()
    plans = {plan.edition.slug: plan for plan in erasure_service.purge_plan()}
    old, current = plans["prize-2021"], plans["test-2026"]
    assert old.due and not current.due and old.purged_at is None
    assert old.deadline == rules.retention_deadline(old.ended_at) and old.ended_at.year == 2021
    assert (old.accounts, old.kept) == (3, 2)  # Mette, Lee Hana, Tomas; Ana and the applicant of Odense
    assert (old.nominations, old.documents) == (3, 2) and old.bytes > 0
    assert current.days_left > 365 * rules.RETENTION_YEARS - 1

    result = runner.invoke(args=["awards", "purge"])

    assert result.exit_code == 0, result.output
    assert "prize-2021" in result.output and "DUE: would erase 5 people (3 accounts deleted, 2 kept" in result.output
    assert "3 nominations, 2 documents" in result.output
    assert "test-2026" in result.output and "not due" in result.output
    assert "Dry run: nothing was changed" in result.output
    assert snapshot() == before


def test_purging_a_past_edition_keeps_its_results_and_erases_its_people(app, client, runner, world, past, tmp_path):
    edition, round_ = past["edition"], past["round"]
    before, today = numbers(round_), numbers(past["today"])
    db.session.add(UncertaintyFit(round_id=round_.id, data_sha256="0" * 64, status=FitStatus.DONE, converged=False))
    db.session.commit()
    mette, lee, tomas = past["people"]
    sign_in(client, world.secretariat.email)
    page = client.get("/secretariat/privacy/retention").get_data(as_text=True)
    assert "Type prize-2021 to confirm" in page and "Type test-2026" not in page
    purge_url = f"/secretariat/privacy/retention/{edition.id}/purge"
    refused = client.post(purge_url, data={f"edition-{edition.id}-confirmation": "test-2026"}, follow_redirects=True)
    assert "nothing was purged" in refused.get_data(as_text=True)
    assert db.session.get(Edition, edition.id).personal_data_purged_at is None

    done = client.post(purge_url, data={f"edition-{edition.id}-confirmation": "prize-2021"}, follow_redirects=True)

    assert "5 people, 3 nominations and 2 documents erased" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Edition, edition.id).personal_data_purged_at is not None
    assert numbers(round_) == before and numbers(past["today"]) == today
    # Its fits named Ana's account among the judges of their draws: they go, to be run again on anonymised scores.
    assert not db.session.scalar(
        sa.select(sa.func.count(UncertaintyFit.id)).where(UncertaintyFit.round_id == round_.id)
    )
    for person in (mette, lee, tomas):
        assert db.session.get(User, person.id).erased_at is not None
    hana = db.session.scalar(sa.select(Organisation).where(Organisation.type == OrganisationType.INDIVIDUAL))
    assert hana.name == f"Deleted individual {hana.id}" and hana.city == ""
    assert db.session.get(Organisation, world.city.id).name == "City of Odense"
    # Ana and the applicant of Odense keep their accounts; their 2021 records moved to placeholders.
    ana = db.session.get(User, world.judge.id)
    assert ana.name == "Ana Ferreira" and ana.erased_at is None and sign_in(client, ana.email).status_code == 302
    judges_2021 = set(db.session.scalars(sa.select(Assignment.judge_id).where(Assignment.round_id == round_.id)))
    assert ana.id not in judges_2021 and tomas.id in judges_2021 and len(judges_2021) == 2
    assert ana.id in set(
        db.session.scalars(sa.select(Assignment.judge_id).where(Assignment.round_id == past["today"].id))
    )
    odense_2021 = db.session.scalar(sa.select(Nomination).where(Nomination.reference == "SSCP-2021-TI-001"))
    assert odense_2021.created_by_id != world.applicant.id and odense_2021.created_by.erased_at is not None
    assert odense_2021.title == "Odense bikes" and odense_2021.answers == {}
    assert db.session.scalar(sa.select(Nomination.title).where(Nomination.reference == "SSCP-2021-LD-001")) == (
        "Erased nomination SSCP-2021-LD-001"
    )
    current = db.session.get(Nomination, past["current"].id)
    assert current.answers["summary"] == "Now SEAL-9090."  # the current edition is untouched
    assert not db.session.scalar(
        sa.select(sa.func.count(AccessRecord.id)).where(AccessRecord.detail != "", AccessRecord.user_id == tomas.id)
    )
    purged = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "privacy.purged"))
    assert purged.actor_id == world.secretariat.id and purged.details["accounts"] == 3

    assert_erased(client, runner, tmp_path, edition, [round_], ERASED_IN_2021)
    # Those who stay are no longer named in what is left of 2021.
    for url, text in pages(client, edition, every_page=False).items():
        if url.endswith((f"/rounds/{round_.id}", "/assignments", "/conflicts")):
            continue  # they list today's panel (judges missing details, to assign, to record a conflict of)
        missing_everywhere(text, ["Ana Ferreira", "judge@judges.example", "Ida Jensen", "WOMBAT-4410"], url)
    for name, data in exports(client, round_).items():
        missing_everywhere(data, ["Ana Ferreira", "judge@judges.example"], name)
    again = client.post(purge_url, data={f"edition-{edition.id}-confirmation": "prize-2021"}, follow_redirects=True)
    assert "was already purged" in again.get_data(as_text=True)


def test_an_edition_within_its_retention_period_cannot_be_purged(app, client, world, past):
    with pytest.raises(ServiceError, match="cannot be purged before"):
        erasure_service.purge(world.edition)
    sign_in(client, world.secretariat.email)
    response = client.post(
        f"/secretariat/privacy/retention/{world.edition.id}/purge",
        data={f"edition-{world.edition.id}-confirmation": "test-2026"},
        follow_redirects=True,
    )
    assert "cannot be purged before" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Edition, world.edition.id).personal_data_purged_at is None
    assert db.session.get(Nomination, past["current"].id).answers


def test_the_command_purges_with_yes(app, runner, world, past):
    result = runner.invoke(args=["awards", "purge", "--yes"])
    assert result.exit_code == 0, result.output
    assert "prize-2021" in result.output and "PURGED: 5 people (3 accounts deleted, 2 kept)" in result.output
    db.session.expire_all()
    assert db.session.get(Edition, past["edition"].id).personal_data_purged_at is not None
    assert db.session.get(Edition, world.edition.id).personal_data_purged_at is None
    assert not db.session.scalar(
        sa.select(sa.func.count(Attachment.id)).join(Nomination).where(Nomination.edition_id == past["edition"].id)
    )
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 0  # the current edition has none
    again = runner.invoke(args=["awards", "purge", "--yes"])
    assert "purged on" in again.output and "nothing to purge" in again.output
    unknown = runner.invoke(args=["awards", "purge", "--edition", "no-such"])
    assert unknown.exit_code != 0 and "No edition 'no-such'" in unknown.output


def test_the_retention_deadline_is_the_end_plus_the_years_the_notice_states():
    end = datetime(2024, 2, 29, 12, tzinfo=UTC)
    assert rules.retention_deadline(end) == datetime(2027, 2, 28, 12, tzinfo=UTC)
    assert rules.edition_end([datetime(2023, 5, 31, tzinfo=UTC), None, datetime(2023, 9, 25, tzinfo=UTC)]).month == 9
    with pytest.raises(ValueError):
        rules.edition_end([None])
    assert rules.confirmation_matches(" Ana@X.org ", "ana@x.org") and not rules.confirmation_matches("", "")
