"""The secretariat's side of judging: rounds, rubrics, assignments, progress, reminders, conflicts, advancing."""

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from awards_app.models import (
    Assignment,
    AuditEvent,
    Conflict,
    Nomination,
    NominationStatus,
    Organisation,
    OrganisationType,
    Role,
    Round,
    RoundMode,
    SheetStatus,
    Vote,
)
from awards_app.services import ServiceError
from awards_app.services import assignments as assignments_service
from awards_app.services import conflicts as conflicts_service
from awards_app.services import eligibility as eligibility_service
from awards_app.services import rounds as rounds_service
from awards_app.services import rubrics as rubrics_service
from awards_app.services import sheets as sheets_service
from awards_app.services import votes as votes_service
from tests.conftest import complete_project_answers, make_user


def eligible(world, db, title: str, organisation=None, category=None) -> Nomination:
    """An eligible nomination, as screening leaves it."""
    category = category or world.project
    organisation = organisation or world.city
    category.last_sequence += 1
    nomination = Nomination(
        edition_id=world.edition.id,
        category=category,
        organisation=organisation,
        created_by=world.applicant,
        status=NominationStatus.ELIGIBLE,
        answers=complete_project_answers(title),
        title=title,
        reference=f"SSCP-2026-{category.code}-{category.last_sequence:03d}",
        submitted_at=datetime.now(UTC),
    )
    db.session.add(nomination)
    db.session.commit()
    return nomination


def new_round(
    world, db, name="Online evaluation", categories=None, mode=RoundMode.SCORING, k=2, opens=None, closes=None
) -> Round:
    now = datetime.now(UTC)
    return rounds_service.create_round(
        world.edition,
        rounds_service.RoundInput(
            name=name,
            opens_at=opens or now - timedelta(days=1),
            closes_at=closes or now + timedelta(days=10),
            category_ids=[c.id for c in (categories or [world.project])],
            judges_per_nomination=k,
            mode=mode,
            same_country_conflict=True,
            quorum=Decimal("0.5"),
        ),
        world.secretariat,
    )


@pytest.fixture
def panel(world, db):
    """Three more judges from different countries."""
    judges = [world.judge]
    for email, country in [("lin@judges.example", "VN"), ("ola@judges.example", "NG"), ("max@judges.example", "DE")]:
        judge = make_user(email, [Role.JUDGE])
        judge.country_code = country
        judges.append(judge)
    world.judge.country_code = "PT"
    db.session.commit()
    return judges


def form_dt(moment: datetime) -> str:
    return moment.astimezone(world_zone()).strftime("%Y-%m-%dT%H:%M")


def world_zone():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Seoul")


def test_secretariat_creates_a_round_with_the_published_criteria(client, auth, world, db):
    auth.login(world.secretariat)
    now = datetime.now(UTC)
    response = client.post(
        "/secretariat/rounds/new?edition=test-2026",
        data={
            "name": "Online evaluation",
            "opens_at": form_dt(now),
            "closes_at": form_dt(now + timedelta(days=30)),
            "categories": [str(world.project.id)],
            "judges_per_nomination": "3",
            "mode": "scoring",
            "ranking_method": "mean",
            "disagreement_threshold": "15",
            "same_country_conflict": "y",
            "quorum": "0.5",
        },
    )
    assert response.status_code == 302, response.data
    round_ = db.session.scalar(sa.select(Round))
    assert round_.categories == [world.project] and round_.judges_per_nomination == 3
    names = [c.name_en for c in rubrics_service.criteria_of(round_, world.project)]
    assert names[0] == "Problem-Centered Innovation" and len(names) == 6
    page = client.get(f"/secretariat/rounds/{round_.id}").data.decode()
    assert "Online evaluation" in page and "Problem-Centered Innovation" in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"categories": []}, b"Choose at least one category."),
        ({"closes_at": "2020-01-01T00:00"}, b"The round must close after it opens."),
        ({"judges_per_nomination": "0"}, b"Number must be between 1 and 50."),
        ({"mode": "committee"}, b"A committee vote is for Mayor"),
        ({"quorum": "1"}, b"Number must be between 0 and 0.99."),
        ({"quorum": "sNaN"}, b"Enter a number."),
    ],
)
def test_bad_rounds_are_refused(client, auth, world, db, change, message):
    auth.login(world.secretariat)
    now = datetime.now(UTC)
    data = {
        "name": "R",
        "opens_at": form_dt(now),
        "closes_at": form_dt(now + timedelta(days=3)),
        "categories": [str(world.project.id)],
        "judges_per_nomination": "3",
        "mode": "scoring",
        "ranking_method": "mean",
        "disagreement_threshold": "15",
        "quorum": "0.5",
    }
    response = client.post("/secretariat/rounds/new?edition=test-2026", data=data | change, follow_redirects=True)
    assert message in response.data
    assert db.session.scalar(sa.select(sa.func.count(Round.id))) == 0


def test_the_rubric_locks_once_scores_are_submitted(client, auth, world, db, panel):
    round_ = new_round(world, db)
    nomination = eligible(world, db, "Robot care", organisation=world.other_city)
    criteria = rubrics_service.criteria_of(round_, world.project)
    auth.login(world.secretariat)
    url = f"/secretariat/rounds/{round_.id}/rubrics/{world.project.id}"
    data = {}
    for i, c in enumerate(criteria):
        data |= {
            f"criteria-{i}-criterion_id": str(c.id),
            f"criteria-{i}-name_en": c.name_en,
            f"criteria-{i}-weight": "2" if i == 0 else "1",
            f"criteria-{i}-min_score": "1",
            f"criteria-{i}-max_score": "10",
            f"criteria-{i}-step": "1",
        }
    assert client.post(url, data=data).status_code == 302
    db.session.expire_all()
    assert [c.weight for c in rubrics_service.criteria_of(round_, world.project)][:2] == [Decimal(2), Decimal(1)]
    assert "28.6 %" in client.get(url).data.decode()  # 2 of 7

    # A judge submits: the rubric is now locked.
    assignment = Assignment(round_id=round_.id, nomination_id=nomination.id, judge_id=world.judge.id)
    db.session.add(assignment)
    db.session.commit()
    conflicts_service.declare(assignment, world.judge, False)
    sheets_service.save_sheet(
        assignment,
        world.judge,
        sheets_service.SheetInput(scores={c.id: "7" for c in criteria}, comments={}, overall_comment=""),
        submit=True,
    )
    changed = data | {"criteria-0-weight": "5"}
    response = client.post(url, data=changed, follow_redirects=True)
    assert b"tick the confirmation" in response.data
    db.session.expire_all()
    assert rubrics_service.criteria_of(round_, world.project)[0].weight == Decimal(2)
    response = client.post(url, data=changed | {"confirm_reopen": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert rubrics_service.criteria_of(round_, world.project)[0].weight == Decimal(5)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "rubric.reopened_and_changed"))
    assert Decimal(event.details["before"][0]["weight"]) == 2 and Decimal(event.details["after"][0]["weight"]) == 5


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"criteria-0-weight": "0"}, b"Number must be between"),
        ({"criteria-0-min_score": "10", "criteria-0-max_score": "1"}, b"The highest score must be above the lowest."),
        ({"criteria-0-weight": ""}, b"Each criterion needs a weight."),
        ({"criteria-0-weight": "abc"}, b"Not a valid decimal value."),
    ],
)
def test_bad_criteria_are_refused(client, auth, world, db, row, message):
    round_ = new_round(world, db)
    auth.login(world.secretariat)
    data = {
        "criteria-0-name_en": "Impact",
        "criteria-0-weight": "1",
        "criteria-0-min_score": "1",
        "criteria-0-max_score": "10",
        "criteria-0-step": "1",
    }
    response = client.post(
        f"/secretariat/rounds/{round_.id}/rubrics/{world.project.id}", data=data | row, follow_redirects=True
    )
    assert message in response.data
    db.session.expire_all()
    assert len(rubrics_service.criteria_of(round_, world.project)) == 6  # unchanged


def test_manual_assignment_in_bulk_refuses_conflicted_judges(client, auth, world, db, panel):
    round_ = new_round(world, db)
    one = eligible(world, db, "Robot care")
    two = eligible(world, db, "Harbour buses")
    conflicts_service.record_conflict(panel[1], two, "Advised the city", world.secretariat)
    auth.login(world.secretariat)
    response = client.post(
        f"/secretariat/rounds/{round_.id}/assignments/manual",
        data={"manual-nominations": [str(one.id), str(two.id)], "manual-judges": [str(panel[0].id), str(panel[1].id)]},
        follow_redirects=True,
    )
    assert b"3 assignments added." in response.data
    assert b"a conflict of interest is recorded" in response.data
    pairs = set(db.session.execute(sa.select(Assignment.judge_id, Assignment.nomination_id)).all())
    assert (panel[1].id, two.id) not in {tuple(p) for p in pairs}
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "assignment.added"))


def test_manual_assignment_needs_a_choice(client, auth, world, db, panel):
    round_ = new_round(world, db)
    eligible(world, db, "Robot care")
    auth.login(world.secretariat)
    response = client.post(f"/secretariat/rounds/{round_.id}/assignments/manual", data={}, follow_redirects=True)
    assert b"Choose at least one nomination." in response.data


def test_reassign_and_remove(client, auth, world, db, panel):
    round_ = new_round(world, db)
    nomination = eligible(world, db, "Robot care")
    assignments_service.assign_manually(round_, [nomination.id], [panel[0].id], world.secretariat)
    assignment = db.session.scalar(sa.select(Assignment))
    auth.login(world.secretariat)
    response = client.post(
        f"/secretariat/rounds/assignments/{assignment.id}/reassign",
        data={"judge": str(panel[2].id)},
        follow_redirects=True,
    )
    assert f"now goes to {panel[2].name}".encode() in response.data
    moved = db.session.scalar(sa.select(Assignment))
    assert moved.judge_id == panel[2].id
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "assignment.reassigned"))
    client.post(f"/secretariat/rounds/assignments/{moved.id}/remove")
    assert db.session.scalar(sa.select(sa.func.count(Assignment.id))) == 0


def test_reassigning_offers_only_the_judges_it_would_accept_each_with_their_load(client, auth, world, db, panel):
    round_ = new_round(world, db)
    round_.max_load = 2
    db.session.commit()
    one = eligible(world, db, "Robot care")  # the city of Odense, Denmark
    two = eligible(world, db, "Harbour buses")
    three = eligible(world, db, "Night libraries")
    # panel[0] holds one and two (at the limit); panel[1] holds one; panel[2] is in conflict with one; panel[3] is
    # from Denmark (the round keeps judges off their own country's nominations).
    panel[3].country_code = "DK"
    db.session.commit()
    assignments_service.assign_manually(round_, [one.id, two.id], [panel[0].id], world.secretariat)
    assignments_service.assign_manually(round_, [one.id], [panel[1].id], world.secretariat)
    conflicts_service.record_conflict(panel[2], one, "Advised the city", world.secretariat)
    offers = eligibility_service.offers(round_, [one, two, three], eligibility_service.judges())
    assert offers[one.id] == []  # on it, on it, in conflict, same country
    assert [(o.judge.id, o.load) for o in offers[three.id]] == [
        (j.id, load) for j, load in sorted([(panel[1], 1), (panel[2], 0)], key=lambda pair: pair[0].name)
    ]  # panel[0] is at the limit, panel[3] from Denmark

    auth.login(world.secretariat)
    page = client.get(f"/secretariat/rounds/{round_.id}/assignments").data.decode()
    assert "No other judge may take it" in page  # the first nomination's judges have nobody to hand it to
    assert f"{panel[2].name} · holds 0" in page and "At most 2 each." in page
    # Asked all the same (an old page, a forged post), the service refuses with the rule that refuses.
    on_one = db.session.scalar(
        sa.select(Assignment).where(Assignment.nomination_id == one.id, Assignment.judge_id == panel[1].id)
    )
    for judge, words in [
        (panel[0], "already assigned this nomination"),
        (panel[2], "a conflict of interest is recorded"),
        (panel[3], "the judge is from the nomination's country"),
    ]:
        response = client.post(
            f"/secretariat/rounds/assignments/{on_one.id}/reassign",
            data={"judge": str(judge.id)},
            follow_redirects=True,
        )
        assert f"{judge.name} cannot take this nomination: {words}".encode() in response.data.replace(b"&#39;", b"'")
    response = client.post(
        f"/secretariat/rounds/{round_.id}/assignments/manual",
        data={"manual-nominations": [str(three.id)], "manual-judges": [str(panel[0].id), str(panel[1].id)]},
        follow_redirects=True,
    )
    assert b"1 assignments added." in response.data or b"1 assignment added." in response.data
    assert b"already holds 2 nominations, the most this round gives a judge" in response.data
    assert eligibility_service.loads(round_) == {panel[0].id: 2, panel[1].id: 2}


def test_started_work_is_not_removed_and_submitted_work_not_moved(client, auth, world, db, panel):
    round_ = new_round(world, db)
    nomination = eligible(world, db, "Robot care")
    assignments_service.assign_manually(round_, [nomination.id], [world.judge.id], world.secretariat)
    assignment = db.session.scalar(sa.select(Assignment))
    conflicts_service.declare(assignment, world.judge, False)
    criteria = rubrics_service.criteria_of(round_, world.project)
    sheets_service.save_sheet(
        assignment, world.judge, sheets_service.SheetInput({c.id: "5" for c in criteria}, {}, ""), submit=True
    )
    auth.login(world.secretariat)
    response = client.post(f"/secretariat/rounds/assignments/{assignment.id}/remove", follow_redirects=True)
    assert b"already started" in response.data
    response = client.post(
        f"/secretariat/rounds/assignments/{assignment.id}/reassign",
        data={"judge": str(panel[1].id)},
        follow_redirects=True,
    )
    assert b"Submitted scores stay with their judge" in response.data
    # Reopening hands the sheet back to its judge as a draft.
    response = client.post(f"/secretariat/rounds/assignments/{assignment.id}/reopen", follow_redirects=True)
    assert b"are open again" in response.data
    db.session.refresh(assignment.sheet)
    assert assignment.sheet.status is SheetStatus.DRAFT
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "scores.reopened"))


def test_progress_shows_each_judge_and_nomination_and_sends_reminders(app, client, auth, world, db, panel):
    round_ = new_round(world, db)
    nomination = eligible(world, db, "Robot care")
    assignments_service.assign_manually(
        round_, [nomination.id], [panel[0].id, panel[1].id, panel[2].id], world.secretariat
    )
    first, second, third = db.session.scalars(sa.select(Assignment).order_by(Assignment.id)).all()
    criteria = rubrics_service.criteria_of(round_, world.project)
    conflicts_service.declare(first, first.judge, False)
    sheets_service.save_sheet(
        first, first.judge, sheets_service.SheetInput({c.id: "10" for c in criteria}, {}, ""), submit=True
    )
    conflicts_service.declare(second, second.judge, True, "My former employer")
    auth.login(world.secretariat)
    page = client.get(f"/secretariat/rounds/{round_.id}/progress").data.decode()
    assert "Submitted" in page and "Recused" in page and "To do" in page
    assert "total 100.0" in page  # the secretariat sees each judge's total
    response = client.post(f"/secretariat/rounds/{round_.id}/remind", follow_redirects=True)
    assert b"Reminders sent to 1 judge(s)." in response.data
    mails = list(Path(app.config["MAIL_OUTBOX"]).glob("*.eml"))
    assert len(mails) == 1 and third.judge.email in mails[0].read_text()


def test_conflicts_page_lists_and_records(client, auth, world, db, panel):
    round_ = new_round(world, db)
    nomination = eligible(world, db, "Robot care")
    auth.login(world.secretariat)
    response = client.post(
        f"/secretariat/rounds/{round_.id}/conflicts",
        data={"judge": str(panel[1].id), "nomination": str(nomination.id), "reason": "Sister works for the city"},
        follow_redirects=True,
    )
    assert b"is recused from SSCP-2026-TI-001" in response.data
    assert b"Sister works for the city" in response.data
    response = client.post(
        f"/secretariat/rounds/{round_.id}/conflicts",
        data={"judge": str(panel[1].id), "nomination": str(nomination.id), "reason": "Again"},
        follow_redirects=True,
    )
    assert b"already recorded" in response.data
    assert db.session.scalar(sa.select(sa.func.count(Conflict.id))) == 1


def test_advancing_takes_nominations_into_a_later_round(client, auth, world, db, panel):
    first = new_round(world, db)
    later = new_round(world, db, name="Finalists")
    one = eligible(world, db, "Robot care")
    two = eligible(world, db, "Harbour buses")
    assert {n.id for n in rounds_service.round_nominations(first)} == {one.id, two.id}
    assert rounds_service.round_nominations(later) == []
    auth.login(world.secretariat)
    response = client.post(
        f"/secretariat/rounds/{first.id}/advance",
        data={"nominations": [str(one.id)], "to_round": str(later.id)},
        follow_redirects=True,
    )
    assert b"1 nominations advanced to Finalists." in response.data
    assert [n.id for n in rounds_service.round_nominations(later)] == [one.id]
    with pytest.raises(ServiceError):
        rounds_service.advance(later, first, [one.id], world.secretariat)


def test_committee_votes_pass_with_a_majority_of_those_present_and_a_quorum(world, db, panel):
    commendation = eligible(world, db, "김서연", category=world.commendation)
    round_ = new_round(world, db, name="Merit review", categories=[world.commendation], mode=RoundMode.COMMITTEE, k=4)
    assert rubrics_service.criteria_of(round_, world.commendation) == []
    assignments_service.assign_manually(round_, [commendation.id], [j.id for j in panel], world.secretariat)
    members = db.session.scalars(sa.select(Assignment).order_by(Assignment.id)).all()
    for assignment in members:
        conflicts_service.declare(assignment, assignment.judge, False)
    votes_service.cast_vote(members[0], members[0].judge, Vote.APPROVE)
    votes_service.cast_vote(members[1], members[1].judge, Vote.APPROVE)
    count = votes_service.vote_counts(round_)[commendation.id]
    assert (count.committee, count.present) == (4, 2)
    assert not count.quorate(round_.quorum)  # 2 of 4 is not more than half
    votes_service.cast_vote(members[2], members[2].judge, Vote.ABSTAIN)
    count = votes_service.vote_counts(round_)[commendation.id]
    assert count.quorate(round_.quorum) and count.passes(round_.quorum)  # 2 approve of 3 present
    votes_service.cast_vote(members[1], members[1].judge, Vote.REJECT)  # a member changes their vote
    count = votes_service.vote_counts(round_)[commendation.id]
    assert (count.approve, count.reject, count.abstain) == (1, 1, 1)
    assert not count.passes(round_.quorum)


def test_a_recused_member_is_not_counted_in_the_committee(world, db, panel):
    commendation = eligible(world, db, "김서연", category=world.commendation)
    round_ = new_round(world, db, name="Merit review", categories=[world.commendation], mode=RoundMode.COMMITTEE, k=3)
    assignments_service.assign_manually(round_, [commendation.id], [j.id for j in panel[:3]], world.secretariat)
    members = db.session.scalars(sa.select(Assignment).order_by(Assignment.id)).all()
    conflicts_service.declare(members[0], members[0].judge, True, "Colleague")
    assert votes_service.vote_counts(round_)[commendation.id].committee == 2


def test_scores_are_refused_outside_the_round_window(world, db, panel):
    now = datetime.now(UTC)
    round_ = new_round(world, db, opens=now - timedelta(days=3), closes=now - timedelta(minutes=1))
    nomination = eligible(world, db, "Robot care")
    assignments_service.assign_manually(round_, [nomination.id], [world.judge.id], world.secretariat)
    assignment = db.session.scalar(sa.select(Assignment))
    conflicts_service.declare(assignment, world.judge, False)
    with pytest.raises(ServiceError, match="closed"):
        sheets_service.save_sheet(assignment, world.judge, sheets_service.SheetInput({}, {}, ""))


def test_the_secretariat_pages_render(client, auth, world, db, panel):
    round_ = new_round(world, db)
    eligible(
        world,
        db,
        "Robot care",
        organisation=Organisation(name="Hanoi", type=OrganisationType.CITY, country_code="VN", city="Hanoi"),
    )
    auth.login(world.secretariat)
    for url in [
        "/secretariat/rounds/",
        f"/secretariat/rounds/{round_.id}",
        f"/secretariat/rounds/{round_.id}/edit",
        f"/secretariat/rounds/{round_.id}/assignments",
        f"/secretariat/rounds/{round_.id}/progress",
        f"/secretariat/rounds/{round_.id}/conflicts",
        "/secretariat/rounds/new",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert client.get(f"/secretariat/rounds/{round_.id}/rubrics/999").status_code == 404
    assert client.get("/secretariat/rounds/999").status_code == 404


def test_automatic_assignment_fills_gaps_evenly_without_conflicts(client, auth, world, db, panel):
    round_ = new_round(world, db, k=2)
    vietnam = Organisation(name="Hanoi People's Committee", type=OrganisationType.CITY, country_code="VN", city="Hanoi")
    nominations = [
        eligible(world, db, f"Project {i}", organisation=vietnam if i == 0 else world.other_city) for i in range(6)
    ]
    auth.login(world.secretariat)
    response = client.post(
        f"/secretariat/rounds/{round_.id}/assignments/automatic", data={"auto-seed": "7"}, follow_redirects=True
    )
    assert b"12 assignments added automatically." in response.data
    pairs = {(a.judge_id, a.nomination_id) for a in db.session.scalars(sa.select(Assignment))}
    loads = [sum(1 for j, _n in pairs if j == judge.id) for judge in panel]
    assert max(loads) - min(loads) <= 1
    assert (panel[1].id, nominations[0].id) not in pairs  # the Vietnamese judge, a Vietnamese nomination
    # A recusal opens a gap that a second run fills, with someone else, and nothing else moves.
    first = db.session.scalar(sa.select(Assignment).where(Assignment.nomination_id == nominations[3].id))
    conflicts_service.declare(first, first.judge, True, "Former adviser")
    client.post(f"/secretariat/rounds/{round_.id}/assignments/automatic", data={"auto-seed": "7"})
    after = {(a.judge_id, a.nomination_id) for a in db.session.scalars(sa.select(Assignment))}
    assert pairs <= after and len(after) == 13
    judges_of_three = {j for j, n in after if n == nominations[3].id} - {first.judge_id}
    assert len(judges_of_three) == 2
    response = client.post(
        f"/secretariat/rounds/{round_.id}/assignments/automatic", data={"auto-seed": "7"}, follow_redirects=True
    )
    assert b"0 assignments added automatically." in response.data


def test_automatic_assignment_names_the_nominations_it_cannot_fill(client, auth, world, db, panel):
    round_ = new_round(world, db, k=4)
    vietnam = Organisation(name="Hanoi People's Committee", type=OrganisationType.CITY, country_code="VN", city="Hanoi")
    nomination = eligible(world, db, "Hanoi open data", organisation=vietnam)
    auth.login(world.secretariat)
    response = client.post(
        f"/secretariat/rounds/{round_.id}/assignments/automatic", data={"auto-seed": "0"}, follow_redirects=True
    ).data.decode()
    assert f"{nomination.reference} still lacks 1 judge(s)" in response


def test_the_rounds_maximum_load_caps_automatic_assignment(client, auth, world, db, panel):
    now = datetime.now(UTC)
    auth.login(world.secretariat)
    client.post(
        "/secretariat/rounds/new?edition=test-2026",
        data={
            "name": "Capped",
            "opens_at": form_dt(now),
            "closes_at": form_dt(now + timedelta(days=5)),
            "categories": [str(world.project.id)],
            "judges_per_nomination": "2",
            "max_load": "1",
            "mode": "scoring",
            "ranking_method": "mean",
            "disagreement_threshold": "15",
            "quorum": "0.5",
        },
    )
    round_ = db.session.scalar(sa.select(Round))
    assert round_.max_load == 1
    for i in range(3):
        eligible(world, db, f"Project {i}", organisation=world.other_city)
    response = client.post(
        f"/secretariat/rounds/{round_.id}/assignments/automatic", data={"auto-seed": "1"}, follow_redirects=True
    ).data.decode()
    assert "4 assignments added automatically." in response  # 4 judges × 1
    assert "still lacks" in response


def test_the_results_page_ranks_submitted_scores_of_judges_without_conflict(client, auth, world, db, panel):
    round_ = new_round(world, db, k=2)
    strong = eligible(world, db, "Strong project")
    weak = eligible(world, db, "Weak project")
    assignments_service.assign_manually(
        round_, [strong.id, weak.id], [panel[0].id, panel[1].id, panel[2].id], world.secretariat
    )
    rubric = rubrics_service.criteria_of(round_, world.project)
    for assignment in db.session.scalars(sa.select(Assignment)).all():
        conflicts_service.declare(assignment, assignment.judge, assignment.judge_id == panel[2].id, "Adviser")
        if assignment.judge_id == panel[2].id:
            continue  # recused: never counts
        value = "10" if assignment.nomination_id == strong.id else "4"
        sheets_service.save_sheet(
            assignment,
            assignment.judge,
            sheets_service.SheetInput({c.id: value for c in rubric}, {}, ""),
            submit=assignment.judge_id == panel[0].id or assignment.nomination_id == strong.id,
        )
    auth.login(world.secretariat)
    page = client.get(f"/secretariat/rounds/{round_.id}/results").data.decode()
    # Strong: two judges at 100. Weak: one submitted sheet at (4−1)/9 = 33.33; the draft does not count.
    assert page.index(strong.reference) < page.index(weak.reference)
    assert "100.00" in page and "33.33" in page
    assert "few judges" in page  # the weak one has 1 of the 2 wanted
    auth.logout()
    auth.login(world.judge)
    assert client.get(f"/secretariat/rounds/{round_.id}/results").status_code == 403


def test_the_top_places_advance_with_ties_at_the_cut(client, auth, world, db, panel):
    first = new_round(world, db, k=1)
    later = new_round(world, db, name="Finalists")
    nominations = [eligible(world, db, f"Project {i}") for i in range(4)]
    rubric = rubrics_service.criteria_of(first, world.project)
    for nomination, value in zip(nominations, ["9", "7", "7", "3"], strict=True):
        assignments_service.assign_manually(first, [nomination.id], [panel[0].id], world.secretariat)
        assignment = db.session.scalar(sa.select(Assignment).where(Assignment.nomination_id == nomination.id))
        conflicts_service.declare(assignment, panel[0], False)
        sheets_service.save_sheet(
            assignment, panel[0], sheets_service.SheetInput({c.id: value for c in rubric}, {}, ""), submit=True
        )
    auth.login(world.secretariat)
    response = client.post(
        f"/secretariat/rounds/{first.id}/advance-top",
        data={"top-places": "2", "top-to_round": str(later.id)},
        follow_redirects=True,
    )
    assert b"3 nominations advanced to Finalists." in response.data  # places 1, 2 and 2 (a tie)
    assert {n.id for n in rounds_service.round_nominations(later)} == {n.id for n in nominations[:3]}


def test_tiers_in_rank_order_overrides_with_reasons_and_publication(client, auth, world, db, panel):
    round_ = new_round(world, db, k=1)
    nominations = [eligible(world, db, f"Project {i}") for i in range(4)]
    rubric = rubrics_service.criteria_of(round_, world.project)
    for nomination, value in zip(nominations, ["9", "8", "7", "3"], strict=True):
        assignments_service.assign_manually(round_, [nomination.id], [panel[0].id], world.secretariat)
        assignment = db.session.scalar(sa.select(Assignment).where(Assignment.nomination_id == nomination.id))
        conflicts_service.declare(assignment, panel[0], False)
        sheets_service.save_sheet(
            assignment, panel[0], sheets_service.SheetInput({c.id: value for c in rubric}, {}, ""), submit=True
        )
    auth.login(world.secretariat)
    url = f"/secretariat/rounds/{round_.id}/results"
    response = client.post(url + "/awards", data={"category": str(world.project.id)}, follow_redirects=True)
    assert b"3 awards given in rank order." in response.data  # Gold 1 + Silver 2
    from awards_app.models import Award

    tiers = {a.nomination_id: a.tier.name_en for a in db.session.scalars(sa.select(Award))}
    assert tiers == {nominations[0].id: "Gold", nominations[1].id: "Silver", nominations[2].id: "Silver"}
    # An override needs a reason, and is recorded.
    bronze_less = {
        "category": str(world.project.id),
        "override-nomination": str(nominations[3].id),
        "override-tier": str(world.project.tiers[1].id),
        "override-reason": "",
    }
    response = client.post(url + "/override", data=bronze_less, follow_redirects=True)
    assert b"give the reason" in response.data
    response = client.post(
        url + "/override", data=bronze_less | {"override-reason": "Committee decision"}, follow_redirects=True
    )
    assert b"Award changed" in response.data
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "awards.overridden"))
    # Applicants see nothing before publication, then their own result.
    auth.logout()
    auth.login(world.applicant)
    assert b"Congratulations" not in client.get(f"/nominations/{nominations[0].id}").data
    auth.logout()
    auth.login(world.secretariat)
    # Not while the round is open.
    response = client.post(url + "/publish", data={"confirm": "y"}, follow_redirects=True)
    assert b"is still open: publish after it closes" in response.data
    round_.closes_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    response = client.post(url + "/publish", data={"confirm": "y"}, follow_redirects=True)
    assert b"The results are published" in response.data
    response = client.post(url + "/awards", data={"category": str(world.project.id)}, follow_redirects=True)
    assert b"awards can no longer change" in response.data
    auth.logout()
    auth.login(world.applicant)
    assert b"Congratulations: Gold, Tech-InnovaCity." in client.get(f"/nominations/{nominations[0].id}").data


def test_the_workbook_downloads_and_exports_with_the_rankings(client, auth, world, db, panel, runner, tmp_path):
    import openpyxl

    round_ = new_round(world, db, k=1)
    nomination = eligible(world, db, '=HYPERLINK("http://evil")')
    rubric = rubrics_service.criteria_of(round_, world.project)
    assignments_service.assign_manually(round_, [nomination.id], [panel[0].id], world.secretariat)
    assignment = db.session.scalar(sa.select(Assignment))
    conflicts_service.declare(assignment, panel[0], False)
    sheets_service.save_sheet(
        assignment,
        panel[0],
        sheets_service.SheetInput({c.id: "7" for c in rubric}, {rubric[0].id: "Strong evidence"}, ""),
        submit=True,
    )
    auth.login(world.secretariat)
    response = client.get(f"/secretariat/rounds/{round_.id}/results.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[:2] == ["Summary", "Rankings"]
    rankings = book["Rankings"]
    header = [c.value for c in rankings[1]]
    assert header[:15] == [
        "Category",
        "Rank",
        "Reference",
        "Nomination",
        "Organisation",
        "Country",
        "Judges",
        "Score",
        "Mean",
        "Median",
        "Trimmed mean",
        "Normalised",
        "SD",
        "Tier",
        "Flags",
    ]
    row = [c.value for c in rankings[2]]
    assert row[0] == "TI" and row[1] == 1 and row[2] == nomination.reference
    assert row[5] == "Denmark"  # the country's name, as the pages show it
    assert row[3] == '=HYPERLINK("http://evil")' and rankings.cell(2, 4).data_type == "s"  # text, not a formula
    assert abs(row[7] - 66.6667) < 0.001
    scores = book["Scores"]
    assert [c.value for c in scores[1]][:9] == [
        "Category",
        "Reference",
        "Judge",
        "Criterion",
        "Weight",
        "Min",
        "Max",
        "Score",
        "Comment",
    ]
    assert "Strong evidence" in [c.value for c in scores["I"]]
    out = tmp_path / "results.xlsx"
    result = runner.invoke(args=["awards", "export", "--edition", "test-2026", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(out)["Rankings"].cell(2, 3).value == nomination.reference
    bad = runner.invoke(args=["awards", "export", "--round", "Nope", "--out", str(out)])
    assert bad.exit_code != 0 and "No scored round 'Nope'" in bad.output
