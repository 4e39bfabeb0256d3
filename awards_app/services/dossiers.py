"""Dossiers built in the background: asking for one, following it, and handing out the finished file.

A dossier is never drawn in a request (a book of 42 finalists and their documents takes a while). ``request_build``
records it (queued) and starts ``python -m awards_app.dossier_job`` as a process of its own, as the uncertainty model
does (``background_jobs``); the job writes its progress and a heartbeat into the row, the heartbeat also while it
puts the book together, and the file with the page previews when it is done.
Pages read the row: a job whose heartbeat stopped is marked failed and may be asked for again. A build belongs to the
SHA-256 of what it prints: asked for again while that is the same, the finished file is handed out; once it has
changed, it is built anew, and the earlier file is deleted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from .. import dossier_pdf, storage
from ..extensions import db
from ..models import (
    Assignment,
    BuildStatus,
    Category,
    DossierBuild,
    DossierKind,
    Nomination,
    Round,
    RoundEntry,
    User,
    utcnow,
)
from . import ServiceError, access_log, background_jobs, rounds
from . import dossier_content as content
from .audit import record

#: A job that has not written its heartbeat for this long is taken to have died.
STALE_AFTER = timedelta(minutes=3)
#: What a build that waited and was replaced by a newer request of the same dossier says.
SUPERSEDED = "Replaced, while it waited for its turn, by a newer request of the same dossier."
#: While the book is put together (no progress to tell), its heartbeat is written at most this often.
ASSEMBLY_HEARTBEAT_EVERY = timedelta(seconds=15)
#: The job, and where it finds the documents it prints and keeps the file it makes.
JOB = background_jobs.Job(
    "awards_app.dossier_job",
    "BUILD_ID",
    DossierBuild,
    BuildStatus,
    log="DOSSIER_JOB_LOG",
    stale_after=STALE_AFTER,
    settings=("UPLOAD_FOLDER", "PREVIEW_FOLDER"),
    at_once="DOSSIER_BUILDS_AT_ONCE",
)


def judge_subject(round_: Round, judge: User) -> content.Subject:
    """A judge's dossier, in the judge's own language."""
    return content.Subject(DossierKind.JUDGE, round_, judge.locale or "en", judge=judge)


def book_subject(round_: Round, category: Category, locale: str) -> content.Subject:
    """A category's book for the committee, in the language of the one who asks."""
    return content.Subject(DossierKind.BOOK, round_, locale, category=category)


def holds_assignments(round_: Round, judge: User) -> bool:
    """Whether the judge has a nomination of the round to read: assigned, and not recused from it."""
    return bool(content.judge_nominations(round_, judge))


@dataclass(frozen=True)
class RoundJudge:
    judge: User
    nominations: int  # assigned and not recused from
    recused: int


def round_judges(round_: Round) -> list[RoundJudge]:
    """The round's judges, by name, with how many of their nominations a dossier would hold and how many they are
    recused from."""
    recused = Assignment.recused_clause()
    rows = db.session.execute(
        sa.select(
            User,
            sa.func.count(Assignment.id).filter(~recused),
            sa.func.count(Assignment.id).filter(recused),
        )
        .join(Assignment, Assignment.judge_id == User.id)
        .where(Assignment.round_id == round_.id)
        .group_by(User.id)
        .order_by(User.name, User.id)
    ).all()
    return [RoundJudge(user, held, out) for user, held, out in rows]


def is_round_judge(round_: Round, judge: User) -> bool:
    """Whether the judge has any nomination of the round, recused or not: one of ``round_judges``, whose dossier the
    secretariat may build."""
    assigned = sa.select(Assignment.id).where(Assignment.round_id == round_.id, Assignment.judge_id == judge.id)
    return db.session.scalar(assigned.limit(1)) is not None


def book_sizes(round_: Round) -> dict[int, int]:
    """How many nominations each category's book of the round holds, by category id (a category with none is
    left out)."""
    counted = (
        rounds.round_nominations_query(round_)
        .with_only_columns(Nomination.category_id, sa.func.count(Nomination.id))
        .group_by(Nomination.category_id)
        .order_by(None)
    )
    return dict(db.session.execute(counted).all())


@dataclass(frozen=True)
class RoundDossiers:
    """What the secretariat's page of a round's dossiers lists."""

    judges: list[RoundJudge]
    book_sizes: dict[int, int]  # by category id
    latest: dict[tuple[str, int], DossierBuild]  # as ``latest_builds`` gives them


def round_dossiers(round_: Round) -> RoundDossiers:
    """Every dossier of a round: each judge's, and a book per category, with the latest build of each."""
    return RoundDossiers(round_judges(round_), book_sizes(round_), latest_builds(round_))


def latest_builds(round_: Round) -> dict[tuple[str, int], DossierBuild]:
    """The latest build of each dossier of the round, by ("judge", judge id) or ("book", category id)."""
    latest: dict[tuple[str, int], DossierBuild] = {}
    for build in db.session.scalars(
        sa.select(DossierBuild).where(DossierBuild.round_id == round_.id).order_by(DossierBuild.id)
    ):
        key = build.judge_id if build.kind is DossierKind.JUDGE else build.category_id
        if key is not None:
            latest[(build.kind.value, key)] = background_jobs.supervise(JOB, build, start_waiting=False) or build
    if any(background_jobs.waits(JOB, build) for build in latest.values()):
        background_jobs.launch_next(JOB)  # once for the page, however many wait
    return latest


def _folder() -> Path:
    return Path(current_app.config["PREVIEW_FOLDER"]) / "dossiers"


def _builds(subject: content.Subject) -> sa.Select:
    query = sa.select(DossierBuild).where(
        DossierBuild.kind == subject.kind,
        DossierBuild.round_id == subject.round.id,
        DossierBuild.locale == subject.locale,
    )
    if subject.judge is not None:
        query = query.where(DossierBuild.judge_id == subject.judge.id)
    if subject.category is not None:
        query = query.where(DossierBuild.category_id == subject.category.id)
    return query


def waits(build: DossierBuild) -> bool:
    """Whether the build is queued behind as many as may run at once (``DOSSIER_BUILDS_AT_ONCE``)."""
    return background_jobs.waits(JOB, build)


def _supervise(build: DossierBuild | None) -> DossierBuild | None:
    return background_jobs.supervise(JOB, build)


@dataclass
class BuildState:
    """What a dossier's page says: its latest build, and whether that is of the data as it is now."""

    build: DossierBuild | None
    current: bool
    nominations: int

    @property
    def ready(self) -> bool:
        """A finished file of the data as it is now, still on disk."""
        return self.build is not None and self.current and self.build.ready and self._on_disk()

    @property
    def working(self) -> bool:
        return self.build is not None and self.build.working

    @property
    def waiting(self) -> bool:
        """Queued behind as many builds as may run at once (``DOSSIER_BUILDS_AT_ONCE``), not started yet."""
        return self.build is not None and waits(self.build)

    @property
    def stale(self) -> bool:
        """A finished build of data that has changed since, or whose file is gone (lost, or deleted by an erasure)."""
        return self.build is not None and self.build.status is BuildStatus.DONE and not self.ready

    @property
    def failed(self) -> bool:
        return self.build is not None and self.build.status is BuildStatus.FAILED

    def _on_disk(self) -> bool:
        assert self.build is not None
        stored_name = self.build.stored_name
        return stored_name is not None and storage.path_of(str(_folder()), stored_name).exists()


def build_state(subject: content.Subject) -> BuildState:
    nominations = content.nominations_of(subject)
    digest = content.data_sha256(subject, nominations)
    build = _supervise(db.session.scalar(_builds(subject).order_by(DossierBuild.id.desc()).limit(1)))
    return BuildState(build, build is not None and build.data_sha256 == digest, len(nominations))


def request_build(subject: content.Subject, actor: User) -> DossierBuild:
    """Start building the dossier in the background, unless it is built or being built from the same data."""
    nominations = content.nominations_of(subject)
    if not nominations:
        raise ServiceError(_l("There are no nominations to put in this dossier."))
    state = build_state(subject)
    if state.build is not None and state.current and (state.working or state.ready):
        return state.build
    build = DossierBuild(
        kind=subject.kind,
        round_id=subject.round.id,
        category_id=subject.category.id if subject.category else None,
        judge_id=subject.judge.id if subject.judge else None,
        locale=subject.locale,
        data_sha256=content.data_sha256(subject, nominations),
        status=BuildStatus.QUEUED,
        nominations=len(nominations),
        requested_by_id=actor.id,
        heartbeat_at=utcnow(),
    )
    for older in db.session.scalars(_builds(subject).where(DossierBuild.status == BuildStatus.QUEUED)):
        if waits(older):  # of data that has changed since: this build takes its place in the queue
            older.status, older.finished_at, older.message = BuildStatus.FAILED, utcnow(), SUPERSEDED
    db.session.add(build)
    db.session.flush()
    who = _of_whom(subject)
    record(
        "dossier.requested",
        subject.round,
        actor,
        f"{subject.kind.value} dossier asked for in {subject.round.name}: {who}",
        {
            "round": subject.round.name,
            "build": build.id,
            "kind": subject.kind.value,
            "of": who,
            "nominations": len(nominations),
            "data_sha256": build.data_sha256,
            **_judge(subject),
        },
    )
    db.session.commit()
    if current_app.config.get("DOSSIERS_IN_BACKGROUND", True):
        background_jobs.launch(JOB, build.id)
    else:  # the tests' way: the same job, in this process, before the response
        try:
            run_build(build.id)
        except Exception:  # the row says it failed, as the page shows; the request goes on
            current_app.logger.exception("dossier build %s failed", build.id)
        db.session.refresh(build)
    return build


def _subject_of(build: DossierBuild) -> content.Subject:
    return content.Subject(build.kind, build.round, build.locale, judge=build.judge, category=build.category)


def run_build(build_id: int) -> None:
    """The job itself (``awards_app.dossier_job``): draw each nomination, merge its PDFs, stamp, keep the file."""
    build = background_jobs.start(JOB, build_id, "drawing")
    if build is None:
        return
    with background_jobs.failure_recorded(JOB, build_id):
        subject = _subject_of(build)
        nominations = content.nominations_of(subject)  # what is true now, which the row then states
        build.data_sha256, build.nominations = content.data_sha256(subject, nominations), len(nominations)

        def progress(done: int, total: int) -> None:
            stage = "assembling" if done >= total - 1 else "drawing"
            background_jobs.beat(build, min(99, round(100 * done / total)), stage)

        book = dossier_pdf.assemble(
            list(content.sections(subject, nominations)),
            lambda entries: content.contents_html(subject, nominations, entries),
            content.watermark_text(subject),
            content.footer(subject),
            progress,
            background_jobs.Heartbeat(build, ASSEMBLY_HEARTBEAT_EVERY),
        )
        stored = storage.save_bytes(str(_folder()), book.pdf)
    # The builds asked for before this one; a newer one, finished first, keeps its file.
    earlier = list(db.session.scalars(_builds(subject).where(DossierBuild.id < build.id)))
    build.stored_name, build.size, build.pages = stored.stored_name, stored.size, book.pages
    build.status, build.progress, build.stage, build.finished_at = BuildStatus.DONE, 100, "done", utcnow()
    build.heartbeat_at = utcnow()
    for old in earlier:  # superseded: their files go (they may print what has since been changed or erased)
        if old.stored_name and not old.working:
            storage.delete(str(_folder()), old.stored_name)
            old.stored_name = None
    db.session.commit()


def ready_file(subject: content.Subject, actor: User) -> tuple[Path, str]:
    """The finished dossier's file and its download name, recorded in the audit trail; ``ServiceError`` when there is
    none of the data as it is now."""
    state = build_state(subject)
    if not state.ready or state.build is None or state.build.stored_name is None:
        raise ServiceError(_l("This dossier is not ready: build it first."))
    build, stored_name = state.build, state.build.stored_name
    who = _of_whom(subject)
    record(
        "dossier.downloaded",
        subject.round,
        actor,
        f"{subject.kind.value} dossier downloaded in {subject.round.name}: {who}",
        {"round": subject.round.name, "build": build.id, "kind": subject.kind.value, "of": who, **_judge(subject)},
    )
    db.session.commit()
    name = content.file_name(subject)
    for nomination in content.nominations_of(subject):  # who read whose data: each nomination the file holds
        access_log.note(actor, "dossier", nomination, name)
    return storage.path_of(str(_folder()), stored_name), name


def _of_whom(subject: content.Subject) -> str:
    """Whom or what a dossier is of, as the audit trail says it: the judge's name or the category's code."""
    return subject.judge.name if subject.judge else (subject.category.code if subject.category else "")


def _judge(subject: content.Subject) -> dict[str, str]:
    """The judge a dossier is of, by address, as every audit entry about a judge names them (erasure finds it)."""
    return {"judge": subject.judge.email} if subject.judge else {}


def forget_files_of(nomination_ids: Iterable[int]) -> int:
    """Delete the file of every dossier and book of a round these nominations are in (an erasure's or a purge's
    step: a file may print what is erased); each is built again, without it, when next asked. Returns how many."""
    ids = list(nomination_ids)
    if not ids:
        return 0
    rounds = sa.union(
        sa.select(Assignment.round_id).where(Assignment.nomination_id.in_(ids)),
        sa.select(RoundEntry.round_id).where(RoundEntry.nomination_id.in_(ids)),
    )
    deleted = 0
    for build in db.session.scalars(
        sa.select(DossierBuild).where(DossierBuild.round_id.in_(rounds), DossierBuild.stored_name.is_not(None))
    ):
        assert build.stored_name is not None
        storage.delete(str(_folder()), build.stored_name)
        build.stored_name = None
        deleted += 1
    return deleted
