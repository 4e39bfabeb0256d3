"""The intake journeys in a real browser: an applicant enters, the secretariat screens, the rules hold."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from playwright.sync_api import Page, expect

from awards_app.extensions import db
from awards_app.models import Attachment, Nomination, NominationStatus, OrganisationType, User
from tests.conftest import complete_project_answers, confirmation_link

from .helpers import choose_language, confirm, reloaded, sign_out, small_pdf

NEW_PASSWORD = "a-long-enough-password"


def field_error(page: Page, field_id: str):
    """The error message shown right after a form field."""
    return page.locator(f"#{field_id} + .invalid-feedback")


def status_badge(page: Page):
    return page.locator("main .fs-5 .badge")


def mailed_confirmation_link(app) -> str:
    """The confirmation link, once the server has sent it (after its answer went out)."""
    for _ in range(100):
        try:
            return confirmation_link(app)
        except (IndexError, AssertionError):
            time.sleep(0.05)
    return confirmation_link(app)


def test_applicant_registers_drafts_and_submits_on_a_second_visit(page: Page, live_server, world, tmp_path, app):
    answers = complete_project_answers("Nairobi flood sensors")
    plan = tmp_path / "plan.pdf"
    plan.write_bytes(small_pdf())

    # First visit: register.
    page.goto(live_server)
    page.get_by_role("link", name="Register to enter").click()
    expect(page.get_by_role("heading", name="Register your organisation")).to_be_visible()
    page.get_by_label("Your name").fill("Wanjiru Kamau")
    page.get_by_label("E-mail").fill("w.kamau@nairobi.example")
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_label("Repeat the password").fill(NEW_PASSWORD)
    page.get_by_label("Organisation", exact=True).fill("Nairobi City County")
    page.get_by_label("Type of organisation").select_option(label="City or regional government")
    page.get_by_label("Country").select_option(label="Kenya")
    page.get_by_label("City", exact=True).fill("Nairobi")
    # Three consents, each its own tick, after the privacy notice (PIPA Arts. 15, 17 and 28-8).
    expect(page.get_by_role("link", name="Privacy notice").first).to_be_visible()
    page.get_by_label("I agree that the personal information in this form is collected").check()
    page.get_by_label("I agree that it is given to the judges").check()
    page.get_by_label("I agree that judges abroad read it").check()
    page.get_by_role("button", name="Create account").click()

    # The account opens from the link e-mailed to the address.
    expect(page.get_by_role("alert")).to_contain_text("Almost done: we have e-mailed a link to w.kamau@nairobi.example")
    page.goto(live_server + mailed_confirmation_link(app))
    expect(page.get_by_role("heading", name="Confirm your e-mail address")).to_be_visible()
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Confirm and continue").click()

    expect(page.get_by_role("alert")).to_contain_text("Welcome! Your account is ready")
    expect(page.get_by_role("heading", name="My nominations")).to_be_visible()
    expect(page.get_by_text("Nairobi City County · City or regional government · Nairobi, Kenya")).to_be_visible()
    user = db.session.scalar(sa.select(User).where(User.email == "w.kamau@nairobi.example"))
    assert user.is_applicant
    assert (user.organisation.type, user.organisation.country_code) == (OrganisationType.CITY, "KE")

    # Start a Tech-InnovaCity nomination, fill part of it, save the draft.
    card = page.locator(".card").filter(has=page.get_by_role("heading", name="Tech-InnovaCity"))
    card.get_by_role("link", name="Start").click()
    expect(page.get_by_role("heading", name="Tech-InnovaCity: new nomination")).to_be_visible()
    page.get_by_label("Project title").fill(answers["title"])
    page.get_by_label("Summary").fill(answers["summary"])
    page.get_by_label("Start date").fill(answers["start_date"])
    page.get_by_label("State of the technology").select_option(label="Deployed in one city")
    page.get_by_role("button", name="Save draft").click()

    expect(page.get_by_role("alert")).to_contain_text("Draft saved. You can come back to it at any time")
    expect(page).to_have_url(re.compile(r"/nominations/\d+/edit$"))
    nomination_id = int(page.url.split("/")[-2])
    draft = reloaded(Nomination, nomination_id)
    assert draft.status is NominationStatus.DRAFT
    assert draft.reference is None
    assert draft.answers["title"] == answers["title"]
    assert draft.answers["problem"] == ""

    sign_out(page)
    expect(page.get_by_role("alert")).to_contain_text("You have signed out.")

    # Second visit: sign in, find the draft, finish it.
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("E-mail").fill("w.kamau@nairobi.example")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My nominations")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=answers["title"])
    expect(row).to_contain_text("Draft")
    expect(row).to_contain_text("—")  # no reference before submission
    row.get_by_role("link", name="Continue").click()

    expect(page.get_by_role("heading", name="Tech-InnovaCity: draft nomination")).to_be_visible()
    expect(page.get_by_label("Project title")).to_have_value(answers["title"])
    expect(page.get_by_label("State of the technology")).to_have_value("deployed")
    for name in ("problem", "solution", "funding", "implementation", "monitoring", "outcomes", "partners", "links"):
        page.locator(f"#{name}").fill(answers[name])
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("alert")).to_contain_text("Draft saved.")

    page.get_by_label("Document", exact=True).set_input_files(plan)
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("alert")).to_contain_text("plan.pdf attached.")
    expect(page.locator("#attachments").get_by_role("link", name="plan.pdf")).to_be_visible()

    page.get_by_role("button", name="Submit nomination").click()
    confirm(page)

    expect(page.get_by_role("alert").first).to_contain_text("Submitted. Your reference is SSCP-2026-TI-001.")
    expect(page.get_by_role("heading", level=1)).to_have_text(answers["title"])
    expect(status_badge(page)).to_have_text("Submitted")
    expect(page.locator("dt:has-text('Reference') + dd")).to_have_text("SSCP-2026-TI-001")
    expect(page.get_by_text("Waiting time fell by 38 percent.")).to_be_visible()
    expect(page.get_by_role("link", name="plan.pdf")).to_be_visible()
    # Read-only: nothing left to edit, and the edit address leads back here.
    expect(page.get_by_role("button", name="Save draft")).to_have_count(0)
    expect(page.get_by_role("button", name="Submit nomination")).to_have_count(0)
    expect(page.get_by_role("link", name="Continue editing")).to_have_count(0)
    page.goto(f"{live_server}/nominations/{nomination_id}/edit")
    expect(page).to_have_url(f"{live_server}/nominations/{nomination_id}")
    page.get_by_role("link", name="My nominations").first.click()
    row = page.get_by_role("row").filter(has_text=answers["title"])
    expect(row).to_contain_text("SSCP-2026-TI-001")
    expect(row.get_by_role("link", name="View")).to_be_visible()
    expect(row.get_by_role("link", name="Continue")).to_have_count(0)

    submitted = reloaded(Nomination, nomination_id)
    assert submitted.status is NominationStatus.SUBMITTED
    assert submitted.reference == "SSCP-2026-TI-001"
    assert submitted.answers == answers
    assert [(a.original_name, a.content_type, a.size) for a in submitted.attachments] == [
        ("plan.pdf", "application/pdf", plan.stat().st_size)
    ]


def test_submitting_with_required_fields_missing_marks_them_and_keeps_the_answers(
    page: Page, live_server, world, sign_in, screenshot_dir
):
    sign_in(world.applicant.email)
    page.goto(f"{live_server}/nominations/new/{world.project.id}")
    page.get_by_label("Project title").fill("Odense robot-assisted care")
    page.get_by_label("Summary").fill("word " * 301)
    page.get_by_label("Problem").fill("Older people waited weeks for help.")
    page.get_by_role("button", name="Submit nomination").click()
    confirm(page)

    expect(page.get_by_role("alert")).to_contain_text("cannot be submitted yet: each problem is listed below")
    # Every problem at the top, as a link to its field; the first field with a problem has the focus.
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("8 problems to fix before submitting:")
    expect(summary.get_by_role("listitem")).to_have_count(8)
    expect(page.locator("#summary")).to_be_focused()
    expect(page.locator("#summary")).to_be_in_viewport()
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(screenshot_dir / "en-laptop-41-submission-problems.png"))
    summary.get_by_role("link", name="Monitoring").click()
    expect(page.locator("#monitoring")).to_be_focused()
    for missing in ("start_date", "stage", "solution", "funding", "implementation", "monitoring", "outcomes"):
        expect(page.locator(f"#{missing}")).to_have_class(re.compile(r"\bis-invalid\b"))
        expect(field_error(page, missing)).to_have_text("This field is required.")
    expect(field_error(page, "summary")).to_have_text("301 words: the limit is 300.")
    # What was typed stays, and the fields that are fine carry no error.
    expect(page.get_by_label("Project title")).to_have_value("Odense robot-assisted care")
    expect(page.get_by_label("Problem")).to_have_value("Older people waited weeks for help.")
    for fine in ("title", "problem", "partners", "links"):
        expect(page.locator(f"#{fine}")).not_to_have_class(re.compile(r"\bis-invalid\b"))
        expect(field_error(page, fine)).to_have_count(0)

    db.session.rollback()
    draft = db.session.scalars(sa.select(Nomination)).one()
    assert (draft.status, draft.reference) == (NominationStatus.DRAFT, None)
    assert draft.answers["problem"] == "Older people waited weeks for help."


LEADERSHIP_ANSWERS = {
    "nominee_name": "Mette Jensen",
    "nominee_position": "Mayor",
    "nominee_organisation": "Odense",
    "term_start": "2020-01-01",
    "achievements": "Led the city's open-data programme.",
}


@pytest.mark.parametrize(
    ("category", "answers"),
    [("project", complete_project_answers()), ("leadership", LEADERSHIP_ANSWERS)],
    ids=["TI", "LD"],
)
def test_fixing_a_refused_first_submission_submits_that_nomination(
    page: Page, live_server, world, sign_in, category, answers
):
    category = getattr(world, category)
    title_field = next(iter(answers))
    sign_in(world.applicant.email)
    page.goto(f"{live_server}/nominations/new/{category.id}")
    page.locator(f"#{title_field}").fill(answers[title_field])
    page.get_by_role("button", name="Submit nomination").click()
    confirm(page)
    expect(page.get_by_role("alert")).to_contain_text("cannot be submitted yet")
    if category is world.leadership:  # a leader is a person: their signed consent comes with the nomination
        page.get_by_label("Signed consent form").set_input_files(
            files=[{"name": "consent.pdf", "mimeType": "application/pdf", "buffer": small_pdf()}]
        )
        page.get_by_role("button", name="Upload the signed form").click()
        expect(page.locator("#nominee-consent")).to_contain_text("signed consent form is on record")

    for name, value in answers.items():
        if name == "stage":
            page.locator("#stage").select_option(value)
        else:
            page.locator(f"#{name}").fill(value)
    page.get_by_role("button", name="Submit nomination").click()
    confirm(page)

    expect(page.get_by_role("alert").first).to_contain_text(
        f"Your reference is SSCP-2026-{category.code}-001", timeout=2000
    )
    db.session.rollback()
    assert db.session.scalars(sa.select(Nomination.status)).all() == [NominationStatus.SUBMITTED]


def test_secretariat_finds_opens_and_screens_nominations(
    page: Page, live_server, world, nominations, sign_in, tmp_path
):
    plan = small_pdf("Odense care plan")
    odense = nominations.submitted(
        world.project, world.applicant, complete_project_answers(), attachment=("plan.pdf", plan)
    )
    kigali = nominations.submitted(
        world.project, world.other_applicant, complete_project_answers("Kigali smart water meters")
    )
    assert (odense.reference, kigali.reference) == ("SSCP-2026-TI-001", "SSCP-2026-TI-002")

    sign_in(world.secretariat.email)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.get_by_role("link", name="Screen submitted nominations (2)")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Nominations").click()
    expect(page.locator("tbody tr")).to_have_count(2)

    page.get_by_label("Search").fill("odense")
    page.get_by_label("Status").select_option(label="Submitted")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"q=odense.*status=submitted"))
    expect(page.locator("tbody tr")).to_have_count(1)
    row = page.locator("tbody tr")
    expect(row).to_contain_text("Odense robot-assisted care")
    expect(row).to_contain_text("City of Odense")
    expect(row).to_contain_text("Denmark")
    row.get_by_role("link", name="SSCP-2026-TI-001").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Odense robot-assisted care")
    expect(status_badge(page)).to_have_text("Submitted")
    expect(page.get_by_text("Waiting time fell by 38 percent.")).to_be_visible()
    expect(page.get_by_text("Ida Jensen <applicant@odense.example>")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="plan.pdf").click()
    saved = tmp_path / "downloaded.pdf"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "plan.pdf"
    assert saved.read_bytes() == plan

    page.get_by_label("Eligible", exact=True).check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("alert")).to_contain_text("SSCP-2026-TI-001 marked eligible.")
    expect(status_badge(page)).to_have_text("Eligible")
    expect(page.get_by_label("Eligible", exact=True)).to_be_checked()
    assert reloaded(Nomination, odense.id).status is NominationStatus.ELIGIBLE

    # Ineligible needs a reason: refused at the Reason field, and nothing changes.
    # The breadcrumb goes back to the list as it was filtered; the main menu's link to the whole list.
    page.get_by_role("navigation", name="breadcrumb").get_by_role("link", name="Nominations").click()
    expect(page).to_have_url(re.compile(r"status=submitted&q=odense"))
    expect(page.get_by_text("0 nominations match.")).to_be_visible()  # screened: no longer "submitted"
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Nominations").click()
    page.get_by_role("link", name="SSCP-2026-TI-002").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kigali smart water meters")
    page.get_by_label("Ineligible", exact=True).check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Give the reason a nomination is ineligible.")).to_be_visible()
    expect(status_badge(page)).to_have_text("Submitted")
    expect(page.get_by_label("Ineligible", exact=True)).to_be_checked()
    kigali = reloaded(Nomination, kigali.id)
    assert (kigali.status, kigali.screened_at) == (NominationStatus.SUBMITTED, None)


def test_ineligible_without_a_reason_is_reported_at_the_reason_field(
    page: Page, live_server, world, nominations, sign_in
):
    nomination = nominations.submitted(world.project, world.applicant, complete_project_answers())
    sign_in(world.secretariat.email)
    page.goto(f"{live_server}/secretariat/nominations/{nomination.id}")
    page.get_by_label("Ineligible", exact=True).check()
    page.get_by_role("button", name="Record decision").click()

    expect(page.get_by_label("Reason", exact=True)).to_have_class(re.compile(r"\bis-invalid\b"), timeout=2000)
    expect(page.locator("#reason ~ .invalid-feedback")).to_have_text("Give the reason a nomination is ineligible.")


def test_submission_after_the_deadline_is_refused(page: Page, live_server, world, nominations, sign_in):
    draft = nominations.draft(world.project, world.applicant, complete_project_answers())
    sign_in(world.applicant.email)
    page.goto(f"{live_server}/nominations/{draft.id}/edit")
    expect(page.get_by_role("button", name="Submit nomination")).to_be_enabled()

    # The deadline passes while the applicant has the form open.
    world.edition.closes_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    page.get_by_role("button", name="Submit nomination").click()
    confirm(page)

    expect(page.locator(".alert-danger")).to_contain_text(
        re.compile(
            r"The deadline passed on \d{1,2} \w{3} \d{4}, \d\d:\d\d \(UTC\+09:00, Asia/Seoul\): "
            r"the nomination can no longer be changed\."
        )
    )
    expect(page.get_by_text("This draft was not submitted before the deadline.")).to_be_visible()
    expect(page.locator("dt:has-text('Call for entries') + dd")).to_contain_text("Closed")
    expect(status_badge(page)).to_have_text("Draft")
    expect(page.get_by_role("button", name="Submit nomination")).to_have_count(0)
    draft = reloaded(Nomination, draft.id)
    assert (draft.status, draft.reference, draft.submitted_at) == (NominationStatus.DRAFT, None, None)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("plan.pdf", b"<!DOCTYPE html><html><body><script>alert('pwned')</script></body></html>"),
        ("report.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(200)),
    ],
    ids=["html-as-pdf", "exe-as-pdf"],
)
def test_disguised_upload_is_refused(page: Page, live_server, world, nominations, sign_in, tmp_path, name, content):
    draft = nominations.draft(world.project, world.applicant, complete_project_answers())
    disguised = tmp_path / name
    disguised.write_bytes(content)
    sign_in(world.applicant.email)
    page.goto(f"{live_server}/nominations/{draft.id}/edit")

    page.get_by_label("Document", exact=True).set_input_files(disguised)
    page.get_by_role("button", name="Upload").click()

    expect(page.get_by_role("alert")).to_contain_text(
        f"{name} was refused: only PDF, PNG, JPEG, DOCX, XLSX and PPTX files are accepted"
    )
    expect(page.locator("#attachments")).to_contain_text("No documents attached.")
    expect(page.locator("#attachments").get_by_role("link", name=name)).to_have_count(0)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


def test_language_switch_shows_korean_and_remembers_it(page: Page, live_server, world, app):
    with app.test_request_context(), force_locale("ko"):
        register_ko = gettext("Register")  # the catalogue's word, whether or not it is translated yet
    page.goto(live_server)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Tech-InnovaCity")).to_be_visible()

    page.get_by_role("button", name="한국어").click()

    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.get_by_role("button", name="한국어")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("heading", name="기술혁신")).to_be_visible()  # the category's Korean name
    expect(page.get_by_role("heading", name="Tech-InnovaCity")).to_have_count(0)

    # The next page keeps the language.
    page.locator("nav.navbar").get_by_role("link", name=register_ko, exact=True).click()
    expect(page).to_have_url(f"{live_server}/auth/register")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.locator("#country option[value=KR]")).to_have_text("대한민국")

    choose_language(page, "en")
    expect(page.locator("#country option[value=KR]")).to_have_text("South Korea")
