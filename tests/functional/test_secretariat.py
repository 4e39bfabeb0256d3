import re

import sqlalchemy as sa

from awards_app.models import AuditEvent, Category, Edition, Nomination, NominationStatus
from tests.conftest import complete_project_answers, count

EDITION = {
    "name": "5th Seoul Smart City Prize",
    "year": "2027",
    "slug": "sscp-2027",
    "reference_prefix": "SSCP",
    "time_zone": "Asia/Seoul",
    "opens_at": "2027-02-01T09:00",
    "closes_at": "2027-05-31T23:59",
}
CATEGORY = {
    "code": "HC",
    "name_en": "Human-CentriCity",
    "name_ko": "사람중심",
    "kind": "project",
    "eligible_types": ["city", "institution"],
    "max_per_organisation": "2",
    "position": "1",
    "tiers-0-name_en": "Gold",
    "tiers-0-name_ko": "금상",
    "tiers-0-count": "1",
    "tiers-1-name_en": "Silver",
    "tiers-1-count": "2",
}


def submitted(client, auth, world, title="Robot care") -> Nomination:
    from awards_app.extensions import db

    auth.logout()
    auth.login(world.applicant)
    client.post(f"/nominations/new/{world.project.id}", data={**complete_project_answers(title), "submit_entry": "1"})
    auth.logout()
    auth.login(world.secretariat)
    return db.session.scalars(sa.select(Nomination).order_by(Nomination.id.desc())).first()


def test_secretariat_creates_an_edition_in_its_time_zone(client, auth, world, db):
    auth.login(world.secretariat)
    response = client.post("/secretariat/editions/new", data=EDITION)
    assert response.status_code == 302
    edition = db.session.scalar(sa.select(Edition).where(Edition.slug == "sscp-2027"))
    # 23:59 in Seoul (UTC+9) is 14:59 UTC.
    assert edition.closes_at.isoformat() == "2027-05-31T14:59:00+00:00"
    page = client.get(f"/secretariat/editions/{edition.id}").data.decode()
    assert "UTC+09:00" in page and "Asia/Seoul" in page
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "edition.created"))


def test_an_edition_and_a_round_named_in_korean_read_so_on_korean_pages(client, auth, world, db):
    auth.login(world.secretariat)
    response = client.post("/secretariat/editions/new", data={**EDITION, "name_ko": "제5회 서울스마트도시상"})
    assert response.status_code == 302
    edition = db.session.scalar(sa.select(Edition).where(Edition.slug == "sscp-2027"))
    assert edition.name_ko == "제5회 서울스마트도시상"
    english = client.get(f"/secretariat/editions/{edition.id}").get_data(as_text=True)
    assert EDITION["name"] in english and "제5회" not in english
    client.post("/language", data={"language": "ko"})
    korean = client.get(f"/secretariat/editions/{edition.id}").get_data(as_text=True)
    assert '<h1 class="h3">제5회 서울스마트도시상</h1>' in korean
    # Without a Korean name, Korean pages show the English one.
    edition.name_ko = ""
    db.session.commit()
    assert EDITION["name"] in client.get(f"/secretariat/editions/{edition.id}").get_data(as_text=True)


def test_bad_editions_are_refused_at_the_field(client, auth, world, db):
    auth.login(world.secretariat)
    for change, message in [
        ({"closes_at": "2027-01-01T00:00"}, b"The call must close after it opens."),
        ({"slug": "Has Spaces"}, b"Lower-case letters, digits and hyphens only, not ending with a hyphen."),
        ({"slug": "sscp-"}, b"not ending with a hyphen"),
        ({"slug": "test-2026"}, b"Another edition already uses this short name."),
        ({"time_zone": "Mars/Olympus"}, b"Not a valid choice"),
        ({"year": "twenty"}, b"Not a valid integer value"),
        ({"opens_at": "yesterday"}, b"Not a valid datetime value"),
    ]:
        response = client.post("/secretariat/editions/new", data=EDITION | change)
        assert response.status_code == 200, change
        assert message in response.data, change
    assert count(Edition) == 1


def test_editing_an_edition_is_audited(client, auth, world, db):
    auth.login(world.secretariat)
    page = client.get(f"/secretariat/editions/{world.edition.id}/edit").data.decode()
    assert 'value="test-2026"' in page
    data = EDITION | {"slug": "test-2026", "name": "Renamed"}
    assert client.post(f"/secretariat/editions/{world.edition.id}/edit", data=data).status_code == 302
    db.session.refresh(world.edition)
    assert world.edition.name == "Renamed"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "edition.updated"))
    assert event.details["changes"]["name"] == ["Test Prize 2026", "Renamed"]


def test_secretariat_adds_a_category_with_tiers(client, auth, world, db):
    auth.login(world.secretariat)
    response = client.post(f"/secretariat/editions/{world.edition.id}/categories/new", data=CATEGORY)
    assert response.status_code == 302
    category = db.session.scalar(sa.select(Category).where(Category.code == "HC"))
    assert category.name_ko == "사람중심"
    assert category.eligible_types == ["city", "institution"]
    assert [(t.name_en, t.name_ko, t.count) for t in category.tiers] == [("Gold", "금상", 1), ("Silver", "", 2)]
    assert category.award_count == 3


def test_bad_categories_are_refused(client, auth, world, db):
    auth.login(world.secretariat)
    url = f"/secretariat/editions/{world.edition.id}/categories/new"
    for change, message in [
        ({"code": "TI"}, b"already has a category with code TI"),
        ({"code": "t i"}, b"1 to 8 capital letters or digits."),
        ({"kind": "lottery"}, b"Not a valid choice"),
        ({"max_per_organisation": "0"}, b"Number must be between 1 and 100."),
        ({"tiers-1-count": ""}, b"Each award tier needs both a name and a number of awards."),
        ({"eligible_types": ["emperor"]}, b"not a valid choice"),
    ]:
        response = client.post(url, data=CATEGORY | change)
        assert response.status_code == 200, change
        assert message in response.data, (change, message)
    assert count(Category) == 3


def test_editing_a_category_replaces_its_tiers(client, auth, world, db):
    auth.login(world.secretariat)
    page = client.get(f"/secretariat/categories/{world.project.id}/edit").data.decode()
    assert 'value="Gold"' in page
    data = CATEGORY | {"code": "TI", "tiers-1-name_en": "", "tiers-1-count": ""}
    assert client.post(f"/secretariat/categories/{world.project.id}/edit", data=data).status_code == 302
    db.session.refresh(world.project)
    assert [t.name_en for t in world.project.tiers] == ["Gold"]


def test_screening_marks_eligible_or_ineligible_with_a_reason(client, auth, world, db):
    nomination = submitted(client, auth, world)
    page = client.get(f"/secretariat/nominations/{nomination.id}").data.decode()
    assert "Robot care" in page and "Waiting time fell by 38 percent." in page
    response = client.post(f"/secretariat/nominations/{nomination.id}", data={"decision": "ineligible"})
    assert b"Give the reason a nomination is ineligible." in response.data
    db.session.refresh(nomination)
    assert nomination.status is NominationStatus.SUBMITTED
    client.post(f"/secretariat/nominations/{nomination.id}", data={"decision": "eligible"})
    db.session.refresh(nomination)
    assert nomination.status is NominationStatus.ELIGIBLE
    assert nomination.screened_by_id == world.secretariat.id
    client.post(
        f"/secretariat/nominations/{nomination.id}",
        data={"decision": "ineligible", "reason": "Not yet implemented", "share_reason": "y"},
    )
    db.session.refresh(nomination)
    assert nomination.status is NominationStatus.INELIGIBLE
    assert nomination.screening_reason == "Not yet implemented"
    history = client.get(f"/secretariat/nominations/{nomination.id}").data.decode()
    assert "Screened: Eligible → Ineligible: Not yet implemented" in history
    # The applicant sees the decision and its reason.
    auth.logout()
    auth.login(world.applicant)
    page = client.get(f"/nominations/{nomination.id}").data.decode()
    assert "Ineligible" in page and "Not yet implemented" in page


def test_drafts_cannot_be_screened(client, auth, world, db):
    auth.login(world.applicant)
    client.post(f"/nominations/new/{world.project.id}", data={"title": "Draft"})
    nomination = db.session.scalar(sa.select(Nomination))
    auth.logout()
    auth.login(world.secretariat)
    client.post(f"/secretariat/nominations/{nomination.id}", data={"decision": "eligible"})
    db.session.refresh(nomination)
    assert nomination.status is NominationStatus.DRAFT


def test_the_nomination_list_filters_searches_and_pages(client, auth, world, db):
    submitted(client, auth, world, "Robot care")
    submitted(client, auth, world, "Harbour buses")
    base = "/secretariat/nominations?edition=test-2026"
    page = client.get(base).data.decode()
    assert "Robot care" in page and "Harbour buses" in page and "2 nominations match." in page
    assert "Harbour buses" not in client.get(base + "&q=robot").data.decode()
    assert "1 nomination matches." in client.get(base + "&q=SSCP-2026-TI-002").data.decode()
    assert "2 nominations match." in client.get(base + "&country=DK&region=europe&type=city").data.decode()
    assert "0 nominations match." in client.get(base + "&region=africa").data.decode()
    assert "0 nominations match." in client.get(base + "&status=eligible").data.decode()
    assert "2 nominations match." in client.get(base + f"&category={world.project.id}&status=submitted").data.decode()
    # Nonsense filters are ignored rather than failing.
    for query in [
        "&status=bogus",
        "&region=moon",
        "&type=x",
        "&country=<b>",
        "&category=abc",
        "&page=-3",
        "&page=99",
        "&q=%25_%5C",
    ]:
        assert client.get(base + query).status_code == 200, query
    assert client.get("/secretariat/nominations?edition=nope").status_code == 404


def test_the_audit_trail_records_and_shows_who_did_what(client, auth, world, db):
    nomination = submitted(client, auth, world)
    client.post(f"/secretariat/nominations/{nomination.id}", data={"decision": "eligible"})
    page = client.get("/secretariat/audit").data.decode()
    assert "nomination.submitted" in page and "nomination.screened" in page
    assert "Ida Jensen" in page and "Kim Min-jun" in page
    assert "<code>nomination.screened</code>" in page
    filtered = client.get("/secretariat/audit?action=nomination.created").data.decode()
    assert "<code>nomination.created</code>" in filtered
    assert "<code>nomination.screened</code>" not in filtered
    assert client.get("/secretariat/audit?q=submitted").status_code == 200


def test_dashboard_counts_by_category_and_status(client, auth, world):
    submitted(client, auth, world)
    page = client.get("/secretariat/").data.decode()
    assert "Screen submitted nominations (1)" in page
    assert "Tech-InnovaCity" in page


def test_the_people_page_lists_judges_and_resends_invitations(client, auth, world, db):
    auth.login(world.secretariat)
    client.post(
        "/secretariat/people/invite",
        data={
            "name": "New Judge",
            "email": "new@judges.example",
            "roles": ["judge"],
            "affiliation": "Accra Technical University",
            "country_code": "GH",
            "locale": "en",
        },
    )
    page = client.get("/secretariat/people").data.decode()
    assert "New Judge" in page and "Invited" in page and world.judge.email in page
    assert world.applicant.email not in page
    from awards_app.models import User

    invited = db.session.scalar(sa.select(User).where(User.email == "new@judges.example"))
    assert client.post(f"/secretariat/people/{invited.id}/resend").status_code == 302
    assert client.post(f"/secretariat/people/{world.applicant.id}/resend").status_code == 404


def test_judge_profiles_are_kept_by_the_secretariat_and_the_judge(client, auth, world, db):
    auth.login(world.secretariat)
    response = client.post(
        f"/secretariat/people/{world.judge.id}/edit",
        data={
            "name": "Ana Ferreira",
            "title": "Professor",
            "affiliation": "University of Lisbon",
            "country_code": "PT",
            "expertise": "Urban data",
            "languages": "English, Portuguese",
            "time_zone": "Europe/Lisbon",
        },
    )
    assert response.status_code == 302
    db.session.refresh(world.judge)
    assert (world.judge.affiliation, world.judge.country_code, world.judge.time_zone) == (
        "University of Lisbon",
        "PT",
        "Europe/Lisbon",
    )
    assert "University of Lisbon" in client.get("/secretariat/people").data.decode()
    bad = client.post(f"/secretariat/people/{world.judge.id}/edit", data={"name": "A", "time_zone": "Mars/Base"})
    assert b"Not a valid choice" in bad.data
    assert client.get(f"/secretariat/people/{world.applicant.id}/edit").status_code == 404
    auth.logout()
    auth.login(world.judge)
    response = client.post(
        "/auth/account", data={"name": "Ana Ferreira", "time_zone": "America/Sao_Paulo", "country_code": "PT"}
    )
    assert response.status_code == 302
    db.session.refresh(world.judge)
    assert world.judge.time_zone == "America/Sao_Paulo"
    auth.logout()
    auth.login(world.applicant)
    assert b"Your profile" not in client.get("/auth/account").data


def test_screening_shows_a_project_entered_again_from_an_earlier_edition(client, auth, world, db):
    from datetime import timedelta

    from tests.functional.judging_helpers import eligible

    # Last year's edition held the same project under a reworded title; another project shares only a word or two.
    earlier = Edition(
        name="Test Prize 2025",
        year=2025,
        slug="test-2025",
        opens_at=world.edition.opens_at - timedelta(days=365),
        closes_at=world.edition.closes_at - timedelta(days=365),
    )
    category = Category(
        edition=earlier,
        code="TI",
        name_en="Tech-InnovaCity",
        name_ko="기술혁신",
        kind=world.project.kind,
        last_sequence=50,  # its references stay clear of this year's in the test's helper
    )
    db.session.add_all([earlier, category])
    db.session.commit()
    old = eligible(world, "Robot-assisted home care in Odense", category=category)
    old.edition_id = earlier.id
    unrelated = eligible(world, "Harbour electric buses for Odense")
    db.session.commit()
    nomination = submitted(client, auth, world, "Odense robot-assisted home care")
    page = client.get(f"/secretariat/nominations/{nomination.id}").get_data(as_text=True)
    box = page[page.index('id="lookalikes"') :]
    box = box[: box.index("</ul>")]
    assert old.reference in box and "Test Prize 2025" in box and "% alike" in box
    assert unrelated.reference not in box
    # A nomination with nothing like it shows no box.
    lonely = client.get(f"/secretariat/nominations/{unrelated.id}").get_data(as_text=True)
    assert 'id="lookalikes"' not in lonely


def test_screening_opens_the_next_nomination_of_the_filtered_list_and_returns_to_it(client, auth, world, db):
    first = submitted(client, auth, world, "Robot care")
    second = submitted(client, auth, world, "Harbour buses")
    third = submitted(client, auth, world, "Night libraries")
    auth.logout()
    auth.login(world.secretariat)
    listed = "/secretariat/nominations?edition=test-2026&status=submitted&sort=reference"
    page = client.get(listed).data.decode()
    detail = f"/secretariat/nominations/{first.id}?edition=test-2026&status=submitted&sort=reference"
    assert detail.replace("&", "&amp;") in page  # the list's links carry its filter

    page = client.get(detail).data.decode()
    assert 'href="/secretariat/nominations?edition=test-2026&amp;status=submitted&amp;sort=reference"' in page
    assert f"/secretariat/nominations/{second.id}?" in page and "Next nomination" in page
    # "Record and open the next": the first leaves the "submitted" list, and the next of that list opens.
    response = client.post(detail, data={"decision": "eligible", "submit_next": "1", "version": str(first.version)})
    assert response.headers["Location"] == (
        f"/secretariat/nominations/{second.id}?edition=test-2026&status=submitted&sort=reference"
    )
    db.session.refresh(first)
    assert first.status is NominationStatus.ELIGIBLE
    # Opened from the list again after leaving it, the first still knows what comes next.
    assert f"/secretariat/nominations/{second.id}?" in client.get(detail).data.decode()
    # The last of the list: the decision is recorded and the page says so.
    last = f"/secretariat/nominations/{third.id}?edition=test-2026&status=submitted&sort=reference"
    response = client.post(
        last, data={"decision": "ineligible", "reason": "Late", "submit_next": "1"}, follow_redirects=True
    )
    assert "That was the last nomination of the list." in response.data.decode()
    db.session.refresh(third)
    assert third.status is NominationStatus.INELIGIBLE
    # Nonsense in the carried arguments changes nothing and fails nothing.
    for query in ["?status=bogus", "?sort=<x>", "?category=abc&page=-1", "?q=" + "x" * 500]:
        assert client.get(f"/secretariat/nominations/{second.id}{query}").status_code == 200, query


def test_the_audit_trail_and_the_access_log_read_in_the_officers_zone(client, auth, world, db):
    world.secretariat.time_zone = "Europe/Stockholm"
    db.session.commit()
    nomination = submitted(client, auth, world)
    auth.logout()
    auth.login(world.secretariat)
    client.get(f"/secretariat/nominations/{nomination.id}")
    event = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    from awards_app.i18n import format_in_zone

    page = client.get("/secretariat/audit").data.decode()
    assert "When (Europe/Stockholm)" in page and "UTC" not in page
    assert format_in_zone(event.at, "Europe/Stockholm", False) in page
    assert "When (Europe/Stockholm)" in client.get("/secretariat/access-log").data.decode()


def test_the_browser_finds_its_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/vnd.microsoft.icon"
    assert response.headers["Cache-Control"] == "public, max-age=86400"  # the app's one cacheable answer besides static
    assert response.data[:4] == b"\x00\x00\x01\x00"
    page = client.get("/").data.decode()
    assert 'rel="icon"' in page and "img/favicon.svg" in page


def test_a_new_round_without_an_edition_leads_to_creating_one(client, auth, world, db):
    auth.login(world.secretariat)
    assert client.get("/secretariat/rounds/new").status_code == 200  # the current edition
    db.session.delete(world.edition)
    db.session.commit()
    response = client.get("/secretariat/rounds/new")
    assert response.status_code == 302 and response.headers["Location"] == "/secretariat/editions/new"


def test_a_new_edition_is_proposed_the_next_year_and_its_short_name(client, auth, world):
    auth.login(world.secretariat)
    page = client.get("/secretariat/editions/new").get_data(as_text=True)
    year = re.search(r'<input[^>]*id="year"[^>]*>', page).group(0)
    slug = re.search(r'<input[^>]*id="slug"[^>]*>', page).group(0)
    assert 'value="2027"' in year  # the one after the latest edition's (2026)
    assert 'value="sscp-2027"' in slug and 'data-follows="year"' in slug
    assert "Year of the prize" in page and "whatever year its call opens" in page  # what the year means
    # An existing edition's short name never follows its year (it is in addresses and exports).
    page = client.get(f"/secretariat/editions/{world.edition.id}/edit").get_data(as_text=True)
    assert "data-follows" not in page
    # A form sent back with a mistake keeps what was typed, not the proposal.
    page = client.post("/secretariat/editions/new", data={"year": "2031", "slug": "Bad Slug"}).get_data(as_text=True)
    assert 'value="2031"' in re.search(r'<input[^>]*id="year"[^>]*>', page).group(0)
