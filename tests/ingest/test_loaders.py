from pathlib import Path

import pytest

from casebot.errors import IngestError
from casebot.ingest.loaders import load_document, markdown_blocks
from tests.conftest import write_doc


def test_markdown_headings_give_sections_and_markers_give_pages(tmp_path: Path) -> None:
    path = write_doc(
        tmp_path,
        "casey-review/x.md",
        "X document",
        """
        # Title
        Intro text.
        ## Part one
        <!-- page: 9 -->
        First paragraph.
        ### Detail
        Second paragraph.
        <!-- page: none -->
        ## Part two
        Third paragraph.
        """,
    )
    doc = load_document(path, tmp_path)
    blocks = {b.text: b for b in doc.blocks}
    assert doc.doc_id == "casey-review/x"
    assert doc.kind == "report"
    assert blocks["Intro text."].section == () and blocks["Intro text."].page is None
    assert (
        blocks["First paragraph."].section == ("Part one",) and blocks["First paragraph."].page == 9
    )
    assert blocks["Second paragraph."].section == ("Part one", "Detail")
    assert blocks["Second paragraph."].page == 9
    assert blocks["Third paragraph."].page is None


@pytest.mark.parametrize(
    ("folder", "kind"),
    [
        ("casey-review", "report"),
        ("interim-misconduct", "report"),
        ("overview", "overview"),
        ("context", "context"),
        ("support", "support"),
        ("elsewhere", "report"),
    ],
)
def test_a_file_without_front_matter_takes_its_kind_from_its_folder(
    tmp_path: Path, folder: str, kind: str
) -> None:
    path = tmp_path / folder / "page.txt"
    path.parent.mkdir()
    path.write_text("A title line\n\nThe review found the Met's frontline degraded.\n")
    assert load_document(path, tmp_path).kind == kind


def test_overview_is_a_front_matter_kind(tmp_path: Path) -> None:
    path = write_doc(
        tmp_path, "overview/brief.md", "In brief", "# T\n## S\nThe review in brief.", "overview"
    )
    assert load_document(path, tmp_path).kind == "overview"


def test_list_items_and_bold_markers_become_plain_quotable_paragraphs() -> None:
    blocks = markdown_blocks("## S\n- **First** item\n- Second item\n")
    assert [b.text for b in blocks] == ["First item", "Second item"]


@pytest.mark.parametrize(
    ("front", "problem"),
    [
        ("title: T\nsource: S\npublished: 2023-03-21\nkind: essay\n", "kind"),
        ("title: T\nsource: S\nkind: report\n", "published"),
        ("title: [unclosed\n", "YAML"),
        ("title: T\nsource: S\npublished: 2023-03-21\nkind: report\nurl: not-a-url\n", "url"),
    ],
)
def test_bad_front_matter_is_an_ingest_error_naming_the_field(
    tmp_path: Path, front: str, problem: str
) -> None:
    path = tmp_path / "bad.md"
    path.write_text(f"---\n{front}---\n# T\nText.\n")
    with pytest.raises(IngestError, match=problem):
        load_document(path, tmp_path)


def test_missing_front_matter_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "plain.md"
    path.write_text("# Just a heading\nText.\n")
    with pytest.raises(IngestError, match="front matter"):
        load_document(path, tmp_path)


def test_html_keeps_main_text_and_drops_navigation(tmp_path: Path) -> None:
    path = tmp_path / "context" / "page.html"
    path.parent.mkdir()
    path.write_text(
        "<html><head><title>T</title><script>var x=1;</script></head><body>"
        "<nav><p>Menu item</p></nav><main><h1>Responses</h1><h2>Mayor</h2>"
        "<p>The Mayor responded.</p></main><footer><p>Cookie notice</p></footer></body></html>"
    )
    doc = load_document(path, tmp_path)
    texts = [b.text for b in doc.blocks]
    assert texts == ["The Mayor responded."]
    assert doc.blocks[0].section == ("Mayor",)
    assert doc.kind == "context" and doc.title == "Responses"


def test_plain_text_uses_first_paragraph_as_title(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("A title line\n\nFirst paragraph.\n\nSecond paragraph.\n")
    doc = load_document(path, tmp_path)
    assert doc.title == "A title line"
    assert [b.text for b in doc.blocks] == ["First paragraph.", "Second paragraph."]


def test_broken_pdf_is_an_ingest_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\nthis is not really a pdf")
    with pytest.raises(IngestError, match="PDF"):
        load_document(path, tmp_path)


def test_unknown_extension_is_an_ingest_error(tmp_path: Path) -> None:
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(b"PK")
    with pytest.raises(IngestError, match="unsupported"):
        load_document(path, tmp_path)


def test_pdf_pages_carry_their_page_numbers(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title("A review report")
    for page_text in (
        "Foreword text about the review.",
        "Freezers held rape kits.",
        "Vetting failed.",
    ):
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.multi_cell(0, 10, page_text)
    path = tmp_path / "casey-review" / "report.pdf"
    path.parent.mkdir()
    pdf.output(str(path))
    doc = load_document(path, tmp_path)
    pages = {b.text: b.page for b in doc.blocks}
    assert pages == {
        "Foreword text about the review.": 1,
        "Freezers held rape kits.": 2,
        "Vetting failed.": 3,
    }
    assert doc.title == "A review report"


def test_serves_markers_and_front_matter_say_whom_guidance_serves(tmp_path: Path) -> None:
    path = tmp_path / "support/help.md"
    path.parent.mkdir(parents=True)
    path.write_text(
        "---\n"
        'title: "Help"\nsource: "casebot test fixture"\npublished: 2026-11-21\nkind: support\n'
        "serves: [suicide_self_harm]\n---\n"
        "# Help\n\nEveryone deserves support.\n\n"
        "## Forced marriage\n\n<!-- serves: honour_based_abuse, hate_crime -->\n\n"
        "Karma Nirvana can help.\n\n"
        "## If you cannot speak\n\n<!-- serves: cannot_speak -->\n\nPress 55.\n\n"
        "## Anything else\n\nTalk to someone.\n"
    )
    doc = load_document(path, tmp_path)
    assert doc.serves == ("suicide_self_harm",)
    by_text = {b.text: b.serves for b in doc.blocks}
    assert by_text["Karma Nirvana can help."] == ("honour_based_abuse", "hate_crime")
    # Guidance can also serve a need the safety engine hears ("I can't talk").
    assert by_text["Press 55."] == ("cannot_speak",)
    # A marker lasts until the next heading, and never appears in the text.
    assert by_text["Talk to someone."] == () and by_text["Everyone deserves support."] == ()
    assert not any("serves:" in b.text or "<!--" in b.text for b in doc.blocks)


@pytest.mark.parametrize(
    ("front", "body"),
    [
        ("serves: [feeling_sad]\n", "# Help\n\nText.\n"),
        ("", "# Help\n\n## Part\n\n<!-- serves: feeling_sad -->\n\nText.\n"),
    ],
)
def test_unknown_safety_category_is_an_ingest_error_naming_it(
    tmp_path: Path, front: str, body: str
) -> None:
    path = tmp_path / "support/help.md"
    path.parent.mkdir(parents=True)
    path.write_text(
        "---\n"
        'title: "Help"\nsource: "casebot test fixture"\npublished: 2026-11-21\nkind: support\n'
        f"{front}---\n{body}"
    )
    with pytest.raises(IngestError, match="feeling_sad"):
        load_document(path, tmp_path)
