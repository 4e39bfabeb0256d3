"""Dossiers: a judge's nominations of a round as one PDF for the judge, and a category's book for the committee,
built in the background (``services.dossiers``)."""
