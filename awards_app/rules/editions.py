"""How a new edition follows an earlier one: its year, its names and its calendar, a year on.

Pure: no Flask, no database. ``services.edition_copy`` proposes a copy with these, and the secretariat reviews it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

#: The longest short name (slug) an edition may have.
SLUG_CHARS = 60
#: What a short name is made of: lower-case letters, digits and inner hyphens (it is part of public addresses).
SLUG_PATTERN = r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$"
#: Where the prize is run: a new edition's zone, and whose "this year" a new edition is proposed for.
PRIZE_TIME_ZONE = "Asia/Seoul"
#: The years an edition may have.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def is_slug(text: str) -> bool:
    """Whether ``text`` could be an edition's short name: anything else (a NUL byte, a thousand characters) names no
    edition, and is answered so without asking the database."""
    return len(text) <= SLUG_CHARS and re.fullmatch(SLUG_PATTERN, text) is not None


def a_year_later(moment: datetime, zone: ZoneInfo) -> datetime:
    """The same wall-clock time on the same day a year later in ``zone`` (so a deadline at 18:00 Seoul time stays at
    18:00 whatever summer time does in between), returned in UTC. The 29th of February, which next year lacks,
    becomes the 28th."""
    local = moment.astimezone(zone)
    day = 28 if (local.month, local.day) == (2, 29) else local.day
    moved = local.replace(year=local.year + 1, day=day, tzinfo=zone, fold=0)
    return moved.astimezone(UTC)


def window_a_year_later(opens: datetime, closes: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """A window (a call, a round) moved a year on by ``a_year_later``. Where the leap day folds both ends onto the
    28th and the closing would no longer follow the opening (opening on the 28th at noon, closing on the 29th at
    nine), the window keeps its length from the moved opening instead."""
    moved_opens, moved_closes = a_year_later(opens, zone), a_year_later(closes, zone)
    if moved_closes <= moved_opens:
        moved_closes = moved_opens + (closes - opens)
    return moved_opens, moved_closes


def _year_pattern(year: int) -> re.Pattern[str]:
    # Not \b: in "2026년" the Hangul after the digits is a word character too.
    return re.compile(rf"(?<!\d){year}(?!\d)")


def next_year_text(text: str, year: int) -> str | None:
    """``text`` with ``year`` replaced by the next year wherever it stands as a number of its own ("Seoul Smart City
    Prize 2026" → "… 2027", "2026 서울스마트도시상" → "2027 …"); None where the year does not appear, for the
    secretariat to type the new one."""
    pattern = _year_pattern(year)
    if not pattern.search(text):
        return None
    return pattern.sub(str(year + 1), text)


def next_year_slug(slug: str, year: int, max_length: int) -> str:
    """The short name of the next year's edition: the year replaced where it appears ("sscp-2026" → "sscp-2027"),
    otherwise the next year added at the end ("sscp" → "sscp-2027"), shortened to fit ``max_length``."""
    moved = next_year_text(slug, year)
    if moved is not None and len(moved) <= max_length:
        return moved
    suffix = f"-{year + 1}"
    return slug[: max_length - len(suffix)].rstrip("-") + suffix


def proposed_year(latest: int | None, today_year: int) -> int:
    """The year of the prize a new edition is proposed for: the one after the latest edition's, else this year."""
    return min(latest + 1, LATEST_YEAR) if latest is not None else today_year


def proposed_slug(year: int) -> str:
    """A new edition's proposed short name, e.g. "sscp-2027"."""
    return f"sscp-{year}"
