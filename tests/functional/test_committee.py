"""The Mayor's commendation committee decides too: its sitting on a results page, who counts as a member (재적) and
as present (출석), closing the sitting, the commendations given from the votes, the workbook, the CSV and the
minutes."""

from __future__ import annotations

import csv
import html
import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from awards_app.models import (
    AuditEvent,
    Award,
    AwardTier,
    Category,
    CategoryKind,
    CommitteeVote,
    Conflict,
    Role,
    RoundMode,
    Vote,
)
from awards_app.rules.committee import RULES_IN_WORDS
from awards_app.services import committee as committee_service
from awards_app.services import votes as votes_service
from tests.conftest import PASSWORD, make_user
from tests.functional.judging_helpers import COMMENDATION_ANSWERS, assign, eligible, judging_round


@pytest.fixture
def sitting(world, db):
    """A committee of five on two nominations; one member is recused from the first."""
    world.commendation.tiers = [AwardTier(name_en="Commendation", name_ko="표창", count=1, position=0, fill_order=1)]
    round_ = judging_round(
        world, name="Merit review committee", categories=[world.commendation], mode=RoundMode.COMMITTEE
    )
    first = eligible(world, "Kim Ji-won, advisory committee", category=world.commendation, answers=COMMENDATION_ANSWERS)
    second = eligible(world, "Park Min-seo, open data", category=world.commendation, answers=COMMENDATION_ANSWERS)
    members = [make_user(f"member{i}@wego.example", [Role.JUDGE], name=f"Member {i}") for i in range(1, 6)]
    db.session.commit()
    votes = {
        first.id: [Vote.APPROVE, Vote.APPROVE, Vote.REJECT, Vote.ABSTAIN, None],
        second.id: [Vote.REJECT, Vote.APPROVE, None, None, None],
    }
    for nomination in (first, second):
        for member, vote in zip(members, votes[nomination.id], strict=True):
            assignment = assign(round_, nomination, member, declared=True)
            if vote is not None:
                db.session.add(CommitteeVote(assignment_id=assignment.id, vote=vote))
    # Member 5 has a conflict with the first nomination: left out of the members and of those present.
    db.session.add(
        Conflict(
            judge_id=members[4].id,
            nomination_id=first.id,
            reason="Worked with the nominee",
            recorded_by_id=world.secretariat.id,
        )
    )
    db.session.commit()
    return round_, first, second, members


def test_the_sitting_counts_members_and_presence_and_names_who_is_left_out(world, sitting):
    round_, first, second, _members = sitting
    lines = {line.nomination.id: line for line in committee_service.sitting(round_)}
    one, two = lines[first.id], lines[second.id]
    # First: 4 members (the recused one left out), 4 present, 2 approve of 4 present: not more than half.
    assert (one.count.committee, one.count.present, one.count.approve, one.count.reject, one.count.abstain) == (
        4,
        4,
        2,
        1,
        1,
    )
    assert [m.name for m in one.left_out] == ["Member 5"]
    assert one.outcome(round_.quorum) == "does not pass"
    # Second: 5 members, 2 present: not more than half of 5, so no quorum, whatever the votes.
    assert (two.count.committee, two.count.present) == (5, 2) and two.outcome(round_.quorum) == "no quorum"


def test_the_sitting_states_its_rules_in_the_reader_s_language(client, auth, world, db, sitting):
    round_, _first, _second, _members = sitting
    auth.login(world.secretariat)
    url = f"/secretariat/rounds/{round_.id}/results"
    english = html.unescape(client.get(url).get_data(as_text=True))
    # In English, the page states the very words of the workbook's and the minutes' rules.
    for label, text in RULES_IN_WORDS:
        assert label in english and text in english
    world.secretariat.locale = "ko"
    db.session.commit()
    korean = html.unescape(client.get(url).get_data(as_text=True))
    assert "출석 위원 과반수가 찬성하면 가결" in korean and "이해충돌이 있는 위원을 제외" in korean
    for _label, text in RULES_IN_WORDS:
        assert text not in korean


def test_the_secretariat_sees_the_sitting_closes_it_and_gives_the_commendation(app, client, auth, world, db, sitting):
    round_, first, second, members = sitting
    auth.login(world.secretariat)
    url = f"/secretariat/rounds/{round_.id}/results"
    page = client.get(url).get_data(as_text=True)
    assert "sitting" in page and "provisional" in page
    assert "Member 5: left out (conflict of interest)" in page
    assert "Members (재적)" in page and "Present (출석)" in page
    assert "does not pass" in page and "no quorum" in page
    # A member changes their vote before the sitting closes: the first nomination now passes (3 of 4 approve).
    third = db.session.scalar(
        sa.select(CommitteeVote)
        .join(CommitteeVote.assignment)
        .where(CommitteeVote.assignment.has(nomination_id=first.id, judge_id=members[2].id))
    )
    third.vote = Vote.APPROVE
    db.session.commit()
    response = client.post(
        url.replace("/results", "/sitting/commendations"),
        data={"category": str(world.commendation.id)},
        follow_redirects=True,
    )
    assert b"Close the sitting first" in response.data
    client.post(url.replace("/results", "/sitting/close"), data={})  # not without the confirmation
    db.session.refresh(round_)
    assert round_.sitting_closed_at is None
    response = client.post(url.replace("/results", "/sitting/close"), data={"confirm": "y"}, follow_redirects=True)
    assert b"The sitting is closed: the votes are final." in response.data
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "sitting.closed"))
    assert event.details["outcomes"] == {first.reference: "passes", second.reference: "no quorum"}
    # Closed: a member can no longer vote.
    member_client = app.test_client()
    member_client.post("/auth/login", data={"email": members[0].email, "password": PASSWORD})
    assignment = db.session.scalar(
        sa.select(CommitteeVote)
        .join(CommitteeVote.assignment)
        .where(CommitteeVote.assignment.has(nomination_id=first.id, judge_id=members[0].id))
    ).assignment
    member_client.post(f"/judging/assignments/{assignment.id}/vote", data={"vote": "reject"})
    assert votes_service.vote_of(assignment).vote is Vote.APPROVE
    # The commendation goes to the nomination that passed.
    response = client.post(
        url.replace("/results", "/sitting/commendations"),
        data={"category": str(world.commendation.id)},
        follow_redirects=True,
    )
    assert b"1 commendation given." in response.data
    assert [(a.nomination_id, a.tier.name_en) for a in db.session.scalars(sa.select(Award))] == [
        (first.id, "Commendation")
    ]
    # The workbook's Votes sheet and the CSV hold the same rows; the minutes say it in Korean and English.
    book = load_workbook(io.BytesIO(client.get(url + ".xlsx").data))
    assert "Votes" in book.sheetnames
    votes = [[c.value for c in row] for row in book["Votes"].iter_rows()]
    assert votes[0] == [
        "Category",
        "Reference",
        "Nomination",
        "Members",
        "Present",
        "Approve",
        "Reject",
        "Abstain",
        "Did not vote",
        "Left out (conflict)",
        "Quorum met",
        "Outcome",
    ]
    assert votes[1][1:] == [first.reference, first.title, 4, 4, 3, 0, 1, 0, "Member 5", "yes", "passes"]
    rows = list(
        csv.reader(io.StringIO(client.get(f"/secretariat/rounds/{round_.id}/rankings.csv").data.decode("utf-8-sig")))
    )
    assert rows[1] == ["MC", first.reference, first.title, "4", "4", "3", "0", "1", "0", "Member 5", "yes", "passes"]
    minutes = client.get(f"/secretariat/rounds/{round_.id}/sitting/minutes.txt")
    assert minutes.headers["Content-Disposition"].startswith("attachment;")
    text = minutes.data.decode("utf-8")
    assert "공적심사위원회 회의록" in text and "재적 / Members: 4   출석 / Present: 4" in text
    assert "가결 / passes" in text and "정족수 미달 / no quorum" in text
    assert "Member 5: 제척 (이해충돌) / left out (conflict of interest)" in text
    # The rules too, each in Korean and then in English.
    rules = text.split("규칙 / Rules\n", 1)[1].splitlines()
    assert len(rules) == 2 * len(RULES_IN_WORDS)
    for (label, words), korean, english in zip(RULES_IN_WORDS, rules[::2], rules[1::2], strict=True):
        assert english == f"  {label}: {words}" and korean != english and ":" in korean
    assert "의결정족수" in text.split("규칙 / Rules", 1)[1]


def test_a_closed_sitting_lets_its_edition_be_published(client, auth, world, db, sitting):
    round_, first, _second, _members = sitting
    auth.login(world.secretariat)
    committee_service.close_sitting(round_, world.secretariat)
    db.session.add(
        Award(
            round_id=round_.id,
            nomination_id=first.id,
            tier_id=world.commendation.tiers[0].id,
            decided_by_id=world.secretariat.id,
            override_reason="Committee decision",
        )
    )
    db.session.commit()
    page = client.get(f"/secretariat/rounds/{round_.id}/results/publish").get_data(as_text=True)
    assert "Not yet" not in page  # members who did not vote were absent: that is the quorum's business
    assert "Commendation" in page


def test_a_committee_changes_the_award_of_a_nomination_in_its_second_category(client, auth, world, db):
    """The override form of a committee round offers the tiers of every category: a tier of the second category is
    given as chosen, never taken for "no award"."""
    first = Category(
        edition=world.edition,
        code="MC2",
        name_en="Mayor's commendation, citizens",
        name_ko="서울특별시장 표창 (시민)",
        kind=CategoryKind.COMMENDATION,
        eligible_types=["individual"],
        position=4,
    )
    db.session.add(first)
    for category in (first, world.commendation):
        category.tiers = [AwardTier(name_en=f"{category.code} commendation", name_ko="표창", count=1, position=0)]
    db.session.commit()
    round_ = judging_round(
        world, name="Merit review committee", categories=[first, world.commendation], mode=RoundMode.COMMITTEE
    )
    nominee = eligible(
        world, "Kim Ji-won, advisory committee", category=world.commendation, answers=COMMENDATION_ANSWERS
    )
    member = make_user("member@wego.example", [Role.JUDGE], name="Member")
    db.session.commit()
    assign(round_, nominee, member, declared=True)
    tier = world.commendation.tiers[0]
    db.session.add(
        Award(round_id=round_.id, nomination_id=nominee.id, tier_id=tier.id, decided_by_id=world.secretariat.id)
    )
    db.session.commit()
    auth.login(world.secretariat)
    page = client.get(f"/secretariat/rounds/{round_.id}/results").get_data(as_text=True)
    assert f'name="category" value="{first.id}"' in page  # the form names the round's first category
    client.post(
        f"/secretariat/rounds/{round_.id}/results/override",
        data={
            "category": str(first.id),
            "override-nomination": str(nominee.id),
            "override-tier": str(tier.id),
            "override-reason": "Kept by the committee",
        },
    )
    award = db.session.scalar(sa.select(Award).where(Award.nomination_id == nominee.id))
    assert award is not None and award.tier_id == tier.id and award.override_reason == "Kept by the committee"
