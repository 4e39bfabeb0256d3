"""The secretariat's long lists a page at a time: a round's overview, assignments and progress, and the nominations.

Page 2 shows the next rows; filters, search, order and page size go along in every link; a page past the last
shows the last and says so; the figures above a list count every row, not only the page's; bulk actions act on
what they say.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from awards_app.models import Assignment, Organisation, OrganisationType, Role, RoundEntry
from awards_app.services import assignments as assignments_service
from awards_app.services import conflicts as conflicts_service
from awards_app.services import progress as progress_service
from awards_app.services import sheets as sheets_service
from tests.conftest import make_user
from tests.functional.judging_helpers import assign, criteria, eligible, judging_round

ROUND_PAGES = ["", "/assignments", "/progress"]


@pytest.fixture
def busy_round(world, db):
    """60 nominations, two judges each wanted: 1–20 fully scored, 21–55 half scored, 56–60 with one judge only."""
    round_ = judging_round(world)
    round_.judges_per_nomination = 2
    second = make_user("second@judges.example", [Role.JUDGE], name="Second Judge")
    city = Organisation(name="Harbour City", type=OrganisationType.CITY, country_code="KE", city="Mombasa")
    db.session.add(city)
    db.session.commit()
    rubric = criteria(round_, world.project)
    for number in range(1, 61):
        nomination = eligible(world, f"Project {number:03d}", organisation=city)
        judges = [world.judge] if number > 55 else [world.judge, second]
        for judge in judges:
            assignment = assign(round_, nomination, judge, declared=True)
            if number <= 20 or judge is world.judge:
                sheets_service.save_sheet(
                    assignment,
                    judge,
                    sheets_service.SheetInput({c.id: "7" for c in rubric}, {}, "", None),
                    submit=True,
                )
    return round_


def titles(html: str) -> list[str]:
    return re.findall(r"Project \d{3}", html)


def page_link(html: str, number: int) -> str:
    """The address of the page link numbered ``number``."""
    found = re.search(rf'href="([^"]+)"\s*(?:aria-current="page"\s*)?aria-label="Page {number}"', html)
    assert found, html
    return found.group(1).replace("&amp;", "&")


@pytest.mark.parametrize("tab", ROUND_PAGES)
def test_page_two_shows_the_next_rows_and_says_which(client, auth, world, busy_round, tab):
    auth.login(world.secretariat)
    html = client.get(f"/secretariat/rounds/{busy_round.id}{tab}?per_page=25&page=2").data.decode()
    shown = set(titles(html))
    assert {f"Project {n:03d}" for n in range(26, 51)} <= shown
    assert not shown & {"Project 001", "Project 025", "Project 051"}
    assert "Showing 26–50 of 60" in html
    assert 'aria-label="Pages"' in html and 'aria-current="page"' in html


@pytest.mark.parametrize("tab", ROUND_PAGES)
def test_a_hundred_rows_by_default_and_no_page_links_when_all_fit(client, auth, world, busy_round, tab):
    auth.login(world.secretariat)
    html = client.get(f"/secretariat/rounds/{busy_round.id}{tab}").data.decode()
    assert {f"Project {n:03d}" for n in range(1, 61)} <= set(titles(html))
    assert "Showing 1–60 of 60" in html and 'aria-label="Pages"' not in html


@pytest.mark.parametrize("tab", ROUND_PAGES)
def test_filters_search_order_and_size_go_along_in_the_page_links(client, auth, world, busy_round, tab):
    auth.login(world.secretariat)
    html = client.get(
        f"/secretariat/rounds/{busy_round.id}{tab}?state=missing&sort=-reference&per_page=25&q=project"
    ).data.decode()
    assert "Showing 1–25 of 35" in html  # nominations 21–55 wait for their second judge; 56–60 are short instead
    assert titles(html)[:2] == ["Project 055", "Project 054"]
    link = page_link(html, 2)
    for name in ("state=missing", "sort=-reference", "per_page=25", "q=project", "page=2"):
        assert name in link
    page_two = client.get(link).data.decode()
    assert "Showing 26–35 of 35" in page_two
    assert titles(page_two)[-1] == "Project 021" and "Project 020" not in page_two


def test_the_search_and_the_short_filter_narrow_the_round(client, auth, world, busy_round):
    auth.login(world.secretariat)
    assignments = client.get(f"/secretariat/rounds/{busy_round.id}/assignments?state=short").data.decode()
    assert sorted(set(titles(assignments))) == [f"Project {n:03d}" for n in range(56, 61)]
    assert "5 nominations are short of judges." in assignments
    found = client.get(f"/secretariat/rounds/{busy_round.id}/progress?q=project+05").data.decode()
    assert "Showing 1–10 of 10" in found
    nothing = client.get(f"/secretariat/rounds/{busy_round.id}?q=nowhere").data.decode()
    assert "No nomination of this round matches these filters." in nothing


@pytest.mark.parametrize("tab", ROUND_PAGES)
def test_a_page_out_of_range_is_answered_never_an_error(client, auth, world, busy_round, tab):
    auth.login(world.secretariat)
    for page in ["99", "100001", "99999999999999999999", "0", "-5", "two", ""]:
        response = client.get(f"/secretariat/rounds/{busy_round.id}{tab}?per_page=25&page={page}")
        assert response.status_code == 200, page
        html = response.data.decode()
        if page.isdigit() and int(page) > 3:
            assert f"There is no page {page}: this is page 3, the last." in html and "Showing 51–60 of 60" in html
        else:
            assert "Showing 1–25 of 60" in html, page


@pytest.mark.parametrize("tab", ROUND_PAGES)
def test_arguments_that_name_the_address_or_steer_url_for_are_left_behind(client, auth, world, busy_round, tab):
    auth.login(world.secretariat)
    odd = "round_id=999&_method=x&_anchor=y&_scheme=gopher&_external=1&per_page=25"
    response = client.get(f"/secretariat/rounds/{busy_round.id}{tab}?{odd}")
    assert response.status_code == 200
    html = response.data.decode()
    link = page_link(html, 2)
    assert link.startswith(f"/secretariat/rounds/{busy_round.id}") and "per_page=25" in link
    for dropped in ("round_id=", "_method", "_anchor", "_scheme", "_external", "://", "#"):
        assert dropped not in link
    nominations = client.get("/secretariat/nominations?_external=1&_method=x&_anchor=y&page=1&sort=-reference")
    assert nominations.status_code == 200 and b'href="http://localhost/secretariat/nominations' not in nominations.data


def test_an_action_on_a_later_filtered_page_comes_back_to_that_page(client, auth, world, db, busy_round):
    auth.login(world.secretariat)
    here = f"/secretariat/rounds/{busy_round.id}/progress?state=missing&per_page=25&page=2"
    html = client.get(here).data.decode()
    assert 'name="next" value="' + here.replace("&", "&amp;") + '"' in html
    sheet = db.session.scalar(  # the second judge of Project 055 has not scored
        sa.select(Assignment)
        .where(Assignment.round_id == busy_round.id, Assignment.judge_id != world.judge.id)
        .order_by(Assignment.id.desc())
        .limit(1)
    )
    response = client.post(
        f"/secretariat/rounds/assignments/{sheet.id}/waive", data={"reason": "Judge unreachable", "next": here}
    )
    assert response.status_code == 302 and response.headers["Location"] == here
    elsewhere = client.post(
        f"/secretariat/rounds/assignments/{sheet.id}/reopen", data={"next": "https://evil.example/"}
    )
    assert elsewhere.headers["Location"] == f"/secretariat/rounds/{busy_round.id}/progress"


def test_an_unknown_page_size_or_order_falls_back_to_the_defaults(client, auth, world, busy_round):
    auth.login(world.secretariat)
    html = client.get(f"/secretariat/rounds/{busy_round.id}/progress?per_page=7&sort=bogus").data.decode()
    assert "Showing 1–60 of 60" in html and titles(html)[0] == "Project 001"


def test_the_figures_count_the_whole_round_on_every_page(client, auth, world, busy_round):
    auth.login(world.secretariat)
    progress = client.get(f"/secretariat/rounds/{busy_round.id}/progress?per_page=25&page=3").data.decode()
    assert "35 of 60 nominations still miss scores." in progress  # 56–60 are short of a judge: nobody owes them
    judge_row = re.search(r"<tr[^>]*>\s*<td>Ana Ferreira.*?</tr>", progress, re.S).group(0)
    assert re.findall(r'<td class="text-end">(\d+)</td>', judge_row)[:2] == ["60", "60"]
    overview = client.get(f"/secretariat/rounds/{busy_round.id}?per_page=25&page=3").data.decode()
    assert re.search(r'display-6">60<', overview)
    assert "80 / 115" in overview  # every assignment of the round: 55 × 2 + 5, of which 60 + 20 submitted


def test_the_missing_scores_order_puts_the_most_behind_first(client, auth, world, busy_round):
    auth.login(world.secretariat)
    html = client.get(f"/secretariat/rounds/{busy_round.id}/progress?sort=-missing&per_page=25").data.decode()
    assert set(titles(html)[:5]) <= {f"Project {n:03d}" for n in range(21, 61)}
    html = client.get(f"/secretariat/rounds/{busy_round.id}/progress?sort=missing&per_page=25").data.decode()
    assert titles(html)[0] == "Project 001"


def test_advancing_sends_the_ticks_of_the_page_shown(client, auth, world, db, busy_round):
    later = judging_round(world, name="Finalists")
    auth.login(world.secretariat)
    html = client.get(f"/secretariat/rounds/{busy_round.id}?per_page=25&page=2").data.decode()
    boxes = dict(re.findall(r'name="nominations" value="(\d+)" id="advance-\d+" aria-label="Advance ([^"]+)"', html))
    assert len(boxes) == 25
    ticked = list(boxes)[:2]
    response = client.post(
        f"/secretariat/rounds/{busy_round.id}/advance", data={"nominations": ticked, "to_round": later.id}
    )
    assert response.status_code == 302
    moved = db.session.scalars(sa.select(RoundEntry.nomination_id).where(RoundEntry.round_id == later.id)).all()
    assert sorted(moved) == sorted(int(i) for i in ticked)


def test_assigning_by_hand_offers_the_page_and_acts_on_the_chosen(client, auth, world, db, busy_round):
    third = make_user("third@judges.example", [Role.JUDGE], name="Third Judge")
    db.session.commit()
    auth.login(world.secretariat)
    html = client.get(f"/secretariat/rounds/{busy_round.id}/assignments?state=short").data.decode()
    select = re.search(r'<select[^>]*name="manual-nominations".*?</select>', html, re.S).group(0)
    offered = re.findall(r'<option value="(\d+)"', select)
    assert len(offered) == 5
    client.post(
        f"/secretariat/rounds/{busy_round.id}/assignments/manual",
        data={"manual-nominations": offered, "manual-judges": [third.id]},
    )
    given = db.session.scalars(sa.select(Assignment.nomination_id).where(Assignment.judge_id == third.id)).all()
    assert sorted(given) == sorted(int(i) for i in offered)


def test_the_nomination_list_pages_sorts_and_keeps_its_filters(client, auth, world, busy_round):
    auth.login(world.secretariat)
    base = "/secretariat/nominations?edition=test-2026&status=eligible&sort=-title&per_page=25"
    html = client.get(base).data.decode()
    assert "60 nominations match." in html and "Showing 1–25 of 60" in html
    assert titles(html)[0] == "Project 060"
    assert 'aria-sort="descending"' in html
    link = page_link(html, 3)
    assert all(name in link for name in ("status=eligible", "sort=-title", "per_page=25", "page=3"))
    last = client.get(link).data.decode()
    assert "Showing 51–60 of 60" in last and titles(last)[-1] == "Project 001"
    clamped = client.get(base + "&page=9").data.decode()
    assert "There is no page 9: this is page 3, the last." in clamped


def test_the_page_links_are_in_korean_for_a_korean_reader(client, auth, world, busy_round):
    auth.login(world.secretariat)
    client.post("/language", data={"language": "ko"})
    html = client.get(f"/secretariat/rounds/{busy_round.id}/progress?per_page=25").data.decode()
    nav = re.search(r'<nav aria-label="([^"]+)">', html.split("breadcrumb", 2)[-1]).group(1)
    assert nav != "Pages" and re.search(r"[가-힣]", nav)


def test_each_judge_s_counts_match_the_assignments_one_by_one(world, db, busy_round):
    """The database's counts per judge agree with each assignment's own status, recusals and waivers included."""
    first = db.session.scalars(sa.select(Assignment).where(Assignment.judge_id == world.judge.id)).first()
    undeclared = db.session.scalars(
        sa.select(Assignment).where(Assignment.judge_id != world.judge.id).order_by(Assignment.id.desc())
    ).first()
    conflicts_service.declare(undeclared, undeclared.judge, True, "Worked for the city.")
    waived = db.session.scalars(
        sa.select(Assignment)
        .outerjoin(Assignment.sheet)
        .where(Assignment.judge_id != world.judge.id, Assignment.id != undeclared.id)
        .order_by(Assignment.id.desc())
    ).first()
    assignments_service.waive_assignment(waived, world.secretariat, "Fell ill.")
    assert first is not None
    by_sql = {p.judge.id: p.counts for p in progress_service.judge_progress(busy_round)}
    by_row: dict[int, dict] = {}
    for a in progress_service.round_assignments(busy_round):
        counts = by_row.setdefault(a.judge_id, {})
        counts[a.status] = counts.get(a.status, 0) + 1
    assert by_sql == by_row
    assert sum(by_sql[undeclared.judge_id].values()) == 55
