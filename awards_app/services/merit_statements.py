"""Merit statements (공적조서) of the Mayor's commendation: one nomination's as PDF or Word, and a category's for the
committee as one PDF or a zip of Word documents. The layout is ``merit_statement``'s; this reads the nomination
through the form it was written on and draws the result.

A statement exists once a commendation nomination was submitted (a draft has none): it is what the recommender
sent. A category's bundle holds the nominations still in the running (submitted or found eligible), by reference.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence

import sqlalchemy as sa
from flask import render_template
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..merit_docx import build_docx
from ..merit_statement import MeritStatement, build
from ..models import Category, Nomination, NominationStatus
from .entry_forms import fields_of

#: The nominations a category's bundle holds: those the committee may still commend.
IN_THE_RUNNING = (NominationStatus.SUBMITTED, NominationStatus.ELIGIBLE)


def statement_of(nomination: Nomination) -> MeritStatement:
    """The nomination's answers laid out as its merit statement, read against the form it was written on."""
    written = nomination.edition.local(nomination.submitted_at).date() if nomination.submitted_at else None
    return build(
        nomination.answers or {},
        [spec.name for spec in fields_of(nomination)],
        recommender=nomination.organisation.name,
        recommender_country=nomination.organisation.country_code,
        written_on=written,
    )


def caption_of(nomination: Nomination) -> str:
    """What the document prints above the form: the commendation, the edition and the reference, in Korean."""
    parts = (nomination.category.name("ko"), nomination.edition.local_name("ko"), nomination.reference or "")
    return " · ".join(part for part in parts if part)


def file_stem(nomination: Nomination) -> str:
    """A download's name without its extension: the reference and "merit-statement" (ASCII, for every mail client)."""
    reference = re.sub(r"[^A-Za-z0-9-]", "", nomination.reference or "") or f"nomination-{nomination.id}"
    return f"{reference}-merit-statement"


def statement_pdf(nominations: Sequence[Nomination]) -> bytes:
    """The statements as one PDF, each starting on a new page (drawn by WeasyPrint, imported here only: it loads
    Pango)."""
    from weasyprint import HTML

    html = render_template(
        "pdf/merit_statement.html",
        documents=[(nomination, statement_of(nomination), caption_of(nomination)) for nomination in nominations],
    )
    return HTML(string=html).write_pdf()


def statement_docx(nomination: Nomination) -> bytes:
    """The statement as an editable Word document."""
    return build_docx(statement_of(nomination), caption_of(nomination))


def category_nominations(category: Category) -> list[Nomination]:
    """The category's nominations in the running, by reference, with what their statements show."""
    return list(
        db.session.scalars(
            sa.select(Nomination)
            .where(Nomination.category_id == category.id, Nomination.status.in_(IN_THE_RUNNING))
            .options(
                joinedload(Nomination.category),
                joinedload(Nomination.edition),
                joinedload(Nomination.organisation),
                joinedload(Nomination.entry_form),
            )
            .order_by(Nomination.reference, Nomination.id)
        )
    )


def category_stem(category: Category) -> str:
    code = re.sub(r"[^A-Za-z0-9-]", "", category.code) or f"category-{category.id}"
    return f"{category.edition.slug}-{code}-merit-statements".lower()


def category_zip(nominations: Sequence[Nomination]) -> bytes:
    """Each nomination's statement as a Word document, in one zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for nomination in nominations:
            archive.writestr(f"{file_stem(nomination)}.docx", statement_docx(nomination))
    return buffer.getvalue()
