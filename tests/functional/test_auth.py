import math
import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import sqlalchemy as sa
from limits import parse as parse_limit
from werkzeug.middleware.proxy_fix import ProxyFix

from awards_app import create_app
from awards_app.extensions import limiter
from awards_app.models import AuditEvent, Consent, Organisation, Role, User
from awards_app.regions import Region
from awards_app.services import accounts as accounts_service
from tests.conftest import PASSWORD, count

REGISTRATION = {
    "name": "Ida Jensen",
    "email": "Ida@Aarhus.example",
    "password": "a-long-password",
    "confirm": "a-long-password",
    "organisation_name": "Aarhus Kommune",
    "organisation_type": "city",
    "country": "DK",
    "city": "Aarhus",
    "consent_collection": "y",
    "consent_provision": "y",
    "consent_transfer_abroad": "y",
}


def outbox(app) -> list[str]:
    folder = Path(app.config["MAIL_OUTBOX"])
    if not folder.exists():
        return []
    messages = [message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(folder.glob("*.eml"))]
    return [f"To: {m['To']}\nSubject: {m['Subject']}\n\n{m.get_content()}" for m in messages]


def link_in(message: str) -> str:
    match = re.search(r"http://localhost(/auth/\S+)", message)
    assert match, message
    return match.group(1)


def test_applicant_registers_with_organisation_and_region_and_confirms_the_address(app, client, db):
    response = client.post("/auth/register", data=REGISTRATION, follow_redirects=True)
    assert b"Almost done: we have e-mailed a link to ida@aarhus.example" in response.data
    user = db.session.scalar(sa.select(User).where(User.email == "ida@aarhus.example"))
    assert user.roles == {Role.APPLICANT}
    assert user.organisation.name == "Aarhus Kommune"
    assert user.organisation.region is Region.EUROPE
    assert user.password_hash != "a-long-password"
    assert user.confirmation_pending
    assert client.get("/nominations/").status_code == 302  # not signed in before the address is confirmed
    # Signing in before confirming sends the link again instead.
    response = client.post("/auth/login", data={"email": "ida@aarhus.example", "password": "a-long-password"})
    assert b"Confirm your e-mail address first" in response.data
    first, again = outbox(app)
    assert "Subject: Confirm your e-mail address" in first and "Subject: Confirm your e-mail address" in again
    # The link shows a button (a mail scanner opening it changes nothing); the button opens the account.
    link = link_in(first)
    assert b"Confirm and continue" in client.get(link).data
    db.session.refresh(user)
    assert user.confirmation_pending
    # With the password the registration was made with (a squatter's registration of the address is not opened).
    response = client.post(link, data={"password": "a-wrong-password"})
    assert b"not the password this registration was made with" in response.data
    response = client.post(link, data={"password": "a-long-password"}, follow_redirects=True)
    assert b"Welcome! Your account is ready" in response.data
    assert client.get("/nominations/").status_code == 200
    # Used once.
    auth_client = app.test_client()
    response = auth_client.post(link, data={"password": "a-long-password"}, follow_redirects=True)
    assert b"already confirmed" in response.data
    assert auth_client.get("/nominations/").status_code == 302


@pytest.mark.parametrize(
    ("change", "field_message"),
    [
        ({"email": "not-an-email"}, b"Enter a valid e-mail address."),
        ({"password": "short", "confirm": "short"}, b"Use at least 10 characters."),
        ({"confirm": "something-else"}, b"The two passwords differ."),
        ({"organisation_type": "empire"}, b"Not a valid choice"),
        ({"country": "XX"}, b"Not a valid choice"),
        ({"consent_collection": ""}, b"Without this consent the prize cannot use your information."),
        ({"consent_transfer_abroad": ""}, b"Without this consent the international judges cannot read it."),
        ({"city": ""}, b"This field is required."),
    ],
)
def test_bad_registration_is_refused_at_the_field_and_creates_nothing(client, db, change, field_message):
    response = client.post("/auth/register", data=REGISTRATION | change)
    assert response.status_code == 200
    assert field_message in response.data
    assert b"invalid-feedback" in response.data
    assert count(User) == 0
    assert count(Organisation) == 0


def test_an_address_registers_once_and_its_owner_is_told(app, client, world):
    fresh = client.post("/auth/register", data=REGISTRATION, follow_redirects=True)
    taken = client.post(
        "/auth/register", data=REGISTRATION | {"email": world.applicant.email.upper()}, follow_redirects=True
    )
    # The page says the same for a new and a taken address (only the address typed differs).
    assert fresh.status_code == taken.status_code == 200
    assert fresh.data.replace(b"ida@aarhus.example", b"X") == taken.data.replace(world.applicant.email.encode(), b"X")
    assert count(User) == 5  # Ida's new account; nothing for the taken address
    assert world.applicant.organisation.name == "City of Odense"
    messages = outbox(app)
    [warning] = [m for m in messages if m.startswith(f"To: {world.applicant.email}")]
    assert "Someone tried to register" in warning
    assert "http://localhost/auth/login" in warning and "http://localhost/auth/forgot" in warning


def test_a_registration_never_confirmed_is_replaced_by_the_next_and_only_the_newest_link_works(app, client, db):
    client.post("/auth/register", data=REGISTRATION | {"organisation_name": "Squatter Inc"})
    client.post("/auth/register", data=REGISTRATION)
    first, second = (link_in(m) for m in outbox(app))
    user = db.session.scalar(sa.select(User).where(User.email == "ida@aarhus.example"))
    assert user.organisation.name == "Aarhus Kommune"
    assert count(User) == 1 and count(Organisation) == 1
    typed = {"password": "a-long-password"}
    assert b"already been used or is no longer valid" in client.post(first, data=typed, follow_redirects=True).data
    assert b"Welcome!" in client.post(second, data=typed, follow_redirects=True).data


def test_a_registration_taken_over_before_it_is_confirmed_opens_nothing_to_the_squatter(app, client, db):
    # The owner registers; before they open the link, someone registers their address again with another password.
    client.post("/auth/register", data=REGISTRATION)
    squatter = {"organisation_name": "Squatter Inc", "password": "squatters-pass", "confirm": "squatters-pass"}
    app.test_client().post("/auth/register", data=REGISTRATION | squatter)
    newest = link_in(outbox(app)[-1])  # in the owner's mailbox, like the first
    # The owner confirms with their own password: refused, the account stays unconfirmed and nobody is signed in.
    response = client.post(newest, data={"password": "a-long-password"}, follow_redirects=True)
    assert b"not the password this registration was made with" in response.data
    user = db.session.scalar(sa.select(User).where(User.email == "ida@aarhus.example"))
    assert user.confirmation_pending
    assert client.get("/nominations/").status_code == 302
    intruder = app.test_client()
    response = intruder.post("/auth/login", data={"email": "ida@aarhus.example", "password": "squatters-pass"})
    assert b"Confirm your e-mail address first" in response.data
    assert intruder.get("/nominations/").status_code == 302
    # Registering again takes the account back; its newest link, with that password, opens it.
    client.post("/auth/register", data=REGISTRATION)
    response = client.post(link_in(outbox(app)[-1]), data={"password": "a-long-password"}, follow_redirects=True)
    assert b"Welcome! Your account is ready" in response.data
    db.session.refresh(user)
    assert user.organisation.name == "Aarhus Kommune"


def test_a_confirmation_link_does_not_sign_a_visitor_into_someone_else_s_account(app, client, world, db):
    # A link forwarded to another person (or planted in a page) does not swap the visitor's sign-in for its account.
    app.test_client().post("/auth/register", data=REGISTRATION)
    link = link_in(outbox(app)[-1])
    client.post("/auth/login", data={"email": world.applicant.email, "password": PASSWORD})
    response = client.post(link, data={"password": ""}, follow_redirects=True)
    assert b"Welcome!" not in response.data
    assert db.session.scalar(sa.select(User).where(User.email == "ida@aarhus.example")).confirmation_pending
    assert client.get("/nominations/").status_code == 200  # still the applicant who was signed in


def test_login_and_logout(client, auth, world):
    response = auth.login(world.applicant)
    assert response.status_code == 302
    assert client.get("/nominations/").status_code == 200
    assert auth.logout().status_code == 302
    assert client.get("/nominations/").status_code == 302


def test_password_reset_link_works_once(app, client, auth, world):
    response = client.post("/auth/forgot", data={"email": world.applicant.email})
    assert response.status_code == 302
    [message] = outbox(app)
    assert world.applicant.email in message
    link = link_in(message)
    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": "brand-new-password", "confirm": "brand-new-password"})
    assert response.status_code == 302
    assert auth.login(world.applicant, "brand-new-password").status_code == 302
    auth.logout()
    # Used once: the same link is now refused, and the password stays.
    response = client.post(
        link, data={"password": "another-password", "confirm": "another-password"}, follow_redirects=True
    )
    assert b"already been used" in response.data
    assert auth.login(world.applicant, "another-password").status_code == 200


def test_a_reset_asked_for_an_account_never_given_a_password_sends_its_invitation_again(app, client, db, world):
    # An applicant of an imported nomination (or a judge invited) who lost the e-mail: the reset is the way they try.
    from tests.conftest import make_user

    imported = make_user("contact@bogota.example", [Role.APPLICANT], name="Laura Gómez")
    imported.password_hash = None
    db.session.commit()
    response = client.post("/auth/forgot", data={"email": imported.email}, follow_redirects=True)
    assert b"If an account uses this address" in response.data  # the same answer as for any address
    [message] = outbox(app)
    assert imported.email in message and "/auth/invitation/" in message and "/auth/reset/" not in message
    assert "You are invited to the Seoul Smart City Prize as Applicant." in message
    link = link_in(message)
    assert client.get(link).status_code == 200  # the page to set a password


def test_reset_for_an_unknown_address_says_the_same_and_sends_nothing(app, client):
    response = client.post("/auth/forgot", data={"email": "nobody@nowhere.example"}, follow_redirects=True)
    assert b"If an account uses this address" in response.data
    assert outbox(app) == []


def test_expired_and_forged_reset_links_are_refused(app, client, world, monkeypatch):
    with app.test_request_context():
        token = accounts_service.make_token(world.applicant, accounts_service.RESET_SALT)
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    response = client.get(f"/auth/reset/{token}", follow_redirects=True)
    assert b"expired" in response.data
    response = client.get("/auth/reset/forged-token", follow_redirects=True)
    assert b"not valid" in response.data


def test_secretariat_invites_a_judge_who_sets_a_password(app, client, auth, world, db):
    auth.login(world.secretariat)
    response = client.post(
        "/secretariat/people/invite",
        data={
            "name": "Hiroshi Tanaka",
            "email": "tanaka@judges.example",
            "roles": ["judge"],
            "affiliation": "Tokyo Institute of Urban Studies",
            "country_code": "JP",
            "locale": "en",
        },
    )
    assert response.status_code == 302
    auth.logout()
    [message] = outbox(app)
    link = link_in(message)
    accepting = {
        "name": "Hiroshi Tanaka",
        "password": "judge-password-1",
        "confirm": "judge-password-1",
        "affiliation": "Tokyo Institute of Urban Studies",
        "country_code": "JP",
        "time_zone": "Asia/Tokyo",
        "languages": "English, Japanese",
    }
    # Each consent is its own tick: one missing, and nothing is saved.
    refused = client.post(link, data={**accepting, "consent_collection": "y", "consent_provision": "y"})
    assert refused.status_code == 200
    assert "Without this consent the international judges cannot read it." in refused.get_data(as_text=True)
    judge = db.session.scalar(sa.select(User).where(User.email == "tanaka@judges.example"))
    assert not judge.has_password
    response = client.post(
        link,
        data={**accepting, "consent_collection": "y", "consent_provision": "y", "consent_transfer_abroad": "y"},
    )
    assert response.status_code == 302
    db.session.refresh(judge)
    consents = db.session.scalars(sa.select(Consent).where(Consent.user_id == judge.id)).all()
    assert sorted(c.purpose for c in consents) == ["collection", "provision", "transfer_abroad"]
    assert {c.notice_version for c in consents} == {1}
    assert judge.roles == {Role.JUDGE}
    assert judge.check_password("judge-password-1")
    auth.logout()
    assert b"already" in client.get(link, follow_redirects=True).data
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "account.invitation_accepted"))


def test_one_person_can_be_judge_and_secretariat(app, client, auth, world, db):
    auth.login(world.secretariat)
    client.post(
        "/secretariat/people/invite",
        data={"name": "Ana Ferreira", "email": world.judge.email, "roles": ["secretariat"]},
    )
    db.session.refresh(world.judge)
    assert world.judge.roles == {Role.JUDGE, Role.SECRETARIAT}


def test_invitations_refuse_applicant_addresses_and_missing_roles(client, auth, world):
    auth.login(world.secretariat)
    response = client.post(
        "/secretariat/people/invite", data={"name": "X", "email": world.applicant.email, "roles": ["judge"]}
    )
    assert b"belongs to an applicant" in response.data
    response = client.post("/secretariat/people/invite", data={"name": "X", "email": "x@judges.example"})
    assert b"Choose at least one role." in response.data
    assert world.applicant.roles == {Role.APPLICANT}


def test_create_admin_command(runner, db):
    result = runner.invoke(
        args=[
            "awards",
            "create-admin",
            "--email",
            "Chief@WeGO.example",
            "--name",
            "Chief",
            "--password",
            "admin-password-1",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "chief@wego.example"))
    assert user.is_secretariat and user.check_password("admin-password-1")


def test_create_admin_refuses_a_short_password(runner, db):
    result = runner.invoke(
        args=["awards", "create-admin", "--email", "a@b.example", "--name", "A", "--password", "short"]
    )
    assert result.exit_code != 0
    assert "at least 10" in result.output
    assert count(User) == 0


def test_a_new_password_signs_out_other_sessions(app, client, auth, world):
    other_device = app.test_client()
    other_device.post("/auth/login", data={"email": world.applicant.email, "password": PASSWORD})
    assert other_device.get("/nominations/").status_code == 200
    client.post("/auth/forgot", data={"email": world.applicant.email})
    link = link_in(outbox(app)[0])
    client.post(link, data={"password": "brand-new-password", "confirm": "brand-new-password"})
    assert other_device.get("/nominations/").status_code == 302  # back to sign-in


# --- Throttling: failed sign-ins per account and per address, reset requests, registrations -----------------

WRONG = "not-the-password"
LIMIT_SETTINGS = (
    "LOGIN_LIMIT_PER_ACCOUNT",
    "LOGIN_LIMIT_PER_ADDRESS",
    "RESET_LIMIT_PER_ACCOUNT",
    "RESET_LIMIT_PER_ADDRESS",
    "REGISTER_LIMIT_PER_ADDRESS",
)


@pytest.fixture
def throttled(app):
    """Switch throttling on for this test (the suite runs with it off), with fresh counters.

    The configured numbers stay, over whole-day windows: the sliding window counter weighs the previous fixed
    window by the time left in it, so a 15-minute boundary falling inside a test would let one more attempt by.
    """
    for setting in LIMIT_SETTINGS:
        app.config[setting] = f"{parse_limit(app.config[setting]).amount} per day"
    app.config["RATELIMIT_ENABLED"] = True
    limiter.init_app(app)
    return limiter


def sign_in(client, email, password, address="10.0.0.1", **kwargs):
    return client.post(
        "/auth/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}, **kwargs
    )


def flashed(response) -> list[str]:
    return re.findall(r'<div class="alert[^"]*"[^>]*>\s*(.*?)\s*<', response.get_data(as_text=True), re.S)


def test_throttling_is_off_in_the_test_configuration_by_default(client, world):
    for _ in range(12):
        assert sign_in(client, world.applicant.email, WRONG).status_code == 200
    assert sign_in(client, world.applicant.email, PASSWORD).status_code == 302


def test_unknown_inactive_and_wrong_get_one_and_the_same_answer(client, world, db, throttled):
    world.other_applicant.active = False
    db.session.commit()
    answers = [
        sign_in(client, "nobody@example.org", WRONG),
        sign_in(client, world.applicant.email, WRONG),
        sign_in(client, world.other_applicant.email, PASSWORD),
    ]
    assert {answer.status_code for answer in answers} == {200}
    assert [flashed(answer) for answer in answers] == [["Wrong e-mail or password."]] * 3


def test_five_failures_lock_the_account_even_against_the_right_password(client, world, db, throttled):
    for _ in range(5):
        assert sign_in(client, world.applicant.email, WRONG).status_code == 200
    blocked = sign_in(client, world.applicant.email, PASSWORD)
    assert blocked.status_code == 429
    wait = int(blocked.headers["Retry-After"])
    assert 0 < wait <= 24 * 60 * 60
    [message] = flashed(blocked)
    assert message == (
        f"Too many failed sign-ins. Try again in {math.ceil(wait / 60)} minute(s), or reset your password."
    )
    page = blocked.get_data(as_text=True)
    assert 'name="password"' in page  # the sign-in form again
    assert 'value="applicant@odense.example"' in page  # with the e-mail typed, never the password
    assert PASSWORD not in page
    assert b'action="/auth/logout"' not in blocked.data  # not signed in
    db.session.refresh(world.applicant)
    assert world.applicant.last_login_at is None  # the password was not even checked
    # The same account typed differently shares the count; other accounts from the same address still sign in.
    assert sign_in(client, "  Applicant@ODENSE.example ", PASSWORD).status_code == 429
    assert sign_in(client, world.other_applicant.email, PASSWORD).status_code == 302


def test_a_long_e_mail_is_counted_like_any_other(client, world, throttled):
    longest = "ana.kim+prize-" + "k" * 50 + "@" + ("x" * 63 + ".") * 2 + "example.org"
    assert len(longest) > 200
    for _ in range(5):
        assert sign_in(client, longest.upper(), WRONG).status_code == 200
    assert sign_in(client, longest, WRONG).status_code == 429


def test_the_throttled_sign_in_page_speaks_korean(client, world, throttled):
    client.post("/language", data={"language": "ko"})
    for _ in range(5):
        sign_in(client, world.applicant.email, WRONG)
    blocked = sign_in(client, world.applicant.email, WRONG)
    assert blocked.status_code == 429
    assert "로그인에 너무 여러 번 실패했습니다" in flashed(blocked)[0]


def test_only_failed_sign_ins_count(client, world, throttled):
    for _ in range(10):
        assert client.get("/auth/login", environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 200
        assert sign_in(client, world.applicant.email, "").status_code == 200  # a form error, not an attempt
    for _ in range(4):
        sign_in(client, world.applicant.email, WRONG)
    assert sign_in(client, world.applicant.email, PASSWORD).status_code == 302


def test_a_successful_sign_in_clears_the_account_count(client, world, throttled):
    for _ in range(4):
        sign_in(client, world.applicant.email, WRONG)
    assert sign_in(client, world.applicant.email, PASSWORD).status_code == 302
    client.post("/auth/logout")
    for _ in range(4):
        sign_in(client, world.applicant.email, WRONG)
    assert sign_in(client, world.applicant.email, PASSWORD).status_code == 302


def test_one_address_trying_many_accounts_is_stopped(client, world, throttled):
    for index in range(30):
        assert sign_in(client, f"guess{index}@example.org", WRONG, address="203.0.113.9").status_code == 200
    blocked = sign_in(client, world.applicant.email, PASSWORD, address="203.0.113.9")
    assert blocked.status_code == 429 and "Too many failed sign-ins" in flashed(blocked)[0]
    assert sign_in(client, world.applicant.email, PASSWORD, address="198.51.100.7").status_code == 302


def test_without_a_trusted_proxy_a_forged_forwarded_address_changes_nothing(client, world, throttled):
    for index in range(30):
        sign_in(
            client,
            f"guess{index}@example.org",
            WRONG,
            address="203.0.113.9",
            headers={"X-Forwarded-For": f"192.0.2.{index}"},
        )
    blocked = sign_in(
        client, world.applicant.email, PASSWORD, address="203.0.113.9", headers={"X-Forwarded-For": "198.51.100.7"}
    )
    assert blocked.status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_address_is_counted(app, client, world, throttled):
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # what PROXY_FIX_X_FOR=1 sets up

    def through_proxy(email, password, forwarded):
        return sign_in(client, email, password, address="127.0.0.1", headers={"X-Forwarded-For": forwarded})

    for index in range(30):
        through_proxy(f"guess{index}@example.org", WRONG, "203.0.113.9")
    assert through_proxy(world.applicant.email, PASSWORD, "203.0.113.9").status_code == 429
    assert through_proxy(world.applicant.email, PASSWORD, "198.51.100.7").status_code == 302


def test_the_proxy_setting_wraps_the_app(tmp_path):
    url = f"sqlite:///{tmp_path / 'proxy.sqlite3'}"
    behind = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "PROXY_FIX_X_FOR": 2})
    assert isinstance(behind.wsgi_app, ProxyFix) and behind.wsgi_app.x_for == 2
    assert not isinstance(create_app("testing", {"SQLALCHEMY_DATABASE_URI": url}).wsgi_app, ProxyFix)


def test_password_reset_requests_are_throttled_per_account(app, client, world, throttled):
    for _ in range(3):
        assert client.post("/auth/forgot", data={"email": world.applicant.email}).status_code == 302
    blocked = client.post("/auth/forgot", data={"email": world.applicant.email.upper()})
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert "Too many reset requests" in flashed(blocked)[-1]  # after the confirmation not yet shown
    assert len(outbox(app)) == 3
    assert client.post("/auth/forgot", data={"email": world.other_applicant.email}).status_code == 302


def test_password_reset_requests_are_throttled_per_address(app, client, world, throttled):
    for index in range(10):
        assert client.post("/auth/forgot", data={"email": f"guess{index}@example.org"}).status_code == 302
    blocked = client.post("/auth/forgot", data={"email": world.applicant.email})
    assert blocked.status_code == 429
    assert outbox(app) == []


def test_registrations_are_throttled_per_address(app, db, throttled):
    def register(index, address="203.0.113.9"):
        return app.test_client().post(
            "/auth/register",
            data=REGISTRATION | {"email": f"city{index}@example.org"},
            environ_base={"REMOTE_ADDR": address},
        )

    for index in range(10):
        assert register(index).status_code == 302
    blocked = register(10)
    assert blocked.status_code == 429
    assert "Too many accounts were created from this address" in flashed(blocked)[0]
    assert 'value="city10@example.org"' in blocked.get_data(as_text=True)  # the form comes back filled in
    assert count(User) == 10
    assert register(11, address="198.51.100.7").status_code == 302


def test_a_failing_counter_store_neither_errs_nor_stops_throttling(client, world, throttled, monkeypatch, caplog):
    def unreachable(*args, **kwargs):
        raise ConnectionError("the counter store does not answer")

    # The Redis or Memcached named by RATELIMIT_STORAGE_URI goes down: counting goes on in the process.
    for method in ("get_sliding_window", "acquire_sliding_window_entry", "clear_sliding_window"):
        monkeypatch.setattr(throttled.storage, method, unreachable)
    monkeypatch.setattr(throttled.storage, "check", lambda: False)
    monkeypatch.setattr(throttled, "_storage_dead", False)  # restored for the tests that follow
    for _ in range(5):
        assert sign_in(client, world.applicant.email, WRONG).status_code == 200
    assert sign_in(client, world.applicant.email, PASSWORD).status_code == 429
    assert "falling back to in-memory storage" in caplog.text


def test_registration_records_each_consent_with_the_notice_version_and_refuses_without_one(client, db):
    missing = {k: v for k, v in REGISTRATION.items() if k != "consent_provision"}
    refused = client.post("/auth/register", data=missing)
    assert refused.status_code == 200
    assert "Without this consent nominations cannot be judged or awarded." in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(User).where(User.email == "ida@aarhus.example")) is None
    client.post("/auth/register", data=REGISTRATION)
    user = db.session.scalar(sa.select(User).where(User.email == "ida@aarhus.example"))
    consents = db.session.scalars(sa.select(Consent).where(Consent.user_id == user.id)).all()
    assert sorted(c.purpose for c in consents) == ["collection", "provision", "transfer_abroad"]
    assert {c.notice_version for c in consents} == {1} and all(c.given_at for c in consents)


def test_the_privacy_notice_is_public_in_both_languages_and_the_secretariat_publishes_versions(client, auth, world, db):
    english = client.get("/privacy").get_data(as_text=True)
    assert "Version 1" in english and "Personal Information Protection Act" in english and "3 years" in english
    client.post("/language", data={"language": "ko"})
    assert "개인정보 보호법" in client.get("/privacy").get_data(as_text=True)
    client.post("/language", data={"language": "en"})
    auth.login(world.secretariat)
    unchanged = client.post("/secretariat/privacy", data={"text_en": english and "x", "text_ko": ""})
    assert unchanged.status_code == 200 and "This field is required" in unchanged.get_data(as_text=True)
    published = client.post(
        "/secretariat/privacy", data={"text_en": "New notice.\nKept 3 years.", "text_ko": "새 방침."}
    )
    assert published.status_code == 302
    assert "Version 2" in client.get("/privacy").get_data(as_text=True)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "privacy.published"))
    assert event is not None and event.actor_id == world.secretariat.id
    # Consents given from now on are recorded under version 2; the account page lists a person's own.
    auth.logout()
    client.post("/auth/register", data=REGISTRATION)
    user = db.session.scalar(sa.select(User).where(User.email == "ida@aarhus.example"))
    assert {c.notice_version for c in db.session.scalars(sa.select(Consent).where(Consent.user_id == user.id))} == {2}


def test_download_my_data_gives_a_person_everything_held_about_them_and_nothing_else(app, client, auth, world, db):
    import io
    import json
    import zipfile

    from tests.e2e.helpers import small_pdf

    auth.login(world.applicant)
    client.post("/nominations/new/" + str(world.project.id), data={"title": "Robot care", "problem": "Waiting."})
    pdf = small_pdf(1)
    from awards_app.models import Nomination

    nomination_id = db.session.scalar(sa.select(Nomination.id).where(Nomination.title == "Robot care"))
    client.post(
        f"/nominations/{nomination_id}/edit",
        data={"title": "Robot care", "problem": "Waiting.", "document": (io.BytesIO(pdf), "plan.pdf"), "upload": "1"},
        content_type="multipart/form-data",
    )
    auth.logout()
    auth.login(world.other_applicant)
    client.post("/nominations/new/" + str(world.project.id), data={"title": "Someone else's secret"})
    auth.logout()

    auth.login(world.applicant)
    response = client.get("/auth/account/my-data.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "no-store" in response.headers["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    data = json.loads(archive.read("data.json"))
    assert data["account"]["email"] == world.applicant.email
    assert data["account"]["organisation"]["name"] == "City of Odense"
    assert [n["title"] for n in data["nominations"]] == ["Robot care"]
    assert data["nominations"][0]["answers"]["problem"] == "Waiting."
    (document,) = data["documents"]
    assert archive.read(document["file"]) == pdf and document["name"] == "plan.pdf"
    assert any(a["action"] == "nomination.created" for a in data["actions"])
    assert "Someone else's secret" not in json.dumps(data)
    assert world.other_applicant.email not in json.dumps(data)


def test_a_judges_data_holds_their_declarations_scores_and_comments(client, auth, world, db):
    import io
    import json
    import zipfile

    from awards_app.services import sheets as sheets_service
    from tests.functional.judging_helpers import assign, criteria, eligible, judging_round

    round_ = judging_round(world)
    assignment = assign(round_, eligible(world), world.judge, declared=True)
    rubric = criteria(round_, world.project)
    values = {c.id: "7" for c in rubric}
    comments = {rubric[0].id: "Clear evidence."}
    sheets_service.save_sheet(assignment, world.judge, sheets_service.SheetInput(values, comments, "Strong."))
    auth.login(world.judge)
    data = json.loads(zipfile.ZipFile(io.BytesIO(client.get("/auth/account/my-data.zip").data)).read("data.json"))
    (judged,) = data["judging"]
    assert judged["nomination"] == assignment.nomination.reference and judged["no_conflict_declared_at"]
    assert judged["scores"]["overall_comment"] == "Strong."
    assert {c["score"] for c in judged["scores"]["criteria"]} == {"7.00"} or {
        c["score"] for c in judged["scores"]["criteria"]
    } == {"7"}
    assert "Clear evidence." in [c["comment"] for c in judged["scores"]["criteria"]]
