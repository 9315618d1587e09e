"""How long each stage of an answer took: reported with the answer (the API's metrics),
never logged with anything the person wrote."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager


class Stopwatch:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started

    def items(self) -> tuple[tuple[str, float], ...]:
        return tuple(self.seconds.items())
