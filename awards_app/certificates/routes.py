"""Certificates: anyone confirms one from its code (rate-limited, so codes cannot be tried in bulk); the winner's
applicants and the secretariat download it once the results are published; the secretariat sets who signs."""

from __future__ import annotations

import math
import time

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required

from ..auth.access import role_required
from ..downloads import private_download
from ..errors import flash_error
from ..extensions import db, limiter
from ..models import Edition, Nomination, Role
from ..rules import certificates as rules
from ..services import ServiceError
from ..services import certificates as certificates_service
from .forms import CertificateSettingsForm

bp = Blueprint("certificates", __name__)


# --- the public page ------------------------------------------------------------------------------------------------


def _too_many(limit: RequestLimit):
    wait = max(1, limit.reset_at - int(time.time()))
    response = make_response(
        render_template(
            "certificates/verify.html",
            certificate=None,
            typed="",
            refused=_(
                "Too many codes that match no certificate were tried from this address. Try again in %(minutes)d "
                "minute(s).",
                minutes=math.ceil(wait / 60),
            ),
        ),
        429,
    )
    response.headers["Retry-After"] = str(wait)
    return response


_UNKNOWN = "awards.certificates.unknown"

#: Codes that match nothing count against the address that tried them (a real certificate's code never does); once
#: the limit is spent, no code is looked up from there for a while, as sign-ins are throttled.
_unknown_codes = limiter.limit(
    lambda: current_app.config["CERTIFICATE_LIMIT_PER_ADDRESS"],
    key_func=lambda: "certificates/" + get_remote_address(),
    methods=["GET"],
    deduct_when=lambda _response: bool(request.environ.get(_UNKNOWN)),
    on_breach=_too_many,
)


@bp.route("/certificates")
def verify_form():
    """Ask for a certificate's code, and go to its page (which counts the codes that match nothing)."""
    typed = (request.args.get("code") or "").strip()[:60]
    if typed:
        code = rules.normalise_code(typed)
        if code is not None:
            return redirect(url_for("certificates.verify", code=rules.format_code(code)))
        return render_template(
            "certificates/verify.html",
            certificate=None,
            typed=typed,
            refused=_(
                "A code has %(n)d letters and digits, as printed under the QR code (e.g. ABCD-EFGH-JKMN).",
                n=rules.CODE_LENGTH,
            ),
        )
    return render_template("certificates/verify.html", certificate=None, typed="", refused=None)


@bp.route("/certificates/<code>")
@_unknown_codes
def verify(code: str):
    """Confirm a certificate from its code: valid, or withdrawn and why; or that no certificate has this code."""
    certificate = certificates_service.find(code[:60])
    if certificate is None:
        request.environ[_UNKNOWN] = True
        return render_template(
            "certificates/verify.html",
            certificate=None,
            typed=code[:60],
            refused=_("No certificate has this code. Check it against the one printed on the certificate."),
        ), 404
    return render_template("certificates/verify.html", certificate=certificate, typed=certificate.printed_code)


# --- downloads ------------------------------------------------------------------------------------------------------


@bp.route("/nominations/<int:nomination_id>/certificate.pdf")
@login_required
def nomination_pdf(nomination_id: int):
    """The nomination's certificate, for its applicants and the secretariat, once the results are published."""
    nomination = db.get_or_404(Nomination, nomination_id)
    if not nomination.can_download_certificate(current_user):
        abort(403)
    certificate = certificates_service.current_of(nomination)
    if certificate is None or not certificate.can_download(current_user):
        abort(404)
    try:
        content = certificates_service.certificate_pdf(certificate)
    except OSError:
        current_app.logger.exception("the certificate of nomination %s could not be drawn", nomination.id)
        abort(503)
    return private_download(content, "application/pdf", certificates_service.file_name(certificate))


# --- the secretariat's page -----------------------------------------------------------------------------------------


@bp.route("/secretariat/editions/<int:edition_id>/certificates", methods=["GET", "POST"])
@role_required(Role.SECRETARIAT)
def edition_certificates(edition_id: int):
    """Set who signs the edition's certificates and their date; list every certificate issued."""
    edition = db.get_or_404(Edition, edition_id)
    settings = certificates_service.settings_of(edition)
    form = CertificateSettingsForm()
    if request.method == "GET" and settings is not None:
        for entry, row in zip(form.signatories, settings.signatory_rows, strict=False):
            entry.form.name_en.data, entry.form.title_en.data = row.name_en, row.title_en
            entry.form.name_ko.data, entry.form.title_ko.data = row.name_ko, row.title_ko
        form.certificate_date.data = settings.certificate_date
    if form.validate_on_submit():
        try:
            certificates_service.save_settings(edition, form.rows(), form.certificate_date.data, current_user)
        except ServiceError as error:
            flash_error(error)
        else:
            flash(_("Saved. Certificates issued from now on carry these signatories and this date."), "success")
            return redirect(url_for("certificates.edition_certificates", edition_id=edition.id))
    elif request.method == "POST":
        flash(_("Check the fields marked below: nothing was saved."), "danger")
    return render_template(
        "certificates/edition_certificates.html",
        edition=edition,
        form=form,
        certificates=certificates_service.of_edition(edition),
    )


@bp.route("/secretariat/editions/<int:edition_id>/certificates.zip")
@role_required(Role.SECRETARIAT)
def edition_zip(edition_id: int):
    """Every valid certificate of the edition, one PDF each, in a zip."""
    edition = db.get_or_404(Edition, edition_id)
    try:
        content = certificates_service.edition_zip(edition)
    except ServiceError as error:
        flash_error(error)
        return redirect(url_for("certificates.edition_certificates", edition_id=edition.id))
    except OSError:
        current_app.logger.exception("the certificates of edition %s could not be drawn", edition.id)
        abort(503)
    return private_download(content, "application/zip", f"certificates-{edition.slug}.zip")


@bp.route("/secretariat/editions/<int:edition_id>/certificates/specimen.pdf")
@role_required(Role.SECRETARIAT)
def specimen(edition_id: int):
    """A specimen of the edition's certificates with the signatories set now."""
    edition = db.get_or_404(Edition, edition_id)
    try:
        content = certificates_service.specimen_pdf(edition)
    except OSError:
        current_app.logger.exception("the specimen certificate of edition %s could not be drawn", edition.id)
        abort(503)
    return private_download(content, "application/pdf", f"certificate-specimen-{edition.slug}.pdf")
