"""What a dossier prints: which nominations, the fingerprint of their data, and each drawn as HTML.

A judge's dossier holds the nominations of the round assigned to them, leaving out those they are recused from: the
same rule as every judge's page (``Nomination.is_judged_by``). A category's book holds the nominations the round
judges in that category: for a later round, the finalists advanced into it. Nothing here changes the database.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from .. import dossier_pdf, storage
from ..extensions import db
from ..models import Assignment, Category, DossierKind, Nomination, Round, User, utcnow
from ..version import __version__
from .documents import PDF
from .entry_forms import fields_of
from .rounds import is_first_round, round_nominations_query


@dataclass(frozen=True)
class Subject:
    """What a dossier is of: a judge's round, or a category of a round."""

    kind: DossierKind
    round: Round
    locale: str
    judge: User | None = None
    category: Category | None = None


def judge_nominations(round_: Round, judge: User) -> list[Nomination]:
    """The round's nominations assigned to the judge and not recused from, by category and reference."""
    query = (
        sa.select(Nomination)
        .join(Assignment, Assignment.nomination_id == Nomination.id)
        .join(Category, Category.id == Nomination.category_id)
        .where(Assignment.round_id == round_.id, Assignment.judge_id == judge.id, ~Assignment.recused_clause())
        .order_by(Category.position, Category.id, Nomination.reference, Nomination.id)
    )
    return _loaded(query)


def book_nominations(round_: Round, category: Category) -> list[Nomination]:
    """The nominations the round judges in the category (its finalists, when they were advanced into it)."""
    return _loaded(round_nominations_query(round_).where(Nomination.category_id == category.id))


def _loaded(query: sa.Select) -> list[Nomination]:
    options = (
        joinedload(Nomination.organisation),
        joinedload(Nomination.category),
        joinedload(Nomination.edition),
        joinedload(Nomination.entry_form),
        selectinload(Nomination.attachments),
    )
    return list(db.session.scalars(query.options(*options)).unique())


def nominations_of(subject: Subject) -> list[Nomination]:
    if subject.kind is DossierKind.JUDGE:
        assert subject.judge is not None
        return judge_nominations(subject.round, subject.judge)
    assert subject.category is not None
    return book_nominations(subject.round, subject.category)


def data_sha256(subject: Subject, nominations: list[Nomination]) -> str:
    """The SHA-256 of everything the dossier prints: a change to any of it (an answer, a document, an assignment, a
    recusal, a name, the language, this software's version) makes the dossier one to build again."""
    facts = {
        "version": __version__,
        "kind": subject.kind.value,
        "locale": subject.locale,
        "round": [subject.round.id, subject.round.name, subject.round.name_ko],
        "edition": [subject.round.edition.name, subject.round.edition.name_ko],
        "judge": [subject.judge.id, subject.judge.name] if subject.judge else None,
        "category": [subject.category.id, subject.category.name_en, subject.category.name_ko]
        if subject.category
        else None,
        "nominations": [
            [
                n.id,
                n.version,
                n.status.value,
                n.organisation.name,
                n.organisation.city,
                n.organisation.country_code,
                [[a.id, a.sha256, a.original_name, a.slot] for a in n.attachments],
            ]
            for n in nominations
        ],
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode()).hexdigest()


def title(subject: Subject) -> str:
    """The dossier's name, as its contents page and its footer give it (in the dossier's language)."""
    round_name = subject.round.local_name(subject.locale)
    if subject.kind is DossierKind.JUDGE:
        assert subject.judge is not None
        return _("Dossier of %(judge)s · %(round)s", judge=subject.judge.name, round=round_name)
    assert subject.category is not None
    category = subject.category.name(subject.locale)
    if is_first_round(subject.round):
        return _("Nominations' book · %(category)s · %(round)s", category=category, round=round_name)
    return _("Finalists' book · %(category)s · %(round)s", category=category, round=round_name)


def watermark(subject: Subject) -> str:
    if subject.kind is DossierKind.JUDGE:
        assert subject.judge is not None
        return subject.judge.name
    return _("Confidential: for the committee")


def file_name(subject: Subject) -> str:
    """The downloaded file's name: the edition, the round, and the judge or the category, in ASCII."""
    edition = subject.round.edition.slug
    who = f"judge-{subject.judge.id}" if subject.judge else (subject.category.code if subject.category else "")
    name = storage.clean_filename(f"{edition}-{subject.round.name}-{who}-dossier.pdf".replace(" ", "-").lower())
    return name.encode("ascii", "ignore").decode() or "dossier.pdf"


def _source(attachment) -> Path:
    return storage.path_of(current_app.config["UPLOAD_FOLDER"], attachment.stored_name)


def _documents(nomination: Nomination) -> tuple[list[dossier_pdf.Document], dict[int, str]]:
    """The nomination's PDFs that can be merged, and a note for each of its documents on what became of it."""
    documents, notes = [], {}
    for attachment in sorted(nomination.attachments, key=lambda a: (a.created_at, a.id)):
        if attachment.content_type != PDF:
            notes[attachment.id] = _("Not a PDF: not printed here; read it on the nomination's page.")
            continue
        try:
            data = _source(attachment).read_bytes()
            dossier_pdf.inspect(data)
        except FileNotFoundError:
            current_app.logger.error("attachment %s is missing its file", attachment.id)
            notes[attachment.id] = _("Missing: its file could not be found; tell the secretariat.")
            continue
        except dossier_pdf.Unreadable as error:
            notes[attachment.id] = (
                _("Not printed: the PDF is protected by a password.")
                if error.reason == "encrypted"
                else _("Not printed: the PDF is damaged and cannot be read.")
            )
            continue
        except (OSError, ValueError):
            notes[attachment.id] = _("Not printed: the PDF is damaged and cannot be read.")
            continue
        documents.append(dossier_pdf.Document(attachment.original_name, data))
        notes[attachment.id] = _("Printed after this nomination.")
    return documents, notes


def sections(subject: Subject, nominations: list[Nomination]):
    """Each nomination as a section of the book, drawn in the dossier's language (a generator: one at a time)."""
    with force_locale(subject.locale):
        for nomination in nominations:
            documents, notes = _documents(nomination)
            html = render_template(
                "pdf/dossier_section.html",
                nomination=nomination,
                specs=fields_of(nomination),
                attachments=sorted(nomination.attachments, key=lambda a: (a.created_at, a.id)),
                notes=notes,
            )
            detail = " · ".join(
                part for part in (nomination.reference or "", nomination.organisation.name, nomination.category.code)
            )
            yield dossier_pdf.Section(nomination.title or _("(untitled draft)"), detail, html, tuple(documents))


def contents_html(subject: Subject, nominations: list[Nomination], entries: list[dossier_pdf.Entry]) -> str:
    with force_locale(subject.locale):
        return render_template(
            "pdf/dossier_contents.html",
            subject=subject,
            title=title(subject),
            edition=subject.round.edition,
            count=len(nominations),
            entries=entries,
            printed_at=utcnow(),
        )


def footer(subject: Subject) -> str:
    with force_locale(subject.locale):
        return title(subject)


def watermark_text(subject: Subject) -> str:
    with force_locale(subject.locale):
        return watermark(subject)
