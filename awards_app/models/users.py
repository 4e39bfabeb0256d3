"""People and organisations: accounts, roles and the organisations applicants enter for."""

from __future__ import annotations

import enum
import hashlib
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..regions import Region, region_of
from .types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from .nominations import Nomination


class Role(enum.StrEnum):
    APPLICANT = "applicant"
    JUDGE = "judge"
    SECRETARIAT = "secretariat"


class OrganisationType(enum.StrEnum):
    CITY = "city"
    INSTITUTION = "institution"
    CORPORATION = "corporation"
    INDIVIDUAL = "individual"


class Organisation(db.Model):
    """A city or regional government, institution, corporation or individual that enters nominations."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), index=True)
    type: Mapped[OrganisationType] = mapped_column(
        sa.Enum(OrganisationType, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    country_code: Mapped[str] = mapped_column(sa.String(2), index=True)
    city: Mapped[str] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list[User]] = relationship(back_populates="organisation")
    nominations: Mapped[list[Nomination]] = relationship(back_populates="organisation")

    @property
    def region(self) -> Region | None:
        """The WeGO region, which follows from the country."""
        return region_of(self.country_code)

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"


class UserRole(db.Model):
    """One role held by one user; a person may hold several (judge and secretariat)."""

    __tablename__ = "user_role"
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(
        sa.Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        primary_key=True,
    )


class User(UserMixin, db.Model):
    """An account: an applicant of an organisation, a judge, a secretariat member, or several of these."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str | None] = mapped_column(sa.String(256))
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    active: Mapped[bool] = mapped_column(default=True)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An applicant who registered and has not yet opened the link e-mailed to the address: cannot sign in.
    confirmation_pending: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # A judge's profile: who they are, and the time zone their deadlines are shown in.
    title: Mapped[str] = mapped_column(sa.String(120), default="")
    affiliation: Mapped[str] = mapped_column(sa.String(200), default="")
    country_code: Mapped[str] = mapped_column(sa.String(2), default="")
    expertise: Mapped[str] = mapped_column(sa.String(500), default="")
    languages: Mapped[str] = mapped_column(sa.String(200), default="")
    time_zone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Seoul")
    # The organisations and cities a judge says they are tied to, one a line (given when accepting the invitation):
    # the conflict rules keep them off the nominations of those organisations and cities.
    declared_ties: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # When the account was anonymised (deleted at its owner's request, or purged with its editions; rules.privacy):
    # the row stays so that the records pointing to it stay whole, under a placeholder name.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation | None] = relationship(back_populates="members")
    role_links: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=UserRole.role
    )

    @property
    def roles(self) -> set[Role]:
        return {link.role for link in self.role_links}

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    def grant(self, role: Role) -> None:
        if role not in self.roles:
            self.role_links.append(UserRole(role=role))

    @property
    def is_secretariat(self) -> bool:
        return self.has_role(Role.SECRETARIAT)

    @property
    def is_judge(self) -> bool:
        return self.has_role(Role.JUDGE)

    @property
    def is_applicant(self) -> bool:
        return self.has_role(Role.APPLICANT) and self.organisation_id is not None

    @property
    def is_active(self) -> bool:  # Flask-Login asks this before logging a user in
        return self.active

    #: The key of the sign-in this request belongs to (set at sign-in and when a request is recognised; not stored:
    #: the database keeps only its digest in :class:`UserSession`).
    # Plain attributes of this request, not columns: the sign-in key of the cookie, and its UserSession row.
    session_key = None  # type: str | None
    current_session = None  # type: UserSession | None

    def get_id(self) -> str:
        """What the session and remember-me cookies carry: the user and the key of one sign-in (see
        :class:`UserSession`), so that ending the sign-in on the server makes both cookies worthless."""
        return f"{self.id}:{self.session_key or ''}"

    @property
    def missing_conflict_details(self) -> list[str]:
        """What a judge lacks for the automatic conflict rules to see them: "organisation", "country" or both."""
        missing = [] if (self.affiliation or "").strip() else ["organisation"]
        return missing if (self.country_code or "").strip() else [*missing, "country"]

    @property
    def declared_tie_list(self) -> list[str]:
        """The declared ties, one entry a line."""
        return [line.strip() for line in (self.declared_ties or "").splitlines() if line.strip()]

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    def set_password(self, password: str) -> None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return self.password_hash is not None and check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


def session_key_digest(key: str) -> str:
    """How a sign-in's key is kept in the database: a stolen copy of the table opens no session."""
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


class UserSession(db.Model):
    """One sign-in of one browser. Its cookies name it by a random key; signing out (here or everywhere), a new
    password or its expiry ends it on the server, after which a copied session or remember-me cookie opens nothing.
    """

    __tablename__ = "user_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    key_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))

    user: Mapped[User] = relationship()

    def is_open(self, now: datetime) -> bool:
        return self.ended_at is None and now < self.expires_at


class PrivacyNotice(db.Model):
    """A version of the privacy notice (PIPA Art. 30), in English and Korean; the newest applies."""

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    text_en: Mapped[str] = mapped_column(sa.Text)
    text_ko: Mapped[str] = mapped_column(sa.Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    def text(self, locale: str | None) -> str:
        return self.text_ko if locale == "ko" and self.text_ko else self.text_en


class Consent(db.Model):
    """One consent a person gave (``rules.privacy.PURPOSES``), when, and under which version of the notice."""

    __table_args__ = (sa.UniqueConstraint("user_id", "purpose", "notice_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(30))
    notice_version: Mapped[int]
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
