"""How much the safety assessment adds per message beyond the one shared embedding.

An answer embeds the message, its sentences and the last user turns in one batch (the
first row is retrieval's query vector); the assessment then normalises, scans the rules,
builds n-grams, runs the classifier and routes. This measures the assessment alone, given
that batch, against the time of the batch itself, in the same run: over the dev split's
messages (never the sealed test) and over a 2,000-character message, the longest the API
accepts. Targets (issue 11): at most 5 ms p50 and 25 ms p95 for the 2,000-character message.
Usage: .venv/bin/python benchmarks/safety_assess.py
"""

from __future__ import annotations

import time

from _common import REPO, median, percentile, save

from casebot.config import Settings
from casebot.embeddings import local_embedder
from casebot.offline import enforce_offline
from casebot.runtime import CATALOG_PATH, build_assessor
from casebot.safety.catalog import load_catalog
from casebot.safety.data import load_split
from casebot.safety.responses import load_safety_texts

ROUNDS = 5
LONG_ROUNDS = 40
# A long message with danger in the middle, built from ordinary sentences: 2,000 characters.
LONG = (
    "I have been reading about the Casey review all week for my course, and the bits about "
    "vetting and misconduct made me think about my own street. "
    * 9
    + "He is outside my door right now and he says he will hurt me. "
    + "Anyway, I also wanted to ask what the review said about the freezers and rape kits. " * 8
)[:2000]


def timed(fn: object, *args: object) -> float:
    started = time.perf_counter()
    fn(*args)  # type: ignore[operator]
    return (time.perf_counter() - started) * 1000


def main() -> None:
    enforce_offline()
    settings = Settings(knowledge_dir=REPO / "knowledge", prompts_dir=REPO / "prompts")
    catalog = load_catalog(settings.knowledge_dir / CATALOG_PATH)
    texts = load_safety_texts(settings.prompts_dir / "safety.yaml", catalog)
    embedder = local_embedder(settings)  # the serving backend, one thread
    assessor = build_assessor(settings, catalog, texts, embedder.name)
    rows = [r.message for r in load_split(REPO / "evals/datasets/safety", "dev")]
    messages = [(m.text, m.turns()) for m in rows]
    embedder.embed(["warm up"])

    assess_p50, assess_p95, embed_p50, embed_p95 = [], [], [], []
    for _ in range(ROUNDS):
        assessed, embedded = [], []
        for message, history in messages:
            batch = assessor.texts(message, history)
            started = time.perf_counter()
            vectors = embedder.embed(batch)
            embedded.append((time.perf_counter() - started) * 1000)
            assessed.append(timed(assessor.assess, message, history, vectors))
        assess_p50.append(percentile(assessed, 50))
        assess_p95.append(percentile(assessed, 95))
        embed_p50.append(percentile(embedded, 50))
        embed_p95.append(percentile(embedded, 95))

    batch = assessor.texts(LONG)
    long_embed = []
    long_assess = []
    for _ in range(LONG_ROUNDS):
        started = time.perf_counter()
        vectors = embedder.embed(batch)
        long_embed.append((time.perf_counter() - started) * 1000)
        long_assess.append(timed(assessor.assess, LONG, (), vectors))

    summary = {
        "messages": len(messages),
        "rounds": ROUNDS,
        "assess_p50_ms_median": round(median(assess_p50), 3),
        "assess_p95_ms_median": round(median(assess_p95), 3),
        "embed_batch_p50_ms_median": round(median(embed_p50), 3),
        "embed_batch_p95_ms_median": round(median(embed_p95), 3),
        "assess_to_embed_p50_ratio": round(median(assess_p50) / median(embed_p50), 3),
        "long_message_chars": len(LONG),
        "long_message_texts_embedded": len(batch),
        "long_assess_p50_ms": round(percentile(long_assess, 50), 3),
        "long_assess_p95_ms": round(percentile(long_assess, 95), 3),
        "long_embed_batch_p50_ms": round(percentile(long_embed, 50), 3),
        "targets_ms": {"p50": 5, "p95_2000_chars": 25},
    }
    save("safety_assess", summary)


if __name__ == "__main__":
    main()
