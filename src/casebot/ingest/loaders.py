"""Loaders: one function per file type, each returning a Document or raising IngestError."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from casebot.errors import ConfigError, IngestError
from casebot.index.models import Block, Document, Kind
from casebot.safety.models import CATEGORIES, NEEDS
from casebot.text import normalise_space

SUPPORTED_SUFFIXES = (".md", ".markdown", ".pdf", ".html", ".htm", ".txt")
# Data files that live beside the documents but are not documents (the services catalog).
DATA_SUFFIXES = (".yaml", ".yml")

_KIND_BY_FOLDER: dict[str, Kind] = {
    "casey-review": "report",
    "interim-misconduct": "report",
    "overview": "overview",
    "context": "context",
    "support": "support",
}
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_PAGE_MARKER = re.compile(r"^<!--\s*page:\s*(\w+)\s*-->$", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
# A guidance section says whom it serves: <!-- serves: suicide_self_harm, ... -->
_SERVES_MARKER = re.compile(r"^<!--\s*serves:\s*([\w\s,]+?)\s*-->$", re.IGNORECASE)


FRONT_MATTER_KINDS: tuple[Kind, ...] = get_args(Kind)


class FrontMatter(BaseModel):
    """The front matter every Markdown knowledge file must carry (DESIGN.md)."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=3)
    source: str = Field(min_length=3)
    url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    published: dt.date
    kind: Kind
    sources: list[str] = Field(default_factory=list)
    # Support guidance names the safety categories it answers, so a disclosure can lift it.
    serves: list[str] = Field(default_factory=list)

    @field_validator("serves")
    @classmethod
    def _known_categories(cls, value: list[str]) -> list[str]:
        return list(known_serves(value))


def known_serves(names: list[str]) -> tuple[str, ...]:
    known = (*CATEGORIES, *NEEDS)
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise ValueError(f"unknown safety categories or needs {unknown}; known: {', '.join(known)}")
    return tuple(names)


def scan(knowledge_dir: Path) -> tuple[dict[str, Path], dict[str, str]]:
    """Documents to index (relative path -> file) and files skipped with the reason."""
    if not knowledge_dir.is_dir():
        raise ConfigError(f"knowledge directory not found: {knowledge_dir}")
    found: dict[str, Path] = {}
    skipped: dict[str, str] = {}
    for path in sorted(knowledge_dir.rglob("*")):
        parts = path.relative_to(knowledge_dir).parts
        if path.is_dir() or any(part.startswith(".") for part in parts):
            continue
        rel = path.relative_to(knowledge_dir).as_posix()
        suffix = path.suffix.lower()
        if suffix in SUPPORTED_SUFFIXES:
            found[rel] = path
        elif suffix not in DATA_SUFFIXES:
            skipped[rel] = f"unsupported file type {suffix or '(none)'!r}"
    return found, skipped


def doc_id_for(path: Path, root: Path) -> str:
    return path.relative_to(root).with_suffix("").as_posix()


def kind_for(path: Path, root: Path) -> Kind:
    top = path.relative_to(root).parts[0] if len(path.relative_to(root).parts) > 1 else ""
    return _KIND_BY_FOLDER.get(top, "report")


def load_document(path: Path, root: Path) -> Document:
    """Load one knowledge file; IngestError names what is wrong with it."""
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        raise IngestError(f"unsupported file type {path.suffix or '(none)'!r}")
    try:
        return loader(path, root)
    except IngestError:
        raise
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise IngestError(f"could not read file: {exc}") from exc


def parse_front_matter(text: str) -> tuple[FrontMatter, str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        raise IngestError("missing YAML front matter (--- ... ---)")
    try:
        raw = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        raise IngestError(f"front matter is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise IngestError("front matter must be a mapping")
    try:
        meta = FrontMatter.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'front matter'}: {err['msg']}"
            for err in exc.errors()
        )
        raise IngestError(f"front matter invalid: {problems}") from exc
    return meta, text[match.end() :]


def markdown_blocks(body: str) -> list[Block]:
    """Paragraph blocks with their heading trail (below the H1) and current page."""
    return _MarkdownReader().read(body)


_LIST_ITEM = re.compile(r"^([-*+] |\d+[.)]\s)")
_LIST_MARK = re.compile(r"^([-*+]|\d+[.)])\s+")
_TABLE_RULE = re.compile(r":?-{2,}:?")


class _MarkdownReader:
    """Markdown line by line, remembering the heading trail, the page and whom guidance serves."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.trail: list[tuple[int, str]] = []
        self.page: int | None = None
        self.serves: tuple[str, ...] = ()
        self.buffer: list[str] = []
        self.in_code = False

    def read(self, body: str) -> list[Block]:
        for line in body.splitlines():
            self._line(line.strip())
        self._flush()
        return self.blocks

    def _line(self, line: str) -> None:
        if line.startswith("```"):
            self.in_code = not self.in_code
            return
        if self._marker(line):
            return
        heading = None if self.in_code else _HEADING.match(line)
        if heading:
            self._flush()
            level = len(heading.group(1))
            self.trail = [(lvl, t) for lvl, t in self.trail if lvl < level]
            self.trail.append((level, heading.group(2).strip()))
            self.serves = ()
        elif not line:
            self._flush()
        elif _LIST_ITEM.match(line):
            # A list item stands as its own paragraph so it can be quoted alone.
            self._flush()
            self.buffer.append(_LIST_MARK.sub("", line))
        elif line.startswith("|"):
            self._table_row(line)
        else:
            self.buffer.append(line.lstrip("> "))

    def _marker(self, line: str) -> bool:
        """Read a serves or page marker; False when the line is neither."""
        serves = _SERVES_MARKER.match(line)
        page = None if serves else _PAGE_MARKER.match(line)
        if not (serves or page):
            return False
        self._flush()
        if serves:
            names = [name.strip() for name in serves.group(1).split(",") if name.strip()]
            try:
                self.serves = known_serves(names)
            except ValueError as exc:
                raise IngestError(f"serves marker: {exc}") from exc
        elif page:
            value = page.group(1).lower()
            self.page = int(value) if value.isdigit() else None
        return True

    def _table_row(self, line: str) -> None:
        cells = [c.strip() for c in line.strip("|").split("|")]
        if all(_TABLE_RULE.fullmatch(c) for c in cells if c):
            return
        self._flush()
        self.buffer.append("; ".join(c for c in cells if c) + ".")
        self._flush()

    def _flush(self) -> None:
        text = normalise_space(_COMMENT.sub(" ", " ".join(self.buffer)))
        text = text.replace("**", "").replace("__", "")
        self.buffer.clear()
        if text:
            section = tuple(title for level, title in self.trail if level > 1)
            self.blocks.append(Block(text, section, self.page, self.serves))


def _load_markdown(path: Path, root: Path) -> Document:
    meta, body = parse_front_matter(path.read_text(encoding="utf-8"))
    blocks = markdown_blocks(body)
    if not blocks:
        raise IngestError("document has no text after the front matter")
    return Document(
        doc_id=doc_id_for(path, root),
        path=path.relative_to(root).as_posix(),
        title=meta.title,
        kind=meta.kind,
        blocks=tuple(blocks),
        source=meta.source,
        url=meta.url,
        published=meta.published.isoformat(),
        serves=tuple(meta.serves),
    )


def _load_pdf(path: Path, root: Path) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
        title = (reader.metadata.title if reader.metadata else None) or path.stem
    except (PdfReadError, OSError, ValueError, KeyError, TypeError) as exc:
        raise IngestError(f"broken PDF: {exc}") from exc
    blocks = []
    for number, page_text in enumerate(pages, start=1):
        for para in re.split(r"\n\s*\n", page_text):
            text = normalise_space(para)
            if text:
                blocks.append(Block(text=text, page=number))
    if not blocks:
        raise IngestError("PDF has no extractable text (scanned images need OCR first)")
    return Document(
        doc_id=doc_id_for(path, root),
        path=path.relative_to(root).as_posix(),
        title=str(title),
        kind=kind_for(path, root),
        blocks=tuple(blocks),
    )


def _load_html(path: Path, root: Path) -> Document:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(path.read_text(encoding="utf-8", errors="replace"), "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer", "aside", "form", "noscript"]):
        tag.decompose()
    main = soup.find("main") or soup.find("article") or soup.body or soup
    h1 = main.find("h1")
    title = (h1.get_text(" ", strip=True) if h1 else None) or (
        soup.title.get_text(strip=True) if soup.title else path.stem
    )
    blocks = _html_blocks(main)
    if not blocks:
        raise IngestError("HTML page has no main text")
    return Document(
        doc_id=doc_id_for(path, root),
        path=path.relative_to(root).as_posix(),
        title=title,
        kind=kind_for(path, root),
        blocks=tuple(blocks),
    )


_HTML_HEADINGS = ("h1", "h2", "h3", "h4")


def _html_blocks(main: Any) -> list[Block]:
    """Paragraphs, list items, cells and quotes under their heading trail (below the h1)."""
    blocks: list[Block] = []
    trail: list[tuple[int, str]] = []
    for el in main.find_all([*_HTML_HEADINGS, "p", "li", "td", "blockquote"]):
        text = normalise_space(el.get_text(" ", strip=True))
        if not text:
            continue
        if el.name in _HTML_HEADINGS:
            level = int(el.name[1])
            trail = [(lvl, t) for lvl, t in trail if lvl < level]
            trail.append((level, text))
        elif el.name != "p" or el.find_parent(["li", "td", "blockquote"]) is None:
            # A paragraph inside a list item, cell or quote is already in that element's text.
            blocks.append(Block(text=text, section=tuple(t for lvl, t in trail if lvl > 1)))
    return blocks


def _load_text(path: Path, root: Path) -> Document:
    text = path.read_text(encoding="utf-8")
    paras = [normalise_space(p) for p in re.split(r"\n\s*\n", text)]
    paras = [p for p in paras if p]
    if not paras:
        raise IngestError("text file is empty")
    return Document(
        doc_id=doc_id_for(path, root),
        path=path.relative_to(root).as_posix(),
        title=paras[0][:120] if len(paras) > 1 else path.stem,
        kind=kind_for(path, root),
        blocks=tuple(Block(text=p) for p in (paras[1:] if len(paras) > 1 else paras)),
    )


_LOADERS: dict[str, Callable[[Path, Path], Document]] = {
    ".md": _load_markdown,
    ".markdown": _load_markdown,
    ".pdf": _load_pdf,
    ".html": _load_html,
    ".htm": _load_html,
    ".txt": _load_text,
}
