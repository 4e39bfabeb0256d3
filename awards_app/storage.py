"""Attachment files on disk: what types are accepted, how names are cleaned, where files live.

The type is read from the content (the ``filetype`` library's signatures); the name's extension must
agree with it, and an Office file must also open as the package it claims to be, so a renamed
executable or web page is refused.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import filetype

#: Accepted types: MIME type -> (extensions it may carry, the part an Office package must contain).
ACCEPTED_TYPES: dict[str, tuple[tuple[str, ...], str | None]] = {
    "application/pdf": (("pdf",), None),
    "image/png": (("png",), None),
    "image/jpeg": (("jpg", "jpeg"), None),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (("docx",), "word/document.xml"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (("xlsx",), "xl/workbook.xml"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (
        ("pptx",),
        "ppt/presentation.xml",
    ),
}
ACCEPTED_EXTENSIONS: tuple[str, ...] = tuple(ext for exts, _ in ACCEPTED_TYPES.values() for ext in exts)


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    size: int
    sha256: str


def clean_filename(name: str | None) -> str:
    """Return a safe display name: no directories, no control characters, any script kept, 200 chars at most."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    base = base.strip().lstrip(".").strip()
    if len(base) > 200:
        stem, dot, ext = base.rpartition(".")
        base = (stem[:190] + dot + ext[:9]) if dot else base[:200]
    return base or "attachment"


def extension_of(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


def sniff_type(data: bytes, filename: str) -> str | None:
    """Return the accepted MIME type of this content, or None when it is not accepted or not what it says."""
    kind = filetype.guess(data[:8192])
    if kind is None or kind.mime not in ACCEPTED_TYPES:
        return None
    extensions, main_part = ACCEPTED_TYPES[kind.mime]
    if extension_of(filename) not in extensions:
        return None
    if main_part is not None:
        try:
            with zipfile.ZipFile(BytesIO(data)) as package:
                if main_part not in package.namelist():
                    return None
        except (zipfile.BadZipFile, NotImplementedError, ValueError, UnicodeDecodeError, OSError, EOFError):
            return None  # a damaged or unusual package is refused like any other unreadable file
    return kind.mime


def upload_dir(root: str) -> Path:
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_bytes(root: str, data: bytes) -> StoredFile:
    """Write the content under a new random name, atomically (a temporary file renamed into place)."""
    folder = upload_dir(root)
    stored_name = secrets.token_hex(20)
    temporary = folder / f".{stored_name}.part"
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, folder / stored_name)
    finally:
        temporary.unlink(missing_ok=True)
    return StoredFile(stored_name, len(data), hashlib.sha256(data).hexdigest())


def path_of(root: str, stored_name: str) -> Path:
    """Return the file's path; stored names are our own hex tokens, never user input."""
    if not stored_name or not all(c in "0123456789abcdef" for c in stored_name):
        raise ValueError("not a stored name")
    return Path(root) / stored_name


def delete(root: str, stored_name: str) -> None:
    path_of(root, stored_name).unlink(missing_ok=True)
