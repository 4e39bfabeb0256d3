"""Edge cases found in review: each once answered 500, lost work, or bent a rule."""

import io
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from awards_app.entry_forms import check_answers, default_fields
from awards_app.models import CategoryKind, CommitteeVote, RoundMode, Vote
from awards_app.services import ServiceError
from awards_app.services import assignments as assignments_service
from awards_app.services import rounds as rounds_service
from awards_app.services import sheets as sheets_service
from awards_app.services import votes as votes_service
from awards_app.storage import sniff_type
from tests.conftest import complete_project_answers
from tests.functional.judging_helpers import another_judge, assign, criteria, eligible, judging_round


@pytest.mark.parametrize("url", ["/secretariat/", "/secretariat/rounds/", "/nominations/", "/judging/"])
def test_an_anonymous_options_request_is_refused_not_an_error(client, world, url):
    assert client.options(url).status_code in (200, 302, 403)


def test_a_judge_cannot_change_the_fields_that_decide_conflicts(client, auth, world, db):
    world.judge.affiliation, world.judge.country_code = "University of Lisbon", "PT"
    db.session.commit()
    auth.login(world.judge)
    client.post(
        "/auth/account", data={"name": "Ana", "time_zone": "Europe/Lisbon", "affiliation": "", "country_code": ""}
    )
    db.session.refresh(world.judge)
    assert (world.judge.affiliation, world.judge.country_code, world.judge.time_zone) == (
        "University of Lisbon",
        "PT",
        "Europe/Lisbon",
    )


def test_a_later_round_of_another_category_takes_its_eligible_nominations(world, db):
    judging_round(world)  # round 1 judges the project category only
    commendation = eligible(world, "김서연", category=world.commendation)
    committee = judging_round(world, name="Merit review", categories=[world.commendation], mode=RoundMode.COMMITTEE)
    assert [n.id for n in rounds_service.round_nominations(committee)] == [commendation.id]
    assert rounds_service.is_first_round(committee)


def test_votes_stay_with_their_member_and_closed_rounds_are_not_reopened(world, db):
    commendation = eligible(world, "김서연", category=world.commendation)
    committee = judging_round(world, name="Merit review", categories=[world.commendation], mode=RoundMode.COMMITTEE)
    assignment = assign(committee, commendation, world.judge, declared=True)
    votes_service.cast_vote(assignment, world.judge, Vote.APPROVE)
    with pytest.raises(ServiceError, match="has voted"):
        assignments_service.reassign(assignment, another_judge(), world.secretariat)
    assert db.session.scalar(sa.select(sa.func.count(CommitteeVote.id))) == 1

    nomination = eligible(world)
    round_ = judging_round(world, name="Online")
    scored = assign(round_, nomination, world.judge, declared=True)
    sheets_service.save_sheet(
        scored,
        world.judge,
        sheets_service.SheetInput({c.id: "5" for c in criteria(round_, world.project)}, {}, ""),
        submit=True,
    )
    round_.closes_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(ServiceError, match="not open"):
        sheets_service.reopen_sheet(scored, world.secretariat)


def test_references_cannot_collide_across_editions_or_renamed_codes(client, auth, world, db):
    auth.login(world.secretariat)
    response = client.post(
        "/secretariat/editions/new",
        data={
            "name": "Rehearsal",
            "year": "2026",
            "slug": "rehearsal",
            "reference_prefix": "SSCP",
            "time_zone": "Asia/Seoul",
            "opens_at": "2026-02-01T09:00",
            "closes_at": "2026-05-31T23:59",
        },
        follow_redirects=True,
    )
    assert b"Another edition already gives references SSCP-2026" in response.data
    world.project.last_sequence = 3
    db.session.commit()
    response = client.post(
        f"/secretariat/categories/{world.project.id}/edit",
        data={
            "code": "TX",
            "name_en": "Tech",
            "name_ko": "기술",
            "kind": "project",
            "eligible_types": ["city"],
            "max_per_organisation": "2",
            "position": "1",
        },
        follow_redirects=True,
    )
    assert b"The code cannot change once references have been given" in response.data


def test_a_broken_web_address_is_reported_not_fatal(app):
    answers = complete_project_answers() | {"links": "http://[oops"}
    problems = check_answers(default_fields(CategoryKind.PROJECT), answers)
    assert problems.by_field["links"][0].startswith("Not a web address")


def test_a_damaged_office_file_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types>word</Types>")
        package.writestr("word/document.xml", "<xml/>")
    data = bytearray(buffer.getvalue())
    refused = 0
    for position in range(30, len(data), 7):
        damaged = bytes(data[:position]) + bytes([data[position] ^ 0xFF]) + bytes(data[position + 1 :])
        if sniff_type(damaged, "statement.docx") is None:
            refused += 1
    assert refused  # damaged packages are refused, and none raised


def test_an_absurd_sheet_version_is_stale_not_fatal(client, auth, world, db):
    nomination = eligible(world)
    round_ = judging_round(world)
    assignment = assign(round_, nomination, world.judge, declared=True)
    auth.login(world.judge)
    rubric = criteria(round_, world.project)
    data = {f"score_{c.id}": "5" for c in rubric} | {"version": str(10**30)}
    response = client.post(f"/judging/assignments/{assignment.id}/autosave", data=data)
    assert response.status_code in (200, 409)


def test_a_racing_duplicate_is_answered_politely(client, auth, world, db, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    nomination = eligible(world)
    round_ = judging_round(world)

    def lost_the_race(*args, **kwargs):
        raise IntegrityError("INSERT INTO assignment", {}, Exception("duplicate key"))

    # A request that lost a race hits the unique constraint inside the service.
    monkeypatch.setattr(assignments_service, "assign_manually", lost_the_race)
    auth.login(world.secretariat)
    response = client.post(
        f"/secretariat/rounds/{round_.id}/assignments/manual",
        data={"manual-nominations": [str(nomination.id)], "manual-judges": [str(world.judge.id)]},
    )
    assert response.status_code == 409
    assert b"This was saved a moment ago" in response.data
