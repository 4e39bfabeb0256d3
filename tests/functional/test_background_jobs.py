"""The jobs that run as processes of their own (``services.background_jobs``), as the uncertainty model's fit and a
dossier's build share them: what a started process is given, how a row is taken, beats, fails and is seen to have
died. The real processes run in test_dossiers.py and test_uncertainty_job.py."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from awards_app.models import BuildStatus, DossierBuild, DossierKind, FitStatus, UncertaintyFit, utcnow
from awards_app.services import background_jobs
from awards_app.services import dossiers as dossiers_service
from awards_app.services import uncertainty as uncertainty_service
from tests.functional.judging_helpers import assign, eligible, judging_round

JOBS = {"dossier": dossiers_service.JOB, "uncertainty": uncertainty_service.JOB}


def _row(world, db, kind: str, status: str, heartbeat_ago: timedelta):
    round_ = judging_round(world)
    fields = {"round_id": round_.id, "data_sha256": "0" * 64, "heartbeat_at": utcnow() - heartbeat_ago}
    if kind == "dossier":
        row = DossierBuild(kind=DossierKind.BOOK, category_id=world.project.id, status=BuildStatus(status), **fields)
    else:
        row = UncertaintyFit(status=FitStatus(status), settings={}, **fields)
    db.session.add(row)
    db.session.commit()
    return row


@pytest.mark.parametrize("kind", JOBS)
def test_a_job_is_taken_for_dead_only_once_its_heartbeat_is_older_than_its_limit(world, db, kind):
    job = JOBS[kind]
    quiet = _row(world, db, kind, "running", timedelta(minutes=2))
    assert job.stale_after == timedelta(minutes=3)
    assert background_jobs.supervise(job, quiet) is quiet
    assert quiet.status == "running" and quiet.finished_at is None

    quiet.heartbeat_at = utcnow() - timedelta(minutes=4)
    db.session.commit()
    assert background_jobs.supervise(job, quiet) is quiet
    db.session.expire_all()
    assert quiet.status is job.status("failed") and quiet.message == background_jobs.STOPPED
    assert quiet.finished_at is not None

    done = _row(world, db, kind, "done", timedelta(hours=1))
    assert background_jobs.supervise(job, done).status == "done"
    assert background_jobs.supervise(job, None) is None


@pytest.mark.parametrize("kind", JOBS)
def test_a_job_takes_only_a_queued_row_and_records_what_stopped_it(world, db, kind):
    job = JOBS[kind]
    row = _row(world, db, kind, "queued", timedelta(0))
    taken = background_jobs.start(job, row.id, "drawing")
    assert taken is row and row.status == "running" and row.stage == "drawing" and row.started_at is not None
    assert background_jobs.start(job, row.id, "drawing") is None  # already running: another process has it
    assert background_jobs.start(job, row.id + 1000, "drawing") is None

    with pytest.raises(ValueError, match="no such score"), background_jobs.failure_recorded(job, row.id):
        row.stage = "half-way"  # undone: only the failure is recorded
        raise ValueError("no such score")
    db.session.expire_all()
    failed = db.session.get_one(job.model, row.id)
    assert failed.status == "failed" and failed.message == "ValueError: no such score"
    assert failed.stage == "drawing" and failed.finished_at is not None


def test_a_beat_writes_the_heartbeat_and_what_moved(world, db):
    row = _row(world, db, "dossier", "running", timedelta(minutes=2))
    before = row.heartbeat_at
    background_jobs.beat(row, 40, "drawing")
    db.session.expire_all()
    assert (row.progress, row.stage) == (40, "drawing") and row.heartbeat_at > before
    background_jobs.beat(row)
    db.session.expire_all()
    assert (row.progress, row.stage) == (40, "drawing")


def test_a_heartbeat_called_often_is_written_at_most_once_in_its_interval(world, db, monkeypatch):
    row = _row(world, db, "dossier", "running", timedelta(minutes=2))
    written = []
    monkeypatch.setattr(background_jobs, "beat", lambda beating: written.append(beating))
    seldom = background_jobs.Heartbeat(row, timedelta(hours=1))
    for _ in range(50):
        seldom()
    assert written == []
    always = background_jobs.Heartbeat(row, timedelta(0))
    for _ in range(3):
        always()
    assert written == [row, row, row]


@pytest.mark.parametrize("kind", JOBS)
def test_a_job_is_started_detached_with_the_database_and_its_own_settings(app, world, db, tmp_path, monkeypatch, kind):
    job = JOBS[kind]
    row = _row(world, db, kind, "queued", timedelta(0))
    started = {}

    class Process:
        def __init__(self, command, **options) -> None:
            started.update(options, command=command)

        def wait(self) -> int:
            return 0

    monkeypatch.setattr(subprocess, "Popen", Process)
    log = tmp_path / "logs" / f"{kind}.log"
    app.config.update({job.log: str(log), "PREVIEW_FOLDER": str(tmp_path / "previews")})
    background_jobs.launch(job, row.id)
    assert started["command"][1:] == ["-m", job.module, str(row.id)]
    assert started["start_new_session"] is True and started["stdin"] is subprocess.DEVNULL
    assert Path(started["stdout"].name) == log and log.exists()
    env = started["env"]
    assert env["DATABASE_URL"] == app.config["SQLALCHEMY_DATABASE_URI"]
    assert env["SECRET_KEY"] == app.config["SECRET_KEY"]
    assert env["AWARDS_JOB_CONFIG"] == app.config["CONFIG_NAME"]
    for name in job.settings:
        assert env[name] == str(app.config[name])


@pytest.mark.parametrize("kind", JOBS)
def test_a_job_named_without_its_row_says_how_to_run_it(kind, capsys):
    job = JOBS[kind]
    assert background_jobs.run(job, ["job"], lambda _id: None) == 2
    assert background_jobs.run(job, ["job", "seven"], lambda _id: None) == 2
    assert f"usage: python -m {job.module} {job.argument}" in capsys.readouterr().err


def test_the_dossier_job_keeps_its_heartbeat_while_it_puts_the_book_together(client, auth, world, db, monkeypatch):
    round_ = judging_round(world)
    for title in ("Smart shelters for Seoul", "River restoration"):
        assign(round_, eligible(world, title), world.judge, declared=True)
    beats: list[tuple[int | None, str | None]] = []
    beat = background_jobs.beat

    def counted(row, progress=None, stage=None):
        beats.append((progress, stage))
        beat(row, progress, stage)

    monkeypatch.setattr(background_jobs, "beat", counted)
    monkeypatch.setattr(dossiers_service, "ASSEMBLY_HEARTBEAT_EVERY", timedelta(0))
    auth.login(world.judge)
    client.post(f"/judging/rounds/{round_.id}/dossier")
    build = db.session.scalar(sa.select(DossierBuild))
    assert build.status is BuildStatus.DONE, build.message
    with_progress = [b for b in beats if b[0] is not None]
    assert [stage for _progress, stage in with_progress] == ["drawing", "assembling", "assembling"]
    # Beside those, a beat after the contents, after each nomination merged, after the overlay and each page.
    assert len(beats) - len(with_progress) >= 1 + 2 + 1 + build.pages


def test_a_job_gives_way_to_the_web_application(tmp_path):
    # Run as the job's process is: its work sees the lower priority, and the app it built.
    import os
    import sys

    script = (  # the work makes the tables, for the next build waiting to be looked for after it
        "import os, sys\n"
        "from awards_app.extensions import db\n"
        "from awards_app.services import background_jobs, dossiers\n"
        "background_jobs.run(dossiers.JOB, ['job', '7'], lambda row: (db.create_all(), print(os.nice(0), row)))\n"
    )
    env = {
        **os.environ,
        "AWARDS_JOB_CONFIG": "development",  # the setting as deployed (the suite's own configuration keeps 0)
        "BACKGROUND_JOB_NICENESS": "10",
        "DATABASE_URL": f"sqlite:///{tmp_path}/job.sqlite",
        # Nothing of the job's is written in the checkout's instance folder.
        "SECRET_KEY": "a-secret-key-for-this-test-only",
        **{name: str(tmp_path / name.lower()) for name in ("UPLOAD_FOLDER", "MAIL_OUTBOX", "PREVIEW_FOLDER")},
    }
    ran = subprocess.run(  # noqa: S603  (this interpreter, our own script)
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    niceness, row = ran.stdout.split()
    assert int(niceness) == max(10, os.nice(0)) and row == "7"


@pytest.fixture
def spawned(app, tmp_path, monkeypatch):
    """The rows whose process was started (none really is), with one dossier build allowed at once."""
    rows: list[int] = []

    class Process:
        def __init__(self, command, **_options) -> None:
            rows.append(int(command[-1]))

        def wait(self) -> int:
            return 0

    monkeypatch.setattr(subprocess, "Popen", Process)
    app.config.update({"DOSSIER_BUILDS_AT_ONCE": 1, dossiers_service.JOB.log: str(tmp_path / "dossiers.log")})
    return rows


def test_dossiers_beyond_those_allowed_at_once_wait_their_turn(world, db, spawned):
    job = dossiers_service.JOB
    first = _row(world, db, "dossier", "queued", timedelta(0))
    background_jobs.launch(job, first.id)
    assert spawned == [first.id] and first.stage == background_jobs.STARTING

    second = _row(world, db, "dossier", "queued", timedelta(minutes=10))
    background_jobs.launch(job, second.id)
    assert spawned == [first.id] and background_jobs.waits(job, second)
    # Waiting is not dying: a page that finds it waiting leaves it queued while the first one runs.
    first.status = BuildStatus.RUNNING
    db.session.commit()
    assert background_jobs.supervise(job, second) is second
    assert second.status is BuildStatus.QUEUED and spawned == [first.id]

    # The first ends: its place goes to the one waiting.
    first.status = BuildStatus.DONE
    db.session.commit()
    background_jobs.launch_next(job)
    assert spawned == [first.id, second.id] and second.stage == background_jobs.STARTING

    # A running one whose heartbeat has stopped holds no place: a page finding a row waiting starts it.
    second.status, second.heartbeat_at = BuildStatus.RUNNING, utcnow() - timedelta(minutes=4)
    third = _row(world, db, "dossier", "queued", timedelta(minutes=1))
    db.session.commit()
    background_jobs.supervise(job, third)
    assert spawned[-1] == third.id and third.stage == background_jobs.STARTING


def test_a_waiting_dossier_says_it_waits_its_turn(client, auth, world, db, monkeypatch):
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: pytest.fail("nothing may start while one runs"))
    round_ = judging_round(world)
    assign(round_, eligible(world), world.judge, declared=True)
    running = _row(world, db, "dossier", "running", timedelta(0))
    db.session.add(
        DossierBuild(
            kind=DossierKind.JUDGE,
            round_id=round_.id,
            judge_id=world.judge.id,
            locale="en",
            data_sha256="0" * 64,
            status=BuildStatus.QUEUED,
            heartbeat_at=utcnow(),
        )
    )
    client.application.config.update(DOSSIER_BUILDS_AT_ONCE=1, DOSSIERS_IN_BACKGROUND=True)
    db.session.commit()
    assert running.status is BuildStatus.RUNNING
    auth.login(world.judge)
    page = client.get(f"/judging/rounds/{round_.id}/dossier").get_data(as_text=True)
    assert "Waiting for its turn" in page and 'data-fit-waiting="true"' in page
    assert client.get(f"/judging/rounds/{round_.id}/dossier.json").get_json()["waiting"] is True
    # Asked for again after the data changed: the new request takes the waiting one's place in the queue.
    older = db.session.scalar(sa.select(DossierBuild).where(DossierBuild.judge_id == world.judge.id))
    answer = client.post(f"/judging/rounds/{round_.id}/dossier", follow_redirects=True).get_data(as_text=True)
    assert "this one waits for its turn" in answer
    db.session.expire_all()
    assert older.status is BuildStatus.FAILED and older.message == dossiers_service.SUPERSEDED
    newer = db.session.scalar(
        sa.select(DossierBuild).where(DossierBuild.id > older.id, DossierBuild.judge_id.is_not(None))
    )
    assert background_jobs.waits(dossiers_service.JOB, newer)


def test_a_row_is_started_once_however_many_ask(world, db, spawned):
    job = dossiers_service.JOB
    row = _row(world, db, "dossier", "queued", timedelta(0))
    background_jobs.launch(job, row.id)
    background_jobs.launch(job, row.id)  # a second worker, or a page, asking again
    background_jobs.launch_next(job)
    assert spawned == [row.id]
    assert background_jobs.start(job, row.id, "drawing") is not None
    assert background_jobs.start(job, row.id, "drawing") is None  # a second process finds it taken


def test_waiting_rows_start_oldest_first_as_places_free_up(world, db, spawned):
    job = dossiers_service.JOB
    first, second, third = (_row(world, db, "dossier", "queued", timedelta(0)) for _ in range(3))
    for row in (first, second, third):
        background_jobs.launch(job, row.id)
    assert spawned == [first.id]
    first.status = BuildStatus.DONE
    db.session.commit()
    background_jobs.launch_next(job)
    assert spawned == [first.id, second.id]


def test_a_dead_job_found_by_a_page_hands_its_place_on(world, db, spawned):
    job = dossiers_service.JOB
    running = _row(world, db, "dossier", "running", timedelta(minutes=2))  # quiet, not yet taken for dead
    waiting = _row(world, db, "dossier", "queued", timedelta(0))
    background_jobs.launch(job, waiting.id)
    assert spawned == [] and background_jobs.waits(job, waiting)
    running.heartbeat_at = utcnow() - timedelta(minutes=4)
    db.session.commit()
    background_jobs.supervise(job, running)  # its page, looked at by someone
    assert running.status is BuildStatus.FAILED and spawned == [waiting.id]


def test_a_job_that_ends_with_its_row_unfinished_fails_it_and_starts_the_next(world, db, spawned):
    job = dossiers_service.JOB
    mine = _row(world, db, "dossier", "queued", timedelta(0))
    background_jobs.launch(job, mine.id)
    assert background_jobs.start(job, mine.id, "drawing") is not None
    waiting = _row(world, db, "dossier", "queued", timedelta(0))
    background_jobs.launch(job, waiting.id)
    assert spawned == [mine.id]  # one place, taken
    background_jobs._hand_over(job, mine.id, "RuntimeError: the disk is full")
    db.session.expire_all()
    assert mine.status is BuildStatus.FAILED and mine.message == "RuntimeError: the disk is full"
    assert spawned == [mine.id, waiting.id]
    # A row this process never took is not its to fail.
    other = _row(world, db, "dossier", "running", timedelta(0))
    background_jobs._hand_over(job, other.id, "")
    db.session.expire_all()
    assert other.status is BuildStatus.RUNNING


def test_a_process_that_cannot_start_fails_its_row_with_why(app, world, db, tmp_path, monkeypatch):
    def refuse(*_args, **_kwargs):
        raise OSError("no more processes")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    job = dossiers_service.JOB
    app.config.update({"DOSSIER_BUILDS_AT_ONCE": 1, job.log: str(tmp_path / "dossiers.log")})
    row = _row(world, db, "dossier", "queued", timedelta(0))
    background_jobs.launch(job, row.id)
    db.session.expire_all()
    assert row.status is BuildStatus.FAILED and row.message == "OSError: no more processes"
