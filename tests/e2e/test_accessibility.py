"""Every page passes an automated accessibility audit, and the score sheet works with the keyboard alone.

The audit is axe-core (fetched from the npm registry by ``make test``, see fetch_axe.py) injected into each page
in the real browser. The pages are every GET route of the URL map that answers with HTML, each seen by the kind of
visitor it is for, so a page added later is audited without anyone remembering to list it. Serious and critical
violations fail the test; the message names the page, the rule and the elements.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask import url_for
from playwright.sync_api import Browser, Page, expect

from awards_app.extensions import db
from awards_app.models import Assignment, Role, ScoreSheet, SheetStatus
from awards_app.services import rubrics as rubrics_service
from awards_app.services import sheets as sheets_service
from tests.conftest import PASSWORD, complete_project_answers, make_user
from tests.functional.judging_helpers import assign, criteria, eligible, judging_round
from tests.functional.winners_helpers import previous_edition

from .helpers import LAPTOP, small_pdf

AXE = Path(__file__).resolve().parents[2] / ".venv" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
#: Routes that answer with a file, a redirect or nothing to look at.
NOT_PAGES = {
    "static",
    "bootstrap.static",
    "main.health",
    "main.favicon",
    "main.set_language",
    "auth.logout",
    "nominations.download",
    "nominations.signed_form",
    "nominations.attachment_page",
    "nominations.attachment_image",
    "nominations.delete_attachment",
    "nominations.withdraw",
}

if not AXE.exists():
    reason = f"axe-core is not at {AXE}: `make test` fetches it from the npm registry"
    if os.environ.get("CI", "").lower() == "true" or os.environ.get("REQUIRE_BROWSER") == "1":
        raise RuntimeError(reason)
    pytestmark = pytest.mark.skip(reason=reason)


def audit(page: Page) -> list[str]:
    """Run axe-core on the page; return the serious and critical violations, one readable line each."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    found = []
    for violation in result["violations"]:
        if violation.get("impact") in BLOCKING:
            targets = "; ".join(_node(node) for node in violation["nodes"][:5])
            found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — {targets}")
    return found


def _node(node: dict) -> str:
    """An element axe found, with why (e.g. the contrast it measured)."""
    why = node["any"][0]["message"] if node.get("any") else ""
    return " ".join(node["target"]) + (f" [{why}]" if why else "")


@pytest.fixture
def judged(app, world, nominations):
    """A round with scores, a declared and an undeclared assignment, a draft and a submitted nomination."""
    submitted = nominations.submitted(
        world.project, world.applicant, complete_project_answers(), attachment=("plan.pdf", small_pdf())
    )
    draft = nominations.draft(world.project, world.applicant, {"title": "Odense heat-pump districts"})
    round_ = judging_round(world)
    first = eligible(world, "Kigali smart water meters", organisation=world.other_city)
    second = eligible(world, "Kigali open data portal", organisation=world.other_city)
    colleagues = [make_user(f"judge{i}@judges.example", [Role.JUDGE], name=f"Judge {i}") for i in range(2)]
    db.session.commit()
    rubric = criteria(round_, world.project)
    declared = assign(round_, first, world.judge, declared=True)
    undeclared = assign(round_, second, world.judge)
    for index, colleague in enumerate(colleagues):
        for nomination in (first, second):
            a = assign(round_, nomination, colleague, declared=True)
            sheets_service.save_sheet(
                a,
                colleague,
                sheets_service.SheetInput({c.id: str(5 + index + (nomination is first)) for c in rubric}, {}, "", None),
                submit=True,
            )
    descriptor = rubrics_service.descriptors_of(rubric)[rubric[0].id][0]
    published = previous_edition(world)  # the winners' pages, as a visitor reads them
    return {
        "published": published,
        "round": round_,
        "submitted": submitted,
        "draft": draft,
        "declared": declared,
        "undeclared": undeclared,
        "criterion": rubric[0],
        "descriptor": descriptor,
    }


def _visitor(endpoint: str) -> str:
    if endpoint in ("dossiers.own", "presentations.judge_schedule"):
        return "judge"
    if endpoint.startswith(
        ("secretariat.", "dossiers.", "rounds.", "feedback.", "form_editor.", "mail.", "calibration.")
    ) or endpoint in ("certificates.edition_certificates", "presentations.schedule"):
        return "secretariat"
    if endpoint.startswith("judging."):
        return "judge"
    if endpoint.startswith("nominations.") or endpoint in ("auth.account", "auth.delete_account"):
        return "applicant"
    return "anonymous"


def _pages(app, world, judged) -> dict[str, list[str]]:
    """Every HTML page of the URL map, by the visitor it is for."""
    values = {
        "nomination_id": judged["submitted"].id,
        "edition_id": world.edition.id,
        "category_id": world.project.id,
        "user_id": world.judge.id,
        "token": "expired-or-forged",
        "round_id": judged["round"].id,
        "assignment_id": judged["declared"].id,
        "criterion_id": judged["criterion"].id,
        "descriptor_id": judged["descriptor"].id,
        "applicant_type": "any",
        "field_name": "summary",
        "code": "ABCD-EFGH-JKMN",  # no certificate has it: the page that says so, with its form
        "edition_slug": judged["published"].slug,
        # An address without the name redirects to the winner's page, which the audit reads.
        "winner": str(min(n.id for n in judged["published"].categories[0].nominations)),
    }
    pages: dict[str, list[str]] = {}
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if (
                rule.endpoint in NOT_PAGES
                or "GET" not in rule.methods
                or rule.rule.endswith((".xlsx", ".csv", ".json", ".txt", ".pdf", ".zip", ".docx", ".ics"))
            ):
                continue
            pages.setdefault(_visitor(rule.endpoint), []).append(
                url_for(rule.endpoint, **{arg: values[arg] for arg in rule.arguments})
            )
    pages["applicant"].append(f"/nominations/{judged['draft'].id}/edit")
    pages["judge"].append(f"/judging/assignments/{judged['undeclared'].id}")
    pages["anonymous"].append("/no-such-page")
    return pages


@pytest.mark.parametrize("visitor", ["anonymous", "applicant", "judge", "secretariat"])
def test_every_page_passes_the_accessibility_audit(app, browser: Browser, live_server, world, judged, visitor):
    context = browser.new_context(bypass_csp=True, viewport=LAPTOP, locale="en-GB")  # axe is injected
    page = context.new_page()
    email = {
        "applicant": world.applicant.email,
        "judge": world.judge.email,
        "secretariat": world.secretariat.email,
    }.get(visitor)
    if email:
        page.goto(f"{live_server}/auth/login")
        page.locator("#email").fill(email)
        page.locator("#password").fill(PASSWORD)
        page.locator("#submit").click()
        expect(page.locator("form[action$='/auth/logout']")).to_be_attached()
    problems = []
    pages = sorted(set(_pages(app, world, judged)[visitor]))
    assert pages
    for path in pages:
        page.goto(f"{live_server}{path}")
        problems.extend(f"{path}: {line}" for line in audit(page))
    context.close()
    assert not problems, "\n".join(problems)


def test_the_score_sheet_works_with_the_keyboard_alone(page: Page, live_server, world, judged, sign_in):
    """Tab to each criterion, choose a score by typing, reach Submit and press Enter: the scores are submitted."""
    assignment = judged["declared"]
    sign_in(world.judge.email)
    page.goto(f"{live_server}/judging/assignments/{assignment.id}")
    rubric = criteria(judged["round"], world.project)
    # A score is a group of radios: Tab enters it on its chosen value, digits choose one.
    focused = "element => element.contains(document.activeElement)"
    first = page.locator(f"#score_{rubric[0].id}")
    for _ in range(80):  # from the top of the page, as a keyboard user starts
        page.keyboard.press("Tab")
        if first.evaluate(focused):
            break
    else:
        pytest.fail("the first score cannot be reached with the Tab key")
    for index, criterion in enumerate(rubric):
        group = page.locator(f"#score_{criterion.id}")
        assert group.evaluate(focused), criterion.name_en
        page.keyboard.type(str(7 + index % 3))
        expect(group.locator("input:checked")).to_have_value(str(7 + index % 3))
        page.keyboard.press("Tab")  # to the criterion's comment
        page.keyboard.press("Tab")  # to its "Share with the applicant" tick
        page.keyboard.press("Tab")  # to the next criterion
    submit = page.locator("#submit_scores")
    for _ in range(10):
        if submit.evaluate("element => element === document.activeElement"):
            break
        page.keyboard.press("Tab")
    else:
        pytest.fail("the Submit button cannot be reached with the Tab key")
    focus_ring = submit.evaluate(
        "element => getComputedStyle(element).outlineStyle + getComputedStyle(element).boxShadow"
    )
    assert focus_ring.replace("none", "").strip(), "the focused Submit button shows no focus indicator"
    page.keyboard.press("Enter")
    # The confirmation opens with its confirming button focused: Escape would cancel, Enter confirms.
    expect(page.locator("#confirm-dialog")).to_be_visible()
    expect(page.locator("#confirm-ok")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".alert-success").first).to_be_visible()
    db.session.rollback()
    sheet = db.session.scalar(db.select(ScoreSheet).where(ScoreSheet.assignment_id == assignment.id))
    assert sheet.status is SheetStatus.SUBMITTED
    assert sorted(int(s.value) for s in sheet.scores) == sorted(7 + i % 3 for i in range(len(rubric)))
    assert db.session.get(Assignment, assignment.id) is not None
