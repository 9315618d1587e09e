"""Where the time of one answer goes, stage by stage, in one process.

The pipeline's own functions are called in the order an answer calls them, over the dev
questions, on the serving configuration (ONNX Runtime and numpy on one thread, the
embedding LRU off): embed (the message's one pass: safety's texts and the search query),
safety (the assessment, given that pass), spelling, dense (the chunk vectors in Chroma),
sentences (the precomputed sentence vectors), bm25, fuse (fusion, weighting and steering:
search's total minus the parts above), gate, compose and verify; and the whole answer()
for comparison. Medians of per-round medians.
Usage: .venv/bin/python benchmarks/stages.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx
from _common import dev_questions, ingest, load_average, median, percentile, save

from casebot.answer.citations import verify
from casebot.answer.extractive import compose
from casebot.answer.pipeline import answer, embed_message, retrieve
from casebot.config import Settings
from casebot.retrieval.gate import gate
from casebot.retrieval.hybrid import sentence_ranking
from casebot.runtime import build_collaborators

STAGES = (
    "embed", "safety", "spelling", "dense", "sentences", "bm25", "fuse", "gate", "compose",
    "verify",
)  # fmt: skip


def clock() -> float:
    return time.perf_counter() * 1000


def one(question: str, deps: object, out: dict[str, list[float]]) -> None:
    index, params = deps.index, deps.params  # type: ignore[attr-defined]
    t0 = clock()
    embedded = embed_message(question, (), deps)  # type: ignore[arg-type]
    t1 = clock()
    safety = deps.assessor.assess(question, (), embedded.units)  # type: ignore[attr-defined]
    t2 = clock()
    result = retrieve(question, (), safety, deps, embedded)  # type: ignore[arg-type]
    t3 = clock()
    query, vector, n = embedded.query, embedded.query_vector, params.search.candidates
    parts = {}
    for name, step in (
        ("spelling", lambda: index.speller.correct(query)),
        ("dense", lambda: index.store.query(vector, n)),
        ("sentences", lambda: sentence_ranking(index, vector, n)),
        ("bm25", lambda: index.lexical.query(query, n)),
    ):
        started = clock()
        step()
        parts[name] = clock() - started
    t4 = clock()
    gate(result, params.gate)
    t5 = clock()
    draft = compose(result.query, result, index, params.compose, lead=result.pinned)
    t6 = clock()
    verify(draft, index.by_id)
    t7 = clock()
    out["embed"].append(t1 - t0)
    out["safety"].append(t2 - t1)
    for name, ms in parts.items():
        out[name].append(ms)
    out["fuse"].append(max(0.0, (t3 - t2) - sum(parts.values())))
    out["gate"].append(t5 - t4)
    out["compose"].append(t6 - t5)
    out["verify"].append(t7 - t6)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    questions = dev_questions()
    work = Path(tempfile.mkdtemp(prefix="casebot-stages-"))
    try:
        ingest(work / "data")
        # One thread: a worker's share with a worker per core.
        settings = Settings(data_dir=work / "data", embed_cache_size=0, threads=1)
        with httpx.Client() as http:
            deps = build_collaborators(settings, http)
        for q in questions[:10]:
            answer(q, (), deps)
        per_round: dict[str, list[float]] = defaultdict(list)
        whole: list[float] = []
        load_before = load_average()
        for _ in range(args.rounds):
            times: dict[str, list[float]] = defaultdict(list)
            for q in questions:
                one(q, deps, times)
            for name in STAGES:
                per_round[name].append(percentile(times[name], 50))
            wall = []
            for q in questions:
                started = clock()
                answer(q, (), deps)
                wall.append(clock() - started)
            whole.append(percentile(wall, 50))
        stages = {name: round(median(per_round[name]), 3) for name in STAGES}
        save(
            "stages",
            {
                "questions": len(questions),
                "rounds": args.rounds,
                "load_average_before": load_before,
                "load_average_after": load_average(),
                "p50_ms_by_stage": stages,
                "sum_of_stage_p50s_ms": round(sum(stages.values()), 2),
                "answer_p50_ms": round(median(whole), 2),
            },
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
