import httpx
import numpy as np
import pytest
import respx

from casebot.embeddings import LocalEmbedder, OpenAIEmbedder
from casebot.errors import RetrievalUnavailable
from casebot.openai_compat import Endpoint


def test_local_embedder_gives_normalised_similar_vectors_for_similar_text(
    local_embedder: LocalEmbedder,
) -> None:
    a, b, c = local_embedder.embed(
        ["rape kits in broken freezers", "freezers storing rape evidence", "football"]
    )
    assert np.linalg.norm(a) == pytest.approx(1.0, abs=1e-4)
    assert float(a @ b) > float(a @ c) + 0.2


@respx.mock
def test_openai_compatible_embedder_orders_rows_by_index(http: httpx.Client) -> None:
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
    rows = OpenAIEmbedder(Endpoint(http, "http://embed.test/v1", None, 5.0), "m").embed(
        ["first", "second"]
    )
    assert rows.tolist() == [[1.0, 0.0], [0.0, 1.0]]


@respx.mock
def test_openai_compatible_embedder_failure_is_retrieval_unavailable(
    http: httpx.Client,
) -> None:
    respx.post("http://embed.test/v1/embeddings").mock(return_value=httpx.Response(503))
    with pytest.raises(RetrievalUnavailable):
        OpenAIEmbedder(Endpoint(http, "http://embed.test/v1", None, 5.0), "m").embed(["x"])
