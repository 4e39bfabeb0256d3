"""Backups of the whole application (the database and the attachments) taken while it runs, and their restore.

A backup is one ``.tar.gz`` file::

    manifest.json        format, application version, time (UTC), database kind, row count of every table,
                         SHA-256 of every other member
    database.sqlite      SQLite: a copy made with SQLite's online backup API (consistent while the app writes)
    database.pgdump      PostgreSQL: ``pg_dump --format=custom`` of a snapshot exported by a repeatable-read
                         transaction, in which the row counts are taken too, so the counts and the dump agree
    uploads/<name>       the attachment files, by their stored (random) names

Restoring checks every checksum before touching anything, refuses to overwrite a database that holds data unless
forced, restores the database and then the files (unpacked to a temporary folder first), and finally compares the
row counts with the manifest. Nothing here imports Flask: the CLI passes the database URL and the folders.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from glob import glob
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

FORMAT = 1
MANIFEST = "manifest.json"


class BackupError(RuntimeError):
    """A backup or restore that cannot go on; the message says why, and nothing was changed by a restore."""


@dataclass(frozen=True)
class Manifest:
    format: int
    version: str
    created_at: str
    database: str
    tables: dict[str, int]
    files: dict[str, str]  # archive member -> SHA-256

    def to_json(self) -> bytes:
        return json.dumps(self.__dict__, indent=2, sort_keys=True).encode()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _kind(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {backend}.")
    return backend


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return Path(database)


def _libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_tool(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise BackupError(f"{name} was not found: install the PostgreSQL client tools (postgresql-client).")
    return found


def _counts(connection: sa.Connection) -> dict[str, int]:
    tables = sa.inspect(connection).get_table_names()
    return {name: connection.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one()
            for name in sorted(tables)}


def create_backup(engine: Engine, upload_folder: Path, out: Path, version: str) -> Manifest:
    """Write a backup of the database behind ``engine`` and of ``upload_folder`` to ``out``."""
    kind = _kind(str(engine.url.render_as_string(hide_password=False)))
    out = Path(out)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        if kind == "sqlite":
            database = work / "database.sqlite"
            source = sqlite3.connect(_sqlite_path(engine.url.render_as_string(hide_password=False)))
            target = sqlite3.connect(database)
            try:
                source.backup(target)  # one consistent copy, even while the app writes
            finally:
                source.close()
            try:
                names = [row[0] for row in target.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
                tables = {name: target.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # noqa: S608
                          for name in sorted(names)}
            finally:
                target.close()
        else:
            database = work / "database.pgdump"
            tables = _pg_dump(engine, database)
        files = {database.name: _sha256(database)}
        uploads = sorted(p for p in Path(upload_folder).glob("*") if p.is_file()) if Path(upload_folder).is_dir() \
            else []
        for path in uploads:
            files[f"uploads/{path.name}"] = _sha256(path)
        manifest = Manifest(FORMAT, version, datetime.now(UTC).isoformat(timespec="seconds"), kind, tables, files)
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".part")
        with tarfile.open(partial, "w:gz") as archive:
            data = manifest.to_json()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
            archive.add(database, arcname=database.name)
            for path in uploads:
                archive.add(path, arcname=f"uploads/{path.name}")
        partial.replace(out)
    return manifest


def _pg_dump(engine: Engine, out: Path) -> dict[str, int]:
    """Dump a snapshot and count its rows in the same snapshot, so the counts describe exactly the dump."""
    url = _libpq_url(engine.url.render_as_string(hide_password=False))
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot = connection.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
            tables = _counts(connection)
            result = subprocess.run(  # noqa: S603
                [_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--snapshot={snapshot}",
                 f"--file={out}", url], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()[:500]}")
    return tables


@contextmanager
def _unpacked(archive_path: Path) -> Iterator[tuple[Manifest, Path]]:
    """The archive unpacked into a temporary folder, after every member was checked against the manifest."""
    if not Path(archive_path).is_file():
        raise BackupError(f"{archive_path} does not exist.")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        try:
            with tarfile.open(archive_path, "r:gz") as archive:
                archive.extractall(work, filter="data")  # refuses absolute paths, .. and links out of the folder
        except (tarfile.TarError, OSError, EOFError) as error:
            raise BackupError(f"{archive_path} is not a readable backup: {error}") from error
        try:
            raw = json.loads((work / MANIFEST).read_text())
            manifest = Manifest(**raw)
        except (OSError, ValueError, TypeError) as error:
            raise BackupError(f"{archive_path} has no valid manifest.") from error
        if manifest.format != FORMAT:
            raise BackupError(f"This backup has format {manifest.format}; this version reads format {FORMAT}.")
        for member, digest in manifest.files.items():
            path = work / member
            if not path.is_file() or _sha256(path) != digest:
                raise BackupError(f"The backup is damaged: {member} does not match its checksum. Nothing was "
                                  "restored.")
        yield manifest, work


def verify_backup(archive_path: Path) -> Manifest:
    """Check a backup's checksums without restoring it."""
    with _unpacked(archive_path) as (manifest, _work):
        return manifest


def restore_backup(engine: Engine, upload_folder: Path, archive_path: Path, *, force: bool = False) -> Manifest:
    """Bring back a backup: the database behind ``engine`` and the files of ``upload_folder``."""
    url = engine.url.render_as_string(hide_password=False)
    kind = _kind(url)
    with _unpacked(archive_path) as (manifest, work):
        if manifest.database != kind:
            raise BackupError(f"This is a {manifest.database} backup; the configured database is {kind}.")
        with engine.connect() as connection:
            holding = {name: n for name, n in _counts(connection).items() if n and name != "alembic_version"}
        if holding and not force:
            raise BackupError("The database already holds data (" + ", ".join(
                f"{name}: {n}" for name, n in sorted(holding.items())[:5]) + "). Restore into an empty database, "
                "or pass --force to replace it.")
        engine.dispose()  # no pooled connection may hold a lock on what is replaced
        if kind == "sqlite":
            source = sqlite3.connect(work / "database.sqlite")
            target = sqlite3.connect(_sqlite_path(url))
            try:
                source.backup(target)
            finally:
                source.close()
                target.close()
        else:
            result = subprocess.run(  # noqa: S603
                [_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
                 f"--dbname={_libpq_url(url)}", str(work / "database.pgdump")],
                capture_output=True, text=True, check=False)
            if result.returncode != 0:
                raise BackupError(f"pg_restore failed: {result.stderr.strip()[:500]}")
        folder = Path(upload_folder)
        folder.mkdir(parents=True, exist_ok=True)
        for member in manifest.files:
            if member.startswith("uploads/"):
                os.replace(work / member, folder / Path(member).name) if _same_device(work, folder) \
                    else shutil.copy2(work / member, folder / Path(member).name)
        with engine.connect() as connection:
            restored = _counts(connection)
        wrong = {name: (n, restored.get(name)) for name, n in manifest.tables.items() if restored.get(name) != n}
        if wrong:
            raise BackupError(f"The restored row counts differ from the backup's: {wrong}")
    return manifest


def _same_device(a: Path, b: Path) -> bool:
    return os.stat(a).st_dev == os.stat(b).st_dev
