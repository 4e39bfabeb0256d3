"""CSRF protection on every state-changing route, with protection on (the rest of the suite turns it off).

This module's ``app`` fixture replaces the suite's: the same app on a fresh database, created with
``WTF_CSRF_ENABLED`` on, so that ``world``, ``client`` and the judging helpers work as everywhere else.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g, url_for
from flask_babel import refresh

from awards_app import create_app
from awards_app.extensions import db as _db
from awards_app.models import AuditEvent, Nomination, ScoreSheet
from tests.conftest import PASSWORD
from tests.functional.judging_helpers import assign, criteria, eligible, judging_round, sheet_data

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def app(tmp_path: Path):
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path / 'csrf.sqlite3'}"
    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": True,
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "PREVIEW_FOLDER": str(tmp_path / "previews"),
            "MAIL_OUTBOX": str(tmp_path / "outbox"),
        },
    )
    assert app.config["WTF_CSRF_ENABLED"]

    @app.before_request
    def _fresh_request_globals():
        # The test holds one app context open, so `g` would outlive each request: forget what Flask-WTF,
        # Flask-Login and Flask-Babel cached there, as a new request would.
        g.pop("csrf_token", None)
        g.pop("_login_user", None)
        refresh()

    with app.app_context():
        _db.drop_all()
        _db.create_all()
        yield app
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


def token_from(client, path: str = "/auth/login") -> str:
    """The CSRF token a page of the app hands out to this client."""
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)


def sign_in(client, user) -> None:
    response = client.post(
        "/auth/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token_from(client)}
    )
    assert response.status_code == 302


def unsafe_urls(app) -> list[tuple[str, str, str]]:
    """Every (endpoint, method, url) of the URL map that can change something."""
    values = {
        "nomination_id": 1,
        "attachment_id": 1,
        "edition_id": 1,
        "category_id": 1,
        "user_id": 1,
        "token": "x",
        "round_id": 1,
        "mail_id": 1,
        "assignment_id": 1,
        "filename": "x",
        "criterion_id": 1,
        "descriptor_id": 1,
        "applicant_type": "any",
        "field_name": "title",
        "code": "ABCD-EFGH-JKMN",
        "edition_slug": "x",
        "winner": "1",
    }
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            for method in sorted(rule.methods & UNSAFE):
                found.append(
                    (rule.endpoint, method, url_for(rule.endpoint, **{arg: values[arg] for arg in rule.arguments}))
                )
    return found


def row_counts() -> dict[str, int]:
    return {
        table.name: _db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in _db.metadata.sorted_tables
    }


def test_every_state_changing_route_refuses_a_request_without_a_valid_token(app, world):
    urls = unsafe_urls(app)
    assert len(urls) > 30
    assert {"auth.login", "auth.logout", "main.set_language", "judging.autosave"} <= {e for e, _, _ in urls}
    visitors = {"anonymous": app.test_client()}
    for user in (world.applicant, world.judge, world.secretariat):
        visitors[user.email] = app.test_client()
        sign_in(visitors[user.email], user)
    before = row_counts()  # the visitors' sign-ins are in it
    elsewhere = token_from(app.test_client())  # a real token, of another visitor's session
    for name, visitor in visitors.items():
        for token in (None, "forged", elsewhere):
            for endpoint, method, url in urls:
                data = {"anything": "1", "language": "en"} | ({"csrf_token": token} if token else {})
                response = visitor.open(url, method=method, data=data)
                where = f"{method} {url} ({endpoint}) as {name} with token {token!r}"
                assert response.status_code == 400, where
                assert b"The form expired" in response.data, where
    assert row_counts() == before  # nothing was changed, not even an audit line


def test_a_valid_token_from_a_page_lets_a_post_through(app, client, world, db):
    forged = client.post(
        "/auth/login", data={"email": world.applicant.email, "password": PASSWORD, "csrf_token": "forged"}
    )
    assert forged.status_code == 400
    sign_in(client, world.applicant)  # the token of the sign-in page
    new = f"/nominations/new/{world.project.id}"
    response = client.post(new, data={"title": "Odense by bike", "csrf_token": token_from(client, new)})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Nomination.title)) == "Odense by bike"
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "nomination.created"))


def test_the_score_sheet_autosave_needs_its_header_token(app, client, world, db):
    nomination = eligible(world)
    round_ = judging_round(world)
    assignment = assign(round_, nomination, world.judge, declared=True)
    data = sheet_data(criteria(round_, world.project), [7])
    url = f"/judging/assignments/{assignment.id}/autosave"
    sign_in(client, world.judge)
    sheet_page = f"/judging/assignments/{assignment.id}"
    for headers in ({}, {"X-CSRFToken": "forged"}, {"X-CSRFToken": token_from(app.test_client())}):
        response = client.post(url, data=data, headers={"Accept": "application/json", **headers})
        assert response.status_code == 400, headers
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ScoreSheet)) == 0
    # What scoring.js sends: the form's fields, and the page's token in the X-CSRFToken header.
    saved = client.post(
        url, data=data, headers={"Accept": "application/json", "X-CSRFToken": token_from(client, sheet_page)}
    )
    assert saved.status_code == 200 and saved.json["saved"] is True
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ScoreSheet)) == 1
