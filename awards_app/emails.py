"""Every e-mail the app sends: who receives it, when, its subject and its text (``templates/email/<name>.txt``).

``services.mail.send_email`` takes the subject from here, so the secretariat's catalogue page shows each e-mail
exactly as it goes out, drawn with the sample people and nomination below in English and in Korean.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from .models import (
    Attachment,
    Award,
    AwardTier,
    Category,
    CategoryKind,
    Edition,
    Nomination,
    NomineeConsent,
    Organisation,
    PresentationSlot,
    Round,
    User,
)
from .rules.presentations import PresentationMode
from .rules.privacy import NOMINEE_LINK_DAYS

Context = dict[str, Any]


@dataclass(frozen=True)
class Email:
    """One kind of e-mail."""

    template: str
    audience: Any  # lazy text: who receives it
    when: Any  # lazy text: what sends it
    subject: Callable[[Context, str], Any]  # the subject, from the e-mail's context and the recipient's language
    #: How many seconds the link it carries works, from the app's settings: a message older than that is not sent
    #: again, since it would only hand over a dead link (the person asks for a new one).
    link_life: Callable[[Mapping[str, Any]], int] | None = None


def _reference(context: Context) -> str:
    return context["nomination"].reference or context["nomination"].title


CATALOGUE: dict[str, Email] = {
    email.template: email
    for email in (
        Email(
            "confirm_email",
            _l("Applicants"),
            _l("On registration: the link that confirms the address and opens the account."),
            lambda c, locale: _l("Confirm your e-mail address"),
            link_life=lambda config: config["CONFIRMATION_MAX_AGE"],
        ),
        Email(
            "registration_attempt",
            _l("Anyone with an account"),
            _l("When someone registers again with an address that already has an account (the page answers the same)."),
            lambda c, locale: _l("Someone tried to register with your address"),
        ),
        Email(
            "reset_password",
            _l("Anyone with an account"),
            _l("When they ask for a new password."),
            lambda c, locale: _l("Reset your password"),
            link_life=lambda config: config["PASSWORD_RESET_MAX_AGE"],
        ),
        Email(
            "invitation",
            _l("Judges and the secretariat; applicants of imported nominations"),
            _l(
                "When the secretariat invites someone, or sends the invitation again; and when someone invited who "
                "never set a password asks to reset it."
            ),
            lambda c, locale: _l("Your invitation to the Seoul Smart City Prize"),
            link_life=lambda config: config["INVITATION_MAX_AGE"],
        ),
        Email(
            "nominee_consent",
            _l("Nominees of a commendation or leadership nomination"),
            _l("When the applicant asks the nominee for their consent."),
            lambda c, locale: _l(
                "Your consent is asked: a nomination for %(category)s",
                category=c["nomination"].category.name(locale),
            ),
            link_life=lambda config: NOMINEE_LINK_DAYS * 24 * 3600,
        ),
        Email(
            "nominee_consent_answered",
            _l("Applicants"),
            _l("When the nominee consents or refuses."),
            lambda c, locale: _l("The nominee answered: %(title)s", title=c["nomination"].title),
        ),
        Email(
            "receipt_submitted",
            _l("Applicants"),
            _l("On submission: the receipt, with the nomination as a PDF."),
            lambda c, locale: _l("Receipt: %(ref)s submitted", ref=c["nomination"].reference),
        ),
        Email(
            "receipt_withdrawn",
            _l("Applicants"),
            _l("When the applicant withdraws a nomination."),
            lambda c, locale: _l("%(ref)s withdrawn", ref=_reference(c)),
        ),
        Email(
            "screening_result",
            _l("Applicants"),
            _l("When the secretariat records a screening decision (the reason only where the secretariat shares it)."),
            lambda c, locale: (
                _l("%(ref)s is eligible", ref=c["nomination"].reference)
                if c["eligible"]
                else _l("%(ref)s is not eligible", ref=c["nomination"].reference)
            ),
        ),
        Email(
            "judging_opened",
            _l("Judges of the round"),
            _l("When the secretariat opens a round: the judge's assignments and the deadline in their time zone."),
            lambda c, locale: _l("Judging is open: %(round)s", round=c["round"].local_name(locale)),
        ),
        Email(
            "assigned",
            _l("Judges"),
            _l("When the secretariat gives a judge a nomination after judging opened (e.g. to replace a recusal)."),
            lambda c, locale: _l("A nomination was assigned to you: %(ref)s", ref=c["nomination"].reference),
        ),
        Email(
            "reminder",
            _l("Judges with unfinished score sheets"),
            _l("When the secretariat presses Remind on the round's progress page."),
            lambda c, locale: _l("Reminder: nominations are waiting for your scores"),
        ),
        Email(
            "result_published",
            _l("Applicants"),
            _l("When the secretariat publishes the results."),
            lambda c, locale: _l("The results of %(edition)s", edition=c["nomination"].edition.local_name(locale)),
        ),
        Email(
            "feedback_released",
            _l("Applicants"),
            _l("When the secretariat first releases the judges' shared comments of a round."),
            lambda c, locale: _l("Feedback on your nomination %(reference)s", reference=c["nomination"].reference),
        ),
        Email(
            "presentation_placed",
            _l("The finalist's applicants and its judges in the round"),
            _l(
                "When the secretariat places a finalist's presentation in the schedule: its time in the person's time "
                "zone and in Seoul's, where it takes place, and a calendar invitation (.ics) attached."
            ),
            lambda c, locale: _l("Presentation scheduled: %(ref)s", ref=_reference(c)),
        ),
        Email(
            "presentation_moved",
            _l("The finalist's applicants and its judges in the round"),
            _l("When the secretariat moves a presentation, or changes its room or link: the calendar update attached."),
            lambda c, locale: _l("Presentation moved: %(ref)s", ref=_reference(c)),
        ),
        Email(
            "presentation_cancelled",
            _l("The finalist's applicants and its judges in the round"),
            _l("When the secretariat removes a presentation from the schedule: the calendar's cancellation attached."),
            lambda c, locale: _l("Presentation cancelled: %(ref)s", ref=_reference(c)),
        ),
        Email(
            "presentation_uninvited",
            _l("A judge no longer on the finalist's panel"),
            _l(
                "When a judge invited to a presentation is taken off the finalist's panel or recused from it: the "
                "calendar's cancellation, for them alone, attached."
            ),
            lambda c, locale: _l("No longer expected at the presentation: %(ref)s", ref=_reference(c)),
        ),
    )
}


def sample_context(template: str, locale: str) -> Context:
    """The context of ``template`` drawn with sample people and a sample nomination (objects outside any session:
    nothing is read from or written to the database)."""
    moment = datetime(2027, 1, 29, 7, 12, tzinfo=UTC)
    edition = Edition(
        name="Seoul Smart City Prize 2027",
        name_ko="2027 서울스마트시티상",
        year=2027,
        time_zone="Asia/Seoul",
        closes_at=moment,
    )
    category = Category(
        edition=edition,
        code="TI",
        kind=CategoryKind.PROJECT,
        name_en="Technology and innovation",
        name_ko="기술 혁신",
    )
    organisation = Organisation(name="Medellín Smart City Office")
    applicant = User(name="Ana Gómez", email="ana.gomez@medellin.example", locale=locale, time_zone="America/Bogota")
    judge = User(name="Lena Berg", email="lena.berg@judges.example", locale=locale, time_zone="Europe/Stockholm")
    staff = User(name="Kim Min-ji", email="minji.kim@wego.example", locale=locale, time_zone="Asia/Seoul")
    nomination = Nomination(
        edition=edition,
        category=category,
        organisation=organisation,
        reference="SSCP-2027-TI-004",
        title="Medellín traffic-light priority for buses",
        screening_reason="",
        submitted_at=moment,
        withdrawn_at=moment,
    )
    round_ = Round(
        edition=edition, name="Online evaluation", name_ko="온라인 심사", closes_at=datetime(2027, 4, 30, 9, tzinfo=UTC)
    )
    link = "https://awards.example.org/…"
    context: Context = {"link": link}
    if template in ("confirm_email", "reset_password"):
        context |= {"user": applicant, "hours": 48 if template == "confirm_email" else 2}
    elif template == "registration_attempt":
        context |= {"user": applicant, "sign_in": link, "reset": link}
    elif template == "invitation":
        context |= {"user": judge, "invited_by": staff, "roles": ["judge"], "days": 14}
    elif template == "nominee_consent":
        context |= {"nomination": nomination, "days": 30}
    elif template == "nominee_consent_answered":
        context |= {"user": applicant, "nomination": nomination, "consent": NomineeConsent(decision="given")}
    elif template in ("receipt_submitted", "receipt_withdrawn"):
        report = Attachment(original_name="project-report.pdf", size=1_482_113, sha256="9f2c" + "0" * 56 + "a71e")
        context |= {
            "user": applicant,
            "nomination": nomination,
            "moment": moment,
            "zones": [edition.time_zone, applicant.time_zone],
            "attachments": [report],
            "with_pdf": template == "receipt_submitted",
        }
    elif template == "screening_result":
        context |= {"user": applicant, "nomination": nomination, "eligible": True}
    elif template == "judging_opened":
        context |= {"judge": judge, "round": round_, "nominations": [nomination]}
    elif template == "assigned":
        context |= {"judge": judge, "round": round_, "nomination": nomination}
    elif template == "reminder":
        context |= {"judge": judge, "round": round_, "unfinished": 3, "assigned": 12}
    elif template == "result_published":
        tier = AwardTier(name_en="Grand prize", name_ko="대상")
        context |= {"user": applicant, "nomination": nomination, "award": Award(tier=tier)}
    elif template.startswith("presentation_"):
        slot = PresentationSlot(
            round=round_,
            nomination=nomination,
            starts_at=datetime(2027, 5, 12, 1, 30, tzinfo=UTC),
            minutes=20,
            mode=PresentationMode.ONLINE,
            link="https://meet.example.org/sscp-finals-b",
            room="",
            sequence=1,
        )
        context |= {
            "user": judge,
            "role": "judge",
            "slot": slot,
            "nomination": nomination,
            "round": round_,
            "zone": judge.time_zone,
            "retimed": True,
        }
    elif template == "feedback_released":
        context |= {"user": applicant, "nomination": nomination, "round": round_}
    return context
