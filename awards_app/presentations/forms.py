"""Placing, moving and removing a finalist's presentation slot."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, IntegerField, RadioField, SelectField, StringField, SubmitField, TimeField
from wtforms.validators import InputRequired, Length, Optional

from ..forms import BaseForm, NumberRange, check_year, select_choices
from ..rules.presentations import DEFAULT_MINUTES, LINK_CHARS, MAX_MINUTES, MIN_MINUTES, ROOM_CHARS, PresentationMode
from ..services.presentations import SlotInput


class SlotForm(BaseForm):
    """A finalist's slot, typed in the officer's own time zone (the page names it)."""

    nomination = SelectField(_l("Finalist"), coerce=int, validators=[InputRequired()])
    day = DateField(_l("Day"), validators=[InputRequired(message=_l("Choose the day."))])
    at = TimeField(_l("Starts at"), validators=[InputRequired(message=_l("Choose the starting time."))])
    minutes = IntegerField(
        _l("Length (minutes)"),
        default=DEFAULT_MINUTES,
        validators=[InputRequired(), NumberRange(min=MIN_MINUTES, max=MAX_MINUTES)],
    )
    mode = RadioField(
        _l("Venue"),
        default=PresentationMode.SEOUL.value,
        choices=select_choices(
            [(PresentationMode.SEOUL.value, _l("In Seoul")), (PresentationMode.ONLINE.value, _l("Online"))]
        ),
        validators=[InputRequired()],
    )
    room = StringField(
        _l("Room in Seoul"),
        validators=[Optional(), Length(max=ROOM_CHARS)],
        description=_l("e.g. COEX, Room 301. Two presentations in one room cannot overlap."),
    )
    link = StringField(
        _l("Online meeting link"),
        validators=[Optional(), Length(max=LINK_CHARS)],
        description=_l("Shown only to the finalist, its judges and the secretariat. One meeting hosts one at a time."),
    )
    submit_slot = SubmitField(_l("Save the slot and send the invitations"))

    def __init__(self, finalists, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.nomination.choices = select_choices(
            [(n.id, f"{n.reference} · {n.title}") for n in finalists]  # type: ignore[arg-type]
        )

    def validate_day(self, field) -> None:
        check_year(field)

    def to_input(self, zone: str) -> SlotInput:
        return SlotInput(
            nomination_id=self.nomination.data,
            day=self.day.data,
            at=self.at.data,
            zone=zone,
            minutes=self.minutes.data,
            mode=PresentationMode(self.mode.data),
            room=self.room.data or "",
            link=self.link.data or "",
        )


class RemoveSlotForm(BaseForm):
    nomination = HiddenField(validators=[InputRequired()])
    submit_remove = SubmitField(_l("Remove and send the cancellations"))
