"""Feedback to applicants: judges share comments on their score sheets, the secretariat edits or hides them and
releases a round's feedback once the results are published, and each applicant reads only their own, anonymised."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from markupsafe import escape

from awards_app.extensions import db as _db
from awards_app.models import (
    Assignment,
    AuditEvent,
    FeedbackEdit,
    FeedbackRelease,
    Organisation,
    OrganisationType,
    Role,
    RoundMode,
    Score,
    ScoreSheet,
    SheetStatus,
)
from awards_app.services import awards as awards_service
from awards_app.services import publication as publication_service
from awards_app.services import results as results_service
from awards_app.services import sheets as sheets_service
from awards_app.services.imports import scores as score_imports
from tests.conftest import make_user
from tests.functional.judging_helpers import another_judge, assign, close, criteria, eligible, judging_round, sheet_data
from tests.functional.test_imports import TI, fill, upload

#: What each judge shares (S), keeps to the committee (K), and what the secretariat will hide (H) or edit (E).
SHARED_FIRST = "The problem's causes are well evidenced by the residents' survey."
KEPT_FIRST = "Committee only: the budget table does not add up."
TO_HIDE = "Frankly the weakest of my batch; the mayor's office oversold it."
TO_EDIT = "Good monitoring, but the Odense team ignored my earlier advice."
EDITED = "Good monitoring; the plan could say how residents' advice was taken up."
OVERALL_SHARED = "A convincing project that others could copy."


@pytest.fixture
def panel(world, db):
    """An open round of the project category: the world's applicant's nomination, the other applicant's and two
    more, each assigned to three judges who declared no conflict."""
    round_ = judging_round(world)
    lima = Organisation(name="Lima", type=OrganisationType.CITY, country_code="PE", city="Lima")
    seoul = Organisation(name="Seoul", type=OrganisationType.CITY, country_code="KR", city="Seoul")
    db.session.add_all([lima, seoul])
    db.session.commit()
    mine = eligible(world, "Odense robot-assisted care")
    theirs = eligible(world, "Kigali smart water meters", organisation=world.other_city)
    lima_entry = eligible(world, "Lima air sensors", organisation=lima)
    seoul_entry = eligible(world, "Seoul night buses", organisation=seoul)
    judges = [world.judge, another_judge("budi@judges.example", "Budi Santoso"), another_judge("chen@judges.example")]
    assignments = {
        (n.id, j.id): assign(round_, n, j, declared=True)
        for n in (mine, theirs, lima_entry, seoul_entry)
        for j in judges
    }
    return round_, criteria(round_, world.project), judges, (mine, theirs, lima_entry, seoul_entry), assignments


def _submit(assignment, rubric, value: int, comments=None, shared=(), overall="", overall_shared=False):
    """A judge's sheet, submitted through the service: ``comments`` by criterion index, ``shared`` their indexes."""
    sheets_service.save_sheet(
        assignment,
        assignment.judge,
        sheets_service.SheetInput(
            {c.id: str(value) for c in rubric},
            {rubric[i].id: text for i, text in (comments or {}).items()},
            overall,
            None,
            shared=frozenset(rubric[i].id for i in shared),
            overall_shared=overall_shared,
        ),
        submit=True,
    )


@pytest.fixture
def scored(panel):
    """Every sheet submitted: on the world's applicant's nomination, the first judge shares a comment and keeps
    another, the second shares two (one to hide, one to edit) and the overall comment; the other nominations carry
    comments of their own."""
    _round, rubric, judges, nominations, assignments = panel
    mine, theirs, lima_entry, seoul_entry = nominations
    first, second, third = judges
    _submit(assignments[mine.id, first.id], rubric, 8, {0: SHARED_FIRST, 1: KEPT_FIRST}, shared=[0])
    _submit(
        assignments[mine.id, second.id],
        rubric,
        7,
        {0: TO_HIDE, 2: TO_EDIT},
        shared=[0, 2],
        overall=OVERALL_SHARED,
        overall_shared=True,
    )
    _submit(assignments[mine.id, third.id], rubric, 8)
    _submit(assignments[theirs.id, first.id], rubric, 5, {0: "Kigali: the meters need a maintenance plan."}, [0])
    _submit(assignments[theirs.id, second.id], rubric, 6)
    _submit(assignments[theirs.id, third.id], rubric, 5)
    for entry, value in ((lima_entry, 4), (seoul_entry, 9)):
        for judge in judges:
            _submit(assignments[entry.id, judge.id], rubric, value)
    return panel


def _publish(world, round_):
    close(round_)
    awards_service.assign_tiers(round_, world.project, world.secretariat)
    publication_service.publish(world.edition, world.secretariat)


def _comment(round_, nomination, judge, criterion) -> tuple[int, str]:
    """The sheet and criterion fields that name a shared comment in the secretariat's forms."""
    sheet = _db.session.scalar(
        sa.select(ScoreSheet)
        .join(ScoreSheet.assignment)
        .where(
            Assignment.nomination_id == nomination.id, Assignment.judge_id == judge.id, Assignment.round_id == round_.id
        )
    )
    return sheet.id, (str(criterion.id) if criterion is not None else "overall")


def _feedback_url(round_) -> str:
    return f"/secretariat/rounds/{round_.id}/feedback"


def _actions() -> list[str]:
    return list(
        _db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.action.like("feedback.%")).order_by(AuditEvent.id)
        )
    )


# --- the judge's side ----------------------------------------------------------------------------------------


def test_a_judge_shares_a_comment_by_ticking_it_on_the_page_and_in_autosave(client, auth, world, panel):
    _round, rubric, _judges, (mine, *_others), assignments = panel
    assignment = assignments[mine.id, world.judge.id]
    auth.login(world.judge)
    page = client.get(f"/judging/assignments/{assignment.id}").get_data(as_text=True)
    # A tick beside each comment and the overall one, off by default, saying what sharing means.
    for criterion in rubric:
        tick = re.search(rf'<input[^>]*name="share_{criterion.id}"[^>]*>', page).group(0)
        assert 'type="checkbox"' in tick and "checked" not in tick and 'aria-describedby="share-help"' in tick
    assert re.search(r'<input[^>]*name="share_overall"[^>]*type="checkbox"', page)
    assert page.count("Share with the applicant") >= len(rubric) + 1
    assert "without your name" in page

    # Saved as a draft from the page: only the ticked comments are shared.
    data = sheet_data(rubric, [7] * 6, ["Clear causes.", "Committee only."], overall="Overall, fine.")
    data.update({f"share_{rubric[0].id}": "y", "share_overall": "y"})
    assert client.post(f"/judging/assignments/{assignment.id}", data=data).status_code == 302
    sheet = _db.session.scalar(sa.select(ScoreSheet).where(ScoreSheet.assignment_id == assignment.id))
    shared = {s.criterion_id: s.shared for s in sheet.scores}
    assert shared[rubric[0].id] is True and shared[rubric[1].id] is False and sheet.overall_shared is True
    page = client.get(f"/judging/assignments/{assignment.id}").get_data(as_text=True)
    assert re.search(rf'<input[^>]*name="share_{rubric[0].id}"[^>]*checked', page)
    assert not re.search(rf'<input[^>]*name="share_{rubric[1].id}"[^>]*checked', page)

    # Autosave takes the ticks as the page posts them: a tick missing is a comment no longer shared.
    data = sheet_data(rubric, [7] * 6, ["Clear causes.", "Committee only."], overall="Overall, fine.")
    data.update({f"share_{rubric[1].id}": "y", "version": str(sheet.version)})
    answer = client.post(f"/judging/assignments/{assignment.id}/autosave", data=data)
    assert answer.status_code == 200 and answer.json["saved"]
    _db.session.expire_all()
    sheet = _db.session.get(ScoreSheet, sheet.id)
    shared = {s.criterion_id: s.shared for s in sheet.scores}
    assert shared[rubric[0].id] is False and shared[rubric[1].id] is True and sheet.overall_shared is False
    saved = _db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "scores.saved").order_by(AuditEvent.id)
    ).all()
    assert saved[-1].details["shared"] == [str(rubric[1].id)]  # the audit trail keeps what was shared

    # Submitted, the read-only sheet says which comments are shared.
    data = sheet_data(rubric, [7] * 6, ["Clear causes.", "Committee only."], version=sheet.version, submit=True)
    data[f"share_{rubric[1].id}"] = "y"
    assert client.post(f"/judging/assignments/{assignment.id}", data=data).status_code == 302
    page = client.get(f"/judging/assignments/{assignment.id}").get_data(as_text=True)
    assert page.count("Shared with the applicant") == 1


def test_the_offline_workbook_neither_sets_nor_clears_a_tick(client, auth, world, panel):
    round_, rubric, _judges, (mine, *_others), assignments = panel
    assignment = assignments[mine.id, world.judge.id]
    sheets_service.save_sheet(
        assignment,
        world.judge,
        sheets_service.SheetInput(
            {rubric[0].id: "6"}, {rubric[0].id: "Shared from the web."}, "", None, frozenset({rubric[0].id}), True
        ),
    )
    auth.login(world.judge)
    download = client.get(f"/judging/rounds/{round_.id}/offline.xlsx").data
    row = {f"{i}. {c.name_en}": 8 for i, c in enumerate(rubric, start=1)}
    filled = fill(download, TI, [{**row, "1. Comment": "Shared, and rewritten offline."}])
    response = upload(client, f"/judging/rounds/{round_.id}/offline", filled)
    assert response.status_code == 302
    _db.session.expire_all()
    sheet = _db.session.scalar(sa.select(ScoreSheet).where(ScoreSheet.assignment_id == assignment.id))
    first = next(s for s in sheet.scores if s.criterion_id == rubric[0].id)
    assert first.comment == "Shared, and rewritten offline." and first.value == 8
    assert first.shared is True and sheet.overall_shared is True
    assert not any(s.shared for s in sheet.scores if s.criterion_id != rubric[0].id)
    assert score_imports.offline_refusal(world.judge, round_) is None


# --- the secretariat's side ----------------------------------------------------------------------------------


def test_the_secretariat_reads_the_shared_comments_and_edits_hides_and_restores_them(client, auth, world, scored):
    round_, rubric, (first, second, _third), (mine, *_others), _assignments = scored
    auth.login(world.secretariat)
    page = client.get(_feedback_url(round_)).get_data(as_text=True)
    assert re.search(rf'class="nav-link active"\s+aria-current="page"\s+href="{_feedback_url(round_)}"', page)
    for text in (SHARED_FIRST, TO_HIDE, TO_EDIT, OVERALL_SHARED):
        assert escape(text) in page
    assert escape(KEPT_FIRST) not in page  # not ticked: it stays with the committee
    assert "Budi Santoso" in page  # the secretariat may see who wrote what
    assert "5 comments shared · on 2 nominations · 0 hidden · 0 edited" in page
    assert "Not released" in page and "The round has not closed yet" in page

    edit = f"{_feedback_url(round_)}/edit"
    visibility = f"{_feedback_url(round_)}/visibility"
    sheet_id, criterion = _comment(round_, mine, second, rubric[2])
    # Refusals change nothing.
    refusals = [
        ({"sheet": sheet_id, "criterion": criterion, "text": "   "}, "Write the text the applicant will read"),
        ({"sheet": sheet_id, "criterion": criterion, "text": TO_EDIT}, "That is the text applicants already read"),
        ({"sheet": sheet_id, "criterion": criterion, "text": "x" * 5001}, "within 5000 characters"),
        ({"sheet": "9999", "criterion": criterion, "text": "Anything"}, "This comment is not shared"),
        ({"sheet": sheet_id, "criterion": "nonsense", "text": "Anything"}, "The form was incomplete"),
        # The first judge's second comment is not shared: there is nothing to edit.
        (
            {"sheet": _comment(round_, mine, first, rubric[1])[0], "criterion": rubric[1].id, "text": "Leak"},
            "This comment is not shared",
        ),
    ]
    for data, message in refusals:
        response = client.post(edit, data=data, follow_redirects=True)
        assert response.status_code == 200 and message in response.get_data(as_text=True), message
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(FeedbackEdit)) == 0
    assert _actions() == []

    # Edited: applicants will read the edit, the judge's words are kept.
    response = client.post(edit, data={"sheet": sheet_id, "criterion": criterion, "text": EDITED})
    assert response.status_code == 302
    page = client.get(_feedback_url(round_)).get_data(as_text=True)
    assert escape(EDITED) in page and "Edited" in page and "The judge's words" in page
    score = _db.session.scalar(sa.select(Score).where(Score.sheet_id == sheet_id, Score.criterion_id == rubric[2].id))
    assert score.comment == TO_EDIT  # the judge's own words are never changed
    # Hidden, then an attempt to hide it again is refused.
    hide_id, hide_criterion = _comment(round_, mine, second, rubric[0])
    client.post(visibility, data={"sheet": hide_id, "criterion": hide_criterion, "hidden": "1"})
    again = client.post(visibility, data={"sheet": hide_id, "criterion": hide_criterion, "hidden": "1"})
    assert again.status_code == 302
    assert "already hidden" in client.get(_feedback_url(round_)).get_data(as_text=True)
    assert "5 comments shared · on 2 nominations · 1 hidden · 1 edited" in client.get(_feedback_url(round_)).get_data(
        as_text=True
    )
    # Shown again, and the edit restored to the judge's words.
    client.post(visibility, data={"sheet": hide_id, "criterion": hide_criterion, "hidden": "0"})
    client.post(edit, data={"sheet": sheet_id, "criterion": criterion, "restore": "1"})
    edits = _db.session.scalars(sa.select(FeedbackEdit)).all()
    assert all(e.text is None and not e.hidden for e in edits)
    assert _actions() == ["feedback.edited", "feedback.hidden", "feedback.shown", "feedback.restored"]
    edited = _db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "feedback.edited"))
    assert edited.details["before"] == TO_EDIT and edited.details["after"] == EDITED
    assert edited.nomination_id == mine.id and edited.details["released"] is False
    log = client.get("/secretariat/audit").get_data(as_text=True)
    assert "Shared comment of Budi Santoso on" in log and "hidden from the applicant" in log
    # The overall comment is edited like a criterion's.
    overall_sheet, overall = _comment(round_, mine, second, None)
    client.post(edit, data={"sheet": overall_sheet, "criterion": overall, "text": "A convincing project."})
    assert _db.session.scalar(sa.select(FeedbackEdit).where(FeedbackEdit.criterion_id.is_(None))).text == (
        "A convincing project."
    )


def test_an_edit_the_judge_overtook_is_flagged(client, auth, world, scored):
    round_, rubric, (_first, second, _third), (mine, *_others), _assignments = scored
    auth.login(world.secretariat)
    sheet_id, criterion = _comment(round_, mine, second, rubric[2])
    client.post(f"{_feedback_url(round_)}/edit", data={"sheet": sheet_id, "criterion": criterion, "text": EDITED})
    score = _db.session.scalar(sa.select(Score).where(Score.sheet_id == sheet_id, Score.criterion_id == rubric[2].id))
    score.comment = "Rewritten by the judge after a reopening."
    _db.session.commit()
    page = client.get(_feedback_url(round_)).get_data(as_text=True)
    assert "The judge has changed this comment since it was edited" in page
    assert escape(EDITED) in page  # applicants still read the reviewed edit


def test_release_waits_for_the_published_results_is_confirmed_and_can_be_withdrawn(
    app, client, auth, world, scored, smtp_inbox
):
    round_, rubric, (_first, second, _third), (mine, _theirs, *_others), _assignments = scored
    auth.login(world.secretariat)
    release = f"{_feedback_url(round_)}/release"
    # Open round: refused, and nothing released.
    assert "The round has not closed yet" in client.get(release).get_data(as_text=True)
    response = client.post(release, data={"confirm": "y"}, follow_redirects=True)
    assert "The round has not closed yet" in response.get_data(as_text=True)
    close(round_)
    page = client.get(release).get_data(as_text=True)
    assert "The results of Test Prize 2026 are not published yet" in page
    assert 'name="submit_release"' not in page
    client.post(release, data={"confirm": "y"})
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(FeedbackRelease)) == 0

    awards_service.assign_tiers(round_, world.project, world.secretariat)
    publication_service.publish(world.edition, world.secretariat)
    smtp_inbox.messages.clear()  # the results' own e-mails
    page = client.get(release).get_data(as_text=True)
    assert "the 5 shared comments that are not hidden, as edited" in page
    # All four nominations have something to read (the category has four scored): their two applicants' addresses.
    assert "The applicants of 4 nominations have something to read" in page and "2 addresses in all." in page
    # Not confirmed: nothing released.
    response = client.post(release, data={}, follow_redirects=True)
    assert "Tick the box to confirm the release" in response.get_data(as_text=True)
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(FeedbackRelease)) == 0
    response = client.post(release, data={"confirm": "y"}, follow_redirects=True)
    assert "The feedback is released; the applicants of 4 nominations are being told." in response.get_data(
        as_text=True
    )
    told = {message["To"]: message for message in smtp_inbox.messages}
    assert set(told) == {world.applicant.email, world.other_applicant.email}
    body = told[world.applicant.email].get_content()
    assert "The judges' feedback on your nomination in Online evaluation of Test Prize 2026 is ready" in body
    assert f"http://localhost/nominations/{mine.id}#feedback" in body
    assert SHARED_FIRST not in body  # the e-mail says where to read it, never what it says
    assert told[world.applicant.email]["Subject"] == f"Feedback on your nomination {mine.reference}"
    assert "Released" in client.get(_feedback_url(round_)).get_data(as_text=True)
    # Released twice: refused.
    response = client.post(release, data={"confirm": "y"}, follow_redirects=True)
    assert "already released" in response.get_data(as_text=True)

    # An edit after release is allowed, and the audit trail says it came after release.
    sheet_id, criterion = _comment(round_, mine, second, rubric[2])
    client.post(f"{_feedback_url(round_)}/edit", data={"sheet": sheet_id, "criterion": criterion, "text": EDITED})
    edited = _db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "feedback.edited"))
    assert edited.details["released"] is True and edited.summary.endswith("after release")
    assert "(after the feedback was released)" in client.get("/secretariat/audit").get_data(as_text=True)

    # Withdrawn with a reason (none: refused), then released again without e-mailing anyone twice.
    withdraw = f"{_feedback_url(round_)}/withdraw"
    response = client.post(withdraw, data={"reason": ""}, follow_redirects=True)
    assert "Say why the feedback is withdrawn" in response.get_data(as_text=True)
    assert _db.session.scalar(sa.select(FeedbackRelease)).withdrawn_at is None
    client.post(withdraw, data={"reason": "A comment names a colleague"})
    _db.session.expire_all()
    assert _db.session.scalar(sa.select(FeedbackRelease)).withdrawal_reason == "A comment names a colleague"
    response = client.post(withdraw, data={"reason": "Again"}, follow_redirects=True)
    assert "is not released" in response.get_data(as_text=True)
    smtp_inbox.messages.clear()
    assert "releasing it again e-mails no one" in client.get(release).get_data(as_text=True)
    response = client.post(release, data={"confirm": "y"}, follow_redirects=True)
    assert "released again; applicants were told at its first release" in response.get_data(as_text=True)
    assert smtp_inbox.messages == []
    assert _actions() == ["feedback.released", "feedback.edited", "feedback.withdrawn", "feedback.released"]
    page = client.get(_feedback_url(round_)).get_data(as_text=True)
    assert "withdrawn on" in page and "A comment names a colleague" in page


def test_a_committee_round_has_no_feedback_page(client, auth, world, db):
    committee = judging_round(world, "Merit review", categories=[world.commendation], mode=RoundMode.COMMITTEE)
    auth.login(world.secretariat)
    assert client.get(_feedback_url(committee)).status_code == 404
    assert client.get(f"/secretariat/rounds/{committee.id}/progress").get_data(as_text=True).count("/feedback") == 0


# --- the applicant's side ------------------------------------------------------------------------------------


def _page(client, nomination) -> tuple[int, str]:
    response = client.get(f"/nominations/{nomination.id}")
    return response.status_code, response.get_data(as_text=True)


def _release(client, auth, world, round_) -> None:
    auth.login(world.secretariat)
    response = client.post(f"{_feedback_url(round_)}/release", data={"confirm": "y"})
    assert response.status_code == 302
    auth.logout()


def test_the_applicant_reads_the_shared_comments_as_released_and_nobody_else_does(client, auth, world, scored):
    round_, rubric, (first, second, third), (mine, theirs, *_others), _assignments = scored
    secret_words = (KEPT_FIRST, TO_HIDE, TO_EDIT, OVERALL_SHARED, SHARED_FIRST, EDITED, "Kigali: the meters")

    def nothing_to_read(page: str) -> None:
        assert "Feedback from the judges" not in page
        assert not any(escape(words) in page for words in secret_words)

    # Before the results: nothing.
    auth.login(world.applicant)
    status, page = _page(client, mine)
    assert status == 200
    nothing_to_read(page)
    auth.logout()
    _publish(world, round_)
    # The results are out, the feedback not released: still nothing.
    auth.login(world.applicant)
    nothing_to_read(_page(client, mine)[1])
    auth.logout()
    # The secretariat hides one comment and edits another, then releases.
    auth.login(world.secretariat)
    hide_id, hide_criterion = _comment(round_, mine, second, rubric[0])
    client.post(
        f"{_feedback_url(round_)}/visibility", data={"sheet": hide_id, "criterion": hide_criterion, "hidden": "1"}
    )
    sheet_id, criterion = _comment(round_, mine, second, rubric[2])
    client.post(f"{_feedback_url(round_)}/edit", data={"sheet": sheet_id, "criterion": criterion, "text": EDITED})
    auth.logout()
    _release(client, auth, world, round_)

    auth.login(world.applicant)
    status, page = _page(client, mine)
    assert status == 200 and "Feedback from the judges" in page
    feedback = page[page.index('id="feedback"') :]
    # Exactly the shared, unhidden comments, as edited, by criterion, the judges numbered and never named.
    assert escape(SHARED_FIRST) in feedback and escape(EDITED) in feedback and escape(OVERALL_SHARED) in feedback
    for words in (KEPT_FIRST, TO_HIDE, TO_EDIT, "Kigali: the meters"):
        assert escape(words) not in page
    for judge in (first, second, third):
        assert judge.name not in page and judge.email not in page
    remarks = re.findall(
        r'<span class="fw-semibold">(Judge \d+)</span>: <span class="answer-text">([^<]*)</span>', page
    )
    # Numbered in the order their comments are read: the first judge is Judge 1, the second Judge 2; the third shared
    # nothing.
    assert remarks == [
        ("Judge 1", escape(SHARED_FIRST)),
        ("Judge 2", escape(EDITED)),
        ("Judge 2", escape(OVERALL_SHARED)),
    ]
    headings = re.findall(r'<h4 class="h6 mt-3 mb-1">([^<]*)</h4>', feedback)
    assert headings == [escape(rubric[0].name_en), escape(rubric[2].name_en), "Overall"]

    # The other applicant: a 403 on this nomination, and on their own nomination only their own comment.
    auth.logout()
    auth.login(world.other_applicant)
    assert client.get(f"/nominations/{mine.id}").status_code == 403
    status, page = _page(client, theirs)
    assert status == 200 and "Kigali: the meters need a maintenance plan." in page
    assert not any(escape(words) in page for words in (SHARED_FIRST, EDITED, OVERALL_SHARED))
    auth.logout()
    # A judge is sent to their own score sheet, which holds their own words and nobody's feedback page.
    auth.login(world.judge)
    response = client.get(f"/nominations/{mine.id}")
    assert response.status_code == 302 and "/judging/assignments/" in response.headers["Location"]
    assert "Feedback from the judges" not in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get(f"/secretariat/rounds/{round_.id}/feedback").status_code == 403
    outsider = make_user("outsider@judges.example", [Role.JUDGE], name="Outsider")
    _db.session.commit()
    auth.logout()
    auth.login(outsider)
    assert client.get(f"/nominations/{mine.id}").status_code == 403
    auth.logout()

    # Withdrawn: nothing again; released again: back.
    auth.login(world.secretariat)
    client.post(f"{_feedback_url(round_)}/withdraw", data={"reason": "Checking a comment"})
    auth.logout()
    auth.login(world.applicant)
    nothing_to_read(_page(client, mine)[1])
    auth.logout()
    _release(client, auth, world, round_)
    auth.login(world.applicant)
    assert escape(EDITED) in _page(client, mine)[1]
    auth.logout()
    # The results withdrawn: the feedback goes with them.
    auth.login(world.secretariat)
    client.post(f"/secretariat/rounds/{round_.id}/results/withdraw", data={"reason": "A score was wrong"})
    auth.logout()
    auth.login(world.applicant)
    nothing_to_read(_page(client, mine)[1])


def test_the_applicant_sees_where_the_score_sits_and_criteria_in_their_language(client, auth, world, scored):
    round_, rubric, _judges, (mine, *_others), _assignments = scored
    _publish(world, round_)
    _release(client, auth, world, round_)
    auth.login(world.applicant)
    page = _page(client, mine)[1]
    ranking = results_service.category_results(round_, world.project).ranking
    score = float(ranking.loc[ranking["nomination_id"] == mine.id, "score"].iloc[0])
    assert f"Your nomination's score in this round: {score:.1f} out of 100" in page
    assert "Mean of the judges" in page
    chart = page[page.index('<figure class="chart-figure distribution-figure">') :]
    chart = chart[: chart.index("</figure>")]
    assert 'role="img"' in chart and "<title" in chart and "<desc" in chart
    assert f"Your nomination: {score:.1f}" in chart
    assert "4 scored nominations" in chart
    # No other nomination is named, on the chart or anywhere on the page.
    for other in _others:
        assert other.title not in page and other.reference not in page
    # Four nominations, 100 × (s − 1) / 9 on the 1–10 scale: Lima 33.3, Kigali 48.1, this one 74.1, Seoul 88.9.
    rows = re.findall(r"<tr[^>]*><td>([^<]*)</td><td>(\d+)", page)
    assert [(band, int(n)) for band, n in rows if int(n)] == [("30–40", 1), ("40–50", 1), ("70–80", 1), ("80–90", 1)]
    assert re.search(r'<tr class="fw-semibold"><td>70–80</td><td>1 \(with yours\)', page)

    # In Korean, the criteria are named in Korean where they have a Korean name.
    rubric[0].name_ko = "문제 중심 혁신"
    world.applicant.locale = "ko"
    _db.session.commit()
    assert "문제 중심 혁신" in _page(client, mine)[1]


def test_a_category_too_small_for_a_chart_says_why(client, auth, world, panel):
    round_, rubric, judges, (mine, theirs, lima_entry, seoul_entry), assignments = panel
    for entry in (lima_entry, seoul_entry):
        for judge in judges:
            _db.session.delete(assignments[entry.id, judge.id])
    _db.session.commit()
    for entry, value in ((mine, 8), (theirs, 5)):
        for judge in judges:
            _submit(assignments[entry.id, judge.id], rubric, value, {0: "Shared."}, [0])
    _publish(world, round_)
    _release(client, auth, world, round_)
    auth.login(world.applicant)
    page = _page(client, mine)[1]
    assert "Judge 3" in page and "distribution-figure" not in page
    assert "your category had 2 scored nominations in this round, and a chart is drawn from 3" in page


def test_the_secretariat_previews_what_an_applicant_reads(client, auth, world, scored):
    round_, _rubric, _judges, (mine, *_others), _assignments = scored
    auth.login(world.secretariat)
    page = client.get(f"{_feedback_url(round_)}/nominations/{mine.id}").get_data(as_text=True)
    assert "A preview" in page and escape(SHARED_FIRST) in page and "Judge 1" in page
    assert "Budi Santoso" not in page[page.index('id="feedback"') :]
    assert client.get(f"{_feedback_url(round_)}/nominations/999999").status_code == 404


def test_the_feedback_page_makes_no_query_per_nomination(client, auth, world, scored):
    from tests.functional.test_query_counts import _queries

    round_, rubric, judges, _nominations, _assignments = scored
    auth.login(world.secretariat)
    few = _queries(client, _feedback_url(round_))
    for number in range(6):
        organisation = Organisation(name=f"City {number}", type=OrganisationType.CITY, country_code="KE", city="X")
        _db.session.add(organisation)
        _db.session.commit()
        nomination = eligible(world, f"Project {number}", organisation=organisation)
        for judge in judges:
            _submit(assign(round_, nomination, judge, declared=True), rubric, 6, {1: "Shared."}, [1], "All.", True)
    assert _queries(client, _feedback_url(round_)) == few


def test_judge_numbers_start_again_on_each_nomination(client, auth, world, scored):
    round_, rubric, (first, second, _third), (mine, theirs, *_others), assignments = scored
    # On the other nomination the first judge's comment is hidden and the second judge shares one: there the second
    # judge is Judge 1, while on the world's applicant's nomination they are Judge 2.
    assignments[theirs.id, second.id].sheet.status = SheetStatus.DRAFT
    _db.session.commit()
    _submit(assignments[theirs.id, second.id], rubric, 6, {3: "Second judge's remark."}, [3])
    _publish(world, round_)
    auth.login(world.secretariat)
    hide_id, hide_criterion = _comment(round_, theirs, first, rubric[0])
    client.post(
        f"{_feedback_url(round_)}/visibility", data={"sheet": hide_id, "criterion": hide_criterion, "hidden": "1"}
    )
    auth.logout()
    _release(client, auth, world, round_)
    pattern = r'<span class="fw-semibold">(Judge \d+)</span>: <span class="answer-text">([^<]*)'
    auth.login(world.other_applicant)
    assert re.findall(pattern, _page(client, theirs)[1]) == [("Judge 1", escape("Second judge's remark."))]
    auth.logout()
    auth.login(world.applicant)
    assert ("Judge 2", escape(OVERALL_SHARED)) in re.findall(pattern, _page(client, mine)[1])
