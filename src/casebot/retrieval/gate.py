"""The relevance gate: is anything retrieved good enough to answer from?"""

from __future__ import annotations

import re

from casebot.retrieval.hybrid import SearchResult

# Other countries' police are a different subject, however close the vocabulary.
_ELSEWHERE = re.compile(
    r"\b(nypd|lapd|fbi|cia|gendarmerie|french police|paris|new york|los angeles|america|american|"
    r"usa|australia\w*|canad\w*|india\w*)\b",
    re.IGNORECASE,
)
_HERE = re.compile(r"\b(met|metropolitan|london|casey|uk|britain|british|england)\b", re.IGNORECASE)


def passes_gate(
    result: SearchResult,
    min_similarity: float,
    strong_similarity: float,
    min_lexical_score: float,
) -> bool:
    """True when the best chunk is close in meaning, or fairly close and sharing rare words.

    Similarity alone lets an off-topic question through on generic police vocabulary, and a
    rare name ("Soteria") means little to MiniLM; so a strong BM25 match can carry a weaker
    similarity, and a strong similarity stands on its own.
    """
    if not result.hits:
        return False
    if result.guidance:
        return True  # guidance written for this disclosure is always worth giving
    if _ELSEWHERE.search(result.query) and not _HERE.search(result.query):
        return False
    if result.top_similarity >= strong_similarity:
        return True
    best_lexical = max(h.lexical for h in result.hits)
    return result.top_similarity >= min_similarity and best_lexical >= min_lexical_score
