"""HTTP mode against a real `chroma run` server on loopback."""

import dataclasses

from casebot.config import Settings
from casebot.index.store import collection_name
from casebot.retrieval.hybrid import search
from casebot.runtime import open_index, pipeline_params
from tests.conftest import build_index
from tests.fakes import HashingEmbedder


def test_index_versions_live_on_a_chroma_server_in_http_mode(
    tiny_settings: Settings, chroma_server: int
) -> None:
    settings = tiny_settings.model_copy(update={"chroma_mode": "http", "chroma_port": chroma_server})
    embedder = HashingEmbedder()
    first = build_index(settings, embedder)
    index = open_index(settings)
    assert index.store.count() == len(index.chunks)
    params = dataclasses.replace(pipeline_params(settings).search, k=1)
    hits = search("broken freezers rape kits", index, embedder, params).hits
    assert hits[0].chunk.doc_id == "casey-review/05-public-protection"

    import chromadb

    client = chromadb.HttpClient(host="127.0.0.1", port=chroma_server)
    names = {c.name for c in client.list_collections()}
    assert collection_name(first.version or "") in names
    assert not (settings.index_root / "versions" / (first.version or "") / "chroma").exists()
