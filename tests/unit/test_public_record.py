"""The public record of the winners: what it keeps, what it leaves out, and how it orders and cuts."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from awards_app.public_record import AwardedEntry, Local, as_json, public_record, short_description, winner_slug

PUBLISHED = datetime(2025, 11, 20, 9, 0, tzinfo=UTC)


def entry(nomination_id: int, title: str, **changes) -> AwardedEntry:
    values = {
        "nomination_id": nomination_id,
        "title": title,
        "category_code": "TI",
        "category_name": Local("Tech-InnovaCity", "기술혁신"),
        "category_kind": "project",
        "category_position": 1,
        "tier_id": 1,
        "tier_name": Local("Gold", "금상"),
        "tier_position": 0,
        "rank": 1,
        "organisation_name": "City of Odense",
        "organisation_type": "city",
        "city": "Odense",
        "country_code": "dk",
        "answers": {"title": title, "summary": "Robots help older people at home."},
    }
    values.update(changes)
    return AwardedEntry(**values)


def record(*entries: AwardedEntry):
    return public_record("sscp-2025", 2025, Local("3rd Prize", "제3회"), PUBLISHED, entries)


def test_a_person_s_private_answers_never_reach_the_record():
    leader = entry(
        7,
        "Mette Frederiksen",
        category_code="LD",
        category_kind="leadership",
        answers={
            "nominee_name": "Mette Frederiksen",
            "nominee_position": "Mayor",
            "nominee_organisation": "City of Odense",
            "nominee_email": "mette@odense.example",
            "achievements": "Led the open data programme. Call +45 65 51 12 34 or write to press@odense.example.",
            "links": "https://example.org/private-report",
        },
    )
    commended = entry(
        8,
        "김지원",
        category_code="MC",
        category_kind="commendation",
        organisation_type="individual",
        organisation_name="Kim Ji-won (applicant)",
        city="Mapo-gu",
        country_code="KR",
        answers={
            "nominee_name": "김지원",
            "affiliation": "WeGO",
            "position": "Adviser",
            "merit_en": "Advised twelve cities.",
            "merit_ko": "12개 도시 자문",
            "has_disciplinary_record": "yes",
            "disciplinary_record": "A reprimand in 2019",
            "past_awards": "Order of Civil Merit",
        },
    )
    text = json.dumps(as_json(record(leader, commended), "https://x/e", lambda w: f"https://x/{w.slug}"))
    for private in (
        "mette@odense.example",
        "press@odense.example",
        "65 51 12 34",
        "private-report",
        "reprimand",
        "Order of Civil Merit",
        "Kim Ji-won (applicant)",  # an individual applicant is a private person: country only
        "Mapo-gu",
        "rank",
        "score",
    ):
        assert private not in text, private
    first, second = record(leader, commended).winners
    assert (first.role, first.organisation, first.description.en) == (
        "Mayor, City of Odense",
        "City of Odense",
        "Led the open data programme.",
    )
    assert (second.role, second.organisation, second.city, second.origin("ko")) == ("Adviser, WeGO", "", "", "대한민국")
    assert (second.description.in_("en"), second.description.in_("ko")) == ("Advised twelve cities.", "12개 도시 자문")


def test_a_project_shows_its_summary_not_its_other_answers():
    winner = entry(1, "Odense care", answers={"summary": "What it did.", "funding": "Two million euros."})
    only = record(winner).winners[0]
    assert only.description.en == "What it did." and not only.is_person and only.role == ""
    assert "Two million" not in json.dumps(as_json(record(winner), "", lambda w: ""))
    assert only.origin("en") == "City of Odense, Odense, Denmark"


def test_winners_go_by_category_then_tier_then_rank():
    entries = [
        entry(3, "Bronze one", tier_id=3, tier_name=Local("Bronze"), tier_position=2, rank=4),
        entry(4, "Leader", category_code="LD", category_position=2, tier_id=9, tier_name=Local("Leadership")),
        entry(2, "Silver second", tier_id=2, tier_name=Local("Silver"), tier_position=1, rank=3),
        entry(5, "Silver first", tier_id=2, tier_name=Local("Silver"), tier_position=1, rank=2),
        entry(1, "Gold", tier_id=1, rank=1),
        entry(6, "Silver by the committee", tier_id=2, tier_name=Local("Silver"), tier_position=1, rank=None),
    ]
    result = record(*entries)
    assert [c.code for c in result.categories] == ["TI", "LD"]
    assert [(t.name.en, [w.name for w in t.winners]) for t in result.categories[0].tiers] == [
        ("Gold", ["Gold"]),
        ("Silver", ["Silver first", "Silver second", "Silver by the committee"]),
        ("Bronze", ["Bronze one"]),
    ]
    assert set(result.winners_by_id) == {1, 2, 3, 4, 5, 6}


def test_a_short_description_is_cut_at_a_word():
    text = "word " * 100
    cut = short_description(text, 30)
    assert cut == "word word word word word word…"
    assert short_description("서울시" * 200, 30) == "서울시" * 10 + "…"
    assert short_description("  Two\n\nlines  ") == "Two lines"
    kept = "Started 2024-07-01 (phases 2019 2020 2021); 120 000 000 won."
    assert short_description(kept) == kept
    assert (
        short_description("It works. Ask 02-2133-1234. Or (555) 123 4567! Or +45 65 51 12 34? Or a@b.kr.")
        == "It works."
    )


def test_a_winner_s_address_keeps_its_id_and_ascii_words():
    assert winner_slug(12, "Seoul's Smart-Water Meters!") == "12-seoul-s-smart-water-meters"
    assert winner_slug(13, "김지원") == "13"


def test_json_has_both_languages_and_korean_falls_back_to_english():
    data = as_json(record(entry(1, "Gold")), "https://x/e", lambda w: f"https://x/e/{w.slug}")
    assert data["edition"] == {
        "slug": "sscp-2025",
        "year": 2025,
        "name": {"en": "3rd Prize", "ko": "제3회"},
        "published_at": "2025-11-20T09:00:00+00:00",
        "url": "https://x/e",
    }
    winner = data["categories"][0]["tiers"][0]["winners"][0]
    assert winner["url"] == "https://x/e/1-gold"
    assert winner["country"] == {"code": "DK", "en": "Denmark", "ko": "덴마크"}
    assert winner["description"] == {
        "en": "Robots help older people at home.",
        "ko": "Robots help older people at home.",
    }
