"""Publishable keys: random, sent by the widget, stored only as their sha256."""

from __future__ import annotations

import hashlib
import secrets

PREFIX = "cbk_"


def hash_key(key: str) -> str:
    # A fast hash is enough: keys are 32 random bytes, not passwords a person chose.
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> tuple[str, str]:
    """A new key and the hash that goes in tenants.yaml."""
    key = PREFIX + secrets.token_urlsafe(32)
    return key, hash_key(key)
