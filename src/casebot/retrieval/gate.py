"""The relevance gate: is anything retrieved good enough to answer from?"""

from __future__ import annotations

from casebot.retrieval.hybrid import SearchResult


def passes_gate(result: SearchResult, min_similarity: float, min_lexical_hits: int = 1) -> bool:
    """True when the best chunk is close in meaning and shares words with the question.

    Similarity alone lets a fluent off-topic question through on generic police vocabulary;
    BM25 alone passes on one shared word. Requiring both keeps the gate honest.
    """
    if not result.hits:
        return False
    lexical_hits = sum(1 for h in result.hits if h.lexical > 0)
    if result.top_similarity >= min_similarity + 0.15:
        return True
    return result.top_similarity >= min_similarity and lexical_hits >= min_lexical_hits
