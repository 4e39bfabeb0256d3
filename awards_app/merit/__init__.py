"""The merit statements (공적조서) of the Mayor's commendation: each nomination's as PDF or Word, and a category's for
the committee."""
