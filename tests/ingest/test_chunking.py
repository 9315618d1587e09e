from casebot.config import Settings
from casebot.embeddings import LocalEmbedder
from casebot.index.models import Block, Document
from casebot.ingest.chunking import ChunkParams, chunk_document
from casebot.runtime import open_index
from casebot.tokens import count_tokens

DEFAULT = ChunkParams(tokens=180, overlap_sentences=1)


def _doc(blocks: list[Block]) -> Document:
    return Document(doc_id="d", path="d.md", title="Title", kind="report", blocks=tuple(blocks))


def test_chunks_respect_the_token_budget_and_never_cross_a_page() -> None:
    long = " ".join(f"Sentence number {i} says something about the Met." for i in range(60))
    doc = _doc([Block(long, ("A",), 1), Block("Another page.", ("A",), 2)])
    chunks = chunk_document(doc, ChunkParams(tokens=80, overlap_sentences=0))
    assert len(chunks) > 3
    assert all(count_tokens(c.embed_text) <= 80 for c in chunks)
    assert chunks[-1].page == 2 and chunks[-1].text == "Another page."
    assert all(c.page == 1 for c in chunks[:-1])


def test_chunk_ids_are_deterministic_and_change_with_text() -> None:
    doc = _doc([Block("The review found problems.", ("A",))])
    again = chunk_document(doc, DEFAULT)
    assert [c.chunk_id for c in chunk_document(doc, DEFAULT)] == [c.chunk_id for c in again]
    changed = chunk_document(_doc([Block("The review found other problems.", ("A",))]), DEFAULT)
    assert changed[0].chunk_id != again[0].chunk_id


def test_every_sentence_of_a_chunk_is_verbatim_in_its_text() -> None:
    doc = _doc(
        [Block("Dr. Smith said 1,809 officers faced claims. Only 13 were sacked! Why?", ("A",))]
    )
    chunk = chunk_document(doc, DEFAULT)[0]
    assert len(chunk.sentences) == 3
    assert all(s in chunk.text for s in chunk.sentences)


def test_notes_about_the_files_themselves_are_not_indexed() -> None:
    doc = _doc([Block("This page gives context. The Mayor set up a board.", ("A",))])
    assert chunk_document(doc, DEFAULT)[0].text == "The Mayor set up a board."


def test_a_disclaimer_is_indexed_with_the_passage_it_qualifies() -> None:
    text = (
        "The board is not a finding of the Casey Review. The sections below say more. "
        "The Mayor set up a board."
    )
    chunk = chunk_document(_doc([Block(text, ("A",))]), DEFAULT)[0]
    assert chunk.text == "The board is not a finding of the Casey Review. The Mayor set up a board."


def test_real_corpus_chunks_fit_minilm_word_piece_window(
    real_settings: Settings, local_embedder: LocalEmbedder
) -> None:
    index = open_index(real_settings)
    longest = max(local_embedder.word_pieces(c.embed_text) for c in index.chunks)
    assert longest <= local_embedder.max_word_pieces
