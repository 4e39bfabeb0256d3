"""The privacy notice and the consents given under it (``rules.privacy``)."""

from __future__ import annotations

from collections.abc import Iterable
from importlib.resources import files

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

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
