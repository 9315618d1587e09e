"""What leads for a disclosure: the guidance written for the person's situation.

The safety rules know that "ending it" is about suicide; neither MiniLM nor BM25 does.
Support guidance says whom it serves (`serves:` in knowledge files). For a message that
discloses harm, this module is the Steering that hybrid search takes: it ranks that
guidance as one more list for fusion, lifts support pages, and pins the best of it first,
so someone thinking of suicide finds Samaritans before the complaints page.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from casebot.index.models import Chunk
from casebot.index.version import LoadedIndex
from casebot.safety.assess import SafetyAssessor
from casebot.safety.models import SafetyAssessment
from casebot.safety.routing import pressing_first

SUPPORT_BOOST = 1.3
# How much guidance leads the results: in danger, the top of the page written for the most
# pressing category; otherwise the best-matching passage for each of the first categories.
PINNED_URGENT = 3
PINNED_CATEGORIES = 2


@dataclass(frozen=True)
class Guidance:
    """The Steering for one message: empty `serving` leaves fusion plain but for the boost."""

    index: LoadedIndex
    serving: tuple[str, ...]  # this message's categories, the most pressing first
    needs: tuple[str, ...]  # what the person needs to use help at all, e.g. cannot_speak
    urgent: bool
    support_first: bool  # someone disclosing harm most needs support, not the report's figures

    def rankings(self, query_vector: np.ndarray[Any, Any], n: int) -> list[list[str]]:
        if not self.serving:
            return []
        return [ranking(self.index, query_vector, (*self.serving, *self.needs), n)]

    def boost(self, chunk: Chunk) -> float:
        return SUPPORT_BOOST if self.support_first and chunk.kind == "support" else 1.0

    def pins(self, ranked: Sequence[str], extra: Sequence[list[str]]) -> list[str]:
        if not self.serving:
            return []
        return pins(self, extra[0], ranked)


def for_message(
    assessor: SafetyAssessor,
    message: str,
    history: Sequence[tuple[str, str]],
    safety: SafetyAssessment,
    vectors: np.ndarray[Any, Any] | None,
    index: LoadedIndex,
) -> Guidance:
    """The guidance that leads for this message, in the order the signposts are given."""
    # Guidance is pinned for what this message discloses; an earlier turn's disclosure must
    # not crowd out a later question about the report. The message's own texts come first
    # in the batch the assessor asked for, so their vectors are a prefix of it.
    own_vectors = None if vectors is None else vectors[: len(assessor.texts(message))]
    own = assessor.assess(message, (), own_vectors) if history else safety
    # In doubt (a check-in), the lead-in carries 999 and the question is answered as asked.
    disclosed = own.level != "none" and not own.check_in
    return Guidance(
        index=index,
        serving=pressing_first(own.guiding) if disclosed else (),
        needs=own.needs if disclosed else (),
        urgent=own.level == "urgent",
        support_first=safety.level != "none",
    )


def ranking(
    index: LoadedIndex, query_vector: np.ndarray[Any, Any], serving: Sequence[str], n: int
) -> list[str]:
    """Guidance written for the disclosure's categories, the most pressing category first.

    Within a category, guidance reads in the order its pages were written, most urgent
    first ("if you are in danger now" before "if you are worried about someone else").
    """
    priority = {category: i for i, category in enumerate(serving)}
    scored = []
    place: dict[str, int] = {}
    for i, chunk in enumerate(index.chunks):
        place[chunk.doc_id] = place.get(chunk.doc_id, -1) + 1
        ranks = [priority[c] for c in chunk.serves if c in priority]
        if ranks:
            similarity = float(index.vectors[i] @ query_vector)
            scored.append((min(ranks), place[chunk.doc_id], -similarity, chunk.chunk_id))
    return [item[-1] for item in sorted(scored)[:n]]


def pins(guidance: Guidance, ranked_guidance: Sequence[str], ranked: Sequence[str]) -> list[str]:
    """The guidance that leads whatever fusion thinks of it.

    In danger: the page's opening ("call 999"), then how to use it for someone who cannot
    speak or hear, then the rest of the page as written. Otherwise: help for each need,
    then the best-matching passage for each of the first categories.
    """
    index, serving = guidance.index, guidance.serving
    if guidance.urgent:
        page = [cid for cid in ranked_guidance if serving[0] in index.by_id[cid].serves]
        pinned = _with_needs(index, page[:1], guidance.needs, ranked)
        pinned += [cid for cid in page if cid not in pinned]
        return pinned[:PINNED_URGENT]
    pinned = _with_needs(index, [], guidance.needs, ranked)
    for category in serving[:PINNED_CATEGORIES]:
        best = _best_serving(index, ranked, category, pinned)
        if best is not None:
            pinned.append(best)
    return pinned


def _with_needs(
    index: LoadedIndex, pinned: list[str], needs: Sequence[str], ranked: Sequence[str]
) -> list[str]:
    for need in needs:
        lead = _where_need_starts(index, ranked, need, pinned)
        if lead is not None:
            pinned.append(lead)
    return pinned


def _best_serving(
    index: LoadedIndex,
    ranked: Sequence[str],
    name: str,
    taken: Sequence[str],
    within: Collection[str] | None = None,
) -> str | None:
    return next(
        (
            cid
            for cid in ranked
            if cid in index.by_id
            and name in index.by_id[cid].serves
            and cid not in taken
            and (within is None or index.by_id[cid].doc_id in within)
        ),
        None,
    )


def _written_for(index: LoadedIndex, need: str) -> set[str]:
    """Pages every passage of which serves `need`: the guide written for it."""
    serving: dict[str, bool] = {}
    for chunk in index.chunks:
        serving[chunk.doc_id] = serving.get(chunk.doc_id, True) and need in chunk.serves
    return {doc_id for doc_id, every in serving.items() if every}


def _where_need_starts(
    index: LoadedIndex, ranked: Sequence[str], need: str, taken: Sequence[str]
) -> str | None:
    # The guide written for the need leads a section of another page that touches it (how
    # a deaf person reaches help, not only how a deaf person calls 999), whatever small
    # margin fusion gives either. Fusion finds the page; its section on the need is read
    # from the start, because guidance is written lead-first.
    found = _best_serving(index, ranked, need, taken, _written_for(index, need))
    found = found or _best_serving(index, ranked, need, taken)
    if found is None:
        return None
    doc_id = index.by_id[found].doc_id
    start = next(c.chunk_id for c in index.chunks if c.doc_id == doc_id and need in c.serves)
    return found if start in taken else start
