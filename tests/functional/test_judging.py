"""The judge's side: assignments, conflict declarations, score sheets with autosave, committee votes."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html import escape

import pytest
import sqlalchemy as sa

from awards_app.extensions import db as _db
from awards_app.judging.routes import time_left
from awards_app.models import (
    AuditEvent,
    CommitteeVote,
    Conflict,
    Criterion,
    RoundMode,
    Score,
    ScoreSheet,
    SheetStatus,
)
from awards_app.services import sheets as sheets_service
from tests.conftest import PASSWORD, count
from tests.unit.test_storage import PDF

from .judging_helpers import (
    COMMENDATION_ANSWERS,
    another_judge,
    assign,
    attach,
    close,
    criteria,
    eligible,
    judging_round,
    sheet_data,
)


@pytest.fixture
def panel(world):
    """An open round of the project category with two nominations, each assigned to the world's judge."""
    round_ = judging_round(world)
    first = eligible(world, "Odense robot-assisted care")
    second = eligible(world, "Kigali smart water meters", organisation=world.other_city)
    return round_, first, second


@pytest.fixture
def scoring(world, panel, auth):
    """The world's judge, signed in, has declared no conflict on the first nomination: the score sheet is open."""
    round_, nomination, _ = panel
    assignment = assign(round_, nomination, world.judge, declared=True)
    auth.login(world.judge)
    return assignment, criteria(round_, world.project)


def actions(nomination=None) -> list[str]:
    query = sa.select(AuditEvent.action).order_by(AuditEvent.id)
    if nomination is not None:
        query = query.where(AuditEvent.nomination_id == nomination.id)
    return list(_db.session.scalars(query))


def page_of(client, assignment) -> str:
    response = client.get(f"/judging/assignments/{assignment.id}")
    assert response.status_code == 200
    return response.data.decode()


def score_group(page: str, criterion: Criterion) -> str:
    """A criterion's score: its group of radios, one per value of the scale."""
    return re.search(rf'<div[^>]*id="score_{criterion.id}"[^>]*role="radiogroup">.*?</div>', page, re.S).group(0)


def score_values(page: str, criterion: Criterion) -> list[str]:
    return re.findall(rf'<input[^>]*name="score_{criterion.id}" type="radio" value="([^"]*)"', page)


def selected(page: str, criterion: Criterion) -> str | None:
    """The value checked among a criterion's score radios, as the browser would post it."""
    checked = re.findall(rf'<input[^>]*name="score_{criterion.id}" type="radio" value="([^"]*)" checked>', page)
    assert len(checked) <= 1, checked
    return checked[0] if checked else None


# --- the list of assignments -----------------------------------------------------------------------------


def test_a_judge_with_nothing_assigned_sees_what_happens_next(client, auth, world):
    auth.login(world.judge)
    page = client.get("/judging/").data.decode()
    assert "No nominations are assigned to you yet." in page
    assert "Next nomination to score" not in page


def test_assignments_by_round_and_category_with_status_progress_and_deadline(client, auth, world, db):
    world.judge.time_zone = "America/Sao_Paulo"
    db.session.commit()
    round_ = judging_round(world, categories=[world.project, world.leadership])
    to_do = eligible(world, "To do entry")
    draft = eligible(world, "Draft entry")
    submitted = eligible(world, "Submitted entry")
    recused = eligible(world, "Recused entry", organisation=world.other_city)
    leader = eligible(world, "Leader entry", category=world.leadership)
    for nomination in (to_do, draft, submitted, recused, leader):
        assign(round_, nomination, world.judge, declared=nomination is not to_do)
    rubric = criteria(round_, world.project)
    auth.login(world.judge)
    draft_assignment = sheets_service.assignment_of(world.judge, draft)
    client.post(f"/judging/assignments/{draft_assignment.id}", data=sheet_data(rubric, [5]))
    submitted_assignment = sheets_service.assignment_of(world.judge, submitted)
    client.post(f"/judging/assignments/{submitted_assignment.id}", data=sheet_data(rubric, [5] * 6, submit=True))
    client.post(
        f"/judging/assignments/{sheets_service.assignment_of(world.judge, recused).id}/declaration",
        data={"declaration": "conflict", "reason": "I advised Kigali on this project."},
    )

    page = client.get("/judging/").data.decode()
    listing = page[page.index("<progress") :]
    assert (
        listing.index("Tech-InnovaCity")
        < listing.index("To do entry")
        < listing.index("Leadership")
        < listing.index("Leader entry")
    )
    for label in ("To do", "Draft", "Submitted", "Recused"):
        assert f">{label}</span>" in page
    assert "2 of 5 done" in page  # submitted + recused
    assert '<progress class="judging-progress" max="5" value="2"' in page
    assert "closes in 7 days" in page
    assert "(UTC-03:00, America/Sao_Paulo)" in page  # the judge's own time zone
    assert "America/Sao_Paulo" in page
    next_link = re.search(r'id="next-to-score"\s+href="([^"]+)"', page).group(1)
    first_open = sheets_service.assignment_of(world.judge, to_do)
    assert next_link == f"/judging/assignments/{first_open.id}"


def test_the_next_button_skips_finished_work_and_closed_rounds(client, auth, world, db):
    closed = judging_round(world, name="Earlier round")
    later = judging_round(world, name="Finalists", opens=timedelta(days=-1), closes=timedelta(days=3))
    one, two = eligible(world, "One"), eligible(world, "Two")
    assign(closed, one, world.judge)
    finished = assign(later, one, world.judge, declared=True)
    waiting = assign(later, two, world.judge)
    close(closed)
    rubric = criteria(later, world.project)
    auth.login(world.judge)
    client.post(f"/judging/assignments/{finished.id}", data=sheet_data(rubric, [7] * 6, submit=True))
    page = client.get("/judging/").data.decode()
    assert re.search(r'id="next-to-score"\s+href="([^"]+)"', page).group(1) == f"/judging/assignments/{waiting.id}"
    assert "Round closed" in page
    client.post(f"/judging/assignments/{waiting.id}/declaration", data={"declaration": "conflict", "reason": "Mine"})
    page = client.get("/judging/").data.decode()
    assert "next-to-score" not in page
    assert "Nothing is waiting for you in the open rounds" in page


def test_statuses_are_worked_out_without_a_query_per_assignment(client, auth, world, db, panel):
    round_, first, _second = panel
    committee = judging_round(world, name="Committee", categories=[world.commendation], mode=RoundMode.COMMITTEE)
    assign(round_, first, world.judge)
    commendation = eligible(world, "Mayor's friend", category=world.commendation)
    assign(committee, commendation, world.judge)
    auth.login(world.judge)

    def statements() -> int:
        db.session.commit()  # forget what the test's session holds, as a new request would
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        sa.event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/judging/").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    few = statements()
    for index in range(8):
        nomination = eligible(world, f"Extra {index}", organisation=world.other_city)
        assign(round_, nomination, world.judge, declared=index % 2 == 0)
        assign(committee, eligible(world, f"Commendation {index}", category=world.commendation), world.judge)
    assert statements() == few


def test_an_unknown_time_zone_falls_back_to_utc(client, auth, world, db, panel):
    round_, first, _ = panel
    assign(round_, first, world.judge)
    world.judge.time_zone = "Mars/Olympus_Mons"
    db.session.commit()
    auth.login(world.judge)
    page = client.get("/judging/").data.decode()
    assert "(UTC+00:00, UTC)" in page


def test_a_judge_reading_korean_sees_the_korean_rubric(client, scoring, world, db):
    assignment, _ = scoring
    world.judge.locale = "ko"
    db.session.commit()
    page = page_of(client, assignment)
    assert "문제 중심 혁신" in page and "성과와 영향" in page
    assert 'lang="ko"' in page


def test_a_judge_sees_only_their_own_assignments(client, auth, world, panel):
    round_, first, second = panel
    assign(round_, first, world.judge)
    assign(round_, second, another_judge())
    auth.login(world.judge)
    page = client.get("/judging/").data.decode()
    assert "Odense robot-assisted care" in page
    assert "Kigali smart water meters" not in page


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(days=3, hours=4, minutes=10), "3 days 4 hours"),
        (timedelta(days=1), "1 day"),
        (timedelta(hours=5, minutes=12), "5 hours 12 minutes"),
        (timedelta(minutes=1, seconds=30), "1 minute"),
        (timedelta(seconds=20), "less than a minute"),
    ],
)
def test_time_left_reads_naturally(app, delta, text):
    now = datetime(2026, 6, 1, tzinfo=UTC)
    with app.test_request_context():
        assert time_left(now + delta, now) == text


# --- who may open an assignment ----------------------------------------------------------------------------


def test_only_the_assigned_judge_opens_an_assignment(client, auth, world, panel, db):
    round_, nomination, _ = panel
    assignment = assign(round_, nomination, world.judge, declared=True)
    rubric = criteria(round_, world.project)
    intruder = another_judge()
    assign(round_, nomination, intruder, declared=True)  # even a judge of the same nomination
    urls = [
        f"/judging/assignments/{assignment.id}",
        f"/judging/assignments/{assignment.id}/autosave",
        f"/judging/assignments/{assignment.id}/declaration",
        f"/judging/assignments/{assignment.id}/vote",
    ]
    for user in (intruder, world.secretariat, world.applicant):
        auth.login(user)
        assert client.get(urls[0]).status_code == 403
        for url in urls:
            assert client.post(url, data=sheet_data(rubric, [9] * 6, submit=True)).status_code == 403, (user, url)
        assert client.post(urls[2], data={"declaration": "conflict", "reason": "x"}).status_code == 403
        auth.logout()
    assert count(ScoreSheet) == 0
    assert count(Conflict) == 0
    assert client.get(urls[0]).status_code == 302  # anonymous: to the sign-in page
    auth.login(world.judge)
    assert client.get("/judging/assignments/999999").status_code == 404
    assert client.get("/judging/assignments/99999999999999").status_code == 404


def test_an_assigned_judge_is_sent_from_the_nomination_to_their_scoring_page(client, auth, world, panel):
    round_, nomination, other = panel
    assignment = assign(round_, nomination, world.judge)
    auth.login(world.judge)
    response = client.get(f"/nominations/{nomination.id}")
    assert response.headers["Location"] == f"/judging/assignments/{assignment.id}"
    assert client.get(f"/nominations/{other.id}").status_code == 403


# --- the declaration -------------------------------------------------------------------------------------


def test_the_declaration_comes_before_the_nomination_and_the_rubric(client, auth, world, panel):
    round_, nomination, _ = panel
    assignment = assign(round_, nomination, world.judge)
    auth.login(world.judge)
    page = page_of(client, assignment)
    assert "First, declare any conflict of interest" in page
    assert "City of Odense" in page and "University of Southern Denmark" in page  # enough to recognise a conflict
    assert "Older people waited weeks for help." not in page  # the answers come after the declaration
    assert "Problem-Centered Innovation" not in page
    assert 'name="score_' not in page


def test_declaring_no_conflict_opens_the_score_sheet(client, auth, world, panel, db):
    round_, nomination, _ = panel
    assignment = assign(round_, nomination, world.judge)
    auth.login(world.judge)
    response = client.post(f"/judging/assignments/{assignment.id}/declaration", data={"declaration": "none"})
    assert response.headers["Location"] == f"/judging/assignments/{assignment.id}"
    db.session.refresh(assignment)
    assert assignment.no_conflict_declared_at is not None
    assert actions(nomination)[-1] == "conflict.none_declared"
    page = page_of(client, assignment)
    assert "Older people waited weeks for help." in page
    assert "Problem-Centered Innovation" in page


def test_a_conflict_needs_a_reason(client, auth, world, panel, db):
    round_, nomination, _ = panel
    assignment = assign(round_, nomination, world.judge)
    auth.login(world.judge)
    for data in ({"declaration": "conflict", "reason": "   "}, {}, {"declaration": "maybe"}):
        response = client.post(f"/judging/assignments/{assignment.id}/declaration", data=data)
        assert response.status_code == 200
        assert "is-invalid" in response.data.decode()
    assert (
        "Say briefly what the conflict is."
        in client.post(
            f"/judging/assignments/{assignment.id}/declaration", data={"declaration": "conflict"}
        ).data.decode()
    )
    assert count(Conflict) == 0
    db.session.refresh(assignment)
    assert assignment.no_conflict_declared_at is None


def test_a_declared_conflict_recuses_the_judge(client, auth, world, panel, db):
    round_, nomination, _ = panel
    assignment = assign(round_, nomination, world.judge)
    attachment_id = attach(nomination, PDF).id
    rubric = criteria(round_, world.project)
    auth.login(world.judge)
    client.post(
        f"/judging/assignments/{assignment.id}/declaration",
        data={"declaration": "conflict", "reason": "I advised Odense on this project in 2023."},
    )
    conflict = db.session.scalar(sa.select(Conflict))
    assert (conflict.judge_id, conflict.nomination_id, conflict.recorded_by_id) == (
        world.judge.id,
        nomination.id,
        world.judge.id,
    )
    assert actions(nomination)[-1] == "conflict.declared"
    page = page_of(client, assignment)
    assert "You are recused from this nomination" in page
    assert "I advised Odense on this project in 2023." in page
    assert "Older people waited weeks for help." not in page
    assert "Problem-Centered Innovation" not in page
    # Scores for it are refused, and the nomination and its documents are closed to the judge.
    response = client.post(
        f"/judging/assignments/{assignment.id}", data=sheet_data(rubric, [8] * 6, submit=True), follow_redirects=True
    )
    assert "You are recused from this nomination: nothing was saved." in response.data.decode()
    autosave = client.post(f"/judging/assignments/{assignment.id}/autosave", data=sheet_data(rubric, [8]))
    assert autosave.status_code == 403
    assert autosave.json["saved"] is False
    assert client.get(f"/nominations/{nomination.id}").status_code == 403
    assert client.get(f"/nominations/{nomination.id}/attachments/{attachment_id}").status_code == 403
    # Declaring again changes nothing.
    client.post(f"/judging/assignments/{assignment.id}/declaration", data={"declaration": "none"})
    db.session.refresh(assignment)
    assert assignment.no_conflict_declared_at is None
    assert count(ScoreSheet) == 0
    assert count(Conflict) == 1


def test_a_conflict_found_while_scoring_recuses_too(client, scoring, world, db):
    assignment, rubric = scoring
    client.post(f"/judging/assignments/{assignment.id}", data=sheet_data(rubric, [6, 6]))
    page = page_of(client, assignment)
    assert "I have found a conflict of interest with this nomination" in page
    client.post(
        f"/judging/assignments/{assignment.id}/declaration",
        data={"declaration": "conflict", "reason": "My sister runs the project."},
    )
    assert "You are recused from this nomination" in page_of(client, assignment)
    db.session.expire(assignment)
    assert assignment.status.value == "recused"


def test_scores_wait_for_the_declaration(client, auth, world, panel, db):
    round_, nomination, _ = panel
    assignment = assign(round_, nomination, world.judge)
    rubric = criteria(round_, world.project)
    auth.login(world.judge)
    response = client.post(
        f"/judging/assignments/{assignment.id}", data=sheet_data(rubric, [5] * 6), follow_redirects=True
    )
    assert "Declare whether you have a conflict of interest first." in response.data.decode()
    assert (
        client.post(f"/judging/assignments/{assignment.id}/autosave", data=sheet_data(rubric, [5])).status_code == 403
    )
    assert count(ScoreSheet) == 0


# --- the score sheet ---------------------------------------------------------------------------------------


def test_the_score_sheet_shows_the_nomination_beside_the_rubric(client, scoring, world, db):
    assignment, rubric = scoring
    attachment_id = attach(assignment.nomination, PDF).id
    page = page_of(client, assignment)
    for answer in (
        "Older people waited weeks for help.",
        "Waiting time fell by 38 percent.",
        "https://example.org/odense",
    ):
        assert answer in page
    assert f"/nominations/{assignment.nomination_id}/attachments/{attachment_id}" in page
    download = client.get(f"/nominations/{assignment.nomination_id}/attachments/{attachment_id}")
    download.close()
    assert download.status_code == 200
    assert 'class="col-lg-7"' in page and 'class="col-lg-5"' in page  # two columns on wide screens
    for criterion in rubric:
        assert escape(criterion.name_en) in page
        assert escape(criterion.guidance_en) in page
    assert page.count("Weight: 16.7% of the total") == 6
    # Each score is a choice of the valid ones, with what the live total needs.
    first = rubric[0]
    group = score_group(page, first)
    assert score_values(page, first) == ["", *map(str, range(1, 11))]
    assert 'data-weight="1.000"' in group and 'data-min="1.00"' in group and 'data-max="10.00"' in group
    # Every value has a visible label; nothing chosen yet reads "Not scored", which posts an empty score.
    labels = re.findall(rf'<label class="btn[^"]*" for="score_{first.id}-\d+">([^<]*)</label>', page)
    assert labels == ["Not scored", *map(str, range(1, 11))]
    assert selected(page, first) == ""
    assert f'name="comment_{first.id}"' in page and 'name="overall_comment"' in page
    # No partial total: only the count, until every criterion is scored.
    assert "0 of 6 criteria scored" in page and '<div id="total-box" hidden>' in page
    assert '<script src="/static/js/scoring.js" defer></script>' in page
    assert f'data-autosave-url="/judging/assignments/{assignment.id}/autosave"' in page
    assert "Save draft" in page and "Submit scores" in page


def test_weights_show_as_shares_and_half_points_are_offered(client, scoring, world, db):
    assignment, rubric = scoring
    for criterion in rubric[2:]:
        db.session.delete(criterion)
    rubric[0].weight, rubric[1].weight = Decimal(3), Decimal(1)
    rubric[1].min_score, rubric[1].max_score, rubric[1].step = Decimal(0), Decimal(5), Decimal("0.5")
    db.session.commit()
    page = page_of(client, assignment)
    assert "Weight: 75% of the total" in page and "Weight: 25% of the total" in page
    assert score_values(page, rubric[1])[:4] == ["", "0", "0.5", "1"]
    client.post(f"/judging/assignments/{assignment.id}", data=sheet_data(rubric[:2], [7, "2.5"]))
    # 100 × (3 × 6/9 + 1 × 2.5/5) / 4 = 62.5
    assert sheets_service.sheet_summary(assignment).value == pytest.approx(62.5)
    assert "62.5" in page_of(client, assignment)


def test_a_draft_keeps_partial_scores_and_comes_back(client, auth, scoring, world, db):
    assignment, rubric = scoring
    response = client.post(
        f"/judging/assignments/{assignment.id}",
        data=sheet_data(rubric, [7, None, 4], ["Clear problem statement", "", ""], overall="Promising", version=0),
    )
    assert response.headers["Location"] == f"/judging/assignments/{assignment.id}"
    sheet = db.session.scalar(sa.select(ScoreSheet))
    assert sheet.status is SheetStatus.DRAFT
    assert sheet.version == 1
    assert sorted(str(s.value) for s in sheet.scores if s.value is not None) == ["4.00", "7.00"]
    assert actions(assignment.nomination)[-1] == "scores.saved"
    auth.logout()
    auth.login(world.judge)
    page = page_of(client, assignment)
    assert selected(page, rubric[0]) == "7" and selected(page, rubric[2]) == "4"
    assert selected(page, rubric[1]) in (None, "")
    assert "Clear problem statement" in page and "Promising" in page
    assert "2 of 6 criteria scored" in page
    assert "Draft saved" in page
    assert (
        'name="version" type="hidden" value="1"' in page
        or 'value="1" name="version"' in page
        or re.search(r'name="version"[^>]*value="1"', page)
    )


def test_submitting_needs_every_criterion_and_keeps_what_was_typed(client, scoring, world, db):
    assignment, rubric = scoring
    response = client.post(
        f"/judging/assignments/{assignment.id}",
        data=sheet_data(rubric, [7, 8, None, 6], ["Strong evidence", "", "", "", "", ""], submit=True),
    )
    page = response.data.decode()
    assert response.status_code == 200
    # The 3rd, 5th and 6th criteria: in the summary at the top, and beside each.
    assert page.count("Score every criterion before submitting.") == 6
    summary = page[page.index('id="sheet-problems"') : page.index("</ul>", page.index('id="sheet-problems"'))]
    assert [escape(c.name_en) in summary for c in rubric] == [False, False, True, False, True, True]
    assert f'href="#criterion-{rubric[2].id}"' in summary
    assert _invalid(page, rubric[2])
    assert not _invalid(page, rubric[0])
    assert selected(page, rubric[0]) == "7" and selected(page, rubric[3]) == "6"
    assert "Strong evidence" in page
    assert count(ScoreSheet) == 0  # nothing saved


def _invalid(page: str, criterion: Criterion) -> bool:
    group = re.search(rf'<div[^>]*id="score_{criterion.id}"[^>]*>', page).group(0)
    return "is-invalid" in group and 'aria-invalid="true"' in group


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("11", "Enter a score from 1 to 10."),
        ("0", "Enter a score from 1 to 10."),
        ("-3", "Enter a score from 1 to 10."),
        ("abc", "Enter a number."),
        ("NaN", "Enter a number."),
        ("Infinity", "Enter a number."),
        ("7.5", "Scores go in steps of 1."),
        ("9" * 400, "Enter a score from 1 to 10."),
        ("1e3", "Enter a score from 1 to 10."),
        ("5\x00", "Enter a number."),
    ],
)
def test_invalid_scores_are_refused_at_their_criterion_and_nothing_is_saved(client, scoring, world, db, typed, message):
    assignment, rubric = scoring
    client.post(f"/judging/assignments/{assignment.id}", data=sheet_data(rubric, [5, 5]))
    before = actions()
    data = sheet_data(rubric, [typed, 8, 8, 8, 8, 8], ["changed"] * 6)
    response = client.post(f"/judging/assignments/{assignment.id}", data=data)
    page = response.data.decode()
    assert response.status_code == 200
    assert message in page
    assert "Nothing was saved." in page
    assert _invalid(page, rubric[0]) and not _invalid(page, rubric[1])
    # A value off the scale has no radio: "not scored" is checked (as a select shows its first option), once.
    assert selected(page, rubric[0]) == "" and selected(page, rubric[1]) == "8"
    assert f'value="{escape(typed)}"' not in score_group(page, rubric[0])
    autosave = client.post(f"/judging/assignments/{assignment.id}/autosave", data=data)
    assert autosave.status_code == 422
    assert autosave.json["errors"] == {str(rubric[0].id): message}
    db.session.expire_all()
    sheet = db.session.scalar(sa.select(ScoreSheet))
    assert sheet.version == 1
    assert [str(s.value) if s.value is not None else None for s in sheet.scores][:3] == ["5.00", "5.00", None]
    assert all(s.comment == "" for s in sheet.scores)
    assert actions() == before


def test_half_points_are_accepted_where_the_scale_allows_them(client, scoring, db):
    assignment, rubric = scoring
    rubric[0].step = Decimal("0.5")
    db.session.commit()
    response = client.post(f"/judging/assignments/{assignment.id}", data=sheet_data(rubric, ["7.5", "8"]))
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Score.value).where(Score.criterion_id == rubric[0].id)) == Decimal("7.5")


def test_overlong_comments_are_refused_and_nothing_is_saved(client, scoring, db):
    assignment, rubric = scoring
    response = client.post(f"/judging/assignments/{assignment.id}", data=sheet_data(rubric, [5], ["x" * 5001]))
    assert "Some comments are too long" in response.data.decode()
    autosave = client.post(
        f"/judging/assignments/{assignment.id}/autosave", data=sheet_data(rubric, [5], overall="y" * 10001)
    )
    assert autosave.status_code == 422
    assert count(ScoreSheet) == 0


def test_submission_locks_the_scores_and_shows_them_read_only(client, scoring, world, db):
    assignment, rubric = scoring
    response = client.post(
        f"/judging/assignments/{assignment.id}",
        data=sheet_data(
            rubric,
            [10, 10, 10, 1, 1, 1],
            ["Outstanding"] + [""] * 5,
            overall="A model for others",
            version=0,
            submit=True,
        ),
    )
    assert response.headers["Location"] == "/judging/"
    sheet = db.session.scalar(sa.select(ScoreSheet))
    assert sheet.status is SheetStatus.SUBMITTED and sheet.submitted_at is not None
    assert actions(assignment.nomination)[-1] == "scores.submitted"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "scores.submitted"))
    assert event.actor_id == world.judge.id and event.details["total"] == 50.0
    page = page_of(client, assignment)
    assert "50.0" in page and "6 of 6 criteria scored" in page
    assert "only the secretariat can reopen them" in page
    assert "Outstanding" in page and "A model for others" in page
    assert 'name="score_' not in page and "Submit scores" not in page
    assert f'data-scoring-done="{assignment.id}"' in page
    # Submitting again, or saving, changes nothing.
    for data in (sheet_data(rubric, [2] * 6, submit=True), sheet_data(rubric, [2] * 6)):
        again = client.post(f"/judging/assignments/{assignment.id}", data=data, follow_redirects=True)
        assert "These scores have been submitted; only the secretariat can reopen them." in again.data.decode()
    autosave = client.post(f"/judging/assignments/{assignment.id}/autosave", data=sheet_data(rubric, [2] * 6))
    assert autosave.status_code == 403
    assert "only the secretariat can reopen" in autosave.json["message"]
    db.session.expire_all()
    assert [s.value for s in db.session.scalar(sa.select(ScoreSheet)).scores][:3] == [10, 10, 10]
    assert actions().count("scores.submitted") == 1


def test_the_secretariat_reopens_and_the_judge_scores_again(client, scoring, world, db):
    assignment, rubric = scoring
    client.post(f"/judging/assignments/{assignment.id}", data=sheet_data(rubric, [5] * 6, submit=True))
    sheets_service.reopen_sheet(assignment, world.secretariat)
    page = page_of(client, assignment)
    assert 'name="score_' in page and selected(page, rubric[0]) == "5"
    client.post(f"/judging/assignments/{assignment.id}", data=sheet_data(rubric, [6] * 6, submit=True))
    assert sheets_service.sheet_summary(assignment).value == pytest.approx(500 / 9)


def test_a_closed_round_shows_the_scores_read_only_and_refuses_changes(client, scoring, world, db):
    assignment, rubric = scoring
    client.post(f"/judging/assignments/{assignment.id}", data=sheet_data(rubric, [4, 4]))
    close(assignment.round)
    page = page_of(client, assignment)
    assert "This round is closed: scores can no longer change." in page
    assert "Round closed" in page
    assert 'name="score_' not in page and "Save draft" not in page
    assert "2 of 6 criteria scored" in page
    assert '<span class="fs-3 fw-bold" id="total">—</span>' in page  # 2 of 6: no partial total (it would be 11.1)
    response = client.post(
        f"/judging/assignments/{assignment.id}", data=sheet_data(rubric, [9] * 6, submit=True), follow_redirects=True
    )
    assert "This round is closed" in response.data.decode()
    autosave = client.post(f"/judging/assignments/{assignment.id}/autosave", data=sheet_data(rubric, [9] * 6))
    assert autosave.status_code == 403 and "closed" in autosave.json["message"]
    db.session.expire_all()
    sheet = db.session.scalar(sa.select(ScoreSheet))
    assert sheet.status is SheetStatus.DRAFT and sheet.version == 1
    assert "next-to-score" not in client.get("/judging/").data.decode()


def test_a_round_not_yet_open_takes_no_scores(client, auth, world, db):
    round_ = judging_round(world, opens=timedelta(days=2, minutes=1), closes=timedelta(days=9))
    assignment = assign(round_, eligible(world), world.judge, declared=True)
    rubric = criteria(round_, world.project)
    auth.login(world.judge)
    page = page_of(client, assignment)
    assert "This round has not opened yet." in page and "opens in 2 days" in page
    client.post(f"/judging/assignments/{assignment.id}", data=sheet_data(rubric, [5] * 6))
    assert count(ScoreSheet) == 0


def test_a_rubric_not_ready_yet_is_said_so(client, scoring, db):
    assignment, rubric = scoring
    for criterion in rubric:
        db.session.delete(criterion)
    db.session.commit()
    page = page_of(client, assignment)
    assert "The rubric of this category is not ready yet" in page
    assert "Submit scores" not in page
    response = client.post(f"/judging/assignments/{assignment.id}", data={"submit_scores": "1"}, follow_redirects=True)
    assert "The rubric of this category is not ready yet" in response.data.decode()
    assert count(ScoreSheet) == 0


# --- autosave ----------------------------------------------------------------------------------------------


def test_autosave_answers_in_json_with_the_new_version_and_total(client, scoring, db):
    assignment, rubric = scoring
    response = client.post(
        f"/judging/assignments/{assignment.id}/autosave",
        data=sheet_data(rubric, [10, 1], ["Autosaved comment"], version=0),
    )
    assert response.status_code == 200
    body = response.json
    assert body["saved"] is True
    assert body["version"] == 1
    assert body["total"] == pytest.approx(16.7)
    assert (body["scored"], body["criteria"]) == (2, 6)
    # When, in the judge's zone (the world's judge is in Seoul), and the header's badge now says "Draft".
    assert re.fullmatch(r"Draft saved \d{1,2} \w{3} \d{4}, \d\d:\d\d \(UTC\+09:00, Asia/Seoul\)", body["status"])
    assert "Draft" in body["badge"] and 'class="badge' in body["badge"]
    assert datetime.fromisoformat(body["saved_at"]).tzinfo is not None
    second = client.post(
        f"/judging/assignments/{assignment.id}/autosave", data=sheet_data(rubric, [10, 10], version=1)
    ).json
    assert second["version"] == 2 and second["total"] == pytest.approx(33.3)
    assert actions(assignment.nomination).count("scores.saved") == 2
    assert db.session.scalar(sa.select(ScoreSheet)).status is SheetStatus.DRAFT


def test_a_stale_autosave_from_another_tab_does_not_overwrite(client, scoring, db):
    assignment, rubric = scoring
    client.post(f"/judging/assignments/{assignment.id}/autosave", data=sheet_data(rubric, [3], version=0))
    newer = client.post(f"/judging/assignments/{assignment.id}/autosave", data=sheet_data(rubric, [9], version=1))
    assert newer.json["version"] == 2
    stale = client.post(f"/judging/assignments/{assignment.id}/autosave", data=sheet_data(rubric, [1], version=1))
    assert stale.status_code == 409
    assert stale.json == {
        "saved": False,
        "stale": True,
        "message": "These scores were changed in another window. Reload the page to see the latest.",
    }
    tampered = client.post(
        f"/judging/assignments/{assignment.id}/autosave", data=sheet_data(rubric, [1], version="two")
    )  # type: ignore[arg-type]
    assert tampered.status_code == 409
    db.session.expire_all()
    assert db.session.scalar(sa.select(Score.value).where(Score.criterion_id == rubric[0].id)) == 9


def test_of_two_saves_racing_from_two_windows_only_the_first_counts(client, scoring, world, db):
    assignment, rubric = scoring
    client.post(f"/judging/assignments/{assignment.id}/autosave", data=sheet_data(rubric, [3], version=0))
    db.session.expire_all()
    sheet = db.session.get(type(assignment), assignment.id).sheet  # this request has read version 1 ...
    assert sheet.version == 1
    db.session.execute(
        sa.update(ScoreSheet)
        .values(version=2)  # ... when another window saves
        .execution_options(synchronize_session=False)
    )
    data = sheets_service.SheetInput(scores={rubric[0].id: "9"}, comments={}, overall_comment="")
    with pytest.raises(sheets_service.StaleSheet):
        sheets_service.save_sheet(sheet.assignment, world.judge, data)
    db.session.expire_all()
    assert db.session.scalar(sa.select(Score.value).where(Score.criterion_id == rubric[0].id)) == 3


def test_a_stale_form_post_warns_and_keeps_what_was_typed(client, scoring, db):
    assignment, rubric = scoring
    client.post(f"/judging/assignments/{assignment.id}/autosave", data=sheet_data(rubric, [3], version=0))
    client.post(f"/judging/assignments/{assignment.id}/autosave", data=sheet_data(rubric, [9], version=1))
    response = client.post(
        f"/judging/assignments/{assignment.id}", data=sheet_data(rubric, [1] * 6, version=1, submit=True)
    )
    page = response.data.decode()
    assert "changed in another window" in page
    assert selected(page, rubric[0]) == "1"
    assert re.search(r'name="version"[^>]*value="2"|value="2"[^>]*name="version"', page)
    # The version it was typed on goes with it, for the browser to keep what was typed until the judge chooses.
    assert 'data-stale-base="1"' in page
    assert "data-stale-base" not in client.get(f"/judging/assignments/{assignment.id}").data.decode()
    db.session.expire_all()
    sheet = db.session.scalar(sa.select(ScoreSheet))
    assert sheet.status is SheetStatus.DRAFT and sheet.version == 2


def test_a_refused_submission_is_shown_again_as_unsaved_input(client, scoring, db):
    """Nothing of a refused post is saved: the page says so to the browser, which keeps what it holds."""
    assignment, rubric = scoring
    response = client.post(
        f"/judging/assignments/{assignment.id}", data=sheet_data(rubric, [3], version=0, submit=True)
    )
    page = response.data.decode()
    assert "Nothing was saved" in page and selected(page, rubric[0]) == "3"
    assert "data-unsaved" in page and "data-stale-base" not in page
    assert db.session.scalar(sa.select(ScoreSheet)) is None
    assert "data-unsaved" not in client.get(f"/judging/assignments/{assignment.id}").data.decode()


def test_autosave_checks_the_csrf_token_sent_in_the_header(app, client, scoring, world):
    assignment, rubric = scoring
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        page = page_of(client, assignment)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        data = sheet_data(rubric, [6], version=0)
        refused = client.post(f"/judging/assignments/{assignment.id}/autosave", data=data)
        assert refused.status_code == 400
        saved = client.post(f"/judging/assignments/{assignment.id}/autosave", data=data, headers={"X-CSRFToken": token})
        assert saved.status_code == 200 and saved.json["saved"] is True
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


# --- what a judge never sees ---------------------------------------------------------------------------------


def test_judges_never_see_each_others_scores_or_comments(client, auth, world, panel, db):
    round_, nomination, _ = panel
    mine = assign(round_, nomination, world.judge, declared=True)
    other_judge = another_judge()
    theirs = assign(round_, nomination, other_judge, declared=True)
    rubric = criteria(round_, world.project)
    auth.login(other_judge)
    client.post(
        f"/judging/assignments/{theirs.id}",
        data=sheet_data(
            rubric, [3, 3, 3, 3, 3, 2], ["SECRET-CRITERION-NOTE"] * 6, overall="SECRET-OVERALL-NOTE", submit=True
        ),
    )
    auth.logout()
    auth.login(world.judge)
    for url in ("/judging/", f"/judging/assignments/{mine.id}"):
        page = client.get(url).data.decode()
        assert "SECRET" not in page
        assert "Budi Santoso" not in page
        assert not re.search(r">\s*20\.4\s*<", page)  # the other judge's total (not a timestamp's digits)
    assert client.get(f"/judging/assignments/{theirs.id}").status_code == 403


# --- committee votes ----------------------------------------------------------------------------------------


@pytest.fixture
def committee(world, auth):
    round_ = judging_round(
        world, name="Merit review committee", categories=[world.commendation], mode=RoundMode.COMMITTEE
    )
    nomination = eligible(
        world, "Kim Ji-won, advisory committee", category=world.commendation, answers=COMMENDATION_ANSWERS
    )
    member = assign(round_, nomination, world.judge, declared=True)
    other = assign(round_, nomination, another_judge(), declared=True)
    auth.login(world.judge)
    return member, other


def test_a_committee_member_votes_and_sees_only_their_own_vote(client, committee, world, db):
    member, other = committee
    db.session.add(CommitteeVote(assignment_id=other.id, vote="reject"))
    db.session.commit()
    page = page_of(client, member)
    assert "You have not voted yet." in page
    assert 'name="vote"' in page and "Approve" in page and "Abstain" in page
    assert 'name="score_' not in page
    assert "Reject" in page  # the choice, not the other member's vote
    assert "You voted" not in page
    response = client.post(f"/judging/assignments/{member.id}/vote", data={"vote": "approve"})
    assert response.headers["Location"] == f"/judging/assignments/{member.id}"
    vote = db.session.scalar(sa.select(CommitteeVote).where(CommitteeVote.assignment_id == member.id))
    assert vote.vote.value == "approve"
    assert actions(member.nomination)[-1] == "vote.cast"
    page = page_of(client, member)
    assert "You voted: Approve" in page
    client.post(f"/judging/assignments/{member.id}/vote", data={"vote": "abstain"})
    db.session.refresh(vote)
    assert vote.vote.value == "abstain"
    listing = client.get("/judging/").data.decode()
    assert ">Voted</span>" in listing and "Committee vote" in listing
    assert count(CommitteeVote) == 2


def test_committee_votes_refuse_bad_input_and_closed_rounds(client, committee, db):
    member, _ = committee
    for data in ({}, {"vote": "yes"}, {"vote": "APPROVE"}):
        response = client.post(f"/judging/assignments/{member.id}/vote", data=data, follow_redirects=True)
        assert "Choose approve, reject or abstain." in response.data.decode()
    rubric_post = client.post(f"/judging/assignments/{member.id}/autosave", data={"score_1": "5"})
    assert rubric_post.status_code == 403
    assert count(CommitteeVote) == 0
    close(member.round)
    response = client.post(f"/judging/assignments/{member.id}/vote", data={"vote": "approve"}, follow_redirects=True)
    assert "This round is closed: votes can no longer change." in response.data.decode()
    assert "Votes can be cast only while the round is open." in page_of(client, member)
    assert count(CommitteeVote) == 0


def test_a_scoring_round_takes_no_votes(client, scoring, db):
    assignment, _ = scoring
    response = client.post(
        f"/judging/assignments/{assignment.id}/vote", data={"vote": "approve"}, follow_redirects=True
    )
    assert "This round is scored, not voted." in response.data.decode()
    assert count(CommitteeVote) == 0


def test_the_scoring_pages_are_plain_forms_that_work_signed_in_afresh(client, scoring, world):
    """A judge whose session ended signs in again and finds the sheet where they left it."""
    assignment, rubric = scoring
    client.post(f"/judging/assignments/{assignment.id}", data=sheet_data(rubric, [8]))
    client.post("/auth/logout")
    response = client.get(f"/judging/assignments/{assignment.id}")
    assert "/auth/login" in response.headers["Location"]
    client.post("/auth/login", data={"email": world.judge.email, "password": PASSWORD})
    assert selected(page_of(client, assignment), rubric[0]) == "8"
