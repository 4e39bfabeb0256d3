"""Releasing a round's feedback to applicants (``rules.feedback``): only once the round has closed and the edition's
results are published, after a page that says what applicants will read and who is told; withdrawn with a reason and
released again if need be; the applicants with something to read e-mailed at the first release."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from ..after_response import after_response
from ..extensions import db
from ..i18n import current_language
from ..models import FeedbackRelease, Nomination, Role, Round, RoundMode, User, UserRole, utcnow
from ..rules import REASON_CHARS, SHORT_TEXT_CHARS
from ..rules import feedback as rules
from ..urls import external_url
from . import ServiceError
from .audit import record
from .feedback import FeedbackSummary, current_release, is_released, shared_comments, summary
from .mail import send_email


def release_history(round_: Round) -> list[FeedbackRelease]:
    """Every release of the round's feedback, the latest first."""
    return list(
        db.session.scalars(
            sa.select(FeedbackRelease)
            .where(FeedbackRelease.round_id == round_.id)
            .options(joinedload(FeedbackRelease.released_by), joinedload(FeedbackRelease.withdrawn_by))
            .order_by(FeedbackRelease.id.desc())
        )
    )


def release_refusal(round_: Round, released: bool | None = None) -> str | None:
    """Why the round's feedback cannot be released now (a message), or None."""
    problem = rules.release_problem(
        scoring=round_.mode is RoundMode.SCORING,
        closed=round_.is_closed(),
        results_published=round_.edition.results_published_at is not None,
        released=is_released(round_) if released is None else released,
    )
    messages = {
        "committee": _l("A committee round decides by vote: it has no comments to release."),
        "released": _l("The feedback of this round is already released."),
        "open": _l("The round has not closed yet: release its feedback once it has closed and the results are out."),
        "unpublished": _l(
            "The results of %(edition)s are not published yet: publish them first, then release the feedback.",
            edition=round_.edition.local_name(current_language()),
        ),
    }
    return str(messages[problem]) if problem else None


@dataclass
class ReleaseCheck:
    """What releasing the round's feedback would do, and what stands in its way."""

    refusal: str | None
    summary: FeedbackSummary
    nominations: list[int]  # the nominations whose applicants have something to read
    first: bool  # never released before: the applicants are e-mailed
    recipients: set[str] = field(default_factory=set)

    @property
    def band(self) -> int:
        return rules.BAND_POINTS

    @property
    def minimum(self) -> int:
        return rules.MIN_SCORED_NOMINATIONS


def _applicants(nomination_ids: Sequence[int]) -> list[tuple[Nomination, User]]:
    """The active applicant accounts of the organisations of these nominations, with the nomination."""
    if not nomination_ids:
        return []
    return [
        (nomination, user)
        for nomination, user in db.session.execute(
            sa.select(Nomination, User)
            .join(User, User.organisation_id == Nomination.organisation_id)
            .where(
                Nomination.id.in_(nomination_ids),
                User.active.is_(True),
                User.role_links.any(UserRole.role == Role.APPLICANT),
            )
            .order_by(Nomination.reference, User.id)
        )
    ]


def readers(round_: Round) -> list[int]:
    """The round's nominations whose applicants will have something to read: a comment shown to them, or the
    distribution of their category (large enough to be shown)."""
    from . import results as results_service

    with_comments = {c.nomination_id for c in shared_comments([round_.id]) if c.shown}
    scored: set[int] = set()
    for results in results_service.categories_results(round_, round_.categories).values():
        ids = {int(i) for i in results.ranking["nomination_id"]}
        if rules.distribution_shown(len(ids)):
            scored |= ids
    return sorted(with_comments | scored)


def release_check(round_: Round) -> ReleaseCheck:
    """Whether the round's feedback may be released, and what applicants would read and be told."""
    history = release_history(round_)
    released = any(r.withdrawn_at is None for r in history)
    refusal = release_refusal(round_, released)
    scoring = round_.mode is RoundMode.SCORING
    nominations = readers(round_) if scoring else []
    check = ReleaseCheck(refusal, summary(round_), nominations, first=not history)
    if check.first:
        check.recipients = {user.email for _nomination, user in _applicants(nominations)}
    return check


def release(round_: Round, actor: User) -> int:
    """Release the round's feedback to applicants; at the first release, e-mail those with something to read.
    Returns how many nominations' applicants are told."""
    check = release_check(round_)
    if check.refusal:
        raise ServiceError(check.refusal)
    told = check.nominations if check.first else []
    db.session.add(
        FeedbackRelease(round_id=round_.id, released_at=utcnow(), released_by_id=actor.id, applicants_told=len(told))
    )
    record(
        "feedback.released",
        round_,
        actor,
        f"feedback of {round_.name} released; {len(told)} told",
        {
            "round": round_.name,
            "told": len(told),
            "comments": check.summary.shown,
            "hidden": check.summary.hidden,
            "edited": check.summary.edited,
        },
    )
    db.session.commit()
    if told:
        after_response(partial(_tell_applicants, round_.id, told))
    return len(told)


def _tell_applicants(round_id: int, nomination_ids: list[int]) -> None:
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        return
    for nomination, user in _applicants(nomination_ids):
        send_email(
            user.email,
            "feedback_released",
            locale=user.locale,
            user=user,
            nomination=nomination,
            round=round_,
            link=external_url("nominations.view", nomination_id=nomination.id) + "#feedback",
        )


def withdraw(round_: Round, actor: User, reason: str) -> None:
    """Take the round's feedback back from applicants, with the reason; it can be released again."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_l("Say why the feedback is withdrawn."))
    release_ = current_release(round_)
    if release_ is None:
        raise ServiceError(_l("The feedback of this round is not released."))
    release_.withdrawn_at, release_.withdrawn_by_id = utcnow(), actor.id
    release_.withdrawal_reason = reason[:REASON_CHARS]
    record(
        "feedback.withdrawn",
        round_,
        actor,
        f"feedback of {round_.name} withdrawn: {reason[:200]}",
        {"round": round_.name, "reason": reason[:SHORT_TEXT_CHARS]},
    )
    db.session.commit()
