from datetime import timedelta

from flask_babel import force_locale, refresh

from awards_app.models import Edition, Nomination
from tests.conftest import complete_project_answers


def test_the_browser_language_is_the_default(client, world):
    page = client.get("/", headers={"Accept-Language": "ko-KR,ko;q=0.9"}).data.decode()
    assert '<html lang="ko">' in page
    assert "서울스마트도시상" in page


def test_switching_language_is_remembered_and_stays_on_the_page(client, world):
    response = client.post("/language?next=/auth/login", data={"language": "ko"})
    assert response.headers["Location"] == "/auth/login"
    page = client.get("/auth/login").data.decode()
    assert '<html lang="ko">' in page and "로그인" in page
    client.post("/language", data={"language": "en"})
    assert '<html lang="en">' in client.get("/auth/login").data.decode()


def test_a_signed_in_users_language_follows_them(client, auth, world, db):
    auth.login(world.applicant)
    client.post("/language", data={"language": "ko"})
    db.session.refresh(world.applicant)
    assert world.applicant.locale == "ko"
    auth.logout()
    client.post("/language", data={"language": "en"})
    auth.login(world.applicant)
    assert '<html lang="ko">' in client.get("/nominations/").data.decode()


def test_an_unknown_language_is_refused(client, world):
    assert client.post("/language", data={"language": "xx"}).status_code == 400
    assert client.post("/language?next=https://evil.example", data={"language": "en"}).headers["Location"] == "/"


def test_korean_pages_show_korean_names_dates_and_countries(client, auth, world):
    auth.login(world.applicant)
    client.post("/language", data={"language": "ko"})
    page = client.get("/nominations/").data.decode()
    assert "기술혁신" in page  # the category's Korean name
    assert "덴마크" in page  # Denmark, from CLDR
    assert "UTC+09:00" in page


def test_the_secretariat_s_edition_choice_names_editions_in_korean(client, auth, world, db):
    world.edition.name_ko = "테스트 상 2026"
    last_year = Edition(
        name="Test Prize 2025",
        name_ko="테스트 상 2025",
        year=2025,
        slug="test-2025",
        opens_at=world.edition.opens_at - timedelta(days=365),
        closes_at=world.edition.closes_at - timedelta(days=365),
    )
    db.session.add(last_year)
    world.secretariat.locale = "ko"
    db.session.commit()
    auth.login(world.secretariat)
    for url in ("/secretariat/", "/secretariat/nominations"):
        page = client.get(url).get_data(as_text=True)
        assert ">테스트 상 2026</option>" in page and ">Test Prize 2026</option>" not in page, url


def test_the_secretariat_s_messages_name_the_edition_in_korean(client, auth, world, db):
    world.edition.name_ko = "테스트 상 2026"
    world.secretariat.locale = "ko"
    db.session.commit()
    auth.login(world.secretariat)
    page = client.get(f"/secretariat/editions/{world.edition.id}/import").get_data(as_text=True)
    assert "테스트 상 2026" in page and world.edition.name not in page
    # A purge not confirmed says so, naming the edition as the page does.
    answer = client.post(
        f"/secretariat/privacy/retention/{world.edition.id}/purge",
        data={f"edition-{world.edition.id}-confirm": "wrong"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "테스트 상 2026" in answer and world.edition.name not in answer
    # Confirmed, but not due yet: the refusal names it so too.
    answer = client.post(
        f"/secretariat/privacy/retention/{world.edition.id}/purge",
        data={f"edition-{world.edition.id}-confirm": world.edition.slug},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "테스트 상 2026" in answer and world.edition.name not in answer


def test_text_in_any_script_is_stored_and_shown_intact(client, auth, world, db):
    auth.login(world.applicant)
    title = "서울 S-Map 디지털 트윈 · Ελληνικά · العربية · 中文 · emoji 🏙️"
    client.post(f"/nominations/new/{world.project.id}", data=complete_project_answers(title))
    nomination = db.session.query(Nomination).one()
    db.session.expire_all()
    assert db.session.get(Nomination, nomination.id).title == title
    assert title in client.get(f"/nominations/{nomination.id}").data.decode()


def test_every_page_is_escaped(client, auth, world, db):
    auth.login(world.applicant)
    hostile = '<script>alert("x")</script>'
    client.post(f"/nominations/new/{world.project.id}", data=complete_project_answers(hostile))
    nomination = db.session.query(Nomination).one()
    page = client.get(f"/nominations/{nomination.id}").data.decode()
    assert hostile not in page
    assert "&lt;script&gt;" in page


def test_every_audited_action_reads_in_the_readers_language(app, client, auth, world, db, runner):
    import io

    import sqlalchemy as sa

    from awards_app.i18n import AUDIT_TEXTS, audit_text
    from awards_app.models import AuditEvent
    from tests.unit.test_storage import PDF

    runner.invoke(args=["awards", "seed-demo", "--extra", "2"])
    auth.login(world.applicant)
    client.post(f"/nominations/new/{world.project.id}", data=complete_project_answers())
    nomination = db.session.scalars(sa.select(Nomination).where(Nomination.organisation_id == world.city.id)).one()
    client.post(
        f"/nominations/{nomination.id}/edit",
        data={**complete_project_answers("Renamed"), "upload": "1", "document": (io.BytesIO(PDF), "plan.pdf")},
        content_type="multipart/form-data",
    )
    attachment = nomination.attachments[0]
    client.post(f"/nominations/{nomination.id}/attachments/{attachment.id}/delete")
    client.post(f"/nominations/{nomination.id}/withdraw", data={"confirm": "y"})
    auth.logout()
    client.post("/auth/forgot", data={"email": world.applicant.email})
    auth.login(world.secretariat)
    client.post(
        "/secretariat/people/invite",
        data={
            "name": "J",
            "email": "j@judges.example",
            "roles": ["judge"],
            "affiliation": "Astana Hub",
            "country_code": "KZ",
            "time_zone": "Asia/Almaty",
            "locale": "en",
        },
    )
    events = db.session.scalars(sa.select(AuditEvent)).all()
    actions = {event.action for event in events}
    assert {
        "nomination.created",
        "nomination.draft_saved",
        "nomination.submitted",
        "nomination.screened",
        "nomination.withdrawn",
        "attachment.added",
        "attachment.removed",
        "account.invited",
        "account.reset_requested",
        "demo.extra_seeded",
    } <= actions
    with app.test_request_context():
        for event in events:
            with force_locale("en"):
                english = audit_text(event)
            with force_locale("ko"):
                korean = audit_text(event)
            assert event.action in AUDIT_TEXTS, event.action
            assert korean != english, f"{event.action} has no Korean: {english}"
    client.post("/language", data={"language": "ko"})
    page = client.get("/secretariat/audit").data.decode()
    assert "초대했습니다" in page


def test_the_korean_catalogue_is_read_once_for_many_requests(app, client, auth, world, monkeypatch):
    from babel.support import Translations
    from flask import g

    from awards_app.extensions import babel

    @app.before_request
    def _forget_babel_state():
        # The suite's app context outlives a request (see conftest) and Flask-Babel keeps its per-request state in
        # g: drop it, so that each request starts with none, as in production.
        g.pop("_flask_babel", None)

    read = []
    load = Translations.load

    def counting_load(dirname=None, locales=None, domain=None):
        read.append(str(locales[0]))
        return load(dirname, locales, domain)

    monkeypatch.setattr(Translations, "load", counting_load)
    # As a new process starts: no catalogue read yet (the suite's earlier tests have filled the cache).
    monkeypatch.setattr(babel.domain_instance, "cache", {})
    assert "로그인" in client.get("/auth/login", headers={"Accept-Language": "ko"}).data.decode()
    auth.login(world.judge)
    client.post("/language", data={"language": "ko"})
    assert '<html lang="ko">' in client.get("/judging/").data.decode()
    assert read == ["ko"]
    client.post("/language", data={"language": "en"})
    assert '<html lang="en">' in client.get("/judging/").data.decode()
    client.post("/language", data={"language": "ko"})
    assert '<html lang="ko">' in client.get("/judging/").data.decode()
    assert read == ["ko", "en"]  # each language once, however often a person switches


def test_a_template_follows_a_forced_language_and_comes_back(app):
    # A page's catalogue is looked up once per language and request: an e-mail in its reader's language, drawn
    # within a page in another, reads in its own, and the page after it in the page's.
    draw = app.jinja_env.from_string("{{ _('Draft') }} {{ ngettext('%(num)d minute', '%(num)d minutes', 2) }}")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh()  # the test's app context outlives a request: so would the language chosen for the last one
        assert draw.render() == "Draft 2 minutes"
        with force_locale("ko"):
            assert draw.render() == "작성 중 2분"
        assert draw.render() == "Draft 2 minutes"
    with app.test_request_context(headers={"Accept-Language": "ko"}):
        refresh()
        assert draw.render() == "작성 중 2분"
        with force_locale("en"):
            assert draw.render() == "Draft 2 minutes"
        assert draw.render() == "작성 중 2분"
