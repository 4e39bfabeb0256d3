"""The Mayor's commendation committee: who counts as a member and as present, the quorum and the majority.

``RULES_IN_WORDS`` states them as the results page, the workbook and the minutes print them; ``VoteCount`` applies
them; the round's quorum starts at ``DEFAULT_QUORUM``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from . import N_

#: The share of the members that must be present, for a new committee round.
DEFAULT_QUORUM = Decimal("0.5")


@dataclass(frozen=True)
class VoteCount:
    committee: int  # members without a conflict
    approve: int
    reject: int
    abstain: int

    @property
    def present(self) -> int:
        return self.approve + self.reject + self.abstain

    def quorate(self, quorum: Decimal) -> bool:
        """More than the quorum share of the committee took part."""
        return self.committee > 0 and Decimal(self.present) > Decimal(quorum) * self.committee

    def passes(self, quorum: Decimal) -> bool:
        """A majority of the members present approve, with a quorum present."""
        return self.quorate(quorum) and self.approve * 2 > self.present


#: The rules in words, as the results page (in the reader's language), the Votes sheet and the minutes state them.
RULES_IN_WORDS = (
    (
        N_("Members (재적)"),
        N_("The committee members assigned the nomination, leaving out those with a conflict of interest with it."),
    ),
    (N_("Present (출석)"), N_("The members who voted: approve, reject or abstain.")),
    (N_("Quorum"), N_("More than the round's quorum share of the members must be present.")),
    (
        N_("Passes"),
        N_(
            "With a quorum present, when more than half of the members present approve (an abstention is present "
            "and not an approval)."
        ),
    ),
    (
        N_("Commendations"),
        N_(
            "The category's tiers go to the nominations that passed, by their share of approvals among "
            "the members present; a tie at the last place is left to the committee."
        ),
    ),
)
