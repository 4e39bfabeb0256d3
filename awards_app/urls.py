"""Addresses: links for e-mails, built from the configured external address, and redirect targets that cannot lead
off the site."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request


def external_url(endpoint: str, **values) -> str:
    """The full address of a page for a link sent out (e-mail), from ``EXTERNAL_URL``, never from the request.

    A request's Host header is whatever its sender wrote: a reset link built from it would carry the token to any
    host an attacker names.
    """
    base = urlsplit(current_app.config["EXTERNAL_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def is_safe_path(target: str | None) -> bool:
    """A local path only: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(default: str) -> str:
    target = request.values.get("next")
    return target if is_safe_path(target) else default


def safe_referrer() -> str | None:
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.netloc and parts.netloc != request.host:
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return path if is_safe_path(path) else None
