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
"""

from __future__ import annotations

#: The consents asked for, in the order the forms show them.
PURPOSES = ("collection", "provision", "transfer_abroad")

#: How long personal data is kept after the edition it was given for (the notice states it).
RETENTION_YEARS = 3
