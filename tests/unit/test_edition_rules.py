"""How a copied edition moves on a year: its dates, names and short name (``rules.editions``)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from awards_app.rules.editions import (
    SLUG_CHARS,
    a_year_later,
    next_year_slug,
    next_year_text,
    proposed_slug,
    proposed_year,
    window_a_year_later,
)

SEOUL = ZoneInfo("Asia/Seoul")
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def test_a_year_later_keeps_the_wall_clock_time_in_the_zone():
    deadline = datetime(2026, 5, 31, 23, 59, tzinfo=SEOUL)
    moved = a_year_later(deadline, SEOUL)
    assert moved.tzinfo is UTC
    assert moved.astimezone(SEOUL).replace(tzinfo=None) == datetime(2027, 5, 31, 23, 59)


def test_a_year_later_follows_summer_time():
    # Noon on 28 March is winter time in Stockholm in 2026 (UTC+1, 11:00 UTC) and summer time in 2027, which begins
    # that morning (UTC+2): the copy keeps noon, an hour earlier in UTC.
    moment = datetime(2026, 3, 28, 12, 0, tzinfo=STOCKHOLM)
    assert a_year_later(moment, STOCKHOLM) == datetime(2027, 3, 28, 10, 0, tzinfo=UTC)


def test_the_leap_day_becomes_the_28th():
    assert a_year_later(datetime(2028, 2, 29, 18, 0, tzinfo=SEOUL), SEOUL) == datetime(2029, 2, 28, 9, 0, tzinfo=UTC)
    # The leap day in the zone decides, not in UTC: 29 Feb 05:00 in Seoul is 28 Feb in UTC.
    assert a_year_later(datetime(2028, 2, 29, 5, 0, tzinfo=SEOUL), SEOUL).astimezone(SEOUL).day == 28
    assert a_year_later(datetime(2027, 2, 28, 9, 0, tzinfo=SEOUL), SEOUL).astimezone(SEOUL).day == 28


def test_a_window_folded_by_the_leap_day_keeps_its_length():
    opens, closes = datetime(2028, 2, 28, 12, 0, tzinfo=SEOUL), datetime(2028, 2, 29, 9, 0, tzinfo=SEOUL)
    moved_opens, moved_closes = window_a_year_later(opens, closes, SEOUL)
    assert moved_opens.astimezone(SEOUL).replace(tzinfo=None) == datetime(2029, 2, 28, 12, 0)
    assert moved_closes - moved_opens == timedelta(hours=21)
    # An ordinary window moves both ends.
    opens, closes = datetime(2026, 6, 1, 9, 0, tzinfo=SEOUL), datetime(2026, 7, 1, 18, 0, tzinfo=SEOUL)
    assert window_a_year_later(opens, closes, SEOUL) == (a_year_later(opens, SEOUL), a_year_later(closes, SEOUL))


@pytest.mark.parametrize(
    ("text", "moved"),
    [
        ("Seoul Smart City Prize 2026", "Seoul Smart City Prize 2027"),
        ("2026 서울스마트도시상", "2027 서울스마트도시상"),
        ("2026년 서울스마트도시상", "2027년 서울스마트도시상"),
        ("SSCP 2026/2026", "SSCP 2027/2027"),
        ("4th Seoul Smart City Prize", None),
        ("Prize 20260", None),
        ("", None),
    ],
)
def test_the_year_in_a_name_moves_on(text, moved):
    assert next_year_text(text, 2026) == moved


def test_the_short_name_moves_on_or_gains_the_year():
    assert next_year_slug("sscp-2026", 2026, SLUG_CHARS) == "sscp-2027"
    assert next_year_slug("sscp", 2026, SLUG_CHARS) == "sscp-2027"
    long = "x" * SLUG_CHARS
    assert next_year_slug(long, 2026, SLUG_CHARS) == "x" * (SLUG_CHARS - 5) + "-2027"
    assert len(next_year_slug("a-" * 30, 2026, SLUG_CHARS)) <= SLUG_CHARS


def test_a_new_edition_is_proposed_for_the_year_after_the_latest_or_this_year():
    assert proposed_year(2026, 2026) == 2027
    assert proposed_year(2024, 2026) == 2025  # the next in the series, even when it was skipped
    assert proposed_year(None, 2026) == 2026
    assert proposed_year(2100, 2026) == 2100  # never beyond the years an edition may have
    assert proposed_slug(2027) == "sscp-2027"
