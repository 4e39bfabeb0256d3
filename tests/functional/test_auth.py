import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import sqlalchemy as sa

from awards_app.models import AuditEvent, Organisation, Role, User
from awards_app.regions import Region
from awards_app.services import accounts
from tests.conftest import PASSWORD, count

REGISTRATION = {
    "name": "Ida Jensen", "email": "Ida@Aarhus.example", "password": "a-long-password", "confirm": "a-long-password",
    "organisation_name": "Aarhus Kommune", "organisation_type": "city", "country": "DK", "city": "Aarhus",
    "agree": "y",
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


def test_applicant_registers_with_organisation_and_region(client, db):
    response = client.post("/auth/register", data=REGISTRATION)
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "ida@aarhus.example"))
    assert user.roles == {Role.APPLICANT}
    assert user.organisation.name == "Aarhus Kommune"
    assert user.organisation.region is Region.EUROPE
    assert user.password_hash != "a-long-password"
    assert client.get("/nominations/").status_code == 200  # signed in straight away


@pytest.mark.parametrize(
    ("change", "field_message"),
    [
        ({"email": "not-an-email"}, b"Enter a valid e-mail address."),
        ({"password": "short", "confirm": "short"}, b"Use at least 10 characters."),
        ({"confirm": "something-else"}, b"The two passwords differ."),
        ({"organisation_type": "empire"}, b"Not a valid choice"),
        ({"country": "XX"}, b"Not a valid choice"),
        ({"agree": ""}, b"Registration needs your agreement."),
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


def test_an_address_registers_once(client, world):
    response = client.post("/auth/register", data=REGISTRATION | {"email": world.applicant.email.upper()})
    assert b"already exists" in response.data
    assert count(User) == 4


def test_login_and_logout(client, auth, world):
    response = auth.login(world.applicant)
    assert response.status_code == 302
    assert client.get("/nominations/").status_code == 200
    assert auth.logout().status_code == 302
    assert client.get("/nominations/").status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_answer(client, auth, world):
    wrong = auth.login(world.applicant, "wrong-password").data
    unknown = auth.login("nobody@nowhere.example").data
    assert b"Wrong e-mail or password." in wrong
    assert b"Wrong e-mail or password." in unknown


def test_login_goes_only_to_local_next_pages(client, world):
    data = {"email": world.applicant.email, "password": PASSWORD}
    response = client.post("/auth/login?next=https://evil.example/", data=data)
    assert response.headers["Location"] == "/"
    client.post("/auth/logout")
    response = client.post("/auth/login?next=//evil.example", data=data)
    assert response.headers["Location"] == "/"
    client.post("/auth/logout")
    response = client.post("/auth/login?next=/nominations/", data=data)
    assert response.headers["Location"] == "/nominations/"


def test_login_starts_a_fresh_session(client, world):
    with client.session_transaction() as session:
        session["planted"] = "value"
        session["locale"] = "ko"
    client.post("/auth/login", data={"email": world.applicant.email, "password": PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["locale"] == "ko"


def test_a_deactivated_account_cannot_sign_in(client, auth, world, db):
    world.applicant.active = False
    db.session.commit()
    assert b"Wrong e-mail or password." in auth.login(world.applicant).data


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
    response = client.post(link, data={"password": "another-password", "confirm": "another-password"},
                           follow_redirects=True)
    assert b"already been used" in response.data
    assert auth.login(world.applicant, "another-password").status_code == 200


def test_reset_for_an_unknown_address_says_the_same_and_sends_nothing(app, client):
    response = client.post("/auth/forgot", data={"email": "nobody@nowhere.example"}, follow_redirects=True)
    assert b"If an account uses this address" in response.data
    assert outbox(app) == []


def test_expired_and_forged_reset_links_are_refused(app, client, world, monkeypatch):
    with app.test_request_context():
        token = accounts.make_token(world.applicant, accounts.RESET_SALT)
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    response = client.get(f"/auth/reset/{token}", follow_redirects=True)
    assert b"expired" in response.data
    response = client.get("/auth/reset/forged-token", follow_redirects=True)
    assert b"not valid" in response.data


def test_secretariat_invites_a_judge_who_sets_a_password(app, client, auth, world, db):
    auth.login(world.secretariat)
    response = client.post("/secretariat/people/invite",
                           data={"name": "Hiroshi Tanaka", "email": "tanaka@judges.example", "roles": ["judge"]})
    assert response.status_code == 302
    auth.logout()
    [message] = outbox(app)
    link = link_in(message)
    response = client.post(link, data={"name": "Hiroshi Tanaka", "password": "judge-password-1",
                                       "confirm": "judge-password-1"})
    assert response.status_code == 302
    judge = db.session.scalar(sa.select(User).where(User.email == "tanaka@judges.example"))
    assert judge.roles == {Role.JUDGE}
    assert judge.check_password("judge-password-1")
    auth.logout()
    assert b"already" in client.get(link, follow_redirects=True).data
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "account.invitation_accepted"))


def test_one_person_can_be_judge_and_secretariat(app, client, auth, world, db):
    auth.login(world.secretariat)
    client.post("/secretariat/people/invite",
                data={"name": "Ana Ferreira", "email": world.judge.email, "roles": ["secretariat"]})
    db.session.refresh(world.judge)
    assert world.judge.roles == {Role.JUDGE, Role.SECRETARIAT}


def test_invitations_refuse_applicant_addresses_and_missing_roles(client, auth, world):
    auth.login(world.secretariat)
    response = client.post("/secretariat/people/invite",
                           data={"name": "X", "email": world.applicant.email, "roles": ["judge"]})
    assert b"belongs to an applicant" in response.data
    response = client.post("/secretariat/people/invite", data={"name": "X", "email": "x@judges.example"})
    assert b"Choose at least one role." in response.data
    assert world.applicant.roles == {Role.APPLICANT}


def test_create_admin_command(runner, db):
    result = runner.invoke(args=["awards", "create-admin", "--email", "Chief@WeGO.example", "--name", "Chief",
                                 "--password", "admin-password-1"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "chief@wego.example"))
    assert user.is_secretariat and user.check_password("admin-password-1")


def test_create_admin_refuses_a_short_password(runner, db):
    result = runner.invoke(args=["awards", "create-admin", "--email", "a@b.example", "--name", "A",
                                 "--password", "short"])
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
