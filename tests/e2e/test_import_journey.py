"""Excel in, in the browser: the secretariat downloads a template, uploads it filled in, reads the problems, fixes
them and imports; a judge scores offline and uploads the workbook."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from awards_app.extensions import db
from awards_app.models import Nomination, NominationStatus, ScoreSheet, SheetStatus
from tests.functional.judging_helpers import assign, criteria, eligible, judging_round
from tests.functional.test_imports import TI, fill, project_row

from .helpers import LAPTOP, TABLET, Screenshots


def _download(page: Page, link: str) -> bytes:
    with page.expect_download() as download:
        page.locator(link).click()
    return download.value.path().read_bytes()


def _upload(page: Page, tmp_path, data: bytes, button: str) -> None:
    path = tmp_path / "filled.xlsx"
    path.write_bytes(data)
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_role("button", name=button).click()


@pytest.mark.parametrize("screen", [LAPTOP, TABLET], ids=["laptop", "tablet"])
def test_the_secretariat_imports_nominations_from_excel(
    page: Page, live_server, world, sign_in, screenshot_dir, tmp_path, screen
):
    page.set_viewport_size(screen)
    shots = Screenshots(page, screenshot_dir, f"en-{'laptop' if screen is LAPTOP else 'tablet'}-import", "en")
    sign_in(world.secretariat.email)
    page.goto(f"{live_server}/secretariat/editions/{world.edition.id}")
    page.get_by_role("link", name="Import nominations").click()
    expect(page.get_by_role("heading", name="Import nominations")).to_be_visible()
    template = _download(page, "#download-template")
    wrong = fill(
        template,
        TI,
        [
            project_row("Bogotá open mobility data"),
            project_row("<b>Bad</b> row", country="Atlantis", **{"Summary": ""}),
        ],
    )
    _upload(page, tmp_path, wrong, "Check and import")
    expect(page.locator(".alert-danger")).to_contain_text("Nothing was saved")
    problems = page.locator("#import-problems tbody tr")
    expect(problems).to_have_count(2)
    expect(problems.first).to_contain_text("Country")
    shots.shoot("problems")
    assert not db.session.scalars(db.select(Nomination)).all()
    right = fill(template, TI, [project_row("Bogotá open mobility data"), project_row("Bogotá bus lanes")])
    _upload(page, tmp_path, right, "Check and import")
    expect(page.locator(".alert-success")).to_contain_text("2 nominations imported and submitted")
    expect(page.locator("tbody tr")).to_have_count(2)
    shots.shoot("imported")
    db.session.rollback()
    assert {n.status for n in db.session.scalars(db.select(Nomination))} == {NominationStatus.SUBMITTED}
    assert not shots.too_wide, shots.too_wide


def test_a_judge_scores_offline_in_excel(page: Page, live_server, world, sign_in, screenshot_dir, tmp_path):
    round_ = judging_round(world)
    nomination = eligible(world, "Kigali smart water meters", organisation=world.other_city)
    assignment = assign(round_, nomination, world.judge)
    rubric = criteria(round_, world.project)
    shots = Screenshots(page, screenshot_dir, "en-laptop-offline", "en")
    sign_in(world.judge.email)
    page.get_by_role("link", name="Score offline in Excel").click()
    expect(page.get_by_role("heading", name="Score offline in Excel")).to_be_visible()
    workbook = _download(page, "#download-offline")
    scores = {f"{i}. {c.name_en}": 8 for i, c in enumerate(rubric, start=1)}
    undeclared = fill(workbook, TI, [{**scores, "Submit": "yes"}])
    _upload(page, tmp_path, undeclared, "Check and upload")
    expect(page.locator("#import-problems")).to_contain_text("Declare whether you have a conflict of interest first.")
    shots.shoot("problems")
    declared = fill(workbook, TI, [{**scores, "Conflict of interest": "No conflict", "Submit": "yes"}])
    _upload(page, tmp_path, declared, "Check and upload")
    expect(page.get_by_role("alert").first).to_contain_text("Submitted: 1; saved as drafts: 0")
    expect(page.get_by_text("1 of 1 done")).to_be_visible()
    shots.shoot("uploaded")
    db.session.rollback()
    sheet = db.session.scalar(db.select(ScoreSheet).where(ScoreSheet.assignment_id == assignment.id))
    assert sheet.status is SheetStatus.SUBMITTED and {int(s.value) for s in sheet.scores} == {8}
