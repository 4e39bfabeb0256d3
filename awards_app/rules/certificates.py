"""Certificates: the verification code each one carries, and the words it is printed with.

Pure: no Flask, no database. ``services.certificates`` issues a certificate for each winner when an edition's
results are published, and draws it with these.

The code
    Twelve characters drawn by ``secrets`` from an alphabet without the look-alikes 0/O, 1/I/L and U (30
    characters: about 59 bits, so a code cannot be guessed, and the verification page is rate-limited besides).
    It is printed in groups of four, ``ABCD-EFGH-JKMN``; a code typed back is compared in capitals with the
    dashes, dots and spaces taken out.

The wording
    One certificate carries both languages, English and Korean, one above the other: the winners are cities,
    institutions and people from every continent, and the prize is Seoul's, so the certificate a winner frames
    reads in both, and one document has one code to verify. Its set phrases are therefore the prize's text in
    both languages here, not the reader's interface language (which ``gettext`` would give).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

#: The characters a code is made of: capitals and digits without 0/O, 1/I/L and U.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
#: How many characters a code has.
CODE_LENGTH = 12
#: How a printed code is grouped.
CODE_GROUP = 4
#: The most signatories a certificate carries.
MAX_SIGNATORIES = 3

_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_.]+")


def new_code(choice: Callable[[str], str] = secrets.choice) -> str:
    """A fresh code: ``CODE_LENGTH`` characters of ``CODE_ALPHABET``, unformatted (as stored)."""
    return "".join(choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """The code as printed and shown: groups of four joined by dashes (``ABCD-EFGH-JKMN``)."""
    return "-".join(code[i : i + CODE_GROUP] for i in range(0, len(code), CODE_GROUP))


def normalise_code(typed: str) -> str | None:
    """The stored form of a code someone typed or followed, or None when it cannot be one.

    Capitals, without spaces, dashes or dots. A look-alike the alphabet lacks (O, I, L, 0, 1) makes it no code
    at all, so a misread code is not found rather than mistaken for another.
    """
    code = _SEPARATORS.sub("", (typed or "").strip()).upper()
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return code


@dataclass(frozen=True)
class Signatory:
    """Who signs the certificates of an edition, in English and, where given, in Korean."""

    name_en: str
    title_en: str
    name_ko: str = ""
    title_ko: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"name_en": self.name_en, "title_en": self.title_en, "name_ko": self.name_ko, "title_ko": self.title_ko}

    @classmethod
    def from_dict(cls, data: dict) -> Signatory:
        return cls(**{key: str(data.get(key) or "").strip() for key in ("name_en", "title_en", "name_ko", "title_ko")})


def incomplete(rows: list[Signatory]) -> list[int]:
    """The rows (counted from 1) that are filled in part but lack the English name or title, which every
    signatory needs; a row left wholly empty is no signatory and not counted."""
    return [
        index
        for index, row in enumerate(rows, start=1)
        if any(row.as_dict().values()) and not (row.name_en and row.title_en)
    ]


def signing(rows: list[Signatory]) -> list[Signatory]:
    """The rows that name a signatory (the empty ones dropped), in their order."""
    return [row for row in rows if any(row.as_dict().values())]


def particle(word: str, after_consonant: str, after_vowel: str) -> str:
    """The Korean particle that follows ``word``: ``after_consonant`` (을, 은, 이) when its last syllable ends in a
    consonant, ``after_vowel`` (를, 는, 가) when it ends in a vowel, and both as ``을(를)`` after a word that does
    not end in Hangul (a Latin name, a digit), as Korean forms do."""
    last = word.rstrip()[-1:] if word.strip() else ""
    if last and "가" <= last <= "힣":
        return after_consonant if (ord(last) - ord("가")) % 28 else after_vowel
    return f"{after_consonant}({after_vowel})"


def date_en(day: date) -> str:
    """``6 October 2026``."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def date_ko(day: date) -> str:
    """``2026년 10월 6일``."""
    return f"{day.year}년 {day.month}월 {day.day}일"


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class Honour:
    """What a certificate says, as issued: who won what, in which category of which edition (names as they were when
    it was issued, in both languages; the Korean falls back to the English where none was given)."""

    winner: str  # the organisation, or the person for a category that honours people
    project: str  # the project's title; empty when the category honours people
    person: bool
    edition_en: str
    edition_ko: str
    category_en: str
    category_ko: str
    tier_en: str
    tier_ko: str
    day: date

    @property
    def heading_en(self) -> str:
        return "Certificate of Award"

    @property
    def heading_ko(self) -> str:
        return "상장"

    @property
    def body_en(self) -> str:
        """The English citation (the project, when there is one, is printed above it)."""
        where = f"{self.tier_en} in the {self.category_en} category of the {self.edition_en}"
        if self.person:
            return f"is awarded {where}, in recognition of outstanding leadership for smart and sustainable cities."
        project = " for the project named above" if self.project else ""
        return (
            f"is awarded {where}{project}, in recognition of its outstanding contribution to smart and sustainable "
            "cities."
        )

    @property
    def body_ko(self) -> str:
        """The Korean citation (귀하는 for a person, 귀 기관은 for an organisation; the project is printed above)."""
        who = "귀하는" if self.person else "귀 기관은"
        project = "위 사업으로 " if self.project else ""
        tier = self.tier_ko or self.tier_en
        return (
            f"{who} {self.edition_ko or self.edition_en} {self.category_ko or self.category_en} 부문에서 {project}"
            f"탁월한 성과를 거두어 {tier}{particle(tier, '을', '를')} 수상하였으므로 이 상장을 수여합니다."
        )

    @property
    def date_en(self) -> str:
        return date_en(self.day)

    @property
    def date_ko(self) -> str:
        return date_ko(self.day)
