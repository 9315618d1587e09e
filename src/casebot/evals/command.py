"""The eval run behind `casebot eval`: validate, run, gate, report; returns the exit code.

Exit codes: 0 every floor met and nothing regressed; 1 a floor missed or a metric worse
than the baseline by more than the tolerance; 2 a usage problem (bad option, unreadable
dataset or baseline, a corpus that cannot be indexed), reported in one line.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from rich import box
from rich.console import Console
from rich.table import Table

from casebot.config import Settings
from casebot.errors import CasebotError, UsageError
from casebot.evals import (
    DEFAULT_BASELINE,
    DEFAULT_DATASETS,
    DEFAULT_REPORT_DIR,
    DEFAULT_TOLERANCE,
    FLOORS,
    SAFETY_EXPECTATIONS,
)
from casebot.evals.dataset import Dataset, load_datasets
from casebot.evals.gate import (
    Verdict,
    evaluate,
    load_floors,
    parse_fail_under,
    read_baseline,
    write_baseline,
)
from casebot.evals.judge import ChatJudge, Judge
from casebot.evals.metrics import by_tag, measure
from casebot.evals.report import build_report, fmt, write_junit, write_reports
from casebot.evals.runner import CaseRecord, run
from casebot.evals.safety import Expectations, load_expectations
from casebot.evals.systems import Wiring, build_wiring
from casebot.openai_compat import http_client
from casebot.progress import Reporter, rich_reporter
from casebot.runtime import CATALOG_PATH, llm_endpoint
from casebot.safety.catalog import load_catalog
from casebot.safety.data import Split

# The table's status column in a few characters, so the table fits an 80-column CI log;
# the lines under the table spell the failures out.
_SHORT_STATUS = {"FAIL regression": "FAIL regress", "FAIL floor+regression": "FAIL both"}
BuildWiring = Callable[[Settings, httpx.Client, Reporter, bool], Wiring]
MakeJudge = Callable[[Settings, httpx.Client], Judge]


@dataclass(frozen=True)
class EvalOptions:
    """The command line of `casebot eval`, parsed."""

    datasets: Sequence[Path] = DEFAULT_DATASETS
    baseline: Path = DEFAULT_BASELINE
    baseline_given: bool = False  # an explicit --baseline must exist (unless being written)
    update_baseline: bool = False
    fail_under: Sequence[str] = ()
    tolerance: float = DEFAULT_TOLERANCE
    report_dir: Path = DEFAULT_REPORT_DIR
    junit: Path | None = None
    peer: bool = True
    judged: bool = False
    # The author directories' split: dev is tuned on and gated; test is the sealed split,
    # read only to report (no floors, no baseline).
    split: Split = "dev"


@dataclass(frozen=True)
class _Inputs:
    """What a run reads before it starts: all checked, so a bad one costs no indexing."""

    floors: dict[str, float]
    datasets: list[Dataset]
    baseline: dict[str, float] | None
    judge: Judge | None
    lines: Expectations


def chat_judge(settings: Settings, http: httpx.Client) -> Judge:
    endpoint = llm_endpoint(settings, http)
    if endpoint is None:
        raise UsageError("--judged needs CASEBOT_LLM_BASE_URL (an OpenAI-compatible endpoint)")
    return ChatJudge(endpoint, settings.llm_model)


def fail(console: Console, message: str) -> int:
    console.print(f"casebot eval: {message}", markup=False, highlight=False, soft_wrap=True)
    return 2


def run_eval(
    options: EvalOptions,
    settings: Settings,
    console: Console | None = None,
    errors: Console | None = None,
    build: BuildWiring = build_wiring,
    make_judge: MakeJudge = chat_judge,
) -> int:
    """The whole command, minus argument parsing; returns the exit code."""
    console = console or Console()
    errors = errors or Console(stderr=True)
    started = time.perf_counter()
    with http_client() as http:
        try:
            inputs = _prepare(options, settings, http, make_judge)
            with rich_reporter(console) as reporter:
                wiring = build(settings, http, reporter, options.peer)
                try:
                    records = run(
                        inputs.datasets,
                        wiring.subject,
                        wiring.peer,
                        reporter,
                        inputs.judge,
                        lines=inputs.lines,
                    )
                finally:
                    wiring.close()
        except UsageError as exc:
            return fail(errors, str(exc))
        except CasebotError as exc:
            return fail(errors, f"{type(exc).__name__}: {exc}")
    return _report(options, inputs, wiring, records, console, errors, started)


def _prepare(
    options: EvalOptions, settings: Settings, http: httpx.Client, make_judge: MakeJudge
) -> _Inputs:
    floors = {**load_floors(FLOORS), **parse_fail_under(options.fail_under)}
    if options.tolerance < 0:
        raise UsageError("--tolerance must not be negative")
    sealed = options.split == "test"
    if sealed and (options.update_baseline or options.fail_under):
        raise UsageError("the sealed test split is reported only: no baseline, no floors")
    datasets = load_datasets(options.datasets, options.split)
    baseline = None if sealed else read_baseline(options.baseline)
    if sealed:
        floors = {}
    if baseline is None and options.baseline_given and not options.update_baseline:
        raise UsageError(f"baseline {options.baseline} not found (use --update-baseline)")
    judge = make_judge(settings, http) if options.judged else None
    catalog = load_catalog(settings.knowledge_dir / CATALOG_PATH)
    lines = load_expectations(SAFETY_EXPECTATIONS, [s.id for s in catalog.services])
    return _Inputs(floors, datasets, baseline, judge, lines)


def _report(
    options: EvalOptions,
    inputs: _Inputs,
    wiring: Wiring,
    records: list[CaseRecord],
    console: Console,
    errors: Console,
    started: float,
) -> int:
    """Gate the run, write the reports (and the baseline, when asked) and say the verdict."""
    system = wiring.subject.retrieval.name
    peer = wiring.peer.name if wiring.peer else None
    values = measure(records, system)
    peer_values = measure(records, peer, peer_only=True) if peer else {}
    verdicts = evaluate(values, peer_values, inputs.floors, inputs.baseline, options.tolerance)
    if options.update_baseline:
        # Writing a new baseline on purpose: compare for display, never fail on it.
        verdicts = [dataclasses.replace(v, regressed=False) for v in verdicts]
    code = 1 if any(v.failed for v in verdicts) else 0
    duration = time.perf_counter() - started
    notes = _notes(options, inputs.baseline is not None, wiring)
    report = build_report(
        verdicts,
        records,
        by_tag(records, system, peer),
        _context(options, inputs, wiring),
        code,
        duration,
        notes,
    )
    try:
        paths = write_reports(report, options.report_dir)
        if options.junit is not None:
            write_junit(options.junit, verdicts, duration)
        if options.update_baseline:
            write_baseline(options.baseline, values, peer_values, wiring.context)
    except OSError as exc:
        return fail(errors, f"cannot write the report: {exc}")
    _say(console, verdicts, records, wiring, code, duration, paths[2])
    return code


def _context(options: EvalOptions, inputs: _Inputs, wiring: Wiring) -> dict[str, Any]:
    return {
        **wiring.context,
        "datasets": [
            {"name": d.name, "kind": d.kind, "path": str(d.path), "cases": len(d)}
            for d in inputs.datasets
        ],
        "split": options.split,
        "tolerance": options.tolerance,
        "baseline": str(options.baseline),
        "judged": options.judged,
    }


def _notes(options: EvalOptions, had_baseline: bool, wiring: Wiring) -> list[str]:
    notes = []
    if options.split == "test":
        notes.append("sealed test split: reported only, never gated or tuned on")
    elif options.update_baseline:
        notes.append(f"baseline updated: {options.baseline}")
    elif not had_baseline:
        notes.append(f"no baseline at {options.baseline}: regression check skipped")
    if wiring.peer is not None:
        notes.append(
            f"peer retrieval is scored at its own depth k={wiring.peer.k} "
            f"against casebot's k={wiring.subject.retrieval.k}"
        )
    return notes


def _say(
    console: Console,
    verdicts: Sequence[Verdict],
    records: Sequence[CaseRecord],
    wiring: Wiring,
    code: int,
    duration: float,
    html: Path,
) -> None:
    console.print(verdict_table(verdicts, wiring.peer.k if wiring.peer else None))
    failing = sum(1 for r in records if r.failed)
    console.print(
        f"{'PASS' if code == 0 else 'FAIL'}: {len(records)} answers, {failing} failing cases, "
        f"{duration:.1f} s. Report: {html}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    for v in verdicts:
        if v.failed:
            console.print(f"  {v.name}: {v.status}", markup=False, highlight=False)


def _peer_cell(v: Verdict) -> str:
    if v.peer is None:
        return "-"
    fraction = v.metric.fraction
    if v.value is None:
        return fmt(v.peer, fraction)
    return f"{fmt(v.peer, fraction)} ({v.value - v.peer:+.3f})"


def verdict_table(verdicts: Sequence[Verdict], peer_k: int | None) -> Table:
    title = "casebot eval" + (f" (peer: vanilla LangChain, k={peer_k})" if peer_k else "")
    table = Table(
        title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True
    )
    table.add_column("metric", no_wrap=True)
    for name in ("value", "base", "peer (margin)", "floor"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for v in verdicts:
        fraction = v.metric.fraction
        style = "red" if v.failed else ("green" if v.status == "pass" else "dim")
        table.add_row(
            v.name,
            fmt(v.value, fraction),
            fmt(v.baseline, fraction),
            _peer_cell(v),
            fmt(v.floor, fraction),
            _SHORT_STATUS.get(v.status, v.status),
            style=style,
        )
    return table
