"""A judge in Sweden, from the invitation to the first deadline: the secretariat invites her with her organisation
and country (the page proposes Europe/Stockholm), she confirms them when accepting, is assigned, and reads the
round's deadline in Stockholm time although her browser is set to Seoul."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.functional.judging_helpers import eligible, judging_round
from tests.functional.test_auth import link_in, outbox

from .helpers import sign_out

SHOTS = Path("/tmp/shots")
PASSWORD = "stockholm-pass-phrase"


def test_a_judge_invited_in_sweden_reads_her_deadlines_in_stockholm_time(page: Page, app, live_server, world, sign_in):
    from awards_app.extensions import db
    from awards_app.models import User
    from awards_app.services import assignments as assignments_service

    SHOTS.mkdir(parents=True, exist_ok=True)
    round_ = judging_round(world)
    nomination = eligible(world)
    sign_in(world.secretariat.email)
    page.goto(f"{live_server}/secretariat/people/invite")
    page.locator("#name").fill("Sofia Lindqvist")
    page.locator("#email").fill("sofia@judges.example")
    page.get_by_label("Judge", exact=True).check()
    # Sent without organisation and country: refused, each field saying why.
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Give the organisation: the conflict rules keep a judge off")).to_be_visible()
    expect(page.get_by_text("Choose the country: a round may keep judges off")).to_be_visible()
    page.screenshot(path=str(SHOTS / "invite-1-refused.png"), full_page=True)
    page.locator("#affiliation").fill("City of Gothenburg")
    page.locator("#country_code").select_option("SE")
    # Sweden has one zone: the page proposes it.
    expect(page.locator("#time_zone")).to_have_value("Europe/Stockholm")
    page.screenshot(path=str(SHOTS / "invite-2-form.png"), full_page=True)
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to sofia@judges.example.")).to_be_visible()
    page.screenshot(path=str(SHOTS / "invite-3-people.png"), full_page=True)
    sign_out(page)

    # The invitation link, as the e-mail gives it.
    link = link_in(outbox(app)[-1])
    assert link.startswith("/auth/invitation/"), link
    page.goto(f"{live_server}{link}")
    expect(page.locator("#affiliation")).to_have_value("City of Gothenburg")
    expect(page.locator("#country_code")).to_have_value("SE")
    expect(page.locator("#time_zone")).to_have_value("Europe/Stockholm")
    page.locator("#languages").fill("English, Swedish")
    page.locator("#declared_ties").fill("Nordic Smart City Network\nMalmö")
    page.locator("#password").fill(PASSWORD)
    page.locator("#confirm").fill(PASSWORD)
    for consent in ("consent_collection", "consent_provision", "consent_transfer_abroad"):
        page.locator(f"#{consent}").check()
    page.screenshot(path=str(SHOTS / "invite-4-accept.png"), full_page=True)
    page.get_by_role("button", name="Accept and set password").click()
    expect(page.get_by_text("Welcome, Sofia Lindqvist. Your account is ready.")).to_be_visible()

    # Her profile is complete: she can be assigned, and reads the deadline in her own zone.
    sofia = db.session.scalar(db.select(User).where(User.email == "sofia@judges.example"))
    db.session.refresh(sofia)
    assert (sofia.country_code, sofia.time_zone, sofia.declared_tie_list) == (
        "SE",
        "Europe/Stockholm",
        ["Nordic Smart City Network", "Malmö"],
    )
    added, refused = assignments_service.assign_manually(round_, [nomination.id], [sofia.id], world.secretariat)
    assert (added, refused) == (1, [])
    page.goto(f"{live_server}/judging/")
    deadline = page.locator("time[datetime]").first
    expect(deadline).to_contain_text(re.compile(r"\(UTC\+0[12]:00, Europe/Stockholm\)"))
    page.screenshot(path=str(SHOTS / "invite-5-judge.png"), full_page=True)
