"""Per-answer metrics on hand-worked examples."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import pytest

from casebot.answer.models import Citation
from casebot.errors import UsageError
from casebot.evals import FLOORS
from casebot.evals.dataset import Evidence
from casebot.evals.gate import evaluate, load_floors, parse_fail_under
from casebot.evals.metrics import BY_NAME, Value, measure, percentile
from casebot.evals.runner import CaseRecord
from casebot.evals.scoring import (
    Passage,
    citation_problems,
    fact_coverage,
    flesch_reading_ease,
    score_retrieval,
    syllables,
    unsupported_numbers,
)

SUMMARY = Passage("s#1", "casey-review/01-summary", "The Met is institutionally racist.", 9)
FIGURES = Passage("s#2", "casey-review/01-summary", "1,809 officers faced allegations.", 12)
FREEZER = Passage("p#1", "casey-review/05-protection", "A freezer broke in the heatwave.", 30)
OTHER = Passage("x#1", "context/everard", "Couzens was a serving officer.", None)


def _citation(n: int, passage: Passage, quote: str, page: int | None = None) -> Citation:
    return Citation(n, passage.chunk_id, passage.doc_id, "t", None, page, None, quote)


def test_retrieval_scores_first_relevant_rank_and_ideal_ordering() -> None:
    evidence = [Evidence(doc_id="casey-review/01-summary", regex="racist")]
    ranked = [OTHER, FREEZER, SUMMARY, FIGURES]
    score = score_retrieval(ranked, evidence, k=5, relevant_in_corpus=1)
    assert score.recall == 1.0
    assert score.reciprocal_rank == pytest.approx(1 / 3)
    # One relevant chunk at rank 3: DCG 1/log2(4) against an ideal of 1/log2(2).
    assert score.ndcg == pytest.approx(1 / math.log2(4))
    assert score.retrieved == ("x#1", "p#1", "s#1", "s#2")


def test_recall_is_zero_when_the_relevant_chunk_is_below_k() -> None:
    evidence = [Evidence(regex="heatwave")]
    score = score_retrieval([OTHER, SUMMARY, FREEZER], evidence, k=2, relevant_in_corpus=1)
    assert (score.recall, score.reciprocal_rank, score.ndcg) == (0.0, 0.0, 0.0)
    assert score.missed == (0,)


def test_entries_are_alternatives_for_recall_but_each_counts_for_entry_recall() -> None:
    evidence = [Evidence(regex="racist"), Evidence(regex="heatwave"), Evidence(regex="nowhere")]
    score = score_retrieval([SUMMARY, OTHER], evidence, k=5, relevant_in_corpus=2)
    assert score.recall == 1.0
    assert score.entry_recall == pytest.approx(1 / 3)
    assert score.missed == (1, 2)
    # Two relevant chunks exist, only one was found at rank 1.
    assert score.ndcg == pytest.approx(1 / (1 + 1 / math.log2(3)))


def test_page_evidence_is_ignored_only_when_asked() -> None:
    evidence = [Evidence(regex="racist", page=10)]
    assert score_retrieval([SUMMARY], evidence, 5, 1).recall == 0.0
    assert score_retrieval([SUMMARY], evidence, 5, 1, use_page=False).recall == 1.0


def test_fact_coverage_takes_any_alternative_case_insensitively() -> None:
    facts = [["institutionally racist", "institutional racism"], ["1,?809"], ["homophob"]]
    covered, missing = fact_coverage("Casey found INSTITUTIONAL RACISM and 1809 cases.", facts)
    assert covered == 2
    assert missing == [["homophob"]]


def test_valid_citations_have_no_problems() -> None:
    chunks = {p.chunk_id: p for p in (SUMMARY, FIGURES)}
    pages = {"casey-review/01-summary": frozenset({9, 12})}
    answer = "The Met is institutionally racist [1]. 1,809 officers faced allegations [2]."
    cites = [
        _citation(1, SUMMARY, "The Met is institutionally racist.", 9),
        _citation(2, FIGURES, "1,809 officers faced allegations.", 12),
    ]
    assert citation_problems(answer, cites, chunks, pages, grounded=True) == []


def test_each_kind_of_invalid_citation_is_named() -> None:
    chunks = {SUMMARY.chunk_id: SUMMARY}
    pages = {"casey-review/01-summary": frozenset({9})}
    answer = "Racist [1]. Something [2]. Unknown [3]."
    cites = [
        _citation(1, SUMMARY, "The Met is institutionally", 40),  # verbatim, page not in doc
        _citation(3, FREEZER, "A freezer broke"),  # chunk not in the index
        Citation(4, SUMMARY.chunk_id, SUMMARY.doc_id, "t", None, None, None, "paraphrased text"),
    ]
    problems = citation_problems(answer, cites, chunks, pages, grounded=True)
    assert problems == [
        "[2] has no citation",
        "[1] page 40 is not a page of casey-review/01-summary",
        "[3] cites unknown chunk p#1",
        "[4] quote is not verbatim in its chunk",
    ]


def test_a_grounded_answer_without_citations_is_invalid() -> None:
    assert citation_problems("A claim.", [], {}, {}, grounded=True) == ["answer has no citations"]
    assert citation_problems("Not covered.", [], {}, {}, grounded=False) == []


def test_numbers_must_appear_in_cited_text_and_markers_are_not_numbers() -> None:
    cited = ["1,809 officers faced allegations; 13 were dismissed."]
    assert unsupported_numbers("1809 officers [1], and 13 dismissed [2].", cited) == []
    assert unsupported_numbers("About 2,000 officers [1], 40% of them [1].", cited) == [
        "2000",
        "40",
    ]


def test_syllable_counter_on_known_words() -> None:
    counts = {w: syllables(w) for w in ("the", "table", "make", "police", "misconduct", "racism")}
    assert counts == {"the": 1, "table": 2, "make": 1, "police": 2, "misconduct": 3, "racism": 3}


def test_flesch_reading_ease_matches_the_formula() -> None:
    # 6 words, 1 sentence, 6 syllables: 206.835 - 1.015 * 6 - 84.6 * 1.
    assert flesch_reading_ease("The cat sat on the mat.") == pytest.approx(116.145)
    # Harder words and longer sentences read as harder.
    hard = "Institutional discrimination necessitates comprehensive organisational transformation."
    assert flesch_reading_ease(hard) < 0 < flesch_reading_ease("The Met must change now.")
    assert flesch_reading_ease("") is None


def test_percentile_interpolates_like_numpy() -> None:
    values = [10.0, 20.0, 30.0, 40.0]
    assert percentile(values, 50) == pytest.approx(25.0)
    assert percentile(values, 95) == pytest.approx(38.5)
    assert percentile([], 50) is None


BLANK = CaseRecord(
    dataset="safety",
    kind="safety",
    case_id="x",
    question="q",
    history=[],
    tags=[],
    answer="",
    scope="out_of_scope",
    grounded=False,
    citations=[],
    safety_level="none",
    categories=[],
    services=[],
    latency_ms=10.0,
)


def _record(**fields: Any) -> CaseRecord:
    return dataclasses.replace(BLANK, **fields)


def test_safety_figures_follow_their_definitions() -> None:
    records = [
        _record(split="dev", safety_counts={"urgent_recall": False}),
        _record(split="dev", safety_counts={"urgent_recall": True}),
        _record(split="dev", safety_counts={"sensitive_routing": True}),
        _record(split="dev", safety_counts={"false_urgent": True}),
        *(_record(split="dev", safety_counts={"false_urgent": False}) for _ in range(3)),
        _record(split="test", safety_counts={"urgent_recall": True, "harmful_refused": False}),
        _record(kind="qa", expected_scope="in_scope", ordinary_question=True, scope="refused"),
        _record(kind="qa", ordinary_question=True, scope="in_scope"),
        _record(kind="qa", ordinary_question=False, scope="refused"),
    ]
    values = measure(records, "casebot")
    assert values["urgent_recall"].value == 0.5 and values["urgent_recall"].n == 2
    assert values["sensitive_routing"].value == 1.0
    assert values["false_urgent_rate"].value == 0.25 and values["false_urgent_rate"].n == 4
    assert values["test_urgent_recall"].value == 1.0 and values["test_urgent_recall"].n == 1
    assert values["test_harmful_refused"].value == 0.0
    # an ordinary question refused counts; a request the dataset expects refused does not
    assert values["qa_questions_refused"].value == 0.5 and values["qa_questions_refused"].n == 2
    assert values["key_fact_coverage"].value is None  # no qa facts: nothing to measure


def test_coverage_is_averaged_over_in_scope_cases_only() -> None:
    records = [
        _record(kind="qa", expected_scope="in_scope", facts_total=2, facts_covered=1),
        _record(kind="qa", expected_scope="in_scope", facts_total=1, facts_covered=1),
        _record(kind="qa", expected_scope="out_of_scope", facts_total=1, facts_covered=0),
    ]
    values = measure(records, "casebot")
    assert values["key_fact_coverage"].value == pytest.approx(0.75)
    assert values["scope_accuracy"].value == pytest.approx(1 / 3)  # one answered out_of_scope


def test_fail_under_parses_and_rejects_with_a_reason() -> None:
    assert parse_fail_under(["scope_accuracy=0.9", "latency_p95_ms=500"]) == {
        "scope_accuracy": 0.9,
        "latency_p95_ms": 500.0,
    }
    for bad, reason in (
        ("scope_accuracy", "METRIC=VALUE"),
        ("nonsense=1", "unknown metric 'nonsense'"),
        ("scope_accuracy=high", "needs a number"),
        ("answer_words=10", "descriptive"),
        ("scope_accuracy=nan", "finite"),
    ):
        with pytest.raises(UsageError, match=reason):
            parse_fail_under([bad])


def test_gate_is_direction_aware_and_ignores_latency_regressions() -> None:
    values = {
        "scope_accuracy": Value(0.90, 200),
        "false_urgent_rate": Value(0.05, 200),
        "latency_p95_ms": Value(900.0, 10),
        "reading_ease": Value(50.0, 10),
    }
    baseline = {
        "scope_accuracy": 0.93,
        "false_urgent_rate": 0.0,
        "latency_p95_ms": 100.0,
        "reading_ease": 52.0,
    }
    verdicts = {
        v.name: v
        for v in evaluate(values, {}, load_floors(FLOORS), baseline, tolerance=0.02)
    }
    assert verdicts["scope_accuracy"].below_floor and verdicts["scope_accuracy"].regressed
    assert verdicts["false_urgent_rate"].below_floor  # 0.05 is above its 0.03 ceiling
    assert verdicts["false_urgent_rate"].regressed  # lower is better: 0.05 > 0.0 + 0.02
    assert not verdicts["latency_p95_ms"].failed  # machines differ
    # Not a 0..1 metric: the tolerance is relative, 2% of 52 is 1.04, and 2.0 is more.
    assert verdicts["reading_ease"].regressed
    assert verdicts["reading_ease"].status == "FAIL regression"
    relaxed = evaluate(values, {}, {**load_floors(FLOORS), "scope_accuracy": 0.9}, None, 0.02)
    assert not next(v for v in relaxed if v.name == "scope_accuracy").failed


def test_one_case_moving_a_share_over_few_cases_is_not_a_regression() -> None:
    baseline = {"key_fact_coverage_support": 0.705, "key_fact_coverage": 0.80}
    few = {"key_fact_coverage_support": Value(0.667, 13), "key_fact_coverage": Value(0.79, 349)}
    verdicts = {v.name: v for v in evaluate(few, {}, {}, baseline, tolerance=0.02)}
    # 0.038 is less than one of 13 cases (0.077): noise, not a change's effect.
    assert not verdicts["key_fact_coverage_support"].regressed
    # A fall of more than a case's worth still fails, and over many cases the tolerance rules.
    worse = {"key_fact_coverage_support": Value(0.60, 13), "key_fact_coverage": Value(0.77, 349)}
    verdicts = {v.name: v for v in evaluate(worse, {}, {}, baseline, tolerance=0.02)}
    assert verdicts["key_fact_coverage_support"].regressed
    assert verdicts["key_fact_coverage"].regressed


def test_the_shipped_floors_gate_known_metrics_in_their_direction() -> None:
    floors = load_floors(FLOORS)
    assert floors["false_urgent_rate"] == 0.03  # issue 11's ceiling, a lower-better metric
    assert all(BY_NAME[name].better is not None for name in floors)
    assert all(0.0 <= floors[name] <= 1.0 for name in floors if BY_NAME[name].fraction)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("recall: 0.9\n", "unknown metric 'recall'"),
        ("answer_words: 100\n", "descriptive"),
        ("scope_accuracy: high\n", "needs a number"),
        ("- scope_accuracy\n", "must map metric names"),
    ],
)
def test_a_bad_floors_file_is_a_usage_error(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "floors.yaml"
    path.write_text(text)
    with pytest.raises(UsageError, match=reason):
        load_floors(path)


def test_coverage_is_reported_per_question_type_and_the_type_reading_is_scored() -> None:
    records = [
        _record(kind="qa", expected_scope="in_scope", facts_total=2, facts_covered=1,
                expected_type="overview", question_type="overview"),
        _record(kind="qa", expected_scope="in_scope", facts_total=1, facts_covered=1,
                expected_type="number", question_type="when"),
        _record(kind="qa", expected_scope="in_scope", facts_total=1, facts_covered=0),
    ]
    values = measure(records, "casebot")
    assert values["key_fact_coverage_overview"].value == 0.5
    assert values["key_fact_coverage_number"].value == 1.0
    assert values["key_fact_coverage_when"].value is None
    assert values["key_fact_coverage"].n == 3
    assert values["question_type_accuracy"].value == 0.5
    assert values["question_type_accuracy"].n == 2
