"""A nomination's documents as a judge reads them beside the score sheet: PDF pages and images shown in the page,
other files listed for download. Nothing here changes the database; who may see a file is the view's check
(``Attachment.can_download``)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

import filetype
from flask import current_app

from .. import previews, storage
from ..models import Attachment, Nomination

#: Types shown as they are, in an <img>: the browser draws them, and no script runs in an image.
IMAGE_TYPES = frozenset({"image/png", "image/jpeg"})
PDF = "application/pdf"


class Shown(enum.Enum):
    PAGES = "pages"  # a PDF, drawn page by page
    IMAGE = "image"  # a PNG or JPEG, as it is
    DOWNLOAD = "download"  # another type: listed, to download
    UNREADABLE = "unreadable"  # should have been shown but cannot be: damaged, encrypted or not what it claims
    MISSING = "missing"  # its file is not on disk


@dataclass(frozen=True)
class Document:
    attachment: Attachment
    shown: Shown
    outline: previews.Outline | None = None  # for PAGES


class NoPreview(Exception):
    """There is nothing to show in the page for this file (the view answers 404)."""


def _source(attachment: Attachment) -> Path:
    return storage.path_of(current_app.config["UPLOAD_FOLDER"], attachment.stored_name)


def _cache() -> Path:
    return Path(current_app.config["PREVIEW_FOLDER"])


def _max_pages() -> int:
    return int(current_app.config["PREVIEW_MAX_PAGES"])


def _outline(attachment: Attachment) -> previews.Outline:
    return previews.outline(_source(attachment), attachment.sha256, _cache(), _max_pages())


def _is_image(path: Path, content_type: str) -> bool:
    """Whether the file's first bytes are the image its recorded type says (checked again: files outlive checks)."""
    with path.open("rb") as handle:
        kind = filetype.guess(handle.read(8192))
    return kind is not None and kind.mime == content_type


def document(attachment: Attachment) -> Document:
    """How one attachment is shown; a PDF's outline is read (from the cache after the first time)."""
    if attachment.content_type not in IMAGE_TYPES and attachment.content_type != PDF:
        return Document(attachment, Shown.DOWNLOAD)
    try:
        if attachment.content_type == PDF:
            return Document(attachment, Shown.PAGES, _outline(attachment))
        if _is_image(_source(attachment), attachment.content_type):
            return Document(attachment, Shown.IMAGE)
    except FileNotFoundError:
        current_app.logger.error("attachment %s is missing its file", attachment.id)
        return Document(attachment, Shown.MISSING)
    except (previews.Unreadable, OSError, ValueError):
        pass
    current_app.logger.warning("attachment %s cannot be shown in the page", attachment.id)
    return Document(attachment, Shown.UNREADABLE)


def documents_of(nomination: Nomination) -> list[Document]:
    """The nomination's documents in the order they were attached, each with how it is shown."""
    return [document(a) for a in sorted(nomination.attachments, key=lambda a: (a.created_at, a.id))]


def page_image(attachment: Attachment, number: int) -> Path:
    """The PNG of a PDF's page (from 1), drawn on first request; ``NoPreview`` when there is no such page."""
    if attachment.content_type != PDF:
        raise NoPreview(attachment.id)
    try:
        return previews.page_png(_source(attachment), attachment.sha256, _cache(), number, _max_pages())
    except (IndexError, previews.Unreadable, OSError, ValueError) as error:
        raise NoPreview(attachment.id) from error


def image_file(attachment: Attachment) -> Path:
    """An image attachment's file, once its content is seen to be that image; ``NoPreview`` otherwise."""
    if attachment.content_type not in IMAGE_TYPES:
        raise NoPreview(attachment.id)
    path = _source(attachment)
    try:
        if _is_image(path, attachment.content_type):
            return path
    except (OSError, ValueError):
        pass
    raise NoPreview(attachment.id)
