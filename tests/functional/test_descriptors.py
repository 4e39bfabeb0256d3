"""Level descriptors: the secretariat writes what ranges of each criterion's scale mean; judges read them."""

from decimal import Decimal

import pytest
import sqlalchemy as sa

from awards_app.models import AuditEvent, Criterion, LevelDescriptor
from awards_app.services import rubrics as rubrics_service
from awards_app.services import sheets as sheets_service
from tests.functional.judging_helpers import assign, criteria, eligible, judging_round, sheet_data


def _url(round_, criterion, descriptor=None, action="") -> str:
    url = f"/secretariat/rounds/{round_.id}/rubrics/{criterion.category_id}/criteria/{criterion.id}/descriptors"
    if descriptor is not None:
        url += f"/{descriptor.id}"
    return url + action


def _levels(criterion) -> list[tuple[Decimal, Decimal, str, str]]:
    found = rubrics_service.descriptors_of([criterion])[criterion.id]
    return [(d.lowest, d.highest, d.text_en, d.text_ko) for d in found]


def _rubric_rows(rubric) -> dict[str, str]:
    """The rubric page's rows as it posts them, each criterion on the default scale."""
    rows = {}
    for i, c in enumerate(rubric):
        rows |= {
            f"criteria-{i}-criterion_id": str(c.id),
            f"criteria-{i}-name_en": c.name_en,
            f"criteria-{i}-weight": "1",
            f"criteria-{i}-min_score": "1",
            f"criteria-{i}-max_score": "10",
            f"criteria-{i}-step": "1",
        }
    return rows


def _submit_a_sheet(world, round_, rubric) -> None:
    assignment = assign(round_, eligible(world, "Submitted project"), world.judge, declared=True)
    scores = {c.id: "7" for c in rubric}
    sheets_service.save_sheet(assignment, world.judge, sheets_service.SheetInput(scores, {}, "", None), submit=True)


def test_a_new_rubric_starts_with_descriptors_in_both_languages(app, world):
    round_ = judging_round(world)
    rubric = criteria(round_, world.project)
    described = rubrics_service.descriptors_of(rubric)
    assert [len(described[c.id]) for c in rubric] == [5] * 6
    first = described[rubric[0].id][0]
    assert (first.lowest, first.highest) == (1, 2)
    assert first.text_en.startswith("No evidence") and first.text_ko.startswith("근거 없음")
    assert described[rubric[5].id][-1].text_en.startswith("Exemplary, with measured results")


def test_the_secretariat_edits_removes_and_adds_descriptors_with_an_audit_trail(client, auth, world, db):
    round_ = judging_round(world)
    criterion = criteria(round_, world.project)[0]
    top = rubrics_service.descriptors_of([criterion])[criterion.id][-1]
    auth.login(world.secretariat)
    page = client.get(_url(round_, criterion)).get_data(as_text=True)
    assert "Level descriptors of Problem-Centered Innovation" in page and "문제의 중요성과 원인이" in page

    edit = {"lowest": "9", "highest": "10", "text_en": "Best in class, measured.", "text_ko": ""}
    assert client.post(_url(round_, criterion, top), data=edit).status_code == 302
    db.session.expire_all()
    assert _levels(criterion)[-1] == (9, 10, "Best in class, measured.", "")

    assert client.post(_url(round_, criterion, top, "/remove")).status_code == 302
    db.session.expire_all()
    assert [(low, high) for low, high, *_ in _levels(criterion)] == [(1, 2), (3, 4), (5, 6), (7, 8)]

    added = {"lowest": "9", "highest": "10", "text_en": "  Exemplary, with measured results  ", "text_ko": "탁월함"}
    response = client.post(_url(round_, criterion), data=added, follow_redirects=True)
    assert "Descriptor saved." in response.get_data(as_text=True)
    db.session.expire_all()
    assert _levels(criterion)[-1] == (9, 10, "Exemplary, with measured results", "탁월함")

    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action.like("rubric.descriptor%")).order_by(AuditEvent.id)
    ).all()
    assert actions == ["rubric.descriptor_changed", "rubric.descriptor_removed", "rubric.descriptor_added"]
    log = client.get("/secretariat/audit").get_data(as_text=True)
    assert "Level descriptor 9–10 added to Problem-Centered Innovation" in log


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"lowest": "8", "highest": "9"}, "This range overlaps the range 7–8 of the same criterion"),
        ({"lowest": "0", "highest": "1"}, "The range must lie within the criterion&#39;s scale, 1 to 10."),
        ({"lowest": "6", "highest": "5"}, "The lowest score of a range cannot be above its highest."),
        ({"lowest": "9", "highest": "10", "text_en": "   "}, "Write what this range means in English"),
        ({"lowest": "abc", "highest": "10"}, "Not a valid decimal value."),
        ({"lowest": "nan", "highest": "10"}, "Enter a number."),
        ({"lowest": "9", "highest": "1e308"}, "Number must be between -1000 and 1000."),
        ({"lowest": "9.125", "highest": "10"}, "at most two decimals"),
        ({"lowest": "", "highest": "10"}, "s lowest score."),
        ({"lowest": "9", "highest": "10", "text_en": "x" * 501}, "Field cannot be longer than 500 characters."),
    ],
)
def test_bad_descriptors_are_refused_with_a_message_and_change_nothing(client, auth, world, db, data, message):
    round_ = judging_round(world)
    criterion = criteria(round_, world.project)[0]
    top = rubrics_service.descriptors_of([criterion])[criterion.id][-1]
    auth.login(world.secretariat)
    client.post(_url(round_, criterion, top, "/remove"))
    db.session.expire_all()
    before = _levels(criterion)
    response = client.post(_url(round_, criterion), data={"text_en": "Exemplary"} | data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert _levels(criterion) == before


def test_descriptors_lock_with_the_rubric_once_a_judge_submits(client, auth, world, db):
    round_ = judging_round(world)
    rubric = criteria(round_, world.project)
    criterion = rubric[0]
    first = rubrics_service.descriptors_of([criterion])[criterion.id][0]
    _submit_a_sheet(world, round_, rubric)
    before = _levels(criterion)
    auth.login(world.secretariat)
    page = client.get(_url(round_, criterion)).get_data(as_text=True)
    assert "can no longer be changed" in page and 'name="text_en"' not in page and ">Remove" not in page

    refusal = "Judges have already submitted scores against this rubric, so its level descriptors can no longer"
    edit = {"lowest": "1", "highest": "2", "text_en": "Changed after the fact"}
    for url, data in [
        (_url(round_, criterion, first), edit),
        (_url(round_, criterion, first, "/remove"), {}),
        (_url(round_, criterion), {"lowest": "1", "highest": "1", "text_en": "New"}),
    ]:
        response = client.post(url, data=data, follow_redirects=True)
        assert refusal in response.get_data(as_text=True), url
    # Reopening the rubric itself cannot leave the locked descriptors outside a narrower scale.
    narrower = _rubric_rows(rubric) | {"criteria-0-max_score": "5", "confirm_reopen": "y"}
    response = client.post(f"/secretariat/rounds/{round_.id}/rubrics/{world.project.id}", data=narrower)
    assert "they can no longer be changed: keep a scale that holds them." in response.get_data(as_text=True)
    db.session.expire_all()
    assert _levels(criterion) == before and criteria(round_, world.project)[0].max_score == 10
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action.like("rubric.descriptor%"))) == 0


def test_descriptors_go_with_their_criterion_and_hold_the_scale(client, auth, world, db):
    round_ = judging_round(world)
    rubric = criteria(round_, world.project)
    auth.login(world.secretariat)
    url = f"/secretariat/rounds/{round_.id}/rubrics/{world.project.id}"
    rows = _rubric_rows(rubric[:5])  # the sixth criterion is left out: it is removed
    # A scale that would leave the 7–8 and 9–10 descriptors outside it is refused.
    response = client.post(url, data=rows | {"criteria-0-max_score": "5"}, follow_redirects=True)
    assert "Problem-Centered Innovation: its level descriptors reach outside the new scale" in response.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert rubric[0].max_score == 10 and len(criteria(round_, world.project)) == 6

    removed_id = rubric[5].id
    assert client.post(url, data=rows).status_code == 302
    count = sa.select(sa.func.count()).select_from(LevelDescriptor).where(LevelDescriptor.criterion_id == removed_id)
    assert db.session.scalar(count) == 0
    # The rubric page links each criterion to its descriptors, with how many there are.
    page = client.get(url).get_data(as_text=True)
    assert _url(round_, rubric[0]) in page and "5 ranges described" in page


def test_descriptors_of_another_criterion_or_round_are_not_found(client, auth, world, db):
    round_ = judging_round(world)
    other_round = judging_round(world, name="Finalists")
    criterion, other = criteria(round_, world.project)[:2]
    foreign = rubrics_service.descriptors_of([other])[other.id][0]
    auth.login(world.secretariat)
    base = f"/secretariat/rounds/{round_.id}/rubrics/{world.project.id}/criteria"
    assert client.get(f"{base}/{criterion.id}/descriptors/{foreign.id}").status_code == 404
    assert client.post(f"{base}/{criterion.id}/descriptors/{foreign.id}/remove").status_code == 404
    assert (
        client.get(
            f"/secretariat/rounds/{other_round.id}/rubrics/{world.project.id}/criteria/{criterion.id}/descriptors"
        ).status_code
        == 404
    )
    assert (
        client.get(
            f"/secretariat/rounds/{round_.id}/rubrics/{world.commendation.id}/criteria/{criterion.id}/descriptors"
        ).status_code
        == 404
    )
    assert client.get(f"{base}/999999/descriptors").status_code == 404
    db.session.expire_all()
    assert len(_levels(other)) == 5


@pytest.mark.parametrize("who", ["judge", "applicant"])
def test_judges_and_applicants_cannot_change_descriptors(client, auth, world, db, who):
    round_ = judging_round(world)
    criterion = criteria(round_, world.project)[0]
    first = rubrics_service.descriptors_of([criterion])[criterion.id][0]
    before = _levels(criterion)
    auth.login(getattr(world, who))
    assert client.get(_url(round_, criterion)).status_code == 403
    edit = {"lowest": "1", "highest": "2", "text_en": "Hijacked"}
    assert client.post(_url(round_, criterion, first), data=edit).status_code == 403
    assert client.post(_url(round_, criterion, first, "/remove")).status_code == 403
    assert client.post(_url(round_, criterion), data={"lowest": "1", "highest": "1", "text_en": "x"}).status_code == 403
    db.session.expire_all()
    assert _levels(criterion) == before


def test_the_judge_sees_the_descriptors_beside_each_score_in_english_and_korean(client, auth, world, db):
    round_ = judging_round(world)
    rubric = criteria(round_, world.project)
    top = rubrics_service.descriptors_of([rubric[0]])[rubric[0].id][-1]
    top.text_ko = ""  # no Korean: the English is shown instead
    db.session.commit()
    assignment = assign(round_, eligible(world), world.judge, declared=True)
    auth.login(world.judge)
    page = client.get(f"/judging/assignments/{assignment.id}").get_data(as_text=True)
    assert page.count('<caption class="caption-top fw-semibold text-body p-0">What the scores mean</caption>') == 6
    assert f'id="descriptors-{rubric[0].id}"' in page and f'data-describes="score_{rubric[0].id}"' in page
    assert "No evidence: the problem is not stated or not shown to matter." in page
    assert page.count("js/descriptors.js") == 1

    client.post("/language", data={"language": "ko"})
    page = client.get(f"/judging/assignments/{assignment.id}").get_data(as_text=True)
    assert "근거 없음: 문제가 제시되지 않았거나 중요성이 드러나지 않음" in page
    assert "No evidence: the problem is not stated" not in page
    assert "Exemplary: a pressing problem, its causes measured, defined with citizens." in page  # the fallback
    assert "점수의 의미" in page


def test_a_submitted_sheet_does_not_read_the_descriptors(client, auth, world, db):
    round_ = judging_round(world)
    rubric = criteria(round_, world.project)
    assignment = assign(round_, eligible(world), world.judge, declared=True)
    auth.login(world.judge)
    client.post(f"/judging/assignments/{assignment.id}", data=sheet_data(rubric, [7] * 6, submit=True))
    page = client.get(f"/judging/assignments/{assignment.id}").get_data(as_text=True)
    assert "Submitted on" in page and "What the scores mean" not in page


def test_the_demo_s_rubrics_have_descriptors_in_both_languages(runner, db):
    assert runner.invoke(args=["awards", "seed-demo"]).exit_code == 0
    rubric = db.session.scalars(sa.select(Criterion)).all()
    assert rubric
    described = rubrics_service.descriptors_of(rubric)
    for criterion in rubric:
        levels = described[criterion.id]
        assert [(d.lowest, d.highest) for d in levels] == [(1, 2), (3, 4), (5, 6), (7, 8), (9, 10)], criterion.name_en
        assert all(d.text_en and d.text_ko for d in levels)
