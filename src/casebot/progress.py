"""A tiny progress seam so long work can report without knowing about the terminal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

Advance = Callable[[int], None]


class Reporter(Protocol):
    def stage(self, description: str, total: int) -> Advance: ...


class SilentReporter:
    def stage(self, description: str, total: int) -> Advance:
        return lambda n: None


class RichReporter:
    """Rich progress bars, one per stage: `casebot ingest` and `casebot eval` use them."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress

    def stage(self, description: str, total: int) -> Advance:
        task = self._progress.add_task(description, total=max(total, 1))

        def advance(n: int) -> None:
            self._progress.update(task, advance=n)

        return advance


@contextmanager
def rich_reporter(console: Console | None = None) -> Iterator[Reporter]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    columns = (
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        yield RichReporter(progress)
