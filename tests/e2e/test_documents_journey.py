"""A judge reads the nomination's documents beside the score sheet, on a laptop and on a tablet, in a real browser:
the PDF's pages are there to see, and going to the documents and back loses nothing typed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from awards_app import previews
from awards_app.models import Assignment
from tests.conftest import PASSWORD
from tests.functional.judging_helpers import assign, attach, criteria, eligible, judging_round

from .helpers import LAPTOP, Screenshots, choose_language, reloaded, small_pdf
from .test_accessibility import AXE, audit

TABLET_PORTRAIT = {"width": 768, "height": 1024}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def previews_png() -> bytes:
    """A small image: a blue band over white, 40 by 30 pixels."""
    rows = [(b"\x0b\x3d\x6e" if y < 10 else b"\xff\xff\xff") * 40 for y in range(30)]
    return previews.encode_png(b"".join(rows), 40, 30, 120)


SAVED = re.compile(r"Draft saved \d{1,2} \w{3} \d{4}, \d\d:\d\d \(UTC\+09:00, Asia/Seoul\)")


@pytest.fixture(autouse=True)
def real_csrf(app):
    """Check CSRF tokens as production does (autosave sends its token in a header)."""
    app.config["WTF_CSRF_ENABLED"] = True


@pytest.fixture
def scoring(world):
    """The world's judge, declared, on a nomination with a two-page PDF and a site plan as an image."""
    round_ = judging_round(world)
    nomination = eligible(world, "Odense robot-assisted care")
    attach(nomination, small_pdf("Odense care plan", pages=2), "Odense care plan.pdf")
    return assign(round_, nomination, world.judge, declared=True), criteria(round_, world.project)


def painted(page: Page, image) -> dict:
    """The image's own size and its size on the screen, once the browser has drawn it."""
    expect(image).to_be_visible()
    page.wait_for_function("image => image.complete && image.naturalWidth > 0", arg=image.element_handle())
    return image.evaluate(
        "image => ({natural: image.naturalWidth, width: image.getBoundingClientRect().width,"
        " height: image.getBoundingClientRect().height, left: image.getBoundingClientRect().left})"
    )


@pytest.mark.parametrize("viewport", [LAPTOP, TABLET_PORTRAIT], ids=["laptop", "tablet"])
def test_a_judge_reads_the_pdf_beside_the_score_sheet_and_keeps_what_was_typed(
    page: Page, live_server, world, scoring, sign_in, screenshot_dir, viewport
):
    assignment, rubric = scoring
    page.set_viewport_size(viewport)
    sign_in(world.judge.email)
    page.goto(f"{live_server}/judging/assignments/{assignment.id}")
    shots = Screenshots(page, screenshot_dir, f"documents-{'laptop' if viewport is LAPTOP else 'tablet'}", "en")

    # The switch to the documents is at the top of the nomination; the answers show first.
    documents_tab = page.get_by_role("tab", name="Documents (1)")
    answers_tab = page.get_by_role("tab", name="Answers")
    expect(documents_tab).to_be_in_viewport()
    expect(answers_tab).to_have_attribute("aria-selected", "true")
    expect(page.get_by_text("Older people waited weeks for help.")).to_be_visible()

    # A comment typed, then the documents: the PDF's first page is drawn, and the comment is still there.
    comment = page.get_by_role("group", name=f"1. {rubric[0].name_en}").get_by_label("Comment (optional)")
    comment.fill("The plan's budget is credible.")
    documents_tab.click()
    expect(documents_tab).to_have_attribute("aria-selected", "true")
    expect(page.get_by_text("Older people waited weeks for help.")).to_be_hidden()
    first_page = page.get_by_role("img", name="Odense care plan.pdf, page 1 of 2")
    drawn = painted(page, first_page)
    assert drawn["natural"] == 1200 and drawn["width"] > 300 and drawn["height"] > drawn["width"]
    expect(page.get_by_text("Page 1 of 2", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Download")).to_be_visible()
    expect(comment).to_have_value("The plan's budget is credible.")
    score_sheet = page.locator("#score-sheet")
    if viewport is LAPTOP:
        # Side by side: the page on the left, the score sheet on the right, both on the screen at once.
        expect(score_sheet).to_be_in_viewport()
        expect(first_page).to_be_in_viewport()
        assert drawn["left"] + drawn["width"] <= score_sheet.bounding_box()["x"]
    else:
        # One column: the documents first, in a box of their own so that the score sheet is right under them.
        # Both boxes are read in one step: the page may still be scrolling (Bootstrap's smooth scroll).
        box, sheet = page.evaluate(
            """() => ["#nomination-documents", "#score-sheet"].map((selector) => {
                const r = document.querySelector(selector).getBoundingClientRect();
                return {y: r.top, height: r.height};
            })"""
        )
        assert box["height"] <= 0.75 * viewport["height"] + 1
        assert box["y"] + box["height"] < sheet["y"] < box["y"] + box["height"] + 200
    shots.shoot("pdf-beside-scores")
    if viewport is LAPTOP:
        # Down at the last criterion, the document is still beside it: the nomination keeps its place on screen.
        last_comment = page.locator("#score-sheet textarea").nth(len(rubric) - 1)
        last_comment.scroll_into_view_if_needed()
        expect(last_comment).to_be_in_viewport()
        expect(first_page).to_be_in_viewport()
        shots.shoot("pdf-beside-last-criterion")
    # The second page is drawn too, when scrolled to.
    second_page = page.get_by_role("img", name="Odense care plan.pdf, page 2 of 2")
    second_page.scroll_into_view_if_needed()
    assert painted(page, second_page)["natural"] == 1200

    # Back to the answers: nothing typed is lost, and autosave has kept it on the server.
    answers_tab.click()
    expect(page.get_by_text("Older people waited weeks for help.")).to_be_visible()
    expect(first_page).to_be_hidden()
    expect(comment).to_have_value("The plan's budget is credible.")
    expect(page.locator("#save-status")).to_have_text(SAVED)
    sheet = reloaded(Assignment, assignment.id).sheet
    assert [s.comment for s in sheet.scores if s.criterion_id == rubric[0].id] == ["The plan's budget is credible."]

    # The tab chosen outlives a reload (a draft saved with the button reloads the page).
    documents_tab.click()
    page.reload()
    expect(page.get_by_role("tab", name="Documents (1)")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("img", name="Odense care plan.pdf, page 1 of 2")).to_be_visible()
    assert shots.too_wide == []


@pytest.mark.parametrize("viewport", [LAPTOP, TABLET_PORTRAIT], ids=["laptop", "tablet"])
def test_the_documents_in_korean(page: Page, live_server, world, scoring, sign_in, screenshot_dir, viewport):
    assignment, _ = scoring
    page.set_viewport_size(viewport)
    sign_in(world.judge.email)
    page.goto(f"{live_server}/judging/assignments/{assignment.id}")
    choose_language(page, "ko")
    shots = Screenshots(page, screenshot_dir, f"documents-{'laptop' if viewport is LAPTOP else 'tablet'}-ko", "ko")
    tab = page.locator("#tab-documents")
    expect(tab).not_to_contain_text("Documents")
    tab.click()
    painted(page, page.locator("#nomination-documents img").first)
    shots.shoot("pdf-beside-scores")
    assert shots.too_wide == []


def test_the_tabs_answer_the_keyboard(page: Page, live_server, world, scoring, sign_in):
    assignment, _ = scoring
    sign_in(world.judge.email)
    page.goto(f"{live_server}/judging/assignments/{assignment.id}")
    page.get_by_role("tab", name="Answers").focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name="Documents (1)")).to_be_focused()
    expect(page.get_by_role("tab", name="Documents (1)")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tabpanel")).to_have_count(1)  # the hidden one is out of the tree
    page.keyboard.press("ArrowRight")  # round to the first
    expect(page.get_by_role("tab", name="Answers")).to_be_focused()


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (`make test` fetches it)")
@pytest.mark.parametrize("viewport", [LAPTOP, TABLET_PORTRAIT], ids=["laptop", "tablet"])
def test_the_documents_pass_the_accessibility_audit(browser: Browser, live_server, world, scoring, viewport):
    assignment, _ = scoring
    nomination = assignment.nomination
    attach(nomination, previews_png(), "site plan.png", "image/png")
    attach(nomination, b"PK\x03\x04", "budget.docx", DOCX)
    context = browser.new_context(bypass_csp=True, viewport=viewport, locale="en-GB")  # axe is injected
    page = context.new_page()
    page.goto(f"{live_server}/auth/login")
    page.locator("#email").fill(world.judge.email)
    page.locator("#password").fill(PASSWORD)
    page.locator("#submit").click()
    page.goto(f"{live_server}/judging/assignments/{assignment.id}#nomination-documents")
    expect(page.get_by_role("tab", name="Documents (3)")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("img", name="site plan.png")).to_be_visible()
    problems = audit(page)
    context.close()
    assert not problems, "\n".join(problems)
