"""Run-time offline guarantees: no hub downloads, no telemetry."""

from __future__ import annotations

import os

_OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
}


def enforce_offline() -> None:
    """Set the environment so libraries never reach for the network.

    Called before any model or Chroma client is built; a value the operator set
    explicitly is overwritten because offline is not optional at run time.
    """
    os.environ.update(_OFFLINE_ENV)
