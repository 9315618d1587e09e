"""The relevance gate says why it turns a question away: unrelated, or not answered."""

import dataclasses

import numpy as np
import pytest

from casebot.config import Settings
from casebot.embeddings import LocalEmbedder
from casebot.index.models import Chunk
from casebot.retrieval.gate import Gate, GateParams, gate
from casebot.retrieval.hybrid import ScoredChunk, SearchResult, search
from casebot.runtime import open_index, pipeline_params

PARAMS = GateParams(
    min_similarity=0.22, strong_similarity=0.42, min_lexical_score=2.5, sentence_similarity=0.5
)
CHUNK = Chunk("d#000", "d", "d.md", "Title", "report", "Text.")


def found(
    similarity: float, lexical: float, query: str = "what about vetting", sentence: float = 0.0
) -> SearchResult:
    hit = ScoredChunk(CHUNK, 0.05, similarity, lexical, sentence)
    return SearchResult(query, np.zeros(3), [hit])


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (found(0.45, 0.0), Gate.PASS),  # close in meaning stands on its own
        (found(0.25, 3.0), Gate.PASS),  # fairly close, and sharing rare words
        (found(0.25, 1.0), Gate.UNRELATED),  # barely above the floor: another subject
        (found(0.35, 1.0), Gate.NO_ANSWER),  # on the subject, but nothing to answer from
        (found(0.10, 9.0), Gate.UNRELATED),
        (SearchResult("q", np.zeros(3), []), Gate.UNRELATED),
        (found(0.45, 9.0, "how does the NYPD vet its officers"), Gate.NO_ANSWER),
        (found(0.32, 0.0, sentence=0.55), Gate.PASS),  # one sentence of a long chunk
        (found(0.32, 0.0, sentence=0.45), Gate.NO_ANSWER),
    ],
    ids=[
        "strong",
        "lexical",
        "unrelated",
        "no answer",
        "far",
        "nothing",
        "elsewhere",
        "one sentence",
        "no sentence close enough",
    ],
)
def test_the_gate_passes_or_says_why_not(result: SearchResult, expected: Gate) -> None:
    assert gate(result, PARAMS) is expected


def test_the_gate_on_the_real_corpus(real_settings: Settings, local_embedder: LocalEmbedder) -> None:
    index = open_index(real_settings)
    stages = pipeline_params(real_settings)
    search_params = dataclasses.replace(stages.search)

    def verdict(question: str) -> Gate:
        return gate(search(question, index, local_embedder, search_params), stages.gate)

    assert verdict("what did the review say about the rape kit freezers") is Gate.PASS
    assert verdict("banana bread recipe with walnuts") is Gate.UNRELATED
    assert verdict("how does the NYPD investigate its own officers") is not Gate.PASS
