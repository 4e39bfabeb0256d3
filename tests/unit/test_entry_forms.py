import pytest

from awards_app.entry_forms import check_answers, clean_answers, default_fields, title_of, word_count
from awards_app.models import CategoryKind
from tests.conftest import complete_project_answers


@pytest.fixture(autouse=True)
def _app_context(app_without_database):
    """Messages are lazy translations: they need an app to render."""


def test_complete_project_has_no_problems():
    assert not check_answers(default_fields(CategoryKind.PROJECT), complete_project_answers())


def test_every_required_field_is_reported():
    problems = check_answers(default_fields(CategoryKind.PROJECT), {})
    required = {spec.name for spec in default_fields(CategoryKind.PROJECT) if spec.required}
    assert set(problems.by_field) == required
    assert problems.by_field["title"] == ["This field is required."]


def test_word_limit_is_enforced_at_submission():
    answers = complete_project_answers() | {"summary": "word " * 301}
    problems = check_answers(default_fields(CategoryKind.PROJECT), answers)
    assert problems.by_field == {"summary": ["301 words: the limit is 300."]}


def test_dates_choices_and_links_are_checked():
    answers = complete_project_answers() | {
        "start_date": "31/02/2022",
        "stage": "imaginary",
        "links": "https://ok.example\njavascript:alert(1)",
    }
    problems = check_answers(default_fields(CategoryKind.PROJECT), answers)
    assert problems.by_field["start_date"] == ["Enter a valid date."]
    assert problems.by_field["stage"] == ["Choose one of the options."]
    assert problems.by_field["links"][0].startswith("Not a web address")


def test_commendation_details_required_only_when_declared():
    answers = {
        "nominee_name": "김서연",
        "affiliation": "서울디지털재단",
        "position": "선임연구원",
        "merit_start": "2021-01-01",
        "merit_end": "2020-01-01",
        "merit_ko": "공적",
        "merit_en": "Merit",
        "has_revoked_awards": "no",
        "has_disciplinary_record": "yes",
        "disciplinary_record": "",
        "has_controversies": "no",
    }
    problems = check_answers(default_fields(CategoryKind.COMMENDATION), answers)
    assert set(problems.by_field) == {"disciplinary_record", "merit_end"}
    assert problems.by_field["merit_end"] == ["The end must not be before the start."]


def test_leadership_term_and_email():
    answers = {
        "nominee_name": "A",
        "nominee_position": "Mayor",
        "nominee_organisation": "City",
        "nominee_email": "not-an-address",
        "term_start": "2020-01-01",
        "achievements": "Led.",
    }
    assert set(check_answers(default_fields(CategoryKind.LEADERSHIP), answers).by_field) == {"nominee_email"}


def test_clean_answers_keeps_only_the_forms_fields_and_any_script():
    cleaned = clean_answers(
        default_fields(CategoryKind.PROJECT), {"title": "  서울 S-Map  ", "is_admin": "yes", "summary": None}
    )
    assert cleaned["title"] == "서울 S-Map"
    assert cleaned["summary"] == ""
    assert "is_admin" not in cleaned


def test_title_and_word_count():
    assert title_of(default_fields(CategoryKind.LEADERSHIP), {"nominee_name": " Maria Santos "}) == "Maria Santos"
    assert word_count("one  two\nthree") == 3
    assert word_count("") == 0
