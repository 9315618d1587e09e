"""How much the safety assessment adds per message, against embedding the message alone.

The pipeline embeds each message once and shares the vector between the safety exemplar
vote and retrieval, so the assessment's own cost is rules + one matrix product. Medians of
several runs over evals/datasets/safety.yaml; the baseline (embedding one message) is
measured in the same run. Usage: .venv/bin/python benchmarks/safety_assess.py
"""

from __future__ import annotations

import time

import yaml
from _common import REPO, median, percentile, save

from casebot.embeddings import LocalEmbedder
from casebot.offline import enforce_offline
from casebot.safety.assess import RuleAssessor
from casebot.safety.catalog import load_catalog
from casebot.safety.exemplars import ExemplarIndex
from casebot.safety.responses import load_safety_texts

ROUNDS = 5


def main() -> None:
    enforce_offline()
    cases = yaml.safe_load((REPO / "evals/datasets/safety.yaml").read_text())["cases"]
    messages = [
        (c["message"], [(t["role"], t["content"]) for t in c.get("history") or []]) for c in cases
    ]
    catalog = load_catalog(REPO / "knowledge/support/services.yaml")
    texts = load_safety_texts(REPO / "prompts/safety.yaml", catalog)
    embedder = LocalEmbedder()
    assessor = RuleAssessor(
        catalog, texts, ExemplarIndex.build(REPO / "prompts/safety_exemplars.yaml", embedder)
    )
    vectors = [embedder.embed([m])[0] for m, _ in messages]

    assess_p50, assess_p95, embed_p50 = [], [], []
    for _ in range(ROUNDS):
        runs = []
        for (message, history), vector in zip(messages, vectors, strict=True):
            started = time.perf_counter()
            assessor.assess(message, history, vector)
            runs.append((time.perf_counter() - started) * 1000)
        assess_p50.append(percentile(runs, 50))
        assess_p95.append(percentile(runs, 95))
        embeds = []
        for message, _ in messages:
            started = time.perf_counter()
            embedder.embed([message])
            embeds.append((time.perf_counter() - started) * 1000)
        embed_p50.append(percentile(embeds, 50))
    summary = {
        "messages": len(messages),
        "rounds": ROUNDS,
        "assess_p50_ms_median": round(median(assess_p50), 3),
        "assess_p95_ms_median": round(median(assess_p95), 3),
        "embed_one_message_p50_ms_median": round(median(embed_p50), 3),
        "assess_to_embed_p50_ratio": round(median(assess_p50) / median(embed_p50), 3),
    }
    save("safety_assess", summary)


if __name__ == "__main__":
    main()
