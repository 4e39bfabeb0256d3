"""The demo edition: a realistic 2026 Seoul Smart City Prize with applicants, judges and nominations.

Every record is looked up by its natural key before it is created, so seeding twice adds nothing twice.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from .entry_forms import default_fields, title_of
from .extensions import db
from .models import (
    AwardTier,
    Category,
    CategoryKind,
    Edition,
    Nomination,
    NominationStatus,
    NomineeConsent,
    Organisation,
    OrganisationType,
    Role,
    User,
    utcnow,
)
from .rules.committee import DEFAULT_QUORUM
from .services import assignments as assignments_service
from .services import conflicts as conflicts_service
from .services import eligibility as eligibility_service
from .services import entry_form_editor
from .services import entry_forms as entry_forms_service
from .services import nominations as nominations_service
from .services import nominee_consent as nominee_consent_service
from .services import privacy as privacy_service
from .services import progress as progress_service
from .services import receipts as receipts_service
from .services import results as results_service
from .services import rounds as rounds_service
from .services import rubrics as rubrics_service
from .services import sheets as sheets_service
from .services import votes as votes_service
from .services.audit import record

DEMO_PASSWORD = "demo-password-2026"
#: One demo account per role, printed by ``flask awards seed-demo``.
DEMO_LOGINS = {
    "secretariat": "secretariat@wego.example",
    "judge": "judge01@judges.example",
    "applicant": "seoul-metropolitan-government@applicants.example",
}
SEOUL = ZoneInfo("Asia/Seoul")
CITY, INST, CORP, INDIV = (
    OrganisationType.CITY,
    OrganisationType.INSTITUTION,
    OrganisationType.CORPORATION,
    OrganisationType.INDIVIDUAL,
)

#: (English, Korean, places, applicant types it is for — none: everyone), filled in this order.
PROJECT_TIERS = [
    ("Gold", "금상", 1, ()),
    ("Silver", "은상", 2, ()),
    ("Bronze", "동상", 3, ()),
    ("Corporate prize", "기업상", 1, (CORP,)),
    ("Institution prize", "기관상", 1, (INST,)),
]

CATEGORIES = [
    dict(
        code="TI",
        name_en="Tech-InnovaCity",
        name_ko="기술혁신",
        kind=CategoryKind.PROJECT,
        types=[CITY, INST, CORP],
        max=2,
        position=1,
        description_en="Projects that integrate innovative policy and technology.",
        description_ko="혁신적인 정책과 기술을 결합한 프로젝트",
        tiers=PROJECT_TIERS,
    ),
    dict(
        code="HC",
        name_en="Human-CentriCity",
        name_ko="사람중심",
        kind=CategoryKind.PROJECT,
        types=[CITY, INST, CORP],
        max=2,
        position=2,
        description_en="Digital inclusion of the elderly, youth, disabled people, women and low-income groups.",
        description_ko="고령자, 청년, 장애인, 여성, 저소득층의 디지털 포용",
        tiers=PROJECT_TIERS,
    ),
    dict(
        code="LD",
        name_en="Leadership",
        name_ko="리더십",
        kind=CategoryKind.LEADERSHIP,
        types=[CITY, INST, INDIV],
        max=1,
        position=3,
        description_en="Mayors and leaders who led the innovative use of technology and data.",
        description_ko="기술과 데이터의 혁신적 활용을 이끈 시장과 리더",
        tiers=[("Leadership award", "리더십상", 2, ())],
    ),
    dict(
        code="SP",
        name_en="Special prize",
        name_ko="특별상",
        kind=CategoryKind.SPECIAL,
        types=[],
        max=1,
        position=4,
        description_en="Designated by the organising committee with its partners; not open to applications.",
        description_ko="조직위원회가 협력기관과 함께 지정하는 상",
        tiers=[("Special prize", "특별상", 3, ())],
    ),
    dict(
        code="MC",
        name_en="Seoul Mayor's commendation",
        name_ko="서울특별시장 표창",
        kind=CategoryKind.COMMENDATION,
        types=[CITY, INST, CORP, INDIV],
        max=3,
        position=5,
        description_en="Individuals or groups who contributed notably to smart and sustainable cities.",
        description_ko="스마트·지속가능 도시 발전에 공로가 있는 개인 또는 단체",
        tiers=[("Commendation", "표창", 5, ())],
    ),
]

# name, type, country, city
ORGANISATIONS = [
    ("Seoul Metropolitan Government", CITY, "KR", "Seoul"),
    ("Busan Metropolitan City", CITY, "KR", "Busan"),
    ("City of Yokohama", CITY, "JP", "Yokohama"),
    ("Chengdu Municipal Government", CITY, "CN", "Chengdu"),
    ("Taipei City Government", CITY, "TW", "Taipei"),
    ("Jakarta Smart City", CITY, "ID", "Jakarta"),
    ("Makati City Government", CITY, "PH", "Makati"),
    ("Da Nang People's Committee", CITY, "VN", "Da Nang"),
    ("Pune Smart City Development Corporation", INST, "IN", "Pune"),
    ("Brisbane City Council", CITY, "AU", "Brisbane"),
    ("Kathmandu Metropolitan City", CITY, "NP", "Kathmandu"),
    ("Almaty City Akimat", CITY, "KZ", "Almaty"),
    ("Tashkent City Administration", CITY, "UZ", "Tashkent"),
    ("Bishkek City Hall", CITY, "KG", "Bishkek"),
    ("Government of Ulyanovsk Region", CITY, "RU", "Ulyanovsk"),
    ("Tbilisi City Hall", CITY, "GE", "Tbilisi"),
    ("Yerevan Municipality", CITY, "AM", "Yerevan"),
    ("Beyoğlu Municipality", CITY, "TR", "Istanbul"),
    ("Dubai Digital Authority", INST, "AE", "Dubai"),
    ("Greater Amman Municipality", CITY, "JO", "Amman"),
    ("Federal Capital Territory Administration", CITY, "NG", "Abuja"),
    ("City of Kigali", CITY, "RW", "Kigali"),
    ("Nairobi City County", CITY, "KE", "Nairobi"),
    ("City of Cape Town", CITY, "ZA", "Cape Town"),
    ("Accra Metropolitan Assembly", CITY, "GH", "Accra"),
    ("Odense Municipality", CITY, "DK", "Odense"),
    ("Reykjavík City", CITY, "IS", "Reykjavík"),
    ("Barcelona City Council", CITY, "ES", "Barcelona"),
    ("Tallinn City Government", CITY, "EE", "Tallinn"),
    ("Agencia Digital de Innovación Pública", INST, "MX", "Mexico City"),
    ("Alcaldía de Bogotá", CITY, "CO", "Bogotá"),
    ("Intendencia de Montevideo", CITY, "UY", "Montevideo"),
    ("City of Toronto", CITY, "CA", "Toronto"),
    ("Hanbit Mobility Co., Ltd.", CORP, "KR", "Seongnam"),
    ("UrbanSense Ltd.", CORP, "GB", "London"),
    ("Sahel Solar Grid SARL", CORP, "SN", "Dakar"),
    ("Andes Urban Data Lab", INST, "PE", "Lima"),
    ("Maria Santos", INDIV, "PH", "Quezon City"),
]

PROJECTS = [
    ("Seoul Metropolitan Government", "TI", "S-Map: a digital twin for city planning"),
    ("Seoul Metropolitan Government", "HC", "Smart Senior Care: AI check-in calls for older people living alone"),
    ("Busan Metropolitan City", "TI", "Eco Delta Smart Village water loop"),
    ("City of Yokohama", "TI", "Yokohama Smart Business Grid"),
    ("Chengdu Municipal Government", "TI", "Park City operations centre"),
    ("Taipei City Government", "HC", "Taipei Digital Inclusion Stations"),
    ("Jakarta Smart City", "TI", "JAKI: one app for citizen reports"),
    ("Makati City Government", "HC", "Makatizen card for unbanked residents"),
    ("Da Nang People's Committee", "TI", "Da Nang IoT flood warning network"),
    ("Pune Smart City Development Corporation", "TI", "Pune adaptive traffic signals"),
    ("Brisbane City Council", "HC", "Accessible Brisbane wayfinding"),
    ("Kathmandu Metropolitan City", "HC", "Digital ward offices for informal workers"),
    ("Almaty City Akimat", "TI", "Almaty Smart Transit ticketing"),
    ("Tashkent City Administration", "TI", "Tashkent open budget portal"),
    ("Bishkek City Hall", "HC", "Tunduk e-services for rural migrants"),
    ("Government of Ulyanovsk Region", "TI", "Ulyanovsk smart street lighting"),
    ("Tbilisi City Hall", "TI", "Tbilisi air quality sensor mesh"),
    ("Yerevan Municipality", "HC", "Yerevan accessible public transport app"),
    ("Beyoğlu Municipality", "HC", "Beyoğlu digital literacy for women"),
    ("Dubai Digital Authority", "TI", "Dubai paperless government"),
    ("Greater Amman Municipality", "HC", "Amman refugee services hub"),
    ("Federal Capital Territory Administration", "TI", "Abuja geographic information system"),
    ("City of Kigali", "HC", "Irembo e-services for every village"),
    ("Nairobi City County", "TI", "Nairobi smart revenue collection"),
    ("City of Cape Town", "TI", "Cape Town water dashboard"),
    ("Accra Metropolitan Assembly", "HC", "Accra market women's mobile payments"),
    ("Odense Municipality", "TI", "Odense robotics cluster for public services"),
    ("Reykjavík City", "HC", "Better Reykjavík participatory budgeting"),
    ("Barcelona City Council", "TI", "Decidim for district planning"),
    ("Tallinn City Government", "TI", "Tallinn real-time public transport"),
    ("Agencia Digital de Innovación Pública", "HC", "Mexico City free public Wi-Fi"),
    ("Alcaldía de Bogotá", "HC", "Bogotá care blocks for carers"),
    ("Intendencia de Montevideo", "TI", "Montevideo open mobility data"),
    ("City of Toronto", "HC", "Toronto digital equity programme"),
    ("Hanbit Mobility Co., Ltd.", "TI", "On-demand autonomous shuttles for new towns"),
    ("UrbanSense Ltd.", "TI", "Kerbside sensors for loading bays"),
    ("Sahel Solar Grid SARL", "HC", "Pay-as-you-go solar for peri-urban homes"),
    ("Andes Urban Data Lab", "HC", "Lima neighbourhood data for women's safety"),
]
LEADERS = [
    ("Almaty City Akimat", "Yerlan Dossayev", "Mayor of Almaty"),
    ("City of Kigali", "Claudine Uwase", "Chief Innovation Officer, City of Kigali"),
    ("Maria Santos", "Maria Santos", "Founder, Quezon City Civic Tech Network"),
]
# organisation, nominee, affiliation, position, and their merit: period, statement in Korean and English, past awards
COMMENDATIONS = [
    (
        "Seoul Metropolitan Government",
        "김서연",
        "서울디지털재단",
        "선임연구원",
        ("2021-03-01", "2025-10-31"),
        "WeGO 회원도시 간 스마트도시 정책 교류를 주도하고 12개 도시의 디지털 전환 사업을 자문함. "
        "서울시 디지털 포용 정책의 해외 확산을 위해 3개 언어로 정책 안내서를 발간함.\n"
        "2022년부터 4년간 WeGO 역량강화 연수 과정을 기획·운영하여 28개국 공무원 410명이 수료하였으며, "
        "수료 도시 중 9개 도시가 서울의 스마트 복지 서비스를 도입함.\n"
        "자치구 디지털 격차 실태조사(2023)를 설계하여 고령층 디지털 교육 예산이 전년 대비 35% 증액되는 데 기여함.",
        "Led smart-city policy exchange among WeGO members and advised 12 cities on their digital transformation. "
        "Published Seoul's digital inclusion policy guide in three languages.\n"
        "Designed and ran WeGO's capacity-building courses for four years: 410 officials from 28 countries took "
        "part, and nine of their cities adopted Seoul's smart welfare services.",
        "2022 행정안전부장관 표창 (정부혁신 유공)",
    ),
    (
        "UrbanSense Ltd.",
        "Daniel Okafor",
        "WeGO Advisory Committee",
        "Member",
        ("2023-03-01", ""),
        "WeGO 자문위원으로서 아프리카 지역 회원도시 6곳의 스마트 교통 계획 수립을 자문하고, "
        "서울의 교통정보 공개 모델을 소개하여 아부자·키갈리의 공공데이터 포털 개설을 지원함.\n"
        "2024 서울 스마트라이프위크 국제 세션을 공동 기획하여 40개 도시 대표의 참여를 이끌어 냄.",
        "As a member of WeGO's advisory committee, advised six African member cities on their smart mobility "
        "plans and introduced Seoul's open transport data model, helping Abuja and Kigali open their public data "
        "portals.\nCo-organised the international sessions of Smart Life Week 2024 in Seoul, attended by "
        "representatives of 40 cities.",
        "",
    ),
]

JUDGES = [
    ("Ana Ferreira", "PT"),
    ("Kwame Mensah", "GH"),
    ("Hiroshi Tanaka", "JP"),
    ("Leila Haddad", "LB"),
    ("Sofia Lindqvist", "SE"),
    ("Rahul Mehta", "IN"),
    ("Camila Rojas", "CL"),
    ("Aigerim Bekova", "KZ"),
    ("Jonas Weber", "DE"),
    ("Nguyen Thi Lan", "VN"),
    ("Olga Petrova", "RU"),
    ("David Cohen", "US"),
    ("Fatima Zahra Alaoui", "MA"),
    ("Liam O'Brien", "IE"),
    ("Park Ji-hoon", "KR"),
    ("Amara Diallo", "SN"),
]

#: Where the nominations stand: most were screened eligible and judged in the first round; a few wait for screening,
#: were left as drafts, were found ineligible or withdrawn. Every other nomination is eligible.
STATUS_OF = {
    "Tunduk e-services for rural migrants": NominationStatus.SUBMITTED,
    "Montevideo open mobility data": NominationStatus.SUBMITTED,
    "Accra market women's mobile payments": NominationStatus.SUBMITTED,
    "Toronto digital equity programme": NominationStatus.DRAFT,
    "Tallinn real-time public transport": NominationStatus.DRAFT,
    "Ulyanovsk smart street lighting": NominationStatus.INELIGIBLE,
    "Abuja geographic information system": NominationStatus.WITHDRAWN,
}

SENTENCES = [
    "The city mapped the problem with residents in twelve open workshops and a survey of 4,800 households.",
    "Sensor data and service records showed where the need was greatest and why earlier measures failed.",
    "The platform runs on open standards so that other districts can reuse it without new licences.",
    "A budget of 3.2 million US dollars came from the city, a national grant and two private partners.",
    "A steering group of city staff, universities and civil society met monthly to review progress.",
    "Citizens co-designed the service in pilots and their feedback changed the second release.",
    "Monitoring uses twelve indicators published each quarter on the open data portal.",
    "Waiting times fell by 38 percent and satisfaction rose from 61 to 84 percent in two years.",
    "The project now serves 1.2 million people and three neighbouring cities have adopted it.",
]


@dataclass
class SeedSummary:
    created: dict[str, int] = field(default_factory=dict)
    edition: Edition | None = None

    def count(self, what: str, n: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + n

    def describe(self) -> str:
        made = ", ".join(f"{n} {what}" for what, n in self.created.items()) or "nothing new"
        edition = self.edition
        deadline = edition.local(edition.closes_at).strftime("%Y-%m-%d %H:%M %Z") if edition else "?"
        return f"Demo edition {edition.slug if edition else '?'} (call closes {deadline}): created {made}."


def _text(rng: random.Random, sentences: int) -> str:
    return " ".join(rng.sample(SENTENCES, k=min(sentences, len(SENTENCES))))


def _project_answers(title: str, rng: random.Random) -> dict[str, str]:
    return {
        "title": title,
        "summary": f"{title}. " + _text(rng, 3),
        "start_date": f"20{rng.randint(18, 24)}-{rng.randint(1, 12):02d}-01",
        "stage": rng.choice(["pilot", "deployed", "scaled", "mature"]),
        "problem": _text(rng, 3),
        "solution": _text(rng, 3),
        "funding": _text(rng, 2),
        "implementation": _text(rng, 3),
        "monitoring": _text(rng, 2),
        "outcomes": _text(rng, 3),
        "partners": "National ministry of the interior; the city university; two local start-ups.",
        "links": "https://example.org/project\nhttps://example.org/report.pdf",
        # Answered on the corporations' form only; the others' forms leave it out.
        "market": "City governments license the platform per district; the company maintains it for five years.",
    }


#: What the guidelines ask corporations on top of the project form.
MARKET_FIELD = {
    "name": "market",
    "kind": "textarea",
    "label_en": "Market and business model",
    "label_ko": "시장과 비즈니스 모델",
    "help_en": "Who pays for the solution, where it is sold, and how it is maintained after the project.",
    "help_ko": "솔루션의 비용 부담 주체, 판매 지역, 프로젝트 이후의 유지 방안",
    "section_en": "",
    "section_ko": "",
    "required": True,
    "required_if": None,
    "word_limit": 400,
    "max_chars": 30_000,
    "choices": [],
}


def _corporate_forms(categories: list[Category], secretariat: User) -> None:
    """The 2025 guidelines publish a separate form for corporations in the project categories: theirs asks for the
    market and business model too."""
    for category in categories:
        if entry_forms_service.current_form(category, OrganisationType.CORPORATION.value) is None:
            entry_form_editor.create_form(category, OrganisationType.CORPORATION.value, secretariat)
            entry_form_editor.add_field(category, OrganisationType.CORPORATION.value, dict(MARKET_FIELD), secretariat)


def _leadership_answers(name: str, position: str, organisation: str, rng: random.Random) -> dict[str, str]:
    return {
        "nominee_name": name,
        "nominee_position": position,
        "nominee_organisation": organisation,
        "nominee_email": "",
        "term_start": "2019-07-01",
        "term_end": "",
        "achievements": _text(rng, 5),
        "links": "https://example.org/leader",
    }


def _commendation_answers(
    name: str,
    affiliation: str,
    position: str,
    period: tuple[str, str],
    merit_ko: str,
    merit_en: str,
    past_awards: str,
) -> dict[str, str]:
    return {
        "nominee_name": name,
        "affiliation": affiliation,
        "position": position,
        "merit_start": period[0],
        "merit_end": period[1],
        "merit_ko": merit_ko,
        "merit_en": merit_en,
        "past_awards": past_awards,
        "has_revoked_awards": "no",
        "revoked_awards": "",
        "has_disciplinary_record": "no",
        "disciplinary_record": "",
        "has_controversies": "no",
        "controversies": "",
    }


def demo_pdf(title: str) -> bytes:
    """Return a small, valid one-page PDF that shows the title (the demo's attached project report)."""
    text = title.encode("latin-1", "replace").replace(b"\\", b"").replace(b"(", b"").replace(b")", b"")
    stream = b"BT /F1 18 Tf 72 720 Td (" + text[:80] + b") Tj 0 -28 Td /F1 12 Tf (Project report) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer << /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _slug(text: str) -> str:
    words = ["".join(ch for ch in word if ch.isascii() and ch.isalnum()) for word in text.lower().split()]
    return "-".join(word for word in words if word)[:40].strip("-") or "org"


def _user(email: str, name: str, roles: list[Role], summary: SeedSummary, organisation=None) -> User:
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=name, organisation=organisation)
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        summary.count("accounts")
    for role in roles:
        user.grant(role)
    return user


def _edition(summary: SeedSummary, now: datetime) -> Edition:
    edition = db.session.scalar(sa.select(Edition).where(Edition.slug == "sscp-2026"))
    if edition is None:
        # The real 2026 call ran 13 Feb - 29 May; the demo keeps its call open so that it can be tried.
        closes = datetime(2026, 5, 29, 18, 0, tzinfo=SEOUL)
        if closes <= now + timedelta(days=7):
            closes = (now + timedelta(days=60)).astimezone(SEOUL).replace(hour=18, minute=0, second=0, microsecond=0)
        edition = Edition(
            name="4th Seoul Smart City Prize",
            name_ko="제4회 서울스마트도시상",
            year=2026,
            slug="sscp-2026",
            reference_prefix="SSCP",
            time_zone="Asia/Seoul",
            opens_at=datetime(2026, 2, 13, 9, 0, tzinfo=SEOUL),
            closes_at=closes,
        )
        db.session.add(edition)
        summary.count("editions")
    for spec in CATEGORIES:
        category = next((c for c in edition.categories if c.code == spec["code"]), None)
        if category is None:
            category = Category(
                code=spec["code"],
                name_en=spec["name_en"],
                name_ko=spec["name_ko"],
                kind=spec["kind"],
                eligible_types=[t.value for t in spec["types"]],
                max_per_organisation=spec["max"],
                position=spec["position"],
                description_en=spec["description_en"],
                description_ko=spec["description_ko"],
                tiers=[
                    AwardTier(
                        name_en=en,
                        name_ko=ko,
                        count=n,
                        position=i,
                        fill_order=i + 1,
                        eligible_types=[t.value for t in types],
                    )
                    for i, (en, ko, n, types) in enumerate(spec["tiers"])
                ],
            )
            edition.categories.append(category)
            summary.count("categories")
    db.session.flush()
    return edition


def seed(extra: int = 0, now: datetime | None = None) -> SeedSummary:
    """Create whatever of the demo edition is missing and return what was made and how to sign in."""
    now = now or datetime.now(UTC)
    rng = random.Random(2026)
    summary = SeedSummary()
    secretariat = _user("secretariat@wego.example", "Kim Min-jun", [Role.SECRETARIAT], summary)
    _user("chair@wego.example", "Lee Soo-jin", [Role.SECRETARIAT, Role.JUDGE], summary)
    for number, (name, _country) in enumerate(JUDGES, start=1):
        _user(f"judge{number:02d}@judges.example", name, [Role.JUDGE], summary)
    edition = _edition(summary, now)
    summary.edition = edition
    categories = {c.code: c for c in edition.categories}

    organisations: dict[str, Organisation] = {}
    applicants: dict[str, User] = {}
    for name, org_type, country, city in ORGANISATIONS:
        organisation = db.session.scalar(
            sa.select(Organisation).where(Organisation.name == name, Organisation.country_code == country)
        )
        if organisation is None:
            organisation = Organisation(name=name, type=org_type, country_code=country, city=city)
            db.session.add(organisation)
            summary.count("organisations")
        organisations[name] = organisation
        applicants[name] = _user(
            f"{_slug(name)}@applicants.example",
            f"{city} smart-city office" if org_type is not INDIV else name,
            [Role.APPLICANT],
            summary,
            organisation,
        )
    db.session.commit()

    _corporate_forms([categories["TI"], categories["HC"]], secretariat)
    plans = [(org, categories[code], _project_answers(title, rng)) for org, code, title in PROJECTS]
    plans += [(org, categories["LD"], _leadership_answers(name, position, org, rng)) for org, name, position in LEADERS]
    plans += [(org, categories["MC"], _commendation_answers(*merit)) for org, *merit in COMMENDATIONS]
    for org_name, category, answers in plans:
        status = STATUS_OF.get(title_of(default_fields(category.kind), answers), NominationStatus.ELIGIBLE)
        _nomination(organisations[org_name], applicants[org_name], category, answers, status, secretariat, summary)
    if extra:
        _extra(edition, categories["TI"], extra, rng, summary)
    _judging(edition, secretariat, now, summary)
    from .demo_winners import previous_edition  # it builds on this module's organisations and answers

    previous_edition(secretariat, summary)
    return summary


def _nomination(
    organisation: Organisation,
    user: User,
    category: Category,
    answers: dict[str, str],
    status: NominationStatus,
    secretariat: User,
    summary: SeedSummary,
) -> None:
    title = title_of(default_fields(category.kind), answers)
    exists = db.session.scalar(
        sa.select(Nomination.id).where(
            Nomination.organisation_id == organisation.id,
            Nomination.category_id == category.id,
            Nomination.title == title,
        )
    )
    if exists is not None or nominations_service.entry_refusal(category, user) is not None:
        return
    nomination = nominations_service.create_draft(category, user, answers)
    summary.count("nominations")
    nominations_service.add_attachment(nomination, user, "project-report.pdf", demo_pdf(title))
    if status is NominationStatus.DRAFT:
        return
    if nominee_consent_service.needed(nomination):
        # The nominee answered the link the applicant sent them.
        nomination.nominee_consent = NomineeConsent(
            method="link",
            email=f"{_slug(title)}@nominees.example",
            nonce="",
            requested_by_id=user.id,
            decision="given",
            decided_at=utcnow(),
            notice_version=privacy_service.current_notice().version,
        )
        db.session.commit()
    with receipts_service.without_receipts():  # invented applicants: no receipt (nor its PDF) to draw
        nominations_service.submit(nomination, user)
    if status is NominationStatus.WITHDRAWN:
        nominations_service.withdraw(nomination, user, "Entered by mistake in the wrong category.")
    elif status is NominationStatus.ELIGIBLE:
        nominations_service.screen(nomination, secretariat, True, "")
    elif status is NominationStatus.INELIGIBLE:
        nominations_service.screen(
            nomination, secretariat, False, "The project has not been implemented yet: only a plan was submitted."
        )


def _extra(edition: Edition, category: Category, count: int, rng: random.Random, summary: SeedSummary) -> None:
    """Add synthetic organisations with submitted nominations in bulk, for measuring at scale."""
    existing = db.session.scalar(sa.select(sa.func.count(Organisation.id)).where(Organisation.name.like("Demo City %")))
    countries = [c for _n, _t, c, _city in ORGANISATIONS]
    fields = [spec.name for spec in default_fields(category.kind)]
    for number in range(existing + 1, count + 1):
        organisation = Organisation(
            name=f"Demo City {number:05d}",
            type=CITY,
            country_code=rng.choice(countries),
            city=f"Demo City {number:05d}",
        )
        user = User(
            email=f"demo-city-{number:05d}@applicants.example",
            name=f"Demo City {number:05d} office",
            organisation=organisation,
            password_hash=None,
        )
        user.grant(Role.APPLICANT)
        category.last_sequence += 1
        answers = _project_answers(f"Demo project {number:05d}", rng)
        nomination = Nomination(
            edition_id=edition.id,
            category=category,
            organisation=organisation,
            created_by=user,
            status=NominationStatus.SUBMITTED,
            answers={k: answers.get(k, "") for k in fields},
            title=answers["title"],
            submitted_at=datetime.now(UTC),
            reference=f"{edition.reference_prefix}-{edition.year}-{category.code}-{category.last_sequence:03d}",
        )
        db.session.add_all([organisation, user, nomination])
        if number % 500 == 0:
            db.session.flush()
    db.session.flush()
    record(
        "demo.extra_seeded",
        edition,
        None,
        f"{max(0, count - existing)} synthetic nominations added",
        {"count": max(0, count - existing)},
    )
    db.session.commit()
    summary.count("synthetic nominations", max(0, count - existing))


# --- judging: a panel mid-way through its rounds ----------------------------------------------------

JUDGE_PROFILES = {
    "PT": ("Professor of Urban Informatics", "University of Lisbon", "Europe/Lisbon"),
    "GH": ("Director, Smart Cities Programme", "Accra Technical University", "Africa/Accra"),
    "JP": ("Senior Researcher", "Tokyo Institute of Urban Studies", "Asia/Tokyo"),
    "LB": ("Digital Government Adviser", "UN-ESCWA", "Asia/Beirut"),
    "SE": ("Chief Digital Officer", "City of Gothenburg", "Europe/Stockholm"),
    "IN": ("Fellow, Urban Data", "Indian Institute for Human Settlements", "Asia/Kolkata"),
    "CL": ("Professor of Urban Planning", "Pontificia Universidad Católica de Chile", "America/Santiago"),
    "KZ": ("Head of Digital Transformation", "Astana Hub", "Asia/Almaty"),
    "DE": ("Partner, Smart Infrastructure", "Urban Futures GmbH", "Europe/Berlin"),
    "VN": ("Lecturer in Smart Cities", "Vietnam National University", "Asia/Ho_Chi_Minh"),
    "RU": ("Researcher, Urban Technology", "Higher School of Urbanism", "Europe/Moscow"),
    "US": ("Director of Civic Innovation", "Center for Urban Science", "America/New_York"),
    "MA": ("Smart City Programme Manager", "Casablanca Prospective", "Africa/Casablanca"),
    "IE": ("Senior Policy Officer", "European Digital Cities Network", "Europe/Dublin"),
    "KR": ("Research Fellow", "Korea Research Institute for Human Settlements", "Asia/Seoul"),
    "SN": ("Founder", "Dakar Civic Lab", "Africa/Dakar"),
}


#: The first round's nominations of Tech-InnovaCity by how good they are (points of the 1–10 scale each judge
#: starts from); the others get a quality drawn from their id. Two are equally good and share their judges: they
#: tie at the Silver boundary, which the committee must settle.
TI_QUALITY = {
    "S-Map: a digital twin for city planning": 9.3,
    "Odense robotics cluster for public services": 8.7,
    "Eco Delta Smart Village water loop": 8.0,
    "Yokohama Smart Business Grid": 8.0,
    "Dubai paperless government": 6.9,
    "Kerbside sensors for loading bays": 6.7,
    "On-demand autonomous shuttles for new towns": 6.2,
    "Pune adaptive traffic signals": 6.0,
}
TIED = ("Eco Delta Smart Village water loop", "Yokohama Smart Business Grid")
#: The harsh judge: takes about two points off every score.
HARSH_JUDGE = "judge03@judges.example"

#: What judges write on a criterion, by its English name: one remark of praise, one of doubt. Each sheet of the
#: first round comments on two criteria and shares the first remark with the applicant (``rules.feedback``).
CRITERION_REMARKS = {
    "Problem-Centered Innovation": (
        "The problem is well defined and backed by a survey of the residents it affects.",
        "The causes of the problem are asserted rather than evidenced.",
    ),
    "Rational Process of Project Development": (
        "The technology fits the problem, and the pilot's results justify scaling it up.",
        "It is not clear why this technology was chosen over simpler, cheaper options.",
    ),
    "Feasible Budgeting & Planning": (
        "The budget is realistic and names where each part of the money comes from.",
        "The costs of maintenance after the pilot are not covered by the plan.",
    ),
    "Meticulous Project Implementation": (
        "Citizens took part at every step, and it shows in how many use the service.",
        "The barriers met during the roll-out are described, but not how they were overcome.",
    ),
    "Learning & Improvement": (
        "The monitoring indicators are published and visibly used to adjust the service.",
        "The evaluation stops at outputs: outcomes for residents are not measured yet.",
    ),
    "Value Generation": (
        "A clear, measured impact on the waiting times of the people it serves.",
        "The impact figures would convince more with a baseline from before the project.",
    ),
    "Leadership and vision": (
        "A clear vision, carried through over several years and administrations.",
        "The vision is stated; how it was carried through is not shown.",
    ),
    "Innovation with technology and data": (
        "Data were used to decide, not only to report.",
        "The technology is described more than how it was used.",
    ),
    "Results for citizens": (
        "The results for citizens are measured and published.",
        "The results for citizens are anecdotal so far.",
    ),
}
#: A remark for the committee alone, never shared: what judges write for the secretariat.
COMMITTEE_REMARK = "For the committee: compare with the similar entry from the same region."
OVERALL_REMARK = "Clear evidence of results; the funding plan could say more about maintenance."


def _judging(edition: Edition, secretariat: User, now: datetime, summary: SeedSummary) -> None:
    """A first round judged and closed, a finalists' round open for trying, and the Mayor's commendation committee
    sitting: every sheet of the first round submitted by 3 to 5 judges, one of them markedly harsh, one tie at a tier
    boundary, institutions and corporations among the entrants."""

    from .models import Assignment, RoundMode, Vote

    for number, (_name, country) in enumerate(JUDGES, start=1):
        judge = db.session.scalar(sa.select(User).where(User.email == f"judge{number:02d}@judges.example"))
        if judge is not None and not judge.affiliation:
            judge.title, judge.affiliation, judge.time_zone = JUDGE_PROFILES[country]
            judge.country_code = country
            judge.expertise = "Smart-city policy, digital inclusion, urban data"
            judge.languages = "English"
            if country == "SE":  # ties declared when accepting: none of them enters this edition
                judge.declared_ties = "Nordic Smart City Network\nMalmö"
    # The chair judges too: her organisation and country keep her off the nominations they rule out, like anyone's.
    chair = db.session.scalar(sa.select(User).where(User.email == "chair@wego.example"))
    if chair is not None and not chair.affiliation:
        chair.title, chair.affiliation, chair.country_code = "Secretary General", "WeGO Secretariat", "KR"
        chair.expertise, chair.languages = "Smart-city governance", "Korean, English"
    db.session.commit()

    existing = {r.name: r for r in rounds_service.rounds_of(edition)}
    categories = {c.code: c for c in edition.categories}
    # Every English name of a round below has its Korean one here.
    names_ko = {
        "Online evaluation": "온라인 심사",
        "Finalists": "본선",
        "Merit review committee": "공적심사위원회",
    }
    now = datetime.now(UTC)  # the rounds are judged today, whatever day the call is seeded for
    first_opens, first_closes = now - timedelta(days=40), now - timedelta(days=2)
    plans = [
        ("Online evaluation", RoundMode.SCORING, ["TI", "HC", "LD"], 3, first_opens, now + timedelta(days=1), 6),
        (
            "Finalists",
            RoundMode.SCORING,
            ["TI", "HC", "LD"],
            5,
            now - timedelta(days=1),
            now + timedelta(days=30),
            None,
        ),
        ("Merit review committee", RoundMode.COMMITTEE, ["MC"], 5, first_opens, now + timedelta(days=30), None),
    ]
    rounds, created = {}, set()
    for name, mode, codes, k, start, end, shortlist in plans:
        if name in existing:
            rounds[name] = existing[name]
            continue
        rounds[name] = rounds_service.create_round(
            edition,
            rounds_service.RoundInput(
                name=name,
                name_ko=names_ko[name],
                opens_at=start,
                closes_at=end,
                category_ids=[categories[c].id for c in codes],
                judges_per_nomination=k,
                mode=mode,
                same_country_conflict=True,
                quorum=DEFAULT_QUORUM,
                shortlist_count=shortlist,
            ),
            secretariat,
        )
        created.add(name)
        summary.count("rounds")

    online = rounds["Online evaluation"]
    if "Online evaluation" in created:
        sheets = _first_round(online, secretariat)
        summary.count("score sheets", sheets)
        online.closes_at = first_closes  # judged: it closed two days ago
        db.session.commit()
        finalists = rounds["Finalists"]
        moved = results_service.advance_top(online, finalists, 6, secretariat)
        summary.count("finalists", moved)
        result = assignments_service.assign_automatically(finalists, secretariat, seed=2026)
        summary.count("assignments", result.added)
        for assignment in progress_service.round_assignments(finalists):
            summary.count("score sheets", _finalist_scores(assignment))
        summary.count("presentation slots", _presentations(finalists, secretariat, now))

    committee = rounds["Merit review committee"]
    members = list(
        db.session.scalars(
            sa.select(User).where(User.email.in_([f"judge{n:02d}@judges.example" for n in (1, 3, 5, 12, 15)]))
        )
    )
    nominations = rounds_service.round_nominations(committee)
    if nominations and not db.session.scalar(sa.select(sa.exists().where(Assignment.round_id == committee.id))):
        added, _refused = assignments_service.assign_manually(
            committee, [n.id for n in nominations], [m.id for m in members], secretariat
        )
        summary.count("assignments", added)
        for assignment in progress_service.round_assignments(committee):
            roll = _roll(assignment)
            if roll < 0.8:
                conflicts_service.declare(assignment, assignment.judge, False)
                if roll < 0.6:
                    votes_service.cast_vote(assignment, assignment.judge, Vote.APPROVE if roll < 0.5 else Vote.ABSTAIN)


#: Where each category's finalists present: the project categories in two rooms at COEX, Leadership online.
PRESENTATION_VENUES = {
    "TI": ("seoul", "COEX, Room 301", ""),
    "HC": ("seoul", "COEX, Room 302", ""),
    "LD": ("online", "", "https://meet.example.org/sscp-leadership-finals"),
}


def _presentations(finalists, secretariat: User, now: datetime) -> int:
    """Each finalist's presentation, three weeks on in Seoul: a category's finalists one after the other from 10:00,
    25 minutes each with a 5-minute change-over (their applicants and judges are e-mailed the invitations)."""
    from .rules.presentations import SEOUL, PresentationMode
    from .services import presentations as presentations_service

    day = (now.astimezone(ZoneInfo(SEOUL)) + timedelta(days=21)).date()
    placed, next_start = 0, {}
    for nomination in presentations_service.finalists(finalists):
        mode, room, link = PRESENTATION_VENUES.get(
            nomination.category.code, ("online", "", "https://meet.example.org/sscp")
        )
        start = next_start.get(nomination.category.code, datetime(2000, 1, 1, 10, 0))
        next_start[nomination.category.code] = start + timedelta(minutes=30)
        presentations_service.place(
            finalists,
            presentations_service.SlotInput(
                nomination_id=nomination.id,
                day=day,
                at=start.time(),
                zone=SEOUL,
                minutes=25,
                mode=PresentationMode(mode),
                room=room,
                link=link,
            ),
            secretariat,
        )
        placed += 1
    return placed


def _first_round(round_, secretariat: User) -> int:
    """Assign 3 judges to each nomination (the tied pair the same 3), then a 4th and 5th to some, and submit
    every sheet."""
    nominations = rounds_service.round_nominations(round_)
    by_title = {n.title: n for n in nominations}
    panel = [j for j in eligibility_service.judges() if j.email != "chair@wego.example"]
    tied = [by_title[t] for t in TIED if t in by_title]
    if len(tied) == 2:  # the same three judges, neither harsh nor from the two countries
        shared = [
            j
            for j in panel
            if j.email != HARSH_JUDGE
            and j.country_code not in ("KR", "JP")
            and all(eligibility_service.conflict_refusal(j, n, round_) is None for n in tied)
        ][:3]
        assignments_service.assign_manually(round_, [n.id for n in tied], [j.id for j in shared], secretariat)
    assignments_service.assign_automatically(round_, secretariat, seed=2026)
    for index, nomination in enumerate(sorted(nominations, key=lambda n: n.reference or "")):
        if nomination in tied or index % 3:
            continue
        extra = 1 + (index % 2)  # a fourth judge, or a fourth and a fifth
        on_it = {a.judge_id for a in progress_service.round_assignments(round_) if a.nomination_id == nomination.id}
        free = [
            j
            for j in panel
            if j.id not in on_it and eligibility_service.conflict_refusal(j, nomination, round_) is None
        ]
        assignments_service.assign_manually(
            round_, [nomination.id], [j.id for j in free[index % 5 :][:extra]], secretariat
        )
    sheets = 0
    for assignment in progress_service.round_assignments(round_):
        conflicts_service.declare(assignment, assignment.judge, False)
        nomination = assignment.nomination
        quality = TI_QUALITY.get(nomination.title) or random.Random(nomination.id).uniform(4.5, 8.5)
        severity = (
            -2.2 if assignment.judge.email == HARSH_JUDGE else random.Random(assignment.judge_id).uniform(-0.8, 0.8)
        )
        # The tied pair's scores depend on the judge only, so each judge gives both the same.
        seed = assignment.judge_id if nomination.title in TIED else assignment.id
        rng = random.Random(seed)
        criteria = rubrics_service.criteria_of(round_, nomination.category)
        scores = {
            criterion.id: str(round(min(10, max(1, quality + severity + rng.gauss(0, 0.6))))) for criterion in criteria
        }
        sheets_service.save_sheet(assignment, assignment.judge, _remarks(assignment, criteria, scores), submit=True)
        sheets += 1
    return sheets


def _remarks(assignment, criteria, scores: dict[int, str]) -> sheets_service.SheetInput:
    """A judge's sheet with comments: two criteria commented, the first remark shared with the applicant, the
    second kept for the committee on some sheets; the overall comment shared on about half of them. Drawn from its
    own seeded generator, so that the scores stay as they were."""
    rng = random.Random(assignment.id * 7 + 1)
    commented = rng.sample(criteria, k=min(2, len(criteria)))
    comments = {}
    for index, criterion in enumerate(commented):
        praise, doubt = CRITERION_REMARKS.get(criterion.name_en, (OVERALL_REMARK, COMMITTEE_REMARK))
        if index == 0:
            comments[criterion.id] = praise if float(scores[criterion.id]) >= 6 else doubt
        else:
            comments[criterion.id] = COMMITTEE_REMARK if rng.random() < 0.3 else doubt
    return sheets_service.SheetInput(
        scores=scores,
        comments=comments,
        overall_comment=OVERALL_REMARK,
        shared=frozenset({commented[0].id}) if commented else frozenset(),
        overall_shared=rng.random() < 0.5,
    )


def _finalist_scores(assignment) -> int:
    """The finalists' round is under way: some sheets submitted, some drafts, some still to do."""
    roll = _roll(assignment)
    if assignment.judge.email == "judge01@judges.example" or roll > 0.7:
        return 0  # left to do (the demo judge's own work among it)
    conflicts_service.declare(assignment, assignment.judge, False)
    criteria = rubrics_service.criteria_of(assignment.round, assignment.nomination.category)
    rng = random.Random(assignment.id)
    quality = TI_QUALITY.get(assignment.nomination.title) or random.Random(assignment.nomination_id).uniform(5, 9)
    scores = {c.id: str(round(min(10, max(1, quality + rng.gauss(0, 1))))) for c in criteria}
    draft = roll > 0.5
    if draft:  # a half-finished sheet
        scores = {k: (v if i < len(scores) // 2 else "") for i, (k, v) in enumerate(scores.items())}
    sheets_service.save_sheet(
        assignment,
        assignment.judge,
        sheets_service.SheetInput(scores=scores, comments={}, overall_comment=""),
        submit=not draft,
    )
    return 1


def _roll(assignment) -> float:
    """A stable pseudo-random number per assignment, so that seeding again repeats the same choices."""
    return random.Random(assignment.judge_id * 100_003 + assignment.nomination_id).random()
