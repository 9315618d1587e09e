"""Pass or fail: absolute floors plus no regression against the stored baseline."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from casebot.evals.aggregate import Value
from casebot.evals.registry import BY_NAME, DEFAULT_FLOORS, METRICS

BASELINE_SCHEMA = 1
_EPSILON = 1e-9  # floors like 1.0 must pass on 1.0 computed as a float ratio


class UsageError(Exception):
    """A bad command line or input file: exit code 2 with this one-line message."""


@dataclass(frozen=True)
class Verdict:
    name: str
    value: float | None
    n: int
    baseline: float | None
    peer: float | None
    floor: float | None
    below_floor: bool
    regressed: bool

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
        if self.floor is None and not (BY_NAME[self.name].regression and self.baseline is not None):
            return "info"
        return "pass"


def parse_fail_under(items: Sequence[str]) -> dict[str, float]:
    """`metric=value` pairs; UsageError names the first one that is malformed or unknown."""
    floors: dict[str, float] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"--fail-under expects METRIC=VALUE, got {item!r}")
        spec = BY_NAME.get(name)
        if spec is None:
            known = ", ".join(m.name for m in METRICS if m.better is not None)
            raise UsageError(f"--fail-under: unknown metric {name!r} (known: {known})")
        if spec.better is None:
            raise UsageError(f"--fail-under: {name} is descriptive and has no better direction")
        try:
            value = float(raw)
        except ValueError:
            raise UsageError(f"--fail-under: {name} needs a number, got {raw.strip()!r}") from None
        if not math.isfinite(value):
            raise UsageError(f"--fail-under: {name} needs a finite number")
        floors[name] = value
    return floors


def floors_with(overrides: Mapping[str, float]) -> dict[str, float]:
    return {**DEFAULT_FLOORS, **overrides}


def _below(better: str | None, value: float, floor: float) -> bool:
    if better == "lower":
        return value > floor + _EPSILON
    return value < floor - _EPSILON


def _regressed(name: str, value: float, base: float, tolerance: float) -> bool:
    spec = BY_NAME[name]
    if not spec.regression or spec.better is None:
        return False
    allowed = tolerance if spec.fraction else tolerance * abs(base)
    if spec.better == "lower":
        return value > base + allowed + _EPSILON
    return value < base - allowed - _EPSILON


def evaluate(
    values: Mapping[str, Value],
    peer: Mapping[str, Value],
    floors: Mapping[str, float],
    baseline: Mapping[str, float] | None,
    tolerance: float,
) -> list[Verdict]:
    """One verdict per metric this run measured (in registry order)."""
    verdicts = []
    for spec in METRICS:
        if spec.name not in values:
            continue
        measured = values[spec.name]
        floor = floors.get(spec.name)
        base = (baseline or {}).get(spec.name)
        value = measured.value
        verdicts.append(
            Verdict(
                name=spec.name,
                value=value,
                n=measured.n,
                baseline=base,
                peer=peer[spec.name].value if spec.name in peer else None,
                floor=floor,
                below_floor=(
                    value is not None and floor is not None and _below(spec.better, value, floor)
                ),
                regressed=(
                    value is not None
                    and base is not None
                    and _regressed(spec.name, value, base, tolerance)
                ),
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
