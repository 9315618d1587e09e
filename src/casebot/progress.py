"""A tiny progress seam so long work can report without knowing about the terminal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol

Advance = Callable[[int], None]


class Reporter(Protocol):
    def stage(self, description: str, total: int) -> Advance: ...


class SilentReporter:
    def stage(self, description: str, total: int) -> Advance:
        return lambda n: None


class RichReporter:
    """Rich progress bars, one per stage; used by the CLI."""

    def __init__(self, progress: object) -> None:
        self._progress = progress

    def stage(self, description: str, total: int) -> Advance:
        task = self._progress.add_task(description, total=max(total, 1))  # type: ignore[attr-defined]

        def advance(n: int) -> None:
            self._progress.update(task, advance=n)  # type: ignore[attr-defined]

        return advance


@contextmanager
def rich_reporter() -> Iterator[Reporter]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    columns = (
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, transient=False) as progress:
        yield RichReporter(progress)
