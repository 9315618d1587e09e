"""The casebot command line: ingest, ask, serve, eval."""

from __future__ import annotations

import sys
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from casebot.config import Settings
from casebot.errors import CasebotError

app = typer.Typer(
    help="casebot: cited answers about the Baroness Casey Review, with safe signposting.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)


def _settings() -> Settings:
    try:
        return Settings()
    except ValueError as exc:
        err.print(f"[red]configuration error:[/red] {exc}")
        raise typer.Exit(2) from exc


def _fail(exc: CasebotError) -> typer.Exit:
    err.print(f"[red]{exc.code}:[/red] {escape(str(exc))}")
    return typer.Exit(2)


def run_ingest(settings: Settings, force: bool = False, quiet: bool = False) -> int:
    """Build or update the index; returns the number of changed documents."""
    from casebot.ingest.indexer import ingest
    from casebot.progress import SilentReporter, rich_reporter
    from casebot.retrieval.embeddings import LocalEmbedder, build_embedder

    name = LocalEmbedder.name if settings.embedder == "local" else settings.embedder_model
    if quiet:
        report = ingest(settings, lambda: build_embedder(settings), name, SilentReporter(), force)
    else:
        with rich_reporter() as reporter:
            report = ingest(settings, lambda: build_embedder(settings), name, reporter, force)
    c = report.changes
    summary = (
        f"{report.changed_documents} changed documents "
        f"(added {len(c.added)}, changed {len(c.changed)}, removed {len(c.removed)}, "
        f"unchanged {len(c.unchanged)})"
    )
    if report.built:
        summary += f"; built index {report.version} with {report.chunks} chunks"
    else:
        summary += f"; index {report.version} is up to date"
    console.print(f"{summary} in {report.seconds:.2f}s")
    if report.skipped:
        console.print(f"[yellow]skipped {len(report.skipped)} file(s):[/yellow]")
        for path, reason in sorted(report.skipped.items()):
            console.print(f"  {escape(path)}: {escape(reason)}")
    return report.changed_documents


@app.command()
def ingest(
    force: Annotated[bool, typer.Option(help="Rebuild everything, ignoring the manifest.")] = False,
) -> None:
    """Ingest knowledge/ into the index (incremental, atomic; exit 0 when nothing changed)."""
    settings = _settings()
    try:
        run_ingest(settings, force)
    except CasebotError as exc:
        raise _fail(exc) from exc


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="Your question, in plain words.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the POST /v1/chat JSON.")] = False,
    mode: Annotated[str, typer.Option(help="auto, extractive or llm.")] = "auto",
) -> None:
    """Ask one question and print the answer, its sources and any signposts."""
    from casebot.answer.pipeline import answer
    from casebot.api.convert import chat_response
    from casebot.ingest.layout import IndexLayout
    from casebot.runtime import build_collaborators

    if mode not in ("auto", "extractive", "llm"):
        err.print("mode must be auto, extractive or llm")
        raise typer.Exit(2)
    if not 1 <= len(question) <= 2000:
        err.print("the question must be 1 to 2000 characters")
        raise typer.Exit(2)
    settings = _settings()
    try:
        if IndexLayout(settings.index_root).current_version() is None:
            err.print("No index yet: building it first (one-off).")
            run_ingest(settings, quiet=True)
        deps = build_collaborators(settings)
        chosen: Literal["auto", "extractive", "llm"] = mode  # type: ignore[assignment]
        result = answer(question, [], deps, chosen)
    except CasebotError as exc:
        raise _fail(exc) from exc
    response = chat_response(result)
    if as_json:
        sys.stdout.write(response.model_dump_json(indent=2) + "\n")
        return
    safety = response.safety
    if safety.message:
        console.print(f"[bold red]{escape(safety.message)}[/bold red]\n")
    console.print(response.answer, markup=False)
    if response.citations:
        console.print("\n[bold]Sources[/bold]")
        for c in response.citations:
            where = ", ".join(x for x in (c.section, f"p. {c.page}" if c.page else None) if x)
            line = f"  [{c.n}] {c.title}" + (f" ({where})" if where else "")
            console.print(line, markup=False)
            console.print(f'      "{c.quote}"', markup=False)
    if safety.signposts:
        table = Table(title="Support", show_lines=False)
        for column in ("Service", "Phone", "Text", "Web", "Hours"):
            table.add_column(column)
        for s in safety.signposts:
            table.add_row(*(escape(v or "") for v in (s.name, s.phone, s.text, s.url, s.hours)))
        console.print(table)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the HTTP API (one worker: embedded Chroma is single-process)."""
    import uvicorn

    from casebot.api.app import create_app

    settings = _settings()
    uvicorn.run(create_app(settings), host=host, port=port, workers=1, log_level="info")


def _register_eval() -> None:
    try:
        from casebot.evals.cli import eval_command
    except ImportError:  # the eval suite is optional at run time
        return
    app.command("eval")(eval_command)


_register_eval()


if __name__ == "__main__":
    app()
