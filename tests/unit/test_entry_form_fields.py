"""Entry forms as the secretariat stores them: fields from dicts and back, and the checks of a whole form."""

import pytest
from flask_babel import force_locale

from awards_app.entry_forms import (
    LocalText,
    check_answers,
    clean_answers,
    default_fields,
    form_problems,
    periods,
    spec_from_dict,
    spec_to_dict,
    specs_from_dicts,
    title_field,
    title_of,
)
from awards_app.form_editor.forms import choices_text, parse_choices
from awards_app.models import CategoryKind
from tests.conftest import complete_project_answers


@pytest.fixture(autouse=True)
def _app_context(app_without_database):
    """Labels are lazy translations: they need an app to render."""


def field(name: str, kind: str = "text", **extra) -> dict:
    return {
        "name": name,
        "kind": kind,
        "label_en": name.title(),
        "label_ko": name + " (ko)",
        "required": True,
        "max_chars": 300,
        **extra,
    }


@pytest.mark.parametrize("kind", list(CategoryKind))
def test_every_default_form_survives_storage_and_is_a_valid_form(kind):
    rows = [spec_to_dict(spec) for spec in default_fields(kind)]
    assert form_problems(rows) == []
    stored = specs_from_dicts(rows)
    assert [s.name for s in stored] == [s.name for s in default_fields(kind)]
    assert [(s.kind, s.required, s.required_if, s.word_limit) for s in stored] == [
        (s.kind, s.required, s.required_if, s.word_limit) for s in default_fields(kind)
    ]
    assert [spec_to_dict(s) for s in stored] == rows


def test_a_stored_form_checks_answers_as_the_default_did():
    stored = specs_from_dicts(spec_to_dict(s) for s in default_fields(CategoryKind.PROJECT))
    answers = complete_project_answers() | {"summary": "word " * 301, "stage": "imaginary", "title": ""}
    assert (
        check_answers(stored, answers).by_field == check_answers(default_fields(CategoryKind.PROJECT), answers).by_field
    )


def test_the_default_labels_are_stored_in_both_languages():
    rows = [spec_to_dict(spec) for spec in default_fields(CategoryKind.PROJECT)]
    title = rows[0]
    assert title["label_en"] == "Project title"
    assert title["label_ko"] and title["label_ko"] != "Project title"  # the catalogue's Korean
    assert title["section_en"] == "The project"


def test_local_text_follows_the_reader_language():
    label = LocalText("Budget", "예산")
    with force_locale("ko"):
        assert str(label) == "예산"
    with force_locale("en"):
        assert str(label) == "Budget"
    with force_locale("ko"):
        assert str(LocalText("Budget", "")) == "Budget"  # no Korean: the English


def test_a_condition_makes_a_follow_up_required_only_on_its_answer():
    fields = specs_from_dicts(
        [
            field("title"),
            field("has_partner", "yesno"),
            field("partner", "textarea", required=False, required_if=["has_partner", "yes"], word_limit=5),
        ]
    )
    assert check_answers(fields, {"title": "T", "has_partner": "no"}).by_field == {}
    assert check_answers(fields, {"title": "T", "has_partner": "yes"}).by_field == {
        "partner": ["This field is required."]
    }
    assert check_answers(fields, {"title": "T", "has_partner": "yes", "partner": "one two three four five six"})
    assert check_answers(fields, {"title": "T", "has_partner": "maybe"}).by_field == {
        "has_partner": ["Choose one of the options."]
    }


def test_periods_are_any_start_and_end_dates_of_the_same_name():
    fields = specs_from_dicts(
        [field("title"), field("pilot_start", "date"), field("pilot_end", "date"), field("launch", "date")]
    )
    assert periods(fields) == [("pilot_start", "pilot_end")]
    problems = check_answers(fields, {"title": "T", "pilot_start": "2024-05-01", "pilot_end": "2024-01-01"})
    assert problems.by_field == {
        "pilot_end": ["The end must not be before the start."],
        "launch": ["This field is required."],
    }


def test_the_title_is_the_title_field_else_the_first_short_text():
    fields = specs_from_dicts([field("summary", "textarea"), field("city_name"), field("mayor")])
    assert title_field(fields).name == "city_name"
    assert title_of(fields, {"city_name": "  Seoul  ", "mayor": "x"}) == "Seoul"


def test_choices_and_email_are_checked():
    fields = specs_from_dicts(
        [
            field("title"),
            field("size", "choice", choices=[{"value": "s", "label_en": "Small", "label_ko": "소"}]),
            field("contact", "email", required=False, max_chars=254),
        ]
    )
    problems = check_answers(fields, {"title": "T", "size": "xl", "contact": "nobody"})
    assert problems.by_field == {"size": ["Choose one of the options."], "contact": ["Enter a valid e-mail address."]}
    assert spec_from_dict(field("ok", "yesno")).choices[1][0] == "yes"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([], "A form needs at least one field."),
        ([field("title"), field("title")], "Two fields are named “title”"),
        ([field("Title!")], "a field's name is 1 to 40 lower-case letters"),
        ([field("title"), field("x", "textarea", required_if=["missing", "yes"])], "no field above is named “missing”"),
        ([field("title"), field("x", "textarea", required_if=["title", "yes"])], "must name a choice or a yes/no"),
        ([field("title"), field("q", "yesno"), field("x", required_if=["q", "maybe"])], "“maybe” is not one of"),
        ([field("title"), field("x", "choice", choices=[])], "a choice needs at least one option"),
        (
            [field("title"), field("x", "choice", choices=[{"value": "a", "label_en": "A", "label_ko": ""}])],
            "give each option's label in English and in Korean",
        ),
        (
            [
                field("title"),
                field(
                    "x",
                    "choice",
                    choices=[
                        {"value": "a", "label_en": "A", "label_ko": "가"},
                        {"value": "a", "label_en": "B", "label_ko": "나"},
                    ],
                ),
            ],
            "two options have the same code",
        ),
        ([field("title"), field("x", "textarea", word_limit=0)], "a word limit must be a positive number"),
        ([field("title"), field("x", "textarea", word_limit=-5)], "a word limit must be a positive number"),
        ([field("title", max_chars=0)], "the length must be between 1 and 3000"),
        ([field("title"), field("x", label_ko="")], "give the label in English and in Korean"),
        ([field("title"), field("x", "sketch")], "choose what kind of field it is"),
        ([field("x", "textarea")], "at least one short text field"),
        ([field("title"), field("other", label_en="Title")], "Two fields have the label “Title”"),
    ],
)
def test_a_broken_form_is_refused_with_a_message(rows, message):
    problems = form_problems(rows)
    assert any(message in problem for problem in problems), problems


def test_options_are_written_one_a_line():
    choices = parse_choices("s | Small | 소\n\nl | Large\n")
    assert choices == [
        {"value": "s", "label_en": "Small", "label_ko": "소"},
        {"value": "l", "label_en": "Large", "label_ko": ""},
    ]
    assert parse_choices(choices_text(choices)) == choices


def test_a_file_slot_is_checked_against_the_attached_documents():
    fields = specs_from_dicts([field("title"), field("budget_sheet", "file")])
    assert check_answers(fields, {"title": "T"}, documents=set()).by_field == {
        "budget_sheet": ["Attach this document."]
    }
    assert not check_answers(fields, {"title": "T"}, documents={"budget_sheet"})
    assert not check_answers(fields, {"title": "T"})  # an import brings no files: not checked
    assert "budget_sheet" not in clean_answers(fields, {"title": "T", "budget_sheet": "x"})


def test_a_field_cannot_take_the_name_of_one_of_the_pages_controls():
    assert any("a name the page uses itself" in p for p in form_problems([field("title"), field("version")]))


def test_a_form_has_bounds():
    assert any("at most 5000" in p for p in form_problems([field("title"), field("x", "textarea", word_limit=10**9)]))
    many = [field("title")] + [field(f"f{n}", label_en=f"F{n}", label_ko=f"ko{n}") for n in range(80)]
    assert "A form has at most 80 fields." in form_problems(many)
