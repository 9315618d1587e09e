"""`casebot eval`: run the suite, print the verdict table, write reports, exit 0, 1 or 2.

Exit codes: 0 every floor met and nothing regressed; 1 a floor missed or a metric worse
than the baseline by more than the tolerance; 2 a usage problem (bad option, unreadable
dataset or baseline, a corpus that cannot be indexed), reported in one line.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from casebot.config import Settings
from casebot.errors import CasebotError
from casebot.evals.aggregate import by_tag, retrieval_metrics, subject_metrics
from casebot.evals.dataset import DatasetError, load_datasets
from casebot.evals.gate import (
    UsageError,
    Verdict,
    evaluate,
    floors_with,
    parse_fail_under,
    read_baseline,
    write_baseline,
)
from casebot.evals.html import render_html
from casebot.evals.judge import ChatJudge, Judge
from casebot.evals.registry import BY_NAME
from casebot.evals.report import build_report, fmt, write_junit, write_reports
from casebot.evals.runner import run
from casebot.evals.wiring import Wiring, build_wiring
from casebot.progress import Reporter, RichReporter

EVALS_DIR = Path(__file__).resolve().parents[3] / "evals"
DATASETS_DIR = EVALS_DIR / "datasets"
DEFAULT_DATASETS = ("qa.yaml", "conversations.yaml", "safety.yaml")
DEFAULT_BASELINE = EVALS_DIR / "baseline.json"
DEFAULT_REPORT_DIR = EVALS_DIR / "reports"

BuildWiring = Callable[[Settings, Reporter, bool], Wiring]
MakeJudge = Callable[[Settings], Judge]


@dataclass(frozen=True)
class EvalOptions:
    datasets: Sequence[Path] = tuple(DATASETS_DIR / name for name in DEFAULT_DATASETS)
    baseline: Path = DEFAULT_BASELINE
    baseline_given: bool = False  # an explicit --baseline must exist (unless being written)
    update_baseline: bool = False
    fail_under: Sequence[str] = ()
    tolerance: float = 0.02
    report_dir: Path = DEFAULT_REPORT_DIR
    junit: Path | None = None
    peer: bool = True
    judged: bool = False


def chat_judge(settings: Settings) -> Judge:
    if not settings.llm_base_url:
        raise UsageError("--judged needs CASEBOT_LLM_BASE_URL (an OpenAI-compatible endpoint)")
    return ChatJudge(
        settings.llm_base_url, settings.llm_model, settings.llm_api_key, settings.llm_timeout_s
    )


def _build(settings: Settings, reporter: Reporter, with_peer: bool) -> Wiring:
    return build_wiring(settings, reporter, with_peer)


@contextmanager
def _progress(console: Console) -> Iterator[Reporter]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    columns = (
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        yield RichReporter(progress)


def _fail(console: Console, message: str) -> int:
    console.print(f"casebot eval: {message}", markup=False, highlight=False, soft_wrap=True)
    return 2


def run_eval(
    options: EvalOptions,
    settings: Settings,
    console: Console | None = None,
    errors: Console | None = None,
    build: BuildWiring = _build,
    make_judge: MakeJudge = chat_judge,
) -> int:
    """The whole command, minus argument parsing; returns the exit code."""
    console = console or Console()
    errors = errors or Console(stderr=True)
    started = time.perf_counter()
    try:
        floors = floors_with(parse_fail_under(options.fail_under))
        if options.tolerance < 0:
            raise UsageError("--tolerance must not be negative")
        datasets = load_datasets(options.datasets)
        baseline = read_baseline(options.baseline)
        if baseline is None and options.baseline_given and not options.update_baseline:
            raise UsageError(f"baseline {options.baseline} not found (use --update-baseline)")
        judge = make_judge(settings) if options.judged else None
    except (UsageError, DatasetError) as exc:
        return _fail(errors, str(exc))

    try:
        with _progress(console) as reporter:
            wiring = build(settings, reporter, options.peer)
            try:
                records = run(datasets, wiring.subject, wiring.peer, reporter, judge)
            finally:
                wiring.close()
                if isinstance(judge, ChatJudge):
                    judge.close()
    except CasebotError as exc:
        return _fail(errors, f"{type(exc).__name__}: {exc}")

    system = wiring.subject.retrieval.name
    values = subject_metrics(records, system)
    peer_values = retrieval_metrics(records, wiring.peer.name) if wiring.peer else {}
    verdicts = evaluate(values, peer_values, floors, baseline, options.tolerance)
    notes = []
    if options.update_baseline:
        # Writing a new baseline on purpose: compare for display, never fail on it.
        verdicts = [dataclasses.replace(v, regressed=False) for v in verdicts]
        notes.append(f"baseline updated: {options.baseline}")
    elif baseline is None:
        notes.append(f"no baseline at {options.baseline}: regression check skipped")
    if wiring.peer is not None:
        notes.append(
            f"peer retrieval is scored at its own depth k={wiring.peer.k} "
            f"against casebot's k={wiring.subject.retrieval.k}"
        )
    code = 1 if any(v.failed for v in verdicts) else 0
    duration = time.perf_counter() - started
    context = {
        **wiring.context,
        "datasets": [
            {"name": d.name, "kind": d.kind, "path": str(d.path), "cases": len(d)} for d in datasets
        ],
        "tolerance": options.tolerance,
        "baseline": str(options.baseline),
        "judged": options.judged,
    }
    report = build_report(
        verdicts,
        records,
        by_tag(records, system, wiring.peer.name if wiring.peer else None),
        context,
        code,
        duration,
        notes,
    )
    try:
        paths = write_reports(report, options.report_dir, render_html(report))
        if options.junit is not None:
            write_junit(options.junit, verdicts, duration)
        if options.update_baseline:
            write_baseline(options.baseline, values, peer_values, wiring.context)
    except OSError as exc:
        return _fail(errors, f"cannot write the report: {exc}")

    console.print(verdict_table(verdicts, wiring.peer.k if wiring.peer else None))
    failing = sum(1 for r in records if r.failed)
    console.print(
        f"{'PASS' if code == 0 else 'FAIL'}: {len(records)} answers, {failing} failing cases, "
        f"{duration:.1f} s. Report: {paths[2]}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    for v in verdicts:
        if v.failed:
            console.print(f"  {v.name}: {v.status}", markup=False, highlight=False)
    return code


def _peer_cell(v: Verdict) -> str:
    if v.peer is None:
        return "-"
    spec = BY_NAME[v.name]
    if v.value is None:
        return fmt(v.peer, spec.fraction)
    return f"{fmt(v.peer, spec.fraction)} ({v.value - v.peer:+.3f})"


def verdict_table(verdicts: Sequence[Verdict], peer_k: int | None) -> Table:
    table = Table(title="casebot eval", box=box.SIMPLE_HEAD)
    table.add_column("metric", no_wrap=True)
    for name in ("value", "baseline", f"peer k={peer_k} (margin)" if peer_k else "peer", "floor"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for v in verdicts:
        frac = BY_NAME[v.name].fraction
        style = "red" if v.failed else ("green" if v.status == "pass" else "dim")
        table.add_row(
            v.name,
            fmt(v.value, frac),
            fmt(v.baseline, frac),
            _peer_cell(v),
            fmt(v.floor, frac),
            v.status,
            style=style,
        )
    return table


def eval_command(
    dataset: list[Path] | None = typer.Option(
        None, "--dataset", help="A dataset YAML file; repeat for several. Default: all three."
    ),
    baseline: Path | None = typer.Option(
        None, "--baseline", help=f"Baseline JSON to compare with. Default: {DEFAULT_BASELINE}"
    ),
    update_baseline: bool = typer.Option(
        False, "--update-baseline", help="Write this run's metrics as the new baseline."
    ),
    fail_under: list[str] | None = typer.Option(
        None,
        "--fail-under",
        help="METRIC=VALUE, the worst acceptable value (a ceiling for lower-better metrics); "
        "repeatable, overrides the built-in floors.",
    ),
    tolerance: float = typer.Option(
        0.02, "--tolerance", help="Allowed drop below the baseline before a run fails."
    ),
    report_dir: Path = typer.Option(
        DEFAULT_REPORT_DIR, "--report-dir", help="Where report.json, .md and .html go."
    ),
    junit: Path | None = typer.Option(None, "--junit", help="Also write a JUnit XML file here."),
    no_peer: bool = typer.Option(False, "--no-peer", help="Skip the vanilla LangChain peer."),
    judged: bool = typer.Option(
        False, "--judged", help="Add model-judged faithfulness and relevance (needs an LLM)."
    ),
) -> None:
    """Score casebot on the eval datasets, beside a vanilla LangChain peer; gate for CI."""
    options = EvalOptions(
        datasets=tuple(dataset) if dataset else EvalOptions.datasets,
        baseline=baseline or DEFAULT_BASELINE,
        baseline_given=baseline is not None,
        update_baseline=update_baseline,
        fail_under=tuple(fail_under or ()),
        tolerance=tolerance,
        report_dir=report_dir,
        junit=junit,
        peer=not no_peer,
        judged=judged,
    )
    try:
        settings = Settings()
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        message = "bad settings: " + " ".join(str(exc).split())
        raise typer.Exit(_fail(Console(stderr=True), message)) from None
    raise typer.Exit(run_eval(options, settings))
