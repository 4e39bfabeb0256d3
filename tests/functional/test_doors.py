"""The doors an attacker tries: e-mailed links, the sign-in throttle, what the answers tell about accounts, sessions
after sign-out, caches, headers, and the conflict rules that keep judges off their own nominations.

The behaviour that depends on production settings (trusted hosts, HSTS, secure cookies) is tried on an app made
with the production configuration; tests/functional/test_attack_production.py tries the same against gunicorn.
"""

from __future__ import annotations

import os
import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from limits import parse as parse_limit
from werkzeug.security import check_password_hash

from awards_app import after_response, create_app
from awards_app.extensions import db as _db
from awards_app.extensions import limiter
from awards_app.models import (
    Assignment,
    Conflict,
    Role,
    User,
    UserSession,
)
from awards_app.services import accounts as accounts_service
from awards_app.services import assignments as assignments_service
from awards_app.services import progress as progress_service
from awards_app.services.judge_profile import JudgeDetails
from tests.conftest import PASSWORD, BufferedClient, make_user
from tests.unit.test_storage import PDF

SITE = "https://awards.example.org"
WRONG = "not-the-password"


def outbox(app) -> list:
    folder = Path(app.config["MAIL_OUTBOX"])
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(folder.glob("*.eml"))]


@pytest.fixture
def production(tmp_path: Path):
    """An app with the production configuration, its own database, and a judge and a secretariat member."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path / 'production.sqlite3'}"
    app = create_app(
        "production",
        {
            "SECRET_KEY": "a-long-random-production-secret-" * 2,
            "SQLALCHEMY_DATABASE_URI": url,
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "PREVIEW_FOLDER": str(tmp_path / "previews"),
            "MAIL_OUTBOX": str(tmp_path / "outbox"),
            "EXTERNAL_URL": SITE,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        },
    )
    with app.app_context():
        _db.drop_all()
        _db.create_all()
        make_user("judge02@judges.example", [Role.JUDGE])
        make_user("staff@wego.example", [Role.SECRETARIAT])
        _db.session.commit()
        app.test_client_class = BufferedClient
        yield app
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


# --- 1. Links in e-mails come from the configured address, never from the request -------------------------------


def test_production_refuses_a_host_it_does_not_serve_and_sends_nothing(production):
    client = production.test_client()
    for host in ("evil.example", "awards.example.org.evil.example", "evil.example:443"):
        response = client.post("/auth/forgot", base_url=f"https://{host}", data={"email": "judge02@judges.example"})
        assert response.status_code == 400, host
        assert b"Unknown host" in response.data
    # A Host header that differs from the URL is what a poisoning request sends.
    response = client.post(
        "/auth/forgot", base_url=SITE, headers={"Host": "evil.example"}, data={"email": "judge02@judges.example"}
    )
    assert response.status_code == 400
    assert outbox(production) == []


def test_production_builds_the_reset_link_from_its_own_address(production):
    client = production.test_client()
    response = client.post("/auth/forgot", base_url=SITE, data={"email": "judge02@judges.example"})
    assert response.status_code == 302
    [message] = outbox(production)
    assert re.search(r"https://awards\.example\.org/auth/reset/\S+", message.get_content())


def test_a_forwarded_host_is_not_believed_either(production):
    from werkzeug.middleware.proxy_fix import ProxyFix

    production.wsgi_app = ProxyFix(production.wsgi_app, x_for=1, x_proto=1)
    client = production.test_client()
    client.post(
        "/auth/forgot",
        base_url=SITE,
        data={"email": "judge02@judges.example"},
        headers={"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"},
    )
    [message] = outbox(production)
    assert "evil.example" not in message.get_content()
    assert f"{SITE}/auth/reset/" in message.get_content()


def test_in_development_the_links_ignore_the_host_header_too(app, client, world):
    # Development answers any host (a laptop on a venue's network), but its links still name EXTERNAL_URL.
    client.post("/auth/forgot", data={"email": world.judge.email}, headers={"Host": "evil.example"})
    with app.app_context():
        invited = accounts_service.invite_user(
            email="new@judges.example",
            name="New Judge",
            roles={Role.JUDGE},
            invited_by=world.secretariat,
            details=JudgeDetails(affiliation="Dakar Civic Lab", country_code="SN"),
        )
        assert invited.id
    texts = [m.get_content() for m in outbox(app)]
    assert len(texts) == 2
    for text in texts:
        assert "evil.example" not in text
        assert "http://localhost/auth/" in text


def test_reminders_link_to_the_configured_address(app, client, world, db):
    from tests.functional.judging_helpers import assign, criteria, eligible, judging_round

    round_ = judging_round(world)
    criteria(round_, world.project)
    assign(round_, eligible(world), world.judge)
    with app.test_request_context(base_url="http://evil.example"):
        assert progress_service.send_reminders(round_, world.secretariat) == 1
        after_response.run_pending(app)  # the reminders go out beside the response
    [message] = outbox(app)
    assert "http://localhost/judging/" in message.get_content() and "evil.example" not in message.get_content()


# --- 2. One spelling of an account for the lookup and for the throttle ------------------------------------------


@pytest.fixture
def throttled(app):
    for setting in (
        "LOGIN_LIMIT_PER_ACCOUNT",
        "LOGIN_LIMIT_PER_ADDRESS",
        "RESET_LIMIT_PER_ACCOUNT",
        "RESET_LIMIT_PER_ADDRESS",
        "REGISTER_LIMIT_PER_ADDRESS",
    ):
        app.config[setting] = f"{parse_limit(app.config[setting]).amount} per day"
    app.config["RATELIMIT_ENABLED"] = True
    limiter.init_app(app)
    return limiter


@pytest.mark.parametrize(
    "spelling", ["{}\x00", "\x00{}", "{}\x00\x00", " {} ", "{}\u200b", "\u2028{}", "{}\t", "{}\r\n"]
)
def test_a_throttled_account_stays_throttled_however_its_address_is_spelled(client, world, throttled, spelling):
    email = world.judge.email
    for _ in range(5):
        assert client.post("/auth/login", data={"email": email, "password": WRONG}).status_code == 200
    response = client.post("/auth/login", data={"email": spelling.format(email.upper()), "password": PASSWORD})
    assert response.status_code == 429
    assert client.get("/judging/").status_code == 302  # not signed in


def test_reset_requests_stay_throttled_however_the_address_is_spelled(app, client, world, throttled):
    for _ in range(3):
        client.post("/auth/forgot", data={"email": world.judge.email})
    for spelling in (f"{world.judge.email}\x00", f"\x00{world.judge.email.upper()}", f"{world.judge.email}\u200b"):
        assert client.post("/auth/forgot", data={"email": spelling}).status_code == 429
    assert len(outbox(app)) == 3


def test_the_normalisation_is_one_function_for_lookup_and_count():
    assert accounts_service.normalise_email(" Judge08@Judges.Example\x00\u200b\r\n") == "judge08@judges.example"
    assert accounts_service.normalise_email(None) == ""


# --- 3. The answers do not tell who has an account -----------------------------------------------------------------


def test_an_unknown_or_inactive_address_costs_a_password_check_like_a_known_one(app, world, db, monkeypatch):
    checks = []
    import awards_app.models.users as users_module
    import awards_app.services.accounts as accounts_module

    def counting(hash_, password):
        checks.append(hash_.split("$", 1)[0])
        return check_password_hash(hash_, password)

    monkeypatch.setattr(accounts_module, "check_password_hash", counting)
    monkeypatch.setattr(users_module, "check_password_hash", counting)
    world.other_applicant.active = False
    db.session.commit()
    with app.test_request_context():
        assert accounts_service.authenticate("nobody@nowhere.example", PASSWORD) is None
        assert accounts_service.authenticate(world.other_applicant.email, PASSWORD) is None
        assert accounts_service.authenticate(world.applicant.email, WRONG) is None
        assert accounts_service.authenticate(world.applicant.email, PASSWORD) == world.applicant
    method = app.config["PASSWORD_HASH_METHOD"]
    assert checks == [method] * 4  # one check each, with the method real passwords are hashed with


def test_a_reset_request_answers_without_waiting_for_its_mail_known_or_not(app, world, monkeypatch):
    import threading

    from awards_app import after_response
    from awards_app.services import mail as mail_service

    release, sent = threading.Event(), []
    real_send = mail_service.send_email

    def slow_send(*args, **kwargs):  # an SMTP server that takes its time
        release.wait(10)
        sent.append(args[0])
        return real_send(*args, **kwargs)

    monkeypatch.setattr("awards_app.services.accounts.send_email", slow_send)
    client = FlaskClient(app)  # the plain client: it does not wait for work beside the response
    known = client.post("/auth/forgot", data={"email": world.applicant.email})
    unknown = client.post("/auth/forgot", data={"email": "nobody@nowhere.example"})
    # Both answered, the same, while the mail for the known address is still being sent.
    assert (known.status_code, known.headers["Location"]) == (unknown.status_code, unknown.headers["Location"])
    assert sent == []
    release.set()
    after_response.wait_for_pending(app)
    assert sent == [world.applicant.email]
    assert [m["To"] for m in outbox(app)] == [world.applicant.email]


def test_registration_answers_the_same_for_a_taken_address_and_mails_its_owner(app, client, world, db):
    details = {
        "name": "Eve",
        "password": "a-long-password",
        "confirm": "a-long-password",
        "organisation_name": "Eve City",
        "organisation_type": "city",
        "country": "FR",
        "city": "Paris",
        "consent_collection": "y",
        "consent_provision": "y",
        "consent_transfer_abroad": "y",
    }
    taken = client.post("/auth/register", data=details | {"email": world.applicant.email})
    fresh = client.post("/auth/register", data=details | {"email": "eve@paris.example"})
    assert taken.status_code == fresh.status_code == 302
    assert taken.headers["Location"] == fresh.headers["Location"]
    assert db.session.scalar(sa.select(User).where(User.email == world.applicant.email)).name == "Ida Jensen"
    subjects = {m["To"]: m["Subject"] for m in outbox(app)}
    assert subjects == {
        world.applicant.email: "Someone tried to register with your address",
        "eve@paris.example": "Confirm your e-mail address",
    }


# --- 4. Signing out ends the session on the server -------------------------------------------------------------


def _signed_in(app, user, remember=False):
    client = app.test_client()
    data = {"email": user.email, "password": PASSWORD} | ({"remember": "y"} if remember else {})
    assert client.post("/auth/login", data=data).status_code == 302
    return client


def _replay(app, cookies: dict[str, str]):
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief


def test_a_session_cookie_copied_before_sign_out_opens_nothing_after(app, world):
    judge = _signed_in(app, world.judge)
    copied = {"session": judge.get_cookie("session").value}
    assert _replay(app, copied).get("/judging/").status_code == 200  # the copy works while signed in
    judge.post("/auth/logout")
    assert _replay(app, copied).get("/judging/").status_code == 302


def test_a_remember_me_cookie_copied_before_sign_out_opens_nothing_after(app, world):
    judge = _signed_in(app, world.judge, remember=True)
    copied = {"remember_token": judge.get_cookie("remember_token").value}
    assert _replay(app, copied).get("/judging/").status_code == 200  # a new browser, remembered
    judge.post("/auth/logout")
    assert _replay(app, copied).get("/judging/").status_code == 302


def test_signing_out_here_leaves_the_judge_s_other_browser_signed_in(app, world):
    laptop, phone = _signed_in(app, world.judge), _signed_in(app, world.judge)
    phone.post("/auth/logout")
    assert laptop.get("/judging/").status_code == 200
    assert phone.get("/judging/").status_code == 302


def test_sign_out_everywhere_ends_every_session_and_remembered_browser(app, world, db):
    laptop, phone = _signed_in(app, world.judge, remember=True), _signed_in(app, world.judge)
    remembered = {"remember_token": laptop.get_cookie("remember_token").value}
    page = phone.get("/auth/account").get_data(as_text=True)
    assert "Where you are signed in" in page and page.count("this browser") == 1
    response = phone.post("/auth/account/sign-out-everywhere", follow_redirects=True)
    assert b"Signed out everywhere: 2 sign-in(s) ended" in response.data
    for client in (laptop, phone, _replay(app, remembered)):
        assert client.get("/judging/").status_code == 302
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(UserSession).where(UserSession.ended_at.is_(None)))
        == 0
    )


def test_a_new_password_ends_every_session(app, world):
    laptop = _signed_in(app, world.judge, remember=True)
    remembered = {"remember_token": laptop.get_cookie("remember_token").value}
    with app.test_request_context():
        token = accounts_service.make_token(world.judge, accounts_service.RESET_SALT)
    app.test_client().post(
        f"/auth/reset/{token}", data={"password": "a-new-long-password", "confirm": "a-new-long-password"}
    )
    assert laptop.get("/judging/").status_code == 302
    assert _replay(app, remembered).get("/judging/").status_code == 302


def test_an_idle_session_expires_and_a_remembered_one_lasts_a_month(app, world, db):
    from datetime import timedelta

    judge = _signed_in(app, world.judge)
    row = db.session.scalar(sa.select(UserSession))
    assert row.expires_at - row.created_at == app.config["SESSION_IDLE_TIMEOUT"]
    row.expires_at = row.created_at - timedelta(seconds=1)
    db.session.commit()
    assert judge.get("/judging/").status_code == 302
    _signed_in(app, world.judge, remember=True)
    remembered = db.session.scalars(sa.select(UserSession).order_by(UserSession.id)).all()[-1]
    assert remembered.expires_at - remembered.created_at == timedelta(days=30)
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=30)


def test_the_database_keeps_only_a_digest_of_the_session_key(app, world, db):
    judge = _signed_in(app, world.judge)
    with judge.session_transaction() as session:
        user_id, key = session["_user_id"].split(":")
    row = db.session.scalar(sa.select(UserSession))
    assert int(user_id) == world.judge.id and len(key) >= 40
    assert key not in row.key_digest and len(row.key_digest) == 64


# --- 5. Nothing signed-in is kept by a cache -------------------------------------------------------------------------


def test_every_page_and_download_says_no_store(app, client, world, db):
    from awards_app.services import nominations as nominations_service

    nomination = nominations_service.create_draft(world.project, world.applicant, {"title": "Cached?"})
    attachment = nominations_service.add_attachment(nomination, world.applicant, "plan.pdf", PDF)
    client.post("/auth/login", data={"email": world.applicant.email, "password": PASSWORD})
    for url in (
        "/",
        "/nominations/",
        f"/nominations/{nomination.id}",
        f"/nominations/{nomination.id}/edit",
        f"/nominations/{nomination.id}/attachments/{attachment.id}",
        "/auth/account",
        "/no-such-page",
    ):
        response = client.get(url)
        assert response.headers["Cache-Control"] == "no-store", url
        assert "ETag" not in response.headers and "Last-Modified" not in response.headers, url
    assert client.get("/static/css/app.css").headers.get("Cache-Control") != "no-store"


# --- 6. Headers in production ----------------------------------------------------------------------------------------


def test_production_sends_hsts_and_a_permissions_policy(production):
    response = production.test_client().get("/auth/login", base_url=SITE)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    policy_header = response.headers["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "browsing-topics=()"):
        assert feature in policy_header
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_development_sends_no_hsts(client):
    response = client.get("/auth/login")
    assert "Strict-Transport-Security" not in response.headers
    assert "Permissions-Policy" in response.headers


# --- 11. The conflict rules by hand as automatically ---------------------------------------------------------------


@pytest.fixture
def korean_round(world, db):
    """A round with a Korean nomination and a Korean judge; the round keeps judges off their own country."""
    from awards_app.models import Organisation, OrganisationType
    from tests.functional.judging_helpers import eligible, judging_round

    seoul = Organisation(
        name="Seoul Metropolitan Government", type=OrganisationType.CITY, country_code="KR", city="Seoul"
    )
    db.session.add(seoul)
    nomination = eligible(world, "S-Map", organisation=seoul)
    round_ = judging_round(world)
    korean = make_user("park@judges.example", [Role.JUDGE], name="Park Ji-hoon")
    korean.affiliation, korean.country_code = "KAIST", "KR"
    insider = make_user("insider@judges.example", [Role.JUDGE], name="Insider")
    insider.affiliation, insider.country_code = "Seoul Metropolitan Government", "FR"
    world.judge.affiliation, world.judge.country_code = "University of Lisbon", "PT"
    db.session.commit()
    return round_, nomination, korean, insider


def test_manual_assignment_applies_the_automatic_rules_and_names_them(client, world, korean_round, db):
    round_, nomination, korean, insider = korean_round
    client.post("/auth/login", data={"email": world.secretariat.email, "password": PASSWORD})
    response = client.post(
        f"/secretariat/rounds/{round_.id}/assignments/manual",
        follow_redirects=True,
        data={"manual-nominations": [nomination.id], "manual-judges": [korean.id, insider.id, world.judge.id]},
    )
    text = response.get_data(as_text=True)
    ref = nomination.reference
    assert "1 assignments added." in text
    assert (
        f"Park Ji-hoon was not assigned {ref}: the judge is from the nomination&#39;s country (KR), "
        "and this round keeps judges off their own country&#39;s nominations."
    ) in text
    assert (
        f"Insider was not assigned {ref}: the judge belongs to the nominating organisation "
        "(Seoul Metropolitan Government)."
    ) in text
    assigned = set(db.session.scalars(sa.select(Assignment.judge_id).where(Assignment.round_id == round_.id)))
    assert assigned == {world.judge.id}


def test_with_the_country_rule_off_the_korean_judge_may_be_assigned(client, world, korean_round, db):
    round_, nomination, korean, _insider = korean_round
    round_.same_country_conflict = False
    db.session.commit()
    added, refused = assignments_service.assign_manually(round_, [nomination.id], [korean.id], world.secretariat)
    assert (added, refused) == (1, [])


def test_reassigning_applies_the_rules_too(world, korean_round, db):
    round_, nomination, korean, insider = korean_round
    from awards_app.services import ServiceError

    assignments_service.assign_manually(round_, [nomination.id], [world.judge.id], world.secretariat)
    assignment = db.session.scalar(sa.select(Assignment))
    for judge, rule in ((korean, "country (KR)"), (insider, "nominating organisation")):
        with pytest.raises(ServiceError, match=re.escape(rule)):
            assignments_service.reassign(assignment, judge, world.secretariat)
    db.session.add(
        Conflict(judge_id=korean.id, nomination_id=nomination.id, reason="Advised", recorded_by_id=korean.id)
    )
    round_.same_country_conflict = False
    db.session.commit()
    with pytest.raises(ServiceError, match="conflict of interest is recorded"):
        assignments_service.reassign(assignment, korean, world.secretariat)


def test_judges_the_rules_cannot_see_are_named_on_the_round_people_and_assignment_pages(
    client, world, korean_round, db
):
    round_, _nomination, _korean, _insider = korean_round
    blank = make_user("blank@judges.example", [Role.JUDGE], name="Blank Profile")
    blank.affiliation = blank.country_code = ""
    half = make_user("half@judges.example", [Role.JUDGE], name="Half Profile")
    half.affiliation, half.country_code = "Somewhere University", ""
    db.session.commit()
    client.post("/auth/login", data={"email": world.secretariat.email, "password": PASSWORD})
    for url in (
        f"/secretariat/rounds/{round_.id}",
        f"/secretariat/rounds/{round_.id}/assignments",
        "/secretariat/people",
    ):
        text = client.get(url).get_data(as_text=True)
        assert "The conflict rules cannot check 2 judges." in text, url
        assert re.search(r"Blank Profile</a>:\s*no organisation, no country", text), url
        assert re.search(r"Half Profile</a>:\s*no country", text), url
        assert "Park Ji-hoon</a>" not in text
    response = client.post(
        f"/secretariat/rounds/{round_.id}/assignments/automatic", data={"auto-seed": "1"}, follow_redirects=True
    )
    text = response.get_data(as_text=True)
    assert "Blank Profile, Half Profile were given nothing" in text
    assert re.search(r'Complete the profile, then assign again: <a href="/secretariat/people/\d+/edit"', text)


def test_the_demo_judges_all_have_an_organisation_and_a_country(app, db):
    from awards_app import demo

    demo.seed()
    judges = db.session.scalars(sa.select(User).where(User.role_links.any(role=Role.JUDGE))).all()
    assert len(judges) == 17
    assert [j.email for j in judges if j.missing_conflict_details] == []
    # The chair is Korean: the same-country rule keeps her off the Korean nominations, like every Korean judge.
    korean_judges = {j.id for j in judges if j.country_code == "KR"}
    korean_work = db.session.scalars(
        sa.select(Assignment).join(Assignment.nomination).where(Assignment.judge_id.in_(korean_judges))
    ).all()
    assert [a for a in korean_work if a.nomination.organisation.country_code == "KR"] == []
