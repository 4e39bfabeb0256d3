"""Judges complete at invitation: the invitation asks where the judge works and their time zone and language, the
acceptance has them confirm it with their languages and declared ties, and nobody assigns a judge the conflict rules
cannot check."""

from __future__ import annotations

import re

import sqlalchemy as sa

from awards_app.extensions import db as _db
from awards_app.models import Assignment, AuditEvent, Consent, Role, User
from awards_app.services import ServiceError
from awards_app.services import assignments as assignments_service
from awards_app.services import conflicts as conflicts_service
from awards_app.services import eligibility as eligibility_service
from tests.conftest import make_user
from tests.functional.judging_helpers import eligible, judging_round
from tests.functional.test_auth import link_in, outbox

INVITE = "/secretariat/people/invite"
CONSENTS = {"consent_collection": "y", "consent_provision": "y", "consent_transfer_abroad": "y"}


def _user(email: str) -> User | None:
    return _db.session.scalar(sa.select(User).where(User.email == email))


def _invite(client, **fields):
    data = {"name": "Sofia Lindqvist", "email": "sofia@judges.example", "roles": ["judge"], "locale": "en"}
    return client.post(INVITE, data={**data, **fields})


# --- the invitation -------------------------------------------------------------------------------------------------


def test_a_judge_is_not_invited_without_organisation_and_country(app, client, auth, world):
    auth.login(world.secretariat)
    response = _invite(client)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Give the organisation: the conflict rules keep a judge off the nominations of their own" in page
    assert "Choose the country: a round may keep judges off the nominations of their own country." in page
    assert "Choose the time zone: deadlines are shown in it." in page
    assert _user("sofia@judges.example") is None and outbox(app) == []
    # A secretariat member needs none of it.
    response = _invite(client, email="colleague@wego.example", roles=["secretariat"])
    assert response.status_code == 302
    colleague = _user("colleague@wego.example")
    assert colleague.roles == {Role.SECRETARIAT} and colleague.affiliation == "" and colleague.country_code == ""


def test_the_time_zone_follows_a_country_with_one_and_is_asked_for_one_with_several(client, auth, world):
    auth.login(world.secretariat)
    page = client.get(INVITE).get_data(as_text=True)
    # The country select carries its zones, for the page to propose the zone as the country is chosen.
    assert 'data-country-zones="{' in page and "&#34;SE&#34;: &#34;Europe/Stockholm&#34;" in page
    response = _invite(client, affiliation="City of Gothenburg", country_code="SE", time_zone="")
    assert response.status_code == 302
    sofia = _user("sofia@judges.example")
    assert (sofia.affiliation, sofia.country_code, sofia.time_zone) == ("City of Gothenburg", "SE", "Europe/Stockholm")
    # The United States has several zones: nothing is guessed, and nothing is saved.
    refused = _invite(client, email="david@judges.example", affiliation="Center for Urban Science", country_code="US")
    assert "Choose the time zone: United States has several." in refused.get_data(as_text=True)
    assert _user("david@judges.example") is None
    # A zone chosen is kept, whatever the country's.
    _invite(
        client,
        email="david@judges.example",
        affiliation="Center for Urban Science",
        country_code="US",
        time_zone="America/New_York",
    )
    assert _user("david@judges.example").time_zone == "America/New_York"
    # An unknown zone or country is refused by the select.
    bad = _invite(client, email="x@judges.example", affiliation="X", country_code="SE", time_zone="Mars/Base")
    assert "Not a valid choice" in bad.get_data(as_text=True) and _user("x@judges.example") is None


def test_a_korean_invitation_is_written_in_korean(app, client, auth, world, smtp_inbox):
    auth.login(world.secretariat)
    response = _invite(
        client,
        name="Park Ji-hoon",
        email="park@judges.example",
        affiliation="KAIST",
        country_code="KR",
        locale="ko",
    )
    assert response.status_code == 302
    park = _user("park@judges.example")
    assert park.locale == "ko" and park.time_zone == "Asia/Seoul"
    [message] = smtp_inbox.messages
    assert message["To"] == "park@judges.example"
    assert message["Subject"] == "서울스마트도시상 초대 안내"
    body = message.get_content()
    assert "Park Ji-hoon 님, 안녕하십니까." in body and "/auth/invitation/" in body
    # An English invitation stays in English.
    smtp_inbox.messages.clear()
    _invite(client, affiliation="City of Gothenburg", country_code="SE")
    [english] = smtp_inbox.messages
    assert english["Subject"] == "Your invitation to the Seoul Smart City Prize"
    assert _user("sofia@judges.example").locale == "en"


def test_an_existing_account_gaining_the_judge_role_keeps_its_own_details(client, auth, world, db):
    colleague = make_user("colleague@wego.example", [Role.SECRETARIAT], name="Kim Ji-woo")
    colleague.affiliation, colleague.locale, colleague.time_zone = "WeGO Secretariat", "ko", "Asia/Seoul"
    db.session.commit()
    auth.login(world.secretariat)
    response = _invite(
        client,
        email=colleague.email,
        affiliation="Somewhere Else",
        country_code="SE",
        time_zone="Europe/Stockholm",
        locale="en",
    )
    assert response.status_code == 302
    db.session.refresh(colleague)
    assert colleague.roles == {Role.JUDGE, Role.SECRETARIAT}
    # Its own organisation, zone and language stay; the blank country is filled.
    assert (colleague.affiliation, colleague.country_code, colleague.time_zone, colleague.locale) == (
        "WeGO Secretariat",
        "SE",
        "Asia/Seoul",
        "ko",
    )


# --- accepting it ---------------------------------------------------------------------------------------------------


def _invited_link(app, client, auth, world, **fields) -> str:
    auth.login(world.secretariat)
    response = _invite(client, **fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    auth.logout()
    return link_in(outbox(app)[-1])


def test_the_judge_confirms_or_corrects_the_details_and_declares_ties(app, client, auth, world, db):
    link = _invited_link(app, client, auth, world, affiliation="Gothenburg City", country_code="NO")
    page = client.get(link).get_data(as_text=True)
    # What the secretariat entered is there to confirm.
    assert 'value="Gothenburg City"' in page and '<option selected value="NO">' in page
    assert "Declared ties" in page and "Languages you read" in page
    accepting = {"name": "Sofia Lindqvist", "password": "judge-password-1", "confirm": "judge-password-1"}
    details = {
        "affiliation": "City of Gothenburg",
        "country_code": "SE",
        "time_zone": "",
        "languages": "English, Swedish",
        "declared_ties": " Nordic Smart City Network \n\nMalmö\nMalmö\n",
    }
    # The consents are still each required: one missing, and nothing is saved.
    refused = client.post(link, data={**accepting, **details, "consent_collection": "y", "consent_provision": "y"})
    assert "Without this consent the international judges cannot read it." in refused.get_data(as_text=True)
    sofia = _user("sofia@judges.example")
    assert not sofia.has_password and sofia.country_code == "NO"
    # Languages are asked, the organisation may not be emptied: nothing saved either.
    refused = client.post(link, data={**accepting, **details, **CONSENTS, "languages": "", "affiliation": " "})
    text = refused.get_data(as_text=True)
    assert "Say which languages you read: nominations come in English or Korean." in text
    assert "Give the organisation: the conflict rules keep a judge off the nominations of their own" in text
    db.session.refresh(sofia)
    assert not sofia.has_password and sofia.affiliation == "Gothenburg City"
    response = client.post(link, data={**accepting, **details, **CONSENTS})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    db.session.refresh(sofia)
    assert sofia.check_password("judge-password-1")
    assert (sofia.affiliation, sofia.country_code, sofia.time_zone, sofia.languages) == (
        "City of Gothenburg",
        "SE",
        "Europe/Stockholm",  # left empty, the zone is the confirmed country's (it was Norway's, Europe/Oslo)
        "English, Swedish",
    )
    assert sofia.declared_tie_list == ["Nordic Smart City Network", "Malmö"]
    assert len(db.session.scalars(sa.select(Consent).where(Consent.user_id == sofia.id)).all()) == 3
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "account.invitation_accepted"))
    assert {"affiliation", "country_code", "time_zone", "languages", "declared_ties"} <= set(event.details["fields"])
    # Their account page shows the ties, which the secretariat keeps from now on.
    account = client.get("/auth/account").get_data(as_text=True)
    assert "Nordic Smart City Network · Malmö" in account and "write to the secretariat" in account
    assert 'name="declared_ties"' not in account


def test_a_judge_imported_without_details_completes_them_when_accepting(app, client, auth, world, db):
    imported = User(email="imported@judges.example", name="Imported Judge", invited_by_id=world.secretariat.id)
    imported.grant(Role.JUDGE)
    db.session.add(imported)
    db.session.commit()
    from awards_app.services import accounts as accounts_service

    with app.test_request_context():
        link = "/auth/invitation/" + accounts_service.make_token(imported, accounts_service.INVITATION_SALT)
    accepting = {"name": "Imported Judge", "password": "judge-password-1", "confirm": "judge-password-1", **CONSENTS}
    refused = client.post(link, data={**accepting, "languages": "English", "time_zone": "Asia/Seoul"})
    text = refused.get_data(as_text=True)
    assert "Give the organisation" in text and "Choose the country" in text
    db.session.refresh(imported)
    assert not imported.has_password
    client.post(
        link,
        data={**accepting, "languages": "English", "affiliation": "KAIST", "country_code": "KR", "time_zone": ""},
    )
    db.session.refresh(imported)
    assert imported.has_password and imported.missing_conflict_details == [] and imported.time_zone == "Asia/Seoul"


def test_a_secretariat_member_accepts_without_a_judges_details(app, client, auth, world, db):
    link = _invited_link(app, client, auth, world, email="colleague@wego.example", roles=["secretariat"])
    page = client.get(link).get_data(as_text=True)
    assert 'name="affiliation"' not in page and "Declared ties" not in page
    response = client.post(
        link,
        data={"name": "Kim Ji-woo", "password": "staff-password-1", "confirm": "staff-password-1", **CONSENTS},
    )
    assert response.status_code == 302
    assert _user("colleague@wego.example").has_password


# --- no assignment on a blank -------------------------------------------------------------------------------------


def _blank_judge(db) -> User:
    blank = make_user("blank@judges.example", [Role.JUDGE], name="Blank Profile")
    blank.affiliation, blank.country_code = "", ""
    db.session.commit()
    return blank


def test_a_judge_without_organisation_or_country_is_not_assigned_by_hand(client, auth, world, db):
    round_ = judging_round(world)
    nomination = eligible(world)
    blank = _blank_judge(db)
    half = make_user("half@judges.example", [Role.JUDGE], name="Half Profile")
    half.country_code = ""
    db.session.commit()
    auth.login(world.secretariat)
    page = client.get(f"/secretariat/rounds/{round_.id}/assignments").get_data(as_text=True)
    assert "Blank Profile (—) · 0 · profile incomplete" in page
    response = client.post(
        f"/secretariat/rounds/{round_.id}/assignments/manual",
        data={"manual-nominations": [str(nomination.id)], "manual-judges": [str(blank.id), str(half.id)]},
        follow_redirects=True,
    )
    text = response.get_data(as_text=True)
    assert "0 assignments added." in text
    assert (
        f"Blank Profile was not assigned {nomination.reference}: the judge&#39;s profile has no organisation and no "
        "country, so the conflict rules cannot check them: complete it." in text
    )
    assert "the judge&#39;s profile has no country, so the conflict rules cannot check them" in text
    assert re.search(
        rf'Complete the profile, then assign again: <a href="/secretariat/people/{blank.id}/edit" class="alert-link">'
        r"Blank Profile</a>, <a [^>]+>Half Profile</a>\.",
        text,
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assignment)) == 0
    # Once completed, the same judge is assigned.
    blank.affiliation, blank.country_code = "Casablanca Prospective", "MA"
    db.session.commit()
    added, refused = assignments_service.assign_manually(round_, [nomination.id], [blank.id], world.secretariat)
    assert (added, refused) == (1, [])


def test_automatic_assignment_and_replacement_give_nothing_to_a_judge_with_blanks(client, auth, world, db):
    round_ = judging_round(world)
    round_.judges_per_nomination = 2
    nominations = [eligible(world, title) for title in ("Robot care", "Harbour buses")]
    blank = _blank_judge(db)
    other = make_user("other@judges.example", [Role.JUDGE], name="Other Judge")
    db.session.commit()
    auth.login(world.secretariat)
    response = client.post(
        f"/secretariat/rounds/{round_.id}/assignments/automatic", data={"auto-seed": "1"}, follow_redirects=True
    )
    text = response.get_data(as_text=True)
    assert "Blank Profile were given nothing: without an organisation and a country in their profile" in text
    assert f'<a href="/secretariat/people/{blank.id}/edit" class="alert-link">Blank Profile</a>' in text
    held = {tuple(p) for p in db.session.execute(sa.select(Assignment.judge_id, Assignment.nomination_id))}
    assert held == {(j.id, n.id) for j in (world.judge, other) for n in nominations}
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "assignment.automatic"))
    assert event.details["judges_without_details"] == [blank.id]
    # A judge recuses: the replacement does not take the judge with blanks either.
    conflicts_service.record_conflict(other, nominations[0], "Advised the city", world.secretariat)
    result = assignments_service.assign_replacement(round_, nominations[0], world.secretariat)
    assert result.added == [] and result.missing == 1


def test_reassigning_to_a_judge_with_blanks_is_refused_and_not_offered(client, auth, world, db):
    round_ = judging_round(world)
    nomination = eligible(world)
    assignments_service.assign_manually(round_, [nomination.id], [world.judge.id], world.secretariat)
    assignment = db.session.scalar(sa.select(Assignment))
    blank = _blank_judge(db)
    offered = eligibility_service.offers(round_, [nomination], eligibility_service.judges())
    assert blank.id not in {offer.judge.id for offer in offered[nomination.id]}
    try:
        assignments_service.reassign(assignment, blank, world.secretariat)
    except ServiceError as error:
        assert "Blank Profile cannot take this nomination: the judge's profile has no organisation and no country" in (
            str(error.message)
        )
    else:
        raise AssertionError("a judge with blanks was given the nomination")
    auth.login(world.secretariat)
    response = client.post(
        f"/secretariat/rounds/assignments/{assignment.id}/reassign",
        data={"judge": str(blank.id)},
        follow_redirects=True,
    )
    text = response.get_data(as_text=True)
    assert "Blank Profile cannot take this nomination" in text
    assert f'<a href="/secretariat/people/{blank.id}/edit" class="alert-link">Blank Profile</a>' in text
    assert db.session.scalar(sa.select(Assignment.judge_id)) == world.judge.id


def test_the_people_page_says_what_each_judge_lacks(client, auth, world, db):
    _blank_judge(db)
    half = make_user("half@judges.example", [Role.JUDGE], name="Half Profile")
    half.affiliation = ""
    db.session.commit()
    auth.login(world.secretariat)
    page = client.get("/secretariat/people").get_data(as_text=True)
    rows = {
        name: re.search(rf"<td>{name}</td>.*?</tr>", page, re.S).group(0) for name in ("Blank Profile", "Half Profile")
    }
    assert "organisation</span>" in rows["Blank Profile"] and "country</span>" in rows["Blank Profile"]
    assert "organisation</span>" in rows["Half Profile"] and "country</span>" not in rows["Half Profile"]
    assert "Cannot be assigned until completed" in rows["Half Profile"]
    ana = re.search(r"<td>Ana Ferreira</td>.*?</tr>", page, re.S).group(0)
    assert "Missing:" not in ana


# --- declared ties ---------------------------------------------------------------------------------------------------


def test_declared_ties_keep_a_judge_off_and_are_shown_to_the_secretariat(client, auth, world, db):
    round_ = judging_round(world)
    odense = eligible(world, "Robot care")  # City of Odense, in Odense
    kigali = eligible(world, "Harbour buses", organisation=world.other_city)
    world.judge.declared_ties = "city of odense\nNordic Smart City Network"
    db.session.commit()
    reason = eligibility_service.conflict_refusal(world.judge, odense, round_)
    assert str(reason) == (
        "the judge declared a tie to the nominating organisation or its city (City of Odense, Odense)"
    )
    assert eligibility_service.conflict_refusal(world.judge, kigali, round_) is None
    added, refused = assignments_service.assign_manually(
        round_, [odense.id, kigali.id], [world.judge.id], world.secretariat
    )
    assert added == 1 and [(j.id, n.id) for j, n, _r in refused] == [(world.judge.id, odense.id)]
    auth.login(world.secretariat)
    for url in (f"/secretariat/rounds/{round_.id}/assignments", f"/secretariat/rounds/{round_.id}/conflicts"):
        text = client.get(url).get_data(as_text=True)
        assert "Declared ties: 1 judge" in text, url
        assert "Ana Ferreira</a>: city of odense · Nordic Smart City Network" in text, url
    known = client.get(f"/secretariat/rounds/{round_.id}/assignments").get_data(as_text=True)
    assert "the judge declared a tie to the nominating organisation or its city" in known
    # The secretariat keeps them under People too.
    response = client.post(
        f"/secretariat/people/{world.judge.id}/edit",
        data={
            "name": "Ana Ferreira",
            "affiliation": world.judge.affiliation,
            "country_code": world.judge.country_code,
            "time_zone": "Europe/Lisbon",
            "declared_ties": "Kigali\n",
        },
    )
    assert response.status_code == 302
    db.session.refresh(world.judge)
    assert world.judge.declared_tie_list == ["Kigali"]
    assert eligibility_service.conflict_refusal(world.judge, kigali, round_) is not None
