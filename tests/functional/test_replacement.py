"""Replacing a recused judge in one step: the progress page shows the nomination short of judges with "Assign a
replacement", which applies the automatic assignment's rules to that nomination alone and e-mails the new judge."""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
import sqlalchemy as sa

from awards_app.models import Assignment, AuditEvent, Conflict, Organisation, OrganisationType, Role
from awards_app.services import assignments as assignments_service
from awards_app.services import conflicts as conflicts_service
from tests.conftest import make_user
from tests.functional.judging_helpers import close
from tests.functional.test_rounds import eligible, new_round


@pytest.fixture
def panel(world, db):
    """Four judges from four countries, none of them the nominations' (Denmark)."""
    judges = [world.judge]
    world.judge.country_code = "PT"
    for email, country in [("lin@judges.example", "VN"), ("ola@judges.example", "NG"), ("max@judges.example", "DE")]:
        judge = make_user(email, [Role.JUDGE], name=email.split("@")[0].title())
        judge.country_code = country
        judges.append(judge)
    db.session.commit()
    return judges


@pytest.fixture
def recused(world, db, panel):
    """A round of two judges per nomination, assigned automatically, where one judge recused from the first."""
    round_ = new_round(world, db, k=2)
    nominations = [eligible(world, db, "Robot care"), eligible(world, db, "Harbour buses")]
    assignments_service.assign_automatically(round_, world.secretariat)
    assignment = db.session.scalars(
        sa.select(Assignment).where(Assignment.nomination_id == nominations[0].id).order_by(Assignment.id)
    ).first()
    conflicts_service.declare(assignment, assignment.judge, True, "I advised the city on this project.")
    return round_, nominations, assignment


def _panel_of(db, nomination) -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(sa.select(Assignment.judge_id).where(Assignment.nomination_id == nomination.id)))


def _mails(app) -> list:
    return [
        BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        for path in sorted(Path(app.config["MAIL_OUTBOX"]).glob("*.eml"))
    ]


def test_a_recusal_shows_the_nomination_short_with_a_replacement_button(client, auth, world, db, recused):
    round_, nominations, _assignment = recused
    auth.login(world.secretariat)
    page = client.get(f"/secretariat/rounds/{round_.id}/progress").get_data(as_text=True)
    assert page.count("Short of 1 judge") == 1
    assert f"/secretariat/rounds/{round_.id}/nominations/{nominations[0].id}/replacement" in page
    assert f"/nominations/{nominations[1].id}/replacement" not in page


def test_assign_a_replacement_by_the_rules_and_e_mail_the_new_judge(app, client, auth, world, db, panel, recused):
    round_, nominations, assignment = recused
    before = _panel_of(db, nominations[0])
    loads = dict(
        db.session.execute(
            sa.select(Assignment.judge_id, sa.func.count(Assignment.id))
            .where(Assignment.round_id == round_.id)
            .group_by(Assignment.judge_id)
        ).all()
    )
    auth.login(world.secretariat)
    progress = f"/secretariat/rounds/{round_.id}/progress"
    response = client.post(
        f"/secretariat/rounds/{round_.id}/nominations/{nominations[0].id}/replacement",
        data={"next": progress + "?page=1"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(progress + "?page=1")
    after = _panel_of(db, nominations[0])
    (new_judge_id,) = after - before
    # Not the recused judge, nor anyone already on it; the least loaded of those who may judge it.
    eligible_judges = [j.id for j in panel if j.id not in before]
    assert new_judge_id in eligible_judges
    assert loads.get(new_judge_id, 0) == min(loads.get(j, 0) for j in eligible_judges)
    # The recused judge keeps their assignment (and its recusal) for the record; the panel counts two again.
    assert db.session.scalar(sa.select(Conflict).where(Conflict.judge_id == assignment.judge_id))
    page = client.get(progress).get_data(as_text=True)
    assert "Short of 1 judge" not in page and "Assign a replacement" not in page
    assert "assigned and e-mailed" in page
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "assignment.replacement"))
    assert event is not None and nominations[0].reference in event.summary
    new_judge = next(j for j in panel if j.id == new_judge_id)
    (mail,) = _mails(app)
    assert mail["To"] == new_judge.email
    assert nominations[0].reference in mail["Subject"]
    body = mail.get_content()
    new_assignment = db.session.scalar(
        sa.select(Assignment).where(Assignment.judge_id == new_judge_id, Assignment.nomination_id == nominations[0].id)
    )
    link = re.search(r"https?://\S+", body).group(0)
    assert link == f"{app.config['EXTERNAL_URL']}/judging/assignments/{new_assignment.id}"
    assert "Robot care" in body
    # The new judge sees it among their assignments, to declare and score.
    auth.logout()
    auth.login(new_judge)
    assert client.get(f"/judging/assignments/{new_assignment.id}").status_code == 200


def test_a_nomination_with_all_its_judges_gets_nobody_more(client, auth, world, db, recused):
    round_, nominations, _assignment = recused
    before = _panel_of(db, nominations[1])
    auth.login(world.secretariat)
    response = client.post(
        f"/secretariat/rounds/{round_.id}/nominations/{nominations[1].id}/replacement", follow_redirects=True
    )
    assert b"has all its judges: nobody needs replacing." in response.data
    assert _panel_of(db, nominations[1]) == before


def test_no_replacement_once_the_round_has_closed(client, auth, world, db, recused):
    round_, nominations, _assignment = recused
    before = _panel_of(db, nominations[0])
    close(round_)
    auth.login(world.secretariat)
    response = client.post(
        f"/secretariat/rounds/{round_.id}/nominations/{nominations[0].id}/replacement", follow_redirects=True
    )
    assert b"This round has closed." in response.data
    assert _panel_of(db, nominations[0]) == before
    assert "Assign a replacement" not in client.get(f"/secretariat/rounds/{round_.id}/progress").get_data(as_text=True)


def test_a_nomination_of_another_round_or_none_is_refused(client, auth, world, db, recused):
    round_, _nominations, _assignment = recused
    outside = eligible(world, db, "Not in the round")
    other_round = new_round(world, db, name="Finalists", k=2)
    auth.login(world.secretariat)
    count = db.session.scalar(sa.select(sa.func.count(Assignment.id)))
    response = client.post(
        f"/secretariat/rounds/{other_round.id}/nominations/{outside.id}/replacement", follow_redirects=True
    )
    assert b"This nomination is not judged in this round." in response.data
    assert client.post(f"/secretariat/rounds/{round_.id}/nominations/99999/replacement").status_code == 404
    assert client.post(f"/secretariat/rounds/99999/nominations/{outside.id}/replacement").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(Assignment.id))) == count


def test_when_nobody_may_replace_the_page_says_why(client, auth, world, db, panel, recused):
    round_, nominations, _assignment = recused
    # Every other judge comes from the nomination's country now: the rules leave nobody.
    for judge in panel:
        if judge.id not in _panel_of(db, nominations[0]):
            judge.country_code = "DK"
    db.session.commit()
    before = _panel_of(db, nominations[0])
    auth.login(world.secretariat)
    response = client.post(
        f"/secretariat/rounds/{round_.id}/nominations/{nominations[0].id}/replacement", follow_redirects=True
    )
    assert b"still lacks 1 judge(s)" in response.data
    assert _panel_of(db, nominations[0]) == before


@pytest.mark.parametrize("who", ["judge", "applicant"])
def test_only_the_secretariat_assigns_a_replacement(client, auth, world, db, recused, who):
    round_, nominations, _assignment = recused
    before = _panel_of(db, nominations[0])
    auth.login(getattr(world, who))
    response = client.post(f"/secretariat/rounds/{round_.id}/nominations/{nominations[0].id}/replacement")
    assert response.status_code == 403
    assert _panel_of(db, nominations[0]) == before


def test_known_conflicts_are_shown_before_anyone_is_assigned(client, auth, world, db, panel):
    round_ = new_round(world, db, k=2)
    danish = Organisation(name="Aarhus Kommune", type=OrganisationType.CITY, country_code="DK", city="Aarhus")
    db.session.add(danish)
    own = eligible(world, db, "Robot care")  # the City of Odense, Denmark
    other = eligible(world, db, "Harbour buses", organisation=danish)
    panel[1].country_code = "DK"  # Lin now comes from Denmark: both nominations are off for them
    panel[2].affiliation = "city of odense"  # Ola works for the nominating organisation of the first
    db.session.commit()
    conflicts_service.record_conflict(panel[3], other, "Advised Aarhus in 2025.", world.secretariat)
    auth.login(world.secretariat)
    page = client.get(f"/secretariat/rounds/{round_.id}/assignments").get_data(as_text=True)
    section = page[page.index('id="known-conflicts"') : page.index("</details>", page.index('id="known-conflicts"'))]
    assert "3 judges may not judge some of this round" in section
    assert f"<strong>{panel[1].name}</strong> · 2 nominations" in section
    assert f"<strong>{panel[2].name}</strong> · 1 nomination" in section
    assert "from the nomination&#39;s country (DK)" in section
    assert "belongs to the nominating organisation (City of Odense)" in section
    assert "a conflict of interest is recorded" in section
    assert own.reference in section and other.reference in section
    assert panel[0].name not in section  # world.judge, from Portugal, has no known conflict
    assert db.session.scalar(sa.select(sa.func.count(Assignment.id))) == 0


def test_a_mail_server_that_fails_does_not_fail_the_replacement(app, client, auth, world, db, recused):
    """The replacement is saved before the e-mail goes: a mail server down must not answer an error saying nothing
    was saved, which would have the secretariat try again on a nomination that has its judges."""
    round_, nominations, _assignment = recused
    before = _panel_of(db, nominations[0])
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=9)  # nothing listens there: the connection is refused
    auth.login(world.secretariat)
    response = client.post(f"/secretariat/rounds/{round_.id}/nominations/{nominations[0].id}/replacement")
    assert response.status_code == 302
    assert len(_panel_of(db, nominations[0]) - before) == 1
    assert "assigned" in client.get(f"/secretariat/rounds/{round_.id}/progress").get_data(as_text=True)
