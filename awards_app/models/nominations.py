"""Nominations and their attachments, with who may see and change them."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .programs import Category, CategoryKind, Edition, EntryForm
from .types import UTCDateTime, utcnow
from .users import Organisation, User


class NominationStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    WITHDRAWN = "withdrawn"


#: Statuses that count against a category's maximum of nominations per organisation.
ACTIVE_STATUSES = (
    NominationStatus.DRAFT,
    NominationStatus.SUBMITTED,
    NominationStatus.ELIGIBLE,
    NominationStatus.INELIGIBLE,
)
#: Statuses the secretariat screens from (a decision can be revised).
SCREENABLE_STATUSES = (NominationStatus.SUBMITTED, NominationStatus.ELIGIBLE, NominationStatus.INELIGIBLE)


class Nomination(db.Model):
    """An entry of one organisation in one category; its answers follow its version of the entry form."""

    __table_args__ = (sa.UniqueConstraint("organisation_id", "client_token"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id"), index=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("category.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    status: Mapped[NominationStatus] = mapped_column(
        sa.Enum(NominationStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=NominationStatus.DRAFT,
        index=True,
    )
    reference: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    title: Mapped[str] = mapped_column(sa.String(300), default="")
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    screened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    screened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    screening_reason: Mapped[str] = mapped_column(sa.Text, default="")
    # Whether the applicant reads the reason (on their page and in the screening e-mail); otherwise only the decision.
    screening_reason_shared: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # The key the new-nomination form was issued with: posting it twice (back button, double click) makes one draft.
    client_token: Mapped[str | None] = mapped_column(sa.String(40))
    # Optimistic locking: every change bumps it, and an UPDATE names the version it read, so of two people saving
    # the same nomination at once the second is told instead of silently overwriting the first.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    # The version of the entry form the answers follow; none for the category kind's default form.
    entry_form_id: Mapped[int | None] = mapped_column(sa.ForeignKey("entry_form.id"), index=True)

    @property
    def reason_for_applicant(self) -> str:
        """The screening reason as the applicant reads it: empty unless the secretariat shares it."""
        return self.screening_reason if self.screening_reason_shared else ""

    edition: Mapped[Edition] = relationship()
    category: Mapped[Category] = relationship(back_populates="nominations")
    entry_form: Mapped[EntryForm | None] = relationship()
    organisation: Mapped[Organisation] = relationship(back_populates="nominations")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    screened_by: Mapped[User | None] = relationship(foreign_keys=[screened_by_id])
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="nomination", order_by="Attachment.id", cascade="all, delete-orphan"
    )
    nominee_consent: Mapped[NomineeConsent | None] = relationship(
        back_populates="nomination", cascade="all, delete-orphan", uselist=False
    )

    __mapper_args__ = {"version_id_col": version}

    # --- permissions: the one place that says who may do what with a nomination -----------------

    def belongs_to(self, user: User) -> bool:
        return user.is_authenticated and user.is_applicant and user.organisation_id == self.organisation_id

    def can_download_certificate(self, user: User) -> bool:
        """Its certificate, once it has one, is the applicant's and the secretariat's to download
        (``Certificate.can_download`` says which certificate)."""
        return user.is_authenticated and (user.is_secretariat or self.belongs_to(user))

    def can_view(self, user: User) -> bool:
        """The applicant's organisation and the secretariat see a nomination; judges only while assigned to it
        and not recused."""
        if not user.is_authenticated:
            return False
        if user.is_secretariat or self.belongs_to(user):
            return True
        return user.is_judge and self.is_judged_by(user)

    def can_see_nominee_consent(self, user: User) -> bool:
        """The nominee's consent (and the form they signed) is the applicant's and the secretariat's business;
        judges never see it."""
        return user.is_authenticated and (user.is_secretariat or self.belongs_to(user))

    def is_judged_by(self, user: User, round_id: int | None = None) -> bool:
        """Whether the user has an assignment for this nomination (in the round, if given) and no conflict of
        interest with it."""
        return bool(db.session.scalar(sa.select(Nomination.judging(self.id, user.id, round_id))))

    @staticmethod
    def judging(nomination_id, judge_id, round_id=None) -> sa.ColumnElement[bool]:
        """The condition of ``is_judged_by`` in SQL, for queries that ask it of many judges or nominations at once:
        each argument is a value or a column (``Assignment``'s own columns excepted)."""
        from .judging import Assignment, Conflict

        assigned = sa.exists().where(Assignment.nomination_id == nomination_id, Assignment.judge_id == judge_id)
        if round_id is not None:
            assigned = assigned.where(Assignment.round_id == round_id)
        recused = sa.exists().where(Conflict.nomination_id == nomination_id, Conflict.judge_id == judge_id)
        return sa.and_(assigned, ~recused)

    def can_edit(self, user: User, now: datetime | None = None) -> bool:
        """Only the owning organisation edits, only a draft, only while the call is open."""
        return self.belongs_to(user) and self.status is NominationStatus.DRAFT and self.edition.is_open(now)

    def can_submit(self, user: User, now: datetime | None = None) -> bool:
        return self.can_edit(user, now)

    def can_withdraw(self, user: User, now: datetime | None = None) -> bool:
        """The owner withdraws a draft or a submitted entry, before the deadline and before screening."""
        return (
            self.belongs_to(user)
            and self.status in (NominationStatus.DRAFT, NominationStatus.SUBMITTED)
            and self.edition.is_open(now)
        )

    @property
    def has_merit_statement(self) -> bool:
        """A commendation has its merit statement (공적조서) once submitted: it is what the recommender sent. Those
        who may see the nomination may read it."""
        return self.category.kind is CategoryKind.COMMENDATION and self.submitted_at is not None

    def can_screen(self, user: User) -> bool:
        return user.is_authenticated and user.is_secretariat and self.status in SCREENABLE_STATUSES

    @property
    def attachment_bytes(self) -> int:
        return sum(a.size for a in self.attachments)

    def __repr__(self) -> str:
        return f"<Nomination {self.id} {self.reference or 'draft'}>"


class Attachment(db.Model):
    """A document attached to a nomination, stored on disk under a random name."""

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(sa.ForeignKey("nomination.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(sa.String(255))
    stored_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    # The file field of the entry form the document answers (empty: one of the nomination's other documents).
    slot: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    nomination: Mapped[Nomination] = relationship(back_populates="attachments")
    uploaded_by: Mapped[User] = relationship()

    def can_download(self, user: User) -> bool:
        return self.nomination.can_view(user)


class NomineeConsent(db.Model):
    """The nominee's own consent to a nomination that is about them (``rules.privacy.NOMINEE_CONSENT_KINDS``): asked
    by a link e-mailed to the nominee, or given on a signed form the applicant uploads (or the secretariat received
    on paper). One per nomination; asking again replaces it, and a new ``nonce`` makes the earlier link void."""

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(
        sa.ForeignKey("nomination.id", ondelete="CASCADE"), unique=True, index=True
    )
    method: Mapped[str] = mapped_column(sa.String(10))  # rules.privacy.NOMINEE_CONSENT_METHODS
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    nonce: Mapped[str] = mapped_column(sa.String(32), default="")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    #: "given", "refused", or empty while the nominee has not answered.
    decision: Mapped[str] = mapped_column(sa.String(10), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notice_version: Mapped[int | None]
    # The signed form, stored like an attachment but never shown to judges.
    original_name: Mapped[str] = mapped_column(sa.String(255), default="")
    stored_name: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(120), default="")
    size: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str] = mapped_column(sa.String(64), default="")

    nomination: Mapped[Nomination] = relationship(back_populates="nominee_consent")
    requested_by: Mapped[User | None] = relationship()

    @property
    def given(self) -> bool:
        return self.decision == "given"

    @property
    def refused(self) -> bool:
        return self.decision == "refused"

    @property
    def waiting(self) -> bool:
        return not self.decision

    def can_download(self, user: User) -> bool:
        return self.nomination.can_see_nominee_consent(user)
