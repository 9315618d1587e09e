"""citations.verify(): drop what cannot be checked, replace non-verbatim quotes, renumber."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from casebot.answer.citations import number_supported, parse_marked, verify
from casebot.answer.models import Citation, Draft, Sentence, citation_for
from casebot.index.models import Chunk
from casebot.text import split_sentences

MISCONDUCT = (
    "The interim report found that 1,809 officers faced more than one misconduct allegation. "
    "Only 13 of those officers were dismissed."
)
FREEZERS = (
    "The review found freezers storing rape kits were overstuffed and broken. "
    "A freezer broke in the 2022 heatwave and evidence was destroyed."
)


def make_draft(
    sentences: Sequence[tuple[str, tuple[int, ...]]], citations: Sequence[Citation]
) -> Draft:
    return Draft(tuple(Sentence(*s) for s in sentences), tuple(citations))


def make_chunk(chunk_id: str, text: str, page: int | None = 9) -> Chunk:
    return Chunk(
        chunk_id=chunk_id,
        doc_id=chunk_id.split("#")[0],
        path=chunk_id.split("#")[0] + ".md",
        title="Summary",
        kind="report",
        text=text,
        section="Misconduct",
        page=page,
        sentences=tuple(split_sentences(text)),
    )


@pytest.fixture
def misconduct() -> Chunk:
    return make_chunk("casey-review/01-summary#001", MISCONDUCT)


@pytest.fixture
def freezers() -> Chunk:
    return make_chunk("casey-review/05-public-protection#000", FREEZERS, page=None)


def chunks(*items: Chunk) -> dict[str, Chunk]:
    return {c.chunk_id: c for c in items}


def test_sentence_whose_number_is_not_in_its_cited_chunk_is_dropped(misconduct: Chunk) -> None:
    draft = make_draft(
        (("Only 13 officers were dismissed.", (1,)), ("Only 31 officers were dismissed.", (1,))),
        (citation_for(misconduct, 1, misconduct.sentences[1]),),
    )
    checked, notes = verify(draft, chunks(misconduct))
    assert checked.sentences == (("Only 13 officers were dismissed.", (1,)),)
    assert "sentence with an unsupported number dropped" in notes


def test_number_written_without_its_thousands_comma_is_still_supported(misconduct: Chunk) -> None:
    draft = make_draft(
        (("1809 officers faced more than one allegation.", (1,)),),
        (citation_for(misconduct, 1, misconduct.sentences[0]),),
    )
    checked, notes = verify(draft, chunks(misconduct))
    assert len(checked.sentences) == 1
    assert notes == []


def test_number_from_another_chunk_does_not_support_the_sentence(
    misconduct: Chunk, freezers: Chunk
) -> None:
    draft = make_draft(
        (("The freezer broke in 2022 and 13 officers were dismissed.", (2,)),),
        (
            citation_for(misconduct, 1, misconduct.sentences[1]),
            citation_for(freezers, 2, freezers.sentences[1]),
        ),
    )
    checked, _ = verify(draft, chunks(misconduct, freezers))
    assert checked.sentences == ()
    assert checked.citations == ()


def test_sentence_supported_by_two_cited_chunks_together_is_kept(
    misconduct: Chunk, freezers: Chunk
) -> None:
    draft = make_draft(
        (("The freezer broke in 2022 and 13 officers were dismissed.", (1, 2)),),
        (
            citation_for(misconduct, 1, misconduct.sentences[1]),
            citation_for(freezers, 2, freezers.sentences[1]),
        ),
    )
    checked, _ = verify(draft, chunks(misconduct, freezers))
    assert checked.sentences == (
        ("The freezer broke in 2022 and 13 officers were dismissed.", (1, 2)),
    )


def test_sentence_citing_a_nonexistent_marker_is_dropped(misconduct: Chunk) -> None:
    draft = make_draft(
        (("Officers faced misconduct allegations.", (1,)), ("Casey said consent is broken.", (4,))),
        (citation_for(misconduct, 1, misconduct.sentences[0]),),
    )
    checked, notes = verify(draft, chunks(misconduct))
    assert checked.sentences == (("Officers faced misconduct allegations.", (1,)),)
    assert "sentence without a valid citation dropped" in notes


def test_sentence_without_any_marker_is_dropped(misconduct: Chunk) -> None:
    draft = make_draft(
        (("Officers faced misconduct allegations.", ()),),
        (citation_for(misconduct, 1, misconduct.sentences[0]),),
    )
    checked, _ = verify(draft, chunks(misconduct))
    assert checked.sentences == ()
    assert checked.citations == ()


def test_nonexistent_marker_beside_a_valid_one_is_removed(misconduct: Chunk) -> None:
    draft = make_draft(
        (("Officers faced misconduct allegations.", (1, 7)),),
        (citation_for(misconduct, 1, misconduct.sentences[0]),),
    )
    checked, _ = verify(draft, chunks(misconduct))
    assert checked.sentences == (("Officers faced misconduct allegations.", (1,)),)


def test_non_verbatim_quote_is_replaced_by_the_closest_sentence_of_the_chunk(
    misconduct: Chunk,
) -> None:
    paraphrase = "Just 13 officers out of those were sacked and dismissed."
    assert paraphrase not in misconduct.text
    draft = make_draft(
        (("Only 13 of those officers were dismissed.", (1,)),),
        (citation_for(misconduct, 1, paraphrase),),
    )
    checked, notes = verify(draft, chunks(misconduct))
    (citation,) = checked.citations
    assert citation.quote == "Only 13 of those officers were dismissed."
    assert citation.quote in misconduct.text
    assert "citation 1: quote not verbatim, replaced" in notes


def test_verbatim_quote_is_kept_as_it_is(misconduct: Chunk) -> None:
    quote = misconduct.sentences[0]
    draft = make_draft((("Officers faced allegations.", (1,)),), (citation_for(misconduct, 1, quote),))
    checked, notes = verify(draft, chunks(misconduct))
    assert checked.citations[0].quote == quote
    assert notes == []


def test_citation_to_an_unknown_chunk_is_dropped_with_its_sentences(misconduct: Chunk) -> None:
    ghost = Citation(1, "nowhere#000", "nowhere", "Ghost", None, None, None, "Freezers broke.")
    draft = make_draft(
        (("Freezers broke.", (1,)), ("Only 13 of those officers were dismissed.", (2,))),
        (ghost, citation_for(misconduct, 2, misconduct.sentences[1])),
    )
    checked, notes = verify(draft, chunks(misconduct))
    assert checked.sentences == (("Only 13 of those officers were dismissed.", (1,)),)
    assert [c.chunk_id for c in checked.citations] == [misconduct.chunk_id]
    assert "citation 1: unknown chunk" in notes


def test_surviving_citations_are_renumbered_in_order_of_use(
    misconduct: Chunk, freezers: Chunk
) -> None:
    draft = make_draft(
        (
            ("There were 999 freezers.", (1,)),
            ("A freezer broke in the 2022 heatwave.", (2,)),
            ("Only 13 of those officers were dismissed.", (1,)),
        ),
        (
            citation_for(misconduct, 1, misconduct.sentences[1]),
            citation_for(freezers, 2, freezers.sentences[1]),
        ),
    )
    checked, _ = verify(draft, chunks(misconduct, freezers))
    assert checked.sentences == (
        ("A freezer broke in the 2022 heatwave.", (1,)),
        ("Only 13 of those officers were dismissed.", (2,)),
    )
    assert [(c.n, c.chunk_id) for c in checked.citations] == [
        (1, freezers.chunk_id),
        (2, misconduct.chunk_id),
    ]
    assert checked.text == (
        "A freezer broke in the 2022 heatwave [1]. Only 13 of those officers were dismissed [2]."
    )


def test_parse_marked_reads_the_markers_of_each_sentence() -> None:
    parsed = parse_marked(
        "The freezers broke in the 2022 heatwave [1]. There were 999 kits [1][2]."
    )
    assert parsed == [
        ("The freezers broke in the 2022 heatwave.", (1,)),
        ("There were 999 kits.", (1, 2)),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Freezers were overstuffed. [1] The Met was found institutionally racist. [2]",
        "Freezers were overstuffed.[1] The Met was found institutionally racist.[2]",
    ],
    ids=["space before marker", "no space"],
)
def test_marker_after_the_full_stop_belongs_to_the_sentence_before_it(text: str) -> None:
    assert parse_marked(text) == [
        ("Freezers were overstuffed.", (1,)),
        ("The Met was found institutionally racist.", (2,)),
    ]


def test_number_supported_needs_every_figure_in_the_cited_text(misconduct: Chunk) -> None:
    assert number_supported("1,809 officers, 13 dismissed.", [misconduct])
    assert not number_supported("1,809 officers, 14 dismissed.", [misconduct])
    assert number_supported("No figures here.", [])
