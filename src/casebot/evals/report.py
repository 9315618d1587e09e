"""The eval report as data, and its JSON, Markdown and JUnit renderings.

Eval questions are invented test data, not user messages, so the report may hold them and
the answers given to them: it is the only place casebot writes message text.
"""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from casebot.evals.aggregate import TagRow
from casebot.evals.gate import Verdict
from casebot.evals.records import CaseRecord
from casebot.evals.registry import BY_NAME

REPORT_SCHEMA = 1


def build_report(
    verdicts: Sequence[Verdict],
    records: Sequence[CaseRecord],
    tags: Sequence[TagRow],
    context: Mapping[str, Any],
    exit_code: int,
    duration_s: float,
    notes: Sequence[str] = (),
) -> dict[str, Any]:
    failing = [r for r in records if r.failed]
    return {
        "schema": REPORT_SCHEMA,
        "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "duration_s": round(duration_s, 2),
        "exit_code": exit_code,
        "passed": exit_code == 0,
        "summary": {"answers": len(records), "failing_cases": len(failing)},
        "context": dict(context),
        "notes": list(notes),
        "metrics": [
            {
                **asdict(v),
                "status": v.status,
                "margin": v.value - v.peer if v.value is not None and v.peer is not None else None,
                "better": BY_NAME[v.name].better,
                "fraction": BY_NAME[v.name].fraction,
                "description": BY_NAME[v.name].description,
            }
            for v in verdicts
        ],
        "tags": [asdict(t) for t in tags],
        "cases": [r.to_json() for r in records],
    }


def write_reports(report: Mapping[str, Any], directory: Path, html: str) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / "report.json", directory / "report.md", directory / "report.html"]
    paths[0].write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    paths[1].write_text(render_markdown(report), encoding="utf-8")
    paths[2].write_text(html, encoding="utf-8")
    return paths


def fmt(value: float | None, fraction: bool = True) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if fraction else f"{value:.1f}"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Mapping[str, Any]) -> str:
    ctx = report["context"]
    lines = [
        "# casebot eval report",
        "",
        f"- created: {report['created']} ({report['duration_s']} s)",
        f"- result: {'PASS' if report['passed'] else 'FAIL'} (exit {report['exit_code']})",
        f"- index: {ctx.get('index_version', '-')}, embedder {ctx.get('embedder', '-')}",
        f"- answers: {report['summary']['answers']}, "
        f"failing cases: {report['summary']['failing_cases']}",
    ]
    peer = ctx.get("peer")
    if peer:
        lines.append(
            f"- peer: vanilla LangChain, {peer['splitter']}, k={peer['k']}, {peer['chunks']} chunks"
        )
    lines += [f"- note: {note}" for note in report["notes"]]
    lines += [
        "",
        "## Metrics",
        "",
        "| metric | value | n | baseline | peer | margin | floor | status |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for m in report["metrics"]:
        frac = m["fraction"]
        lines.append(
            f"| {m['name']} | {fmt(m['value'], frac)} | {m['n']} | {fmt(m['baseline'], frac)} "
            f"| {fmt(m['peer'], frac)} | {fmt(m['margin'], frac)} | {fmt(m['floor'], frac)} "
            f"| {m['status']} |"
        )
    lines += [
        "",
        "## By tag",
        "",
        "| tag | cases | failing | coverage | recall | peer recall |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for t in report["tags"]:
        lines.append(
            f"| {_md_cell(t['tag'])} | {t['cases']} | {t['failing']} | {fmt(t['coverage'])} "
            f"| {fmt(t['recall'])} | {fmt(t['peer_recall'])} |"
        )
    failing = [c for c in report["cases"] if c["problems"]]
    lines += ["", f"## Failing cases ({len(failing)})", ""]
    for case in failing:
        lines += [
            f"### {case['case_id']} ({case['dataset']})",
            "",
            f"- question: {_md_cell(case['question'])}",
            f"- answer ({case['scope']}, safety {case['safety_level']}): "
            f"{_md_cell(case['answer'])}",
        ]
        lines += [f"- problem: {_md_cell(p)}" for p in case["problems"]]
        lines.append("")
    return "\n".join(lines) + "\n"


def write_junit(path: Path, verdicts: Sequence[Verdict], duration_s: float) -> None:
    """One test case per gated metric, so CI shows which floor or baseline failed."""
    suite = ET.Element(
        "testsuite",
        name="casebot-eval",
        tests=str(len(verdicts)),
        failures=str(sum(1 for v in verdicts if v.failed)),
        time=f"{duration_s:.2f}",
    )
    for v in verdicts:
        case = ET.SubElement(suite, "testcase", classname="casebot.eval", name=v.name)
        if v.value is None:
            ET.SubElement(case, "skipped", message="not measured in this run")
        elif v.failed:
            reasons = []
            if v.below_floor:
                lower = BY_NAME[v.name].better == "lower"
                side = "above the ceiling" if lower else "below the floor"
                reasons.append(f"value {v.value:.4f} is {side} {v.floor}")
            if v.regressed:
                reasons.append(f"value {v.value:.4f} regressed from baseline {v.baseline:.4f}")
            ET.SubElement(case, "failure", message="; ".join(reasons))
    path.parent.mkdir(parents=True, exist_ok=True)
    root = ET.Element("testsuites")
    root.append(suite)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
