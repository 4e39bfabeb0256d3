"""Erasure of personal data (``rules.privacy``): "Delete my account", and the purge of editions past their retention
period. Both anonymise in place (``services.anonymise``), so scores, rankings and awards stay the same numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..i18n import current_language, format_in_zone
from ..models import (
    Assignment,
    Attachment,
    AuditEvent,
    Edition,
    Nomination,
    NominationStatus,
    NomineeConsent,
    Organisation,
    OrganisationType,
    Role,
    Round,
    UncertaintyFit,
    User,
    UserRole,
    utcnow,
)
from ..rules import privacy as rules
from . import ServiceError, participation
from . import anonymise as steps
from .audit import record

# --- "Delete my account" ------------------------------------------------------------------------------------------


def deletion_holds(user: User) -> list[str]:
    """What stops ``user`` deleting their account now, each in a sentence that says what to do (empty: nothing)."""
    holds: list[str] = []
    unfinished: dict[int, list[Assignment]] = {}
    for assignment in db.session.scalars(sa.select(Assignment).where(Assignment.judge_id == user.id)):
        if rules.unfinished_work_holds(str(assignment.status), assignment.round.is_closed()):
            unfinished.setdefault(assignment.round_id, []).append(assignment)
    for assignments in unfinished.values():
        round_ = assignments[0].round
        holds.append(
            str(
                _l(
                    "You have %(count)d unfinished assignment(s) in %(round)s, which closes on %(when)s. Ask the "
                    "secretariat to give them to another judge or to waive them; then you can delete your account.",
                    count=len(assignments),
                    round=round_.local_name(current_language()),
                    when=format_in_zone(round_.closes_at, user.time_zone or "UTC"),
                )
            )
        )
    if last_of_organisation(user):
        judged = [
            n.reference or n.title
            for n in _nominations_of(user.organisation_id)
            if n.edition.personal_data_purged_at is None
            and rules.being_judged(str(n.status), n.edition.results_published_at is not None)
        ]
        if judged:
            holds.append(
                str(
                    _l(
                        "Your organisation's nomination %(references)s is being judged. Ask the secretariat to "
                        "withdraw it from the prize (they mark it ineligible, at your request); then you can delete "
                        "your account. Or wait until the results are published.",
                        references=", ".join(judged),
                    )
                )
            )
    if user.is_secretariat and not _other_secretariat(user):
        holds.append(
            str(_l("You are the only secretariat member: invite another one first, who will run the prize after you."))
        )
    return holds


def last_of_organisation(user: User) -> bool:
    """Whether the user is the last member of an organisation: its nominations go with their account."""
    return user.organisation_id is not None and steps.last_member(user)


def delete_account(user: User, password: str, confirmation: str) -> str:
    """Delete the signed-in person's account at their request: anonymise it and erase what they gave, keeping
    scores and results (``rules.privacy``). Returns the placeholder name the records now carry."""
    if not user.check_password(password or ""):
        _refuse(user, "password", WrongPassword(_l("The password is not right. Nothing was deleted.")))
    if not rules.confirmation_matches(confirmation, user.email):
        _refuse(
            user,
            "confirmation",
            ServiceError(_l("Type your e-mail address exactly as shown to confirm. Nothing was deleted.")),
        )
    holds = deletion_holds(user)
    if holds:
        _refuse(user, "holds", ServiceError(" ".join(holds)))
    erasure = steps.Erasure(utcnow())
    judged_rounds = set(db.session.scalars(sa.select(Assignment.round_id).where(Assignment.judge_id == user.id)))
    fits = steps.current_fits(judged_rounds)
    withdrawn = []
    if last_of_organisation(user):
        nominations = _nominations_of(user.organisation_id)
        for nomination in nominations:
            if str(nomination.status) in rules.WITHDRAWN_WITH_ACCOUNT:
                withdrawn.append((nomination, nomination.status))
                nomination.status, nomination.withdrawn_at = NominationStatus.WITHDRAWN, erasure.now
        steps.erase_nominations(nominations, erasure)
    steps.erase_judging_texts(judge=user)
    consents = steps.anonymise_account(user, erasure)
    steps.rewrite_events(
        AuditEvent.nomination_id.in_(erasure.nominations), erasure.replacements, nominations=erasure.nominations
    )
    for nomination, previous in withdrawn:
        record(
            "nomination.withdrawn",
            nomination,
            user,
            f"withdrawn with its applicant's account (was {previous})",
            {"from": str(previous)},
        ).ip_address = None
    record(
        "account.deleted",
        user,
        user,
        f"{user.name}: account deleted at its owner's request",
        {
            "account": user.name,
            "nominations_withdrawn": len(withdrawn),
            "nominations_erased": len(erasure.nominations),
            "documents": erasure.documents,
            "consents": consents,
        },
    ).ip_address = None  # the address the request came from is the person's too
    steps.carry_fits(fits)
    db.session.commit()
    steps.after_commit(erasure)
    return user.name


class WrongPassword(ServiceError):
    """The password typed to delete an account is not the account's (counted like a failed sign-in)."""


def _refuse(user: User, why: str, error: ServiceError) -> NoReturn:
    """Audit a refused deletion (who tried, and why it was refused), then refuse it."""
    db.session.rollback()
    record(
        "account.deletion_refused",
        user,
        user,
        f"deletion of {user.email} refused ({why})",
        {"email": user.email, "why": why},
    )
    db.session.commit()
    raise error


def _nominations_of(organisation_id: int | None) -> list[Nomination]:
    return list(
        db.session.scalars(
            sa.select(Nomination)
            .where(Nomination.organisation_id == organisation_id)
            .options(selectinload(Nomination.attachments), selectinload(Nomination.edition))
            .order_by(Nomination.id)
        )
    )


def _other_secretariat(user: User) -> bool:
    others = sa.select(User.id).where(
        User.id != user.id,
        User.active.is_(True),
        User.role_links.any(UserRole.role == Role.SECRETARIAT),
    )
    return bool(db.session.scalar(sa.select(sa.exists(others))))


# --- retention ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EditionPlan:
    """An edition's retention: when it ended, when its personal data is due to go, and what purging it erases."""

    edition: Edition
    ended_at: datetime
    deadline: datetime
    due: bool
    purged_at: datetime | None
    accounts: int  # people who take part in no edition still held: their accounts are anonymised
    kept: int  # people who take part in another: they keep their account, this edition's records move off it
    nominations: int
    documents: int
    bytes: int

    days_left: int = 0  # until the deadline (0 once due)

    @property
    def people(self) -> int:
        return self.accounts + self.kept


def purge_plan(now: datetime | None = None) -> list[EditionPlan]:
    """Every edition, newest first, with its retention deadline and what purging it would erase now."""
    now = now or utcnow()
    deadlines = _deadlines()
    editions = db.session.scalars(sa.select(Edition).order_by(Edition.year.desc(), Edition.id.desc()))
    return [_plan(edition, deadlines, now) for edition in editions]


def purge(edition: Edition, now: datetime | None = None, actor: User | None = None) -> EditionPlan:
    """Purge an edition past its retention deadline: erase its personal data and attachments, keep its anonymised
    scores and results (``rules.privacy``). Returns what was erased."""
    now = now or utcnow()
    deadlines = _deadlines()
    plan = _plan(edition, deadlines, now)
    if plan.purged_at is not None:
        raise ServiceError(
            _l(
                "The personal data of %(edition)s was already purged, on %(when)s.",
                edition=edition.local_name(current_language()),
                when=_day(plan.purged_at),
            )
        )
    if not plan.due:
        raise ServiceError(
            _l(
                "The personal data of %(edition)s is kept until %(when)s (%(years)d years after the edition ended): "
                "it cannot be purged before.",
                edition=edition.local_name(current_language()),
                when=_day(plan.deadline),
                years=rules.RETENTION_YEARS,
            )
        )
    erasure = steps.Erasure(now)
    rounds = set(db.session.scalars(sa.select(Round.id).where(Round.edition_id == edition.id)))
    fits = steps.current_fits(rounds)
    nominations = list(
        db.session.scalars(
            sa.select(Nomination)
            .where(Nomination.edition_id == edition.id)
            .options(selectinload(Nomination.attachments), selectinload(Nomination.category))
        )
    )
    people = participation.participants(edition)  # before the documents go: who uploaded one took part
    steps.erase_nominations(nominations, erasure)
    steps.erase_judging_texts(round_ids=rounds)
    kept, active = 0, participation.active_in(_held(edition, deadlines, now))
    for person, judged in people.items():
        if person.id in active:
            participation.move_records(
                person, steps.placeholder_account("judge" if judged else "applicant", erasure), edition, erasure
            )
            kept += 1
            if judged:
                # The uncertainty model's draws name judges by account: those of a judge moved off would still
                # lead to them. The fits go; the results page runs the model again on the anonymised scores.
                db.session.execute(sa.delete(UncertaintyFit).where(UncertaintyFit.round_id.in_(rounds)))
                fits = []
        else:
            steps.anonymise_account(person, erasure)
    for organisation in db.session.scalars(
        sa.select(Organisation).where(
            Organisation.id.in_(sa.select(Nomination.organisation_id).where(Nomination.edition_id == edition.id)),
            Organisation.type == OrganisationType.INDIVIDUAL,
            ~Organisation.members.any(User.erased_at.is_(None)),
        )
    ):
        steps.anonymise_organisation(organisation, erasure)
    steps.rewrite_events(
        participation.in_edition(edition), erasure.replacements, every_free_text=True, every_address=True
    )
    edition.personal_data_purged_at = now
    done = EditionPlan(
        edition,
        plan.ended_at,
        plan.deadline,
        True,
        now,
        erasure.accounts,
        kept,
        len(nominations),
        erasure.documents,
        erasure.bytes,
    )
    record(
        "privacy.purged",
        edition,
        actor,
        f"personal data of {edition.slug} purged: {done.people} people, {done.nominations} nominations, "
        f"{done.documents} documents",
        {
            "slug": edition.slug,
            "accounts": done.accounts,
            "kept": done.kept,
            "nominations": done.nominations,
            "documents": done.documents,
            "bytes": done.bytes,
        },
    )
    steps.carry_fits(fits)
    db.session.commit()
    steps.after_commit(erasure)
    return done


def _day(moment: datetime) -> str:
    return format_in_zone(moment, "Asia/Seoul")


def _deadlines() -> dict[int, tuple[datetime, datetime]]:
    """Each edition's end and retention deadline, from its call, its rounds and the publication of its results."""
    last_round = (
        sa.select(sa.func.max(Round.closes_at))
        .where(Round.edition_id == Edition.id)
        .correlate(Edition)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(
            Edition.id,
            Edition.closes_at,
            Edition.results_published_at,
            sa.type_coerce(last_round, Round.closes_at.type),
        )
    ).all()
    ends = {i: rules.edition_end((closes, published, rounds)) for i, closes, published, rounds in rows}
    return {i: (end, rules.retention_deadline(end)) for i, end in ends.items()}


def _plan(edition: Edition, deadlines: dict[int, tuple[datetime, datetime]], now: datetime) -> EditionPlan:
    ended, deadline = deadlines[edition.id]
    due, days_left = rules.is_due(deadline, now), max(0, (deadline - now).days)
    if edition.personal_data_purged_at is not None:
        return EditionPlan(edition, ended, deadline, due, edition.personal_data_purged_at, 0, 0, 0, 0, 0, days_left)
    people = participation.participants(edition)
    kept = len(participation.active_in(_held(edition, deadlines, now)) & {person.id for person in people})
    nominations = db.session.scalar(sa.select(sa.func.count(Nomination.id)).where(Nomination.edition_id == edition.id))
    documents, size = db.session.execute(
        sa.select(sa.func.count(Attachment.id), sa.func.coalesce(sa.func.sum(Attachment.size), 0))
        .join(Nomination, Nomination.id == Attachment.nomination_id)
        .where(Nomination.edition_id == edition.id)
    ).one()
    forms, forms_size = db.session.execute(  # the nominees' signed consent forms go too
        sa.select(sa.func.count(NomineeConsent.id), sa.func.coalesce(sa.func.sum(NomineeConsent.size), 0))
        .join(Nomination, Nomination.id == NomineeConsent.nomination_id)
        .where(Nomination.edition_id == edition.id, NomineeConsent.stored_name.is_not(None))
    ).one()
    return EditionPlan(
        edition,
        ended,
        deadline,
        due,
        None,
        len(people) - kept,
        kept,
        nominations or 0,
        documents + forms,
        int(size) + int(forms_size),
        days_left,
    )


def _held(edition: Edition, deadlines: dict[int, tuple[datetime, datetime]], now: datetime) -> list[int]:
    """The other editions whose personal data is still within its retention period."""
    return [i for i, (_end, deadline) in deadlines.items() if i != edition.id and not rules.is_due(deadline, now)]
