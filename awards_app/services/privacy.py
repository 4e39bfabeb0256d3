"""The privacy notice and the consents given under it (``rules.privacy``)."""

from __future__ import annotations

from collections.abc import Iterable
from importlib.resources import files
from pathlib import Path

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Consent, PrivacyNotice, User
from ..rules import privacy as rules
from . import ServiceError
from .audit import record


def _built_in(language: str) -> str:
    return (files("awards_app") / "privacy" / f"notice_{language}.txt").read_text(encoding="utf-8")


def current_notice() -> PrivacyNotice:
    """The notice in force: the newest published version, or the built-in one, saved as version 1 when first read."""
    notice = db.session.scalar(sa.select(PrivacyNotice).order_by(PrivacyNotice.version.desc()).limit(1))
    if notice is not None:
        return notice
    notice = PrivacyNotice(version=1, text_en=_built_in("en"), text_ko=_built_in("ko"))
    db.session.add(notice)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:  # another request wrote it at the same moment: theirs is the same text
        db.session.rollback()
        return db.session.scalars(sa.select(PrivacyNotice).where(PrivacyNotice.version == 1)).one()
    return notice


def record_consents(user: User, purposes: Iterable[str], notice_version: int) -> None:
    """Record each consent given (in the caller's transaction); every purpose must be among ``rules.PURPOSES``."""
    given = list(dict.fromkeys(purposes))
    unknown = [p for p in given if p not in rules.PURPOSES]
    if unknown:
        raise ValueError(f"unknown purposes: {unknown}")
    # Given again under the same version (a registration never confirmed, made again): the newest one stands.
    db.session.execute(
        sa.delete(Consent).where(
            Consent.user_id == user.id, Consent.notice_version == notice_version, Consent.purpose.in_(given)
        )
    )
    for purpose in given:
        db.session.add(Consent(user_id=user.id, purpose=purpose, notice_version=notice_version))


def consents_of(user: User) -> list[Consent]:
    return list(
        db.session.scalars(sa.select(Consent).where(Consent.user_id == user.id).order_by(Consent.given_at, Consent.id))
    )


def publish_notice(text_en: str, text_ko: str, actor: User) -> PrivacyNotice:
    """Publish a new version of the notice: consents from now on are given under it."""
    text_en, text_ko = (text_en or "").strip(), (text_ko or "").strip()
    if not text_en or not text_ko:
        raise ServiceError(_l("Write the notice in both English and Korean."))
    current = current_notice()
    if (text_en, text_ko) == (current.text_en.strip(), current.text_ko.strip()):
        raise ServiceError(_l("The notice is unchanged: nothing was published."))
    notice = PrivacyNotice(version=current.version + 1, text_en=text_en, text_ko=text_ko, published_by_id=actor.id)
    db.session.add(notice)
    record(
        "privacy.published",
        None,
        actor,
        f"privacy notice version {notice.version} published",
        {"version": notice.version},
    )
    db.session.commit()
    return notice


def _when(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def personal_data(user: User) -> bytes:
    """Everything the app holds about ``user``, as they may ask for it (PIPA Art. 35, GDPR Art. 15 and 20): a ZIP with
    ``data.json`` (the account, consents, sign-ins, nominations they entered, their judging, the presentations they
    were invited to, what the access log holds of their reading, the e-mails sent to them and their actions in the
    audit trail) and the
    documents they uploaded, under ``documents/``."""
    import io
    import json
    import zipfile

    from flask import current_app

    from .. import storage
    from ..models import (
        AccessRecord,
        Assignment,
        Attachment,
        AuditEvent,
        CommitteeVote,
        Conflict,
        Nomination,
        OutgoingMail,
        PresentationSlot,
        ScoreSheet,
        SlotInvitation,
        UserSession,
    )

    organisation = user.organisation
    data: dict = {
        "account": {
            "name": user.name,
            "email": user.email,
            "roles": sorted(str(r) for r in user.roles),
            "language": user.locale,
            "time_zone": user.time_zone,
            "title": user.title,
            "affiliation": user.affiliation,
            "country": user.country_code,
            "expertise": user.expertise,
            "languages": user.languages,
            "declared_ties": user.declared_tie_list,
            "organisation": None
            if organisation is None
            else {
                "name": organisation.name,
                "type": str(organisation.type),
                "country": organisation.country_code,
                "city": organisation.city,
            },
        },
        "consents": [
            {"purpose": c.purpose, "notice_version": c.notice_version, "given_at": _when(c.given_at)}
            for c in consents_of(user)
        ],
        "sign_ins": [
            {
                "browser": s.user_agent,
                "signed_in": _when(s.created_at),
                "last_active": _when(s.last_seen_at),
                "ended": _when(s.ended_at),
            }
            for s in db.session.scalars(
                sa.select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.created_at)
            )
        ],
    }
    files: list[tuple[str, Path]] = []
    nominations = db.session.scalars(
        sa.select(Nomination).where(Nomination.created_by_id == user.id).order_by(Nomination.id)
    ).all()
    data["nominations"] = [
        {
            "reference": n.reference,
            "title": n.title,
            "status": str(n.status),
            "category": n.category.name_en,
            "edition": n.edition.name,
            "answers": n.answers or {},
            "submitted_at": _when(n.submitted_at),
            "withdrawn_at": _when(n.withdrawn_at),
        }
        for n in nominations
    ]
    uploads = db.session.scalars(
        sa.select(Attachment).where(Attachment.uploaded_by_id == user.id).order_by(Attachment.id)
    ).all()
    data["documents"] = []
    for attachment in uploads:
        name = f"documents/{attachment.id}-{storage.clean_filename(attachment.original_name)}"
        path = storage.path_of(current_app.config["UPLOAD_FOLDER"], attachment.stored_name)
        data["documents"].append(
            {
                "file": name if path.exists() else None,
                "name": attachment.original_name,
                "nomination": attachment.nomination.reference or attachment.nomination.title,
                "size": attachment.size,
                "sha256": attachment.sha256,
                "uploaded_at": _when(attachment.created_at),
            }
        )
        if path.exists():
            files.append((name, path))
    assignments = db.session.scalars(
        sa.select(Assignment).where(Assignment.judge_id == user.id).order_by(Assignment.id)
    ).all()
    data["judging"] = []
    for a in assignments:
        sheet = db.session.scalar(sa.select(ScoreSheet).where(ScoreSheet.assignment_id == a.id))
        vote = db.session.scalar(sa.select(CommitteeVote).where(CommitteeVote.assignment_id == a.id))
        conflict = db.session.scalar(
            sa.select(Conflict).where(Conflict.judge_id == user.id, Conflict.nomination_id == a.nomination_id)
        )
        data["judging"].append(
            {
                "round": a.round.name,
                "nomination": a.nomination.reference,
                "no_conflict_declared_at": _when(a.no_conflict_declared_at),
                "conflict": None
                if conflict is None
                else {"reason": conflict.reason, "at": _when(conflict.recorded_at)},
                "scores": None
                if sheet is None
                else {
                    "status": str(sheet.status),
                    "overall_comment": sheet.overall_comment,
                    "criteria": [
                        {
                            "criterion": s.criterion.name_en,
                            "score": str(s.value) if s.value is not None else None,
                            "comment": s.comment,
                        }
                        for s in sheet.scores
                    ],
                },
                "vote": None if vote is None else {"vote": str(vote.vote), "at": _when(vote.voted_at)},
            }
        )
    data["presentations"] = []
    for invitation in db.session.scalars(
        sa.select(SlotInvitation)
        .where(SlotInvitation.user_id == user.id)
        .options(joinedload(SlotInvitation.slot).joinedload(PresentationSlot.round))
        .options(joinedload(SlotInvitation.slot).joinedload(PresentationSlot.nomination))
        .order_by(SlotInvitation.id)
    ):
        slot = invitation.slot
        entry: dict[str, object] = {
            "round": slot.round.name,
            "nomination": slot.nomination.reference,
            "last_sent_at": _when(invitation.sent_at),
            "cancelled_at": _when(invitation.cancelled_at),
        }
        if invitation.holds and slot.live:  # where and when only while it is theirs: never a link since withdrawn
            entry |= {
                "starts_at": _when(slot.starts_at),
                "minutes": slot.minutes,
                "mode": str(slot.mode),
                "room": slot.room,
                "link": slot.link,
            }
        data["presentations"].append(entry)
    # What the access log holds of their reading: what and when, not the names of others' documents it notes too.
    data["reading_log"] = [
        {
            "day": r.day,
            "first_at": _when(r.at),
            "what": r.kind,
            "nomination": r.nomination.reference if r.nomination is not None else None,
        }
        for r in db.session.scalars(
            sa.select(AccessRecord)
            .where(AccessRecord.user_id == user.id)
            .options(joinedload(AccessRecord.nomination))
            .order_by(AccessRecord.at, AccessRecord.id)
        )
    ]
    # The e-mails the website wrote to them: what, when and whether it went (the messages themselves are not kept
    # past their delivery's record).
    data["emails"] = [
        {
            "written_at": _when(m.created_at),
            "subject": m.subject,
            "kind": m.template,
            "status": str(m.status),
            "sent_at": _when(m.sent_at),
        }
        for m in db.session.scalars(
            sa.select(OutgoingMail).where(OutgoingMail.recipient == user.email).order_by(OutgoingMail.id)
        )
    ]
    data["actions"] = [
        {"at": _when(e.at), "action": e.action, "summary": e.summary}
        for e in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.actor_id == user.id).order_by(AuditEvent.at, AuditEvent.id)
        )
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        for name, path in files:
            archive.write(path, name)
    return buffer.getvalue()
