import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from casebot.config import Settings
from casebot.index.layout import IndexLayout
from casebot.ingest.build import IngestReport
from casebot.runtime import open_index
from tests.conftest import REPO, build_index, copy_catalog, write_doc
from tests.fakes import HashingEmbedder


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
