"""The winners' pages, open to everyone: each published edition's winners by category and tier, a page per winner
to share, and the same record as JSON for WeGO's website. An edition not published answers 404."""

from __future__ import annotations

import json
import re

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from ..public_record import PublicEdition, PublicWinner, as_json
from ..services import winners as winners_service
from ..urls import external_url

bp = Blueprint("winners", __name__)

#: How long a browser or WeGO's website may keep the JSON before asking again (it answers 304 while unchanged).
JSON_MAX_AGE = 300
_WINNER = re.compile(r"(\d{1,18})(?:-[a-z0-9-]*)?")


@bp.app_context_processor
def inject_winners_link():
    # A callable: only the footer asks, once per page.
    return {"winners_published": winners_service.any_published, "external_url": external_url}


def _record(edition_slug: str) -> PublicEdition | Response:
    """The published record, or the answer instead of it: 404 for an edition never published (as for none at all),
    and 404 with a notice for one whose publication was withdrawn."""
    record = winners_service.edition_record(edition_slug)
    if record is None:
        abort(404)
    if isinstance(record, winners_service.Withdrawn):
        return Response(render_template("winners/withdrawn.html", withdrawn=record), 404)
    return record


def _winner_url(record: PublicEdition, winner: PublicWinner) -> str:
    return external_url("winners.winner_page", edition_slug=record.slug, winner=winner.slug)


@bp.route("")
def edition_list():
    """The editions whose winners are published, newest first."""
    return render_template("winners/edition_list.html", editions=winners_service.published_editions())


@bp.route("/<edition_slug>")
def edition_winners(edition_slug: str):
    """An edition's winners by category, then tier."""
    record = _record(edition_slug)
    if isinstance(record, Response):
        return record
    return render_template(
        "winners/edition_winners.html",
        record=record,
        canonical=external_url("winners.edition_winners", edition_slug=record.slug),
        json_url=external_url("winners.edition_json", edition_slug=record.slug),
    )


@bp.route("/<edition_slug>/<winner>")
def winner_page(edition_slug: str, winner: str):
    """One winner's page, at an address that stays the same (another spelling of it redirects there)."""
    record = _record(edition_slug)
    if isinstance(record, Response):
        return record
    match = _WINNER.fullmatch(winner)
    found = record.winners_by_id.get(int(match.group(1))) if match else None
    if found is None:
        abort(404)
    if winner != found.slug:
        return redirect(url_for("winners.winner_page", edition_slug=record.slug, winner=found.slug), 301)
    return render_template(
        "winners/winner_page.html",
        record=record,
        winner=found,
        canonical=_winner_url(record, found),
    )


@bp.route("/<edition_slug>.json")
def edition_json(edition_slug: str):
    """The edition's winners as JSON, readable from any website (the shape: ``public_record.as_json``)."""
    record = winners_service.edition_record(edition_slug)
    if not isinstance(record, PublicEdition):
        status = "withdrawn" if record is not None else "not found"
        response = Response(json.dumps({"error": status}), 404, mimetype="application/json")
        response.cache_control.no_store = True  # published later, it shows at once
    else:
        data = as_json(
            record,
            external_url("winners.edition_winners", edition_slug=record.slug),
            lambda w: _winner_url(record, w),
        )
        response = Response(json.dumps(data, ensure_ascii=False, indent=1), mimetype="application/json")
        # No Last-Modified: the record changes after publication (an erasure, a name corrected), and a cache that
        # asks "changed since?" would keep the old one; the ETag is of the body itself.
        response.add_etag()
        # A shared cache may keep it, but not a response to a request with cookies (it may set one back).
        if request.cookies:
            response.cache_control.private = True
        else:
            response.cache_control.public = True
        response.cache_control.max_age = JSON_MAX_AGE
        response.make_conditional(request)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
