"""Countries and the WeGO region each belongs to.

WeGO groups its members by the regional office that serves them (Chengdu for Asia and the Pacific,
Almaty for Central Asia, Ulyanovsk for Eurasia, Beyoğlu for the Mediterranean and Middle East, Abuja for
Africa, Mexico City for Latin America) plus Europe and North America, served from the Seoul secretariat.
An organisation's region is never entered: it follows from its country, through this table alone.
Country names come from the Unicode CLDR data that Babel ships, in the reader's language.
"""

from __future__ import annotations

import enum

from babel import Locale


class Region(enum.StrEnum):
    ASIA_PACIFIC = "asia-pacific"
    CENTRAL_ASIA = "central-asia"
    EURASIA = "eurasia"
    MEDITERRANEAN = "mediterranean"
    AFRICA = "africa"
    EUROPE = "europe"
    LATIN_AMERICA = "latin-america"
    NORTH_AMERICA = "north-america"


# ISO 3166-1 alpha-2 codes of each region.
_COUNTRIES_BY_REGION: dict[Region, str] = {
    Region.ASIA_PACIFIC: (
        "AS AU BD BN BT CC CK CN CX FJ FM GU HK ID IN JP KH KI KP KR LA LK MH MM MN MO MP MV MY NC NF NP "
        "NR NU NZ PF PG PH PK PN PW SB SG TH TK TL TO TV TW VN VU WF WS"
    ),
    Region.CENTRAL_ASIA: "AF KG KZ TJ TM UZ",
    Region.EURASIA: "AM AZ BY GE MD RU UA",
    Region.MEDITERRANEAN: "AE BH CY IL IQ IR JO KW LB OM PS QA SA SY TR YE",
    Region.AFRICA: (
        "AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG EH ER ET GA GH GM GN GQ GW KE KM LR LS LY MA MG ML MR "
        "MU MW MZ NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TG TN TZ UG YT ZA ZM ZW"
    ),
    Region.EUROPE: (
        "AD AL AT AX BA BE BG CH CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT JE LI LT LU LV MC "
        "ME MK MT NL NO PL PT RO RS SE SI SJ SK SM VA XK"
    ),
    Region.LATIN_AMERICA: (
        "AG AI AR AW BB BL BO BQ BR BS BZ CL CO CR CU CW DM DO EC FK GD GF GP GT GY HN HT JM KN KY LC MF "
        "MQ MS MX NI PA PE PR PY SR SV SX TC TT UY VC VE VG VI"
    ),
    Region.NORTH_AMERICA: "BM CA GL PM US",
}

REGION_OF_COUNTRY: dict[str, Region] = {
    code: region for region, codes in _COUNTRIES_BY_REGION.items() for code in codes.split()
}
COUNTRY_CODES: frozenset[str] = frozenset(REGION_OF_COUNTRY)


def region_of(country_code: str | None) -> Region | None:
    """Return the WeGO region of a country, or None for an unknown code."""
    return REGION_OF_COUNTRY.get((country_code or "").upper())


def countries_in(region: Region) -> list[str]:
    """Return the country codes of one region."""
    return _COUNTRIES_BY_REGION[region].split()


def country_name(code: str | None, locale: str = "en") -> str:
    """Return a country's name in the given language, or the code itself when CLDR has none."""
    if not code:
        return ""
    return Locale.parse(locale).territories.get(code.upper(), code.upper())


def country_choices(locale: str = "en") -> list[tuple[str, str]]:
    """Return (code, name) pairs of every country, sorted by the name in the given language."""
    return sorted(((c, country_name(c, locale)) for c in COUNTRY_CODES), key=lambda pair: pair[1])
