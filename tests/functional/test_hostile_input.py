"""Odd and hostile input gets a clear answer, never an error page."""

import pytest

from awards_app.models import Assignment, Category, Edition, Nomination, Organisation, User
from tests.conftest import confirmation_link, count


@pytest.mark.parametrize(
    "url",
    [
        "/nominations/99999999999999999999999",
        "/nominations/2147483648/edit",
        "/nominations/-1",
        "/secretariat/editions/99999999999999999999",
        "/nominations/1/attachments/99999999999999999999",
    ],
)
def test_huge_or_negative_ids_are_not_found(client, auth, world, url):
    auth.login(world.secretariat)
    assert client.get(url).status_code == 404


def test_nul_characters_are_dropped_not_fatal(client, auth, world, db):
    response = client.post("/auth/login", data={"email": "a\x00@b.example", "password": "x\x00"})
    assert response.status_code == 200
    response = client.post(
        "/auth/register",
        data={
            "name": "Nul\x00 Name",
            "email": "nul@city.example",
            "password": "long-password-1",
            "confirm": "long-password-1",
            "organisation_name": "Nul\x00 City",
            "organisation_type": "city",
            "country": "KR",
            "city": "Se\x00oul",
            "consent_collection": "y",
            "consent_provision": "y",
            "consent_transfer_abroad": "y",
        },
    )
    assert response.status_code == 302
    organisation = db.session.query(Organisation).filter_by(name="Nul City").one()
    assert organisation.city == "Seoul"
    client.post(confirmation_link(client.application), data={"password": "long-password-1"})
    client.post(f"/nominations/new/{world.project.id}", data={"title": "Bad\x00 title", "summary": "\x00"})
    assert db.session.query(Nomination).one().title == "Bad title"
    auth.logout()
    auth.login(world.secretariat)
    assert client.get("/secretariat/nominations?q=%00&country=%00").status_code == 200
    assert client.get("/secretariat/audit?q=%00&action=%00").status_code == 200


def test_overlong_input_is_refused_at_the_field(client, world, db):
    response = client.post(
        "/auth/register",
        data={
            "name": "x" * 5000,
            "email": "long@city.example",
            "password": "long-password-1",
            "confirm": "long-password-1",
            "organisation_name": "City",
            "organisation_type": "city",
            "country": "KR",
            "city": "Seoul",
            "consent_collection": "y",
            "consent_provision": "y",
            "consent_transfer_abroad": "y",
        },
    )
    assert response.status_code == 200
    assert b"Field cannot be longer than 120 characters." in response.data
    assert count(User) == 4


def test_an_unknown_method_is_refused_politely(client, world):
    assert client.put("/auth/login").status_code == 405
    assert client.post("/secretariat/nominations").status_code in (302, 405)


@pytest.mark.parametrize(
    "query",
    ["page=99999999999999999999", "page=922337203685477581", "category=99999999999999999999", "page=0", "page=-5"],
)
def test_huge_paging_and_filter_numbers_are_harmless(client, auth, world, query):
    auth.login(world.secretariat)
    assert client.get(f"/secretariat/nominations?edition=test-2026&{query}").status_code == 200
    assert client.get(f"/secretariat/audit?{query}").status_code == 200


@pytest.mark.parametrize(
    ("zone", "opens", "closes"),
    [
        ("Asia/Seoul", "0001-01-01T05:00", "2027-05-31T23:59"),
        ("America/Los_Angeles", "2027-01-01T00:00", "9999-12-31T23:00"),
    ],
)
def test_edition_dates_out_of_range_are_refused_at_the_field(client, auth, world, zone, opens, closes):
    auth.login(world.secretariat)
    response = client.post(
        "/secretariat/editions/new",
        data={
            "name": "X",
            "year": "2027",
            "slug": "x-2027",
            "reference_prefix": "SSCP",
            "time_zone": zone,
            "opens_at": opens,
            "closes_at": closes,
        },
    )
    assert response.status_code == 200
    assert b"Enter a date between the years 2000 and 2100." in response.data


HUGE = "1" + "0" * 400  # a whole number no float can hold


@pytest.mark.parametrize("field", ["year", "max_per_organisation", "tiers-0-count"])
def test_a_number_too_large_for_a_float_is_refused_at_the_field(client, auth, world, field):
    auth.login(world.secretariat)
    edition = {
        "name": "X",
        "year": "2027",
        "slug": "x-2027",
        "reference_prefix": "SSCP",
        "time_zone": "Asia/Seoul",
        "opens_at": "2027-01-01T00:00",
        "closes_at": "2027-05-31T23:59",
    }
    category = {
        "code": "XX",
        "name_en": "X",
        "name_ko": "X",
        "kind": "project",
        "eligible_types": "city",
        "max_per_organisation": "1",
        "position": "0",
        "tiers-0-name_en": "Gold",
        "tiers-0-count": "1",
    }
    url, data = (
        ("/secretariat/editions/new", edition)
        if field == "year"
        else (f"/secretariat/editions/{world.edition.id}/categories/new", category)
    )
    response = client.post(url, data={**data, field: HUGE})
    assert response.status_code == 200
    assert b"Number must be between" in response.data
    assert count(Edition) == 1 and count(Category) == 3


@pytest.mark.parametrize("value", [HUGE, "-" + HUGE, "sNaN"])
def test_the_round_s_numbers_refuse_what_no_float_holds(client, auth, world, db, value):
    from tests.functional.judging_helpers import judging_round

    round_ = judging_round(world)
    auth.login(world.secretariat)
    response = client.post(
        f"/secretariat/rounds/{round_.id}/assignments/automatic",
        data={"auto-seed": value, "auto-submit_auto": "1"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert count(Assignment) == 0
    response = client.post(
        f"/secretariat/rounds/{round_.id}/edit",
        data={
            "name": "Online evaluation",
            "opens_at": "2026-01-01T00:00",
            "closes_at": "2026-12-31T00:00",
            "categories": str(world.project.id),
            "judges_per_nomination": value,
            "mode": "scoring",
            "disagreement_threshold": value,
            "quorum": "0.5",
            "ranking_method": "mean",
        },
    )
    assert response.status_code == 200
    assert b"Number must be between" in response.data or b"Enter a number." in response.data
    db.session.refresh(round_)
    assert round_.judges_per_nomination == 3


@pytest.mark.parametrize(
    "url",
    [
        "/winners/test%002026",
        "/winners/test%002026/1",
        "/winners/test%002026.json",
        "/winners/%ED%A0%80",  # a lone surrogate, which no database text holds
        "/winners/" + "x" * 500,
    ],
)
def test_an_address_that_is_no_edition_s_short_name_is_not_found_by_anyone(client, world, url):
    # PostgreSQL refuses a NUL in a text parameter: asked of the database, the answer was 503 "try again".
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("edition", ["test%002026", "x" * 500])
def test_the_secretariat_s_edition_filter_refuses_what_no_short_name_holds(client, auth, world, edition):
    auth.login(world.secretariat)
    for url in ("/secretariat/", "/secretariat/nominations", "/secretariat/rounds/", "/secretariat/rounds/new"):
        assert client.get(f"{url}?edition={edition}").status_code == 404, url


def test_a_nul_in_the_list_s_search_does_not_break_the_nomination_opened_from_it(client, auth, world, db):
    auth.login(world.applicant)
    client.post(f"/nominations/new/{world.project.id}", data={"title": "Odense care"})
    nomination = db.session.query(Nomination).one()
    auth.logout()
    auth.login(world.secretariat)
    # "Open the next" follows the list the nomination was opened from, search text included.
    response = client.get(f"/secretariat/nominations/{nomination.id}?edition=test-2026&q=Od%00ense")
    assert response.status_code == 200
    assert b"Odense care" in response.data


def test_a_nul_in_a_waiver_s_reason_is_dropped_not_fatal(client, auth, world, db):
    from tests.functional.judging_helpers import assign, eligible, judging_round

    assignment = assign(judging_round(world), eligible(world), world.judge)
    auth.login(world.secretariat)
    response = client.post(f"/secretariat/rounds/assignments/{assignment.id}/waive", data={"reason": "Fell\x00 ill"})
    assert response.status_code == 302  # PostgreSQL refuses a NUL in text: the answer was 503 "try again"
    db.session.refresh(assignment)
    assert assignment.waived_reason == "Fell ill"
