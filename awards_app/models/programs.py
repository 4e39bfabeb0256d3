"""The prize's programme: editions, their categories and each category's award tiers."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow
from .users import OrganisationType

if TYPE_CHECKING:
    from .nominations import Nomination
    from .users import User


class CategoryKind(enum.StrEnum):
    """What a category awards; each kind has its own default entry form (see ``entry_forms``)."""

    PROJECT = "project"
    LEADERSHIP = "leadership"
    COMMENDATION = "commendation"
    SPECIAL = "special"


class CallState(enum.StrEnum):
    NOT_OPEN = "not-open"
    OPEN = "open"
    CLOSED = "closed"


class Edition(db.Model):
    """One year of the prize, with its call for entries in its own time zone."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    name_ko: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    year: Mapped[int]
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    reference_prefix: Mapped[str] = mapped_column(sa.String(10), default="SSCP")
    time_zone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Seoul")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Until the results are published, nobody but the secretariat sees rankings or awards.
    results_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When its personal data was purged, its retention period over (rules.privacy); anonymised scores and results stay.
    personal_data_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    categories: Mapped[list[Category]] = relationship(
        back_populates="edition", order_by="Category.position, Category.id", cascade="all, delete-orphan"
    )

    def local_name(self, locale: str | None) -> str:
        """The edition's name in the reader's language (the English one where there is no Korean)."""
        return self.name_ko if locale == "ko" and self.name_ko else self.name

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def call_state(self, now: datetime | None = None) -> CallState:
        """Whether the call for entries has not opened, is open, or has closed (the deadline passed)."""
        now = now or utcnow()
        if now < self.opens_at:
            return CallState.NOT_OPEN
        if now >= self.closes_at:
            return CallState.CLOSED
        return CallState.OPEN

    def is_open(self, now: datetime | None = None) -> bool:
        return self.call_state(now) is CallState.OPEN

    def local(self, moment: datetime) -> datetime:
        """Return a UTC moment in the edition's time zone."""
        return moment.astimezone(self.tz)

    def __repr__(self) -> str:
        return f"<Edition {self.slug}>"


class Category(db.Model):
    """A category of an edition: who may enter, how many, and the award tiers it gives."""

    __table_args__ = (sa.UniqueConstraint("edition_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(sa.String(8))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    name_ko: Mapped[str] = mapped_column(sa.String(200))
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    description_ko: Mapped[str] = mapped_column(sa.Text, default="")
    kind: Mapped[CategoryKind] = mapped_column(
        sa.Enum(CategoryKind, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    # Applicant types (OrganisationType values) that may enter; empty means not open to applicants.
    eligible_types: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    max_per_organisation: Mapped[int] = mapped_column(default=1)
    position: Mapped[int] = mapped_column(default=0)
    # The last reference number given in this category; references count up from 1.
    last_sequence: Mapped[int] = mapped_column(default=0)

    edition: Mapped[Edition] = relationship(back_populates="categories")
    tiers: Mapped[list[AwardTier]] = relationship(
        back_populates="category",
        order_by="AwardTier.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )
    nominations: Mapped[list[Nomination]] = relationship(back_populates="category")
    entry_forms: Mapped[list[EntryForm]] = relationship(
        back_populates="category", order_by="EntryForm.version", cascade="all, delete-orphan"
    )

    def name(self, locale: str | None) -> str:
        return self.name_ko if locale == "ko" and self.name_ko else self.name_en

    def description(self, locale: str | None) -> str:
        return self.description_ko if locale == "ko" and self.description_ko else self.description_en

    @property
    def eligible_type_set(self) -> set[OrganisationType]:
        return {OrganisationType(value) for value in self.eligible_types or []}

    def accepts(self, organisation_type: OrganisationType) -> bool:
        """Whether an organisation of this type may enter the category."""
        return organisation_type in self.eligible_type_set

    @property
    def award_count(self) -> int:
        return sum(tier.count for tier in self.tiers)

    @property
    def tiers_in_fill_order(self) -> list[AwardTier]:
        return sorted(self.tiers, key=lambda t: (t.fill_order, t.position, t.id or 0))

    @property
    def tier_cuts(self) -> list[int]:
        """The places that tiers open to every applicant end at, filled in order from the top (Gold 1, Silver 2,
        Bronze 3 → 1, 3, 6): the cuts of the ranking that decide a tier. Type prizes have no place in the overall
        ranking, so they add none."""
        cuts, place = [], 0
        for tier in self.tiers_in_fill_order:
            if not tier.open_to_all:
                continue
            place += tier.count
            cuts.append(place)
        return cuts

    def __repr__(self) -> str:
        return f"<Category {self.code}>"


class AwardTier(db.Model):
    """One award tier of a category, e.g. Gold × 1 or Silver × 2, or a Corporate prize × 1 among corporations.

    ``position`` orders the tiers on the page; ``fill_order`` is the order in which "give in rank order" fills them
    (see ``awards_app.rules.tiers``); ``eligible_types`` are the applicant types the tier is for (empty: every type).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("category.id", ondelete="CASCADE"), index=True)
    name_en: Mapped[str] = mapped_column(sa.String(80))
    name_ko: Mapped[str] = mapped_column(sa.String(80), default="")
    count: Mapped[int] = mapped_column(default=1)
    position: Mapped[int] = mapped_column(default=0)
    fill_order: Mapped[int] = mapped_column(default=0, server_default="0")
    eligible_types: Mapped[list[str]] = mapped_column(sa.JSON, default=list)

    category: Mapped[Category] = relationship(back_populates="tiers")

    def name(self, locale: str | None) -> str:
        return self.name_ko if locale == "ko" and self.name_ko else self.name_en

    @property
    def open_to_all(self) -> bool:
        return not self.eligible_types

    def admits(self, organisation_type: OrganisationType | str) -> bool:
        """Whether a nomination of an organisation of this type may receive the tier."""
        return self.open_to_all or str(organisation_type) in self.eligible_types


#: The applicant type of a form that any applicant of the category gets, unless their type has its own.
ANY_APPLICANT = "any"


class EntryForm(db.Model):
    """One version of a category's entry form, for one applicant type (or ``any``), as the secretariat shaped it.

    ``fields`` is the list of stored fields (see ``entry_forms.spec_from_dict``), in the order the applicant sees
    them. A version that a nomination was submitted against never changes: editing it makes the next version.
    """

    __table_args__ = (sa.UniqueConstraint("category_id", "applicant_type", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("category.id", ondelete="CASCADE"), index=True)
    # An OrganisationType value, or ANY_APPLICANT.
    applicant_type: Mapped[str] = mapped_column(sa.String(20))
    version: Mapped[int]
    fields: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    category: Mapped[Category] = relationship(back_populates="entry_forms")
    created_by: Mapped[User | None] = relationship()

    @property
    def for_any_applicant(self) -> bool:
        return self.applicant_type == ANY_APPLICANT

    @property
    def edition_id(self) -> int:
        """The edition the form belongs to (what the audit trail files it under)."""
        return self.category.edition_id

    def __repr__(self) -> str:
        return f"<EntryForm {self.category_id} {self.applicant_type} v{self.version}>"
