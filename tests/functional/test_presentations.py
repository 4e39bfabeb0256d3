"""The finals' schedule: the secretariat places, moves and removes presentations; the finalist's applicants and
its judges receive the calendar invitation, its update and its cancellation through a real mail server, and see
the slot in their own time zone; nobody else sees it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from awards_app.models import (
    AuditEvent,
    Conflict,
    MailStatus,
    NominationStatus,
    OutgoingMail,
    PresentationSlot,
    Role,
)
from awards_app.services import mail as mail_service
from tests.conftest import make_user
from tests.functional.judging_helpers import assign, eligible, judging_round

SEOUL = ZoneInfo("Asia/Seoul")


@pytest.fixture
def finals(app, db, world):
    """A finalists' round of 30 days with two finalists; a judge in São Paulo judging the first, a recused judge
    and an unassigned one; the Odense applicant in Seoul's zone."""
    round_ = judging_round(world, name="Finalists", closes=timedelta(days=30))
    odense = eligible(world, "Odense robot-assisted care")
    kigali = eligible(world, "Kigali smart water", organisation=world.other_city)
    world.judge.time_zone = "America/Sao_Paulo"
    world.applicant.time_zone = "Asia/Seoul"
    recused = make_user("recused@judges.example", [Role.JUDGE], name="Recused Judge")
    unassigned = make_user("unassigned@judges.example", [Role.JUDGE], name="Unassigned Judge")
    db.session.commit()
    assign(round_, odense, world.judge, declared=True)
    assign(round_, odense, recused)
    db.session.add(Conflict(judge_id=recused.id, nomination_id=odense.id, reason="Advised", recorded_by_id=recused.id))
    db.session.commit()
    day = (datetime.now(SEOUL) + timedelta(days=10)).date()
    return {
        "round": round_,
        "odense": odense,
        "kigali": kigali,
        "recused": recused,
        "unassigned": unassigned,
        "day": day,
    }


def _slot_form(nomination, day, at="14:00", minutes=30, mode="online", room="", link="https://meet.example.org/a"):
    return {
        "nomination": str(nomination.id),
        "day": day.isoformat(),
        "at": at,
        "minutes": str(minutes),
        "mode": mode,
        "room": room,
        "link": link,
    }


def _place(client, finals, **kwargs):
    nomination = kwargs.pop("nomination", finals["odense"])
    return client.post(
        f"/secretariat/rounds/{finals['round'].id}/presentations",
        data=_slot_form(nomination, kwargs.pop("day", finals["day"]), **kwargs),
    )


def _calendar(message) -> Calendar:
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_filename().endswith(".ics")
    return Calendar.from_ical(part.get_payload(decode=True))


def _event(calendar: Calendar):
    (event,) = calendar.walk("VEVENT")
    return event


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_placing_moving_and_removing_send_the_invitation_its_update_and_its_cancellation(
    client, auth, world, db, finals, smtp_inbox
):
    auth.login(world.secretariat)
    response = _place(client, finals)
    assert response.status_code == 302
    slot = db.session.scalar(sa.select(PresentationSlot))
    expected_start = datetime.combine(finals["day"], datetime.min.time(), SEOUL).replace(hour=14).astimezone(UTC)
    assert slot.starts_at == expected_start and slot.sequence == 0

    # The finalist's applicant and its judge, each in their own message; never the recused judge nor another applicant.
    assert sorted(rcpt for _from, (rcpt,) in smtp_inbox.envelopes) == sorted([world.applicant.email, world.judge.email])
    uids = set()
    for message, (_from, (recipient,)) in zip(smtp_inbox.messages, smtp_inbox.envelopes, strict=True):
        assert message["Subject"] == f"Presentation scheduled: {finals['odense'].reference}"
        calendar = _calendar(message)
        assert str(calendar["METHOD"]) == "REQUEST"
        event = _event(calendar)
        uids.add(str(event["UID"]))
        assert event.decoded("DTSTART") == expected_start
        assert event.decoded("DTEND") == expected_start + timedelta(minutes=30)
        assert int(event["SEQUENCE"]) == 0
        assert str(event["ORGANIZER"]) == "mailto:noreply@localhost"
        attendees = event["ATTENDEE"]
        assert str(attendees) == f"mailto:{recipient}"  # one attendee: the recipient alone
        assert str(event["URL"]) == "https://meet.example.org/a"
    assert uids == {slot.uid}
    by_recipient = dict(zip((e[1][0] for e in smtp_inbox.envelopes), smtp_inbox.messages, strict=True))
    judge_text = _text(by_recipient[world.judge.email])
    # The judge reads São Paulo's time (12 hours behind Seoul), with Seoul's beside it.
    assert "02:00 (UTC-03:00, America/Sao_Paulo)" in judge_text
    assert "14:00 (UTC+09:00, Asia/Seoul)" in judge_text
    assert "/judging/presentations" in judge_text
    applicant_text = _text(by_recipient[world.applicant.email])
    assert applicant_text.count("Asia/Seoul") == 1  # the applicant's own zone is Seoul's: shown once
    assert f"/nominations/{finals['odense'].id}" in applicant_text

    # Moved: the same event, its SEQUENCE one higher, the "moved" wording.
    smtp_inbox.messages.clear()
    smtp_inbox.envelopes.clear()
    assert _place(client, finals, at="15:30").status_code == 302
    assert len(smtp_inbox.messages) == 2
    for message in smtp_inbox.messages:
        assert message["Subject"] == f"Presentation moved: {finals['odense'].reference}"
        assert "has moved to a new time" in _text(message)
        calendar = _calendar(message)
        event = _event(calendar)
        assert str(calendar["METHOD"]) == "REQUEST" and str(event["UID"]) == slot.uid
        assert int(event["SEQUENCE"]) == 1
        assert event.decoded("DTSTART") == expected_start + timedelta(minutes=90)

    # A new room only: an update as well, which says the time stands.
    smtp_inbox.messages.clear()
    smtp_inbox.envelopes.clear()
    assert _place(client, finals, at="15:30", mode="seoul", room="COEX Room 301", link="").status_code == 302
    event = _event(_calendar(smtp_inbox.messages[0]))
    assert int(event["SEQUENCE"]) == 2 and str(event["LOCATION"]) == "Seoul, COEX Room 301"
    assert "URL" not in event
    assert "its time has not" in _text(smtp_inbox.messages[0])

    # Removed: the cancellation of the same event.
    smtp_inbox.messages.clear()
    smtp_inbox.envelopes.clear()
    response = client.post(
        f"/secretariat/rounds/{finals['round'].id}/presentations/remove", data={"nomination": finals["odense"].id}
    )
    assert response.status_code == 302
    assert len(smtp_inbox.messages) == 2
    for message in smtp_inbox.messages:
        assert message["Subject"] == f"Presentation cancelled: {finals['odense'].reference}"
        calendar = _calendar(message)
        event = _event(calendar)
        assert str(calendar["METHOD"]) == "CANCEL" and str(event["UID"]) == slot.uid
        assert int(event["SEQUENCE"]) == 3 and str(event["STATUS"]) == "CANCELLED"
    db.session.refresh(slot)
    assert slot.cancelled_at is not None
    page = client.get(f"/secretariat/rounds/{finals['round'].id}/presentations").get_data(as_text=True)
    assert "0 of 2 finalists placed" in page and "Not placed" in page

    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action.like("presentation.%")).order_by(AuditEvent.id)
    ).all()
    assert actions == ["presentation.placed", "presentation.moved", "presentation.moved", "presentation.removed"]


def test_an_overlap_is_refused_and_nothing_changes(client, auth, world, db, finals, smtp_inbox):
    auth.login(world.secretariat)
    room = {"mode": "seoul", "room": "COEX Room 301", "link": ""}
    assert _place(client, finals, nomination=finals["kigali"], at="10:00", **room).status_code == 302
    sent, events = len(smtp_inbox.messages), db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))

    response = _place(client, finals, at="10:15", mode="seoul", room="  coex   room 301 ", link="")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    kigali = finals["kigali"].reference
    assert f"The same room or meeting is taken then by {kigali}" in text
    assert db.session.scalar(sa.select(sa.func.count(PresentationSlot.id))) == 1
    assert len(smtp_inbox.messages) == sent
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == events
    assert 'value="10:15"' in text  # what was typed stays in the form

    # Touching ends, or another room at the same time, are fine.
    assert _place(client, finals, at="10:30", **room).status_code == 302
    assert _place(client, finals, at="10:15", mode="seoul", room="COEX Room 302", link="").status_code == 302


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"day": "past"}, "That time has already passed."),
        ({"day": "after"}, "the presentation must end by then"),
        ({"mode": "seoul", "room": "", "link": ""}, "Name the room in Seoul."),
        ({"link": "javascript:alert(1)"}, "must be a web address starting with https://"),
        ({"minutes": 2}, "Number must be between 5 and 240"),
        ({"at": "25:99"}, "Not a valid time value"),
    ],
)
def test_bad_slots_are_refused_with_a_clear_message(client, auth, world, db, finals, change, message):
    auth.login(world.secretariat)
    if change.get("day") == "past":
        change = {**change, "day": finals["day"] - timedelta(days=40)}
    elif change.get("day") == "after":
        change = {**change, "day": finals["day"] + timedelta(days=40)}
    response = _place(client, finals, **change)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(PresentationSlot.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(OutgoingMail.id))) == 0


def test_only_a_finalist_of_the_round_gets_a_slot(client, auth, world, db, finals):
    auth.login(world.secretariat)
    draft = eligible(world, "Not in the round", category=world.leadership)
    response = client.post(
        f"/secretariat/rounds/{finals['round'].id}/presentations", data=_slot_form(draft, finals["day"])
    )
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(PresentationSlot.id))) == 0


def test_each_sees_the_slot_in_their_own_zone_and_nobody_else_sees_it(client, auth, world, db, finals):
    auth.login(world.secretariat)
    assert _place(client, finals, at="09:00").status_code == 302
    slot = db.session.scalar(sa.select(PresentationSlot))
    ics_url = f"/presentations/{finals['round'].id}/{finals['odense'].id}.ics"
    page = client.get(f"/secretariat/rounds/{finals['round'].id}/presentations").get_data(as_text=True)
    assert "Times are shown and typed in your time zone, Asia/Seoul (UTC+09:00)" in page
    assert "1 of 2 finalists placed" in page
    auth.logout()

    # The judge, in São Paulo: 21:00 the evening before, with Seoul's 09:00 beside it.
    auth.login(world.judge)
    page = client.get("/judging/presentations").get_data(as_text=True)
    local = slot.starts_at.astimezone(ZoneInfo("America/Sao_Paulo"))
    assert local.strftime("%H:%M") == "21:00"
    assert "America/Sao_Paulo (UTC-03:00)" in page
    assert f"{local.day} " in page and "21:00" in page and "09:00" in page
    assert finals["odense"].reference in page and "https://meet.example.org/a" in page
    download = client.get(ics_url)
    assert download.status_code == 200 and download.mimetype == "text/calendar"
    calendar = Calendar.from_ical(download.data)
    assert str(calendar["METHOD"]) == "PUBLISH" and str(_event(calendar)["UID"]) == slot.uid
    auth.logout()

    # The finalist's applicant, in Seoul, on the nomination's page.
    auth.login(world.applicant)
    page = client.get(f"/nominations/{finals['odense'].id}").get_data(as_text=True)
    assert "Your presentation" in page and "09:00 (UTC+09:00, Asia/Seoul)" in page
    assert "Seoul time:" not in page  # their zone is Seoul's
    assert "https://meet.example.org/a" in page and ics_url in page
    assert client.get(ics_url).status_code == 200
    world.applicant.time_zone = "Europe/Copenhagen"
    db.session.commit()
    page = client.get(f"/nominations/{finals['odense'].id}").get_data(as_text=True)
    assert "(UTC+01:00, Europe/Copenhagen)" in page or "(UTC+02:00, Europe/Copenhagen)" in page
    assert "Seoul time:" in page
    auth.logout()

    # Nobody else: another finalist's applicant, the recused judge, a judge not on its panel.
    for outsider in (world.other_applicant, finals["recused"], finals["unassigned"]):
        auth.login(outsider)
        assert client.get(ics_url).status_code == 403
        if outsider.is_judge:
            page = client.get("/judging/presentations").get_data(as_text=True)
            assert finals["odense"].reference not in page and "meet.example.org" not in page
            assert "No presentation is scheduled for you yet" in page
        else:
            page = client.get(f"/nominations/{finals['kigali'].id}").get_data(as_text=True)
            assert "Your presentation" not in page and "meet.example.org" not in page
        auth.logout()


def test_a_download_of_a_finalist_without_a_slot_is_not_found(client, auth, world, finals):
    auth.login(world.applicant)
    assert client.get(f"/presentations/{finals['round'].id}/{finals['odense'].id}.ics").status_code == 404
    auth.logout()
    auth.login(world.other_applicant)  # an outsider learns nothing, not even that there is none
    assert client.get(f"/presentations/{finals['round'].id}/{finals['odense'].id}.ics").status_code == 403


def test_a_failed_invitation_is_sent_again_with_the_same_calendar_file(
    app, client, auth, world, db, finals, smtp_inbox
):
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = 9  # nothing listens there: the connection is refused
    auth.login(world.secretariat)
    assert _place(client, finals).status_code == 302
    failed = db.session.scalars(sa.select(OutgoingMail).order_by(OutgoingMail.id)).all()
    assert [m.status for m in failed] == [MailStatus.FAILED, MailStatus.FAILED]
    assert smtp_inbox.messages == []
    app.config["MAIL_PORT"] = port
    sent, still = mail_service.retry_all(world.secretariat)
    assert (sent, still) == (2, 0)
    for message in smtp_inbox.messages:
        event = _event(_calendar(message))
        assert int(event["SEQUENCE"]) == 0 and str(event["UID"]) == db.session.scalar(sa.select(PresentationSlot.uid))
        # The inline calendar (the part Outlook acts on) came back as it was written, beside the attachment.
        (inline,) = [p for p in message.walk() if p.get_content_type() == "text/calendar" and not p.is_attachment()]
        assert inline.get_param("method") == "REQUEST"
        assert _event(Calendar.from_ical(inline.get_content()))["UID"] == event["UID"]


def test_a_korean_judge_is_written_to_in_korean(client, auth, world, db, finals, smtp_inbox):
    world.judge.locale = "ko"
    db.session.commit()
    auth.login(world.secretariat)
    assert _place(client, finals).status_code == 302
    record = db.session.scalar(sa.select(OutgoingMail).where(OutgoingMail.recipient == world.judge.email))
    assert record.locale == "ko"
    english = db.session.scalar(sa.select(OutgoingMail).where(OutgoingMail.recipient == world.applicant.email))
    assert english.locale in (None, "en")


def test_the_form_fills_in_a_placed_finalist_s_slot_to_move_it(client, auth, world, finals):
    auth.login(world.secretariat)
    _place(client, finals, at="16:45", minutes=25)
    page = client.get(
        f"/secretariat/rounds/{finals['round'].id}/presentations?nomination={finals['odense'].id}"
    ).get_data(as_text=True)
    assert 'value="16:45"' in page and 'value="25"' in page and f'value="{finals["day"].isoformat()}"' in page


def test_removing_a_slot_that_is_not_there_says_so(client, auth, world, db, finals):
    auth.login(world.secretariat)
    response = client.post(
        f"/secretariat/rounds/{finals['round'].id}/presentations/remove",
        data={"nomination": finals["odense"].id},
        follow_redirects=True,
    )
    assert "This finalist has no presentation slot to remove." in response.get_data(as_text=True)
    response = client.post(
        f"/secretariat/rounds/{finals['round'].id}/presentations/remove",
        data={"nomination": "1e400"},
        follow_redirects=True,
    )
    assert response.status_code == 200 and "Choose the presentation to remove." in response.get_data(as_text=True)


def test_a_slot_kept_for_a_nomination_the_round_no_longer_judges_is_shown_and_removed(
    client, auth, world, db, finals, smtp_inbox
):
    auth.login(world.secretariat)
    assert _place(client, finals).status_code == 302
    odense = finals["odense"]
    odense.status = NominationStatus.INELIGIBLE  # found ineligible after it was placed
    db.session.commit()
    url = f"/secretariat/rounds/{finals['round'].id}/presentations"
    page = client.get(url).get_data(as_text=True)
    assert "No longer judged in this round: remove its slot" in page and odense.reference in page
    assert "0 of 1 finalists placed." in page  # Kigali, still a finalist, is not placed
    before = len(smtp_inbox.messages)
    response = client.post(url + "/remove", data={"nomination": odense.id}, follow_redirects=True)
    assert response.status_code == 200
    assert db.session.scalar(sa.select(PresentationSlot)).cancelled_at is not None
    sent = smtp_inbox.messages[before:]
    assert sent and all(str(_calendar(m)["METHOD"]) == "CANCEL" for m in sent)
    assert "No longer judged in this round" not in client.get(url).get_data(as_text=True)
