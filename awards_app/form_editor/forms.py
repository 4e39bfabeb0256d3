"""The secretariat's forms for shaping an entry form: one field at a time."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, Length, Optional

from ..entry_forms import FIELD_KINDS, MAX_ANSWER_CHARS, MAX_SHORT_CHARS
from ..forms import BaseForm, select_choices
from ..rules import GUIDANCE_CHARS, LONG_NAME_CHARS

FIELD_KIND_LABELS = {
    "text": _l("Short text"),
    "textarea": _l("Long text (with a word limit)"),
    "date": _l("Date"),
    "choice": _l("Choice among options"),
    "yesno": _l("Yes or no"),
    "urls": _l("Web addresses (one a line)"),
    "email": _l("E-mail address"),
    "file": _l("File slot (a document to attach)"),
}

_TEXT = [Optional(), Length(max=LONG_NAME_CHARS)]
_HELP = [Optional(), Length(max=GUIDANCE_CHARS)]


def parse_choices(text: str) -> list[dict]:
    """Options written one a line as ``code | English | Korean``; a line missing a part keeps it empty, for the
    form's check to name."""
    choices = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")] + ["", ""]
        choices.append({"value": parts[0], "label_en": parts[1], "label_ko": parts[2]})
    return choices


def choices_text(choices: list[dict]) -> str:
    return "\n".join(f"{c.get('value', '')} | {c.get('label_en', '')} | {c.get('label_ko', '')}" for c in choices)


class FieldForm(BaseForm):
    """One field of an entry form, in both languages."""

    name = StringField(
        _l("Name"),
        [Optional(), Length(max=40)],
        description=_l(
            "A short identifier: lower-case letters, digits and underscores. Two dates named x_start and x_end are "
            "checked so that the end is not before the start."
        ),
    )
    kind = SelectField(_l("Kind"), choices=select_choices(FIELD_KIND_LABELS.items()), validators=[AnyOf(FIELD_KINDS)])
    label_en = StringField(_l("Label (English)"), _TEXT)
    label_ko = StringField(_l("Label (Korean)"), _TEXT)
    help_en = TextAreaField(_l("Help (English)"), _HELP, render_kw={"rows": 2})
    help_ko = TextAreaField(_l("Help (Korean)"), _HELP, render_kw={"rows": 2})
    section_en = StringField(
        _l("Opens a section titled (English)"), _TEXT, description=_l("Leave empty to continue the section above.")
    )
    section_ko = StringField(_l("Opens a section titled (Korean)"), _TEXT)
    required = BooleanField(_l("Required"))
    condition_field = StringField(
        _l("Required only when this field…"),
        [Optional(), Length(max=40)],
        description=_l("The name of a choice or yes/no field above; leave empty for none."),
    )
    condition_value = StringField(_l("…has this answer (code)"), [Optional(), Length(max=40)])
    word_limit = IntegerField(_l("Word limit"), [Optional()], description=_l("For long texts; empty for none."))
    max_chars = IntegerField(
        _l("Most characters"),
        [Optional()],
        description=_l("For short answers, at most %(max)d.", max=MAX_SHORT_CHARS),
    )
    choices = TextAreaField(
        _l("Options"),
        [Optional(), Length(max=GUIDANCE_CHARS)],
        description=_l("For a choice: one option a line, as code | English | Korean."),
        render_kw={"rows": 4},
    )
    save = SubmitField(_l("Save field"))

    def to_data(self) -> dict:
        """The field as stored (see ``entry_forms.spec_from_dict``); the service checks it with the whole form."""
        kind = self.kind.data
        condition = (self.condition_field.data or "").strip()
        return {
            "name": (self.name.data or "").strip(),
            "kind": kind,
            **{key: (self[key].data or "").strip() for key in _TEXT_KEYS},
            "required": bool(self.required.data) and not condition,
            "required_if": [condition, (self.condition_value.data or "").strip()] if condition else None,
            "word_limit": self.word_limit.data if kind == "textarea" else None,
            "max_chars": self.max_chars.data if self.max_chars.data is not None else _default_length(kind),
            "choices": parse_choices(self.choices.data or "") if kind == "choice" else [],
        }

    def fill_from(self, row: dict) -> None:
        for key in ("name", "kind", *_TEXT_KEYS, "required", "word_limit", "max_chars"):
            self[key].data = row.get(key)
        condition = row.get("required_if") or ["", ""]
        self.condition_field.data, self.condition_value.data = condition[0], condition[1]
        self.choices.data = choices_text(row.get("choices") or [])


_TEXT_KEYS = ("label_en", "label_ko", "help_en", "help_ko", "section_en", "section_ko")


def _default_length(kind: str) -> int:
    return {"textarea": MAX_ANSWER_CHARS, "urls": MAX_SHORT_CHARS, "email": 254}.get(kind, 300)


class NewFormForm(BaseForm):
    """Give an applicant type its own form."""

    applicant_type = HiddenField(validators=[Length(max=20)])
    create = SubmitField(_l("Give this type its own form"))


class MoveForm(BaseForm):
    """Move a field up or down."""

    step = HiddenField(validators=[AnyOf(["-1", "1"])])


class RemoveForm(BaseForm):
    """An empty form: the CSRF token of a remove button."""
