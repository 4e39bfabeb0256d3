"""Judges' dossiers and the committee's books: who may have which, what they hold, how they are built in the
background and built again when their data changes. The PDFs are read back with pypdf."""

from __future__ import annotations

import io
import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from awards_app.models import AccessRecord, AuditEvent, BuildStatus, Conflict, DossierBuild, RoundEntry, utcnow
from awards_app.services import dossiers as dossiers_service
from tests.e2e.helpers import small_pdf
from tests.functional.judging_helpers import another_judge, assign, attach, eligible, judging_round

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def arranged(world, db):
    """A round with three nominations: the judge holds the first (with a PDF, an image and a damaged PDF), is
    recused from the second, and is not assigned the third."""
    round_ = judging_round(world)
    held = eligible(world, "Smart shelters for Seoul")
    attach(held, small_pdf("Annexed implementation plan", pages=2), "plan.pdf")
    attach(held, PNG, "photo.png", "image/png")
    attach(held, b"%PDF-1.4\nthis file is damaged", "broken.pdf")
    recused = eligible(world, "Recused river restoration")
    other = eligible(world, "Unassigned traffic lights", organisation=world.other_city)
    assign(round_, held, world.judge, declared=True)
    assign(round_, recused, world.judge)
    db.session.add(
        Conflict(judge_id=world.judge.id, nomination_id=recused.id, reason="Advised", recorded_by_id=world.judge.id)
    )
    db.session.commit()
    return round_, held, recused, other


def _texts(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_a_judge_builds_and_downloads_their_own_dossier(client, auth, world, db, arranged):
    round_, _held, _recused, _other = arranged
    auth.login(world.judge)
    page = client.get("/judging/").get_data(as_text=True)
    assert f"/judging/rounds/{round_.id}/dossier" in page
    url = f"/judging/rounds/{round_.id}/dossier"
    page = client.get(url).get_data(as_text=True)
    assert "Not built yet." in page and "Build the dossier" in page
    assert client.get(url + ".pdf").status_code == 302  # nothing to download yet: back to the page

    response = client.post(url, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "The dossier is ready." in page and "Download the PDF" in page
    assert json.loads(client.get(url + ".json").data) | {"status": "done", "ready": True} == json.loads(
        client.get(url + ".json").data
    )

    response = client.get(url + ".pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response.headers["Cache-Control"]
    texts = _texts(response.data)
    everything = "\n".join(texts)
    assert "Smart shelters for Seoul" in everything
    assert "Recused river restoration" not in everything and "Unassigned traffic lights" not in everything
    assert "Annexed implementation plan, page 2" in everything  # the PDF document merged in
    assert "photo.png" in everything and "Not a PDF" in everything
    assert "broken.pdf" in everything and "damaged" in everything
    assert "Contents" in texts[0] and "Document: plan.pdf" in texts[0]
    for number, text in enumerate(texts, start=1):
        assert "Ana Ferreira" in text and f"{number} / {len(texts)}" in text
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"dossier.requested", "dossier.downloaded"} <= actions


def test_the_dossier_is_kept_while_its_data_holds_and_built_again_when_it_changes(client, auth, world, db, arranged):
    round_, held, _recused, _other = arranged
    auth.login(world.judge)
    url = f"/judging/rounds/{round_.id}/dossier"
    client.post(url)
    client.post(url)  # asked again with nothing changed: the same file
    [first] = db.session.scalars(sa.select(DossierBuild))
    assert first.status is BuildStatus.DONE and first.nominations == 1

    attach(held, small_pdf("A late annex"), "late.pdf")
    page = client.get(url).get_data(as_text=True)
    assert "have changed since the last build" in page
    assert client.get(url + ".pdf").status_code == 302  # never the out-of-date file

    client.post(url)
    builds = list(db.session.scalars(sa.select(DossierBuild).order_by(DossierBuild.id)))
    assert len(builds) == 2 and builds[0].stored_name is None  # the superseded file is gone
    assert "A late annex" in "\n".join(_texts(client.get(url + ".pdf").data))


def test_an_erasure_deletes_the_printed_dossiers_that_hold_the_nomination(client, auth, world, db, app, arranged):
    from awards_app.services import anonymise

    round_, held, _recused, _other = arranged
    auth.login(world.judge)
    url = f"/judging/rounds/{round_.id}/dossier"
    client.post(url)
    [build] = db.session.scalars(sa.select(DossierBuild))
    path = Path(app.config["PREVIEW_FOLDER"]) / "dossiers" / build.stored_name
    assert path.exists() and "Smart shelters for Seoul" in "\n".join(_texts(path.read_bytes()))

    anonymise.erase_nominations([held], anonymise.Erasure(now=utcnow()))
    db.session.commit()
    assert not path.exists()
    page = client.get(url).get_data(as_text=True)
    assert "have changed since the last build" in page
    assert client.get(url + ".pdf").status_code == 302
    client.post(url)
    again = "\n".join(_texts(client.get(url + ".pdf").data))
    assert "Annexed implementation plan" not in again and "plan.pdf" not in again


def test_a_build_that_stopped_is_marked_failed_and_can_be_asked_for_again(client, auth, world, db, arranged):
    round_, *_ = arranged
    auth.login(world.judge)
    url = f"/judging/rounds/{round_.id}/dossier"
    client.post(url)
    build = db.session.scalar(sa.select(DossierBuild))
    build.status, build.stored_name, build.heartbeat_at = BuildStatus.RUNNING, None, utcnow() - timedelta(minutes=10)
    db.session.commit()
    assert "The last build failed" in client.get(url).get_data(as_text=True)
    client.post(url)
    assert db.session.scalar(sa.select(sa.func.count(DossierBuild.id))) == 2


@pytest.mark.parametrize("suffix", ["", ".json", ".pdf"])
def test_only_a_judge_who_holds_a_nomination_of_the_round_reaches_a_dossier(client, auth, world, db, arranged, suffix):
    round_, _held, recused, _other = arranged
    url = f"/judging/rounds/{round_.id}/dossier{suffix}"
    assert "/auth/login" in client.get(url).headers["Location"]
    unassigned = another_judge()
    only_recused = another_judge("recused@judges.example", "Recused Judge")
    assign(round_, recused, only_recused)
    db.session.add(
        Conflict(judge_id=only_recused.id, nomination_id=recused.id, reason="x", recorded_by_id=only_recused.id)
    )
    db.session.commit()
    for judge in (unassigned, only_recused):
        auth.login(judge)
        assert client.get(url).status_code == 404, judge.email
        assert client.post(url).status_code in (404, 405), judge.email
        auth.logout()
    for user in (world.applicant, world.secretariat):
        auth.login(user)
        assert client.get(url).status_code == 403
        auth.logout()
    assert db.session.scalar(sa.select(sa.func.count(DossierBuild.id))) == 0


def _finals(world, db, *advanced, categories=None):
    """A later round of the project category (and those named), into which these nominations were advanced."""
    finals = judging_round(world, name="Finalists", categories=categories)
    finals.position = 2
    db.session.add_all([RoundEntry(round_id=finals.id, nomination_id=n.id) for n in advanced])
    db.session.commit()
    return finals


def test_the_secretariat_builds_a_judges_dossier_and_a_finalists_book(client, auth, world, db, arranged):
    first_round, held, _recused, other = arranged
    finals = _finals(world, db, held, other)
    auth.login(world.secretariat)

    page = client.get(f"/secretariat/rounds/{first_round.id}/dossiers").get_data(as_text=True)
    assert "Ana Ferreira" in page and f"/dossiers/judges/{world.judge.id}" in page
    judge_url = f"/secretariat/rounds/{first_round.id}/dossiers/judges/{world.judge.id}"
    assert "Dossier of Ana Ferreira" in client.post(judge_url, follow_redirects=True).get_data(as_text=True)
    texts = _texts(client.get(judge_url + ".pdf").data)
    assert "Smart shelters for Seoul" in texts[1] and "Recused river restoration" not in "".join(texts)
    assert client.get(f"/secretariat/rounds/{first_round.id}/dossiers/judges/{world.applicant.id}").status_code == 404

    book_url = f"/secretariat/rounds/{finals.id}/dossiers/categories/{world.project.id}"
    page = client.post(book_url, follow_redirects=True).get_data(as_text=True)
    assert "Finalists&#39; book" in page or "Finalists' book" in page
    response = client.get(book_url + ".pdf")
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
    everything = "\n".join(_texts(response.data))
    assert "Smart shelters for Seoul" in everything and "Unassigned traffic lights" in everything
    assert "Recused river restoration" not in everything  # not advanced into the finals
    assert "Confidential: for the committee" in everything
    assert client.get(f"/secretariat/rounds/{finals.id}/dossiers/categories/{world.leadership.id}").status_code == 404
    # Who read whose data: each nomination of each file downloaded; the audit names the judge by address.
    read = set(
        db.session.execute(
            sa.select(AccessRecord.nomination_id, AccessRecord.detail).where(
                AccessRecord.user_id == world.secretariat.id, AccessRecord.kind == "dossier"
            )
        )
    )
    assert {n for n, _name in read} == {held.id, other.id}
    downloads = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "dossier.downloaded")).all()
    assert [e.details.get("judge") for e in downloads] == [world.judge.email, None]


def test_the_secretariats_page_counts_each_book_and_lists_the_rounds_judges(client, auth, world, db, arranged):
    first_round, held, _recused, other = arranged
    finals = _finals(world, db, held, other, categories=[world.project, world.leadership])
    unassigned = another_judge()
    assert dossiers_service.book_sizes(first_round) == {world.project.id: 3}
    assert dossiers_service.book_sizes(finals) == {world.project.id: 2}  # the finalists; no leadership entry
    assert dossiers_service.is_round_judge(first_round, world.judge)  # recused from one, still the round's judge
    assert not dossiers_service.is_round_judge(first_round, unassigned)
    assert not dossiers_service.is_round_judge(finals, world.judge)
    overview = dossiers_service.round_dossiers(first_round)
    assert [(row.judge, row.nominations, row.recused) for row in overview.judges] == [(world.judge, 1, 1)]

    auth.login(world.secretariat)
    page = client.get(f"/secretariat/rounds/{finals.id}/dossiers").get_data(as_text=True)
    assert f"/dossiers/categories/{world.project.id}" in page
    assert f"/dossiers/categories/{world.leadership.id}" not in page  # an empty book has no page to go to
    assert client.get(f"/secretariat/rounds/{first_round.id}/dossiers/judges/{unassigned.id}").status_code == 404


def test_a_korean_judges_dossier_is_in_korean(client, auth, world, db, arranged):
    round_, *_ = arranged
    world.judge.locale, world.judge.name = "ko", "김민수"
    db.session.commit()
    auth.login(world.judge)
    url = f"/judging/rounds/{round_.id}/dossier"
    client.post(url)
    texts = _texts(client.get(url + ".pdf").data)
    assert "접수번호" in texts[1]  # the nomination's facts, in the judge's language
    assert all("김민수" in text for text in texts)


def test_the_background_job_builds_the_dossier_and_reports_its_progress(
    app, client, auth, world, db, arranged, tmp_path
):
    round_, *_ = arranged
    app.config.update(DOSSIERS_IN_BACKGROUND=True, DOSSIER_JOB_LOG=str(tmp_path / "dossier-jobs.log"))
    auth.login(world.judge)
    url = f"/judging/rounds/{round_.id}/dossier"
    client.post(url)
    deadline, seen = time.monotonic() + 90, []
    while time.monotonic() < deadline:
        db.session.rollback()  # see the job's work, as a new request would
        state = json.loads(client.get(url + ".json").data)
        seen.append(state["status"])
        if state["status"] not in ("queued", "running"):
            break
        time.sleep(0.5)
    assert state["status"] == "done" and state["ready"], (seen, (tmp_path / "dossier-jobs.log").read_text())
    assert "Smart shelters for Seoul" in "\n".join(_texts(client.get(url + ".pdf").data))
