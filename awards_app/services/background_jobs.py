"""Work that runs as a process of its own, never in a request: the uncertainty model's fit and a dossier's build.

Each such job keeps a row (its status, progress, stage, message and heartbeat). The web application records the row
queued and starts ``python -m <the job's module> ROW_ID`` detached from itself (``launch``); the process gives way to
the web application (a lower priority) and builds the application as the one that started it has it (``run``),
takes the row (``start``), writes its heartbeat as it goes (``beat``, ``Heartbeat``) and records why it stopped if it
fails (``failure_recorded``). Pages read the row: a job whose heartbeat is older than its own limit is taken to have
died (``supervise``), and may be asked for again. A job may allow only so many of its rows to run at once
(``Job.at_once``): the others wait, queued, and each one that ends starts the next (``launch_next``).
"""

from __future__ import annotations

import enum
import os
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased

from ..extensions import db, rows_changed
from ..models import utcnow

ROOT = Path(__file__).resolve().parents[2]

#: What the row of a job that died says (the page shows it as it is).
STOPPED = "The job stopped without finishing (the process ended or the machine restarted)."


class JobRow(Protocol):
    """What a job's row holds; its ``status`` is the job's enum of queued, running, done and failed."""

    status: Any
    progress: Any
    stage: Any
    message: Any
    created_at: Any
    started_at: Any
    finished_at: Any
    heartbeat_at: Any

    @property
    def working(self) -> bool: ...


Row = TypeVar("Row", bound=JobRow)


@dataclass(frozen=True)
class Job(Generic[Row]):
    """One kind of background job."""

    module: str  # run as ``python -m module ROW_ID``
    argument: str  # what the usage line calls ROW_ID
    model: type[Row]
    status: type[enum.StrEnum]  # its members: queued, running, done, failed
    log: str  # the setting that names the file its output is appended to
    stale_after: timedelta  # a job whose heartbeat is older than this is taken to have died
    settings: tuple[str, ...] = ()  # settings the job needs besides the database, passed as they are here
    # The setting of how many of these may run at once (None: no limit). The others wait, queued, for their turn:
    # each job that ends starts the next (``launch_next``).
    at_once: str | None = None


# --- the web application's side -------------------------------------------------------------------------------------


#: The stage of a queued row whose process has been started (a row queued without it waits for its turn).
STARTING = "starting"


def launch(job: Job, row_id: int) -> None:
    """Start the job on its queued row, or, when as many as the job allows are running already, leave it queued: it
    is started when one of them ends (``launch_next``), or by a page that finds it waiting (``supervise``)."""
    if not job.at_once:
        _spawn(job, row_id)
    elif _claim(job, row_id):
        _spawn_claimed(job, row_id)


def launch_next(job: Job) -> None:
    """Start the rows waiting for their turn, oldest first, while the job allows more to run."""
    if not job.at_once:
        return
    model: Any = job.model
    for row_id in db.session.scalars(_waiting(job).with_only_columns(model.id).order_by(model.id)).all():
        if _claim(job, row_id):
            _spawn_claimed(job, row_id)
        elif _taken(job) >= _allowed(job):
            return  # full; a row another process claimed meanwhile is simply passed over


def waits(job: Job, row: JobRow) -> bool:
    """Whether the row is queued for its turn, its process not started yet."""
    return row.status is job.status("queued") and (row.stage or "") != STARTING


def _claim(job: Job, row_id: int) -> bool:
    """Take a place for the row, committed: in one UPDATE, only while it waits and fewer than the job allows are
    taken. Two processes never both claim one row (the second finds it claimed), and on PostgreSQL the count and the
    claim hold a lock of the job's own, so two claims of different rows cannot both take the last place."""
    model: Any = job.model
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(zlib.crc32(job.module.encode()))))
    claimed = rows_changed(
        sa.update(model)
        .where(
            model.id == row_id,
            _waits(job, model),
            _taken_query(job, aliased(model)).scalar_subquery() < _allowed(job),
        )
        .values(stage=STARTING, heartbeat_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return claimed == 1


def _spawn_claimed(job: Job, row_id: int) -> None:
    """Start the process of a claimed row; if it cannot be started, the row says why and its place goes on."""
    try:
        _spawn(job, row_id)
    except OSError as error:
        current_app.logger.exception("%s %s could not be started", job.module, row_id)
        row = db.session.get_one(job.model, row_id)
        row.status, row.finished_at, row.message = job.status("failed"), utcnow(), f"{type(error).__name__}: {error}"
        db.session.commit()


def _allowed(job: Job) -> int:
    return max(1, int(current_app.config.get(job.at_once or "", 1) or 1))


def _waits(job: Job, model: Any) -> sa.ColumnElement[bool]:
    """``waits`` in SQL: queued, its process not started yet."""
    return sa.and_(model.status == job.status("queued"), sa.func.coalesce(model.stage, "") != STARTING)


def _waiting(job: Job) -> sa.Select:
    return sa.select(job.model).where(_waits(job, job.model))


def _taken_query(job: Job, model: Any) -> sa.Select:
    """The count of the job's rows running, or started and about to run, whose heartbeat is recent (a silent one
    has died)."""
    return (
        sa.select(sa.func.count())
        .select_from(model)
        .where(
            sa.or_(
                model.status == job.status("running"),
                sa.and_(model.status == job.status("queued"), model.stage == STARTING),
            ),
            model.heartbeat_at >= utcnow() - job.stale_after,
        )
    )


def _taken(job: Job) -> int:
    return db.session.scalar(_taken_query(job, job.model)) or 0


def _spawn(job: Job, row_id: int) -> None:
    config = current_app.config
    env = {
        **os.environ,
        "AWARDS_JOB_CONFIG": config.get("CONFIG_NAME", "development"),
        "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": config["SECRET_KEY"],
        "EXTERNAL_URL": config.get("EXTERNAL_URL", ""),
        "PYTHONPATH": str(ROOT),
        **{name: str(config.get(name) or "") for name in job.settings},
    }
    log = Path(config[job.log])
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "a") as output:
        process = subprocess.Popen(  # noqa: S603  (our own module, our own arguments)
            [sys.executable, "-m", job.module, str(row_id)],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    # Waited for on a thread of its own, so that the finished process is reaped (no zombie is left) and this one
    # never waits for it.
    name = f"{job.module.rsplit('.', 1)[-1].replace('_', '-')}-{row_id}"
    threading.Thread(target=process.wait, name=name, daemon=True).start()


def supervise(job: Job[Row], row: Row | None, start_waiting: bool = True) -> Row | None:
    """Mark a job that has not written its heartbeat for the job's ``stale_after`` as failed, so that it can be asked
    for again, and give its place to the next row waiting; start a row waiting for its turn when there is room (the
    job that should have started it may have died). ``start_waiting=False`` leaves the starting to the caller, which
    looks at many rows (``launch_next`` once). The row is returned as it is now."""
    if row is None or not row.working:
        return row
    if job.at_once and waits(job, row):
        if start_waiting:
            launch_next(job)
        return row
    last: datetime = row.heartbeat_at or row.created_at
    if utcnow() - last > job.stale_after:
        row.status, row.finished_at, row.message = job.status("failed"), utcnow(), STOPPED
        db.session.commit()
        if start_waiting:
            launch_next(job)
    return row


# --- the job's side -------------------------------------------------------------------------------------------------


def run(job: Job[Row], argv: list[str], work: Callable[[int], None]) -> int:
    """A job's ``main``: build the application with the configuration and settings the web application passed on,
    and do the work on the row named on the command line."""
    if len(argv) != 2 or not argv[1].isdigit():
        print(f"usage: python -m {job.module} {job.argument}", file=sys.stderr)
        return 2
    from .. import create_app

    names = {"DATABASE_URL": "SQLALCHEMY_DATABASE_URI", **{name: name for name in job.settings}}
    overrides = {key: os.environ[name] for name, key in names.items() if os.environ.get(name)}
    app = create_app(os.environ.get("AWARDS_JOB_CONFIG") or None, overrides)
    give_way(int(app.config.get("BACKGROUND_JOB_NICENESS") or 0))
    row_id = int(argv[1])
    with app.app_context(), _kept_alive(app, job, row_id):
        ended = ENDED_UNFINISHED
        try:
            work(row_id)
            ended = ""
        except Exception as error:
            ended = f"{type(error).__name__}: {error}"
            raise
        finally:  # done or failed, its place goes to the next row waiting
            _hand_over(job, row_id, ended)
    return 0


#: What a row left unfinished by a job that ended without an error of its own says.
ENDED_UNFINISHED = "The job ended without finishing its work."


def _hand_over(job: Job, row_id: int, ended: str) -> None:
    """When the work is over: a row this process took and left working (an error outside the work's own recording,
    or an interruption) is marked failed with why, so that its place is not held until its heartbeat is old; then the
    next row waiting is started. A failure here (the database gone) is logged, not raised over the work's own: a page
    that finds the row waiting starts it later (``supervise``)."""
    try:
        db.session.rollback()
        row = db.session.get(job.model, row_id) if row_id in _TAKEN_HERE else None
        if row is not None and row.working:
            row.status, row.finished_at = job.status("failed"), utcnow()
            row.message = (ended or ENDED_UNFINISHED)[:2000]
            db.session.commit()
        launch_next(job)
    except Exception:
        current_app.logger.exception("the next %s waiting could not be started", job.module)


@contextmanager
def _kept_alive(app: Any, job: Job, row_id: int) -> Iterator[None]:
    """Write the row's heartbeat from a thread of its own, every sixth of ``stale_after``, while the work runs: a job
    slowed down by its low priority (``give_way``) on a busy machine is alive, not dead. The heartbeat stops with the
    process, so a job that died is still seen to have died."""
    stop = threading.Event()
    model: Any = job.model

    def beat_on() -> None:
        with app.app_context():
            while not stop.wait(job.stale_after.total_seconds() / 6):
                try:
                    with db.engine.begin() as connection:
                        connection.execute(
                            sa.update(model.__table__)
                            .where(model.__table__.c.id == row_id, model.__table__.c.status == job.status("running"))
                            .values(heartbeat_at=utcnow())
                        )
                except Exception:  # the next beat tries again; a dead database fails the work itself
                    app.logger.warning("the heartbeat of %s %s could not be written", job.module, row_id)

    thread = threading.Thread(target=beat_on, name=f"heartbeat-{row_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()


def give_way(niceness: int) -> None:
    """Lower this process's priority to ``niceness`` (``BACKGROUND_JOB_NICENESS``), where the system has priorities:
    the job then takes the cores only when no request of the web application wants them. Never raised."""
    if hasattr(os, "nice"):
        os.nice(max(0, niceness - os.nice(0)))


def start(job: Job[Row], row_id: int, stage: str) -> Row | None:
    """Take a queued row: it is running from now, at ``stage``. None when there is no such row or it is not queued
    (another process took it, or it was marked failed meanwhile): taken in one conditional UPDATE, so two processes
    never both take it."""
    model: Any = job.model
    now = utcnow()
    taken = rows_changed(
        sa.update(model)
        .where(model.id == row_id, model.status == job.status("queued"))
        .values(status=job.status("running"), started_at=now, heartbeat_at=now, stage=stage)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if taken != 1:
        return None
    _TAKEN_HERE.add(row_id)
    return db.session.get(job.model, row_id)


#: The rows this process took (``start``): only those does it answer for when it ends (``_hand_over``).
_TAKEN_HERE: set[int] = set()


@contextmanager
def failure_recorded(job: Job, row_id: int) -> Iterator[None]:
    """Whatever stops the work is recorded as the row's message, for the page to show, and raised again."""
    try:
        yield
    except Exception as error:
        db.session.rollback()
        row = db.session.get_one(job.model, row_id)
        row.status, row.finished_at = job.status("failed"), utcnow()
        row.message = f"{type(error).__name__}: {error}"
        db.session.commit()
        raise


def beat(row: JobRow, progress: int | None = None, stage: str | None = None) -> None:
    """Write the job's heartbeat, with its progress and stage when they moved."""
    if progress is not None:
        row.progress = progress
    if stage is not None:
        row.stage = stage
    row.heartbeat_at = utcnow()
    db.session.commit()


class Heartbeat:
    """A heartbeat to call as often as is convenient through work that has no progress to tell: it is written at
    most once every ``every``."""

    def __init__(self, row: JobRow, every: timedelta) -> None:
        self.row, self.every = row, every.total_seconds()
        self.last = time.monotonic()

    def __call__(self) -> None:
        if time.monotonic() - self.last >= self.every:
            beat(self.row)
            self.last = time.monotonic()
