"""Personal information: what each person consents to, under Korea's Personal Information Protection Act (PIPA)
and, for Europeans, the GDPR.

Three consents, asked separately at registration and when an invitation is accepted, each recorded with its time
and the version of the privacy notice it was given under (``models.Consent``):

- ``collection`` (PIPA Art. 15): the items collected, for running the prize, kept for ``RETENTION_YEARS``;
- ``provision`` (Art. 17): the nominations and the people in them are given to the judges, the Seoul Metropolitan
  Government and WeGO;
- ``transfer_abroad`` (Art. 28-8): judges abroad read them, from their own countries.

Each may be refused; refusing means the account cannot be made, since the prize cannot be run without them (the
notice says so). The notice itself (Art. 30) is kept by the secretariat in both languages (``PrivacyNotice``); a
new version applies to consents given from then on.

A nomination about a person (a Mayor's commendation, a leader) holds that person's data, given by someone else: the
nominee consents too, to the same three purposes (``NOMINEE_CONSENT_KINDS``). The applicant either has the app
e-mail the nominee a link (valid ``NOMINEE_LINK_DAYS``), or uploads the form the nominee signed; the secretariat may
record a form received on paper (nominations entered from a spreadsheet). Without the nominee's consent the
nomination cannot be submitted by the applicant, nor screened eligible by the secretariat (judges would read it).
"""

from __future__ import annotations

#: The consents asked for, in the order the forms show them.
PURPOSES = ("collection", "provision", "transfer_abroad")

#: How long personal data is kept after the edition it was given for (the notice states it).
RETENTION_YEARS = 3

#: The category kinds (``models.CategoryKind`` values) whose nominee is a person who must consent too.
NOMINEE_CONSENT_KINDS = frozenset({"commendation", "leadership"})

#: How a nominee's consent reached us: their answer to the e-mailed link, a signed form the applicant uploaded, or
#: one the secretariat received on paper.
NOMINEE_CONSENT_METHODS = ("link", "form", "paper")

#: How long the link e-mailed to a nominee stays valid; the applicant may send a new one.
NOMINEE_LINK_DAYS = 30


def needs_nominee_consent(kind: str) -> bool:
    """Whether a nomination of this category kind needs its nominee's own consent."""
    return str(kind) in NOMINEE_CONSENT_KINDS
