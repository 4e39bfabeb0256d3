"""Every route of the URL map, for every kind of visitor.

A route added without a line in ACCESS fails ``test_every_route_has_a_rule``, so nothing new can be left
unguarded by accident.
"""

import io

import pytest
import sqlalchemy as sa

from awards_app.models import Assignment, Attachment, Criterion, Nomination, Round, utcnow
from tests.conftest import PASSWORD
from tests.unit.test_storage import PDF

VISITORS = ("anonymous", "other_applicant", "judge", "secretariat", "owner")  # owner last: it may delete
OK, LOGIN, DENY = "ok", "login", "deny"

# endpoint: what each visitor gets, in the order anonymous, owner, other applicant, judge, secretariat.
ACCESS: dict[str, tuple[str, str, str, str, str]] = {
    "main.index": (OK, OK, OK, OK, OK),
    "main.set_language": (OK, OK, OK, OK, OK),
    "main.health": (OK, OK, OK, OK, OK),
    "static": (OK, OK, OK, OK, OK),
    "bootstrap.static": (OK, OK, OK, OK, OK),
    "auth.login": (OK, OK, OK, OK, OK),
    "auth.logout": (OK, OK, OK, OK, OK),
    "auth.register": (OK, OK, OK, OK, OK),
    "auth.forgot_password": (OK, OK, OK, OK, OK),
    "auth.reset_password": (OK, OK, OK, OK, OK),
    "auth.accept_invitation": (OK, OK, OK, OK, OK),
    "auth.account": (LOGIN, OK, OK, OK, OK),
    "nominations.index": (LOGIN, OK, OK, DENY, DENY),
    "nominations.create": (LOGIN, OK, OK, DENY, DENY),
    "nominations.edit": (LOGIN, OK, DENY, DENY, DENY),
    "nominations.view": (LOGIN, OK, DENY, OK, OK),  # the judge here is assigned to the nomination
    "nominations.withdraw": (LOGIN, OK, DENY, DENY, DENY),
    "nominations.delete_attachment": (LOGIN, OK, DENY, DENY, DENY),
    "nominations.download": (LOGIN, OK, DENY, OK, OK),
    "secretariat.dashboard": (LOGIN, DENY, DENY, DENY, OK),
    "secretariat.edition_list": (LOGIN, DENY, DENY, DENY, OK),
    "secretariat.edition_create": (LOGIN, DENY, DENY, DENY, OK),
    "secretariat.edition_detail": (LOGIN, DENY, DENY, DENY, OK),
    "secretariat.edition_edit": (LOGIN, DENY, DENY, DENY, OK),
    "secretariat.category_create": (LOGIN, DENY, DENY, DENY, OK),
    "secretariat.category_edit": (LOGIN, DENY, DENY, DENY, OK),
    "secretariat.nomination_list": (LOGIN, DENY, DENY, DENY, OK),
    "secretariat.nomination_detail": (LOGIN, DENY, DENY, DENY, OK),
    "secretariat.user_list": (LOGIN, DENY, DENY, DENY, OK),
    "secretariat.user_invite": (LOGIN, DENY, DENY, DENY, OK),
    "secretariat.user_resend": (LOGIN, DENY, DENY, DENY, OK),
    "secretariat.user_edit": (LOGIN, DENY, DENY, DENY, OK),
    "secretariat.audit_log": (LOGIN, DENY, DENY, DENY, OK),
    "rounds.round_list": (LOGIN, DENY, DENY, DENY, OK),
    "rounds.round_create": (LOGIN, DENY, DENY, DENY, OK),
    "rounds.round_detail": (LOGIN, DENY, DENY, DENY, OK),
    "rounds.round_edit": (LOGIN, DENY, DENY, DENY, OK),
    "rounds.rubric_edit": (LOGIN, DENY, DENY, DENY, OK),
    "rounds.assignments": (LOGIN, DENY, DENY, DENY, OK),
    "rounds.assign_manual": (LOGIN, DENY, DENY, DENY, OK),
    "rounds.assign_automatic": (LOGIN, DENY, DENY, DENY, OK),
    "rounds.assignment_remove": (LOGIN, DENY, DENY, DENY, OK),
    "rounds.assignment_reassign": (LOGIN, DENY, DENY, DENY, OK),
    "rounds.assignment_reopen": (LOGIN, DENY, DENY, DENY, OK),
    "rounds.progress": (LOGIN, DENY, DENY, DENY, OK),
    "rounds.remind": (LOGIN, DENY, DENY, DENY, OK),
    "rounds.conflicts": (LOGIN, DENY, DENY, DENY, OK),
    "rounds.advance": (LOGIN, DENY, DENY, DENY, OK),
    "rounds.results": (LOGIN, DENY, DENY, DENY, OK),
    "rounds.advance_top": (LOGIN, DENY, DENY, DENY, OK),
    "rounds.assign_awards": (LOGIN, DENY, DENY, DENY, OK),
    "rounds.override_award": (LOGIN, DENY, DENY, DENY, OK),
    "rounds.publish": (LOGIN, DENY, DENY, DENY, OK),
    "rounds.results_workbook": (LOGIN, DENY, DENY, DENY, OK),
    "rounds.results_csv": (LOGIN, DENY, DENY, DENY, OK),
    "secretariat.nomination_import": (LOGIN, DENY, DENY, DENY, OK),
    "secretariat.nomination_template": (LOGIN, DENY, DENY, DENY, OK),
    "secretariat.judge_import": (LOGIN, DENY, DENY, DENY, OK),
    "secretariat.judge_template": (LOGIN, DENY, DENY, DENY, OK),
    # The judge here is assigned and has declared no conflict: the score sheet is open to them alone.
    "judging.index": (LOGIN, DENY, DENY, OK, DENY),
    "judging.assignment": (LOGIN, DENY, DENY, OK, DENY),
    "judging.autosave": (LOGIN, DENY, DENY, OK, DENY),
    "judging.declare": (LOGIN, DENY, DENY, OK, DENY),
    "judging.vote": (LOGIN, DENY, DENY, OK, DENY),
    "judging.offline_workbook": (LOGIN, DENY, DENY, OK, DENY),
    "judging.offline_upload": (LOGIN, DENY, DENY, OK, DENY),
}
COLUMN = {"anonymous": 0, "owner": 1, "other_applicant": 2, "judge": 3, "secretariat": 4}


def test_every_route_has_a_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(ACCESS), "add the new route to ACCESS with what each visitor may do"


def _url_for(app, rule, values) -> str:
    from flask import url_for

    with app.test_request_context():
        return url_for(rule.endpoint, **{arg: values[arg] for arg in rule.arguments})


@pytest.mark.parametrize("endpoint", sorted(ACCESS))
def test_access_matrix(app, client, world, db, endpoint):
    client.post("/auth/login", data={"email": world.applicant.email, "password": PASSWORD})
    client.post(f"/nominations/new/{world.project.id}", data={"title": "Access matrix"})
    nomination = db.session.scalar(sa.select(Nomination))
    client.post(f"/nominations/{nomination.id}/edit", data={"title": "Access matrix", "upload": "1",
                "document": (io.BytesIO(PDF), "plan.pdf")}, content_type="multipart/form-data")
    attachment = db.session.scalar(sa.select(Attachment))
    assert attachment is not None
    client.post("/auth/logout")
    round_ = Round(edition_id=world.edition.id, name="Online evaluation", position=1, categories=[world.project],
                   opens_at=world.edition.opens_at, closes_at=world.edition.closes_at)
    db.session.add(round_)
    db.session.flush()
    judged = Assignment(round_id=round_.id, nomination_id=nomination.id, judge_id=world.judge.id,
                        no_conflict_declared_at=utcnow())
    db.session.add_all([judged, Criterion(round_id=round_.id, category_id=world.project.id, name_en="Value",
                                          weight=1)])
    db.session.commit()
    values = {
        "nomination_id": nomination.id, "attachment_id": attachment.id, "edition_id": world.edition.id,
        "category_id": world.project.id, "user_id": world.judge.id, "token": "not-a-real-token",
        "filename": "css/app.css", "round_id": round_.id, "assignment_id": judged.id,
    }
    if endpoint == "bootstrap.static":
        values["filename"] = "css/bootstrap.min.css"
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint]
    users = {"owner": world.applicant, "other_applicant": world.other_applicant, "judge": world.judge,
             "secretariat": world.secretariat}
    for visitor in VISITORS:
        expected = ACCESS[endpoint][COLUMN[visitor]]
        for rule in rules:
            url = _url_for(app, rule, values)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                with app.test_client() as visitor_client:
                    if visitor != "anonymous":
                        visitor_client.post("/auth/login", data={"email": users[visitor].email,
                                                                  "password": PASSWORD})
                    data = {"language": "en"} if endpoint == "main.set_language" else {}
                    response = visitor_client.open(url, method=method, data=data)
                    response.close()
                    where = f"{method} {url} as {visitor}"
                    assert response.status_code != 500, where
                    if expected == DENY:
                        assert response.status_code == 403, where
                    elif expected == LOGIN:
                        assert response.status_code == 302, where
                        assert "/auth/login" in response.headers["Location"], where
                    else:
                        assert response.status_code < 400, f"{where}: {response.status_code}"
                        location = response.headers.get("Location", "")
                        assert "/auth/login" not in location or endpoint.startswith("auth."), where
