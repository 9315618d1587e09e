import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from casebot.answer.pipeline import answer
from casebot.config import Settings
from casebot.index.layout import IndexLayout
from casebot.ingest.build import IngestReport
from casebot.retrieval.hybrid import search
from casebot.runtime import build_collaborators, open_index
from tests.conftest import REPO, build_index, copy_catalog, write_doc
from tests.fakes import HashingEmbedder, PaddingEmbedder


def _ingest(settings: Settings, embedder: HashingEmbedder) -> IngestReport:
    return build_index(settings, embedder)


def test_second_ingest_with_nothing_changed_builds_nothing(tiny_settings: Settings) -> None:
    embedder = HashingEmbedder()
    first = _ingest(tiny_settings, embedder)
    calls = embedder.calls
    second = _ingest(tiny_settings, embedder)
    assert first.built and first.changed_documents == 3
    assert not second.built and second.changed_documents == 0
    assert second.version == first.version
    assert embedder.calls == calls  # nothing re-embedded


def test_changed_and_removed_documents_are_applied_and_unchanged_reused(
    tiny_settings: Settings,
) -> None:
    embedder = HashingEmbedder()
    _ingest(tiny_settings, embedder)
    root = tiny_settings.knowledge_dir
    write_doc(
        root,
        "casey-review/05-public-protection.md",
        "Public protection",
        "# P\n## Freezers\nThe freezers were replaced in 2024.",
        url="https://example.org/r",
    )
    (root / "context/everard.md").unlink()
    report = _ingest(tiny_settings, embedder)
    assert report.changes.changed == ("casey-review/05-public-protection.md",)
    assert report.changes.removed == ("context/everard.md",)
    assert report.changes.unchanged == ("casey-review/01-summary.md",)
    index = open_index(tiny_settings)
    docs = {c.doc_id for c in index.chunks}
    assert docs == {"casey-review/01-summary", "casey-review/05-public-protection"}
    assert any("replaced in 2024" in c.text for c in index.chunks)
    assert index.store.count() == len(index.chunks)


def test_bad_files_are_reported_by_name_and_skipped(tiny_settings: Settings) -> None:
    root = tiny_settings.knowledge_dir
    (root / "broken.pdf").write_bytes(b"%PDF-1.4 nonsense")
    (root / "notes.docx").write_bytes(b"PK")
    (root / "bad.md").write_text("---\ntitle: [\n---\nText\n")
    report = _ingest(tiny_settings, HashingEmbedder())
    assert set(report.skipped) == {"broken.pdf", "notes.docx", "bad.md"}
    assert "PDF" in report.skipped["broken.pdf"]
    assert report.built and report.chunks > 0
    again = _ingest(tiny_settings, HashingEmbedder())
    assert again.changed_documents == 0
    assert set(again.skipped) == {"broken.pdf", "notes.docx", "bad.md"}


def test_ingest_killed_halfway_leaves_the_previous_index_serving(tmp_path: Path) -> None:
    """A real `casebot ingest` process is SIGKILLed mid-build; the old version still answers."""
    knowledge = tmp_path / "knowledge"
    copy_catalog(knowledge)
    for i in range(3):
        write_doc(
            knowledge,
            f"casey-review/doc{i}.md",
            f"Doc {i}",
            f"# D\n## S\nThe review found fact number {i}.",
        )
    env = {
        **os.environ,
        "CASEBOT_KNOWLEDGE_DIR": str(knowledge),
        "CASEBOT_DATA_DIR": str(tmp_path / "data"),
        "CASEBOT_PROMPTS_DIR": str(REPO / "prompts"),
    }
    cli = [sys.executable, "-m", "casebot.cli", "ingest"]
    subprocess.run(cli, env=env, check=True, capture_output=True, timeout=300)
    settings = Settings(knowledge_dir=knowledge, data_dir=tmp_path / "data")
    layout = IndexLayout(settings.index_root)
    before = layout.current_version()
    assert before is not None

    for i in range(25):  # enough new text that the build takes a while
        write_doc(
            knowledge,
            f"casey-review/more{i}.md",
            f"More {i}",
            "# M\n## S\n" + " ".join(f"Sentence {j} of document {i}." for j in range(80)),
        )
    proc = subprocess.Popen(cli, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300  # a busy machine loads the model and embeds slowly
    while time.time() < deadline and not any(layout.versions.glob("*.partial")):
        time.sleep(0.05)
    assert any(layout.versions.glob("*.partial")), "the build never started"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    assert layout.current_version() == before
    index = open_index(settings)
    assert {c.doc_id for c in index.chunks} == {f"casey-review/doc{i}" for i in range(3)}
    assert index.store.count() == len(index.chunks)


# Two pages carry the same passage, so every ranking ties them; the summary is the longest
# text, and a chunk overlap repeats a sentence between its chunks.
TWIN = """
# Twin
## Rape kits
Freezers storing rape kits were broken and overstuffed. Evidence was lost when a freezer failed.
"""
DETERMINISM_DOCS = {
    "casey-review/01-summary.md": (
        "Summary",
        "# Summary\n## Findings\n"
        + " ".join(
            f"The review found failing number {i} in how the Met handled misconduct, vetting "
            f"and the protection of women and children across London."
            for i in range(12)
        ),
    ),
    "casey-review/02-twin-a.md": ("Twin", TWIN),
    "casey-review/03-twin-b.md": ("Twin", TWIN),
    "context/everard.md": (
        "Sarah Everard",
        "# Sarah Everard\n## What happened\nWayne Couzens murdered Sarah Everard in 2021.",
    ),
}
DETERMINISM_QUESTIONS = (
    "what did the review say about freezers",
    "rape kits evidence lost",
    "broken freezers",
    "what happened to Sarah Everard",
    "misconduct and vetting failings",
)


def _write_corpus(root: Path, docs: dict[str, tuple[str, str]]) -> None:
    for rel, (title, body) in docs.items():
        write_doc(
            root, rel, title, body, kind="context" if rel.startswith("context/") else "report"
        )
    copy_catalog(root)


def _version_files(settings: Settings) -> dict[str, bytes]:
    layout = IndexLayout(settings.index_root)
    directory = layout.version_dir(layout.current_version() or "")
    names = ("chunks.jsonl", "vectors.npy", "sentence_vectors.npy", "bm25/ids.txt")
    return {name: (directory / name).read_bytes() for name in names}


Hits = list[tuple[str, float, float, float]]


def _replies(
    settings: Settings, http: httpx.Client
) -> list[tuple[Hits, str, list[tuple[str, str]]]]:
    deps = build_collaborators(settings, http, embedder=PaddingEmbedder())
    assert deps.index is not None
    out: list[tuple[Hits, str, list[tuple[str, str]]]] = []
    for question in DETERMINISM_QUESTIONS:
        found = search(question, deps.index, deps.embedder, deps.params.search)
        reply = answer(question, [], deps)
        out.append(
            (
                [
                    (h.chunk.chunk_id, h.score, h.similarity, h.sentence_similarity)
                    for h in found.hits
                ],
                reply.text,
                [(c.chunk_id, c.quote) for c in reply.citations],
            )
        )
    return out


def test_an_index_updated_in_place_answers_as_a_fresh_build_does(
    make_settings: Callable[..., Settings], tmp_path: Path, http: httpx.Client
) -> None:
    fresh = make_settings(
        knowledge_dir=tmp_path / "knowledge",
        data_dir=tmp_path / "fresh",
        gate_min_similarity=0.05,
        gate_min_lexical_score=0.5,
    )
    _write_corpus(fresh.knowledge_dir, DETERMINISM_DOCS)
    build_index(fresh, PaddingEmbedder())
    # The updated index first held an older corpus: one twin missing, the Everard page
    # shorter; then the same corpus as the fresh one is ingested over it.
    older = dict(DETERMINISM_DOCS)
    del older["casey-review/03-twin-b.md"]
    older["context/everard.md"] = ("Sarah Everard", "# Sarah Everard\n## What happened\nIn 2021.")
    _write_corpus(tmp_path / "older", older)
    updated = fresh.model_copy(update={"data_dir": tmp_path / "updated"})
    build_index(updated.model_copy(update={"knowledge_dir": tmp_path / "older"}), PaddingEmbedder())
    report = build_index(updated, PaddingEmbedder())
    assert report.changes.added == ("casey-review/03-twin-b.md",)
    assert report.changes.unchanged  # rows were reused, not rebuilt
    assert _version_files(updated) == _version_files(fresh)
    fresh_replies = _replies(fresh, http)
    assert fresh_replies == _replies(updated, http)
    # The twins tie in every ranking, and the lower chunk id leads.
    hits, _, citations = fresh_replies[0]
    assert citations  # answered from the corpus, not turned away
    twins = [cid for cid, *_ in hits if "twin" in cid]
    assert twins == sorted(twins) and len(twins) == 2
