"""The secretariat's forms: editions, categories, screening, invitations and the nomination filters."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from ..forms import (
    TIME_ZONES,
    BaseForm,
    JudgeDetailsForm,
    MultiCheckboxField,
    NumberRange,
    WorkbookUploadForm,
    check_year,
    email_field,
    select_choices,
)
from ..i18n import (
    CATEGORY_KIND_LABELS,
    LANGUAGE_NAMES,
    ORGANISATION_TYPE_LABELS,
    REGION_LABELS,
    STATUS_LABELS,
    current_language,
)
from ..models import CategoryKind, NominationStatus, OrganisationType, Role
from ..regions import country_choices
from ..rules import (
    GUIDANCE_CHARS,
    LONG_NAME_CHARS,
    NAME_CHARS,
    NOTICE_CHARS,
    REASON_CHARS,
    SEARCH_CHARS,
    SHORT_NAME_CHARS,
)
from ..rules.editions import EARLIEST_YEAR, LATEST_YEAR, SLUG_CHARS, SLUG_PATTERN, proposed_slug
from ..services.imports import nominations as nomination_imports
from ..services.programs import CategoryInput, EditionInput, TierInput


class EditionForm(BaseForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=LONG_NAME_CHARS)],
        description=_l("e.g. 4th Seoul Smart City Prize"),
    )
    name_ko = StringField(
        _l("Name in Korean"),
        validators=[Optional(), Length(max=LONG_NAME_CHARS)],
        description=_l("e.g. 제4회 서울스마트도시상; without it, Korean pages show the English name."),
    )
    year = IntegerField(
        _l("Year of the prize"),
        validators=[InputRequired(), NumberRange(min=EARLIEST_YEAR, max=LATEST_YEAR)],
        description=_l(
            "The year the prize is awarded, as in its references (SSCP-2027-TI-001), whatever year its call opens."
        ),
    )
    slug = StringField(
        _l("Short name"),
        validators=[
            DataRequired(),
            Length(max=SLUG_CHARS),
            Regexp(
                SLUG_PATTERN,
                message=_l("Lower-case letters, digits and hyphens only, not ending with a hyphen."),
            ),
        ],
        description=_l("Used in addresses and exports, e.g. sscp-2026."),
    )
    reference_prefix = StringField(
        _l("Reference prefix"),
        default="SSCP",
        validators=[DataRequired(), Regexp(r"^[A-Z]{2,10}$", message=_l("2 to 10 capital letters."))],
        description=_l("References read PREFIX-YEAR-CATEGORY-NUMBER, e.g. SSCP-2026-TI-007."),
    )
    time_zone = SelectField(
        _l("Time zone"),
        default="Asia/Seoul",
        choices=select_choices((z, z) for z in TIME_ZONES),
        description=_l("Deadlines are enforced in this time zone."),
    )
    opens_at = DateTimeLocalField(_l("Call opens"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()])
    closes_at = DateTimeLocalField(_l("Call closes (deadline)"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()])
    submit = SubmitField(_l("Save edition"))

    def propose(self, year: int) -> None:
        """Fill in a new edition's year and short name, which keeps to the year typed until changed by hand
        (app.js); the secretariat may change both."""
        self.year.data = year
        self.slug.data = proposed_slug(year)
        self.slug.render_kw = {"data-follows": "year"}

    def validate_opens_at(self, field) -> None:
        check_year(field)

    def validate_closes_at(self, field) -> None:
        check_year(field)
        if self.opens_at.data and field.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("The call must close after it opens."))

    def to_input(self) -> EditionInput:
        zone = ZoneInfo(self.time_zone.data)
        return EditionInput(
            name=self.name.data.strip(),
            name_ko=(self.name_ko.data or "").strip(),
            year=self.year.data,
            slug=self.slug.data.strip(),
            reference_prefix=self.reference_prefix.data,
            time_zone=self.time_zone.data,
            opens_at=_aware(self.opens_at.data, zone),
            closes_at=_aware(self.closes_at.data, zone),
        )

    def fill_from(self, edition) -> None:
        self.name.data, self.year.data, self.slug.data = edition.name, edition.year, edition.slug
        self.name_ko.data = edition.name_ko
        self.reference_prefix.data, self.time_zone.data = edition.reference_prefix, edition.time_zone
        self.opens_at.data = edition.local(edition.opens_at).replace(tzinfo=None)
        self.closes_at.data = edition.local(edition.closes_at).replace(tzinfo=None)


class EditionCopyForm(EditionForm):
    """A new edition copied from an earlier one: its names, year, short name and call, proposed a year on; the time
    zone is the earlier edition's."""

    time_zone = None  # type: ignore[assignment]  # kept from the edition copied
    submit = SubmitField(_l("Create the new edition"))

    def to_copy_input(self, time_zone: str) -> EditionInput:
        zone = ZoneInfo(time_zone)
        return EditionInput(
            name=self.name.data.strip(),
            name_ko=(self.name_ko.data or "").strip(),
            year=self.year.data,
            slug=self.slug.data.strip(),
            reference_prefix=self.reference_prefix.data,
            time_zone=time_zone,
            opens_at=_aware(self.opens_at.data, zone),
            closes_at=_aware(self.closes_at.data, zone),
        )

    def fill_from_proposal(self, proposal: EditionInput) -> None:
        zone = ZoneInfo(proposal.time_zone)
        self.name.data, self.name_ko.data = proposal.name, proposal.name_ko
        self.year.data, self.slug.data = proposal.year, proposal.slug
        self.reference_prefix.data = proposal.reference_prefix
        self.opens_at.data = proposal.opens_at.astimezone(zone).replace(tzinfo=None)
        self.closes_at.data = proposal.closes_at.astimezone(zone).replace(tzinfo=None)


class SourceEditionForm(BaseForm):
    """The earlier edition a new one starts from (a GET form: choosing changes nothing)."""

    class Meta(BaseForm.Meta):
        csrf = False

    source = SelectField(
        _l("Earlier edition"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose the edition to start from."))],
        validate_choice=True,
    )
    submit = SubmitField(_l("Copy it"))

    def __init__(self, editions, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.source.choices = [(0, _l("Choose an edition"))] + [
            (edition.id, f"{edition.local_name(current_language())} ({edition.year})") for edition in editions
        ]


def _aware(local: datetime, zone: ZoneInfo) -> datetime:
    return local.replace(tzinfo=zone)


class TierForm(Form):
    Meta = BaseForm.Meta
    name_en = StringField(_l("Tier"), validators=[Optional(), Length(max=SHORT_NAME_CHARS)])
    name_ko = StringField(_l("Tier (Korean)"), validators=[Optional(), Length(max=SHORT_NAME_CHARS)])
    count = IntegerField(_l("Places"), validators=[Optional(), NumberRange(min=1, max=100)])
    eligible_types = MultiCheckboxField(_l("For"), validate_choice=True)
    fill_order = IntegerField(_l("Filled"), validators=[Optional(), NumberRange(min=1, max=100)])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.eligible_types.choices = [(t.value, ORGANISATION_TYPE_LABELS[t]) for t in OrganisationType]


class CategoryForm(BaseForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Regexp(r"^[A-Z0-9]{1,8}$", message=_l("1 to 8 capital letters or digits."))],
        description=_l("Appears in references, e.g. TI for Tech-InnovaCity."),
    )
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=LONG_NAME_CHARS)])
    name_ko = StringField(_l("Name (Korean)"), validators=[DataRequired(), Length(max=LONG_NAME_CHARS)])
    kind = SelectField(
        _l("Kind"),
        validators=[DataRequired()],
        description=_l("Decides the entry form: project, leadership or merit statement."),
    )
    eligible_types = MultiCheckboxField(
        _l("Who may enter"), description=_l("None ticked: the category is not open to applicants.")
    )
    max_per_organisation = IntegerField(
        _l("Nominations per organisation, at most"),
        default=1,
        validators=[InputRequired(), NumberRange(min=1, max=100)],
    )
    position = IntegerField(_l("Order"), default=0, validators=[InputRequired(), NumberRange(min=0, max=1000)])
    description_en = TextAreaField(_l("Description (English)"), validators=[Optional(), Length(max=GUIDANCE_CHARS)])
    description_ko = TextAreaField(_l("Description (Korean)"), validators=[Optional(), Length(max=GUIDANCE_CHARS)])
    tiers = FieldList(FormField(TierForm), min_entries=6, max_entries=20, label=_l("Award tiers"))
    confirm_tiers = BooleanField(
        _l(
            "I understand that judges have submitted scores in this category, and change its "
            "tiers anyway (recorded in the audit trail)"
        )
    )
    submit = SubmitField(_l("Save category"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, CATEGORY_KIND_LABELS[k]) for k in CategoryKind]
        self.eligible_types.choices = [(t.value, ORGANISATION_TYPE_LABELS[t]) for t in OrganisationType]
        while len(self.tiers) < 6:
            self.tiers.append_entry()

    def validate_tiers(self, field) -> None:
        for entry in field:
            filled = [
                bool((entry.name_en.data or "").strip()),
                bool((entry.name_ko.data or "").strip()),
                bool(entry.count.data),
            ]
            if any(filled) and not (filled[0] and filled[2]):
                raise ValidationError(str(_l("Each award tier needs both a name and a number of awards.")))

    def to_input(self) -> CategoryInput:
        tiers = [
            TierInput(
                t.name_en.data.strip(),
                (t.name_ko.data or "").strip(),
                t.count.data,
                tuple(t.eligible_types.data or ()),
                t.fill_order.data or 0,
            )
            for t in self.tiers
            if (t.name_en.data or "").strip() and t.count.data
        ]
        return CategoryInput(
            code=self.code.data.strip(),
            name_en=self.name_en.data.strip(),
            name_ko=self.name_ko.data.strip(),
            kind=CategoryKind(self.kind.data),
            eligible_types=[OrganisationType(v) for v in self.eligible_types.data],
            max_per_organisation=self.max_per_organisation.data,
            position=self.position.data,
            description_en=(self.description_en.data or "").strip(),
            description_ko=(self.description_ko.data or "").strip(),
            tiers=tiers,
        )

    def fill_from(self, category) -> None:
        for name in (
            "code",
            "name_en",
            "name_ko",
            "max_per_organisation",
            "position",
            "description_en",
            "description_ko",
        ):
            self[name].data = getattr(category, name)
        self.kind.data = category.kind.value
        self.eligible_types.data = list(category.eligible_types or [])
        while len(self.tiers):
            self.tiers.pop_entry()
        for tier in category.tiers:
            self.tiers.append_entry(
                {
                    "name_en": tier.name_en,
                    "name_ko": tier.name_ko,
                    "count": tier.count,
                    "eligible_types": list(tier.eligible_types or []),
                    "fill_order": tier.fill_order or None,
                }
            )
        while len(self.tiers) < max(6, len(category.tiers) + 2):
            self.tiers.append_entry()


class ScreeningForm(BaseForm):
    decision = RadioField(
        _l("Decision"),
        choices=select_choices([("eligible", _l("Eligible")), ("ineligible", _l("Ineligible"))]),
        validators=[DataRequired(message=_l("Choose eligible or ineligible."))],
    )
    # No Optional() here: it would stop the chain before validate_reason checks an empty reason.
    reason = TextAreaField(
        _l("Reason"),
        validators=[Length(max=REASON_CHARS)],
        description=_l("Required when ineligible."),
    )
    share_reason = BooleanField(
        _l("Tell the applicant the reason"),
        default=True,
        description=_l("Unticked, the reason stays with the secretariat: the applicant reads only the decision."),
    )
    submit = SubmitField(_l("Record decision"))
    submit_next = SubmitField(_l("Record and open the next"))
    # The nomination's version when the page was opened: a decision taken on an older page is refused.
    version = HiddenField(validators=[Optional(), Regexp(r"^\d{1,9}$")])

    def validate_reason(self, field) -> None:
        if self.decision.data == "ineligible" and not (field.data or "").strip():
            raise ValidationError(_l("Give the reason a nomination is ineligible."))


class InviteForm(JudgeDetailsForm):
    """An invitation: who, in which roles and language, and for a judge where they are (``JudgeDetailsForm``)."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=NAME_CHARS)])
    email = email_field()
    roles = MultiCheckboxField(
        _l("Roles"),
        choices=select_choices([(Role.JUDGE.value, _l("Judge")), (Role.SECRETARIAT.value, _l("Secretariat"))]),
        validators=[DataRequired(message=_l("Choose at least one role."))],
    )
    locale = RadioField(
        _l("Language of the invitation"),
        choices=select_choices(LANGUAGE_NAMES.items()),
        default="en",
        validators=[DataRequired(message=_l("Choose the language of the invitation."))],
        description=_l("The e-mail is written in it, and the pages open in it."),
    )
    submit = SubmitField(_l("Send invitation"))


class NominationFilterForm(BaseForm):
    """The filters of the nomination list, read from the query string."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=SEARCH_CHARS)])
    category = SelectField(_l("Category"), validators=[Optional()], validate_choice=False)
    status = SelectField(_l("Status"), validators=[Optional()], validate_choice=False)
    country = SelectField(_l("Country"), validators=[Optional()], validate_choice=False)
    region = SelectField(_l("Region"), validators=[Optional()], validate_choice=False)
    type = SelectField(_l("Applicant type"), validators=[Optional()], validate_choice=False)

    def __init__(self, edition, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        anyone = [("", _l("All"))]
        self.category.choices = anyone + [
            (str(c.id), f"{c.code} · {c.name(current_language())}") for c in edition.categories
        ]
        self.status.choices = anyone + [(s.value, STATUS_LABELS[s]) for s in NominationStatus]
        self.country.choices = anyone + country_choices(current_language())
        self.region.choices = anyone + [(r.value, label) for r, label in REGION_LABELS.items()]
        self.type.choices = anyone + [(t.value, ORGANISATION_TYPE_LABELS[t]) for t in OrganisationType]


class PrivacyNoticeForm(BaseForm):
    """The privacy notice (PIPA Art. 30), kept by the secretariat in both languages."""

    text_en = TextAreaField(_l("Notice in English"), validators=[DataRequired(), Length(max=NOTICE_CHARS)])
    text_ko = TextAreaField(_l("Notice in Korean"), validators=[DataRequired(), Length(max=NOTICE_CHARS)])
    submit = SubmitField(_l("Publish as a new version"))


class PaperConsentForm(BaseForm):
    """The secretariat holds the nominee's consent form signed on paper."""

    record_paper = SubmitField(_l("Record the signed form received on paper"))


class PurgeForm(BaseForm):
    """Purge one edition's personal data: its short name typed to confirm (one form per edition, by prefix)."""

    confirmation = StringField(
        _l("Type the edition's short name to confirm"), validators=[DataRequired(), Length(max=SEARCH_CHARS)]
    )
    submit = SubmitField(_l("Purge now"))

    def confirms(self, edition) -> bool:
        return (self.confirmation.data or "").strip() == edition.slug


class NominationImportForm(WorkbookUploadForm):
    """The nominations' workbook, and whether its new contacts may join organisations already registered."""

    join_registered = BooleanField(
        nomination_imports.JOIN_REGISTERED,
        description=_l(
            "Tick only once you have checked with the organisation that each such contact works for it: they will "
            "read and change its nominations."
        ),
    )
