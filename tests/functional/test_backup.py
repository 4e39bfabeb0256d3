"""`flask awards backup` and `flask awards restore`: the round trip of the database and the attachments, a backup
taken while the app writes, and a damaged backup refused. Runs on SQLite and, in CI, on PostgreSQL too."""

from __future__ import annotations

import io
import json
import tarfile
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from awards_app.backup import BackupError, _pg_tool, verify_backup
from awards_app.extensions import db
from awards_app.models import Attachment, AuditEvent, Nomination, Score
from awards_app.services import nominations as nominations_service
from awards_app.services import sheets as sheets_service
from tests.conftest import complete_project_answers
from tests.functional.judging_helpers import assign, criteria, eligible, judging_round
from tests.unit.test_storage import PDF


@pytest.fixture(autouse=True)
def _backup_tools(app):
    """On PostgreSQL the backup needs pg_dump and pg_restore; without them there is nothing to test."""
    if db.engine.url.get_backend_name() == "postgresql":
        try:
            _pg_tool("pg_dump"), _pg_tool("pg_restore")
        except BackupError as error:
            pytest.skip(f"PostgreSQL backups need its client tools: {error}")


def _counts() -> dict[str, int]:
    db.session.rollback()
    return {
        model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Nomination, Attachment, Score, AuditEvent)
    }


@pytest.fixture
def filled(app, world):
    """Nominations with an attachment (Korean text included) and a submitted score sheet."""
    nomination = nominations_service.create_draft(
        world.project, world.applicant, complete_project_answers("서울 스마트 교통 신호")
    )
    nominations_service.add_attachment(nomination, world.applicant, "plan.pdf", PDF)
    nominations_service.submit(nomination, world.applicant)
    round_ = judging_round(world)
    assignment = assign(
        round_, eligible(world, "Kigali sensors", organisation=world.other_city), world.judge, declared=True
    )
    sheets_service.save_sheet(
        assignment,
        world.judge,
        sheets_service.SheetInput({c.id: "7" for c in criteria(round_, world.project)}, {}, "Solid.", None),
        submit=True,
    )
    return nomination


def _wipe(app) -> None:
    """Lose everything: the tables and the attachment files."""
    db.session.remove()
    db.drop_all()
    for path in Path(app.config["UPLOAD_FOLDER"]).glob("*"):
        path.unlink()


def test_backup_and_restore_bring_back_every_row_and_every_file(app, runner, filled, tmp_path):
    nomination_id, title, reference = filled.id, filled.title, filled.reference
    before = _counts()
    folder = Path(app.config["UPLOAD_FOLDER"])
    files = {p.name: p.read_bytes() for p in folder.glob("*")}
    assert files
    (folder / ".half-written.part").write_bytes(b"an upload still being written")
    out = tmp_path / "backups" / "awards.tar.gz"
    result = runner.invoke(args=["awards", "backup", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 attachment files" in result.output
    manifest = verify_backup(out)
    assert manifest.tables["nomination"] == before["Nomination"] and manifest.tables["score"] == before["Score"]
    assert sorted(manifest.files) == ["database." + ("sqlite" if manifest.database == "sqlite" else "pgdump")] + [
        f"uploads/{name}" for name in sorted(files)
    ]

    _wipe(app)
    assert not list(folder.glob("*"))
    result = runner.invoke(args=["awards", "restore", str(out)])
    assert result.exit_code == 0, result.output
    assert _counts() == before
    assert {p.name: p.read_bytes() for p in folder.glob("*")} == files
    restored = db.session.get(Nomination, nomination_id)
    assert (restored.title, restored.reference) == (title, reference) and title == "서울 스마트 교통 신호"


def test_a_database_holding_data_is_not_overwritten_unless_forced(app, runner, filled, tmp_path):
    out = tmp_path / "awards.tar.gz"
    assert runner.invoke(args=["awards", "backup", "--out", str(out)]).exit_code == 0
    nominations_service.create_draft(filled.category, filled.created_by, {"title": "Made after the backup"})
    refused = runner.invoke(args=["awards", "restore", str(out)])
    assert refused.exit_code != 0 and "already holds data" in refused.output and "--force" in refused.output
    assert db.session.scalar(sa.select(Nomination).where(Nomination.title == "Made after the backup"))
    forced = runner.invoke(args=["awards", "restore", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    db.session.rollback()
    assert db.session.scalar(sa.select(Nomination).where(Nomination.title == "Made after the backup")) is None


def _rewritten(source: Path, target: Path, change) -> Path:
    """A copy of the backup ``source`` whose members went through ``change(name, data) -> data``."""
    with tarfile.open(source, "r:gz") as original, tarfile.open(target, "w:gz") as copy:
        for member in original.getmembers():
            data = change(member.name, original.extractfile(member).read())
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
    return target


def _one_byte_changed_in_the_attachment(name: str, data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 1]) if name.startswith("uploads/") else data


def _one_byte_changed_in_the_database(name: str, data: bytes) -> bytes:
    return data[:100] + bytes([data[100] ^ 1]) + data[101:] if name.startswith("database.") else data


def _manifest_naming_a_file_outside_uploads(name: str, data: bytes) -> bytes:
    if name != "manifest.json":
        return data
    manifest = json.loads(data)
    member = next(m for m in manifest["files"] if m.startswith("uploads/"))
    manifest["files"]["uploads/../../escaped.pdf"] = manifest["files"].pop(member)
    return json.dumps(manifest).encode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_one_byte_changed_in_the_attachment, "does not match its checksum"),
        (_one_byte_changed_in_the_database, "does not match its checksum"),
        (_manifest_naming_a_file_outside_uploads, "manifest this version does not understand"),
    ],
)
def test_a_damaged_backup_is_refused_and_changes_nothing(app, runner, filled, tmp_path, change, message):
    out = tmp_path / "awards.tar.gz"
    assert runner.invoke(args=["awards", "backup", "--out", str(out)]).exit_code == 0
    damaged = _rewritten(out, tmp_path / "damaged.tar.gz", change)
    nominations_service.create_draft(filled.category, filled.created_by, {"title": "Made after the backup"})
    folder = Path(app.config["UPLOAD_FOLDER"])
    before, files = _counts(), {p.name: p.read_bytes() for p in folder.iterdir()}

    result = runner.invoke(args=["awards", "restore", str(damaged), "--force"])
    assert result.exit_code != 0 and message in result.output and "Nothing was restored" in result.output
    assert _counts() == before
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == files  # no staging folder left behind either
    assert db.session.scalar(sa.select(Nomination).where(Nomination.title == "Made after the backup"))
    assert not (tmp_path / "escaped.pdf").exists()


def test_what_is_not_a_backup_is_refused_with_its_reason(app, runner, filled, tmp_path):
    before = _counts()
    missing = runner.invoke(args=["awards", "restore", str(tmp_path / "missing.tar.gz")])
    assert missing.exit_code != 0 and "does not exist" in missing.output
    with pytest.raises(BackupError, match="does not exist"):
        verify_backup(tmp_path / "missing.tar.gz")
    (tmp_path / "junk.tar.gz").write_bytes(b"not a backup")
    junk = runner.invoke(args=["awards", "restore", str(tmp_path / "junk.tar.gz")])
    assert junk.exit_code != 0 and "not a readable backup" in junk.output
    with tarfile.open(tmp_path / "empty.tar.gz", "w:gz"):
        pass
    empty = runner.invoke(args=["awards", "restore", str(tmp_path / "empty.tar.gz")])
    assert empty.exit_code != 0 and "no valid manifest" in empty.output
    unwritable = runner.invoke(args=["awards", "backup", "--out", str(tmp_path / "junk.tar.gz" / "x.tar.gz")])
    assert unwritable.exit_code != 0 and "Backup failed" in unwritable.output
    assert _counts() == before and not (tmp_path / "junk.tar.gz.part").exists()


def test_a_backup_taken_while_the_app_writes_is_consistent(app, runner, filled, tmp_path):
    """Audit rows are written in another thread during the backup; the backup's counts match what it holds."""
    started, stop = threading.Event(), threading.Event()
    audit_before = _counts()["AuditEvent"]
    db.session.remove()  # this thread holds no transaction while the other writes

    def keep_writing():
        with app.app_context():
            while not stop.is_set():
                db.session.add(
                    AuditEvent(
                        action="demo.extra_seeded",
                        target_type="edition",
                        target_id=1,
                        summary="load",
                        details={"count": 1},
                    )
                )
                db.session.commit()
                started.set()
            db.session.remove()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        assert started.wait(timeout=30), "the writer never committed"
        out = tmp_path / "awards.tar.gz"
        result = runner.invoke(args=["awards", "backup", "--out", str(out)])
    finally:
        stop.set()
        writer.join(timeout=10)
    assert result.exit_code == 0, result.output
    manifest = verify_backup(out)
    assert manifest.tables["audit_event"] > audit_before  # the writer's first rows are in the backup
    assert _counts()["AuditEvent"] >= manifest.tables["audit_event"]
    _wipe(app)
    result = runner.invoke(args=["awards", "restore", str(out)])
    assert result.exit_code == 0, result.output  # the restore itself compares every table's rows with the manifest
    assert _counts()["AuditEvent"] == manifest.tables["audit_event"]
