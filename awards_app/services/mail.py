"""All outgoing e-mail goes through ``send_email``."""

from __future__ import annotations

import logging
import secrets
import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale

log = logging.getLogger(__name__)


def send_email(
    to: str,
    subject: str,
    template: str,
    locale: str | None = None,
    files: list[tuple[str, bytes, str]] | None = None,
    **context,
) -> EmailMessage:
    """Render ``templates/email/<template>.txt`` and send it, with ``files`` (name, content, MIME type) attached:
    by SMTP when configured, else to the outbox."""
    config = current_app.config
    with force_locale(locale or "en"):
        body = render_template(f"email/{template}.txt", **context)
        subject = str(subject)
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="awards.local")
    message.set_content(body)
    for name, content, mimetype in files or []:
        maintype, _slash, subtype = mimetype.partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)

    if config.get("MAIL_SERVER"):
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
        log.info("mail sent to %s: %s", to, subject)
    else:
        outbox = Path(config["MAIL_OUTBOX"])
        outbox.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = outbox / f"{stamp}-{secrets.token_hex(4)}.eml"
        path.write_bytes(bytes(message))
        log.info("mail to %s written to %s: %s", to, path.name, subject)
    return message
