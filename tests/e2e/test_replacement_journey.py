"""A judge recuses; the secretariat replaces them from the progress page in one step, and the new judge finds the
nomination among their assignments (and an e-mail that leads there)."""

import re
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from awards_app.after_response import wait_for_pending
from awards_app.extensions import db
from awards_app.models import Assignment
from awards_app.services import conflicts as conflicts_service
from tests.e2e.helpers import sign_out
from tests.functional.judging_helpers import another_judge, assign, eligible, judging_round


def test_the_secretariat_replaces_a_recused_judge_in_one_step(
    page: Page, live_server, app, world, sign_in, screenshot_dir
):
    nomination = eligible(world)
    round_ = judging_round(world)  # three judges per nomination
    panel = [world.judge, another_judge(), another_judge("judge3@judges.example", "Chen Wei")]
    spare = another_judge("judge4@judges.example", "Amara Okafor")
    for judge, country in zip([*panel, spare], ["PT", "ID", "CN", "NG"], strict=True):
        judge.country_code, judge.affiliation = country, f"University of {country}"
    db.session.commit()
    assignments = [assign(round_, nomination, judge, declared=judge is world.judge) for judge in panel]
    conflicts_service.declare(assignments[2], panel[2], True, "I advised the city on this project.")

    sign_in(world.secretariat.email)
    page.goto(f"{live_server}/secretariat/rounds/{round_.id}/progress")
    row = page.get_by_role("row", name=re.compile(nomination.reference))
    expect(row.get_by_text("Short of 1 judge")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "en-laptop-21-round-progress-short.png"), full_page=True)
    row.get_by_role("button", name=f"Assign a replacement for {nomination.reference}").click()
    expect(page.get_by_role("alert")).to_contain_text(f"{spare.name} assigned and e-mailed.")
    expect(page).to_have_url(re.compile(rf"/secretariat/rounds/{round_.id}/progress"))
    expect(page.get_by_role("row", name=re.compile(nomination.reference)).get_by_text("Short of")).to_have_count(0)

    db.session.expire_all()
    replacement = db.session.scalar(
        sa.select(Assignment).where(Assignment.judge_id == spare.id, Assignment.nomination_id == nomination.id)
    )
    assert replacement is not None
    wait_for_pending(app)  # the e-mail goes once the answer has
    mails = [path.read_text() for path in Path(app.config["MAIL_OUTBOX"]).glob("*.eml")]
    assert len(mails) == 1 and spare.email in mails[0]
    assert f"/judging/assignments/{replacement.id}" in mails[0]

    sign_out(page)
    sign_in(spare.email)
    page.goto(f"{live_server}/judging/")
    expect(page.get_by_role("link", name=re.compile(nomination.reference)).first).to_be_visible()
    page.goto(f"{live_server}/judging/assignments/{replacement.id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(nomination.title)
