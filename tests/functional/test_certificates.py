"""Certificates: issued to every winner when the results are published, withdrawn with them and issued anew when
they are published again; a public page confirms each from its code, rate-limited; downloads only for the winner's
applicants and the secretariat, and only once published."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
import sqlalchemy as sa
from flask_login import AnonymousUserMixin
from limits import parse as parse_limit

from awards_app.extensions import limiter
from awards_app.models import Award, AwardTier, Certificate
from awards_app.rules import certificates as rules
from awards_app.services import ServiceError
from awards_app.services import certificates as certificates_service
from awards_app.services import publication as publication_service
from tests.conftest import make_user
from tests.functional.judging_helpers import COMMENDATION_ANSWERS, close, eligible, judging_round

SIGNATORIES = {
    "signatories-0-name_en": "Kim Do-yun",
    "signatories-0-title_en": "Mayor of Seoul",
    "signatories-0-name_ko": "김도윤",
    "signatories-0-title_ko": "서울특별시장",
    "signatories-1-name_en": "Lee Seo-yeon",
    "signatories-1-title_en": "Secretary General, WeGO",
    "certificate_date": "2026-10-06",
}


class Arranged:
    def __init__(self, world, db) -> None:
        world.project.tiers[0].name_ko = "금상"
        world.leadership.tiers = [AwardTier(name_en="Leadership Award", name_ko="리더십상", count=1, position=0)]
        db.session.commit()
        self.world = world
        self.round = judging_round(world, categories=[world.project, world.leadership])
        self.winner = eligible(world, "Odense robot-assisted care")
        self.other = eligible(world, "Kigali open data", organisation=world.other_city)
        self.leader = eligible(
            world,
            "Kim Ji-won",
            category=world.leadership,
            answers={**COMMENDATION_ANSWERS, "nominee_name": "Kim Ji-won"},
        )
        for nomination, tier in ((self.winner, world.project.tiers[0]), (self.leader, world.leadership.tiers[0])):
            db.session.add(
                Award(
                    round_id=self.round.id,
                    nomination_id=nomination.id,
                    tier_id=tier.id,
                    rank=1,
                    decided_by_id=world.secretariat.id,
                )
            )
        db.session.commit()
        close(self.round)

    def publish(self) -> list[Certificate]:
        publication_service.publish(self.world.edition, self.world.secretariat)
        return valid_certificates()


def valid_certificates() -> list[Certificate]:
    from awards_app.extensions import db

    return list(db.session.scalars(sa.select(Certificate).where(Certificate.withdrawn_at.is_(None))))


@pytest.fixture
def arranged(world, db) -> Arranged:
    return Arranged(world, db)


def text(response) -> str:
    return response.get_data(as_text=True)


def test_publishing_issues_one_certificate_per_winner_as_it_stands_then(client, auth, world, db, arranged):
    auth.login(world.secretariat)
    assert client.post(f"/secretariat/editions/{world.edition.id}/certificates", data=SIGNATORIES).status_code == 302
    assert not db.session.scalar(sa.select(sa.func.count(Certificate.id)))
    certificates = {c.nomination_id: c for c in arranged.publish()}
    assert set(certificates) == {arranged.winner.id, arranged.leader.id}  # the runner-up has none
    project, leader = certificates[arranged.winner.id], certificates[arranged.leader.id]
    assert (project.winner, project.project, project.person) == ("City of Odense", "Odense robot-assisted care", False)
    assert (leader.winner, leader.project, leader.person) == ("Kim Ji-won", "", True)
    assert (project.tier_name_en, project.tier_name_ko, project.category_name_ko) == ("Gold", "금상", "기술혁신")
    assert project.certificate_date == date(2026, 10, 6)
    assert [s.name_ko for s in project.signatory_rows] == ["김도윤", ""]
    assert len(project.code) == rules.CODE_LENGTH and project.code != leader.code
    # A later edit of the tier's name does not change a certificate issued.
    world.project.tiers[0].name_en = "Grand prize"
    db.session.commit()
    page = text(client.get(f"/certificates/{project.printed_code}"))
    assert "Gold" in page and "Grand prize" not in page


def test_the_public_page_says_valid_withdrawn_or_unknown(client, auth, world, db, arranged):
    (project, _leader) = sorted(arranged.publish(), key=lambda c: c.person)
    code = project.printed_code
    # Anyone, signed in or not, with the code as printed, in small letters, or without its dashes.
    for typed in (code, code.lower(), code.replace("-", ""), f" {code[:4]} {code[5:9]} {code[10:]} "):
        response = client.get(f"/certificates/{typed}")
        assert response.status_code == 200, typed
        page = text(response)
        assert "Valid." in page and "City of Odense" in page and "Odense robot-assisted care" in page
        assert "Gold" in page and "Tech-InnovaCity" in page and "Test Prize 2026" in page
    # What was not published is not there: no rank or score, no reference, no contact.
    assert world.applicant.email not in page and arranged.winner.reference not in page and "rank" not in page.lower()
    # The form finds it too.
    response = client.get("/certificates", query_string={"code": code.lower().replace("-", " ")})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/certificates/{code}")
    # Withdrawn with the publication: the page says when and why.
    auth.login(world.secretariat)
    client.post(
        f"/secretariat/rounds/{arranged.round.id}/results/withdraw", data={"reason": "A score was entered wrongly"}
    )
    auth.logout()
    page = text(client.get(f"/certificates/{code}"))
    assert "Withdrawn." in page and "A score was entered wrongly" in page and "Valid." not in page
    # Published again after a correction: new certificates; the old code stays verifiable, as withdrawn.
    publication_service.publish(world.edition, world.secretariat)
    fresh = {c.nomination_id: c for c in valid_certificates()}
    assert fresh[arranged.winner.id].code != project.code
    assert "Valid." in text(client.get(f"/certificates/{fresh[arranged.winner.id].printed_code}"))
    assert "Withdrawn." in text(client.get(f"/certificates/{code}"))
    # A code nobody was given, or something that cannot be a code: 404, with the form to try again.
    for unknown in ("ABCD-EFGH-JKMN", "not-a-code", "x" * 500, "%00"):
        response = client.get(f"/certificates/{unknown}")
        assert response.status_code == 404, unknown
        assert "No certificate has this code" in text(response) and 'name="code"' in text(response)
    response = client.get("/certificates", query_string={"code": "12345"})
    assert response.status_code == 200 and "A code has 12 letters and digits" in text(response)


def test_nothing_unpublished_shows_on_a_withdrawn_certificates_page(client, auth, world, db, arranged):
    (project, _leader) = sorted(arranged.publish(), key=lambda c: c.person)
    publication_service.withdraw(world.edition, world.secretariat, "Recount")
    # Corrected while withdrawn: the nomination now has Silver, which nobody outside the secretariat may see yet.
    award = db.session.scalar(sa.select(Award).where(Award.nomination_id == arranged.winner.id))
    award.tier_id = world.project.tiers[1].id
    db.session.commit()
    page = text(client.get(f"/certificates/{project.printed_code}"))
    assert "Gold" in page and "Silver" not in page
    assert not valid_certificates()


def test_downloads_are_the_winners_and_the_secretariats_once_published(app, client, auth, world, db, arranged):
    url = f"/nominations/{arranged.winner.id}/certificate.pdf"
    auth.login(world.applicant)
    assert client.get(url).status_code == 404  # before publication: none
    assert "Download the certificate" not in text(client.get(f"/nominations/{arranged.winner.id}"))
    auth.logout()
    auth.login(world.secretariat)
    zip_url = f"/secretariat/editions/{world.edition.id}/certificates.zip"
    response = client.get(zip_url, follow_redirects=True)
    assert "The results are not published" in text(response)
    auth.logout()
    certificates = arranged.publish()
    assert client.get(url).status_code == 302  # anonymous: sign in first
    judge = make_user("judge9@judges.example", [], name="Someone")
    db.session.commit()
    for outsider in (world.other_applicant, world.judge, judge):
        auth.login(outsider)
        assert client.get(url).status_code == 403, outsider.email
        auth.logout()
    auth.login(world.applicant)
    page = text(client.get(f"/nominations/{arranged.winner.id}"))
    assert "Download the certificate (PDF)" in page
    assert next(c.printed_code for c in certificates if not c.person) in page
    # The runner-up's organisation has no certificate: 404 to its own applicant.
    auth.logout()
    auth.login(world.other_applicant)
    assert client.get(f"/nominations/{arranged.other.id}/certificate.pdf").status_code == 404
    auth.logout()
    auth.login(world.secretariat)
    page = text(client.get(f"/secretariat/editions/{world.edition.id}/certificates"))
    assert all(c.printed_code in page for c in certificates)


def test_who_may_download_a_certificate_is_said_by_the_model_alone(client, auth, world, db, arranged):
    (project, _leader) = sorted(arranged.publish(), key=lambda c: c.person)
    judge = make_user("judge9@judges.example", [], name="Someone")
    db.session.commit()
    nomination = project.nomination
    cases = {world.applicant: True, world.secretariat: True, world.other_applicant: False, judge: False}
    for user, may in cases.items():
        assert nomination.can_download_certificate(user) is may, user.email
        assert project.can_download(user) is may, user.email
    assert not nomination.can_download_certificate(AnonymousUserMixin())
    assert not project.can_download(AnonymousUserMixin())

    publication_service.withdraw(world.edition, world.secretariat, "Recount")
    db.session.refresh(project)
    assert not project.can_download(world.applicant) and project.can_download(world.secretariat)
    # The applicant may still ask (it is their nomination's), but there is no certificate to download now.
    assert nomination.can_download_certificate(world.applicant)
    auth.login(world.applicant)
    assert client.get(f"/nominations/{nomination.id}/certificate.pdf").status_code == 404
    assert "Download the certificate" not in text(client.get(f"/nominations/{nomination.id}"))


def test_the_pdfs_carry_the_code_and_the_zip_has_every_winner(client, auth, world, db, arranged, needs_pdf):
    from pypdf import PdfReader

    certificates = arranged.publish()
    auth.login(world.applicant)
    response = client.get(f"/nominations/{arranged.winner.id}/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert width > height  # landscape
    words = reader.pages[0].extract_text()
    project = next(c for c in certificates if not c.person)
    assert project.printed_code in words and "City of Odense" in words and "Certificate of Award" in words
    auth.logout()
    auth.login(world.secretariat)
    response = client.get(f"/secretariat/editions/{world.edition.id}/certificates.zip")
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
    leader = client.get(f"/nominations/{arranged.leader.id}/certificate.pdf")
    assert leader.status_code == 200 and "Kim Ji-won" in PdfReader(io.BytesIO(leader.data)).pages[0].extract_text()
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert sorted(names) == sorted(certificates_service.file_name(c) for c in certificates)
    response = client.get(f"/secretariat/editions/{world.edition.id}/certificates/specimen.pdf")
    assert response.status_code == 200 and "SPECIMEN" in PdfReader(io.BytesIO(response.data)).pages[0].extract_text()


def test_the_secretariat_sets_one_to_three_signatories(client, auth, world, db):
    auth.login(world.secretariat)
    url = f"/secretariat/editions/{world.edition.id}/certificates"
    page = text(client.post(url, data={"signatories-0-name_en": "Kim Do-yun"}, follow_redirects=True))
    assert "Signatory 1: give the name and the title in English" in page
    page = text(client.post(url, data={}, follow_redirects=True))
    assert "Name at least one signatory." in page
    assert certificates_service.settings_of(world.edition) is None
    page = text(client.post(url, data=SIGNATORIES, follow_redirects=True))
    assert "Saved." in page and 'value="김도윤"' in page and 'value="2026-10-06"' in page
    with pytest.raises(ServiceError):
        certificates_service.save_settings(
            world.edition, [rules.Signatory(f"N{i}", "T") for i in range(4)], None, world.secretariat
        )
    assert [s["name_en"] for s in certificates_service.settings_of(world.edition).signatories] == [
        "Kim Do-yun",
        "Lee Seo-yeon",
    ]


def test_publishing_without_signatories_warns(client, auth, world, db, arranged):
    auth.login(world.secretariat)
    page = text(client.get(f"/secretariat/rounds/{arranged.round.id}/results/publish"))
    assert "No one signs this edition&#39;s certificates yet" in page
    client.post(f"/secretariat/editions/{world.edition.id}/certificates", data=SIGNATORIES)
    page = text(client.get(f"/secretariat/rounds/{arranged.round.id}/results/publish"))
    assert "No one signs" not in page


@pytest.fixture
def throttled(app):
    app.config["CERTIFICATE_LIMIT_PER_ADDRESS"] = (
        f"{parse_limit(app.config['CERTIFICATE_LIMIT_PER_ADDRESS']).amount} per day"
    )
    app.config["RATELIMIT_ENABLED"] = True
    limiter.init_app(app)
    return limiter


def test_unknown_codes_are_rate_limited_per_address(client, world, db, arranged, throttled, app):
    (project, _leader) = sorted(arranged.publish(), key=lambda c: c.person)
    allowed = parse_limit(app.config["CERTIFICATE_LIMIT_PER_ADDRESS"]).amount
    here = {"REMOTE_ADDR": "10.0.0.7"}
    # Real codes do not count.
    for _ in range(allowed + 5):
        assert client.get(f"/certificates/{project.printed_code}", environ_base=here).status_code == 200
    for index in range(allowed):
        guess = rules.format_code(rules.new_code())
        assert client.get(f"/certificates/{guess}", environ_base=here).status_code == 404, index
    response = client.get(f"/certificates/{project.printed_code}", environ_base=here)
    assert response.status_code == 429 and "Retry-After" in response.headers
    assert "Too many codes that match no certificate" in text(response) and "City of Odense" not in text(response)
    typed = client.get("/certificates", query_string={"code": project.code}, environ_base=here)
    assert client.get(typed.headers["Location"], environ_base=here).status_code == 429
    # Another address is not held up.
    assert (
        client.get(f"/certificates/{project.printed_code}", environ_base={"REMOTE_ADDR": "10.0.0.8"}).status_code == 200
    )


def test_an_erased_person_is_named_on_their_certificate_no_more(client, world, db, arranged):
    from awards_app.models import utcnow
    from awards_app.services import anonymise

    certificates = {c.nomination_id: c for c in arranged.publish()}
    anonymise.erase_nominations([arranged.leader, arranged.winner], anonymise.Erasure(now=utcnow()))
    db.session.commit()
    leader, project = certificates[arranged.leader.id], certificates[arranged.winner.id]
    db.session.refresh(leader)
    page = text(client.get(f"/certificates/{leader.printed_code}"))
    assert "Kim Ji-won" not in page and f"Erased nomination {arranged.leader.reference}" in page
    # An organisation is no person: its certificate keeps its name.
    assert "City of Odense" in text(client.get(f"/certificates/{project.printed_code}"))


def test_an_erased_individual_applicant_is_named_on_their_certificate_no_more(client, world, db, arranged):
    """An individual's organisation is the person: the winner of a project category may be one."""
    from awards_app.models import OrganisationType, utcnow
    from awards_app.services import anonymise

    world.city.name, world.city.type = "Mette Sørensen", OrganisationType.INDIVIDUAL
    db.session.commit()
    certificates = {c.nomination_id: c for c in arranged.publish()}
    project = certificates[arranged.winner.id]
    assert project.winner == "Mette Sørensen"
    anonymise.anonymise_organisation(world.city, anonymise.Erasure(now=utcnow()))
    db.session.commit()
    page = text(client.get(f"/certificates/{project.printed_code}"))
    assert "Mette" not in page and world.city.name in page and "Valid" in page
