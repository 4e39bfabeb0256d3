"""The guided season on the edition's page, and the two openings the secretariat does explicitly: the call's and a
round's (which e-mails each judge their nominations and the deadline, in their language and time zone)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from awards_app.i18n import format_in_zone
from awards_app.models import AuditEvent
from tests.functional.judging_helpers import another_judge, assign, eligible, judging_round


def _steps(page: str) -> list[tuple[str, str]]:
    """(title, state) of each step, in order."""
    return re.findall(
        r'<span class="fw-semibold small">\d+\. ([^<]+)</span>\s*<span class="badge[^"]*">([^<]+)</span>', page
    )


def test_the_edition_page_shows_the_season_as_steps_with_what_is_missing(client, auth, world, db):
    auth.login(world.secretariat)
    page = client.get(f"/secretariat/editions/{world.edition.id}").data.decode()
    steps = _steps(page)
    assert [title for title, _state in steps] == [
        "Edition and categories",
        "Call for entries",
        "Screening",
        "Rounds and rubrics",
        "Judges invited",
        "Assignment",
        "Judging",
        "Results",
        "Award tiers",
        "Publication",
    ]
    # The fixture's categories have no tiers yet: that is the step to do now.
    assert steps[0] == ("Edition and categories", "Now")
    assert "Categories without award tiers: <strong>2</strong>" in page
    assert 'aria-current="step"' in page


def test_opening_the_call_now_keeps_its_deadline_and_is_audited(client, auth, world, db):
    world.edition.opens_at = datetime.now(UTC) + timedelta(days=3)
    db.session.commit()
    deadline = world.edition.closes_at
    auth.login(world.secretariat)
    page = client.get(f"/secretariat/editions/{world.edition.id}").data.decode()
    assert "Open the call now" in page and "Applicants can register and submit nominations from now" in page
    response = client.post(f"/secretariat/editions/{world.edition.id}/open-call", follow_redirects=True)
    assert "The call is open: applicants can submit until the deadline." in response.data.decode()
    db.session.refresh(world.edition)
    assert world.edition.is_open() and world.edition.closes_at == deadline
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "edition.call_opened"))
    # Again: it is open already, and nothing changes.
    opened = world.edition.opens_at
    response = client.post(f"/secretariat/editions/{world.edition.id}/open-call", follow_redirects=True)
    assert "The call is already open, or has closed." in response.data.decode()
    db.session.refresh(world.edition)
    assert world.edition.opens_at == opened


def test_opening_a_round_now_tells_each_judge_in_their_language_and_zone(client, auth, world, db, smtp_inbox):
    round_ = judging_round(world, opens=timedelta(days=2), closes=timedelta(days=20))
    korean = another_judge("kim@judges.example", "Kim Ji-woo")
    korean.locale, korean.time_zone = "ko", "Asia/Seoul"
    world.judge.time_zone = "Europe/Stockholm"
    db.session.commit()
    one, two = eligible(world, "Robot care"), eligible(world, "Harbour buses")
    for nomination in (one, two):
        assign(round_, nomination, world.judge)
    assign(round_, one, korean)
    auth.login(world.secretariat)
    page = client.get(f"/secretariat/rounds/{round_.id}").data.decode()
    assert "Open the round now" in page and "each is e-mailed their nominations" in page

    response = client.post(f"/secretariat/rounds/{round_.id}/open", follow_redirects=True)
    assert "The round is open: 2 judges were e-mailed their nominations and the deadline." in response.data.decode()
    db.session.refresh(round_)
    assert round_.is_open()
    mails = {
        envelope[1][0]: message for envelope, message in zip(smtp_inbox.envelopes, smtp_inbox.messages, strict=True)
    }
    english = mails[world.judge.email].get_body(("plain",)).get_content()
    assert mails[world.judge.email]["Subject"] == "Judging is open: Online evaluation"
    assert "The 2 nominations assigned to you:" in english
    assert f"{one.reference} · Robot care" in english and f"{two.reference} · Harbour buses" in english
    assert format_in_zone(round_.closes_at, "Europe/Stockholm") in english
    korean_mail = mails[korean.email].get_body(("plain",)).get_content()
    assert "안녕하십니까" in korean_mail and "Judging is open" not in korean_mail  # in Korean, as the judge chose
    assert "Asia/Seoul" in korean_mail
    assert one.reference in korean_mail and two.reference not in korean_mail
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "round.opened"))
    # Open already: refused, no second e-mail.
    client.post(f"/secretariat/rounds/{round_.id}/open")
    assert len(smtp_inbox.messages) == 2


def test_only_the_secretariat_opens(client, auth, world, db):
    round_ = judging_round(world, opens=timedelta(days=2))
    auth.login(world.judge)
    assert client.post(f"/secretariat/rounds/{round_.id}/open").status_code == 403
    assert client.post(f"/secretariat/editions/{world.edition.id}/open-call").status_code == 403
    db.session.refresh(round_)
    assert not round_.is_open()
