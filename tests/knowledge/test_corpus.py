"""The corpus itself: schema, page discipline, own words, and PDF readiness."""

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from casebot.config import Settings
from casebot.index.models import Document
from casebot.ingest.chunking import ChunkParams, chunk_document
from casebot.ingest.loaders import FRONT_MATTER_KINDS, load_document, parse_front_matter
from casebot.runtime import build_collaborators
from casebot.text import fold, is_meta, normalise_space, numbers_in, split_sentences
from tests.conftest import REPO, build_index
from tests.fakes import HashingEmbedder

KNOWLEDGE = REPO / "knowledge"
SHARED = REPO.parent / "shared"
# Pages the research marks verified (casey_facts.md: table of contents and page-cited extracts).
VERIFIED_PAGES = {6, 9, 19, 20, 21, 22, 23, 24, 26, 36, 38, 47, 107, 241, 308, 322}
MARKDOWN = sorted(KNOWLEDGE.rglob("*.md"))
OVERVIEW = sorted((KNOWLEDGE / "overview").glob("*.md"))
REPORT = sorted([*(KNOWLEDGE / "casey-review").glob("*.md"), *(KNOWLEDGE / "interim-misconduct").glob("*.md")])


def test_corpus_has_every_part_of_the_review_and_its_context() -> None:
    names = {p.relative_to(KNOWLEDGE).as_posix() for p in MARKDOWN}
    assert len([n for n in names if n.startswith("casey-review/")]) >= 11
    assert len([n for n in names if n.startswith("interim-misconduct/")]) >= 2
    assert len([n for n in names if n.startswith("overview/")]) >= 13
    assert len([n for n in names if n.startswith("context/")]) >= 9
    assert len([n for n in names if n.startswith("support/")]) >= 10


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: p.relative_to(KNOWLEDGE).as_posix())
def test_every_knowledge_file_has_valid_front_matter_and_kind_by_folder(path: Path) -> None:
    meta, _ = parse_front_matter(path.read_text(encoding="utf-8"))
    folder = path.relative_to(KNOWLEDGE).parts[0]
    expected = {
        "casey-review": "report",
        "interim-misconduct": "report",
        "overview": "overview",
        "context": "context",
        "support": "support",
    }
    assert meta.kind == expected[folder]
    assert meta.kind in FRONT_MATTER_KINDS
    assert load_document(path, KNOWLEDGE).blocks


def test_the_review_the_interim_report_and_every_chapter_have_an_overview() -> None:
    names = {p.name for p in OVERVIEW}
    assert {"review-in-brief.md", "interim-report-in-brief.md"} <= names
    chapters = sorted((KNOWLEDGE / "casey-review").glob("*.md"))
    assert chapters
    assert [p.name for p in chapters if f"brief-{p.name}" not in names] == []


def _loaded(path: Path) -> Document:
    return load_document(path, KNOWLEDGE)


def _checkable_text() -> str:
    """What an overview may state: the research notes and the report documents, folded."""
    notes = [SHARED / "research" / "casey_facts.md", *(SHARED / "seeds").glob("*.txt")]
    texts = [p.read_text(encoding="utf-8") for p in notes if p.exists()]
    texts += [" ".join(b.text for b in _loaded(p).blocks) for p in REPORT]
    return normalise_space(fold(" ".join(texts)))


@pytest.mark.parametrize("path", OVERVIEW, ids=lambda p: p.name)
def test_every_overview_figure_is_in_the_research_or_the_report(path: Path) -> None:
    # An overview restates the review in brief; a figure nobody can find elsewhere was
    # mistyped or invented.
    known = set(numbers_in(_checkable_text()))
    figures = {n for block in _loaded(path).blocks for n in numbers_in(block.text)}
    assert sorted(figures - known) == []


@pytest.mark.parametrize("path", OVERVIEW, ids=lambda p: p.name)
def test_every_overview_quotation_is_verbatim_in_the_research_or_the_report(path: Path) -> None:
    known = _checkable_text()
    quotes = [q for block in _loaded(path).blocks for q in re.findall(r'"([^"]+)"', block.text)]
    assert [q for q in quotes if normalise_space(fold(q)) not in known] == []


@pytest.mark.parametrize("path", OVERVIEW, ids=lambda p: p.name)
def test_each_overview_section_fits_one_chunk(path: Path) -> None:
    # One section, one topic, one chunk: a chunk that spilled over would carry half a topic.
    defaults = Settings.model_fields
    params = ChunkParams(
        defaults["chunk_tokens"].default, defaults["chunk_overlap_sentences"].default
    )
    doc = _loaded(path)
    chunks = chunk_document(doc, params)
    sections = [c.section for c in chunks]
    assert len(sections) == len(set(sections))
    assert len(sections) == len({b.section for b in doc.blocks})


def test_page_markers_are_only_verified_pages() -> None:
    used = {
        int(m)
        for path in MARKDOWN
        for m in re.findall(r"<!--\s*page:\s*(\d+)\s*-->", path.read_text(encoding="utf-8"))
    }
    assert used, "the report pages the research verified should be used"
    assert used <= VERIFIED_PAGES


@pytest.mark.parametrize(
    "path", sorted((KNOWLEDGE / "context").glob("*.md")), ids=lambda p: p.name
)
def test_context_documents_open_with_a_disclaimer_that_is_indexed(path: Path) -> None:
    # The disclaimer answers "is this a Casey finding?", so it must survive as an indexed
    # sentence, not as signage the chunker drops.
    opening = _loaded(path).blocks[0].text
    first = split_sentences(opening)[0]
    assert re.search(r"\bnot (a finding|findings|the Casey Review)\b", first), first
    assert not is_meta(first)


@pytest.mark.parametrize("path", REPORT, ids=lambda p: p.relative_to(KNOWLEDGE).as_posix())
def test_report_documents_hold_only_the_reviews_findings(path: Path) -> None:
    # Context sits in context/, where answers label it; inside a report document it would be
    # cited as the review.
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"\(Context\b|not a finding of the review", text)


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
