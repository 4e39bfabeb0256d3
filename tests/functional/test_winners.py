"""The winners' pages: public once an edition's results are published, gone when they are withdrawn, never before;
the same record in HTML and JSON, with nothing private in either."""

from __future__ import annotations

import html
import re

import pytest

from awards_app.models import NominationStatus, Round
from awards_app.services import awards as awards_service
from awards_app.services import publication as publication_service
from tests.functional.judging_helpers import judging_round
from tests.functional.winners_helpers import (
    DISCIPLINARY,
    LOSER,
    NOMINEE_EMAIL,
    OVERRIDE_REASON,
    PHONE,
    close,
    previous_edition,
    publish_winners,
)


@pytest.fixture
def published(world, db):
    return publish_winners(world)


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _meta(page: str, name: str) -> str:
    found = re.search(rf'<meta (?:property|name)="{re.escape(name)}" content="([^"]*)"', page)
    assert found, name
    return found.group(1)


def test_the_published_winners_show_by_category_and_tier(client, world, published):
    page = _text(client.get("/winners/test-2026"))
    page = page[page.index('id="category-TI"') :]  # after the categories' menu
    order = [
        "Tech-InnovaCity",
        "Gold",
        "Odense robot-assisted care",
        "City of Odense, Odense, Denmark",
        "Silver",
        "Kigali open data portal",
        "Leadership award",
        "Mette Frederiksen",
        "Mayor, City of Odense",
        "Nominated by City of Odense, Odense, Denmark",
        "Mayor's commendation",
        "김지원",
    ]
    positions = [page.index(text) for text in order]
    assert positions == sorted(positions)
    assert f'href="/winners/test-2026/{published["winner"].id}-odense-robot-assisted-care"' in page
    listing = _text(client.get("/winners"))
    assert "Test Prize 2026" in listing and 'href="/winners/test-2026"' in listing
    # The footer and the home page link to them now.
    assert 'href="/winners"' in _text(client.get("/"))


def test_nothing_private_nor_a_loser_appears_in_the_pages_or_the_json(client, world, published):
    pages = [client.get("/winners"), client.get("/winners/test-2026"), client.get("/winners/test-2026.json")]
    pages += [
        client.get(f"/winners/test-2026/{published[key].id}", follow_redirects=True)
        for key in ("winner", "silver", "leader", "commended")
    ]
    assert all(p.status_code == 200 for p in pages)
    for page in map(_text, pages):
        for private in (
            NOMINEE_EMAIL,
            PHONE,
            DISCIPLINARY,
            OVERRIDE_REASON,
            LOSER,
            world.judge.name,
            world.judge.email,
            world.applicant.email,
            "Jane Private Person",  # an individual applicant
            "Mapo-gu",
            "Two million euros",  # the funding answer: not the summary
            "SSCP-2026-",  # references are the secretariat's
        ):
            assert private not in page, private
    assert client.get(f"/winners/test-2026/{published['loser'].id}").status_code == 404


def test_the_json_says_what_the_page_says(client, world, published):
    response = client.get("/winners/test-2026.json")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "max-age=300" in response.headers["Cache-Control"] and response.headers["ETag"]
    data = response.get_json()
    page = _text(client.get("/winners/test-2026"))
    winners = [w for c in data["categories"] for t in c["tiers"] for w in t["winners"]]
    assert [w["name"] for w in winners] == [
        "Odense robot-assisted care",
        "Kigali open data portal",
        "Mette Frederiksen",
        "김지원",
    ]
    for category in data["categories"]:
        assert category["name"]["en"] in page
        for tier in category["tiers"]:
            assert tier["name"]["en"] in page
    for winner in winners:
        for text in (winner["name"], winner["description"]["en"], winner["organisation"], winner["country"]["en"]):
            assert text in page, text
        assert winner["url"].startswith("http://localhost/winners/test-2026/")
        assert client.get(winner["url"].removeprefix("http://localhost")).status_code == 200
    assert winners[0]["description"]["en"].endswith("…") and len(winners[0]["description"]["en"]) <= 301
    assert winners[0]["tier"] == {"en": "Gold", "ko": "금상"}
    assert data["edition"]["name"] == {"en": "Test Prize 2026", "ko": "제4회 시험상"}
    # Unchanged: the website's next request is answered 304, without the body.
    again = client.get("/winners/test-2026.json", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    # A request without cookies (WeGO's website, a shared cache) may be kept by any cache.
    with client.application.test_client() as anonymous:
        assert "public" in anonymous.get("/winners/test-2026.json").headers["Cache-Control"]


def test_a_winner_s_page_has_its_share_card_and_a_stable_address(client, world, published):
    winner = published["winner"]
    redirect = client.get(f"/winners/test-2026/{winner.id}-an-old-spelling")
    assert redirect.status_code == 301
    assert redirect.headers["Location"].endswith(f"/winners/test-2026/{winner.id}-odense-robot-assisted-care")
    page = _text(client.get(redirect.headers["Location"]))
    url = f"http://localhost/winners/test-2026/{winner.id}-odense-robot-assisted-care"
    assert _meta(page, "og:url") == url and f'<link rel="canonical" href="{url}">' in page
    assert _meta(page, "og:title") == "Odense robot-assisted care: Gold, Tech-InnovaCity"
    assert _meta(page, "og:description").startswith("Robots and sensors help older people")
    assert _meta(page, "og:type") == "article"
    assert _meta(page, "og:image") == "http://localhost/static/img/og-winners.png"
    assert _meta(page, "twitter:card") == "summary_large_image"
    assert client.get("/static/img/og-winners.png").status_code == 200
    edition = _text(client.get("/winners/test-2026"))
    assert _meta(edition, "og:url") == "http://localhost/winners/test-2026"
    assert _meta(edition, "og:image").startswith("http://localhost/")
    for wrong in ("abc", "999999", f"{published['loser'].id}-kigali-parking-sensors", "1x"):
        assert client.get(f"/winners/test-2026/{wrong}").status_code == 404, wrong


def test_korean_readers_get_the_korean_names(client, world, published):
    client.post("/language", data={"language": "ko"})
    page = _text(client.get("/winners/test-2026"))
    assert "제4회 시험상" in page and "기술혁신" in page and "금상" in page and "덴마크" in page
    commended = _text(client.get(f"/winners/test-2026/{published['commended'].id}"))
    assert "12년간 WeGO 회원 도시에 공공데이터 자문" in commended
    assert _meta(commended, "og:locale") == "ko_KR"


def test_before_publication_an_edition_is_as_if_it_did_not_exist(client, world, db):
    judging_round(world)
    for path in ("/winners/test-2026", "/winners/test-2026/1", "/winners/test-2026.json"):
        unpublished, missing = client.get(path), client.get(path.replace("test-2026", "no-such-edition"))
        assert unpublished.status_code == missing.status_code == 404, path
        # The same page but for the address itself (the language switch comes back to it).
        assert unpublished.get_data(as_text=True).replace("test-2026", "?") == missing.get_data(as_text=True).replace(
            "no-such-edition", "?"
        ), path
    assert "No results have been published yet" in _text(client.get("/winners"))
    assert 'href="/winners"' not in _text(client.get("/"))  # no link to an empty page


def test_withdrawn_results_hide_every_winner_until_published_again(client, world, db, published):
    publication_service.withdraw(world.edition, world.secretariat, "A score was entered wrongly")
    for path in ("/winners/test-2026", f"/winners/test-2026/{published['winner'].id}"):
        response = client.get(path)
        assert response.status_code == 404
        page = _text(response)
        assert "withdrawn for a correction" in page
        assert "Odense robot-assisted care" not in page and "A score was entered wrongly" not in page
    json_response = client.get("/winners/test-2026.json")
    assert json_response.status_code == 404 and json_response.get_json() == {"error": "withdrawn"}
    assert "no-store" in json_response.headers["Cache-Control"]
    assert "Test Prize 2026" not in _text(client.get("/winners"))
    round_ = db.session.get(Round, published["round"].id)
    close(round_)
    publication_service.publish(world.edition, world.secretariat)
    assert client.get("/winners/test-2026").status_code == 200


def test_the_editions_are_listed_newest_first(client, world, published):
    previous_edition(world)
    page = _text(client.get("/winners"))
    assert page.index("Test Prize 2026") < page.index("Test Prize 2025")
    last_year = client.get("/winners/test-2025.json").get_json()
    assert [w["name"] for c in last_year["categories"] for t in c["tiers"] for w in t["winners"]] == [
        "Odense district heating twin",
        "Kigali mobile birth registration",
    ]
    # Each edition shows its own winners only.
    assert "Odense district heating twin" not in _text(client.get("/winners/test-2026"))


def test_the_public_record_reads_the_publications_awards_but_the_ineligible(client, world, db, published):
    # Found ineligible after the results were published: still an award to the publication (which tells the
    # applicants), no longer a winner on the public pages.
    silver = published["silver"]
    silver.status = NominationStatus.INELIGIBLE
    db.session.commit()
    given = {award.nomination_id for award in awards_service.edition_awards(world.edition)}
    public = {award.nomination_id for award in awards_service.edition_awards(world.edition, eligible_only=True)}
    assert given == {published[n].id for n in ("winner", "silver", "leader", "commended")}
    assert public == given - {silver.id}
    assert "Kigali open data portal" not in _text(client.get("/winners/test-2026"))
    assert "Odense robot-assisted care" in _text(client.get("/winners/test-2026"))
