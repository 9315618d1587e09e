"""`casebot eval` as a typer command; kept light so `casebot --help` stays fast.

The run itself lives in casebot.evals.command and is imported when the command runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import typer

EVALS_DIR = Path(__file__).resolve().parents[3] / "evals"
DATASETS_DIR = EVALS_DIR / "datasets"
DEFAULT_DATASETS = ("qa.yaml", "conversations.yaml", "safety.yaml")
DEFAULT_BASELINE = EVALS_DIR / "baseline.json"
DEFAULT_REPORT_DIR = EVALS_DIR / "reports"


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
    from rich.console import Console

    from casebot.config import Settings
    from casebot.evals.command import fail, run_eval

    try:
        settings = Settings()
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        message = "bad settings: " + " ".join(str(exc).split())
        raise typer.Exit(fail(Console(stderr=True), message)) from None
    raise typer.Exit(run_eval(options, settings))
