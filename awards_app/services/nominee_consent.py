"""A nominee's own consent to a nomination about them (``rules.privacy.NOMINEE_CONSENT_KINDS``).

The applicant asks for it in one of two ways: the app e-mails the nominee a link to a page that shows what the
nomination says about them and the three purposes of ``rules.privacy``, where they consent or refuse; or the
applicant uploads the consent form the nominee signed (the blank form is a PDF printed from the nomination). The
secretariat may record a form received on paper, for nominations entered from a spreadsheet. Each step is in the
audit trail; the applicant is told by e-mail when the nominee answers.

Without the consent the applicant cannot submit the nomination (``refusal``) and the secretariat cannot screen it
eligible, which is what would put it before judges.
"""

from __future__ import annotations

import secrets
from functools import partial

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from .. import storage
from ..after_response import after_response
from ..extensions import db
from ..models import Nomination, NomineeConsent, User, utcnow
from ..rules.privacy import NOMINEE_LINK_DAYS, PURPOSES, needs_nominee_consent
from ..urls import external_url
from . import NotAllowed, ServiceError
from .audit import record
from .mail import send_email
from .privacy import current_notice

_SALT = "nominee-consent"
#: The signed form is a scan or a PDF.
_FORM_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})


def needed(nomination: Nomination) -> bool:
    return needs_nominee_consent(nomination.category.kind)


def refusal(nomination: Nomination) -> str | None:
    """Why the nomination may not go to the judges yet for want of its nominee's consent, or None."""
    if not needed(nomination):
        return None
    consent = nomination.nominee_consent
    if consent is None:
        return str(
            _l("The nominee has not consented yet: send them the consent link, or upload the consent form they signed.")
        )
    if consent.refused:
        return str(_l("The nominee refused their consent: this nomination cannot go to the judges."))
    if consent.waiting:
        return str(
            _l(
                "The nominee has not answered the consent link sent to %(email)s yet; you may also upload the form "
                "they signed.",
                email=consent.email,
            )
        )
    return None


def _editable(nomination: Nomination, user: User) -> None:
    from .nominations import edit_refusal

    if not needed(nomination):
        raise ServiceError(_l("This category does not ask for the nominee's consent."))
    if not nomination.can_edit(user):
        raise NotAllowed(edit_refusal(nomination, user))
    if nomination.nominee_consent is not None and nomination.nominee_consent.given:
        raise ServiceError(_l("The nominee has already consented: nothing more is needed."))


def _replace(nomination: Nomination, **values) -> NomineeConsent:
    """A new consent record for the nomination (the earlier one, its link and its file, go)."""
    old = nomination.nominee_consent
    if old is not None:
        if old.stored_name:
            _forget_file(old.stored_name)
        nomination.nominee_consent = None
        db.session.flush()
    consent = NomineeConsent(nomination=nomination, **values)
    db.session.add(consent)
    return consent


def _forget_file(stored_name: str) -> None:
    after_response(partial(storage.delete, current_app.config["UPLOAD_FOLDER"], stored_name))


def ask_nominee(nomination: Nomination, user: User, email: str) -> NomineeConsent:
    """E-mail the nominee a link to consent or refuse (a new link voids the earlier one)."""
    _editable(nomination, user)
    email = (email or "").strip()
    if not email:
        raise ServiceError(_l("Give the nominee's e-mail address."))
    consent = _replace(nomination, method="link", email=email, nonce=secrets.token_hex(16), requested_by_id=user.id)
    record("nominee_consent.asked", nomination, user, f"consent link sent to {email}", {"email": email})
    db.session.commit()
    after_response(partial(_send_link, consent.id))
    return consent


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def link_token(consent: NomineeConsent) -> str:
    return str(_serializer().dumps({"c": consent.id, "n": consent.nonce}))


def _send_link(consent_id: int) -> None:
    consent = db.session.get(NomineeConsent, consent_id)
    if consent is None or not consent.email:
        return
    nomination = consent.nomination
    # The nominee has no account and no language of their own here: the applicant's is the best guess, and the
    # page the link opens offers both.
    locale = nomination.created_by.locale
    send_email(
        consent.email,
        "nominee_consent",
        locale=locale,
        nomination=nomination,
        link=external_url("main.nominee_consent", token=link_token(consent)),
        days=NOMINEE_LINK_DAYS,
    )


def consent_from_link(token: str) -> NomineeConsent:
    """The consent record a link names, if the link is genuine, recent and still the newest one."""
    try:
        data = _serializer().loads(token, max_age=NOMINEE_LINK_DAYS * 24 * 3600)
    except SignatureExpired as error:
        raise ServiceError(_l("This link has expired. Ask the person who nominated you to send a new one.")) from error
    except BadSignature as error:
        raise ServiceError(_l("This link is not valid. Check that it was copied whole.")) from error
    consent = db.session.get(NomineeConsent, data.get("c")) if isinstance(data, dict) else None
    if consent is None or not consent.nonce or not secrets.compare_digest(consent.nonce, str(data.get("n", ""))):
        raise ServiceError(_l("This link was replaced by a newer one, or the nomination no longer asks for it."))
    return consent


def answer(token: str, purposes: list[str], *, give: bool) -> NomineeConsent:
    """Record the nominee's answer to their link: consent needs every purpose ticked; refusing needs none."""
    consent = consent_from_link(token)
    if consent.decision:
        return consent  # answered already (the button pressed twice): the answer stands
    if give and set(purposes) != set(PURPOSES):
        raise ServiceError(_l("Tick each of the three consents to give your consent, or refuse."))
    consent.decision = "given" if give else "refused"
    consent.decided_at = utcnow()
    consent.notice_version = current_notice().version
    record(
        f"nominee_consent.{consent.decision}",
        consent.nomination,
        None,
        f"the nominee {consent.decision} their consent through the link sent to {consent.email}",
        {"email": consent.email, "notice_version": consent.notice_version},
    )
    db.session.commit()
    after_response(partial(_tell_applicant, consent.id))
    return consent


def _tell_applicant(consent_id: int) -> None:
    consent = db.session.get(NomineeConsent, consent_id)
    if consent is None:
        return
    nomination = consent.nomination
    applicant = consent.requested_by or nomination.created_by
    send_email(
        applicant.email,
        "nominee_consent_answered",
        locale=applicant.locale,
        user=applicant,
        nomination=nomination,
        consent=consent,
        link=external_url("nominations.edit", nomination_id=nomination.id),
    )


def upload_signed_form(nomination: Nomination, user: User, filename: str | None, data: bytes) -> NomineeConsent:
    """Keep the consent form the nominee signed (PDF, PNG or JPEG); it stands for their consent."""
    _editable(nomination, user)
    name = storage.clean_filename(filename)
    if not data:
        if filename:
            raise ServiceError(_l("%(name)s is empty (0 bytes): nothing was attached.", name=name))
        raise ServiceError(_l("Choose the scan or PDF of the signed form."))
    limit = current_app.config["MAX_ATTACHMENT_BYTES"]
    if len(data) > limit:
        raise ServiceError(
            _l("%(name)s is larger than the limit of %(mb)d MB per file.", name=name, mb=limit // 1048576)
        )
    content_type = storage.sniff_type(data, name)
    if content_type not in _FORM_TYPES:
        raise ServiceError(
            _l(
                "%(name)s was refused: the signed form must be a PDF, PNG or JPEG whose content matches its name.",
                name=name,
            )
        )
    try:
        stored = storage.save_bytes(current_app.config["UPLOAD_FOLDER"], data)
    except OSError as error:
        current_app.logger.error("could not store a consent form: %s", error)
        raise ServiceError(_l("The file could not be stored. Please try again later.")) from error
    consent = _replace(
        nomination,
        method="form",
        requested_by_id=user.id,
        decision="given",
        decided_at=utcnow(),
        notice_version=current_notice().version,
        original_name=name,
        stored_name=stored.stored_name,
        content_type=content_type,
        size=stored.size,
        sha256=stored.sha256,
    )
    record(
        "nominee_consent.form",
        nomination,
        user,
        f"signed consent form uploaded: {name}",
        {"name": name, "sha256": stored.sha256},
    )
    db.session.commit()
    return consent


def record_paper_form(nomination: Nomination, actor: User) -> NomineeConsent:
    """The secretariat holds the form the nominee signed on paper (a nomination entered from a spreadsheet)."""
    if not actor.is_secretariat:
        raise NotAllowed(_l("Only the secretariat records consent forms received on paper."))
    if not needed(nomination):
        raise ServiceError(_l("This category does not ask for the nominee's consent."))
    if nomination.nominee_consent is not None and nomination.nominee_consent.given:
        raise ServiceError(_l("The nominee has already consented: nothing more is needed."))
    consent = _replace(
        nomination,
        method="paper",
        requested_by_id=actor.id,
        decision="given",
        decided_at=utcnow(),
        notice_version=current_notice().version,
    )
    record("nominee_consent.paper", nomination, actor, "signed consent form received on paper", {})
    db.session.commit()
    return consent


def blank_form_pdf(nomination: Nomination, locale: str | None) -> bytes:
    """The consent form for the nominee to sign, with what the nomination is and the three purposes, as a PDF."""
    from weasyprint import HTML

    with force_locale(locale or "en"):
        html = render_template(
            "pdf/nominee_consent.html",
            nomination=nomination,
            notice=current_notice(),
            locale=locale or "en",
            printed_at=utcnow(),
        )
    return HTML(string=html).write_pdf()
