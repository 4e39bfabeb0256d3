"""Certificates: one per winner per publication of an edition's results, and who signs an edition's certificates."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..rules import certificates as rules
from .nominations import Nomination
from .programs import Edition
from .results import Publication
from .types import UTCDateTime, utcnow
from .users import User


class CertificateSettings(db.Model):
    """What an edition's certificates carry besides the award: the date printed on them (none: the day the
    results are published) and one to three signatories, set by the secretariat."""

    __tablename__ = "certificate_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"), unique=True)
    certificate_date: Mapped[date | None] = mapped_column(sa.Date)
    # [{"name_en", "title_en", "name_ko", "title_ko"}, ...] in the order they sign (rules.certificates.Signatory).
    signatories: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    edition: Mapped[Edition] = relationship()

    @property
    def signatory_rows(self) -> list[rules.Signatory]:
        return [rules.Signatory.from_dict(row) for row in self.signatories or []]


class Certificate(db.Model):
    """A winner's certificate, issued when the results were published, with what it says as it was issued (a later
    edit of a tier's or category's name does not change a certificate already printed). Withdrawing the
    publication withdraws it, with the publication's reason; its code stays verifiable, as withdrawn."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(rules.CODE_LENGTH), unique=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    publication_id: Mapped[int] = mapped_column(sa.ForeignKey("publication.id", ondelete="CASCADE"), index=True)
    nomination_id: Mapped[int] = mapped_column(sa.ForeignKey("nomination.id", ondelete="CASCADE"), index=True)
    person: Mapped[bool] = mapped_column(default=False)  # the category honours people, not organisations
    winner: Mapped[str] = mapped_column(sa.String(300))
    project: Mapped[str] = mapped_column(sa.String(300), default="")
    edition_name_en: Mapped[str] = mapped_column(sa.String(200))
    edition_name_ko: Mapped[str] = mapped_column(sa.String(200), default="")
    category_name_en: Mapped[str] = mapped_column(sa.String(200))
    category_name_ko: Mapped[str] = mapped_column(sa.String(200), default="")
    tier_name_en: Mapped[str] = mapped_column(sa.String(80))
    tier_name_ko: Mapped[str] = mapped_column(sa.String(80), default="")
    certificate_date: Mapped[date] = mapped_column(sa.Date)
    signatories: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawal_reason: Mapped[str] = mapped_column(sa.Text, default="")

    edition: Mapped[Edition] = relationship()
    publication: Mapped[Publication] = relationship()
    nomination: Mapped[Nomination] = relationship()

    @property
    def valid(self) -> bool:
        return self.withdrawn_at is None

    @property
    def printed_code(self) -> str:
        return rules.format_code(self.code)

    @property
    def honour(self) -> rules.Honour:
        """What the certificate says, in both languages."""
        return rules.Honour(
            winner=self.winner,
            project=self.project,
            person=self.person,
            edition_en=self.edition_name_en,
            edition_ko=self.edition_name_ko,
            category_en=self.category_name_en,
            category_ko=self.category_name_ko,
            tier_en=self.tier_name_en,
            tier_ko=self.tier_name_ko,
            day=self.certificate_date,
        )

    @property
    def signatory_rows(self) -> list[rules.Signatory]:
        return [rules.Signatory.from_dict(row) for row in self.signatories or []]

    def tier_name(self, locale: str | None) -> str:
        return self.tier_name_ko if locale == "ko" and self.tier_name_ko else self.tier_name_en

    def category_name(self, locale: str | None) -> str:
        return self.category_name_ko if locale == "ko" and self.category_name_ko else self.category_name_en

    def edition_name(self, locale: str | None) -> str:
        return self.edition_name_ko if locale == "ko" and self.edition_name_ko else self.edition_name_en

    def can_download(self, user: User) -> bool:
        """A valid certificate is its winner's applicants' and the secretariat's to download
        (``Nomination.can_download_certificate``); a withdrawn one only the secretariat's (the public page says it
        was withdrawn)."""
        return self.nomination.can_download_certificate(user) and (self.valid or user.is_secretariat)

    def __repr__(self) -> str:
        return f"<Certificate {self.printed_code}>"
