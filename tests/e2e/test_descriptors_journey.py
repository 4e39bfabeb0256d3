"""Level descriptors in a real browser: the secretariat describes a range, and the judge reads it by the score."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from awards_app.models import LevelDescriptor
from awards_app.services import rubrics as rubrics_service
from tests.functional.judging_helpers import assign, criteria, eligible, judging_round

from .helpers import LAPTOP, TABLET, Screenshots, choose_language, reloaded, sign_out

NEW_EN = "Exemplary: replicated by another city, with measured results."
NEW_KO = "탁월함: 다른 도시가 재현했고 성과가 측정됨"


@pytest.fixture(autouse=True)
def real_csrf(app):
    """Check CSRF tokens as production does: the descriptor forms carry theirs."""
    app.config["WTF_CSRF_ENABLED"] = True


def test_the_secretariat_adds_a_descriptor_and_the_judge_sees_it_beside_the_score(
    page: Page, live_server, world, sign_in, screenshot_dir
):
    round_ = judging_round(world)
    rubric = criteria(round_, world.project)
    assignment = assign(round_, eligible(world), world.judge, declared=True)
    first = rubric[0]

    # The secretariat goes from the round to the rubric, then to the first criterion's descriptors.
    sign_in(world.secretariat.email)
    page.goto(f"{live_server}/secretariat/rounds/{round_.id}")
    page.get_by_role("link", name="Rubric", exact=True).click()
    expect(page.get_by_text("5 ranges described").first).to_be_visible()
    Screenshots(page, screenshot_dir, "descriptors-rubric-en-1366", "en").shoot("rubric")
    page.get_by_role("link", name="Level descriptors · Criterion 1").click()
    expect(page.get_by_role("heading", name=f"Level descriptors of {first.name_en}")).to_be_visible()

    # The defaults cover the whole scale: a range that overlaps one of them is refused, and says which.
    page.get_by_label("From score").fill("8")
    page.get_by_label("To score").fill("10")
    page.get_by_label("What it means (English)").fill(NEW_EN)
    page.get_by_role("button", name="Save descriptor").click()
    expect(page.get_by_role("alert")).to_contain_text("This range overlaps the range 7–8 of the same criterion")
    expect(page.get_by_label("What it means (English)")).to_have_value(NEW_EN)  # what was typed is kept

    # Remove the 9–10 descriptor and describe that range anew, in both languages.
    page.get_by_role("button", name="Remove 9–10").click()
    expect(page.get_by_role("alert")).to_contain_text("Descriptor removed.")
    page.get_by_label("From score").fill("9")
    page.get_by_label("To score").fill("10")
    page.get_by_label("What it means (English)").fill(NEW_EN)
    page.get_by_label("What it means (Korean)").fill(NEW_KO)
    page.get_by_role("button", name="Save descriptor").click()
    expect(page.get_by_role("alert")).to_contain_text("Descriptor saved.")
    expect(page.get_by_role("row").filter(has_text=NEW_EN)).to_contain_text("9–10")
    added = reloaded(LevelDescriptor, rubrics_service.descriptors_of([first])[first.id][-1].id)
    assert (added.lowest, added.highest, added.text_en, added.text_ko) == (9, 10, NEW_EN, NEW_KO)
    for language, size in [("en", LAPTOP), ("en", TABLET), ("ko", TABLET), ("ko", LAPTOP)]:
        page.set_viewport_size(size)
        if page.locator("html").get_attribute("lang") != language:
            choose_language(page, language)
        shots = Screenshots(page, screenshot_dir, f"descriptors-secretariat-{language}-{size['width']}", language)
        shots.shoot("criterion")
        assert not shots.too_wide, shots.too_wide
    choose_language(page, "en")
    page.set_viewport_size(LAPTOP)
    sign_out(page)

    # The judge reads it inside the criterion's fieldset, and the score input is described by the table.
    sign_in(world.judge.email)
    page.goto(f"{live_server}/judging/assignments/{assignment.id}")
    fieldset = page.get_by_role("group", name=f"1. {first.name_en}")
    descriptors = fieldset.get_by_role("table", name="What the scores mean")
    expect(descriptors).to_contain_text("9–10")
    expect(descriptors).to_contain_text(NEW_EN)
    expect(descriptors.get_by_role("row")).to_have_count(5)
    described_by = re.compile(rf"(^| )descriptors-{first.id}( |$)")
    expect(page.locator(f"#score_{first.id}")).to_have_attribute("aria-describedby", described_by)
    for language, size in [("en", LAPTOP), ("en", TABLET)]:
        page.set_viewport_size(size)
        Screenshots(page, screenshot_dir, f"descriptors-judge-{language}-{size['width']}", language).shoot("sheet")

    choose_language(page, "ko")
    fieldset = page.get_by_role("group", name=f"1. {first.name_ko}")
    descriptors = fieldset.get_by_role("table", name="점수의 의미")
    expect(descriptors).to_contain_text(NEW_KO)
    expect(descriptors).not_to_contain_text(NEW_EN)
    for size in (TABLET, LAPTOP):
        page.set_viewport_size(size)
        Screenshots(page, screenshot_dir, f"descriptors-judge-ko-{size['width']}", "ko").shoot("sheet")


def test_the_rubrics_weights_read_as_shares_while_typed_and_on_the_rounds_overview(
    page: Page, live_server, world, sign_in
):
    round_ = judging_round(world)
    rubric = criteria(round_, world.project)
    sign_in(world.secretariat.email)
    page.goto(f"{live_server}/secretariat/rounds/{round_.id}")
    overview = page.get_by_role("row").filter(has_text=world.project.code)
    total = sum(c.weight for c in rubric)
    expect(overview).to_contain_text(f"{rubric[0].name_en} {100 * rubric[0].weight / total:.1f} %")

    page.get_by_role("link", name="Rubric", exact=True).click()
    share = page.locator("output[for='criteria-0-weight']")
    expect(share).to_have_text(f"{100 * rubric[0].weight / total:.1f} % of the total")
    # Typed, not saved: every share follows at once.
    page.locator("#criteria-0-weight").fill(str(rubric[0].weight + total))
    expect(share).to_have_text(f"{100 * (rubric[0].weight + total) / (2 * total):.1f} % of the total")
    expect(page.locator("output[for='criteria-1-weight']")).to_have_text(
        f"{100 * rubric[1].weight / (2 * total):.1f} % of the total"
    )
    # A row without a name is removed on saving: it counts for nothing.
    page.locator("#criteria-1-name_en").fill("")
    page.locator("#criteria-1-name_ko").fill("")
    expect(page.locator("output[for='criteria-1-weight']")).to_have_text("")
