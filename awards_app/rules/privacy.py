"""Personal information: what each person consents to, how long it is kept, and what erasing it does, under Korea's
Personal Information Protection Act (PIPA) and, for Europeans, the GDPR.

**Consents.** Three, asked separately at registration and when an invitation is accepted, each recorded with its
time and the version of the privacy notice it was given under (``models.Consent``):

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

**Retention** (PIPA Art. 21, GDPR Art. 5(1)(e)). An edition's personal data is kept for ``RETENTION_YEARS`` after
the edition ended (``edition_end``: the last of its call's deadline, its rounds' deadlines and the publication of its
results), then purged (``retention_deadline``). The notice states the period, so it is one for every edition: a
different period is a new version of the notice, not a setting.

**Erasure** (PIPA Arts. 21 and 36, GDPR Art. 17): deleting an account at its owner's request, or purging an edition
past its deadline. Records are anonymised in place rather than deleted, so that everything pointing to them stays
whole and the scores, rankings and awards computed from them stay the same numbers:

- the account: name and e-mail become placeholders (``placeholder_name``, ``placeholder_email``: unique, and not
  deliverable), the password, profile, language and roles go, it can no longer sign in, and every sign-in ends;
- sign-ins (browser, address) and consents are deleted. PIPA asks for proof of consent for as long as the data it
  covers is held; once it is erased there is nothing left to prove it for, and a consent row kept would only keep
  the link to a person. The audit entry of the deletion notes the notice versions consented to, with no one to name;
- a nomination's content: every answer, every document (its file and the pages drawn from it) and every free text
  written about it (screening reason, judges' comments and conflict reasons, award override reasons) is erased. Its
  reference, category, status, organisation, scores, ranks and award tier are kept. Its title is kept when it names
  a project; when it names a person (leadership and commendation nominations are titled with their nominee's name)
  it becomes ``erased_title``;
- an organisation is a legal person (a city, an institution, a company) and is kept; one of type ``individual`` is
  its applicant themselves and is anonymised with its last member;
- a judge's work: scores, votes and calibration totals are kept under the anonymised name; their comments, their
  declared conflicts' reasons and the reasons their sheets were waived are erased, the conflicts themselves kept
  (they decide which scores count);
- the audit trail and the access log keep every entry, rewritten so that the person's name and e-mail become the
  placeholder and their network addresses go; free texts about an erased nomination become ``ERASED_TEXT``;
- mail waiting in the outbox folder for the person is deleted.

**When an account may not be deleted yet** (``deletion_holds``): a judge with unfinished work in a round that has
not closed (the secretariat replaces them or waives the sheets first: a round cannot wait for a deleted judge); an
applicant, last member of their organisation, whose nomination is being judged (screened eligible, results not yet
published: judges have read and scored it, and taking it out of the prize is the secretariat's decision, who marks
it ineligible "withdrawn at the applicant's request"; the account can then be deleted); the last secretariat
member (the prize would have no one to run it). An applicant's drafts and nominations not yet screened are
withdrawn with the account; those already decided (ineligible, withdrawn, or in an edition whose results are
published) keep their scores and results, anonymised.

**Purging an edition** erases the content of its nominations and of its judging as above, and decides for each
person who took part in it (an applicant of an entering organisation, a judge assigned to or in conflict with one
of its nominations): one who takes part in no other edition still held has their account anonymised; one who does
keeps their account, and the purged edition's records are moved to a placeholder account of their own, so that
its scores stay one judge's apart from another's without leading to anyone. Secretariat members keep their names
in the records of their own work: they act for the prize, and the audit trail must say which of them did what.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

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


#: What replaces a free text about an erased nomination in the audit trail.
ERASED_TEXT = "[erased]"

#: The top-level domain reserved for names that can never resolve (RFC 2606): a placeholder address bounces nowhere.
PLACEHOLDER_DOMAIN = "erased.invalid"

#: Nomination statuses withdrawn with their applicant's account (nothing was decided on them yet).
WITHDRAWN_WITH_ACCOUNT = ("draft", "submitted")


def edition_end(moments: Iterable[datetime | None]) -> datetime:
    """When an edition ended: the last of the moments given (its call's deadline, its rounds' deadlines, the
    publication of its results); the ones not set are left out, and at least one must be."""
    known = [moment for moment in moments if moment is not None]
    if not known:
        raise ValueError("an edition ends at one moment at least: its call's deadline")
    return max(known)


def retention_deadline(ended: datetime, years: int = RETENTION_YEARS) -> datetime:
    """The moment an edition's personal data is due for purging: ``years`` after it ended, on the same day and
    time (a 29 February ends on the 28th)."""
    try:
        return ended.replace(year=ended.year + years)
    except ValueError:
        return ended.replace(year=ended.year + years, day=28)


def is_due(deadline: datetime, now: datetime) -> bool:
    """Whether the retention period is over."""
    return now >= deadline


def being_judged(status: str, results_published: bool) -> bool:
    """A nomination screened eligible whose edition's results are not published: its applicant's account waits."""
    return status == "eligible" and not results_published


def unfinished_work_holds(status: str, round_closed: bool) -> bool:
    """An assignment still to do, or a draft, in a round that has not closed: its judge's account waits (a
    recused or waived assignment, or a submitted one, holds nothing)."""
    return status in ("to-do", "draft") and not round_closed


def confirmation_matches(typed: str | None, email: str) -> bool:
    """The typed confirmation of a deletion: the account's own e-mail address, in any case, spaces around."""
    return (typed or "").strip().lower() == email.strip().lower() != ""


def role_word(roles: Iterable[str]) -> str:
    """The word an anonymised account is named with: what the person was in the prize's records."""
    held = set(roles)
    for role, word in (("judge", "judge"), ("applicant", "applicant"), ("secretariat", "secretariat member")):
        if role in held:
            return word
    return "user"


def placeholder_name(word: str, number: int) -> str:
    """An anonymised account's name, e.g. "Deleted judge 7": it tells records apart and leads to no one."""
    return f"Deleted {word} {number}"


def placeholder_email(number: int) -> str:
    """An anonymised account's e-mail address: unique (the column is), and undeliverable."""
    return f"deleted-{number}@{PLACEHOLDER_DOMAIN}"


def placeholder_organisation(number: int) -> str:
    """The name an individual's organisation takes when it is anonymised."""
    return f"Deleted individual {number}"


def erased_title(reference: str | None, number: int) -> str:
    """The title of a nomination named after a person, once erased."""
    return f"Erased nomination {reference or f'#{number}'}"


#: How long the record of an e-mail sent (to whom, which, when) is kept, for "did you send it?": a season and more.
MAIL_RECORD_DAYS = 365
