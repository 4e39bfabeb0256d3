"""Every number of the results workbook can be recomputed from its own Scores sheet by the formulas it states.

This test is the committee's check, written independently of awards_app.ranking: it reads only the downloaded
workbook, recomputes each judge total, each nomination's statistics, the judges' diagnostics and the SHA-256 of
the score data with plain Python, and compares them with the Rankings, Judges and Method sheets.
"""

from __future__ import annotations

import hashlib
import io
import random
import statistics
from collections import defaultdict

import pytest
from openpyxl import load_workbook

from awards_app.extensions import db
from awards_app.models import Role
from awards_app.services import conflicts as conflicts_service
from awards_app.services import sheets as sheets_service
from tests.conftest import make_user
from tests.functional.judging_helpers import assign, criteria, eligible, judging_round

TOLERANCE = 1e-6  # the workbook stores full doubles; this is far below its two displayed decimals


@pytest.fixture
def scored_round(world):
    """Eight nominations, six judges of differing severity, a draft and a recused judge's submitted sheet."""
    round_ = judging_round(world)
    round_.judges_per_nomination = 5
    nominations = [
        eligible(world, f"Project {i}", organisation=world.other_city if i % 2 else world.city) for i in range(8)
    ]
    judges = [world.judge] + [
        make_user(f"judge{i}@judges.example", [Role.JUDGE], name=f"Judge {i}") for i in range(1, 6)
    ]
    judges[5].name = judges[4].name  # two judges share a name: the workbook must tell them apart
    db.session.commit()
    rubric = criteria(round_, world.project)
    rubric[2].step = rubric[2].step / 2  # half points on one criterion
    db.session.commit()
    generator = random.Random(7)
    severity = [-2, -1, 0, 0, 1, 2]
    for n_index, nomination in enumerate(nominations):
        for j_index, judge in enumerate(judges):
            if (n_index + j_index) % 6 == 5:
                continue  # not every judge sees every nomination
            assignment = assign(round_, nomination, judge, declared=True)
            values = {}
            for criterion in rubric:
                value = min(10, max(1, 5 + severity[j_index] + generator.randint(-3, 3)))
                values[criterion.id] = str(
                    value + (0.5 if criterion is rubric[2] and generator.random() < 0.5 and value < 10 else 0)
                )
            draft = (n_index, j_index) == (0, 0)
            sheets_service.save_sheet(
                assignment, judge, sheets_service.SheetInput(values, {}, "", None), submit=not draft
            )
    # A conflict recorded after the judge submitted: those scores must not count.
    conflicts_service.record_conflict(judges[1], nominations[1], "Advised the city", world.secretariat)
    return round_


def _rows(sheet) -> list[dict[str, object]]:
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, row, strict=False)) for row in rows[1:] if any(v is not None for v in row)]


def _ranks(values: list[float]) -> list[float]:
    """Average ranks (ties share the mean of their positions), for Spearman's correlation."""
    ordered = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(ordered):
        end = start
        while end + 1 < len(ordered) and values[ordered[end + 1]] == values[ordered[start]]:
            end += 1
        for position in range(start, end + 1):
            ranks[ordered[position]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def _canonical(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float):
        text = f"{float(value):.6f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    return str(value)


def test_every_number_recomputes_from_the_scores_sheet(client, auth, world, scored_round):
    auth.login(world.secretariat)
    response = client.get(f"/secretariat/rounds/{scored_round.id}/results.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    scores, rankings, judges = _rows(book["Scores"]), _rows(book["Rankings"]), _rows(book["Judges"])
    method = {row["Item"]: row["Value"] for row in _rows(book["Method"])}

    # Judge totals: 100 × Σ w (s − min)/(max − min) / Σ w.
    sheets: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in scores:
        sheets[(row["Reference"], row["Judge"])].append(row)
    totals: dict[str, dict[str, float]] = defaultdict(dict)
    for (reference, judge), rows in sheets.items():
        weight = sum(r["Weight"] for r in rows)
        totals[reference][judge] = (
            100 * sum(r["Weight"] * (r["Score"] - r["Min"]) / (r["Max"] - r["Min"]) for r in rows) / weight
        )
    assert len({r["Judge"] for r in scores}) == 6  # names shared by two judges are told apart
    assert len(rankings) == 8

    # The recused judge's sheet and the draft are not in the Scores sheet.
    assert len(sheets) == sum(1 for n in range(8) for j in range(6) if (n + j) % 6 != 5) - 2

    # Normalisation inputs per judge and for the whole category.
    all_totals = [p for by_judge in totals.values() for p in by_judge.values()]
    big_m, big_s = statistics.fmean(all_totals), statistics.pstdev(all_totals)
    per_judge: dict[str, list[float]] = defaultdict(list)
    for by_judge in totals.values():
        for judge, p in by_judge.items():
            per_judge[judge].append(p)

    def normalised(judge: str, p: float) -> float:
        mine = per_judge[judge]
        sigma = statistics.pstdev(mine)
        if len(mine) < 3 or round(sigma, 6) == 0:
            return p
        return big_m + big_s * (p - statistics.fmean(mine)) / sigma

    means = {}
    for row in rankings:
        values = sorted(totals[row["Reference"]].values())
        n = len(values)
        mean = statistics.fmean(values)
        means[row["Reference"]] = mean
        trimmed = statistics.fmean(values[1:-1]) if n >= 5 else mean
        expected = {
            "Judges": n,
            "Mean": mean,
            "Median": statistics.median(values),
            "SD": statistics.pstdev(values),
            "Trimmed mean": trimmed,
            "Normalised": statistics.fmean(normalised(j, p) for j, p in totals[row["Reference"]].items()),
            "Score": mean,
        }
        for column, value in expected.items():
            assert row[column] == pytest.approx(value, abs=TOLERANCE), (row["Reference"], column)
        assert ("few judges" in (row["Flags"] or "")) == (n < 5)
        assert ("disagreement" in (row["Flags"] or "")) == (statistics.pstdev(values) >= 15)

    # Ranks follow the Score, highest first (these scores have no ties at six decimals).
    ordered = sorted(rankings, key=lambda r: -r["Score"])
    assert [r["Rank"] for r in ordered] == list(range(1, 9))

    # Judges: count, mean, SD; offset and Spearman against the other judges of the same nominations only.
    for row in judges:
        judge = row["Judge"]
        mine = {ref: by_judge[judge] for ref, by_judge in totals.items() if judge in by_judge}
        assert row["Nominations"] == len(mine)
        assert row["Mean total"] == pytest.approx(statistics.fmean(mine.values()), abs=TOLERANCE)
        assert row["SD"] == pytest.approx(statistics.pstdev(mine.values()), abs=TOLERANCE)
        others = {
            ref: statistics.fmean(p for j, p in totals[ref].items() if j != judge)
            for ref in mine
            if len(totals[ref]) > 1
        }
        offset = statistics.fmean(mine[ref] - others[ref] for ref in others)
        assert row["Offset"] == pytest.approx(offset, abs=TOLERANCE)
        if len(others) >= 2:
            refs = sorted(others)
            rho = statistics.correlation(
                _ranks([round(mine[r], 6) for r in refs]), _ranks([round(others[r], 6) for r in refs])
            )  # equal at 6 decimals: tied
            assert row["Spearman"] == pytest.approx(rho, abs=TOLERANCE)
    assert means  # the panel Means above are the Mean column's; the judges are compared without themselves

    # The SHA-256 of the score data, by the rule the Method sheet states.
    digest = hashlib.sha256()
    for row in scores:
        values = [row[c] for c in ("Category", "Reference", "Judge", "Criterion", "Weight", "Min", "Max", "Score")]
        digest.update(("\t".join(_canonical(v) for v in values) + "\n").encode())
    assert method["Score data SHA-256"] == digest.hexdigest()
    assert method["Application version"]
    assert "highest-weighted criterion" in method["Rank"]
    assert method["Disagreement threshold (SD, points)"] == 15

    # The columns and sheets added later, recomputed too.
    # Rank under each method: by that method's value, highest first; a higher value never ranks lower, and equal
    # values are ordered by the tie-break, never sharing a rank unless it says "shared".
    for method_column, rank_column in (
        ("Mean", "Rank by mean"),
        ("Median", "Rank by median"),
        ("Trimmed mean", "Rank by trimmed mean"),
        ("Normalised", "Rank by normalised"),
    ):
        for first in rankings:
            for second in rankings:
                if round(first[method_column], 6) > round(second[method_column], 6):
                    assert first[rank_column] < second[rank_column], (rank_column, first, second)
        assert 1 in {row[rank_column] for row in rankings}
    assert [row["Rank by mean"] for row in rankings] == [row["Rank"] for row in rankings]  # the round's method
    assert {row["Decided by"] for row in rankings} == {"Score"}  # no tie to break
    # Criteria: the rubric each score was given on.
    rubric = {row["Criterion"]: row for row in _rows(book["Criteria"])}
    assert len(rubric) == 6 and [rubric[name]["Position"] for name in rubric] == sorted(
        r["Position"] for r in rubric.values()
    )
    for row in scores:
        criterion = rubric[row["Criterion"]]
        assert (row["Weight"], row["Min"], row["Max"]) == (criterion["Weight"], criterion["Min"], criterion["Max"])
        steps = (row["Score"] - criterion["Min"]) / criterion["Step"]
        assert steps == pytest.approx(round(steps))  # every score is on its criterion's steps
    # Scores come in the stated order: by reference, judge, then the criterion's place in the rubric.
    order = [(row["Reference"], row["Judge"], rubric[row["Criterion"]]["Position"]) for row in scores]
    assert order == sorted(order)
    # Without a fit of the uncertainty model, its sheets are empty and the Method sheet says why.
    assert _rows(book["Uncertainty"]) == [] and _rows(book["Leniency"]) == []
    assert method["Uncertainty fit"].startswith("Not used: no fit yet.")
    assert "Swiss National Science Foundation" in method["Uncertainty model"]
