"""The time zones a person can choose, and the zone a country's people live in when it has only one.

A country's zones come from the Unicode CLDR data that Babel ships (``territory_zones``): Sweden has one,
Europe/Stockholm; the United States, Brazil or Spain have several, and then nothing is guessed.
"""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from babel.core import get_global

#: Every time zone a person can choose (the IANA names, without the machine's own "localtime").
TIME_ZONES: list[str] = sorted(available_timezones() - {"localtime", "Factory"})
_KNOWN = frozenset(TIME_ZONES)


@cache
def _by_folded_name() -> dict[str, str]:
    return {zone.casefold(): zone for zone in TIME_ZONES}


def time_zone_named(text: str | None) -> str | None:
    """The time zone a text names, whatever its case ("europe/paris" is Europe/Paris), or None."""
    return _by_folded_name().get((text or "").strip().casefold())


def country_time_zone(country_code: str | None) -> str | None:
    """The one time zone of a country, or None for a country with several (or an unknown code)."""
    zones = [z for z in get_global("territory_zones").get((country_code or "").strip().upper(), ()) if z in _KNOWN]
    return zones[0] if len(zones) == 1 else None


def country_time_zones() -> dict[str, str]:
    """Every country with a single time zone, with that zone (for the forms that guess it as the country is chosen)."""
    from .regions import COUNTRY_CODES

    return {code: zone for code in sorted(COUNTRY_CODES) if (zone := country_time_zone(code))}
