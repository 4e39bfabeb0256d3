"""Backups of the whole application (the database and the attachments) taken while it runs, and their restore.

A backup is one ``.tar.gz`` file::

    database.sqlite      SQLite: a copy made with SQLite's online backup API (consistent while the app writes)
    database.pgdump      PostgreSQL: ``pg_dump --format=custom`` of a snapshot exported by a repeatable-read
                         transaction, in which the row counts are taken too, so the counts and the dump agree
    uploads/<name>       the attachment files, by their stored (random) names, read after the database
    manifest.json        format, application version, time (UTC), database kind, row count of every table,
                         SHA-256 of every other member (written last, when every checksum is known)

Stored files are never rewritten, only added and deleted, so reading them after the database leaves at most a
file whose row came later (an unused file after a restore); a file deleted meanwhile is left out.

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
DATABASE_MEMBERS = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}


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


def _sqlite_path(url: str, *, existing: bool = False) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    path = Path(database)
    if existing and not path.is_file():
        raise BackupError(f"The SQLite database {path} does not exist.")
    if not existing and not path.parent.is_dir():
        raise BackupError(f"The folder of the SQLite database, {path.parent}, does not exist.")
    return path


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL the PostgreSQL tools take, and their environment: the password goes in PGPASSWORD, not in ``ps``."""
    parsed = make_url(url)
    environment = dict(os.environ)
    if parsed.password is not None:
        environment["PGPASSWORD"] = str(parsed.password)
    return parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False), environment


def _pg_tool(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise BackupError(f"{name} was not found: install the PostgreSQL client tools (postgresql-client).")
    return found


def _counts(connection: sa.Connection) -> dict[str, int]:
    tables = sa.inspect(connection).get_table_names()
    return {
        name: connection.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one()
        for name in sorted(tables)
    }


def create_backup(engine: Engine, upload_folder: Path, out: Path, version: str) -> Manifest:
    """Write a backup of the database behind ``engine`` and of ``upload_folder`` to ``out``."""
    kind = _kind(str(engine.url.render_as_string(hide_password=False)))
    out = Path(out)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        if kind == "sqlite":
            database = work / "database.sqlite"
            source = sqlite3.connect(_sqlite_path(engine.url.render_as_string(hide_password=False), existing=True))
            target = sqlite3.connect(database)
            try:
                source.backup(target)  # one consistent copy, even while the app writes
                names = [
                    row[0]
                    for row in target.execute(
                        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                    )
                ]
                tables = {
                    name: target.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # noqa: S608
                    for name in sorted(names)
                }
            except sqlite3.Error as error:
                raise BackupError(f"SQLite could not copy the database: {error}") from error
            finally:
                source.close()
                target.close()
        else:
            database = work / "database.pgdump"
            tables = _pg_dump(engine, database)
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".part")  # a reader never sees half an archive under the real name
        try:
            with tarfile.open(partial, "w:gz") as archive:
                files = {database.name: _sha256(database)}
                archive.add(database, arcname=database.name)
                for path in _attachment_files(Path(upload_folder)):
                    digest = _add_attachment(archive, path)
                    if digest:
                        files[f"uploads/{path.name}"] = digest
                # The manifest goes last, once every member's checksum is known.
                manifest = Manifest(
                    FORMAT, version, datetime.now(UTC).isoformat(timespec="seconds"), kind, tables, files
                )
                data = manifest.to_json()
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(data)
                info.mtime = int(datetime.now(UTC).timestamp())
                archive.addfile(info, io.BytesIO(data))
            partial.replace(out)
        finally:
            partial.unlink(missing_ok=True)
    return manifest


def _attachment_files(folder: Path) -> list[Path]:
    """The stored attachments; a dot-name is a file still being written (see ``storage.save_bytes``)."""
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.iterdir() if not path.name.startswith(".") and path.is_file())


def _add_attachment(archive: tarfile.TarFile, path: Path) -> str | None:
    """Add one file and return its SHA-256, both from one open handle; None when it was deleted meanwhile."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return None  # removed by its nomination's owner after the listing: the snapshot may not know it either
    with handle:
        digest = hashlib.sha256()
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
        handle.seek(0)
        info = archive.gettarinfo(arcname=f"uploads/{path.name}", fileobj=handle)
        archive.addfile(info, handle)
    return digest.hexdigest()


def _pg_dump(engine: Engine, out: Path) -> dict[str, int]:
    """Dump a snapshot and count its rows in the same snapshot, so the counts describe exactly the dump."""
    url, environment = _libpq(engine.url.render_as_string(hide_password=False))
    with _database_errors("for the backup"), engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot = connection.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
            tables = _counts(connection)
            result = subprocess.run(  # noqa: S603
                [_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--snapshot={snapshot}", f"--file={out}", url],
                capture_output=True,
                text=True,
                check=False,
                env=environment,
            )
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
        if not _well_formed(manifest):
            raise BackupError(f"{archive_path} has a manifest this version does not understand. Nothing was restored.")
        for member, digest in manifest.files.items():
            path = work / member
            if not path.is_file() or _sha256(path) != digest:
                raise BackupError(f"The backup is damaged: {member} does not match its checksum. Nothing was restored.")
        yield manifest, work


def _well_formed(manifest: Manifest) -> bool:
    """The manifest names one database of its kind and attachment files directly under ``uploads/``."""
    files, tables = manifest.files, manifest.tables
    if not (isinstance(files, dict) and isinstance(tables, dict) and manifest.database in DATABASE_MEMBERS):
        return False
    if DATABASE_MEMBERS[manifest.database] not in files:
        return False
    for member, digest in files.items():
        name = member.removeprefix("uploads/")
        upload = member.startswith("uploads/") and name not in ("", ".", "..") and "/" not in name
        if not (isinstance(digest, str) and (member == DATABASE_MEMBERS[manifest.database] or upload)):
            return False
    return all(isinstance(n, int) for n in tables.values())


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
        folder = Path(upload_folder)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise BackupError(f"The attachment folder {folder} cannot be created: {error.strerror}.") from error
        with _database_errors("before the restore"), engine.connect() as connection:
            holding = {name: n for name, n in _counts(connection).items() if n and name != "alembic_version"}
        if holding and not force:
            raise BackupError(
                "The database already holds data ("
                + ", ".join(f"{name}: {n}" for name, n in sorted(holding.items())[:5])
                + "). Restore into an empty database, "
                "or pass --force to replace it."
            )
        # The files are staged beside their final place first: once the database is back, only renames remain.
        with tempfile.TemporaryDirectory(dir=folder, prefix=".restore-") as staging:
            uploads = [member for member in manifest.files if member.startswith("uploads/")]
            try:
                for member in uploads:
                    shutil.copy2(work / member, Path(staging) / Path(member).name)
            except OSError as error:
                raise BackupError(
                    f"The attachments cannot be written to {folder}: {error.strerror}. Nothing was restored."
                ) from error
            engine.dispose()  # no pooled connection may hold a lock on what is replaced
            if kind == "sqlite":
                _sqlite_restore(work / DATABASE_MEMBERS[kind], _sqlite_path(url))
            else:
                _pg_restore(work / DATABASE_MEMBERS[kind], url)
            for member in uploads:
                os.replace(Path(staging) / Path(member).name, folder / Path(member).name)
        with _database_errors("to check the restore"), engine.connect() as connection:
            restored = _counts(connection)
        wrong = {name: (n, restored.get(name)) for name, n in manifest.tables.items() if restored.get(name) != n}
        if wrong:
            raise BackupError(f"The restored row counts differ from the backup's (table: backup, now): {wrong}")
    return manifest


def _sqlite_restore(source_path: Path, target_path: Path) -> None:
    """Copy the backup over the database in one transaction of SQLite's backup API."""
    source = sqlite3.connect(source_path)
    target = sqlite3.connect(target_path)
    try:
        source.backup(target)
    except sqlite3.Error as error:
        raise BackupError(f"SQLite could not restore the database: {error}. Nothing was restored.") from error
    finally:
        source.close()
        target.close()


def _pg_restore(dump: Path, url: str) -> None:
    """Replace the database's objects with the dump's, in one transaction (nothing changes when it fails)."""
    target, environment = _libpq(url)
    result = subprocess.run(  # noqa: S603
        [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={target}",
            str(dump),
        ],
        capture_output=True,
        text=True,
        check=False,
        env=environment,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed, nothing was restored: {result.stderr.strip()[:500]}")


@contextmanager
def _database_errors(doing: str) -> Iterator[None]:
    try:
        yield
    except sa.exc.SQLAlchemyError as error:
        raise BackupError(
            f"The database could not be reached {doing}: "
            f"{str(error.orig if hasattr(error, 'orig') else error).strip()[:300]}"
        ) from error
