"""The relevance gate: is anything retrieved good enough to answer from, and if not, why?"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from casebot.retrieval.hybrid import SearchResult


class Gate(enum.Enum):
    PASS = "pass"
    UNRELATED = "unrelated"  # nothing retrieved is near: the question is about something else
    NO_ANSWER = "no_answer"  # on the subject, but nothing good enough to answer it from


@dataclass(frozen=True)
class GateParams:
    min_similarity: float
    strong_similarity: float
    min_lexical_score: float
    sentence_similarity: float  # the closest sentence alone passes at this similarity


# A turned-away question whose best chunk is less than this above min_similarity was never
# about the review; one further above was, and the knowledge base just does not answer it.
UNRELATED_MARGIN = 0.08

# Other countries' police are a different subject, however close the vocabulary.
_ELSEWHERE = re.compile(
    r"\b(nypd|lapd|fbi|cia|gendarmerie|french police|paris|new york|los angeles|america|american|"
    r"usa|australia\w*|canad\w*|india\w*)\b",
    re.IGNORECASE,
)
_HERE = re.compile(r"\b(met|metropolitan|london|casey|uk|britain|british|england)\b", re.IGNORECASE)


def gate(result: SearchResult, params: GateParams) -> Gate:
    """PASS when the best chunk is close in meaning, or fairly close and sharing rare words,
    or one of its sentences is close in meaning.

    Similarity alone lets an off-topic question through on generic police vocabulary, and a
    rare name ("Soteria") means little to MiniLM; so a strong BM25 match can carry a weaker
    similarity, and a strong similarity stands on its own. A fact held in one sentence of a
    long chunk is far from the chunk's embedding and close to that sentence's.
    """
    if _passes(result, params):
        return Gate.PASS
    if result.top_similarity < params.min_similarity + UNRELATED_MARGIN:
        return Gate.UNRELATED
    return Gate.NO_ANSWER


def _passes(result: SearchResult, params: GateParams) -> bool:
    if not result.hits:
        return False
    if _ELSEWHERE.search(result.query) and not _HERE.search(result.query):
        return False
    if result.top_similarity >= params.strong_similarity:
        return True
    if result.top_sentence_similarity >= params.sentence_similarity:
        return True
    best_lexical = max(h.lexical for h in result.hits)
    return (
        result.top_similarity >= params.min_similarity and best_lexical >= params.min_lexical_score
    )
