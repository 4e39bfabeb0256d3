"""E-mail, for the secretariat: every e-mail the app sends with its text (the catalogue), and the record of what
was sent, with each undelivered e-mail to send again or let go."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import role_required
from ..emails import CATALOGUE, sample_context
from ..errors import flash_error
from ..i18n import LANGUAGE_NAMES
from ..models import MailStatus, Role
from ..paging import paginate
from ..services import ServiceError
from ..services import mail as mail_service
from ..urls import safe_next
from .forms import MailActionForm

bp = Blueprint("mail", __name__)


@bp.before_request
@role_required(Role.SECRETARIAT)
def guard():
    """Every page here is for the secretariat alone."""


@bp.route("/")
def outgoing():
    """The e-mail sent, newest first, filtered by status; the undelivered ones with what went wrong."""
    status = request.args.get("status", "")
    if status not in {"undelivered", *(s.value for s in MailStatus)}:
        status = ""
    page = paginate(mail_service.mail_query(status), default_size=50)
    return render_template(
        "mail/outgoing.html",
        page=page,
        status=status,
        statuses=list(MailStatus),
        undelivered=mail_service.undelivered_count(),
        form=MailActionForm(),
    )


@bp.route("/catalogue")
def catalogue():
    """Every e-mail the app sends: to whom, when, and its subject and text in English and Korean (drawn with
    sample people and a sample nomination)."""
    emails = [
        (
            email,
            {
                language: mail_service.render_email(email.template, language, sample_context(email.template, language))
                for language in LANGUAGE_NAMES
            },
        )
        for email in CATALOGUE.values()
    ]
    return render_template("mail/catalogue.html", emails=emails)


def _back(form: MailActionForm | None = None):
    if form is not None and form.errors:
        flash(_("Nothing was changed: the form was incomplete or had expired. Try again."), "danger")
    return redirect(safe_next(url_for("mail.outgoing", status="undelivered")))


@bp.post("/<int:mail_id>/retry")
def retry(mail_id: int):
    """Send one undelivered e-mail again, now."""
    form = MailActionForm()
    if form.validate_on_submit():
        try:
            mail = mail_service.retry(mail_id, current_user)
        except ServiceError as error:
            flash_error(error)
        else:
            if mail.status is MailStatus.SENT:
                flash(_("Sent to %(to)s.", to=mail.recipient), "success")
            else:
                flash(_("Not sent again: %(error)s", error=mail.last_error), "danger")
    return _back(form)


@bp.post("/<int:mail_id>/discard")
def discard(mail_id: int):
    """Let an undelivered e-mail go: it is no longer tried, and its message is deleted."""
    form = MailActionForm()
    if form.validate_on_submit():
        try:
            mail = mail_service.discard(mail_id, current_user)
        except ServiceError as error:
            flash_error(error)
        else:
            flash(_("The e-mail to %(to)s will not be sent.", to=mail.recipient), "success")
    return _back(form)


@bp.post("/retry")
def retry_all():
    """Send every undelivered e-mail again, now."""
    form = MailActionForm()
    if form.validate_on_submit():
        try:
            sent, left = mail_service.retry_all(current_user)
        except ServiceError as error:
            flash_error(error)
        else:
            if left:
                flash(_("%(sent)d sent; %(left)d still not delivered.", sent=sent, left=left), "warning")
            else:
                flash(_("All %(sent)d sent.", sent=sent), "success")
    return _back(form)
