"""Publishing an edition's results: only when every round that feeds the awards is done, after a confirmation that
says what will be shown to whom; withdrawn with a reason and published again after a correction; applicants told
by e-mail when a result they can see appears or changes. Each publication issues the winners' certificates, and
withdrawing it withdraws them (``services.certificates``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..after_response import after_response
from ..extensions import db
from ..models import (
    AssignmentStatus,
    Award,
    Category,
    Edition,
    Nomination,
    NominationStatus,
    Publication,
    ResultNotice,
    Role,
    Round,
    RoundMode,
    User,
    UserRole,
    utcnow,
)
from ..rules import REASON_CHARS, SHORT_TEXT_CHARS
from ..urls import external_url
from . import ServiceError
from . import certificates as certificates_service
from .audit import record
from .mail import send_email


def rounds_feeding_awards(edition: Edition) -> list[Round]:
    """The rounds the awards come from, and every other round of the edition that judges their categories."""
    from .rounds import rounds_of

    rounds = rounds_of(edition)
    award_rounds = set(
        db.session.scalars(sa.select(Award.round_id).join(Award.round).where(Round.edition_id == edition.id))
    )
    categories = {c.id for r in rounds if r.id in award_rounds for c in r.categories}
    return [r for r in rounds if r.id in award_rounds or any(c.id in categories for c in r.categories)]


@dataclass
class ResultLine:
    nomination: Nomination
    award: Award | None
    told: bool  # the applicants will be told (the result is new to them, or changed)


@dataclass
class PublicationCheck:
    """What publishing would do, and what stands in its way."""

    blockers: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    lines: dict[Category, list[ResultLine]] = field(default_factory=dict)
    recipients: set[str] = field(default_factory=set)  # applicants' addresses that will be e-mailed

    @property
    def ready(self) -> bool:
        return not self.blockers

    @property
    def told(self) -> int:
        return sum(1 for lines in self.lines.values() for line in lines if line.told)


def _unfinished(round_: Round) -> int:
    """Sheets of the round neither submitted, recused nor waived (a closed committee sitting has none: a member who
    did not vote was absent, which the quorum counts)."""
    from .progress import round_assignments

    if round_.mode is RoundMode.COMMITTEE and round_.sitting_closed_at is not None:
        return 0
    finished = (AssignmentStatus.SUBMITTED, AssignmentStatus.RECUSED, AssignmentStatus.WAIVED)
    return sum(1 for a in round_assignments(round_) if a.status not in finished)


def _applicant_addresses(nomination: Nomination) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(User.email).where(
                User.organisation_id == nomination.organisation_id,
                User.active.is_(True),
                User.role_links.any(UserRole.role == Role.APPLICANT),
            )
        )
    )


def check(edition: Edition) -> PublicationCheck:
    """Whether the edition's results may be published, and what would be shown and told."""
    from . import awards as awards_service
    from . import results as results_service

    outcome = PublicationCheck()
    awards = {award.nomination_id: award for award in awards_service.edition_awards(edition)}
    feeding = rounds_feeding_awards(edition)
    if not awards:
        outcome.blockers.append(str(_l("No award has been given yet: give the tiers on the results pages first.")))
    for round_ in feeding:
        if not round_.is_closed():
            outcome.blockers.append(str(_l("%(round)s is still open: publish after it closes.", round=round_.name)))
        unfinished = _unfinished(round_)
        if unfinished:
            outcome.blockers.append(
                str(
                    _l(
                        "%(round)s: %(n)d assigned sheet(s) are neither submitted, recused nor waived. "
                        "Chase or waive them on the progress page.",
                        round=round_.name,
                        n=unfinished,
                    )
                )
            )
    for round_ in feeding:
        if round_.mode is RoundMode.COMMITTEE:
            continue
        for category in round_.categories:
            if not any(a.round_id == round_.id and a.nomination.category_id == category.id for a in awards.values()):
                continue
            view = awards_service.tier_view(round_, category, results_service.category_results(round_, category))
            for held in view.held:
                outcome.warnings.append(
                    str(
                        _l(
                            "%(category)s: %(n)d place(s) of %(tier)s left to the committee are not given; "
                            "they will stay empty.",
                            category=category.code,
                            n=held.places,
                            tier=held.tier.name_en,
                        )
                    )
                )
    unsigned = certificates_service.unsigned_warning(edition) if awards else None
    if unsigned:
        outcome.warnings.append(unsigned)
    categories = {c.id: c for r in feeding for c in r.categories}
    notices = {n.nomination_id: n for n in db.session.scalars(sa.select(ResultNotice))}
    nominations = db.session.scalars(
        sa.select(Nomination)
        .where(
            Nomination.edition_id == edition.id,
            Nomination.category_id.in_(categories),
            Nomination.status == NominationStatus.ELIGIBLE,
        )
        .order_by(Nomination.category_id, Nomination.reference)
    )
    for nomination in nominations:
        award = awards.get(nomination.id)
        notice = notices.get(nomination.id)
        told = notice is None or notice.tier_id != (award.tier_id if award else None)
        outcome.lines.setdefault(categories[nomination.category_id], []).append(ResultLine(nomination, award, told))
        if told:
            outcome.recipients.update(_applicant_addresses(nomination))
    return outcome


def publish(edition: Edition, actor: User) -> int:
    """Publish the edition's results; e-mail each applicant whose result appears or changed. Returns how many
    nominations' applicants are told."""
    if edition.results_published_at is not None:
        raise ServiceError(_l("The results are already published."))
    outcome = check(edition)
    if not outcome.ready:
        raise ServiceError(_l("The results cannot be published yet: %(why)s", why=" ".join(outcome.blockers)))
    now = utcnow()
    edition.results_published_at = now
    told = [line for lines in outcome.lines.values() for line in lines if line.told]
    publication = Publication(
        edition_id=edition.id, published_at=now, published_by_id=actor.id, applicants_told=len(told)
    )
    db.session.add(publication)
    db.session.flush()
    awarded = [line.award for lines in outcome.lines.values() for line in lines if line.award is not None]
    certificates = certificates_service.issue(edition, publication, awarded, now)
    notices = {n.nomination_id: n for n in db.session.scalars(sa.select(ResultNotice))}
    for line in told:
        notice = notices.get(line.nomination.id) or ResultNotice(nomination_id=line.nomination.id)
        notice.tier_id, notice.told_at = (line.award.tier_id if line.award else None), now
        db.session.add(notice)
    record(
        "results.published",
        edition,
        actor,
        f"results of {edition.slug} published; {len(told)} told; {len(certificates)} certificates issued",
        {"slug": edition.slug, "told": len(told), "warnings": outcome.warnings, "certificates": len(certificates)},
    )
    db.session.commit()
    after_response(partial(_tell_applicants, [line.nomination.id for line in told]))
    return len(told)


def _tell_applicants(nomination_ids: list[int]) -> None:
    for nomination in db.session.scalars(sa.select(Nomination).where(Nomination.id.in_(nomination_ids))):
        award = db.session.scalar(sa.select(Award).where(Award.nomination_id == nomination.id))
        link = external_url("nominations.view", nomination_id=nomination.id)
        for user in db.session.scalars(
            sa.select(User).where(
                User.organisation_id == nomination.organisation_id,
                User.active.is_(True),
                User.role_links.any(UserRole.role == Role.APPLICANT),
            )
        ):
            send_email(
                user.email,
                "result_published",
                locale=user.locale,
                user=user,
                nomination=nomination,
                award=award,
                link=link,
            )


def withdraw(edition: Edition, actor: User, reason: str) -> None:
    """Take the published results back: applicants no longer see a result, and awards can change again."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_l("Say why the publication is withdrawn."))
    if edition.results_published_at is None:
        raise ServiceError(_l("The results are not published."))
    publication = db.session.scalar(
        sa.select(Publication)
        .where(Publication.edition_id == edition.id, Publication.withdrawn_at.is_(None))
        .order_by(Publication.id.desc())
        .limit(1)
    )
    now = utcnow()
    if publication is not None:
        publication.withdrawn_at, publication.withdrawn_by_id = now, actor.id
        publication.withdrawal_reason = reason[:REASON_CHARS]
    certificates_service.withdraw(edition, reason[:REASON_CHARS], now)
    edition.results_published_at = None
    record(
        "results.withdrawn",
        edition,
        actor,
        f"results of {edition.slug} withdrawn: {reason[:200]}",
        {"slug": edition.slug, "reason": reason[:SHORT_TEXT_CHARS]},
    )
    db.session.commit()


def history(edition: Edition) -> list[Publication]:
    return list(
        db.session.scalars(
            sa.select(Publication).where(Publication.edition_id == edition.id).order_by(Publication.id.desc())
        )
    )
