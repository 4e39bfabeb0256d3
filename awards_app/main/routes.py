"""The home page, the language switch and the health check."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..models import Edition
from ..services import ServiceError
from ..services import accounts as accounts_service
from ..services import nominee_consent as nominee_consent_service
from ..services import privacy as privacy_service
from ..services.entry_forms import fields_of
from ..services.programs import current_edition
from ..urls import safe_next
from .forms import NomineeAnswerForm, NomineeRefusalForm

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    """Send each visitor to the page they work from."""
    if current_user.is_authenticated:
        if current_user.is_secretariat:
            return redirect(url_for("secretariat.dashboard"))
        if current_user.is_applicant:
            return redirect(url_for("nominations.index"))
        if current_user.is_judge:
            return redirect(url_for("judging.index"))
        return render_template(
            "errors/error.html",
            code=403,
            title=_("No role yet"),
            message=_("Your account has no role yet. Ask the secretariat."),
        )
    editions = db.session.scalars(sa.select(Edition).order_by(Edition.year.desc()).limit(3)).all()
    return render_template("main/index.html", editions=editions, edition=current_edition())


@bp.route("/language", methods=["POST"])
def set_language():
    """Switch the interface language and remember it."""
    code = request.form.get("language", "")
    if code not in current_app.config["LANGUAGES"]:
        abort(400)
    session["locale"] = code
    if current_user.is_authenticated:
        accounts_service.set_locale(current_user, code)
    return redirect(safe_next(url_for("main.index")))


@bp.route("/privacy")
def privacy():
    """The privacy notice in force (PIPA Art. 30), in the reader's language, with its version and date."""
    return render_template("main/privacy.html", notice=privacy_service.current_notice())


@bp.route("/consent/<token>", methods=["GET", "POST"])
def nominee_consent(token: str):
    """The page a nominee's consent link opens: what the nomination says about them, and their answer."""
    try:
        consent = nominee_consent_service.consent_from_link(token)
    except ServiceError as error:
        return render_template("main/nominee_consent.html", problem=error.message, consent=None), 404
    give_form, refuse_form = NomineeAnswerForm(), NomineeRefusalForm()
    if request.method == "POST" and not consent.decision:
        refusing = bool(request.form.get("refuse"))
        form = refuse_form if refusing else give_form
        if form.validate_on_submit():
            try:
                consent = nominee_consent_service.answer(
                    token, [] if refusing else give_form.consents(), give=not refusing
                )
            except ServiceError as error:
                return render_template("main/nominee_consent.html", problem=error.message, consent=None), 404
            return redirect(url_for("main.nominee_consent", token=token))
    nomination = consent.nomination
    return render_template(
        "main/nominee_consent.html",
        consent=consent,
        nomination=nomination,
        specs=fields_of(nomination),
        notice=privacy_service.current_notice(),
        give_form=give_form,
        refuse_form=refuse_form,
        problem=None,
    )


@bp.route("/favicon.ico")
def favicon():
    """The icon browsers ask for at the root whatever the page says (and would otherwise log as missing)."""
    return send_from_directory(Path(current_app.static_folder or "") / "img", "favicon.ico", max_age=86400)


@bp.route("/healthz")
def health():
    """Answer the load balancer: the app runs and reaches its database."""
    db.session.execute(sa.text("SELECT 1"))
    return {"status": "ok"}
