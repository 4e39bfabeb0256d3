"""Level descriptors: what a range of a criterion's scale means, shown to judges beside the score.

A descriptor covers the scores from its lowest to its highest value, both included. The ranges of one criterion
stay within its scale and never share a value, so each score has at most one meaning; a scale may be left partly
undescribed. New rubrics start with the descriptors below (``services.rubrics``), written for the default 1–10
scale of ``rules.criteria``.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from . import DESCRIPTOR_CHARS

__all__ = ["DESCRIPTOR_CHARS", "MAX_DESCRIPTORS", "default_descriptors", "outside_scale", "range_problem"]

#: The most descriptors one criterion may have.
MAX_DESCRIPTORS = 20


def range_problem(
    lowest: Decimal,
    highest: Decimal,
    scale: tuple[Decimal, Decimal],
    others: Iterable[tuple[Decimal, Decimal]],
) -> str | None:
    """What is wrong with the range ``lowest``–``highest`` of a criterion scored on ``scale`` (its lowest and
    highest score), beside the criterion's ``others`` ranges; None when nothing is.

    ``"order"``: the lowest value is above the highest; ``"scale"``: the range reaches outside the scale;
    ``"overlap"``: it shares a value with another range (ranges include both ends, so 1–2 and 2–3 overlap).
    """
    if lowest > highest:
        return "order"
    if lowest < scale[0] or highest > scale[1]:
        return "scale"
    if overlapping(lowest, highest, others) is not None:
        return "overlap"
    return None


def overlapping(
    lowest: Decimal, highest: Decimal, others: Iterable[tuple[Decimal, Decimal]]
) -> tuple[Decimal, Decimal] | None:
    """The first of ``others`` that shares a value with the range ``lowest``–``highest``, or None."""
    return next(((low, high) for low, high in others if lowest <= high and low <= highest), None)


def outside_scale(ranges: Iterable[tuple[Decimal, Decimal]], scale: tuple[Decimal, Decimal]) -> bool:
    """Whether any of a criterion's ranges reaches outside ``scale`` (after the scale changed)."""
    return any(low < scale[0] or high > scale[1] for low, high in ranges)


#: The bands a new rubric's criterion starts with on the default 1–10 scale: (lowest, highest).
DEFAULT_BANDS = [(1, 2), (3, 4), (5, 6), (7, 8), (9, 10)]

#: Each published criterion's default descriptors, by its English name: (English, Korean) per band of
#: ``DEFAULT_BANDS``.
PUBLISHED_DESCRIPTORS: dict[str, list[tuple[str, str]]] = {
    "Problem-Centered Innovation": [
        (
            "No evidence: the problem is not stated or not shown to matter.",
            "근거 없음: 문제가 제시되지 않았거나 중요성이 드러나지 않음",
        ),
        (
            "The problem is stated, but its importance and causes are asserted, not shown.",
            "문제는 제시되었으나 중요성과 원인이 근거 없이 주장됨",
        ),
        (
            "The problem's importance and causes are shown with some evidence; citizens were little involved.",
            "문제의 중요성과 원인이 일부 근거로 제시됨; 시민 참여는 적음",
        ),
        (
            "Clear evidence of the problem and its causes; citizens helped define it.",
            "문제와 원인에 대한 근거가 분명함; 시민이 문제 정의에 참여함",
        ),
        (
            "Exemplary: a pressing problem, its causes measured, defined with citizens.",
            "탁월함: 시급한 문제, 원인을 측정했고 시민과 함께 정의함",
        ),
    ],
    "Rational Process of Project Development": [
        ("No evidence of how the solution was chosen.", "해결책을 선택한 과정에 대한 근거 없음"),
        (
            "The technology is described, but its fit to the problem is not argued.",
            "기술은 설명되었으나 문제에 맞는지 설명되지 않음",
        ),
        ("A reasonable fit, with some evidence behind the design.", "적절한 적합성, 설계에 일부 근거가 있음"),
        ("A well-argued, innovative design based on evidence.", "근거에 기반한, 설득력 있고 혁신적인 설계"),
        (
            "Exemplary: alternatives weighed, design tested against evidence, clearly innovative.",
            "탁월함: 대안을 비교하고 근거로 설계를 검증했으며 혁신성이 분명함",
        ),
    ],
    "Feasible Budgeting & Planning": [
        ("No budget or plan given.", "예산이나 계획이 제시되지 않음"),
        (
            "A budget or plan is given, but resources or staffing are unclear.",
            "예산이나 계획은 있으나 재원이나 인력이 불분명함",
        ),
        (
            "Budget, organisation and staffing are set out; no contingency plan.",
            "예산, 조직, 인력이 제시됨; 비상 계획은 없음",
        ),
        (
            "A realistic budget and plan with named staff and a contingency plan.",
            "담당 인력과 비상 계획을 갖춘 현실적인 예산과 계획",
        ),
        (
            "Exemplary: secured funding, clear organisation, risks planned for and tested.",
            "탁월함: 확보된 재원, 분명한 조직, 위험에 대비하고 점검한 계획",
        ),
    ],
    "Meticulous Project Implementation": [
        ("No evidence of implementation.", "실행에 대한 근거 없음"),
        (
            "Implementation has begun, with little detail or participation.",
            "실행이 시작되었으나 세부 내용이나 참여가 부족함",
        ),
        ("Implemented as planned, with some participatory mechanisms.", "계획대로 실행되었고 일부 참여 방식이 있음"),
        (
            "Implemented with real participation; barriers met and overcome.",
            "실질적인 참여 속에 실행됨; 장애 요인을 극복함",
        ),
        (
            "Exemplary: participation built in throughout, barriers overcome with measured results.",
            "탁월함: 전 과정에 참여가 녹아 있고 장애 요인을 극복한 성과가 측정됨",
        ),
    ],
    "Learning & Improvement": [
        ("No monitoring or evaluation.", "모니터링이나 평가 없음"),
        ("Monitoring is mentioned but not described.", "모니터링이 언급되었으나 설명되지 않음"),
        ("Monitoring is in place; some changes came from it.", "모니터링이 이루어지고 있고 일부 개선으로 이어짐"),
        ("Regular evaluation whose findings changed the project.", "정기적인 평가 결과로 사업이 개선됨"),
        (
            "Exemplary: independent evaluation, measured improvements, lessons shared with other cities.",
            "탁월함: 독립적 평가, 측정된 개선, 다른 도시와 교훈을 공유함",
        ),
    ],
    "Value Generation": [
        ("No outcomes shown.", "성과가 제시되지 않음"),
        (
            "Outputs are listed, but no outcome for citizens is shown.",
            "산출물은 나열되었으나 시민을 위한 성과가 드러나지 않음",
        ),
        ("Some outcomes, with limited evidence.", "일부 성과가 있으나 근거가 제한적임"),
        ("Clear outcomes for citizens, backed by data.", "데이터로 뒷받침되는 시민을 위한 분명한 성과"),
        (
            "Exemplary, with measured results: lasting impact that others can replicate.",
            "탁월함, 측정된 성과: 지속적이고 다른 도시가 재현할 수 있는 영향",
        ),
    ],
}

#: The descriptors of any other criterion a new rubric starts with (the leadership criteria).
GENERIC_DESCRIPTORS: list[tuple[str, str]] = [
    ("No evidence.", "근거 없음"),
    ("Weak: claimed, with little evidence.", "미흡함: 주장은 있으나 근거가 적음"),
    ("Adequate: shown with some evidence.", "보통: 일부 근거로 제시됨"),
    ("Strong: clear, convincing evidence.", "우수함: 분명하고 설득력 있는 근거"),
    ("Exemplary, with measured results.", "탁월함, 측정된 성과"),
]


def default_descriptors(criterion_name_en: str) -> list[tuple[Decimal, Decimal, str, str]]:
    """A new criterion's descriptors on the default scale: (lowest, highest, English, Korean) per band."""
    texts = PUBLISHED_DESCRIPTORS.get(criterion_name_en, GENERIC_DESCRIPTORS)
    return [(Decimal(low), Decimal(high), en, ko) for (low, high), (en, ko) in zip(DEFAULT_BANDS, texts, strict=True)]
