import httpx
import numpy as np
import pytest
import respx

from casebot.embeddings import OpenAIEmbedder
from casebot.errors import RetrievalUnavailable


def test_local_embedder_gives_normalised_similar_vectors_for_similar_text(local_embedder) -> None:  # type: ignore[no-untyped-def]
    a, b, c = local_embedder.embed(
        ["rape kits in broken freezers", "freezers storing rape evidence", "football"]
    )
    assert np.linalg.norm(a) == pytest.approx(1.0, abs=1e-4)
    assert float(a @ b) > float(a @ c) + 0.2


@respx.mock
def test_openai_compatible_embedder_orders_rows_by_index() -> None:
    respx.post("http://embed.test/v1/embeddings").mock(
        return_value=httpx.Response(
            200,
            json={
                "data": [
                    {"index": 1, "embedding": [0.0, 2.0]},
                    {"index": 0, "embedding": [3.0, 0.0]},
                ]
            },
        )
    )
    rows = OpenAIEmbedder("http://embed.test/v1", "m", None).embed(["first", "second"])
    assert rows.tolist() == [[1.0, 0.0], [0.0, 1.0]]


@respx.mock
def test_openai_compatible_embedder_failure_is_retrieval_unavailable() -> None:
    respx.post("http://embed.test/v1/embeddings").mock(return_value=httpx.Response(503))
    with pytest.raises(RetrievalUnavailable):
        OpenAIEmbedder("http://embed.test/v1", "m", None).embed(["x"])
