"""The prize's rules, in one place: services, forms, imports, the pure modules and templates read them here.

This module holds the rules that are numbers. Each is a default the secretariat can change where the page says so,
or a limit; the value here is what a new round, category or text starts with. The rules that are more than a
number each have a module beside it:

- ``rules.criteria``: the published criteria a new rubric starts with, and the default score scale;
- ``rules.committee``: who counts as a member and as present in a committee vote, the quorum and the majority;
- ``rules.tiers``: how award tiers are filled (by whom each is for, in their order; doubtful places left to
  the committee);
- ``rules.editions``: how a new edition copied from an earlier one moves on a year (its names, short name and
  dates, the 29th of February becoming the 28th);
- ``rules.feedback``: when a round's feedback to applicants may be released and read, how judges are made
  anonymous in it, and how small a category may be for its distribution to be shown;
- ``awards_app.ranking``: how a ranking is made (the methods, ties and tie-breaks, the flags and the watched cuts);
- ``awards_app.assignment``: the conflict rules of assignment (never a judge from the nominating organisation, or
  its country when the round says so) and how judges are spread.
"""

from __future__ import annotations

from decimal import Decimal


def N_(text: str) -> str:  # gettext's name for it
    """Mark a rule's words for translation and give them back unchanged: the rules stay free of the web framework,
    the catalogue has them (``pybabel extract -k N_``), and a page translates them where it shows them."""
    return text


#: A nomination is flagged "disagreement" when its judges' totals spread this far (population SD, in points of
#: the 0–100 total) or further.
DEFAULT_DISAGREEMENT = Decimal(15)

#: At a tier's boundary, the uncertainty model must put the last nomination in ahead of the first one out in at
#: least this share of its draws, or the place goes to the committee.
BOUNDARY_CERTAINTY = 0.9

#: The rank intervals of the uncertainty model: the central 90% of each nomination's ranks over the draws. A
#: nomination whose interval crosses a cut is in that cut's uncertain zone.
RANK_INTERVAL = 0.9


#: A judge with unfinished work this close to a round's deadline (or after it) is late.
LATE_WINDOW_HOURS = 48

# --- text limits (characters) ---------------------------------------------------------------------------------

#: The shortest password an account may have.
MIN_PASSWORD_CHARS = 10
#: A person's name, a city.
NAME_CHARS = 120
#: A longer name: an organisation, an edition, a criterion; an e-mail address, a password, a file name.
LONG_NAME_CHARS = 200
#: A tier's name.
SHORT_NAME_CHARS = 80
#: A nomination's title as lists show it.
TITLE_CHARS = 300
#: An e-mail address (RFC 5321).
EMAIL_CHARS = 254
#: A search typed into a list.
SEARCH_CHARS = 200
#: A criterion's guidance for judges, a category's description.
GUIDANCE_CHARS = 4000
#: What one range of a criterion's scale means (a level descriptor), in each language.
DESCRIPTOR_CHARS = 500
#: A reason written for a decision: a conflict of interest, an award override, a waived sheet, a withdrawal.
REASON_CHARS = 2000
#: A short text: a reason given in passing, a judge's expertise; how much of a reason the audit summary keeps.
SHORT_TEXT_CHARS = 500
#: A judge's comment on one criterion.
COMMENT_CHARS = 5000
#: A judge's overall comment on a score sheet.
OVERALL_COMMENT_CHARS = 10000
#: The privacy notice, in each language.
NOTICE_CHARS = 30000
