"""Merit statements (공적조서) to download: a nomination's, to those who may see it (its applicant, the secretariat, the
committee members assigned to it: the rule of the nomination's own PDF), and a category's, to the secretariat."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth.access import role_required
from ..downloads import private_download
from ..extensions import db
from ..i18n import current_language
from ..models import Category, CategoryKind, Nomination, Role
from ..services import access_log
from ..services import merit_statements as merit_service
from ..services import nominations as nominations_service

bp = Blueprint("merit", __name__)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _nomination(nomination_id: int) -> Nomination:
    """The nomination, to one who may see it, if it has a merit statement (404 otherwise, to them alone)."""
    nomination = nominations_service.nomination_with_details(nomination_id)
    if nomination is None:
        abort(404)
    if not nomination.can_view(current_user):
        abort(403)
    if not nomination.has_merit_statement:
        abort(404)
    return nomination


@bp.route("/nominations/<int:nomination_id>/merit-statement.pdf")
@login_required
def nomination_pdf(nomination_id: int):
    """The nomination's merit statement as a PDF."""
    nomination = _nomination(nomination_id)
    access_log.note(current_user, "merit_statement", nomination, "PDF")
    try:
        content = merit_service.statement_pdf([nomination])
    except OSError:
        current_app.logger.exception("the merit statement of nomination %s could not be drawn", nomination.id)
        abort(503)
    return private_download(content, "application/pdf", f"{merit_service.file_stem(nomination)}.pdf")


@bp.route("/nominations/<int:nomination_id>/merit-statement.docx")
@login_required
def nomination_docx(nomination_id: int):
    """The nomination's merit statement as a Word document to edit."""
    nomination = _nomination(nomination_id)
    access_log.note(current_user, "merit_statement", nomination, "Word")
    return private_download(
        merit_service.statement_docx(nomination), DOCX, f"{merit_service.file_stem(nomination)}.docx"
    )


def _category_nominations(category_id: int) -> tuple[Category, list[Nomination]] | None:
    """A commendation category and its nominations in the running; None (having said why) when there are none."""
    category = db.session.get(Category, category_id)
    if category is None or category.kind is not CategoryKind.COMMENDATION:
        abort(404)
    nominations = merit_service.category_nominations(category)
    if not nominations:
        flash(
            _(
                "No nomination of %(category)s is submitted or eligible yet: its merit statements come with them.",
                category=category.name(current_language()),
            ),
            "info",
        )
        return None
    return category, nominations


def _back_to_categories(category_id: int):
    category = db.session.get(Category, category_id)
    return redirect(url_for("secretariat.edition_detail", edition_id=category.edition_id) + "#categories")


@bp.route("/secretariat/categories/<int:category_id>/merit-statements.pdf")
@role_required(Role.SECRETARIAT)
def category_pdf(category_id: int):
    """Every merit statement of a commendation category in one PDF, for the committee."""
    found = _category_nominations(category_id)
    if found is None:
        return _back_to_categories(category_id)
    category, nominations = found
    name = f"{merit_service.category_stem(category)}.pdf"
    try:
        content = merit_service.statement_pdf(nominations)
    except OSError:
        current_app.logger.exception("the merit statements of category %s could not be drawn", category.id)
        abort(503)
    access_log.note(current_user, "export", detail=name)
    return private_download(content, "application/pdf", name)


@bp.route("/secretariat/categories/<int:category_id>/merit-statements.zip")
@role_required(Role.SECRETARIAT)
def category_zip(category_id: int):
    """Every merit statement of a commendation category as Word documents, in one zip."""
    found = _category_nominations(category_id)
    if found is None:
        return _back_to_categories(category_id)
    category, nominations = found
    name = f"{merit_service.category_stem(category)}.zip"
    content = merit_service.category_zip(nominations)
    access_log.note(current_user, "export", detail=name)
    return private_download(content, "application/zip", name)
