"""The secretariat's actions on undelivered e-mail: each form carries only its CSRF token."""

from __future__ import annotations

from ..forms import BaseForm


class MailActionForm(BaseForm):
    """Send again, or let go: the e-mail is named by the URL."""
