"""The criteria a new rubric starts with, and its score scale.

A project or special category starts with the six criteria the prize publishes, each of equal weight; a leadership
category (a person recommended for the Mayor's commendation) with three. The secretariat edits them per round and
category until a judge submits a sheet (``services.rubrics``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

#: Each criterion: English name, Korean name, English guidance, Korean guidance.
PUBLISHED_CRITERIA = [
    (
        "Problem-Centered Innovation",
        "문제 중심 혁신",
        "Importance of the problem, evidence of its causes, citizens engaged in defining it.",
        "문제의 중요성, 원인에 대한 근거, 문제 정의에 시민이 참여했는지",
    ),
    (
        "Rational Process of Project Development",
        "합리적인 사업 개발 과정",
        "Technology fit to the problem, innovation, evidence-based design.",
        "문제에 맞는 기술, 혁신성, 근거에 기반한 설계",
    ),
    (
        "Feasible Budgeting & Planning",
        "실현 가능한 예산과 계획",
        "Resources, organisation and staffing, contingency plan.",
        "재원, 조직과 인력, 비상 계획",
    ),
    (
        "Meticulous Project Implementation",
        "충실한 사업 실행",
        "Participatory mechanisms, barriers overcome.",
        "참여 방식, 극복한 장애 요인",
    ),
    ("Learning & Improvement", "학습과 개선", "Monitoring and evaluation feedback.", "모니터링과 평가 환류"),
    ("Value Generation", "가치 창출", "Outcomes and impact.", "성과와 영향"),
]

LEADERSHIP_CRITERIA = [
    ("Leadership and vision", "리더십과 비전", "", ""),
    ("Innovation with technology and data", "기술과 데이터를 활용한 혁신", "", ""),
    ("Results for citizens", "시민을 위한 성과", "", ""),
]


@dataclass(frozen=True)
class ScoreScale:
    minimum: Decimal
    maximum: Decimal
    step: Decimal


#: Every criterion of a new rubric: scored 1 to 10 in whole points, with weight 1.
DEFAULT_SCALE = ScoreScale(minimum=Decimal(1), maximum=Decimal(10), step=Decimal(1))
DEFAULT_WEIGHT = Decimal(1)
