"""The finals' schedule rules (``rules.presentations``) and its calendar files (``invites``), with no app."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from icalendar import Calendar

from awards_app.invites import Invite, Method, calendar, file_name
from awards_app.rules.presentations import (
    NonexistentLocalTime,
    Placement,
    PresentationMode,
    Refusal,
    by_day,
    double_booked,
    local_moment,
    overlaps,
    refusals,
    valid_link,
)

NOW = datetime(2027, 5, 1, tzinfo=UTC)
OPENS, CLOSES = datetime(2027, 5, 10, tzinfo=UTC), datetime(2027, 5, 20, tzinfo=UTC)


def _slot(nomination_id=1, start="2027-05-12T01:00", minutes=20, mode=PresentationMode.SEOUL, room="Room 301", link=""):
    return Placement(
        nomination_id=nomination_id,
        starts_at=datetime.fromisoformat(start).replace(tzinfo=UTC),
        minutes=minutes,
        mode=mode,
        room=room,
        link=link,
    )


def _refusals(slot, others=()):
    return [r for r, _other in refusals(slot, others, opens_at=OPENS, closes_at=CLOSES, now=NOW)]


def test_slots_of_one_room_overlap_and_touching_ends_do_not():
    first = _slot(1, "2027-05-12T01:00", 20)
    assert overlaps(first, _slot(2, "2027-05-12T01:19", 20))
    assert overlaps(first, _slot(2, "2027-05-12T00:50", 60))  # one inside the other
    assert not overlaps(first, _slot(2, "2027-05-12T01:20", 20))  # starts as the first ends
    assert not overlaps(first, _slot(2, "2027-05-12T00:40", 20))  # ends as the first starts
    assert not overlaps(first, _slot(2, "2027-05-12T01:10", 20, room="Room 302"))


def test_a_judge_is_double_booked_by_any_overlap_and_by_no_gap_between_two_venues():
    first = _slot(1, "2027-05-12T01:00", 20)
    online = PresentationMode.ONLINE
    meeting = {"mode": online, "room": "", "link": "https://meet.example.org/a"}
    assert double_booked(first, _slot(2, "2027-05-12T01:10", 20, room="Room 302"))  # overlap, another room
    assert double_booked(first, _slot(2, "2027-05-12T01:10", 20, **meeting))  # overlap, online
    assert double_booked(first, _slot(2, "2027-05-12T01:10", 20))  # the same room (another round's)
    assert double_booked(first, _slot(2, "2027-05-12T01:20", 20, room="Room 302"))  # back to back, elsewhere
    assert double_booked(_slot(2, "2027-05-12T00:40", 20, **meeting), first)  # the other way round
    assert not double_booked(first, _slot(2, "2027-05-12T01:20", 20))  # back to back in the same room
    assert not double_booked(first, _slot(2, "2027-05-12T01:25", 20, **meeting))  # five minutes to switch


def test_a_room_is_the_same_whatever_its_case_and_spaces_and_a_meeting_is_its_link():
    assert overlaps(_slot(1, room="COEX  Room 301"), _slot(2, room=" coex room 301"))
    online = PresentationMode.ONLINE
    a = _slot(1, mode=online, room="", link="https://meet.example.org/a")
    assert overlaps(a, _slot(2, mode=online, room="", link="https://meet.example.org/a"))
    assert not overlaps(a, _slot(2, mode=online, room="", link="https://meet.example.org/b"))
    # An online meeting and a room of the same name are different venues.
    assert not overlaps(_slot(1, room="https://meet.example.org/a"), a)


def test_an_overlap_names_the_slot_it_clashes_with_and_the_finalist_s_own_slot_does_not_count():
    taken = _slot(2, "2027-05-12T01:10")
    own = _slot(1, "2027-05-12T01:00")  # the finalist's earlier slot: moving replaces it
    found = refusals(_slot(1), [own, taken], opens_at=OPENS, closes_at=CLOSES, now=NOW)
    assert found == [(Refusal.OVERLAP, taken)]


@pytest.mark.parametrize(
    ("slot", "expected"),
    [
        (_slot(minutes=4), [Refusal.TOO_SHORT]),
        (_slot(minutes=241), [Refusal.TOO_LONG]),
        (_slot(room="  "), [Refusal.NO_ROOM]),
        (_slot(mode=PresentationMode.ONLINE, room="", link=""), [Refusal.NO_LINK]),
        (_slot(mode=PresentationMode.ONLINE, link="javascript:alert(1)"), [Refusal.BAD_LINK]),
        (_slot(start="2027-04-30T23:59"), [Refusal.IN_THE_PAST, Refusal.BEFORE_ROUND]),
        (_slot(start="2027-05-09T23:59"), [Refusal.BEFORE_ROUND]),
        (_slot(start="2027-05-19T23:41"), [Refusal.AFTER_ROUND]),  # ends a minute after the round closes
        (_slot(start="2027-05-19T23:40"), []),  # ends as the round closes
        (_slot(start="2027-05-10T00:00"), []),  # starts as it opens
    ],
)
def test_each_bad_slot_is_refused_for_its_reason(slot, expected):
    assert _refusals(slot) == expected


def test_no_round_dates_means_no_window_and_other_refusals_come_before_overlaps():
    assert refusals(_slot(start="2030-01-01T00:00"), [], opens_at=None, closes_at=None, now=NOW) == []
    clash = _slot(2)
    assert _refusals(_slot(minutes=2), [clash]) == [Refusal.TOO_SHORT]  # fix the length first


def test_a_link_is_a_web_address():
    assert valid_link("https://meet.example.org/abc?pwd=1")
    assert valid_link("http://intranet.example/room")
    for bad in ("meet.example.org", "https://", "https://a b", "ftp://x", "javascript:alert(1)"):
        assert not valid_link(bad), bad


def test_a_local_time_becomes_utc_in_its_zone():
    assert local_moment(date(2027, 5, 12), time(10, 0), "Asia/Seoul") == datetime(2027, 5, 12, 1, 0, tzinfo=UTC)
    assert local_moment(date(2027, 5, 11), time(22, 0), "America/Sao_Paulo") == datetime(2027, 5, 12, 1, 0, tzinfo=UTC)
    # Seconds typed are dropped: slots start on the minute.
    assert local_moment(date(2027, 5, 12), time(10, 0, 30), "Asia/Seoul").second == 0


def test_a_time_the_clocks_skip_is_refused_and_one_they_pass_twice_is_the_first():
    with pytest.raises(NonexistentLocalTime):
        local_moment(date(2027, 3, 14), time(2, 30), "America/New_York")  # clocks go 02:00 → 03:00
    # 01:30 happens twice on 7 November 2027 in New York: the first (still daylight time, UTC-4) is taken.
    assert local_moment(date(2027, 11, 7), time(1, 30), "America/New_York") == datetime(2027, 11, 7, 5, 30, tzinfo=UTC)


def test_slots_are_grouped_by_the_reader_s_day():
    late, early = _slot(1, "2027-05-12T02:00"), _slot(2, "2027-05-11T23:00")
    # In Seoul both fall on the 12th; in São Paulo the first is the 11th at 23:00 and the second the 11th at 20:00.
    assert by_day([late, early], "Asia/Seoul", lambda s: s.starts_at) == [(date(2027, 5, 12), [early, late])]
    assert by_day([late, early], "America/Sao_Paulo", lambda s: s.starts_at) == [(date(2027, 5, 11), [early, late])]
    assert by_day([late, early], "UTC", lambda s: s.starts_at) == [
        (date(2027, 5, 11), [early]),
        (date(2027, 5, 12), [late]),
    ]


def _invite(**changes) -> Invite:
    values = {
        "uid": "3f1c@awards.local",
        "sequence": 2,
        "starts_at": datetime(2027, 5, 12, 1, 0, tzinfo=UTC),
        "ends_at": datetime(2027, 5, 12, 1, 20, tzinfo=UTC),
        "summary": "발표: SSCP-2027-TI-004 메데진 버스 우선 신호 — a long title that folds over the line length limit",
        "description": "SSCP-2027-TI-004 · Medellín\nIn Seoul: COEX Room 301",
        "location": "Seoul, COEX Room 301",
        "organizer_email": "secretariat@wego.example",
        "organizer_name": "The Seoul Smart City Prize secretariat",
        "attendee_email": "lena.berg@judges.example",
        "attendee_name": "Lena Berg",
        "stamp": datetime(2027, 5, 1, 9, 0, tzinfo=UTC),
    }
    return Invite(**(values | changes))


def test_an_invitation_reads_back_with_everything_a_calendar_needs():
    data = calendar(_invite(), Method.REQUEST)
    assert b"\r\n" in data and all(len(line) <= 75 for line in data.split(b"\r\n"))  # folded lines
    parsed = Calendar.from_ical(data)
    assert str(parsed["METHOD"]) == "REQUEST" and str(parsed["VERSION"]) == "2.0"
    (event,) = parsed.walk("VEVENT")
    assert str(event["UID"]) == "3f1c@awards.local"
    assert int(event["SEQUENCE"]) == 2
    assert event.decoded("DTSTART") == datetime(2027, 5, 12, 1, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2027, 5, 12, 1, 20, tzinfo=UTC)
    assert b"DTSTART:20270512T010000Z" in data  # in UTC, with no time-zone definition to carry
    assert str(event["SUMMARY"]) == _invite().summary  # Korean text survives folding
    assert str(event["DESCRIPTION"]).splitlines() == ["SSCP-2027-TI-004 · Medellín", "In Seoul: COEX Room 301"]
    assert str(event["ORGANIZER"]) == "mailto:secretariat@wego.example"
    assert event["ORGANIZER"].params["CN"] == "The Seoul Smart City Prize secretariat"
    assert str(event["ATTENDEE"]) == "mailto:lena.berg@judges.example"  # the recipient alone
    assert event["ATTENDEE"].params["PARTSTAT"] == "NEEDS-ACTION"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "URL" not in event


def test_a_cancellation_and_a_download_of_the_same_event():
    cancel = Calendar.from_ical(calendar(_invite(sequence=3), Method.CANCEL))
    (event,) = cancel.walk("VEVENT")
    assert str(cancel["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == "3f1c@awards.local" and int(event["SEQUENCE"]) == 3
    online = _invite(location="https://meet.example.org/a", url="https://meet.example.org/a")
    published = Calendar.from_ical(calendar(online, Method.PUBLISH))
    (event,) = published.walk("VEVENT")
    assert str(published["METHOD"]) == "PUBLISH" and "ATTENDEE" not in event
    assert str(event["URL"]) == "https://meet.example.org/a"


def test_an_aware_time_in_another_zone_is_written_in_utc():
    from zoneinfo import ZoneInfo

    start = datetime(2027, 5, 12, 10, 0, tzinfo=ZoneInfo("Asia/Seoul"))
    data = calendar(_invite(starts_at=start, ends_at=start + timedelta(minutes=20)), Method.REQUEST)
    assert b"DTSTART:20270512T010000Z" in data and b"DTEND:20270512T012000Z" in data


def test_the_file_name_is_safe():
    assert file_name("SSCP-2027-TI-004", "7") == "presentation-SSCP-2027-TI-004.ics"
    assert file_name(None, "7") == "presentation-7.ics"
    assert file_name('a/b"c', "7") == "presentation-a-b-c.ics"
