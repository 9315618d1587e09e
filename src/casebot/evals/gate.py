"""Pass or fail: absolute floors (evals/floors.yaml) plus no regression against the baseline."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from casebot.errors import UsageError
from casebot.evals.metrics import BY_NAME, METRICS, Metric, Value

BASELINE_SCHEMA = 1
_EPSILON = 1e-9  # floors like 1.0 must pass on 1.0 computed as a float ratio


@dataclass(frozen=True)
class Verdict:
    metric: Metric
    value: float | None
    n: int
    baseline: float | None
    peer: float | None
    floor: float | None
    below_floor: bool
    regressed: bool

    @property
    def name(self) -> str:
        return self.metric.name

    @property
    def failed(self) -> bool:
        return self.below_floor or self.regressed

    @property
    def status(self) -> str:
        if self.value is None:
            return "n/a"
        checks = (("floor", self.below_floor), ("regression", self.regressed))
        reasons = [reason for reason, bad in checks if bad]
        if reasons:
            return "FAIL " + "+".join(reasons)
        if self.floor is None and not (self.metric.regression and self.baseline is not None):
            return "info"
        return "pass"


def _gated(name: str, where: str) -> Metric:
    metric = BY_NAME.get(name)
    if metric is None:
        known = ", ".join(m.name for m in METRICS if m.better is not None)
        raise UsageError(f"{where}: unknown metric {name!r} (known: {known})")
    if metric.better is None:
        raise UsageError(f"{where}: {name} is descriptive and has no better direction")
    return metric


def _number(name: str, raw: str, where: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"{where}: {name} needs a number, got {raw.strip()!r}") from None
    if not math.isfinite(value):
        raise UsageError(f"{where}: {name} needs a finite number")
    return value


def parse_fail_under(items: Sequence[str]) -> dict[str, float]:
    """`metric=value` pairs; UsageError names the first one that is malformed or unknown."""
    floors: dict[str, float] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"--fail-under expects METRIC=VALUE, got {item!r}")
        floors[_gated(name, "--fail-under").name] = _number(name, raw, "--fail-under")
    return floors


def load_floors(path: Path) -> dict[str, float]:
    """The floors file: every name a gated metric, every value a number."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise UsageError(f"floors {path} are unreadable: {type(exc).__name__}") from exc
    if not isinstance(raw, dict):
        raise UsageError(f"floors {path} must map metric names to values")
    return {
        _gated(str(k), str(path)).name: _number(str(k), str(v), str(path)) for k, v in raw.items()
    }


def _below(metric: Metric, value: float, floor: float) -> bool:
    if metric.better == "lower":
        return value > floor + _EPSILON
    return value < floor - _EPSILON


def _regressed(
    metric: Metric, value: float, base: float, tolerance: float, n: int | None = None
) -> bool:
    """Worse than the baseline by more than the tolerance, and, for a share over few cases,
    by more than one case can move it (1/n): a coverage over 13 support questions moves by
    0.04 when one answer states one fact of two fewer, which says nothing about the change."""
    if not metric.regression or metric.better is None:
        return False
    allowed = tolerance if metric.fraction else tolerance * abs(base)
    if metric.fraction and n:
        allowed = max(allowed, 1.0 / n)
    if metric.better == "lower":
        return value > base + allowed + _EPSILON
    return value < base - allowed - _EPSILON


def evaluate(
    values: Mapping[str, Value],
    peer: Mapping[str, Value],
    floors: Mapping[str, float],
    baseline: Mapping[str, float] | None,
    tolerance: float,
) -> list[Verdict]:
    """One verdict per metric this run measured (in the order of METRICS)."""
    verdicts = []
    for metric in METRICS:
        if metric.name not in values:
            continue
        value = values[metric.name].value
        floor = floors.get(metric.name)
        base = (baseline or {}).get(metric.name)
        verdicts.append(
            Verdict(
                metric=metric,
                value=value,
                n=values[metric.name].n,
                baseline=base,
                peer=peer[metric.name].value if metric.name in peer else None,
                floor=floor,
                below_floor=value is not None
                and floor is not None
                and _below(metric, value, floor),
                regressed=value is not None
                and base is not None
                and _regressed(metric, value, base, tolerance, values[metric.name].n),
            )
        )
    return verdicts


def read_baseline(path: Path) -> dict[str, float] | None:
    """The stored metrics, or None when there is no baseline file yet."""
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        metrics = data["metrics"]
        return {str(k): float(v) for k, v in metrics.items() if v is not None}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UsageError(f"baseline {path} is unreadable: {type(exc).__name__}: {exc}") from exc


def write_baseline(
    path: Path,
    values: Mapping[str, Value],
    peer: Mapping[str, Value],
    context: Mapping[str, Any],
) -> None:
    def plain(vals: Mapping[str, Value]) -> dict[str, float]:
        return {k: v.value for k, v in vals.items() if v.value is not None}

    data = {
        "schema": BASELINE_SCHEMA,
        "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "context": dict(context),
        "metrics": plain(values),
        "peer": plain(peer),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")
