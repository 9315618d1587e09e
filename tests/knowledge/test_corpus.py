"""The corpus itself: schema, page discipline, own words, and PDF readiness."""

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from casebot.config import Settings
from casebot.ingest.loaders import FRONT_MATTER_KINDS, load_document, parse_front_matter
from casebot.runtime import build_collaborators
from casebot.text import normalise_space
from tests.conftest import REPO, build_index
from tests.fakes import HashingEmbedder

KNOWLEDGE = REPO / "knowledge"
SHARED = REPO.parent / "shared"
# Pages the research marks verified (casey_facts.md: table of contents and page-cited extracts).
VERIFIED_PAGES = {6, 9, 19, 20, 21, 22, 23, 24, 26, 36, 38, 47, 107, 241, 308, 322}
MARKDOWN = sorted(KNOWLEDGE.rglob("*.md"))


def test_corpus_has_every_part_of_the_review_and_its_context() -> None:
    names = {p.relative_to(KNOWLEDGE).as_posix() for p in MARKDOWN}
    assert len([n for n in names if n.startswith("casey-review/")]) >= 11
    assert len([n for n in names if n.startswith("interim-misconduct/")]) >= 2
    assert len([n for n in names if n.startswith("context/")]) >= 9
    assert len([n for n in names if n.startswith("support/")]) >= 10


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: p.relative_to(KNOWLEDGE).as_posix())
def test_every_knowledge_file_has_valid_front_matter_and_kind_by_folder(path: Path) -> None:
    meta, _ = parse_front_matter(path.read_text(encoding="utf-8"))
    folder = path.relative_to(KNOWLEDGE).parts[0]
    expected = {
        "casey-review": "report",
        "interim-misconduct": "report",
        "context": "context",
        "support": "support",
    }
    assert meta.kind == expected[folder]
    assert meta.kind in FRONT_MATTER_KINDS
    assert load_document(path, KNOWLEDGE).blocks


def test_page_markers_are_only_verified_pages() -> None:
    used = {
        int(m)
        for path in MARKDOWN
        for m in re.findall(r"<!--\s*page:\s*(\d+)\s*-->", path.read_text(encoding="utf-8"))
    }
    assert used, "the report pages the research verified should be used"
    assert used <= VERIFIED_PAGES


def test_context_documents_say_they_are_not_casey_findings() -> None:
    for path in (KNOWLEDGE / "context").glob("*.md"):
        _, body = parse_front_matter(path.read_text(encoding="utf-8"))
        opening = body.strip().split("\n\n")[1] if "\n\n" in body.strip() else body
        assert re.search(
            r"not (part of )?(the )?(Casey|a finding|findings)", opening + body[:600]
        ), path.name


def _shingles(text: str, n: int = 12) -> set[tuple[str, ...]]:
    """Runs of n words, leaving out runs that are mostly names (lists of people are facts)."""
    tokens = re.findall(r"[A-Za-z0-9£%]+", text)
    out = set()
    for i in range(len(tokens) - n + 1):
        run = tokens[i : i + n]
        if sum(t[0].isupper() for t in run) * 2 >= n:
            continue
        out.add(tuple(t.lower() for t in run))
    return out


def _prose(body: str) -> str:
    """Body text without headings (the report's own section titles) or quotations."""
    lines = [line for line in body.splitlines() if not line.lstrip().startswith("#")]
    return re.sub(r"\"[^\"]{0,300}\"|“[^”]{0,300}”", " ", normalise_space("\n".join(lines)))


def test_no_sentence_is_copied_from_the_seeds_or_research_notes() -> None:
    # CI and every team machine have the notes at ../shared; without them this check cannot
    # run, and it must not pass by skipping.
    notes = [*(SHARED / "seeds").glob("*.txt"), *(SHARED / "research").glob("*.md")]
    assert notes, f"the research notes are missing from {SHARED}"
    sources: set[tuple[str, ...]] = set()
    for path in notes:
        sources |= _shingles(path.read_text(encoding="utf-8"))
    copied = []
    for path in MARKDOWN:
        _, body = parse_front_matter(path.read_text(encoding="utf-8"))
        overlap = _shingles(_prose(body)) & sources
        if overlap:
            copied.append((path.name, " ".join(next(iter(overlap)))))
    assert copied == []


def test_an_official_pdf_can_join_the_corpus_and_citations_carry_its_pages(
    make_settings: Callable[..., Settings],
    tiny_knowledge: Path,
    fake_embedder: HashingEmbedder,
    http: httpx.Client,
) -> None:
    from fpdf import FPDF

    from casebot.answer.pipeline import answer

    pdf = FPDF()
    pages = [
        "Foreword. The review remembers Sarah Everard.",
        "Chapter 5. The review found that freezers holding rape kits in the Met were broken and overstuffed.",
        "Chapter 8. The review recommended disbanding the Parliamentary and Diplomatic Protection command.",
    ]
    for text in pages:
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.multi_cell(0, 10, text)
    pdf.output(str(tiny_knowledge / "casey-review" / "official-report.pdf"))
    settings = make_settings(
        knowledge_dir=tiny_knowledge, gate_min_similarity=0.05, gate_min_lexical_score=0.5
    )
    build_index(settings, fake_embedder)
    deps = build_collaborators(settings, http, embedder=fake_embedder)
    result = answer("Parliamentary and Diplomatic Protection command disbanding", [], deps)
    pdf_citations = [c for c in result.citations if c.doc_id == "casey-review/official-report"]
    assert pdf_citations and pdf_citations[0].page == 3
    assert pdf_citations[0].quote in pages[2]
