"""The judge's day in a flow: declarations for several nominations at once from the list, "submit and open the
next", and the list itself as one sortable table with the judge's own totals."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from awards_app.extensions import db as _db
from awards_app.models import Assignment, AuditEvent, Conflict, SheetStatus
from awards_app.services import sheets as sheets_service
from tests.conftest import count

from .judging_helpers import another_judge, assign, close, criteria, eligible, judging_round, sheet_data


def actions() -> list[tuple[str, int]]:
    return list(_db.session.execute(sa.select(AuditEvent.action, AuditEvent.nomination_id).order_by(AuditEvent.id)))


def declared(*assignments: Assignment) -> list[bool]:
    for assignment in assignments:
        _db.session.refresh(assignment)
    return [a.no_conflict_declared_at is not None for a in assignments]


def flashed(page: str) -> str:
    """The text of the page's alerts, as one string."""
    return " ".join(
        re.sub(r"<[^>]+>", " ", m) for m in re.findall(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', page, re.S)
    )


@pytest.fixture
def waiting(world, auth):
    """Three nominations of an open round assigned to the world's judge, none declared yet; the judge signed in."""
    round_ = judging_round(world)
    nominations = [
        eligible(world, "Odense robot-assisted care"),
        eligible(world, "Kigali smart water meters", organisation=world.other_city),
        eligible(world, "Odense harbour baths"),
    ]
    assignments = [assign(round_, n, world.judge) for n in nominations]
    auth.login(world.judge)
    return round_, assignments


def declarations(page: str) -> str:
    """The form of declarations on the list."""
    start = page.index('id="declarations"')
    return page[start : page.index("</form>", start)]


def batch(ids, conflict="", reason="", confirm=True) -> dict:
    data = {"no_conflict": [str(i) for i in ids], "conflict": str(conflict), "reason": reason}
    if confirm:
        data["confirm"] = "y"
    return data


# --- declarations for several nominations at once ------------------------------------------------------------


def test_the_list_offers_the_waiting_declarations_with_what_the_judge_declares_for(client, world, waiting, db):
    _round, (first, second, third) = waiting
    closed_round = judging_round(world, name="Earlier round")
    elsewhere = assign(closed_round, eligible(world, "Closed round entry"), world.judge)
    close(closed_round)
    third.no_conflict_declared_at = third.created_at
    db.session.commit()
    page = client.get("/judging/").data.decode()
    form = declarations(page)
    for assignment in (first, second):
        nomination = assignment.nomination
        assert f'name="no_conflict" value="{assignment.id}"' in form
        assert nomination.reference in form and nomination.title in form and nomination.organisation.name in form
    assert "Denmark" in form and "Rwanda" in form  # the country of each
    assert f'value="{third.id}"' not in form  # already declared
    assert f'value="{elsewhere.id}"' not in form  # its round is closed
    assert "I have read the nominations listed above (reference, title, organisation and country)" in form
    assert re.search(rf'value="{first.id}"[^>]*checked', form)  # all ticked at first: the judge unticks


def test_no_conflict_with_the_ticked_ones_and_a_conflict_with_one(client, world, waiting, db):
    _round, (first, second, third) = waiting
    response = client.post(
        "/judging/?sort=-reference",
        data=batch([first.id], conflict=second.id, reason="I advised Kigali on the meters."),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/judging/?sort=-reference"
    assert declared(first, second, third) == [True, False, False]
    conflict = db.session.scalar(sa.select(Conflict))
    assert (conflict.judge_id, conflict.nomination_id, conflict.reason) == (
        world.judge.id,
        second.nomination_id,
        "I advised Kigali on the meters.",
    )
    # Audited as the declarations made one by one are.
    assert actions()[-2:] == [
        ("conflict.none_declared", first.nomination_id),
        ("conflict.declared", second.nomination_id),
    ]
    page = client.get("/judging/").data.decode()
    assert "You declared no conflict of interest with 1 nomination: you can now score it." in flashed(page)
    assert f"Your conflict of interest with {second.nomination.reference} is recorded" in flashed(page)
    # The one left waiting is still offered, alone; the others no longer are.
    form = declarations(page)
    assert f'name="no_conflict" value="{third.id}"' in form
    assert f'name="no_conflict" value="{first.id}"' not in form
    assert f'name="no_conflict" value="{second.id}"' not in form


def test_all_at_once_then_scoring_opens(client, world, waiting, db):
    _round, assignments = waiting
    response = client.post("/judging/", data=batch([a.id for a in assignments]), follow_redirects=True)
    page = response.data.decode()
    assert "You declared no conflict of interest with 3 nominations: you can now score them." in page
    assert declared(*assignments) == [True, True, True]
    assert [action for action, _ in actions()].count("conflict.none_declared") == 3
    assert 'id="declarations"' not in page  # nothing left to declare
    assert 'name="score_' in client.get(f"/judging/assignments/{assignments[0].id}").data.decode()


def test_one_by_one_stays_possible(client, world, waiting, db):
    _round, (first, *_rest) = waiting
    page = client.get("/judging/").data.decode()
    assert f'href="/judging/assignments/{first.id}">Read and declare' in page
    client.post(f"/judging/assignments/{first.id}/declaration", data={"declaration": "none"})
    assert declared(first) == [True]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("someone else's", "One of the nominations sent is not among your assignments. Nothing was saved."),
        ("forged", "One of the nominations sent is not among your assignments. Nothing was saved."),
        ("not a number", "One of the nominations sent is not among your assignments. Nothing was saved."),
        ("huge", "One of the nominations sent is not among your assignments. Nothing was saved."),
        ("closed round", "This round is closed: declarations can no longer be made. Nothing was saved."),
        ("not open yet", "This round has not opened yet. Nothing was saved."),
        ("already declared", "You have already declared no conflict of interest with this nomination."),
        ("recused", "You are already recused from this nomination. Nothing was saved."),
        ("conflict elsewhere", "One of the nominations sent is not among your assignments. Nothing was saved."),
        ("conflict ticked too", "chose it as your conflict: untick it or choose another. Nothing was saved."),
        ("conflict without reason", "Say briefly what the conflict is."),
        ("nothing chosen", "Tick the nominations you have no conflict of interest with, or choose the one"),
        ("not confirmed", "Confirm that you have read the list and have no conflict with those ticked."),
    ],
)
def test_a_refused_batch_says_why_and_changes_nothing(client, world, waiting, db, case, message):
    round_, (first, second, third) = waiting
    ids, conflict, reason, confirm = [first.id, second.id], "", "", True
    if case == "someone else's":
        ids.append(assign(round_, third.nomination, another_judge()).id)
    elif case == "forged":
        ids.append(max(first.id, second.id, third.id) + 100)
    elif case == "not a number":
        ids.append("3; DROP TABLE assignment")
    elif case == "huge":
        ids.append("9" * 40)
    elif case == "closed round":
        closed = judging_round(world, name="Earlier round")
        ids.append(assign(closed, third.nomination, world.judge).id)
        close(closed)
    elif case == "not open yet":
        later = judging_round(world, name="Finalists", opens=timedelta(days=2), closes=timedelta(days=9))
        ids.append(assign(later, third.nomination, world.judge).id)
    elif case == "already declared":
        third.no_conflict_declared_at = third.created_at
        db.session.commit()
        ids.append(third.id)
    elif case == "recused":
        db.session.add(
            Conflict(
                judge_id=world.judge.id, nomination_id=third.nomination_id, reason="x", recorded_by_id=world.judge.id
            )
        )
        db.session.commit()
        ids.append(third.id)
    elif case == "conflict elsewhere":
        conflict, reason = assign(round_, third.nomination, another_judge()).id, "Mine"
    elif case == "conflict ticked too":
        conflict, reason = second.id, "I advised Kigali."
    elif case == "conflict without reason":
        conflict, reason = third.id, "   "
    elif case == "nothing chosen":
        ids = []
    elif case == "not confirmed":
        confirm = False
    before = (actions(), count(Conflict))
    response = client.post("/judging/", data=batch(ids, conflict, reason, confirm))
    assert response.status_code == 200
    page = response.data.decode()
    assert message in page
    assert "Nothing was saved" in flashed(page)
    assert declared(first, second) == [False, False]
    assert (actions(), count(Conflict)) == before
    # The judge's choices come back as they were sent, to correct and send again.
    form = declarations(page)
    assert bool(re.search(rf'value="{first.id}"[^>]*checked', form)) is bool(ids)


def test_the_batch_is_for_judges_only(client, auth, world, waiting):
    first = waiting[1][0]
    auth.logout()
    auth.login(world.secretariat)
    assert client.post("/judging/", data=batch([first.id])).status_code == 403
    assert declared(first) == [False]


# --- submit and open the next --------------------------------------------------------------------------------


@pytest.fixture
def three_to_score(world, auth):
    round_ = judging_round(world)
    assignments = [
        assign(round_, eligible(world, title), world.judge, declared=True) for title in ("One", "Two", "Three")
    ]
    auth.login(world.judge)
    return assignments, criteria(round_, world.project)


def test_submit_and_open_the_next_lands_on_the_next_unscored_nomination(client, world, three_to_score, db):
    (one, two, three), rubric = three_to_score
    page = client.get(f"/judging/assignments/{one.id}").data.decode()
    assert 'name="submit_and_next"' in page and "Submit and open the next" in page
    data = {**sheet_data(rubric, [7] * 6), "submit_and_next": "1"}
    data.pop("save")
    response = client.post(f"/judging/assignments/{one.id}", data=data)
    assert response.headers["Location"] == f"/judging/assignments/{two.id}"
    db.session.refresh(one)
    assert one.sheet.status is SheetStatus.SUBMITTED
    page = client.get(response.headers["Location"]).data.decode()
    assert (
        f"Your scores for {one.nomination.reference} are submitted. "
        f"Here is the next nomination: {two.nomination.reference}." in page
    )
    # A draft left behind is next in the list's order; the plain "Submit scores" still goes back to the list.
    client.post(f"/judging/assignments/{three.id}", data=sheet_data(rubric, [5]))
    response = client.post(f"/judging/assignments/{two.id}", data=sheet_data(rubric, [6] * 6, submit=True))
    assert response.headers["Location"] == "/judging/"


def test_submit_and_open_the_next_after_the_last_one_says_all_is_done(client, world, three_to_score, db):
    (one, two, three), rubric = three_to_score
    for assignment in (one, two):
        client.post(f"/judging/assignments/{assignment.id}", data=sheet_data(rubric, [8] * 6, submit=True))
    data = {**sheet_data(rubric, [9] * 6), "submit_and_next": "1"}
    response = client.post(f"/judging/assignments/{three.id}", data=data, follow_redirects=True)
    assert response.request.path == "/judging/"
    page = response.data.decode()
    assert (
        f"Your scores for {three.nomination.reference} are submitted. That was the last one: all your nominations "
        "in the open rounds are done." in page
    )
    assert "next-to-score" not in page


def test_submit_and_open_the_next_refuses_an_incomplete_sheet_and_stays(client, world, three_to_score, db):
    (one, _two, _three), rubric = three_to_score
    data = {**sheet_data(rubric, [7, 7]), "submit_and_next": "1"}
    response = client.post(f"/judging/assignments/{one.id}", data=data)
    assert response.status_code == 200
    assert "Score every criterion before submitting." in response.data.decode()
    db.session.refresh(one)
    assert one.sheet is None


# --- the list: one table per round, the judge's own totals, sortable ---------------------------------------


@pytest.fixture
def scored_list(world, auth, client):
    """In an open round of two categories: a submitted sheet, a complete draft, a partial draft, one to do, one
    declared but untouched, in the leadership category one submitted."""
    round_ = judging_round(world, categories=[world.project, world.leadership])
    rubric, leading = criteria(round_, world.project), criteria(round_, world.leadership)
    titles = ("Submitted high", "Complete draft", "Partial draft", "To do entry")
    rows = {title: assign(round_, eligible(world, title), world.judge, declared=True) for title in titles}
    rows["Leader entry"] = assign(
        round_, eligible(world, "Leader entry", category=world.leadership), world.judge, declared=True
    )
    auth.login(world.judge)
    post = client.post
    post(f"/judging/assignments/{rows['Submitted high'].id}", data=sheet_data(rubric, [9, 9, 8, 8, 10, 9], submit=True))
    post(f"/judging/assignments/{rows['Complete draft'].id}", data=sheet_data(rubric, [4, 5, 6, 5, 4, 6]))
    post(f"/judging/assignments/{rows['Partial draft'].id}", data=sheet_data(rubric, [10, 10]))
    post(
        f"/judging/assignments/{rows['Leader entry'].id}",
        data=sheet_data(leading, [6] * len(leading), submit=True),
    )
    return round_, rows


def cells(page: str) -> list[tuple[str, str]]:
    """The (title, total) of each row of the judge's list, in order."""
    table = page[page.index("judging-work") :]
    found = []
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        columns = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if len(columns) < 6:  # a header
            continue
        found.append((columns[2].splitlines()[0].strip(), " ".join(columns[4].split())))
    return found


def test_the_list_shows_the_judge_s_own_total_as_the_score_sheet_computes_it(client, world, scored_list, db):
    _round, rows = scored_list
    page = client.get("/judging/").data.decode()
    assert page.count('class="table table-sm table-hover align-middle mb-0 judging-work"') == 1  # one table
    listed = dict(cells(page))
    for title in ("Submitted high", "Complete draft", "Leader entry"):
        summary = sheets_service.sheet_summary(rows[title])
        assert summary.complete
        assert listed[title] == f"{summary.value:.1f}"  # the score sheet's own figure
        assert f'id="total">{summary.value:.1f}<' in client.get(f"/judging/assignments/{rows[title].id}").data.decode()
    assert listed["Partial draft"] == "2 of 6 scored"  # never a partial total
    assert listed["To do entry"] == "—Not scored"
    # A sheet left behind by a conflict found while scoring counts for nothing: no total.
    client.post(
        f"/judging/assignments/{rows['Complete draft'].id}/declaration",
        data={"declaration": "conflict", "reason": "My sister runs the project."},
    )
    assert dict(cells(client.get("/judging/").data.decode()))["Complete draft"] == "—Not scored"
    assert ">Leadership<" in page and ">Tech-InnovaCity<" in page  # the category of each row, in one table


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("category", ["Submitted high", "Complete draft", "Partial draft", "To do entry", "Leader entry"]),
        ("-reference", ["To do entry", "Partial draft", "Complete draft", "Submitted high", "Leader entry"]),
        ("total", ["Complete draft", "Leader entry", "Submitted high", "Partial draft", "To do entry"]),
        ("-total", ["Submitted high", "Leader entry", "Complete draft", "Partial draft", "To do entry"]),
        ("status", ["To do entry", "Complete draft", "Partial draft", "Submitted high", "Leader entry"]),
        ("nonsense", ["Submitted high", "Complete draft", "Partial draft", "To do entry", "Leader entry"]),
    ],
)
def test_the_list_sorts_by_reference_category_status_and_total(client, world, scored_list, sort, order):
    page = client.get(f"/judging/?sort={sort}").data.decode()
    assert [title for title, _total in cells(page)] == order
    chosen = sort if sort != "nonsense" else "category"
    header = re.search(r'<th scope="col"[^>]*aria-sort="(ascending|descending)"[^>]*>\s*<a[^>]*href="([^"]+)"', page)
    assert header.group(1) == ("descending" if chosen.startswith("-") else "ascending")
    # The headers are links (reachable and used with the keyboard); a second click reverses the order.
    assert header.group(2) == f"/judging/?sort={'-' + chosen if not chosen.startswith('-') else chosen[1:]}"


def test_a_judge_in_several_rounds_has_a_table_per_round_and_sees_no_one_else_s_total(client, world, scored_list):
    round_, rows = scored_list
    other = another_judge()
    nomination = rows["To do entry"].nomination
    rubric = criteria(round_, world.project)
    theirs = assign(round_, nomination, other, declared=True)
    sheets_service.save_sheet(
        theirs, other, sheets_service.SheetInput({c.id: "1" for c in rubric}, {}, ""), submit=True
    )
    final = judging_round(world, name="Finalists", closes=timedelta(days=3))
    assign(final, rows["Submitted high"].nomination, world.judge)
    page = client.get("/judging/").data.decode()
    assert page.count("judging-work") == 2
    assert "Finalists" in page
    assert dict(cells(page))["To do entry"] == "—Not scored"  # the other judge's 10.0 is theirs
    assert "Budi Santoso" not in page
