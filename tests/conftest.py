"""Fixtures for every test: an app on a fresh database, clients, and people and objects to act with.

The database is SQLite in a temporary file, or the PostgreSQL named by ``DATABASE_URL`` (CI runs the suite
on both); each test gets empty tables and its own upload and outbox folders.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g
from flask.testing import FlaskClient
from flask_babel import refresh
from werkzeug.routing import Rule

from awards_app import create_app
from awards_app.after_response import wait_for_pending
from awards_app.extensions import db as _db
from awards_app.models import (
    AwardTier,
    Category,
    CategoryKind,
    Edition,
    Organisation,
    OrganisationType,
    Role,
    User,
)

PASSWORD = "correct-horse-battery"


def _share_url_builders() -> None:
    """Each test builds an app, and werkzeug compiles Python code for every one of its 150 URL rules, twice: about
    90 ms a test, a third of an empty test's time. The code depends only on the rule's parts (a rule with defaults
    aside), so it is compiled once per shape for the whole session, and bound to each rule as werkzeug binds it.
    The tests' apps route and build URLs as the application does (only the compiling is shared)."""
    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None:  # another werkzeug: compile as it does
        return
    compiled: dict[tuple, object] = {}

    def shared(self, append_unknown=True):
        if self.defaults:
            return compile_builder(self, append_unknown)
        key = (tuple(self._trace), append_unknown)
        if key not in compiled:
            compiled[key] = compile_builder(self, append_unknown)
        return compiled[key]

    Rule._compile_builder = shared


_share_url_builders()


class BufferedClient(FlaskClient):
    """The test client, reading each response whole, and waiting for the work the app does beside a response (mail
    whose timing must not tell anything) before it hands the response to the test."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        response = super().open(*args, **kwargs)
        wait_for_pending(self.application)
        return response


@pytest.fixture
def app(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory):
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path / 'test.sqlite3'}"
    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "PREVIEW_FOLDER": str(tmp_path / "previews"),
            "MAIL_OUTBOX": str(tmp_path / "outbox"),
            "UNCERTAINTY_JOB_LOG": str(tmp_path / "uncertainty-jobs.log"),
            "UNCERTAINTY_COMPILE_CACHE": str(tmp_path / "jax-cache"),
            "SERVER_NAME": None,
        },
    )
    app.test_client_class = BufferedClient

    @app.before_request
    def _forget_cached_user():
        # The test holds an app context open and Flask reuses it for the test client's requests, so `g`
        # outlives a request: drop the user Flask-Login cached there so each request reads its own cookie.
        g.pop("_login_user", None)
        refresh()  # likewise the locale Flask-Babel cached

    sqlite_file = None if os.environ.get("DATABASE_URL") else tmp_path / "test.sqlite3"
    if sqlite_file is not None:
        shutil.copyfile(_sqlite_schema(tmp_path_factory), sqlite_file)
    with app.app_context():
        reuse = sqlite_file is not None or database_url in _EMPTY_SCHEMAS
        _EMPTY_SCHEMAS.discard(database_url)
        if not reuse:
            _db.drop_all()
            _db.create_all()
        yield app
        wait_for_pending(app)  # work handed over by the test's last requests ends before the tables go
        _db.session.remove()
        if _db.engine.dialect.name == "postgresql":
            _empty_tables(database_url)
        _db.engine.dispose()  # SQLite's file goes with the test's folder


_SQLITE_SCHEMA: list[Path] = []


def _sqlite_schema(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file holding the empty tables, made once per test session: each test starts from a copy of it
    (a copy takes a millisecond, creating the tables sixty)."""
    if not _SQLITE_SCHEMA:
        path = tmp_path_factory.mktemp("schema") / "empty.sqlite3"
        engine = sa.create_engine(f"sqlite:///{path}")
        _db.metadata.create_all(engine)
        engine.dispose()
        _SQLITE_SCHEMA.append(path)
    return _SQLITE_SCHEMA[0]


#: Databases whose tables are all there, and empty: the next test's app takes them as they are. On PostgreSQL,
#: emptying the tables (and restarting their numbering) takes about 20 ms where dropping and creating them takes 300.
#: SQLite's file is the test's own, and new each time. Whatever drops the tables (a test of migrations, a fixture
#: of its own) makes the next test create them again.
_EMPTY_SCHEMAS: set[str] = set()
sa.event.listen(_db.metadata, "after_drop", lambda *_args, **_kwargs: _EMPTY_SCHEMAS.clear())


def _empty_tables(database_url: str) -> None:
    try:
        with _db.engine.begin() as connection:
            for table in reversed(_db.metadata.sorted_tables):
                connection.execute(table.delete())
            sequences = connection.scalars(
                sa.text("SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()")
            ).all()
            for sequence in sequences:
                connection.exec_driver_sql(f'ALTER SEQUENCE "{sequence}" RESTART')
    except sa.exc.SQLAlchemyError:
        return  # the schema is not what the models say (a test changed it): the next test builds it again
    _EMPTY_SCHEMAS.add(database_url)


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def make_user(email: str, roles: list[Role], organisation: Organisation | None = None, name: str = "") -> User:
    user = User(email=email, name=name or email.split("@")[0].title(), organisation=organisation)
    user.set_password(PASSWORD)
    for role in roles:
        user.grant(role)
    if Role.JUDGE in roles and organisation is None:
        # A judge as an invitation makes them: with the organisation and country the conflict rules read (a test
        # that needs a blank profile clears it). No test nomination comes from New Zealand.
        user.affiliation, user.country_code = f"{user.name} Consulting", "NZ"
    _db.session.add(user)
    return user


@dataclass
class World:
    """A small edition with an open call, two organisations, and one person of each kind."""

    edition: Edition
    project: Category
    leadership: Category
    commendation: Category
    city: Organisation
    other_city: Organisation
    applicant: User
    other_applicant: User
    judge: User
    secretariat: User


@pytest.fixture
def world(app) -> World:
    now = datetime.now(UTC)
    edition = Edition(
        name="Test Prize 2026",
        year=2026,
        slug="test-2026",
        reference_prefix="SSCP",
        time_zone="Asia/Seoul",
        opens_at=now - timedelta(days=30),
        closes_at=now + timedelta(days=30),
    )
    project = Category(
        edition=edition,
        code="TI",
        name_en="Tech-InnovaCity",
        name_ko="기술혁신",
        kind=CategoryKind.PROJECT,
        eligible_types=["city", "institution", "corporation"],
        max_per_organisation=2,
        position=1,
        tiers=[AwardTier(name_en="Gold", count=1, position=0), AwardTier(name_en="Silver", count=2, position=1)],
    )
    leadership = Category(
        edition=edition,
        code="LD",
        name_en="Leadership",
        name_ko="리더십",
        kind=CategoryKind.LEADERSHIP,
        eligible_types=["city", "individual"],
        max_per_organisation=1,
        position=2,
    )
    commendation = Category(
        edition=edition,
        code="MC",
        name_en="Mayor's commendation",
        name_ko="서울특별시장 표창",
        kind=CategoryKind.COMMENDATION,
        eligible_types=["city", "individual"],
        max_per_organisation=1,
        position=3,
    )
    city = Organisation(name="City of Odense", type=OrganisationType.CITY, country_code="DK", city="Odense")
    other = Organisation(name="Kigali City", type=OrganisationType.CITY, country_code="RW", city="Kigali")
    _db.session.add_all([edition, city, other])
    world = World(
        edition=edition,
        project=project,
        leadership=leadership,
        commendation=commendation,
        city=city,
        other_city=other,
        applicant=make_user("applicant@odense.example", [Role.APPLICANT], city, "Ida Jensen"),
        other_applicant=make_user("applicant@kigali.example", [Role.APPLICANT], other, "Eric Mugisha"),
        judge=make_user("judge@judges.example", [Role.JUDGE], name="Ana Ferreira"),
        secretariat=make_user("staff@wego.example", [Role.SECRETARIAT], name="Kim Min-jun"),
    )
    _db.session.commit()
    return world


class Auth:
    """Sign a test client in and out."""

    def __init__(self, client) -> None:
        self.client = client

    def login(self, user_or_email, password: str = PASSWORD):
        email = user_or_email if isinstance(user_or_email, str) else user_or_email.email
        return self.client.post("/auth/login", data={"email": email, "password": password})

    def logout(self):
        return self.client.post("/auth/logout")


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)


def register_applicant(**details) -> User:
    """Register an applicant through the service and confirm the address, as the e-mailed link would."""
    from awards_app.services import accounts as accounts_service

    accounts_service.register_applicant(**details)
    user = _db.session.scalar(sa.select(User).where(User.email == accounts_service.normalise_email(details["email"])))
    user.confirmation_pending = False
    _db.session.commit()
    return user


def confirmation_link(app) -> str:
    """The path of the newest address-confirmation link in the outbox."""
    import re
    from email import message_from_bytes, policy

    newest = sorted(Path(app.config["MAIL_OUTBOX"]).glob("*.eml"))[-1]
    body = message_from_bytes(newest.read_bytes(), policy=policy.default).get_content()
    match = re.search(r"https?://[^/\s]+(/auth/confirm/\S+)", body)
    assert match, body
    return match.group(1)


def complete_project_answers(title: str = "Odense robot-assisted care") -> dict[str, str]:
    return {
        "title": title,
        "summary": "A short summary of the project and what it achieved.",
        "start_date": "2022-03-01",
        "stage": "deployed",
        "problem": "Older people waited weeks for help.",
        "solution": "Robots and sensors, designed with carers.",
        "funding": "Two million euros from the city and the state.",
        "implementation": "Carers and residents took part in every step.",
        "monitoring": "Twelve indicators, published quarterly.",
        "outcomes": "Waiting time fell by 38 percent.",
        "partners": "University of Southern Denmark",
        "links": "https://example.org/odense",
    }


def count(model) -> int:
    return _db.session.scalar(sa.select(sa.func.count()).select_from(model))


#: Marked by file, for `make test-fast` to leave out: the benchmarks' smoke runs and the model's fits.
_MARKED_FILES = {
    "test_benchmarks.py": pytest.mark.benchmark,
    "test_uncertainty.py": pytest.mark.slow,
    "test_uncertainty_job.py": pytest.mark.slow,
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        marker = _MARKED_FILES.get(item.path.name)
        if marker is not None:
            item.add_marker(marker)


class SMTPInbox:
    """What a real SMTP server on the loopback received: each message parsed, with its envelope."""

    def __init__(self) -> None:
        self.messages: list = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope):
        from email import policy
        from email.parser import BytesParser

        self.messages.append(BytesParser(policy=policy.default).parsebytes(envelope.original_content))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_inbox(app):
    """Run a real SMTP server (aiosmtpd) on a free loopback port and point the app's mail at it."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:  # a free port: port 0 itself fails the controller's readiness check
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = SMTPInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_USERNAME="")
    try:
        yield inbox
    finally:
        controller.stop()


PDF_HINT = "Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-nanum"


def required_in_ci() -> bool:
    """On CI (``CI=true``), or with ``REQUIRE_BROWSER=1``, a test that needs a system library fails without it
    instead of skipping: nothing is silently left out there."""
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("REQUIRE_BROWSER") == "1"


@pytest.fixture
def needs_pdf() -> None:
    """WeasyPrint draws PDFs with Pango: where the library is missing (a laptop without it), the test skips and says
    how to install it; on CI (or with REQUIRE_BROWSER=1, which installs it with Chromium) it fails instead."""
    try:
        import weasyprint  # noqa: F401 - loads Pango
    except OSError as error:
        if required_in_ci():
            raise
        pytest.skip(f"PDFs need Pango ({error}): {PDF_HINT}.")
