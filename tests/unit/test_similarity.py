"""Nominations that read alike (``awards_app.similarity``): the same project entered twice or again, and not a
shared word or two."""

from awards_app.similarity import MIN_TITLE_CHARS, Entry, similar

SUMMARY = (
    "Robots help home-care nurses lift and move older people, so that one nurse can visit more homes a day and "
    "nobody waits weeks for help."
)


def test_the_same_title_reworded_matches_on_the_title():
    entry = Entry(1, "Odense robot-assisted home care", "")
    others = [
        Entry(2, "Robot-assisted home care in Odense", ""),
        Entry(3, "Harbour electric buses", ""),
        Entry(1, "Odense robot-assisted home care", ""),  # itself
    ]
    (match,) = similar(entry, others)
    assert (match.id, match.field) == (2, "title") and match.score >= 85


def test_a_new_title_over_the_same_summary_matches_on_the_summary():
    entry = Entry(1, "Care robots for everyone", SUMMARY)
    other = Entry(2, "Helping nurses with machines", SUMMARY.replace("a day", "each day"))
    (match,) = similar(entry, [other])
    assert (match.id, match.field) == (2, "summary") and match.score >= 90


def test_shared_words_are_not_a_match_and_short_titles_are_not_compared():
    entry = Entry(1, "Smart city data platform for mobility", SUMMARY)
    others = [
        Entry(2, "Smart parking sensors in the old town", "Sensors tell drivers where to park, and the city plans."),
        Entry(3, "Smart city", ""),
    ]
    assert len("smart city") < MIN_TITLE_CHARS
    assert similar(entry, others) == []


def test_best_matches_come_first():
    entry = Entry(1, "Seoul digital twin for city planning", "")
    others = [Entry(2, "Digital twin for city planning", ""), Entry(3, "Seoul digital twin for city planning", "")]
    assert [m.id for m in similar(entry, others)] == [3, 2]
