"""The casebot command line: ingest, ask, serve, eval."""

from __future__ import annotations

import enum
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from casebot.config import Settings
from casebot.errors import CasebotError, InvalidInput
from casebot.evals import DEFAULT_BASELINE, DEFAULT_TOLERANCE


class SplitChoice(enum.StrEnum):
    dev = "dev"
    test = "test"


if TYPE_CHECKING:
    from casebot.api.schemas import ChatResponse
    from casebot.check import Problem

app = typer.Typer(
    help="casebot: cited answers about the Baroness Casey Review, with safe signposting.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
safety_app = typer.Typer(help="The safety classifier: retrain it from the labelled data.")
app.add_typer(safety_app, name="safety")
qtype_app = typer.Typer(help="The question-type classifier: retrain it from the labelled data.")
app.add_typer(qtype_app, name="qtype")
rerank_app = typer.Typer(help="The retrieval reranker: retrain it on the dev questions' evidence.")
app.add_typer(rerank_app, name="rerank")
feedback_app = typer.Typer(help="The feedback store: ratings of answers, kept for a while.")
app.add_typer(feedback_app, name="feedback")
tenants_app = typer.Typer(help="Tenants: the support services that embed casebot.")
app.add_typer(tenants_app, name="tenants")
console = Console()
err = Console(stderr=True)


def _say(command: str, message: str) -> None:
    """A problem in one line on stderr: the CLI's one way to report an error."""
    err.print(f"casebot {command}: {message}", markup=False, highlight=False, soft_wrap=True)


def _settings(command: str, **overrides: object) -> Settings:
    """Settings from the environment; bad values exit 2, each named on its own line."""
    from casebot.check import load_settings

    settings, problems = load_settings(**overrides)
    _refuse(command, problems)
    assert settings is not None
    return settings


def _refuse(command: str, problems: Sequence[Problem]) -> None:
    """Exit 2 after one line per problem, when there are any."""
    for problem in problems:
        _say(command, f"configuration error: {problem.line()}")
    if problems:
        raise typer.Exit(2)


def _checked(command: str, **overrides: object) -> Settings:
    """Settings, then the data files casebot cannot run without (catalog, prompts, model)."""
    from casebot.check import check_data

    settings = _settings(command, **overrides)
    _refuse(command, check_data(settings))
    return settings


def _fail(command: str, exc: CasebotError) -> typer.Exit:
    _say(command, f"{exc.code}: {exc}")
    return typer.Exit(2)


def run_ingest(settings: Settings, force: bool = False, quiet: bool = False) -> int:
    """Build or update the index; returns the number of changed documents."""
    from casebot.embeddings import Embedder, build_embedder
    from casebot.ingest.build import ingest
    from casebot.openai_compat import http_client
    from casebot.progress import SilentReporter, rich_reporter
    from casebot.runtime import embedder_name, ingest_params

    params = ingest_params(settings, embedder_name(settings))
    with http_client() as http:

        def embedder() -> Embedder:
            return build_embedder(settings, http, ingest=True)

        if quiet:
            report = ingest(params, embedder, SilentReporter(), force)
        else:
            with rich_reporter() as reporter:
                report = ingest(params, embedder, reporter, force)
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
    """Ingest knowledge/ into the index (incremental, atomic; exit 0 when nothing changed).
    The catalog, prompts and safety model are checked first."""
    settings = _checked("ingest")
    try:
        run_ingest(settings, force)
    except CasebotError as exc:
        raise _fail("ingest", exc) from exc


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="Your question, in plain words.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the POST /v1/chat JSON.")] = False,
    mode: Annotated[str, typer.Option(help="auto, extractive or llm.")] = "auto",
) -> None:
    """Ask one question and print the answer, its sources and any signposts."""
    from casebot.answer.pipeline import AnswerFailed, answer
    from casebot.api.convert import chat_response
    from casebot.api.schemas import chat_request
    from casebot.index.layout import IndexLayout
    from casebot.openai_compat import http_client
    from casebot.runtime import build_collaborators

    try:
        request = chat_request(question, mode)  # the API's own checks, before anything is built
    except InvalidInput as exc:
        raise _fail("ask", exc) from None
    settings = _settings("ask")
    try:
        if IndexLayout(settings.index_root).current_version() is None:
            err.print("No index yet: building it first (one-off).")
            run_ingest(settings, quiet=True)
        with http_client() as http:
            deps = build_collaborators(settings, http)
            result = answer(request.message, [], deps, request.mode)
    except CasebotError as exc:
        raise _fail("ask", exc) from exc
    except AnswerFailed as exc:
        # The answer failed after the safety assessment: the person still sees its help.
        if exc.safety.message:
            console.print(exc.safety.message, markup=False)
        for s in exc.safety.signposts:
            console.print(f"  {s.name}: {s.phone or s.text or s.url}", markup=False)
        _say("ask", "internal_error: the answer failed")
        raise typer.Exit(2) from None
    response = chat_response(result)
    if as_json:
        sys.stdout.write(response.model_dump_json(indent=2) + "\n")
        return
    _print_answer(response)


def _print_answer(response: ChatResponse) -> None:
    """The answer for a person at a terminal: lead-in, answer, sources, then support."""
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


LOOPBACK = ("127.0.0.1", "localhost", "::1")


@app.command()
def check() -> None:
    """Check settings, the services catalog, prompts, the safety model and the index; one
    line per problem, exit 2 if there is any."""
    from casebot.check import check_index

    settings = _checked("check")
    _refuse("check", check_index(settings))
    console.print("casebot check: settings, catalog, prompts, safety model and index are fine")


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Interface to bind. Default: CASEBOT_HOST or 127.0.0.1.")
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(min=1, max=65535, help="Port to listen on. Default: CASEBOT_PORT or 8000."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (default CASEBOT_WORKERS, 1).")
    ] = None,
    open_: Annotated[
        bool,
        typer.Option("--open", help="Serve anyone beyond this machine without a tenants file."),
    ] = False,
) -> None:
    """Serve the HTTP API. Settings and data files are checked first; logs are JSON lines on
    stderr (docs/operations.md). Several workers share rate limits through Redis and metrics
    through PROMETHEUS_MULTIPROC_DIR; each loads the index read-only (docs/deploy.md)."""
    import uvicorn

    from casebot.api.app import create_app
    from casebot.check import check_data
    from casebot.logs import log_config

    settings = _settings("serve", **({"workers": workers} if workers else {}))
    bind = host or settings.host
    if settings.tenants_file is None and bind not in LOOPBACK and not open_:
        _say(
            "serve",
            "without a tenants file casebot answers anyone: bind to 127.0.0.1, set "
            "CASEBOT_TENANTS_FILE (docs/deploy.md), or pass --open",
        )
        raise typer.Exit(2)
    _refuse("serve", check_data(settings))
    try:
        app_ = create_app(settings)  # a bad tenants file or catalog stops here, in one line
    except CasebotError as exc:
        raise _fail("serve", exc) from exc
    # The server writes JSON lines only: no progress bar while the model loads.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    options: dict[str, Any] = {
        "host": bind,
        "port": port or settings.port,
        "log_config": log_config(settings.log_level),
        "log_level": settings.log_level,
        "access_log": False,  # casebot.access replaces it: no client address, no query string
        "timeout_keep_alive": settings.keep_alive_s,
        "server_header": False,
    }
    if settings.workers == 1:
        uvicorn.run(app_, **options)
        return
    _share_between_workers(settings)
    uvicorn.run("casebot.api.app:create_app", factory=True, workers=settings.workers, **options)


def _share_between_workers(settings: Settings) -> None:
    """Workers are new processes: they read their settings, and where metrics go, from the
    environment."""
    import os
    import shutil

    from casebot.api.metrics import MULTIPROC_ENV

    os.environ["CASEBOT_WORKERS"] = str(settings.workers)
    if not os.environ.get(MULTIPROC_ENV):
        metrics_dir = settings.data_dir / "metrics"
        shutil.rmtree(metrics_dir, ignore_errors=True)  # counts start again with the server
        metrics_dir.mkdir(parents=True)
        os.environ[MULTIPROC_ENV] = str(metrics_dir.resolve())


@app.command("eval")
def eval_(
    dataset: Annotated[
        list[Path] | None,
        typer.Option(help="A dataset YAML file; repeat for several. Default: all three."),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(help=f"Baseline JSON to compare with. Default: {DEFAULT_BASELINE}"),
    ] = None,
    update_baseline: Annotated[
        bool,
        typer.Option("--update-baseline", help="Write this run's metrics as the new baseline."),
    ] = False,
    fail_under: Annotated[
        list[str] | None,
        typer.Option(
            help="METRIC=VALUE, the worst acceptable value (a ceiling for lower-better metrics); "
            "repeatable, overrides the built-in floors."
        ),
    ] = None,
    tolerance: Annotated[
        float, typer.Option(help="Allowed drop below the baseline before a run fails.")
    ] = DEFAULT_TOLERANCE,
    report_dir: Annotated[
        Path | None,
        typer.Option(
            help="Where report.json, .md and .html go. Default: CASEBOT_REPORT_DIR "
            "(casebot-reports under the current directory)."
        ),
    ] = None,
    junit: Annotated[Path | None, typer.Option(help="Also write a JUnit XML file here.")] = None,
    no_peer: Annotated[
        bool, typer.Option("--no-peer", help="Skip the vanilla LangChain peer.")
    ] = False,
    judged: Annotated[
        bool,
        typer.Option(
            "--judged", help="Add model-judged faithfulness and relevance (needs an LLM)."
        ),
    ] = False,
    split: Annotated[
        SplitChoice,
        typer.Option(
            help="Which split of the author directories to score: dev (tuned on, gated) or "
            "test (the sealed split: reported only, never gated)."
        ),
    ] = SplitChoice.dev,
) -> None:
    """Score casebot on the eval datasets, beside a vanilla LangChain peer; gate for CI."""
    from casebot.evals.command import EvalOptions, run_eval

    settings = _settings("eval")
    defaults = EvalOptions()
    options = EvalOptions(
        datasets=tuple(dataset) if dataset else defaults.datasets,
        baseline=baseline or defaults.baseline,
        baseline_given=baseline is not None,
        update_baseline=update_baseline,
        fail_under=tuple(fail_under or ()),
        tolerance=tolerance,
        report_dir=report_dir or settings.report_dir,
        junit=junit,
        peer=not no_peer,
        judged=judged,
        split=split.value,
    )
    raise typer.Exit(run_eval(options, settings))


@safety_app.command("train")
def safety_train(
    out: Annotated[
        Path | None, typer.Option(help="Where to write the model. Default: the shipped one.")
    ] = None,
) -> None:
    """Retrain the safety classifier on the train split (fixed seed), choose its thresholds
    on dev, and write it as numpy and JSON files (the sealed test split is never read)."""
    from casebot.embeddings import build_embedder
    from casebot.evals import DATASETS_DIR
    from casebot.evals.dataset import ordinary_questions
    from casebot.evals.safety import routing_check
    from casebot.openai_compat import http_client
    from casebot.progress import rich_reporter
    from casebot.runtime import CATALOG_PATH, load_safety_rules
    from casebot.safety.assess import Assessor
    from casebot.safety.catalog import load_catalog
    from casebot.safety.data import calm_questions
    from casebot.safety.responses import load_safety_texts
    from casebot.safety.scoring import save_model
    from casebot.safety.training import train

    settings = _settings("safety train")
    target = out or settings.safety_model_dir
    try:
        catalog = load_catalog(settings.knowledge_dir / CATALOG_PATH)
        texts = load_safety_texts(settings.prompts_dir / "safety.yaml", catalog)
        rules = load_safety_rules(settings)
        with http_client() as http, rich_reporter(console) as reporter:
            model = train(
                DATASETS_DIR / "safety",
                rules,
                build_embedder(settings, http, ingest=True),
                ordinary_questions(DATASETS_DIR, "dev"),
                lambda m: Assessor(catalog, texts, rules, m),
                reporter,
                calm_questions(sorted((DATASETS_DIR / "qtypes" / "train").glob("*.yaml"))),
                routing_check(catalog),
            )
        save_model(model, target)
    except CasebotError as exc:
        raise _fail("safety train", exc) from exc
    console.print(f"safety model written to {target}")


@qtype_app.command("train")
def qtype_train(
    out: Annotated[
        Path | None, typer.Option(help="Where to write the model. Default: the shipped one.")
    ] = None,
) -> None:
    """Retrain the question-type classifier on evals/datasets/qtypes/train (fixed seed) and
    write it as numpy and JSON files (the qa sets' dev and sealed test splits are never read)."""
    from casebot.answer import qtype
    from casebot.embeddings import build_embedder
    from casebot.evals import DATASETS_DIR
    from casebot.openai_compat import http_client

    settings = _settings("qtype train")
    target = out or settings.qtype_model_dir
    params = qtype.QtypeParams()
    try:
        rows = qtype.labelled_questions(sorted((DATASETS_DIR / "qtypes" / "train").glob("*.yaml")))
        with http_client() as http:
            embedder = build_embedder(settings, http, ingest=True)
            vectors = embedder.embed([text for text, _ in rows])
        typer_ = qtype.fit(vectors, [kind for _, kind in rows], embedder.name, params)
        qtype.save(typer_, target, params, len(rows))
    except CasebotError as exc:
        raise _fail("qtype train", exc) from exc
    console.print(f"question-type model ({len(rows)} questions) written to {target}")


@rerank_app.command("train")
def rerank_train(
    out: Annotated[
        Path | None, typer.Option(help="Where to write the model. Default: the shipped one.")
    ] = None,
) -> None:
    """Retrain the reranker on the dev questions' fused candidates (the team's sets and the
    dev authors'; the sealed test split is never read) and write it as JSON, with how it
    ranked each dev author's evidence when trained without that author."""
    from casebot.embeddings import build_embedder
    from casebot.evals import DATASETS_DIR
    from casebot.evals import rerank as training
    from casebot.ingest.build import ingest
    from casebot.openai_compat import http_client
    from casebot.progress import rich_reporter
    from casebot.retrieval.rerank import RerankParams, save
    from casebot.runtime import build_collaborators, ingest_params

    settings = _settings("rerank train")
    target = out or settings.rerank_model_dir
    params = RerankParams()
    try:
        with http_client() as http, rich_reporter() as reporter:
            embedder = build_embedder(settings, http, ingest=True)
            ingest(ingest_params(settings, embedder.name), lambda: embedder, reporter)
            deps = build_collaborators(settings, http, embedder=embedder)
            examples = training.collect(training.dev_sets(DATASETS_DIR), deps, reporter)
        model, stats = training.train(examples, embedder.name, params)
        save(model, target, params, stats)
    except CasebotError as exc:
        raise _fail("rerank train", exc) from exc
    figures = stats[training.HELD_OUT]
    console.print(
        f"reranker ({stats['questions']} questions) written to {target}; authors held out: "
        f"evidence entries in the top 5 {figures['fused']:.3f} fused, "
        f"{figures['reranked']:.3f} reranked"
    )


@feedback_app.command("purge")
def feedback_purge(
    older_than: Annotated[
        str, typer.Option("--older-than", help="Delete ratings older than this: 90d, 12w, 48h.")
    ],
) -> None:
    """Delete old ratings (run it daily, e.g. from cron, to keep feedback for a set time)."""
    from casebot.feedback.store import FeedbackStore, parse_age

    settings = _settings("feedback purge")
    try:
        age = parse_age(older_than)
        store = FeedbackStore(settings.feedback_database_url)
        try:
            removed = store.purge(age)
        finally:
            store.close()
    except CasebotError as exc:
        raise _fail("feedback purge", exc) from exc
    console.print(f"{removed} ratings older than {older_than} deleted")


@tenants_app.command("new-key")
def tenants_new_key() -> None:
    """A new publishable key for a tenant's widget, and the hash that goes in tenants.yaml."""
    from casebot.tenants.keys import new_key

    key, digest = new_key()
    console.print(f"key (give it to the tenant, for the widget): {key}", highlight=False)
    console.print(f"key_sha256 (for tenants.yaml): {digest}", highlight=False)


@tenants_app.command("check")
def tenants_check(
    path: Annotated[Path | None, typer.Argument(help="Default: CASEBOT_TENANTS_FILE.")] = None,
) -> None:
    """Validate a tenants file as the server would at start-up."""
    from casebot.runtime import load_service_catalog
    from casebot.tenants.registry import load_tenants

    settings = _settings("tenants check")
    target = path or settings.tenants_file
    if target is None:
        _say("tenants check", "name a tenants file or set CASEBOT_TENANTS_FILE")
        raise typer.Exit(2)
    try:
        catalog = load_service_catalog(settings)
        tenants = load_tenants(target, catalog, settings.tenants_allow_examples)
    except CasebotError as exc:
        raise _fail("tenants check", exc) from exc
    local = sum(len(t.local_services) for t in tenants.tenants)
    console.print(f"{target}: {len(tenants.tenants)} tenants, {local} local services, valid")


if __name__ == "__main__":
    app()
