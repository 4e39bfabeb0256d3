"""`flask awards backup` and `flask awards restore`: the round trip of the database and the attachments, a backup
taken while the app writes, and a damaged backup refused. Runs on SQLite and, in CI, on PostgreSQL too."""

from __future__ import annotations

import tarfile
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from awards_app.backup import BackupError, verify_backup
from awards_app.extensions import db
from awards_app.models import Attachment, AuditEvent, Nomination, Score
from awards_app.services import judging as judging_service
from awards_app.services import nominations as nomination_service
from tests.conftest import complete_project_answers
from tests.functional.judging_helpers import assign, criteria, eligible, judging_round
from tests.unit.test_storage import PDF


def _counts() -> dict[str, int]:
    db.session.rollback()
    return {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Nomination, Attachment, Score, AuditEvent)}


@pytest.fixture
def filled(app, world):
    """Nominations with an attachment (Korean text included) and a submitted score sheet."""
    nomination = nomination_service.create_draft(world.project, world.applicant,
                                                 complete_project_answers("서울 스마트 교통 신호"))
    nomination_service.add_attachment(nomination, world.applicant, "plan.pdf", PDF)
    nomination_service.submit(nomination, world.applicant)
    round_ = judging_round(world)
    assignment = assign(round_, eligible(world, "Kigali sensors", organisation=world.other_city), world.judge,
                        declared=True)
    judging_service.save_sheet(assignment, world.judge, judging_service.SheetInput(
        {c.id: "7" for c in criteria(round_, world.project)}, {}, "Solid.", None), submit=True)
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
    out = tmp_path / "backups" / "awards.tar.gz"
    result = runner.invoke(args=["awards", "backup", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 attachment files" in result.output
    manifest = verify_backup(out)
    assert manifest.tables["nomination"] == before["Nomination"] and manifest.tables["score"] == before["Score"]

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
    nomination_service.create_draft(world_category(filled), filled.created_by, {"title": "Made after the backup"})
    refused = runner.invoke(args=["awards", "restore", str(out)])
    assert refused.exit_code != 0 and "already holds data" in refused.output
    assert db.session.scalar(sa.select(Nomination).where(Nomination.title == "Made after the backup"))
    forced = runner.invoke(args=["awards", "restore", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    db.session.rollback()
    assert db.session.scalar(sa.select(Nomination).where(Nomination.title == "Made after the backup")) is None


def world_category(nomination: Nomination):
    return nomination.category


def test_a_damaged_backup_is_refused_and_changes_nothing(app, runner, filled, tmp_path):
    out = tmp_path / "awards.tar.gz"
    assert runner.invoke(args=["awards", "backup", "--out", str(out)]).exit_code == 0
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(out, "r:gz") as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name.startswith("uploads/"):
                data = data[:-1] + b"X"  # one byte changed
            member.size = len(data)
            import io

            target.addfile(member, io.BytesIO(data))
    before = _counts()
    _wipe(app)
    db.create_all()
    result = runner.invoke(args=["awards", "restore", str(damaged)])
    assert result.exit_code != 0 and "damaged" in result.output and "Nothing was restored" in result.output
    assert _counts() == dict.fromkeys(before, 0)
    with pytest.raises(BackupError):
        verify_backup(tmp_path / "missing.tar.gz")
    (tmp_path / "junk.tar.gz").write_bytes(b"not a backup")
    junk = runner.invoke(args=["awards", "restore", str(tmp_path / "junk.tar.gz")])
    assert junk.exit_code != 0 and "not a readable backup" in junk.output


def test_a_backup_taken_while_the_app_writes_is_consistent(app, runner, filled, tmp_path):
    """Audit rows are written in another thread during the backup; the backup's counts match what it holds."""
    stop = threading.Event()

    def keep_writing():
        with app.app_context():
            while not stop.is_set():
                db.session.add(AuditEvent(action="demo.extra_seeded", target_type="edition", target_id=1,
                                          summary="load", details={"count": 1}))
                db.session.commit()
            db.session.remove()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        out = tmp_path / "awards.tar.gz"
        result = runner.invoke(args=["awards", "backup", "--out", str(out)])
    finally:
        stop.set()
        writer.join(timeout=10)
    assert result.exit_code == 0, result.output
    manifest = verify_backup(out)
    _wipe(app)
    result = runner.invoke(args=["awards", "restore", str(out)])
    assert result.exit_code == 0, result.output  # the restore itself compares every table's rows with the manifest
    assert _counts()["AuditEvent"] == manifest.tables["audit_event"]
