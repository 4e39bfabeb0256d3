"""Certificates: issued to every winner when an edition's results are published, withdrawn with the publication,
issued anew when the results are published again; signed by whom the secretariat sets; checked by anyone who has
the code (``rules.certificates``)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from datetime import date, datetime

import sqlalchemy as sa
from flask import render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..entry_forms import PERSON_KINDS
from ..extensions import db
from ..models import (
    Award,
    Certificate,
    CertificateSettings,
    Edition,
    Nomination,
    Organisation,
    Publication,
    User,
    utcnow,
)
from ..rules import certificates as rules
from ..urls import external_url
from . import ServiceError
from .audit import record

# --- who signs ------------------------------------------------------------------------------------------------------


def settings_of(edition: Edition) -> CertificateSettings | None:
    return db.session.scalar(sa.select(CertificateSettings).where(CertificateSettings.edition_id == edition.id))


def save_settings(edition: Edition, rows: list[rules.Signatory], day: date | None, actor: User) -> None:
    """Set who signs the edition's certificates (one to three) and the date printed on them (none: the day the
    results are published). Certificates already issued keep what they were issued with."""
    missing = rules.incomplete(rows)
    if missing:
        raise ServiceError(
            _l(
                "Signatory %(rows)s: give the name and the title in English (the Korean is optional).",
                rows=", ".join(str(n) for n in missing),
            )
        )
    signing = rules.signing(rows)
    if not signing:
        raise ServiceError(_l("Name at least one signatory."))
    if len(signing) > rules.MAX_SIGNATORIES:
        raise ServiceError(_l("A certificate has at most %(n)d signatories.", n=rules.MAX_SIGNATORIES))
    settings = settings_of(edition) or CertificateSettings(edition_id=edition.id)
    settings.signatories = [row.as_dict() for row in signing]
    settings.certificate_date = day
    settings.updated_by_id = actor.id
    db.session.add(settings)
    record(
        "certificates.settings",
        edition,
        actor,
        f"certificates of {edition.slug}: {len(signing)} signatories, dated {day or 'on publication'}",
        {"signatories": [row.name_en for row in signing], "date": day.isoformat() if day else None},
    )
    db.session.commit()


def unsigned_warning(edition: Edition) -> str | None:
    """What the publication page warns of when nobody signs the certificates yet."""
    settings = settings_of(edition)
    if settings is None or not settings.signatories:
        return str(
            _l(
                "No one signs this edition's certificates yet: they will be issued without signatures. Set the "
                "signatories on the certificates page first."
            )
        )
    return None


def demo_signatories(edition: Edition) -> None:
    """Give a demonstration edition the signatories a real one has (for ``flask awards demo``); not committed."""
    settings = settings_of(edition) or CertificateSettings(edition_id=edition.id)
    settings.signatories = [
        # Invented people in the offices that sign the real certificates.
        rules.Signatory("Kim Do-yun", "Mayor of Seoul", "김도윤", "서울특별시장").as_dict(),
        rules.Signatory("Lee Seo-yeon", "Secretary General, WeGO", "이서연", "세계스마트시티기구 사무총장").as_dict(),
    ]
    db.session.add(settings)


# --- issuing and withdrawing: parts of publishing, committed by it -------------------------------------------------


def _fresh_code(taken: set[str]) -> str:
    while True:
        code = rules.new_code()
        if code not in taken and not db.session.scalar(sa.select(sa.exists().where(Certificate.code == code))):
            taken.add(code)
            return code


def issue(edition: Edition, publication: Publication, awards: Iterable[Award], now: datetime) -> list[Certificate]:
    """A certificate for each award, saying what it says now (added to the session; the publication commits)."""
    settings = settings_of(edition)
    day = (settings.certificate_date if settings else None) or edition.local(now).date()
    signatories = list(settings.signatories) if settings else []
    taken: set[str] = set()
    issued = []
    for award in awards:
        nomination, tier = award.nomination, award.tier
        category = nomination.category
        person = category.kind in PERSON_KINDS
        certificate = Certificate(
            code=_fresh_code(taken),
            edition_id=edition.id,
            publication_id=publication.id,
            nomination_id=nomination.id,
            person=person,
            winner=(nomination.title if person else nomination.organisation.name)[:300],
            project="" if person else nomination.title[:300],
            edition_name_en=edition.name,
            edition_name_ko=edition.name_ko,
            category_name_en=category.name_en,
            category_name_ko=category.name_ko,
            tier_name_en=tier.name_en,
            tier_name_ko=tier.name_ko,
            certificate_date=day,
            signatories=signatories,
            issued_at=now,
        )
        db.session.add(certificate)
        issued.append(certificate)
    return issued


def withdraw(edition: Edition, reason: str, now: datetime) -> int:
    """Withdraw the edition's valid certificates with the publication (in the session; it commits)."""
    valid = list(
        db.session.scalars(
            sa.select(Certificate).where(Certificate.edition_id == edition.id, Certificate.withdrawn_at.is_(None))
        )
    )
    for certificate in valid:
        certificate.withdrawn_at, certificate.withdrawal_reason = now, reason
    return len(valid)


def forget_winner_names(erased_titles: dict[int, str]) -> None:
    """When nominations that name a person are erased, their certificates name that person no more either: they
    carry the placeholder the nomination's title now has (``erased_titles``: nomination id to it). The code stays
    verifiable, without the name."""
    if not erased_titles:
        return
    for certificate in db.session.scalars(
        sa.select(Certificate).where(Certificate.nomination_id.in_(list(erased_titles)), Certificate.person)
    ):
        certificate.winner = erased_titles[certificate.nomination_id]


def forget_organisation_name(organisation: Organisation, placeholder: str) -> None:
    """When an individual's organisation (the person) is erased, the certificates that name it as the winner name
    the placeholder instead; the code stays verifiable, without the name."""
    nominations = sa.select(Nomination.id).where(Nomination.organisation_id == organisation.id)
    for certificate in db.session.scalars(
        sa.select(Certificate).where(
            Certificate.nomination_id.in_(nominations), Certificate.winner == organisation.name
        )
    ):
        certificate.winner = placeholder


# --- finding them ---------------------------------------------------------------------------------------------------


def find(typed: str) -> Certificate | None:
    """The certificate a typed or followed code names (any case, with or without its dashes), or None."""
    code = rules.normalise_code(typed)
    if code is None:
        return None
    return db.session.scalar(sa.select(Certificate).where(Certificate.code == code))


def current_of(nomination: Nomination) -> Certificate | None:
    """The nomination's valid certificate: only while the results are published."""
    if nomination.edition.results_published_at is None:
        return None
    return db.session.scalar(
        sa.select(Certificate)
        .where(Certificate.nomination_id == nomination.id, Certificate.withdrawn_at.is_(None))
        .order_by(Certificate.id.desc())
        .limit(1)
    )


def of_edition(edition: Edition) -> list[Certificate]:
    """Every certificate of the edition, the latest publication's first, then by category and tier as issued."""
    return list(
        db.session.scalars(
            sa.select(Certificate)
            .where(Certificate.edition_id == edition.id)
            .options(selectinload(Certificate.nomination))
            .order_by(Certificate.publication_id.desc(), Certificate.category_name_en, Certificate.id)
        )
    )


def verification_url(certificate: Certificate) -> str:
    return external_url("certificates.verify", code=certificate.printed_code)


# --- drawing them ---------------------------------------------------------------------------------------------------


def file_name(certificate: Certificate) -> str:
    reference = certificate.nomination.reference or f"nomination-{certificate.nomination_id}"
    return f"certificate-{reference}-{certificate.printed_code}.pdf"


def _qr(url: str) -> str:
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=4, border=0, dark="#1b2a4a")


def _draw(honour: rules.Honour, signatories: list[rules.Signatory], code: str, url: str, specimen: bool) -> bytes:
    from weasyprint import HTML  # loads Pango: imported where a PDF is drawn only

    html = render_template(
        "pdf/certificate.html",
        honour=honour,
        signatories=signatories,
        code=code,
        url=url,
        qr=_qr(url),
        specimen=specimen,
    )
    return HTML(string=html).write_pdf()


def certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate as a PDF: A4 landscape, English and Korean, its code and a QR code of its public page."""
    return _draw(
        certificate.honour,
        certificate.signatory_rows,
        certificate.printed_code,
        verification_url(certificate),
        specimen=False,
    )


def specimen_pdf(edition: Edition) -> bytes:
    """What the edition's certificates will look like with the signatories set now, marked as a specimen (no
    winner's name, no valid code), for the secretariat to check before publishing."""
    settings = settings_of(edition)
    category = edition.categories[0] if edition.categories else None
    tier = category.tiers[0] if category and category.tiers else None
    honour = rules.Honour(
        winner="City of Example",
        project="Example project",
        person=False,
        edition_en=edition.name,
        edition_ko=edition.name_ko,
        category_en=category.name_en if category else "Example category",
        category_ko=category.name_ko if category else "",
        tier_en=tier.name_en if tier else "Gold",
        tier_ko=tier.name_ko if tier else "",
        day=(settings.certificate_date if settings else None) or edition.local(utcnow()).date(),
    )
    code = rules.format_code("SPECIMEN" + "0" * (rules.CODE_LENGTH - 8))
    url = external_url("certificates.verify_form")
    return _draw(honour, settings.signatory_rows if settings else [], code, url, specimen=True)


def edition_zip(edition: Edition) -> bytes:
    """Every valid certificate of the edition's published results, one PDF each, in a zip."""
    if edition.results_published_at is None:
        raise ServiceError(_l("The results are not published: there are no certificates to download."))
    valid = [c for c in of_edition(edition) if c.valid]
    if not valid:
        raise ServiceError(_l("This publication has no certificates."))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for certificate in valid:
            archive.writestr(file_name(certificate), certificate_pdf(certificate))
    return buffer.getvalue()
