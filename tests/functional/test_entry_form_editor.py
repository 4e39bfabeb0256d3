"""The secretariat shapes the entry forms: a form per applicant type, versions that submitted nominations keep,
and an editor that refuses a broken form with a message and changes nothing."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from awards_app.extensions import db
from awards_app.models import AuditEvent, EntryForm, Nomination, NominationStatus, Organisation, OrganisationType, Role
from awards_app.services import ServiceError
from awards_app.services import edition_copy as edition_copy_service
from awards_app.services import nominations as nominations_service
from tests.conftest import complete_project_answers, count, make_user
from tests.e2e.helpers import small_pdf
from tests.functional.judging_helpers import assign, judging_round
from tests.functional.test_imports import TI, fill, project_row, upload


def forms_url(world, applicant_type: str | None = None) -> str:
    base = f"/secretariat/categories/{world.project.id}/forms"
    return f"{base}/{applicant_type}" if applicant_type else base


def field(name: str, label_en: str, label_ko: str, kind: str = "text", **extra: str) -> dict[str, str]:
    """What the editor's field form posts."""
    return {"name": name, "kind": kind, "label_en": label_en, "label_ko": label_ko, "required": "y", **extra}


@pytest.fixture
def corporation(world):
    organisation = Organisation(
        name="Hanul Robotics", type=OrganisationType.CORPORATION, country_code="KR", city="Seoul"
    )
    user = make_user("lee@hanul.example", [Role.APPLICANT], organisation, "Lee Ha-neul")
    db.session.commit()
    return user


def submit_project(client, category_id: int, **extra: str) -> Nomination:
    """Start a nomination and submit it, as the signed-in applicant."""
    answers = complete_project_answers() | extra
    client.post(f"/nominations/new/{category_id}", data=answers)
    nomination = db.session.scalars(sa.select(Nomination).order_by(Nomination.id.desc())).first()
    response = client.post(f"/nominations/{nomination.id}/edit", data=answers | {"submit_entry": "1"})
    assert response.status_code == 302
    db.session.refresh(nomination)
    return nomination


def test_corporations_fill_in_their_own_form_and_cities_the_default(client, auth, world, corporation):
    auth.login(world.secretariat)
    response = client.post(forms_url(world), data={"applicant_type": "corporation"})
    assert response.headers["Location"].endswith(forms_url(world, "corporation"))
    client.post(
        forms_url(world, "corporation") + "/fields",
        data=field("market", "Market and business model", "시장과 사업 모델", "textarea", word_limit="200"),
    )
    client.post(forms_url(world, "corporation") + "/fields/partners/remove")
    listing = client.get(forms_url(world)).get_data(as_text=True)
    assert "Corporation" in listing and "Version 1" in listing
    auth.logout()

    auth.login(world.applicant)  # a city
    page = client.get(f"/nominations/new/{world.project.id}").get_data(as_text=True)
    assert "Market and business model" not in page and 'name="partners"' in page
    auth.logout()

    auth.login(corporation)
    page = client.get(f"/nominations/new/{world.project.id}").get_data(as_text=True)
    assert "Market and business model" in page and 'name="partners"' not in page
    client.post("/language", data={"language": "ko"})
    assert "시장과 사업 모델" in client.get(f"/nominations/new/{world.project.id}").get_data(as_text=True)
    client.post("/language", data={"language": "en"})
    client.post(f"/nominations/new/{world.project.id}", data=complete_project_answers())
    draft = db.session.scalar(sa.select(Nomination))
    refused = client.post(
        f"/nominations/{draft.id}/edit", data=complete_project_answers() | {"submit_entry": "1"}, follow_redirects=True
    )
    assert "Market and business model" in refused.get_data(as_text=True)
    assert db.session.get(Nomination, draft.id).status is NominationStatus.DRAFT
    nomination = submit_project(client, world.project.id, market="Hospitals in three countries buy the robots.")
    assert nomination.status is NominationStatus.SUBMITTED
    assert nomination.entry_form.applicant_type == "corporation"
    assert nomination.answers["market"].startswith("Hospitals") and "partners" not in nomination.answers


def test_a_submitted_nomination_keeps_its_version_after_the_form_changes(client, auth, world):
    auth.login(world.applicant)
    nomination = submit_project(client, world.project.id)
    assert nomination.entry_form is None  # the built-in form
    auth.logout()
    auth.login(world.other_applicant)
    client.post(f"/nominations/new/{world.project.id}", data={"title": "Kigali draft"})
    draft = db.session.scalar(sa.select(Nomination).where(Nomination.status == NominationStatus.DRAFT))
    auth.logout()

    auth.login(world.secretariat)
    edit = client.get(forms_url(world, "any") + "/fields/summary").get_data(as_text=True)
    assert 'value="Summary"' in edit
    posted = field("summary", "Executive summary", "요약문", "textarea", word_limit="300")
    assert client.post(forms_url(world, "any") + "/fields/summary", data=posted).status_code == 302
    client.post(forms_url(world, "any") + "/fields", data=field("budget", "Total budget", "예산 총액", max_chars="100"))
    versions = db.session.scalars(sa.select(EntryForm).order_by(EntryForm.version)).all()
    assert [(f.applicant_type, f.version) for f in versions] == [("any", 1), ("any", 2)]
    assert [f["name"] for f in versions[1].fields][-1] == "budget"
    assert "budget" not in [f["name"] for f in versions[0].fields]
    db.session.refresh(nomination)
    assert nomination.entry_form.version == 1
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action.like("entry_form.%")).order_by(AuditEvent.id)
    ).all()
    assert actions == ["entry_form.field_changed", "entry_form.field_added"]
    trail = client.get("/secretariat/audit").get_data(as_text=True)
    assert "Field summary changed: TI, form for any applicant, version 2" in trail
    assert "Field budget added: TI, form for any applicant, version 2" in trail

    # Screening shows the nomination's own fields.
    detail = client.get(f"/secretariat/nominations/{nomination.id}").get_data(as_text=True)
    assert "Summary" in detail and "Executive summary" not in detail and "Total budget" not in detail
    # The preview shows the new version, and the first one when asked.
    preview = client.get(forms_url(world, "any") + "/preview").get_data(as_text=True)
    assert "Executive summary" in preview and "Total budget" in preview and "Preview" in preview
    assert "disabled" in preview
    first = client.get(forms_url(world, "any") + "/preview?version=1").get_data(as_text=True)
    assert "Executive summary" not in first and "Total budget" not in first
    assert client.get(forms_url(world, "any") + "/preview?version=9").status_code == 404

    # The workbook follows the new version, and an imported row answers it.
    template = client.get(f"/secretariat/editions/{world.edition.id}/import/template.xlsx").data
    headers = [c.value for c in load_workbook(io.BytesIO(template))[TI][1]]
    assert "Total budget *" in headers and "Executive summary *" in headers and "Summary *" not in headers
    row = project_row("Bogotá open mobility data")
    row["Executive summary"] = row.pop("Summary")
    refused = upload(client, f"/secretariat/editions/{world.edition.id}/import", fill(template, TI, [row]))
    assert "Total budget" in refused.get_data(as_text=True) and count(Nomination) == 2
    row["Total budget"] = "Two million euros"
    imported = upload(client, f"/secretariat/editions/{world.edition.id}/import", fill(template, TI, [row]))
    assert imported.status_code == 302
    new = db.session.scalars(sa.select(Nomination).order_by(Nomination.id.desc())).first()
    assert new.entry_form.version == 2 and new.answers["budget"] == "Two million euros"
    assert new.answers["summary"] == complete_project_answers()["summary"]
    auth.logout()

    # The applicant's page and the judge's view show the fields the nomination was written on.
    auth.login(world.applicant)
    page = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert "Summary" in page and "Executive summary" not in page and "Total budget" not in page
    auth.logout()
    nominations_service.screen(nomination, world.secretariat, True, "")
    assignment = assign(judging_round(world), nomination, world.judge, declared=True)
    auth.login(world.judge)
    judged = client.get(f"/judging/assignments/{assignment.id}").get_data(as_text=True)
    assert complete_project_answers()["summary"] in judged
    assert "Executive summary" not in judged and "Total budget" not in judged
    auth.logout()

    # A draft follows the form it will be submitted on.
    auth.login(world.other_applicant)
    editing = client.get(f"/nominations/{draft.id}/edit").get_data(as_text=True)
    assert "Executive summary" in editing and "Total budget" in editing


def test_changes_to_a_version_nobody_submitted_on_stay_in_that_version(client, auth, world):
    auth.login(world.secretariat)
    client.post(forms_url(world, "any") + "/fields", data=field("budget", "Budget", "예산"))
    client.post(forms_url(world, "any") + "/fields/budget/move", data={"step": "-1"})
    forms = db.session.scalars(sa.select(EntryForm)).all()
    assert [(f.version, [r["name"] for r in f.fields][-2:]) for f in forms] == [(1, ["budget", "links"])]


BAD_FIELDS = [
    (field("title", "Another title", "다른 제목"), "Two fields are named “title”"),
    (field("My Field", "Mine", "내 것"), "a field&#39;s name is 1 to 40 lower-case letters"),
    (
        field("details", "Details", "세부", "textarea", condition_field="nothing", condition_value="yes"),
        "no field above is named “nothing”",
    ),
    (field("size", "Size", "규모", "choice"), "a choice needs at least one option"),
    (
        field("size", "Size", "규모", "choice", choices="s | Small"),
        "give each option&#39;s label in English and in Korean",
    ),
    (field("essay", "Essay", "에세이", "textarea", word_limit="0"), "a word limit must be a positive number"),
    (field("essay", "Essay", "에세이", "textarea", word_limit="lots"), "Not a valid integer value"),
    (field("budget", "Budget", ""), "give the label in English and in Korean"),
    (field("budget", "Summary", "예산"), "Two fields have the label “Summary”"),
    (field("budget", "Budget", "예산", max_chars="0"), "the length must be between 1 and 3000"),
]


@pytest.mark.parametrize(("data", "message"), BAD_FIELDS)
def test_the_editor_refuses_a_bad_field_and_changes_nothing(client, auth, world, data, message):
    auth.login(world.secretariat)
    response = client.post(forms_url(world, "any") + "/fields", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert count(EntryForm) == 0
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action.like("entry_form.%"))) == 0


def test_the_editor_refuses_broken_changes_and_changes_nothing(client, auth, world):
    auth.login(world.secretariat)
    client.post(forms_url(world, "any") + "/fields", data=field("has_partner", "Any partner?", "협력 기관?", "yesno"))
    client.post(
        forms_url(world, "any") + "/fields",
        data=field(
            "partner", "Partner", "협력 기관 이름", "textarea", condition_field="has_partner", condition_value="yes"
        ),
    )
    form = db.session.scalar(sa.select(EntryForm))
    before = [dict(row) for row in form.fields]
    attempts = [
        ("/fields/title/remove", {}, "A form needs at least one short text field"),
        ("/fields/has_partner/remove", {}, "no field above is named “has_partner”"),
        ("/fields/partner/move", {"step": "-1"}, "no field above is named “has_partner”"),
        ("/fields/title/move", {"step": "-1"}, "The field cannot move further that way."),
        (
            "/fields/stage",
            field("title", "State", "단계", "choice", choices="a | A | 가"),
            "Two fields are named “title”",
        ),
        ("/fields/nothing/remove", {}, "The form has no field named “nothing”."),
    ]
    for path, data, message in attempts:
        response = client.post(forms_url(world, "any") + path, data=data, follow_redirects=True)
        assert response.status_code == 200, path
        assert message in response.get_data(as_text=True), path
        db.session.expire_all()
        assert db.session.scalar(sa.select(EntryForm)).fields == before, path
    assert count(EntryForm) == 1
    # A type without a form of its own must get one first; an unknown type is not a page.
    refused = client.post(
        forms_url(world, "corporation") + "/fields", data=field("x", "X", "엑스"), follow_redirects=True
    )
    assert "has no form of its own yet" in refused.get_data(as_text=True) and count(EntryForm) == 1
    assert "Choose an applicant type." in client.post(
        forms_url(world), data={"applicant_type": "alien"}, follow_redirects=True
    ).get_data(as_text=True)
    assert client.get(forms_url(world, "alien")).status_code == 404
    assert client.get(forms_url(world, "any") + "/fields/nothing").status_code == 404


def test_a_renamed_field_takes_the_conditions_on_it_along(client, auth, world):
    auth.login(world.secretariat)
    client.post(forms_url(world, "any") + "/fields", data=field("has_partner", "Any partner?", "협력 기관?", "yesno"))
    client.post(
        forms_url(world, "any") + "/fields",
        data=field("partner", "Partner", "협력 기관 이름", condition_field="has_partner", condition_value="yes"),
    )
    client.post(
        forms_url(world, "any") + "/fields/has_partner",
        data=field("has_partners", "Any partner?", "협력 기관?", "yesno"),
    )
    rows = db.session.scalar(sa.select(EntryForm)).fields
    assert rows[-1]["required_if"] == ["has_partners", "yes"] and rows[-1]["required"] is False


def test_only_the_secretariat_shapes_forms(client, auth, world):
    auth.login(world.applicant)
    assert client.post(forms_url(world, "any") + "/fields", data=field("x", "X", "엑스")).status_code == 403
    assert client.get(forms_url(world, "any") + "/preview").status_code == 403
    assert count(EntryForm) == 0


def test_a_copied_edition_takes_the_newest_forms_as_version_1(client, auth, world, corporation):
    auth.login(world.secretariat)
    client.post(forms_url(world), data={"applicant_type": "corporation"})
    client.post(forms_url(world, "corporation") + "/fields", data=field("market", "Market", "시장"))
    auth.logout()
    auth.login(corporation)
    submit_project(client, world.project.id, market="Hospitals.")
    auth.logout()
    auth.login(world.secretariat)
    client.post(forms_url(world, "corporation") + "/fields", data=field("export", "Export", "수출"))
    copied = edition_copy_service.copy_edition(world.edition, world.secretariat)
    assert copied.contents.entry_forms == 1
    category = next(c for c in copied.edition.categories if c.code == "TI")
    assert [(f.applicant_type, f.version) for f in category.entry_forms] == [("corporation", 1)]
    assert [r["name"] for r in category.entry_forms[0].fields][-2:] == ["market", "export"]


def test_a_file_slot_is_answered_by_a_document(client, auth, world):
    auth.login(world.secretariat)
    client.post(
        forms_url(world, "any") + "/fields",
        data=field("budget_sheet", "Budget spreadsheet", "예산표", "file", help_en="The detailed budget."),
    )
    template = client.get(f"/secretariat/editions/{world.edition.id}/import/template.xlsx").data
    assert "Budget spreadsheet" not in [c.value for c in load_workbook(io.BytesIO(template))[TI][1]]
    auth.logout()

    auth.login(world.applicant)
    page = client.get(f"/nominations/new/{world.project.id}").get_data(as_text=True)
    assert 'type="file"' in page and 'name="budget_sheet"' in page and "Budget spreadsheet" in page
    answers = complete_project_answers()
    client.post(f"/nominations/new/{world.project.id}", data=answers)
    nomination = db.session.scalar(sa.select(Nomination))
    refused = client.post(
        f"/nominations/{nomination.id}/edit", data=answers | {"submit_entry": "1"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Attach this document." in refused and "Budget spreadsheet" in refused
    with pytest.raises(ServiceError):
        nominations_service.add_attachment(nomination, world.applicant, "plan.pdf", small_pdf(), "no_such_slot")
    response = client.post(
        f"/nominations/{nomination.id}/edit",
        data=answers | {"submit_entry": "1", "budget_sheet": (io.BytesIO(small_pdf()), "budget.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.refresh(nomination)
    assert nomination.status is NominationStatus.SUBMITTED
    assert [(a.original_name, a.slot) for a in nomination.attachments] == [("budget.pdf", "budget_sheet")]
    view = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert "Budget spreadsheet" in view and "budget.pdf" in view


def test_the_applicant_is_told_when_a_conditional_field_is_required(client, auth, world):
    auth.login(world.secretariat)
    client.post(
        forms_url(world, "any") + "/fields",
        data=field("scale", "Scale", "규모", "choice", choices="city | One city | 한 도시\nnation | Nationwide | 전국"),
    )
    client.post(
        forms_url(world, "any") + "/fields",
        data=field("regions", "Regions", "지역", "textarea", condition_field="scale", condition_value="nation"),
    )
    preview = client.get(forms_url(world, "any") + "/preview").get_data(as_text=True)
    assert "Required when the answer to “Scale” is “Nationwide”." in preview
    assert '<option value="nation">Nationwide</option>' in preview
    client.post("/language", data={"language": "ko"})
    assert '<option value="nation">전국</option>' in client.get(forms_url(world, "any") + "/preview").get_data(
        as_text=True
    )
