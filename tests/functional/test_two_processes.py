"""Two app processes on one database: a judge's session moves between them in the middle of scoring.

Nothing a process keeps is needed by the other: the session is a signed cookie, the draft is in the database,
and the optimistic lock on the score sheet holds across processes. Runs on the test database of the suite
(SQLite file, or PostgreSQL when DATABASE_URL says so, as in CI).
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest

from awards_app.extensions import db
from awards_app.models import ScoreSheet, SheetStatus
from tests.conftest import PASSWORD
from tests.functional.judging_helpers import assign, criteria, eligible, judging_round

ROOT = Path(__file__).resolve().parents[2]
SERVER = """
import sys
from werkzeug.serving import make_server
from awards_app import create_app
app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": sys.argv[1], "UPLOAD_FOLDER": sys.argv[2],
                             "MAIL_OUTBOX": sys.argv[3]})
make_server("127.0.0.1", int(sys.argv[4]), app, threaded=True).serve_forever()
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def two_servers(app):
    ports, processes = [_free_port(), _free_port()], []
    for port in ports:
        processes.append(
            subprocess.Popen(  # noqa: S603
                [
                    sys.executable,
                    "-c",
                    SERVER,
                    app.config["SQLALCHEMY_DATABASE_URI"],
                    app.config["UPLOAD_FOLDER"],
                    app.config["MAIL_OUTBOX"],
                    str(port),
                ],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        )
    try:
        for port, process in zip(ports, processes, strict=True):
            for _ in range(300):
                if process.poll() is not None:
                    pytest.fail(f"the app process stopped: {process.stderr.read().decode()[-2000:]}")
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                        break
                except OSError:
                    time.sleep(0.1)
            else:
                pytest.fail(f"the app process on port {port} did not start listening within 30 s")
        yield [f"http://127.0.0.1:{port}" for port in ports], [p.pid for p in processes]
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.stderr.close()


class Browser:
    """One browser: a cookie jar shared by every address it visits (cookies ignore the port)."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def open(self, url: str, data: dict | None = None, headers: dict | None = None) -> tuple[int, str]:
        body = urlencode(data).encode() if data is not None else None
        assert url.startswith("http://127.0.0.1:")
        request = urllib.request.Request(url, data=body, headers=headers or {})  # noqa: S310
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


def test_a_judge_moves_between_two_app_processes_mid_scoring(world, two_servers):
    (first, second), pids = two_servers
    assert pids[0] != pids[1]
    round_ = judging_round(world)
    assignment = assign(
        round_, eligible(world, "Kigali sensors", organisation=world.other_city), world.judge, declared=True
    )
    rubric = criteria(round_, world.project)
    email, name, assignment_id = world.judge.email, world.judge.name, assignment.id
    criterion_ids = [c.id for c in rubric]
    db.session.remove()  # the servers are other processes: this one keeps no transaction open
    browser = Browser()
    status, _page = browser.open(f"{first}/auth/login", {"email": email, "password": PASSWORD})
    assert status == 200  # followed the redirect: signed in on the first process
    sheet_url = f"/judging/assignments/{assignment_id}"
    status, page = browser.open(first + sheet_url)
    assert status == 200 and f'name="score_{criterion_ids[0]}"' in page

    def autosave(base: str, version: int, score: str) -> dict:
        fields = {f"score_{c}": score for c in criterion_ids} | {"version": str(version), "overall_comment": ""}
        status, body = browser.open(f"{base}{sheet_url}/autosave", fields, {"Accept": "application/json"})
        assert status == 200, body
        return json.loads(body)

    assert autosave(first, 0, "6")["version"] == 1
    # The same browser, its cookie and its draft, now served by the other process.
    status, page = browser.open(second + sheet_url)
    assert status == 200 and name in page  # the second process knows the judge from the cookie alone
    assert re.search(rf'name="score_{criterion_ids[0]}" type="radio" value="6" checked>', page)
    assert autosave(second, 1, "8")["version"] == 2
    # A submit from a page of the first process still at version 1 is told, not applied.
    fields = {f"score_{c}": "9" for c in criterion_ids} | {"version": "1", "submit_scores": "1", "overall_comment": ""}
    status, page = browser.open(first + sheet_url, fields)
    assert "changed in another window" in page
    sheet = db.session.scalar(db.select(ScoreSheet).where(ScoreSheet.assignment_id == assignment_id))
    assert sheet.version == 2 and sheet.status is SheetStatus.DRAFT
    assert {int(score.value) for score in sheet.scores} == {8}
