"""An OpenAI-compatible /embeddings endpoint (OpenAI, vLLM, Ollama's /v1), for deployments
past one machine."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from casebot.embeddings.base import Vectors, normalise_rows
from casebot.errors import ProviderError, RetrievalUnavailable
from casebot.openai_compat import Endpoint


class OpenAIEmbedder:
    def __init__(self, endpoint: Endpoint, model: str) -> None:
        self.name = model
        self._endpoint = endpoint

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        try:
            return normalise_rows(self._endpoint.embeddings(self.name, texts))
        except ProviderError as exc:
            raise RetrievalUnavailable(f"embedding service failed: {exc}") from exc
