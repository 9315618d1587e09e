"""The model path's sentence checks: a model's sentence reaches the reader only where the
reader can check it.

Each sentence with markers is re-quoted from each chunk it cites (the chunk's sentence, or
run of adjacent sentences, that holds most of it). It is kept when:
- naming Casey or her review, it cites a passage of the review (report, interim report or
  overview), never a context page, so a later inquiry's figure is never hers;
- it is close in meaning to a quote (embedding similarity above a floor), and that quote
  shares enough of its content words;
- each of its figures and names is in one of its quotes (claims.py);
- each figure sits beside the same subject as in the quote (binding.py).
What is not supported is dropped, whatever made the model write it (instructions slipped
into a retrieved text included); the caller decides whether enough survived.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from casebot.answer.binding import unbound
from casebot.answer.citations import parse_marked, requote
from casebot.answer.claims import unsupported
from casebot.answer.models import Citation, Draft, Sentence, citation_for
from casebot.embeddings import Embedder
from casebot.errors import RetrievalUnavailable
from casebot.index.models import Chunk
from casebot.text import tokenize

# Passages that are the review's own words: what a sentence naming Casey must cite.
REVIEW_KINDS = frozenset({"report", "overview"})
_NAMES_REVIEW = re.compile(
    r"\bcasey\b|\b(the|her|this) (final |interim )?(review|report)\b", re.IGNORECASE
)

# Cosines of pairs of texts (each a sentence and its quote), in the order given.
Similarity = Callable[[Sequence[tuple[str, str]]], list[float]]


@dataclass(frozen=True)
class CheckParams:
    """The model path's tuning numbers (docs/answers.md, Citations)."""

    min_similarity: float = 0.55  # embedding cosine of a sentence and its quote
    min_overlap: float = 0.34  # share of the sentence's content words in that quote
    max_run: int = 3  # adjacent chunk sentences one quote may join
    binding_window: int = 4  # content words each side of a figure that say what it counts
    min_kept: float = 0.5  # share of the model's sentences that must survive, else extractive


@dataclass(frozen=True)
class Checked:
    draft: Draft
    notes: tuple[str, ...]
    written: int  # sentences the model wrote
    marked: int  # of them, those carrying a marker


def embedding_similarity(embedder: Embedder | None) -> Similarity:
    """Cosines from one embedding call; word overlap alone judges when there is no embedder
    or it fails (every pair then scores 1.0 here)."""

    def similarity(pairs: Sequence[tuple[str, str]]) -> list[float]:
        texts = list(dict.fromkeys(text for pair in pairs for text in pair))
        if embedder is None or not texts:
            return [1.0] * len(pairs)
        try:
            rows = embedder.embed(texts)
        except RetrievalUnavailable:
            return [1.0] * len(pairs)
        at = {text: i for i, text in enumerate(texts)}
        return [float(rows[at[a]] @ rows[at[b]]) for a, b in pairs]

    return similarity


def overlap(sentence: str, quote: str) -> float:
    terms = set(tokenize(sentence))
    return len(terms & set(tokenize(quote))) / len(terms) if terms else 1.0


def check_reply(
    raw: str,
    sources: Mapping[int, Chunk],
    similarity: Similarity,
    params: CheckParams,
    instructs: Callable[[str], bool] = lambda _: False,
) -> Checked:
    """The reply's sentences a reader can check, each citing the quotes that support it.
    `instructs` tells a retrieved sentence addressed to casebot, which supports nothing."""
    sentences = parse_marked(raw)
    notes: list[str] = []
    quoted = [_quoted(s, sources, params, instructs, notes) for s in sentences]
    pairs = [(s.text, q) for s, qs in zip(sentences, quoted, strict=True) for q in qs.values()]
    scores = iter(similarity(pairs))
    citations: dict[tuple[str, str], Citation] = {}
    kept: list[Sentence] = []
    for sentence, quotes in zip(sentences, quoted, strict=True):
        close = {n: q for n, q in quotes.items() if _close(sentence.text, q, next(scores), params)}
        problem = _problem(sentence.text, list(quotes.values()), list(close.values()), params)
        if problem:
            notes.append(problem)
            continue
        refs = []
        for n, quote in close.items():
            key = (sources[n].chunk_id, quote)
            if key not in citations:
                citations[key] = citation_for(sources[n], len(citations) + 1, quote)
            refs.append(citations[key].n)
        kept.append(Sentence(sentence.text, tuple(dict.fromkeys(refs))))
    draft = Draft(tuple(kept), tuple(citations.values()))
    return Checked(draft, tuple(notes), len(sentences), sum(1 for s in sentences if s.refs))


def _quoted(
    sentence: Sentence,
    sources: Mapping[int, Chunk],
    params: CheckParams,
    instructs: Callable[[str], bool],
    notes: list[str],
) -> dict[int, str]:
    """A quote from each chunk the sentence may cite, by source number."""
    quotes = {
        n: quote
        for n in sentence.refs
        if n in sources
        and (quote := requote(sentence.text, sources[n], params.max_run, instructs)) is not None
    }
    if quotes and _NAMES_REVIEW.search(sentence.text):
        # A context note inside a report page ("(Context, not a finding ...") is context too.
        review = {
            n: q
            for n, q in quotes.items()
            if sources[n].kind in REVIEW_KINDS and not q.startswith("(Context")
        }
        if len(review) < len(quotes):
            notes.append("citation of context by a sentence naming the review removed")
        quotes = review
    return quotes


def _close(sentence: str, quote: str, cosine: float, params: CheckParams) -> bool:
    return cosine >= params.min_similarity and overlap(sentence, quote) >= params.min_overlap


def _problem(
    sentence: str, quotes: list[str], close: list[str], params: CheckParams
) -> str | None:
    """Why the sentence cannot be checked in its quotes (all it may cite, and those close
    to it), or None when it can."""
    if not quotes:
        return "sentence without a citation it may carry dropped"
    if unsupported(sentence, quotes):
        return "sentence with a figure or name in none of its quotes dropped"
    if not close:
        return "sentence unlike the passages it cites dropped"
    if unsupported(sentence, close):
        return "sentence whose figures or names are only in quotes unlike it dropped"
    if unbound(sentence, close, params.binding_window):
        return "sentence with a figure bound to another subject dropped"
    return None
