"""Training data for the reranker (retrieval/rerank.py): the dev questions' fused candidates,
each labelled by whether it holds one of the question's evidence entries.

Candidates come from the pipeline's own retrieval with no reranker, so a retrain does not
depend on the model it replaces; a conversation's earlier turns are casebot's own answers
(as the eval scores them), made with no reranker too. Only the dev split and the team's
sets are read: the sealed test never is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from casebot.answer.collaborators import Collaborators
from casebot.answer.pipeline import answer, embed_message, question_type, retrieve
from casebot.evals.dataset import (
    ConversationCase,
    Evidence,
    QaCase,
    load_dataset,
    load_directory,
)
from casebot.evals.metrics import K
from casebot.evals.scoring import Passage, evidence_hits
from casebot.progress import Reporter
from casebot.retrieval.rerank import Reranker, RerankParams, features, fit, ranked

History = list[tuple[str, str]]
HELD_OUT = f"held_out_entry_recall_at_{K}"


@dataclass(frozen=True)
class Asked:
    author: str
    message: str
    history: tuple[tuple[str, str], ...]
    evidence: tuple[Evidence, ...]


@dataclass
class Examples:
    """Per dev question: its candidates' feature rows, which evidence entries each
    candidate holds, how many entries it asked for, and its author."""

    rows: list[np.ndarray[Any, Any]] = dataclasses.field(default_factory=list)
    hits: list[list[frozenset[int]]] = dataclasses.field(default_factory=list)
    entries: list[int] = dataclasses.field(default_factory=list)  # evidence entries asked
    authors: list[str] = dataclasses.field(default_factory=list)

    def labels(self, question: int) -> list[bool]:
        return [bool(h) for h in self.hits[question]]


def dev_sets(datasets_dir: Path) -> list[Any]:
    """The team's sets and the dev authors' qa and conversation files."""
    sets = [load_dataset(datasets_dir / name) for name in ("qa.yaml", "conversations.yaml")]
    return sets + [load_directory(datasets_dir / name, "dev") for name in ("qa", "conversations")]


def asked(datasets: Sequence[Any], deps: Collaborators) -> Iterator[Asked]:
    """Each question with evidence, after its conversation's earlier turns."""
    for dataset in datasets:
        for case in dataset.cases:
            author = getattr(case, "author", None) or "team"
            if isinstance(case, QaCase):
                yield Asked(author, case.question, (), tuple(case.evidence))
            elif isinstance(case, ConversationCase):
                history: History = []
                for turn in case.turns:
                    yield Asked(author, turn.user, tuple(history), tuple(turn.evidence))
                    said = answer(turn.user, list(history), deps).text
                    history += [("user", turn.user), ("assistant", said)]


def collect(datasets: Sequence[Any], deps: Collaborators, reporter: Reporter) -> Examples:
    plain = dataclasses.replace(deps, reranker=None)
    assert plain.index is not None
    questions = [q for q in asked(datasets, plain) if q.evidence]
    advance = reporter.stage("Reading the dev questions' candidates", len(questions))
    out = Examples()
    for q in questions:
        embedded = embed_message(q.message, list(q.history), plain)
        safety = plain.assessor.assess(q.message, list(q.history), embedded.units)
        kind = question_type(embedded, plain)
        result = retrieve(q.message, list(q.history), safety, plain, embedded, kind)
        assert result.candidates is not None
        chunks = [plain.index.by_id[cid] for cid in result.candidates.ids]
        out.rows.append(features(plain.index, result.candidates))
        out.hits.append(
            [
                evidence_hits(Passage(c.chunk_id, c.doc_id, c.text, c.page), q.evidence)
                for c in chunks
            ]
        )
        out.entries.append(len(q.evidence))
        out.authors.append(q.author)
        advance(1)
    return out


def entry_recall(examples: Examples, orders: Sequence[Sequence[int]]) -> float:
    """Mean share of a question's evidence entries its first K candidates hold (pinned
    chunks aside: they lead whatever the order)."""
    shares = []
    for hits, entries, order in zip(examples.hits, examples.entries, orders, strict=True):
        held = {entry for i in order[:K] for entry in hits[i]}
        shares.append(len(held) / entries)
    return float(np.mean(shares)) if shares else 0.0


def train(
    examples: Examples, embedder: str, params: RerankParams
) -> tuple[Reranker, dict[str, Any]]:
    """The reranker on every dev question, and how it did on authors it had not seen."""
    fused = [list(range(len(h))) for h in examples.hits]
    held_out = [list(o) for o in fused]
    for author in sorted(set(examples.authors)):
        mine = [i for i, a in enumerate(examples.authors) if a == author]
        others = [i for i, a in enumerate(examples.authors) if a != author]
        model = _fit(examples, others, embedder, params)
        for i in mine:
            held_out[i] = ranked(model.scores(examples.rows[i]))
    stats = {
        "questions": len(examples.rows),
        "candidates": sum(len(r) for r in examples.rows),
        "authors": sorted(set(examples.authors)),
        HELD_OUT: {
            "fused": round(entry_recall(examples, fused), 4),
            "reranked": round(entry_recall(examples, held_out), 4),
        },
    }
    return _fit(examples, range(len(examples.rows)), embedder, params), stats


def _fit(
    examples: Examples, questions: Sequence[int], embedder: str, params: RerankParams
) -> Reranker:
    rows = np.vstack([examples.rows[i] for i in questions])
    labels = [label for i in questions for label in examples.labels(i)]
    return fit(rows, labels, embedder, params)
