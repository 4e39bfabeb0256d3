"""The prize's rules that are numbers, in one place: services, forms, the pure modules and templates read them here.

Each is a default the secretariat can change where the page says so; the value here is what a new round, category
or upload starts with.
"""

from __future__ import annotations

from decimal import Decimal

#: A nomination is flagged "disagreement" when its judges' totals spread this far (population SD, in points of
#: the 0–100 total) or further.
DEFAULT_DISAGREEMENT = Decimal(15)

#: At a tier's boundary, the uncertainty model must put the last nomination in ahead of the first one out in at
#: least this share of its draws, or the place goes to the committee.
BOUNDARY_CERTAINTY = 0.9

#: The rank intervals of the uncertainty model: the central 90% of each nomination's ranks over the draws. A
#: nomination whose interval crosses a cut is in that cut's uncertain zone.
RANK_INTERVAL = 0.9
