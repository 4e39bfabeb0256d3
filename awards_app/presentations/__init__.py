"""The finals' schedule (``rules.presentations``): the secretariat's page of a round's presentation slots, the
judges' schedule of the finalists they hear, and the calendar file of a slot for those who may see it."""
