"""How the trainer chooses thresholds on dev: recall weighed for disclosures, danger first
for routing."""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import Any

from casebot.safety.data import LabelledMessage, Row
from casebot.safety.scoring import Thresholds
from casebot.safety.training import (
    CHECK_IN_BUDGET,
    SENSITIVE_BETA,
    _category_for_routing,
    _check_in_for_routing,
    best_f,
)

# Three disclosures and three calm messages: a strict threshold finds two disclosures with no
# false alarm; a loose one finds all three and rates two calm messages as disclosures.
SCORES = [0.3, 0.7, 0.8, 0.2, 0.35, 0.5]
TRUTH = [True, True, True, False, False, False]


def test_f1_keeps_the_strict_threshold_and_missing_a_disclosure() -> None:
    assert best_f(SCORES, TRUTH) > 0.5


def test_weighing_recall_lowers_the_threshold_so_no_disclosure_goes_without_a_signpost() -> None:
    assert SENSITIVE_BETA > 1
    threshold = best_f(SCORES, TRUTH, SENSITIVE_BETA)
    assert threshold <= 0.3
    assert all(s >= threshold for s, y in zip(SCORES, TRUTH, strict=True) if y)


START = Thresholds(
    urgent=0.5, check_in=0.3, sensitive=0.5, category=0.5, need=0.5, harmful=0.5,
    history_decay=0.1,
)  # fmt: skip


def _row(n: int, level: str) -> Row:
    message = LabelledMessage(id=f"r{n}", text=f"message {n}", level=level)  # type: ignore[arg-type]
    return Row("a", "register", "dev", message)


@dataclass
class _Decides:
    """An assessor whose decision is the trial thresholds themselves."""

    def decide(self, reading: Any, trial: Thresholds) -> Thresholds:
        return trial


def test_routing_is_chosen_for_people_in_danger_before_everyone_else() -> None:
    """At category 0.2 both urgent rows reach a matching line and half the others do; at 0.5
    every other row does but one urgent row is missed. More rows route at 0.5, yet 0.2 is
    chosen: a person in danger's line is never traded for calm rows' routing."""
    rows = [_row(0, "urgent"), _row(1, "urgent"), *(_row(i, "sensitive") for i in range(2, 10))]

    def routes(row: Row, decided: Any) -> bool:
        urgent = row.message.level == "urgent"
        if decided.category == 0.2:
            return urgent or int(row.message.id[1:]) % 2 == 0
        if decided.category == 0.5:
            return not urgent or row.message.id == "r0"
        return False

    chosen = _category_for_routing(
        _Decides(),  # type: ignore[arg-type]
        [None] * len(rows),  # type: ignore[list-item]
        rows,
        START,
        routes,
    )
    assert chosen.category == 0.2


class _ByUrgentScore:
    """An assessor that rates a reading urgent or asks whether the person is safe, as its
    urgent score clears the trial's thresholds."""

    def decide(self, reading: Any, trial: Thresholds) -> Any:
        urgent = reading.scores.urgent
        return SimpleNamespace(level="urgent" if urgent >= trial.urgent else "none",
                               check_in=urgent >= trial.check_in)  # fmt: skip


def _check_in_chosen(urgent: list[float], calm: list[float]) -> float:
    rows = [_row(i, "urgent") for i in range(len(urgent))]
    rows += [_row(len(urgent) + i, "none") for i in range(len(calm))]
    readings = [SimpleNamespace(scores=SimpleNamespace(urgent=u)) for u in [*urgent, *calm]]
    chosen = _check_in_for_routing(
        _ByUrgentScore(),  # type: ignore[arg-type]
        readings,  # type: ignore[arg-type]
        rows,
        replace(START, urgent=0.9, check_in=0.9),
        lambda row, d: d.level == "urgent" or d.check_in,
    )
    return chosen.check_in


def test_past_the_recall_target_the_check_in_falls_while_few_calm_people_see_999() -> None:
    """97 of 100 urgent messages are caught at 0.6; one more at 0.4 and at 0.2 costs one calm
    message in 100 a 999 it did not need (within the budget); at 0.05, three in 100 (over it).
    The check-in settles at 0.2: doubt shows 999 while it stays rare for calm people."""
    urgent = [0.9] * 96 + [0.6, 0.4, 0.2, 0.05]
    calm = [0.35, 0.1, 0.1] + [0.0] * 97
    assert 0.01 <= CHECK_IN_BUDGET < 0.03
    assert _check_in_chosen(urgent, calm) == 0.2


def test_with_no_calm_messages_to_weigh_against_the_check_in_stops_at_the_recall_target() -> None:
    urgent = [0.9] * 96 + [0.6, 0.4, 0.2, 0.05]
    assert _check_in_chosen(urgent, []) == 0.6
