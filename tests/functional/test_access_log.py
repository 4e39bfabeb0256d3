"""The access log (PIPA): who read whose personal data, kept one line per person, nomination and day, and
searchable by the secretariat; a person reading their own nomination is not logged."""

from __future__ import annotations

import io

import sqlalchemy as sa

from awards_app.models import AccessRecord
from tests.e2e.helpers import small_pdf
from tests.functional.judging_helpers import assign, attach, eligible, judging_round


def _records(db) -> list[tuple[str, str, int | None]]:
    db.session.expire_all()
    return [
        (r.user.email, r.kind, r.nomination_id)
        for r in db.session.scalars(sa.select(AccessRecord).order_by(AccessRecord.id))
    ]


def test_reading_a_nomination_its_documents_and_an_export_is_logged_once_a_day(client, auth, world, db):
    nomination = eligible(world)
    attachment = attach(nomination, small_pdf(2))
    round_ = judging_round(world)
    assignment = assign(round_, nomination, world.judge, declared=True)

    auth.login(world.judge)
    for _ in range(3):  # the score sheet, read three times in a day: one line
        assert client.get(f"/judging/assignments/{assignment.id}").status_code == 200
    client.get(f"/nominations/{nomination.id}/attachments/{attachment.id}/pages/1")
    client.get(f"/nominations/{nomination.id}/attachments/{attachment.id}/pages/2")  # the same document: no line
    client.get(f"/nominations/{nomination.id}/attachments/{attachment.id}")
    auth.logout()
    auth.login(world.secretariat)
    client.get(f"/secretariat/nominations/{nomination.id}")
    assert client.get(f"/secretariat/rounds/{round_.id}/rankings.csv").status_code == 200
    assert _records(db) == [
        (world.judge.email, "nomination", nomination.id),
        (world.judge.email, "document", nomination.id),
        (world.secretariat.email, "nomination", nomination.id),
        (world.secretariat.email, "export", None),
    ]


def test_an_applicant_reading_their_own_nomination_is_not_logged(client, auth, world, db):
    auth.login(world.applicant)
    client.post(f"/nominations/new/{world.project.id}", data={"title": "Robot care"})
    nomination_id = db.session.scalar(sa.select(sa.func.max(AccessRecord.id)))
    assert nomination_id is None
    from awards_app.models import Nomination

    nomination = db.session.scalars(sa.select(Nomination)).one()
    client.post(
        f"/nominations/{nomination.id}/edit",
        data={"title": "Robot care", "document": (io.BytesIO(small_pdf()), "plan.pdf"), "upload": "1"},
        content_type="multipart/form-data",
    )
    attachment = nomination.attachments[0]
    client.get(f"/nominations/{nomination.id}")
    client.get(f"/nominations/{nomination.id}/attachments/{attachment.id}")
    assert _records(db) == []


def test_the_secretariat_searches_the_log_by_person_reference_and_kind(client, auth, world, db):
    nomination = eligible(world)
    other = eligible(world, "Harbour buses")
    round_ = judging_round(world)
    for n in (nomination, other):
        assignment = assign(round_, n, world.judge, declared=True)
        auth.login(world.judge)
        client.get(f"/judging/assignments/{assignment.id}")
        auth.logout()
    auth.login(world.secretariat)
    client.get(f"/secretariat/nominations/{nomination.id}")
    everything = client.get("/secretariat/access-log").get_data(as_text=True)
    assert everything.count("<tr>") == 1 + 3  # the header and three lines
    by_person = client.get("/secretariat/access-log?person=judges.example").get_data(as_text=True)
    assert by_person.count(world.judge.email) == 2 and world.secretariat.email not in by_person.split("<tbody>")[1]
    by_reference = client.get(f"/secretariat/access-log?reference={other.reference}").get_data(as_text=True)
    assert other.reference in by_reference and nomination.reference not in by_reference.split("<tbody>")[1]
    by_kind = client.get("/secretariat/access-log?kind=export").get_data(as_text=True)
    assert "Nothing matches" in by_kind
    odd = client.get("/secretariat/access-log?kind=%00&person=%00%25&reference=" + "x" * 5000)
    assert odd.status_code == 200
