"""One way to send a file that belongs to someone: as a download, which neither the browser nor a proxy keeps."""

from __future__ import annotations

import io
from pathlib import Path
from typing import BinaryIO

from flask import Response, send_file


def private_download(source: bytes | Path | BinaryIO, mimetype: str, name: str) -> Response:
    """``source`` as the attachment ``name``: bytes made for this request, a file on disk or an open handle."""
    body = io.BytesIO(source) if isinstance(source, bytes) else source
    response = send_file(body, mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
