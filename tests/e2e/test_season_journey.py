"""A whole season in a real browser, from an empty installation to published winners, through the pages only.

The first account is made by ``flask awards create-admin``. The officer sets up last year's edition (a category with
its award tiers, a round) and copies it into this year's, adds a question to its entry form and gives corporations
a form of their own, then follows the guided steps: opens the call, invites
three judges (one in Korean), lets two applicants from different countries register and submit (one in Korean),
screens, assigns, opens the round, waits for the scores, closes, gives the tiers and publishes. Every e-mail goes
through a real SMTP server, and each person reads theirs in their own language.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from playwright.sync_api import Browser, Page, expect

from awards_app.extensions import db
from awards_app.models import Nomination, NominationStatus, User
from awards_app.services import mail as mail_service
from tests.conftest import complete_project_answers

from .helpers import LAPTOP, Screenshots, choose_language, confirm

OFFICER = ("officer@wego.example", "Park Ji-hoon", "officer-pass-phrase-1")
SEOUL = ZoneInfo("Asia/Seoul")
JUDGES = [  # name, e-mail, organisation, country and its time zone, language of the invitation
    ("Sofia Lindqvist", "sofia@judges.example", "City of Gothenburg", "SE/Europe/Stockholm", "en"),
    ("Kenji Watanabe", "kenji@judges.example", "Tokyo Institute of Urban Studies", "JP/Asia/Tokyo", "ko"),
    ("Ana Ribeiro", "ana@judges.example", "University of Porto", "PT/Europe/Lisbon", "en"),
]
APPLICANTS = [  # name, e-mail, organisation, type, country, city, language, project title
    ("Wanjiru Kamau", "w.kamau@nairobi.example", "Nairobi City County", "city", "KE", "Nairobi", "en",
     "Nairobi flood sensors"),
    ("Lee Seo-yeon", "seoyeon@mobility.example", "Hanbit Mobility", "corporation", "KR", "Busan", "ko",
     "Busan demand-responsive buses"),
]  # fmt: skip
PASSWORD = "a-long-enough-password"
MARKET = "Fares from riders and a contract with the city of Busan."


@pytest.fixture(autouse=True)
def real_csrf(app):
    """Every form checks its CSRF token, as in production."""
    app.config["WTF_CSRF_ENABLED"] = True


class Inbox:
    """The SMTP server's messages, waited for: mail goes out beside the response, a moment after it."""

    def __init__(self, smtp_inbox) -> None:
        self.smtp = smtp_inbox

    def to(self, address: str, count: int = 1, timeout: float = 15.0) -> list:
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.smtp.messages if m["To"] == address]
            if len(found) >= count or time.monotonic() > deadline:
                assert len(found) >= count, f"{len(found)} e-mails to {address}, expected {count}: {self.subjects()}"
                return found
            time.sleep(0.05)

    def last_to(self, address: str, count: int = 1):
        return self.to(address, count)[-1]

    def link(self, message) -> str:
        """The path of the link the e-mail gives (the app's address in tests is http://localhost)."""
        match = re.search(r"http://localhost(/\S+)", message.get_content())
        assert match, message.get_content()
        return match.group(1)

    def subjects(self) -> list[tuple[str, str]]:
        return [(m["To"], m["Subject"]) for m in self.smtp.messages]


def _local(moment: datetime) -> str:
    return moment.astimezone(SEOUL).strftime("%Y-%m-%dT%H:%M")


def _new_page(browser: Browser, locale: str = "en-GB") -> Page:
    context = browser.new_context(viewport=LAPTOP, locale=locale, reduced_motion="reduce", timezone_id="Asia/Seoul")
    return context.new_page()


def _sign_in(page: Page, live_server: str, email: str, password: str) -> None:
    page.goto(f"{live_server}/auth/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("#submit").click()
    expect(page.locator("form[action$='/auth/logout']")).to_be_attached()


def _add_field(page: Page, name: str, english: str, korean: str, words: int) -> None:
    """Add a long-text question at the end of the entry form being edited."""
    page.locator("#name").fill(name)
    page.locator("#kind").select_option("textarea")
    page.locator("#label_en").fill(english)
    page.locator("#label_ko").fill(korean)
    page.locator("#word_limit").fill(str(words))
    page.get_by_role("button", name="Add the field").click()
    expect(page.locator(".alert-success")).to_contain_text("Field added.")


def _season_step(page: Page, number: int):
    return page.locator("ol.season > li").nth(number - 1)


def test_from_an_empty_installation_to_published_winners(
    browser: Browser, app, live_server, smtp_inbox, screenshot_dir
):
    inbox = Inbox(smtp_inbox)
    email, name, password = OFFICER
    result = app.test_cli_runner().invoke(
        args=["awards", "create-admin", "--email", email, "--name", name, "--password", password]
    )
    assert result.exit_code == 0, result.output
    officer = _new_page(browser)
    shots = Screenshots(officer, screenshot_dir, "en-laptop-season", "en")
    korean_shots = Screenshots(officer, screenshot_dir, "ko-laptop-season", "ko")
    _sign_in(officer, live_server, email, password)

    # --- Last year's edition, set up by hand: a category with its award tiers and a round. ---
    expect(officer.get_by_text("There is no edition yet.")).to_be_visible()
    officer.get_by_role("link", name="Create the first edition").click()
    officer.get_by_label("Name", exact=True).fill("Seoul Smart City Prize 2026")
    officer.get_by_label("Name in Korean").fill("2026 서울스마트도시상")
    # The year of the prize and the short name are proposed; the short name keeps to the year typed.
    this_year = datetime.now(SEOUL).year
    expect(officer.get_by_label("Year of the prize")).to_have_value(str(this_year))
    expect(officer.get_by_label("Short name")).to_have_value(f"sscp-{this_year}")
    officer.get_by_label("Year of the prize").fill("2030")
    expect(officer.get_by_label("Short name")).to_have_value("sscp-2030")
    officer.get_by_label("Year of the prize").fill("2026")
    expect(officer.get_by_label("Short name")).to_have_value("sscp-2026")
    officer.get_by_label("Call opens").fill("2026-01-05T09:00")
    officer.get_by_label("Call closes (deadline)").fill("2026-03-31T18:00")
    officer.get_by_role("button", name="Save edition").click()
    expect(officer.get_by_role("heading", name="Seoul Smart City Prize 2026", exact=True)).to_be_visible()
    expect(_season_step(officer, 1)).to_contain_text("No category yet.")
    _season_step(officer, 1).get_by_role("link", name="Add a category").click()
    officer.get_by_label("Code").fill("TI")
    officer.get_by_label("Name (English)").fill("Tech-InnovaCity")
    officer.get_by_label("Name (Korean)").fill("기술혁신도시")
    officer.get_by_label("Kind").select_option("project")
    for kind in ("city", "institution", "corporation"):
        officer.locator(f"input[name=eligible_types][value={kind}]").check()
    officer.locator("#tiers-0-name_en").fill("Grand prize")
    officer.locator("#tiers-0-name_ko").fill("대상")
    officer.locator("#tiers-0-count").fill("1")
    officer.locator("#tiers-1-name_en").fill("Excellence prize")
    officer.locator("#tiers-1-name_ko").fill("우수상")
    officer.locator("#tiers-1-count").fill("1")
    officer.get_by_role("button", name="Save category").click()
    expect(officer.get_by_role("alert").first).to_contain_text("Category saved.")
    officer.goto(f"{live_server}/secretariat/rounds/new")
    officer.get_by_label("Name", exact=True).fill("Online evaluation")
    officer.get_by_label("Name in Korean").fill("온라인 심사")
    officer.get_by_label("Opens").fill("2026-04-06T09:00")
    officer.get_by_label("Closes").fill("2026-05-29T18:00")
    officer.get_by_label("Tech-InnovaCity").check()
    officer.get_by_label("Judges per nomination").fill("2")
    officer.get_by_role("button", name=re.compile("Save|Create")).click()
    expect(officer.get_by_role("heading", name=re.compile("Online evaluation"))).to_be_visible()

    # --- This year's edition: a copy of last year's, dates a year on. ---
    officer.goto(f"{live_server}/secretariat/editions/new")
    officer.get_by_label("Earlier edition", exact=True).select_option(label="Seoul Smart City Prize 2026 (2026)")
    officer.get_by_role("button", name="Copy it").click()
    expect(officer.get_by_label("Name", exact=True)).to_have_value("Seoul Smart City Prize 2027")
    officer.get_by_label("Name in Korean").fill("2027 서울스마트도시상")
    officer.get_by_role("button", name="Create the new edition").click()
    expect(officer.get_by_role("heading", name="Seoul Smart City Prize 2027", exact=True)).to_be_visible()
    expect(officer.get_by_role("alert").filter(has_text="created from Seoul Smart City Prize 2026")).to_contain_text(
        "1 round"
    )
    edition_url = officer.url
    # The guided season: the categories are done, the call is next, and can be opened now.
    expect(_season_step(officer, 1)).to_contain_text("Done")
    expect(_season_step(officer, 2)).to_contain_text("The call has not opened")
    shots.shoot("copied")
    choose_language(officer, "ko")
    korean_shots.shoot("copied")
    choose_language(officer, "en")
    officer.get_by_role("button", name="Open the call now").click()
    confirm(officer, "Open the call")
    expect(_season_step(officer, 2)).to_contain_text("Open until")

    # --- The entry form changed for this year: a new question for everyone, and corporations their own form. ---
    officer.locator("tr", has_text="Tech-InnovaCity").get_by_role("link", name="Entry forms").click()
    forms_url = officer.url
    officer.locator("tr", has_text="Any applicant").get_by_role("link", name="Edit").click()
    _add_field(officer, "citizens", "How citizens took part", "시민 참여 방식", 150)
    officer.goto(forms_url)
    officer.locator("tr", has_text="Corporation").get_by_role("button", name="Give this type its own form").click()
    expect(officer.locator(".alert-success")).to_contain_text("their own form")
    _add_field(officer, "market", "Market and business model", "시장과 비즈니스 모델", 200)
    shots.shoot("corporations-form")

    # --- Three judges, invited with what the conflict rules need; one reads Korean. ---
    for judge_name, judge_email, organisation, country, language in JUDGES:
        officer.goto(f"{live_server}/secretariat/people/invite")
        officer.locator("#name").fill(judge_name)
        officer.locator("#email").fill(judge_email)
        officer.get_by_label("Judge", exact=True).check()
        officer.locator("#affiliation").fill(organisation)
        country, zone = country.split("/", 1)
        officer.locator("#country_code").select_option(country)
        officer.locator("#time_zone").select_option(zone)
        officer.locator(f"input[name=locale][value={language}]").check()
        officer.get_by_role("button", name="Send invitation").click()
        expect(officer.get_by_text(f"Invitation sent to {judge_email}.")).to_be_visible()
    judges: dict[str, Page] = {}
    for _name, judge_email, _organisation, _country, language in JUDGES:
        invitation = inbox.last_to(judge_email)
        if language == "ko":
            assert invitation["Subject"] == "서울스마트도시상 초대 안내", invitation["Subject"]
        else:
            assert invitation["Subject"] == "Your invitation to the Seoul Smart City Prize"
        page = _new_page(browser, "ko-KR" if language == "ko" else "en-GB")
        page.goto(live_server + inbox.link(invitation))
        expect(page.locator("html")).to_have_attribute("lang", language)
        page.locator("#languages").fill("English")
        page.locator("#password").fill(PASSWORD)
        page.locator("#confirm").fill(PASSWORD)
        for consent in ("consent_collection", "consent_provision", "consent_transfer_abroad"):
            page.locator(f"#{consent}").check()
        page.locator("#submit").click()
        expect(page.locator("form[action$='/auth/logout']")).to_be_attached()
        judges[judge_email] = page

    # --- Two applicants from different countries register and submit; one in Korean. ---
    for applicant_name, applicant_email, organisation, kind, country, city, language, title in APPLICANTS:
        page = _new_page(browser, "ko-KR" if language == "ko" else "en-GB")
        page.goto(f"{live_server}/auth/register")
        choose_language(page, language)
        page.locator("#name").fill(applicant_name)
        page.locator("#email").fill(applicant_email)
        page.locator("#password").fill(PASSWORD)
        page.locator("#confirm").fill(PASSWORD)
        page.locator("#organisation_name").fill(organisation)
        page.locator("#organisation_type").select_option(kind)
        page.locator("#country").select_option(country)
        page.locator("#city").fill(city)
        for consent in ("consent_collection", "consent_provision", "consent_transfer_abroad"):
            page.locator(f"#{consent}").check()
        page.locator("#submit").click()
        confirmation = inbox.last_to(applicant_email)
        assert confirmation["Subject"] == ("이메일 주소 확인" if language == "ko" else "Confirm your e-mail address")
        page.goto(live_server + inbox.link(confirmation))
        page.locator("main #password").fill(PASSWORD)  # the one the registration was made with
        page.locator("main #submit").click()
        expect(page.locator("form[action$='/auth/logout']")).to_be_attached()
        page.locator(".card").filter(has_text="TI").get_by_role("link").first.click()
        # The city's form has this year's new question; the corporation's has its own besides.
        expect(page.locator("#citizens")).to_be_visible()
        expect(page.locator("#market")).to_have_count(1 if kind == "corporation" else 0)
        answers = {**complete_project_answers(title), "citizens": "Residents mapped the flood points with us."}
        if kind == "corporation":
            answers["market"] = MARKET
        for field, value in answers.items():
            target = page.locator(f"#{field}")
            if field == "stage":
                target.select_option(value)
            else:
                target.fill(value)
        page.locator("[name=submit_entry]").click()
        confirm(page)
        expect(page.locator("main")).to_contain_text("SSCP-2027-TI-00")
        receipt = inbox.last_to(applicant_email, 2)
        assert receipt["Subject"].startswith("접수증" if language == "ko" else "Receipt: SSCP-2027-TI-00")
        page.context.close()

    # --- The deadline passes (the officer moves it to now), then screening, from the season's step. ---
    officer.goto(edition_url)
    _season_step(officer, 2).get_by_role("link", name="Change the dates").click()
    now = datetime.now(SEOUL)
    officer.get_by_label("Call opens").fill(_local(now - timedelta(days=60)))
    officer.get_by_label("Call closes (deadline)").fill(_local(now))
    officer.get_by_role("button", name="Save edition").click()
    officer.goto(edition_url)
    expect(_season_step(officer, 2)).to_contain_text("Done")
    _season_step(officer, 3).get_by_role("link", name="Screen submitted nominations").click()
    officer.get_by_role("link", name=re.compile("SSCP-2027-TI-001")).first.click()
    officer.get_by_label("Eligible", exact=True).check()
    officer.get_by_role("button", name="Record and open the next").click()
    expect(officer.get_by_role("alert").first).to_contain_text("SSCP-2027-TI-001 marked eligible.")
    expect(officer.get_by_role("heading", level=1)).to_have_text(APPLICANTS[1][7])
    officer.get_by_label("Eligible", exact=True).check()
    officer.get_by_role("button", name="Record decision").click()
    expect(officer.get_by_role("alert").first).to_contain_text("SSCP-2027-TI-002 marked eligible.")
    for number, applicant in enumerate(APPLICANTS, start=1):
        with app.test_request_context(), force_locale(applicant[6]):
            expected = gettext("%(ref)s is eligible", ref=f"SSCP-2027-TI-00{number}")
        assert inbox.last_to(applicant[1], 3)["Subject"] == expected

    # --- Assignment and opening the round, from the season's steps. ---
    officer.goto(edition_url)
    expect(_season_step(officer, 3)).to_contain_text("Done")
    expect(_season_step(officer, 5)).to_contain_text("Done")  # the judges are complete
    _season_step(officer, 6).get_by_role("link", name="Assign judges").click()
    officer.get_by_role("button", name="Fill the gaps automatically").click()
    expect(officer.get_by_text("2 nominations are short of judges.")).to_have_count(0)
    officer.goto(edition_url)
    expect(_season_step(officer, 6)).to_contain_text("Done")
    officer.get_by_role("link", name="Rounds", exact=True).first.click()
    officer.get_by_role("link").filter(has_text="Online evaluation").first.click()
    officer.get_by_role("button", name="Open the round now").click()
    confirm(officer, "Open the round")
    for _name, judge_email, _organisation, _country, language in JUDGES:
        opened = inbox.last_to(judge_email, 2)
        expected = "심사가 시작되었습니다: 온라인 심사" if language == "ko" else "Judging is open: Online evaluation"
        assert opened["Subject"] == expected, opened["Subject"]

    # --- Each judge declares no conflict and scores, one nomination after the other. ---
    values = {APPLICANTS[0][7]: "9", APPLICANTS[1][7]: "6"}
    for page in judges.values():
        page.goto(f"{live_server}/judging/")
        # No conflict with any: the ticks are ready; the judge confirms having read the list.
        declarations = page.locator("form#declarations")
        declarations.locator("#confirm").check()
        declarations.locator("#submit").click()
        expect(page.locator("form#declarations")).to_have_count(0)
        # Each nomination in turn, "Submit and open the next" leading on until none is left.
        page.locator("#next-to-score").click()
        for _ in range(len(APPLICANTS)):
            expect(page.locator("#score-keys")).to_be_visible()  # the sheet's script listens
            title = page.locator("h1").inner_text()
            value = next(v for t, v in values.items() if t in title)
            if title == APPLICANTS[1][7]:  # the corporation's answers follow its own form
                expect(page.get_by_text(MARKET)).to_be_attached()
            for group in page.locator("[role=radiogroup][data-criterion]").all():
                group.locator(f"input[value='{value}'] + label").click()
            page.locator("#submit_and_next").click()
            confirm(page)
            expect(page.locator(".alert-success").first).to_contain_text("SSCP-2027-TI-00")  # in the judge's language
            if page.locator("#score-keys").count() == 0:
                break
        expect(page.locator("table.judging-work")).to_be_visible()  # back on the list: nothing left to score
        expect(page.locator("#next-to-score")).to_have_count(0)
        page.context.close()

    # --- The round closes (moved to now), the tiers are given, the results published. ---
    officer.goto(edition_url)
    expect(_season_step(officer, 7)).to_contain_text("Done")
    officer.get_by_role("link", name="Rounds", exact=True).first.click()
    officer.get_by_role("link").filter(has_text="Online evaluation").first.click()
    officer.get_by_role("link", name="Edit round").click()
    now = datetime.now(SEOUL)
    officer.get_by_label("Opens").fill(_local(now - timedelta(days=1)))
    officer.get_by_label("Closes").fill(_local(now))
    officer.get_by_role("button", name=re.compile("Save")).click()
    officer.goto(edition_url)
    expect(_season_step(officer, 8)).to_contain_text("Done")
    _season_step(officer, 9).get_by_role("link", name="Give the tiers").click()
    officer.get_by_role("button", name="Give the tiers in rank order").click()
    ranking = officer.locator("table[data-sortable]").first
    expect(ranking.locator("tr", has_text=APPLICANTS[0][7])).to_contain_text("Grand prize")
    expect(ranking.locator("tr", has_text=APPLICANTS[1][7])).to_contain_text("Excellence prize")
    officer.goto(edition_url)
    _season_step(officer, 10).get_by_role("link", name="Publish the results").click()
    officer.get_by_label("I have checked what will be shown, and publish it").check()
    officer.get_by_role("button", name="Publish the results").click()
    expect(officer.get_by_role("alert").filter(has_text="The results are published")).to_be_visible()

    # Every step is done; each applicant hears of the result in their language.
    officer.goto(edition_url)
    for number in range(1, 11):
        expect(_season_step(officer, number)).to_contain_text("Done")
    shots.shoot("published")
    choose_language(officer, "ko")
    korean_shots.shoot("published")
    for applicant in APPLICANTS:
        result = inbox.last_to(applicant[1], 4)
        assert ("2027 서울스마트도시상" if applicant[6] == "ko" else "Seoul Smart City Prize 2027") in result["Subject"]
    nominations = db.session.scalars(sa.select(Nomination)).all()
    assert {n.status for n in nominations} == {NominationStatus.ELIGIBLE}
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1 + len(JUDGES) + len(APPLICANTS)
    assert mail_service.undelivered_count() == 0
    assert not shots.too_wide and not korean_shots.too_wide, shots.too_wide + korean_shots.too_wide
