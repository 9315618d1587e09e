"""The OpenAI-compatible embedder, over respx."""

import httpx
import pytest
import respx

from casebot.embeddings import OpenAIEmbedder
from casebot.errors import RetrievalUnavailable
from casebot.openai_compat import Endpoint


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
