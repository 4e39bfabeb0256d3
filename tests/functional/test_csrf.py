"""CSRF protection on every state-changing route, with protection on (the rest of the suite turns it off)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import g, url_for

from awards_app import create_app
from awards_app.extensions import db as _db
from tests.conftest import PASSWORD, make_user

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def protected(tmp_path: Path):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'csrf.sqlite3'}",
                                 "WTF_CSRF_ENABLED": True, "UPLOAD_FOLDER": str(tmp_path / "uploads"),
                                 "MAIL_OUTBOX": str(tmp_path / "outbox")})

    @app.before_request
    def _fresh_request_globals():
        # The test holds one app context open, so `g` would outlive each request: forget what Flask-WTF and
        # Flask-Login cached there, as a new request would.
        g.pop("csrf_token", None)
        g.pop("_login_user", None)

    with app.app_context():
        _db.create_all()
        from awards_app.models import Role

        make_user("staff@wego.example", [Role.SECRETARIAT, Role.JUDGE], name="Kim Min-jun")
        _db.session.commit()
        yield app
        _db.session.remove()
        _db.engine.dispose()


def _token(client, path: str = "/auth/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)


def _unsafe_urls(app) -> list[tuple[str, str, str]]:
    values = {"nomination_id": 1, "attachment_id": 1, "edition_id": 1, "category_id": 1, "user_id": 1,
              "token": "x", "round_id": 1, "assignment_id": 1, "filename": "x"}
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            for method in sorted(rule.methods & UNSAFE):
                found.append((rule.endpoint, method,
                              url_for(rule.endpoint, **{arg: values[arg] for arg in rule.arguments})))
    return found


def test_every_state_changing_route_refuses_a_request_without_a_token(protected):
    urls = _unsafe_urls(protected)
    assert len(urls) > 30
    signed_in = protected.test_client()
    token = _token(signed_in)
    assert signed_in.post("/auth/login", data={"email": "staff@wego.example", "password": PASSWORD,
                                               "csrf_token": token}).status_code == 302
    for visitor in (protected.test_client(), signed_in):
        for endpoint, method, url in urls:
            response = visitor.open(url, method=method, data={"anything": "1"})
            assert response.status_code == 400, f"{method} {url} ({endpoint})"
            assert b"The form expired" in response.data, f"{method} {url} ({endpoint})"


def test_a_forged_token_is_refused_and_a_real_one_accepted(protected):
    client = protected.test_client()
    forged = client.post("/auth/login", data={"email": "staff@wego.example", "password": PASSWORD,
                                              "csrf_token": "forged"})
    assert forged.status_code == 400
    real = client.post("/auth/login", data={"email": "staff@wego.example", "password": PASSWORD,
                                            "csrf_token": _token(client)})
    assert real.status_code == 302


def test_the_score_sheet_autosave_needs_its_header_token(protected):
    client = protected.test_client()
    client.post("/auth/login", data={"email": "staff@wego.example", "password": PASSWORD,
                                     "csrf_token": _token(client)})
    response = client.post("/judging/assignments/1/autosave", data={"score_1": "7"},
                           headers={"Accept": "application/json"})
    assert response.status_code == 400
    with_header = client.post("/judging/assignments/1/autosave", data={"score_1": "7"},
                              headers={"Accept": "application/json", "X-CSRFToken": _token(client, "/judging/")})
    assert with_header.status_code == 404  # past the CSRF check: there is no assignment 1
