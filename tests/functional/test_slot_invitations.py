"""Who holds a presentation in their calendar follows who judges the finalist: a judge added to its panel after the
slot was placed is invited, one taken off it or recused is sent the cancellation, each alone and in their own
language, through a real mail server; nothing is sent twice; a judge booked in two places at once is warned of."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from icalendar import Calendar

from awards_app.models import Assignment, OutgoingMail, PresentationSlot, Role, RoundEntry, SlotInvitation
from awards_app.services import anonymise, slot_invitations
from tests.conftest import make_user
from tests.functional import test_presentations as presentations_tests
from tests.functional.judging_helpers import assign, judging_round
from tests.functional.test_presentations import _calendar, _event, _place, _text

finals = presentations_tests.finals  # the finalists' round, its judges and applicants


def _sent(smtp_inbox, start: int = 0) -> dict[str, object]:
    """The messages the server received since ``start``, by recipient (one each)."""
    messages = smtp_inbox.messages[start:]
    recipients = [rcpt for _from, (rcpt,) in smtp_inbox.envelopes[start:]]
    assert len(set(recipients)) == len(recipients), recipients
    return dict(zip(recipients, messages, strict=True))


def _inline_calendar(message) -> Calendar:
    """The calendar carried inline, as the text's alternative: what Outlook acts on."""
    alternative = next(p for p in message.walk() if p.get_content_type() == "multipart/alternative")
    (inline,) = [p for p in alternative.iter_parts() if p.get_content_type() == "text/calendar"]
    assert not inline.is_attachment()
    return Calendar.from_ical(inline.get_content())


def _invitation(db, slot, user) -> SlotInvitation | None:
    return db.session.scalar(
        sa.select(SlotInvitation).where(SlotInvitation.slot_id == slot.id, SlotInvitation.user_id == user.id)
    )


def test_the_calendar_goes_inline_with_its_method_and_attached(client, auth, world, db, finals, smtp_inbox):
    auth.login(world.secretariat)
    assert _place(client, finals).status_code == 302
    for message in smtp_inbox.messages:
        assert message.get_content_type() == "multipart/mixed"
        alternative = next(p for p in message.walk() if p.get_content_type() == "multipart/alternative")
        (inline,) = [p for p in alternative.iter_parts() if p.get_content_type() == "text/calendar"]
        assert inline.get_param("method") == "REQUEST"
        inline_event, attached_event = _event(_inline_calendar(message)), _event(_calendar(message))
        assert inline_event["UID"] == attached_event["UID"] and inline_event["SEQUENCE"] == attached_event["SEQUENCE"]
        assert "A finalist you judge" in _text(message) or "Your nomination" in _text(message)
    smtp_inbox.messages.clear()
    smtp_inbox.envelopes.clear()
    client.post(
        f"/secretariat/rounds/{finals['round'].id}/presentations/remove", data={"nomination": finals["odense"].id}
    )
    for message in smtp_inbox.messages:
        alternative = next(p for p in message.walk() if p.get_content_type() == "multipart/alternative")
        (inline,) = [p for p in alternative.iter_parts() if p.get_content_type() == "text/calendar"]
        assert inline.get_param("method") == "CANCEL"
        assert str(_inline_calendar(message)["METHOD"]) == "CANCEL"


def test_invitations_are_recorded_per_person(client, auth, world, db, finals, smtp_inbox):
    auth.login(world.secretariat)
    assert _place(client, finals).status_code == 302
    slot = db.session.scalar(sa.select(PresentationSlot))
    rows = db.session.scalars(sa.select(SlotInvitation).order_by(SlotInvitation.user_id)).all()
    assert {r.user_id for r in rows} == {world.applicant.id, world.judge.id}  # not the recused judge
    assert all(r.sequence == 0 and r.holds for r in rows)
    assert _place(client, finals, at="16:00").status_code == 302
    db.session.expire_all()
    assert {r.sequence for r in db.session.scalars(sa.select(SlotInvitation))} == {1}
    client.post(
        f"/secretariat/rounds/{finals['round'].id}/presentations/remove", data={"nomination": slot.nomination_id}
    )
    db.session.expire_all()
    rows = db.session.scalars(sa.select(SlotInvitation)).all()
    assert all(r.sequence == 2 and not r.holds for r in rows) and len(rows) == 2


def test_a_judge_taken_off_the_panel_after_the_invitation_is_sent_the_cancellation(
    client, auth, world, db, finals, smtp_inbox
):
    auth.login(world.secretariat)
    assert _place(client, finals).status_code == 302
    slot = db.session.scalar(sa.select(PresentationSlot))
    before = len(smtp_inbox.messages)
    assignment = db.session.scalar(
        sa.select(Assignment).where(
            Assignment.judge_id == world.judge.id, Assignment.nomination_id == finals["odense"].id
        )
    )
    response = client.post(f"/secretariat/rounds/assignments/{assignment.id}/remove")
    assert response.status_code == 302
    sent = _sent(smtp_inbox, before)
    assert list(sent) == [world.judge.email]  # the judge alone: the applicant hears nothing
    message = sent[world.judge.email]
    assert message["Subject"] == f"No longer expected at the presentation: {finals['odense'].reference}"
    assert "goes ahead without you" in _text(message)
    calendar = _calendar(message)
    event = _event(calendar)
    assert str(calendar["METHOD"]) == "CANCEL" and str(event["UID"]) == slot.uid
    assert int(event["SEQUENCE"]) == 1 and str(event["STATUS"]) == "CANCELLED"
    assert str(event["ATTENDEE"]) == f"mailto:{world.judge.email}"
    assert str(_inline_calendar(message)["METHOD"]) == "CANCEL"
    invitation = _invitation(db, slot, world.judge)
    assert invitation is not None and not invitation.holds and invitation.sequence == 1
    db.session.refresh(slot)
    assert slot.sequence == 0 and slot.live  # the slot itself did not change

    # Given the finalist again: invited anew, above the cancellation's number.
    before = len(smtp_inbox.messages)
    response = client.post(
        f"/secretariat/rounds/{finals['round'].id}/assignments/manual",
        data={"manual-nominations": [finals["odense"].id], "manual-judges": [world.judge.id]},
        follow_redirects=True,
    )
    assert "1 assignments added." in response.get_data(as_text=True), response.get_data(as_text=True)[-3000:]
    sent = _sent(smtp_inbox, before)
    assert list(sent) == [world.judge.email]
    event = _event(_calendar(sent[world.judge.email]))
    assert str(_calendar(sent[world.judge.email])["METHOD"]) == "REQUEST" and int(event["SEQUENCE"]) == 2

    # Moved afterwards: everyone's update is above what each holds.
    before = len(smtp_inbox.messages)
    assert _place(client, finals, at="17:00").status_code == 302
    sent = _sent(smtp_inbox, before)
    assert {e: int(_event(_calendar(m))["SEQUENCE"]) for e, m in sent.items()} == {
        world.applicant.email: 1,
        world.judge.email: 3,
    }


def test_a_judge_added_later_is_sent_the_invitation_in_their_language(client, auth, world, db, finals, smtp_inbox):
    late = make_user("late@judges.example", [Role.JUDGE], name="Late Judge")
    late.locale, late.time_zone = "ko", "Asia/Seoul"
    db.session.commit()
    auth.login(world.secretariat)
    assert _place(client, finals).status_code == 302
    slot = db.session.scalar(sa.select(PresentationSlot))
    before = len(smtp_inbox.messages)
    response = client.post(
        f"/secretariat/rounds/{finals['round'].id}/assignments/manual",
        data={"manual-nominations": [finals["odense"].id], "manual-judges": [late.id, world.judge.id]},
    )
    assert response.status_code == 302
    sent = _sent(smtp_inbox, before)
    assert list(sent) == [late.email]  # the judge already invited is not written to again
    calendar = _calendar(sent[late.email])
    event = _event(calendar)
    assert str(calendar["METHOD"]) == "REQUEST" and str(event["UID"]) == slot.uid and int(event["SEQUENCE"]) == 0
    assert str(event["ATTENDEE"]) == f"mailto:{late.email}"
    record = db.session.scalar(sa.select(OutgoingMail).where(OutgoingMail.recipient == late.email))
    assert record.locale == "ko" and record.template == "presentation_placed"
    assert _invitation(db, slot, late).holds

    # The judge reads it on their schedule too.
    auth.logout()
    auth.login(late)
    assert finals["odense"].reference in client.get("/judging/presentations").get_data(as_text=True)


def test_a_judge_who_declares_a_conflict_is_sent_the_cancellation(client, auth, world, db, finals, smtp_inbox):
    second = make_user("second@judges.example", [Role.JUDGE], name="Second Judge")
    db.session.commit()
    assignment = assign(finals["round"], finals["odense"], second)
    auth.login(world.secretariat)
    assert _place(client, finals).status_code == 302
    slot = db.session.scalar(sa.select(PresentationSlot))
    assert _invitation(db, slot, second).holds
    auth.logout()
    auth.login(second)
    before = len(smtp_inbox.messages)
    response = client.post(
        f"/judging/assignments/{assignment.id}/declaration",
        data={"declaration": "conflict", "reason": "I advised Odense on it."},
    )
    assert response.status_code == 302
    sent = _sent(smtp_inbox, before)
    assert list(sent) == [second.email]
    assert str(_calendar(sent[second.email])["METHOD"]) == "CANCEL"
    assert not _invitation(db, slot, second).holds


def test_a_conflict_the_secretariat_records_cancels_the_judge_s_presentation(
    client, auth, world, db, finals, smtp_inbox
):
    auth.login(world.secretariat)
    assert _place(client, finals).status_code == 302
    before = len(smtp_inbox.messages)
    response = client.post(
        f"/secretariat/rounds/{finals['round'].id}/conflicts",
        data={"judge": world.judge.id, "nomination": finals["odense"].id, "reason": "Former adviser"},
    )
    assert response.status_code == 302
    sent = _sent(smtp_inbox, before)
    assert list(sent) == [world.judge.email]
    assert str(_calendar(sent[world.judge.email])["METHOD"]) == "CANCEL"
    # The slot's next change no longer reaches them.
    before = len(smtp_inbox.messages)
    assert _place(client, finals, at="18:00").status_code == 302
    assert list(_sent(smtp_inbox, before)) == [world.applicant.email]


def test_nothing_is_sent_twice_when_nothing_changed(client, auth, world, db, finals, smtp_inbox):
    auth.login(world.secretariat)
    assert _place(client, finals).status_code == 302
    before = len(smtp_inbox.messages)
    # A change of panels elsewhere, and a refresh with no change: nobody is written to.
    other = make_user("other@judges.example", [Role.JUDGE], name="Other Judge")
    db.session.commit()
    response = client.post(
        f"/secretariat/rounds/{finals['round'].id}/assignments/manual",
        data={"manual-nominations": [finals["kigali"].id], "manual-judges": [other.id]},
    )
    assert response.status_code == 302
    assert slot_invitations.refresh_round(finals["round"].id) == 0
    db.session.commit()
    assert len(smtp_inbox.messages) == before
    assert db.session.scalar(sa.select(sa.func.count(SlotInvitation.id))) == 2


def test_a_judge_booked_in_two_places_at_once_is_warned_of(client, auth, world, db, finals, smtp_inbox):
    assign(finals["round"], finals["kigali"], world.judge, declared=True)
    auth.login(world.secretariat)
    url = f"/secretariat/rounds/{finals['round'].id}/presentations"
    assert _place(client, finals, at="10:00", minutes=30).status_code == 302
    assert "two places at once" not in client.get(url).get_data(as_text=True)

    # Back to back in another venue: a warning, not a refusal; both saved, both invited.
    response = _place(
        client, finals, nomination=finals["kigali"], at="10:30", mode="seoul", room="COEX Room 301", link=""
    )
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(PresentationSlot.id))) == 2
    assert f"{world.judge.name} is expected at" in page  # the flash after saving
    assert "A judge is expected in two places at once" in page
    odense, kigali = finals["odense"].reference, finals["kigali"].reference
    assert odense in page and kigali in page
    (warning,) = slot_invitations.clashes(finals["round"])
    assert warning.judge.id == world.judge.id
    assert {warning.slot.nomination_id, warning.other.nomination_id} == {finals["odense"].id, finals["kigali"].id}

    # With a gap between them there is none; nor for a judge who is on one panel only.
    response = _place(
        client, finals, nomination=finals["kigali"], at="10:45", mode="seoul", room="COEX Room 301", link=""
    )
    assert response.status_code == 302
    assert slot_invitations.clashes(finals["round"]) == []
    assert "two places at once" not in client.get(url).get_data(as_text=True)

    # Overlapping in another round is a clash too.
    other_round = judging_round(world, name="Special session", closes=timedelta(days=30))
    db.session.add(RoundEntry(round_id=other_round.id, nomination_id=finals["kigali"].id))
    db.session.commit()
    assign(other_round, finals["kigali"], world.judge, declared=True)
    response = client.post(
        f"/secretariat/rounds/{other_round.id}/presentations",
        data={
            "nomination": str(finals["kigali"].id),
            "day": finals["day"].isoformat(),
            "at": "10:15",
            "minutes": "20",
            "mode": "online",
            "room": "",
            "link": "https://meet.example.org/special",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert f"{world.judge.name} is expected at {kigali}" in response.get_data(as_text=True)
    clashes = slot_invitations.clashes(finals["round"])
    assert [(c.judge.id, c.other.round_id) for c in clashes] == [(world.judge.id, other_round.id)]


def test_invitation_records_go_with_the_person_s_erasure(client, auth, world, db, finals, smtp_inbox):
    # Deleting an account is refused while its nomination is judged; the step it takes (and a purge) is this one.
    auth.login(world.secretariat)
    assert _place(client, finals).status_code == 302
    applicant_id = world.applicant.id
    assert db.session.scalar(sa.select(sa.func.count(SlotInvitation.id)).where(SlotInvitation.user_id == applicant_id))
    anonymise.anonymise_account(world.applicant, anonymise.Erasure(datetime.now(UTC)))
    db.session.commit()
    assert [r.user_id for r in db.session.scalars(sa.select(SlotInvitation))] == [world.judge.id]
    # Nobody writes to the erased person again: the slot's next change reaches the judge alone.
    before = len(smtp_inbox.messages)
    assert _place(client, finals, at="19:00").status_code == 302
    assert list(_sent(smtp_inbox, before)) == [world.judge.email]


def test_invitation_records_go_with_the_nomination_s_erasure(client, auth, world, db, finals, smtp_inbox):
    auth.login(world.secretariat)
    assert _place(client, finals).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(SlotInvitation.id))) == 2
    anonymise.erase_nominations([finals["odense"]], anonymise.Erasure(datetime.now(UTC)))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(SlotInvitation.id))) == 0


def test_the_migration_records_the_invitations_sent_before_it(app, client, auth, world, db, finals, smtp_inbox):
    import flask_migrate

    auth.login(world.secretariat)
    assert _place(client, finals).status_code == 302  # the applicant and the judge; not the recused judge
    assert _place(client, finals, nomination=finals["kigali"], at="11:00").status_code == 302
    client.post(
        f"/secretariat/rounds/{finals['round'].id}/presentations/remove", data={"nomination": finals["kigali"].id}
    )
    expected = {(r.slot_id, r.user_id, r.sequence) for r in db.session.scalars(sa.select(SlotInvitation)) if r.holds}
    db.session.remove()
    flask_migrate.stamp(directory="migrations", revision="head")
    try:
        flask_migrate.downgrade(directory="migrations", revision="0025")
        assert "slot_invitation" not in sa.inspect(db.engine).get_table_names()
        flask_migrate.upgrade(directory="migrations")
        rows = db.session.execute(sa.select(SlotInvitation.slot_id, SlotInvitation.user_id, SlotInvitation.sequence))
        assert set(map(tuple, rows)) == expected  # the removed slot needs none
        assert len(expected) == 2
    finally:
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


def test_a_judges_own_data_lists_their_invitations_and_what_they_read(client, auth, world, db, finals, smtp_inbox):
    import io
    import json
    import zipfile

    auth.login(world.secretariat)
    assert _place(client, finals).status_code == 302
    auth.logout()
    auth.login(world.judge)
    assignment = db.session.scalar(sa.select(Assignment).where(Assignment.judge_id == world.judge.id))
    assert client.get(f"/judging/assignments/{assignment.id}").status_code == 200  # read: the access log notes it
    archive = zipfile.ZipFile(io.BytesIO(client.get("/auth/account/my-data.zip").data))
    data = json.loads(archive.read("data.json"))
    (invited,) = data["presentations"]
    assert invited["nomination"] == finals["odense"].reference and invited["round"] == "Finalists"
    assert invited["link"] == "https://meet.example.org/a" and invited["minutes"] == 30
    assert invited["last_sent_at"] and invited["cancelled_at"] is None
    assert [(r["what"], r["nomination"]) for r in data["reading_log"]] == [("nomination", finals["odense"].reference)]
    assert [e["kind"] for e in data["emails"]] == ["presentation_placed"] and data["emails"][0]["status"]
    # Nobody else's invitation: the applicant's and the recused judge's stay out of it.
    assert finals["recused"].email not in json.dumps(data) and world.applicant.email not in json.dumps(data)

    # Taken off the panel, then the slot moves to a new meeting: their data keeps the cancelled invitation, without
    # the meeting's new link or time, which are no longer theirs.
    auth.logout()
    auth.login(world.secretariat)
    assert client.post(f"/secretariat/rounds/assignments/{assignment.id}/remove").status_code == 302
    assert _place(client, finals, at="16:00", link="https://meet.example.org/secret").status_code == 302
    auth.logout()
    auth.login(world.judge)
    data = json.loads(zipfile.ZipFile(io.BytesIO(client.get("/auth/account/my-data.zip").data)).read("data.json"))
    (cancelled,) = data["presentations"]
    assert cancelled["cancelled_at"] and cancelled["nomination"] == finals["odense"].reference
    assert "meet.example.org" not in json.dumps(data) and "starts_at" not in cancelled
