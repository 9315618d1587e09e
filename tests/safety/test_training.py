"""How the trainer chooses thresholds on dev: recall weighed for disclosures, danger first
for routing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from casebot.safety.data import LabelledMessage, Row
from casebot.safety.scoring import Thresholds
from casebot.safety.training import (
    SENSITIVE_BETA,
    _category_for_routing,
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

    start = Thresholds(
        urgent=0.5, check_in=0.3, sensitive=0.5, category=0.5, need=0.5, harmful=0.5,
        history_decay=0.1,
    )  # fmt: skip
    chosen = _category_for_routing(
        _Decides(),  # type: ignore[arg-type]
        [None] * len(rows),  # type: ignore[list-item]
        rows,
        start,
        routes,
    )
    assert chosen.category == 0.2
