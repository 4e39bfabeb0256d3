"""PURE (rapidfuzz): nominations that read alike — a project entered twice, or entered again from an earlier edition.

Two texts are compared word by word whatever their order and repetition (``token_set_ratio`` on lower-cased,
punctuation-free text): 100 when one's words are all in the other. A title matches from ``TITLE_THRESHOLD``, a
summary from ``SUMMARY_THRESHOLD`` (summaries share common words more easily, so the bar is higher), and only texts
long enough to mean something are compared. The screening page shows each match with its score; the secretariat
decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, utils

#: The least score (0–100) at which two titles, or two summaries, are shown as alike.
TITLE_THRESHOLD = 85.0
SUMMARY_THRESHOLD = 90.0
#: Texts shorter than this (in characters, once cleaned) are not compared: "Smart city" matches too much.
MIN_TITLE_CHARS = 12
MIN_SUMMARY_CHARS = 80


@dataclass(frozen=True)
class Entry:
    """What is compared of a nomination."""

    id: int
    title: str
    summary: str


@dataclass(frozen=True)
class Match:
    """Another nomination that reads like this one: on which text, and how closely (0–100)."""

    id: int
    field: str  # "title" or "summary"
    score: float


def _alike(a: str, b: str, threshold: float, shortest: int) -> tuple[float, float] | None:
    """The score of two texts when they match, with the plain edit-distance ratio that orders equal scores (a text
    inside another scores 100 however much the other adds)."""
    a, b = utils.default_process(a or ""), utils.default_process(b or "")
    if len(a) < shortest or len(b) < shortest:
        return None
    score = fuzz.token_set_ratio(a, b)
    return (round(score, 1), fuzz.ratio(a, b)) if score >= threshold else None


def similar(entry: Entry, others: Iterable[Entry]) -> list[Match]:
    """The entries that read like ``entry`` (itself left out), best first; one match per entry, on the title when
    both texts match."""
    found: list[tuple[Match, float]] = []
    for other in others:
        if other.id == entry.id:
            continue
        title = _alike(entry.title, other.title, TITLE_THRESHOLD, MIN_TITLE_CHARS)
        if title is not None:
            found.append((Match(other.id, "title", title[0]), title[1]))
            continue
        summary = _alike(entry.summary, other.summary, SUMMARY_THRESHOLD, MIN_SUMMARY_CHARS)
        if summary is not None:
            found.append((Match(other.id, "summary", summary[0]), summary[1]))
    found.sort(key=lambda pair: (-pair[0].score, -pair[1], pair[0].id))
    return [match for match, _ratio in found]
