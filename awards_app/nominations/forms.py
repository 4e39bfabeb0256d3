"""The entry form, built from the field list the nomination follows."""

from __future__ import annotations

from functools import lru_cache

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..entry_forms import FieldSpec
from ..forms import BaseForm, email_field, select_choices
from ..rules import SHORT_TEXT_CHARS
from ..storage import ACCEPTED_EXTENSIONS


class EntryFormBase(BaseForm):
    """Answers of one nomination; drafts accept anything within the length caps."""

    specs: tuple[FieldSpec, ...]

    def opened_version(self) -> int | None:
        return int(self.version.data) if self.version.data else None

    def answers(self) -> dict[str, str]:
        return {spec.name: self[spec.name].data or "" for spec in self.specs if not spec.is_file}

    @property
    def chosen_files(self) -> list[tuple[str, object]]:
        """The uploaded files, each with the file field it answers ("" for the other documents)."""
        slots = [("", self.document), *((spec.name, self[spec.name]) for spec in self.specs if spec.is_file)]
        return [
            (slot, field.data)
            for slot, field in slots
            if field.data is not None and getattr(field.data, "filename", "")
        ]

    def show_problems(self, problems: dict[str, list[str]]) -> None:
        for name, messages in problems.items():
            self[name].errors = list(self[name].errors or []) + messages


_ACCEPTED = ",".join("." + ext for ext in ACCEPTED_EXTENSIONS)


@lru_cache(maxsize=64)
def entry_form_class(specs: tuple[FieldSpec, ...]) -> type[EntryFormBase]:
    """Return the WTForms class of an entry form (made once per field list)."""
    attributes: dict[str, object] = {"specs": specs}
    for spec in specs:
        cap = spec.cap
        validators = [Optional(), Length(max=cap, message=_l("At most %(max)d characters.", max=cap))]
        render_kw: dict[str, object] = {}
        if spec.word_limit:
            render_kw["data-word-limit"] = spec.word_limit
        if spec.kind == "textarea":
            render_kw["rows"] = 6 if spec.word_limit and spec.word_limit > 300 else 4
            field = TextAreaField(spec.label, validators, description=spec.help, render_kw=render_kw)
        elif spec.kind == "urls":
            render_kw["rows"] = 3
            field = TextAreaField(spec.label, validators, description=spec.help, render_kw=render_kw)
        elif spec.is_choice:
            field = SelectField(
                spec.label,
                choices=select_choices([("", _l("Choose…")), *spec.choices]),
                validators=[Optional()],
                description=spec.help,
                validate_choice=True,
            )
        elif spec.is_file:
            field = FileField(spec.label, description=spec.help, render_kw={"accept": _ACCEPTED})
        elif spec.kind == "date":
            render_kw["type"] = "date"
            render_kw["placeholder"] = "YYYY-MM-DD"
            field = StringField(spec.label, validators, description=spec.help, render_kw=render_kw)
        else:
            if spec.kind == "email":
                render_kw["type"] = "email"
            field = StringField(spec.label, validators, description=spec.help, render_kw=render_kw)
        attributes[spec.name] = field
    attributes["client_token"] = HiddenField(validators=[Optional(), Length(max=40)])
    # The browser's time zone (the script fills it in): the receipt gives the submission's time in it too.
    attributes["reader_zone"] = HiddenField(validators=[Optional(), Length(max=64)])
    # The nomination's version when the page was opened: a save from an older page is refused, not applied.
    attributes["version"] = HiddenField(validators=[Optional(), Regexp(r"^\d{1,9}$")])
    attributes["document"] = FileField(_l("Document"), render_kw={"accept": _ACCEPTED})
    attributes["upload"] = SubmitField(_l("Upload"))
    attributes["save"] = SubmitField(_l("Save draft"))
    attributes["submit_entry"] = SubmitField(_l("Submit nomination"))
    return type("EntryForm", (EntryFormBase,), attributes)


class WithdrawForm(BaseForm):
    reason = StringField(_l("Reason (optional)"), validators=[Optional(), Length(max=SHORT_TEXT_CHARS)])
    reader_zone = HiddenField(validators=[Optional(), Length(max=64)])
    confirm = BooleanField(
        _l("Yes, withdraw this nomination"), validators=[DataRequired(message=_l("Tick the box to confirm."))]
    )
    submit = SubmitField(_l("Withdraw"))


class DeleteForm(BaseForm):
    """An empty form: just the CSRF token for a delete button."""


class AskNomineeForm(BaseForm):
    """E-mail the nominee the link to consent."""

    email = email_field(_l("Nominee's e-mail"))
    send = SubmitField(_l("Send the consent link"))


class SignedFormUpload(BaseForm):
    """The consent form the nominee signed, scanned or as a PDF."""

    signed_form = FileField(_l("Signed consent form"), render_kw={"accept": ".pdf,.png,.jpg,.jpeg"})
    upload_form = SubmitField(_l("Upload the signed form"))
