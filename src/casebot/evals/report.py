"""The eval report as data, and its JSON, Markdown, HTML and JUnit renderings.

Eval questions are invented test data, not user messages, so the report may hold them and
the answers given to them: it is the only place casebot writes message text.
"""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from html import escape
from pathlib import Path
from typing import Any

from casebot.evals.gate import Verdict
from casebot.evals.metrics import TagRow
from casebot.evals.runner import CaseRecord
from casebot.evals.safety import Counted, summary

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
        "metrics": [_metric(v) for v in verdicts],
        "tags": [asdict(t) for t in tags],
        "safety": safety_section(records),
        "cases": [r.to_json() for r in records],
    }


def safety_section(records: Sequence[CaseRecord]) -> dict[str, Any]:
    """The safety figures with Wilson 95% intervals, per split and per author and register,
    and the ordinary questions refused."""
    counted = [
        Counted(r.split or "dev", r.author or r.dataset, r.register or "", r.safety_counts)
        for r in records
        if r.safety_counts
    ]
    section = summary(counted)
    ordinary = [r for r in records if r.ordinary_question]
    section["questions_refused"] = {
        split: {
            "refused": sum(1 for r in ordinary if r.split == split and r.scope == "refused"),
            "questions": sum(1 for r in ordinary if r.split == split),
        }
        for split in sorted({r.split or "" for r in ordinary})
    }
    return section


def _metric(v: Verdict) -> dict[str, Any]:
    return {
        "name": v.name,
        "value": v.value,
        "n": v.n,
        "baseline": v.baseline,
        "peer": v.peer,
        "floor": v.floor,
        "below_floor": v.below_floor,
        "regressed": v.regressed,
        "status": v.status,
        "margin": v.value - v.peer if v.value is not None and v.peer is not None else None,
        "better": v.metric.better,
        "fraction": v.metric.fraction,
        "description": v.metric.description,
    }


def write_reports(report: Mapping[str, Any], directory: Path) -> list[Path]:
    """report.json, report.md and report.html in `directory`, in that order."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / "report.json", directory / "report.md", directory / "report.html"]
    paths[0].write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    paths[1].write_text(render_markdown(report), encoding="utf-8")
    paths[2].write_text(render_html(report), encoding="utf-8")
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
    lines += _safety_markdown(report.get("safety", {}))
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
        if case.get("rules") or case.get("scores"):
            lines.append(f"- rules fired: {', '.join(case.get('rules') or []) or 'none'}")
            scores = ", ".join(f"{k} {v:.3f}" for k, v in (case.get("scores") or {}).items())
            lines.append(f"- scores: {scores or '-'}")
        lines.append("")
    return "\n".join(lines) + "\n"


def _interval(figure: Mapping[str, Any]) -> str:
    if figure["value"] is None:
        return "-"
    low, high = figure["wilson_95"]
    return (
        f"{figure['value']:.3f} ({figure['successes']}/{figure['n']}; "
        f"95% CI {low:.3f}-{high:.3f})"
    )


def _safety_markdown(section: Mapping[str, Any]) -> list[str]:
    if not section or not section.get("splits"):
        return []
    lines = ["", "## Safety (Wilson 95% intervals)", ""]
    lines += ["| split | figure | value |", "|---|---|---|"]
    for split, figures in section["splits"].items():
        lines += [f"| {split} | {f['name']} | {_interval(f)} |" for f in figures]
    lines += ["", "| split | author | register | figure | value |", "|---|---|---|---|---|"]
    for a in section["authors"]:
        for f in a["figures"]:
            lines.append(
                f"| {a['split']} | {a['author']} | {_md_cell(a['register'])} | {f['name']} "
                f"| {_interval(f)} |"
            )
    refused = section.get("questions_refused", {})
    if refused:
        lines += ["", "Ordinary questions refused: " + ", ".join(
            f"{split} {v['refused']} of {v['questions']}" for split, v in refused.items()
        )]
    return lines


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
                lower = v.metric.better == "lower"
                side = "above the ceiling" if lower else "below the floor"
                reasons.append(f"value {v.value:.4f} is {side} {v.floor}")
            if v.regressed:
                reasons.append(f"value {v.value:.4f} regressed from baseline {v.baseline:.4f}")
            ET.SubElement(case, "failure", message="; ".join(reasons))
    path.parent.mkdir(parents=True, exist_ok=True)
    root = ET.Element("testsuites")
    root.append(suite)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


# report.html: one self-contained file (inline CSS and SVG, no scripts, fonts or links out).
_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;
color:#1b1f24;padding:0 1rem}
h1{margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#f6f8fa}
.pass{color:#1a7f37;font-weight:600}.fail{color:#cf222e;font-weight:700}.info,.na{color:#57606a}
.banner{padding:.6rem 1rem;border-radius:6px;font-weight:600;margin:1rem 0}
.banner.ok{background:#dafbe1}.banner.bad{background:#ffebe9}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(21rem,1fr));gap:.8rem}
.chart{border:1px solid #d0d7de;border-radius:6px;padding:.4rem .6rem}
.chart h3{font-size:.9rem;margin:.1rem 0 .3rem}
.legend span{display:inline-block;margin-right:1rem}
.swatch{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-1px}
details{border:1px solid #d0d7de;border-radius:6px;margin:.4rem 0;padding:.3rem .6rem}
summary{cursor:pointer;font-weight:600}
.problem{color:#cf222e}.muted{color:#57606a}blockquote{margin:.2rem 0 .2rem 1rem;color:#3d444d}
"""
_COLOURS = {"casebot": "#0969da", "baseline": "#8c959f", "peer": "#bf8700"}


def _status_class(status: str) -> str:
    if status.startswith("FAIL"):
        return "fail"
    return {"pass": "pass", "info": "info"}.get(status, "na")


def _chart(metric: Mapping[str, Any]) -> str:
    bars = [
        (label, metric[key])
        for label, key in (("casebot", "value"), ("baseline", "baseline"), ("peer", "peer"))
        if metric[key] is not None
    ]
    if not bars:
        return ""
    frac = metric["fraction"]
    values = [v for _, v in bars] + ([metric["floor"]] if metric["floor"] is not None else [])
    top = 1.0 if frac else max(max(values) * 1.1, 1e-9)
    width, label_w, bar_h, gap = 320, 70, 16, 6
    plot = width - label_w - 60
    height = len(bars) * (bar_h + gap) + gap
    parts = [
        f'<svg width="{width}" height="{height}" role="img" aria-label="{escape(metric["name"])}">'
    ]
    for i, (label, value) in enumerate(bars):
        y = gap + i * (bar_h + gap)
        w = max(0.0, min(1.0, value / top)) * plot
        parts.append(
            f'<text x="0" y="{y + bar_h - 4}" font-size="11">{label}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" '
            f'fill="{_COLOURS[label]}"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h - 4}" font-size="11">'
            f"{fmt(value, frac)}</text>"
        )
    if metric["floor"] is not None and 0 <= metric["floor"] <= top:
        x = label_w + metric["floor"] / top * plot
        parts.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height}" stroke="#cf222e" '
            f'stroke-dasharray="3,2"><title>floor {metric["floor"]}</title></line>'
        )
    parts.append("</svg>")
    return (
        f'<div class="chart"><h3>{escape(metric["name"])} '
        f'<span class="{_status_class(metric["status"])}">{escape(metric["status"])}</span></h3>'
        + "".join(parts)
        + "</div>"
    )


def _metrics_table(metrics: Sequence[Mapping[str, Any]]) -> str:
    rows = []
    for m in metrics:
        frac = m["fraction"]
        rows.append(
            f'<tr><td title="{escape(m["description"])}">{escape(m["name"])}</td>'
            f'<td class="num">{fmt(m["value"], frac)}</td><td class="num">{m["n"]}</td>'
            f'<td class="num">{fmt(m["baseline"], frac)}</td>'
            f'<td class="num">{fmt(m["peer"], frac)}</td>'
            f'<td class="num">{fmt(m["margin"], frac)}</td>'
            f'<td class="num">{fmt(m["floor"], frac)}</td>'
            f'<td class="{_status_class(m["status"])}">{escape(m["status"])}</td></tr>'
        )
    return (
        "<table><tr><th>metric</th><th>value</th><th>n</th><th>baseline</th><th>peer</th>"
        "<th>margin</th><th>floor</th><th>status</th></tr>" + "".join(rows) + "</table>"
    )


def _tags_table(tags: Sequence[Mapping[str, Any]]) -> str:
    rows = "".join(
        f'<tr><td>{escape(t["tag"])}</td><td class="num">{t["cases"]}</td>'
        f'<td class="num">{t["failing"]}</td><td class="num">{fmt(t["coverage"])}</td>'
        f'<td class="num">{fmt(t["recall"])}</td>'
        f'<td class="num">{fmt(t["peer_recall"])}</td></tr>'
        for t in tags
    )
    return (
        "<table><tr><th>tag</th><th>cases</th><th>failing</th><th>key-fact coverage</th>"
        "<th>evidence recall</th><th>peer recall</th></tr>" + rows + "</table>"
    )


def _rules_html(case: Mapping[str, Any]) -> str:
    if not case.get("rules") and not case.get("scores"):
        return ""
    rules = ", ".join(case.get("rules") or []) or "none"
    scores = ", ".join(f"{k} {v:.3f}" for k, v in (case.get("scores") or {}).items()) or "-"
    return (
        f'<p class="muted">rules fired: {escape(rules)}; scores: {escape(scores)}</p>'
    )


def _case(case: Mapping[str, Any]) -> str:
    history = "".join(
        f'<div class="muted">{escape(role)}: {escape(text)}</div>' for role, text in case["history"]
    )
    citations = "".join(
        f"<li>[{c['n']}] {escape(c['doc_id'])}"
        + (f", p.{c['page']}" if c["page"] is not None else "")
        + (f" ({escape(c['section'])})" if c["section"] else "")
        + f"<blockquote>{escape(c['quote'])}</blockquote></li>"
        for c in case["citations"]
    )
    problems = "".join(f'<li class="problem">{escape(p)}</li>' for p in case["problems"])
    services = ", ".join(case["services"]) or "none"
    return (
        f'<details><summary>{escape(case["case_id"])} <span class="muted">'
        f"({escape(case['dataset'])}; {len(case['problems'])} problem"
        f"{'s' if len(case['problems']) != 1 else ''})</span></summary>"
        f"{history}<p><strong>Question:</strong> {escape(case['question'])}</p>"
        f'<p><strong>Answer</strong> <span class="muted">(scope {escape(case["scope"])}, '
        f"safety {escape(case['safety_level'])}, signposts {escape(services)})</span>: "
        f"{escape(case['answer'])}</p>"
        + (f"<p><strong>Citations</strong></p><ul>{citations}</ul>" if citations else "")
        + _rules_html(case)
        + f"<p><strong>What was missing or wrong</strong></p><ul>{problems}</ul></details>"
    )


def _safety_html(section: Mapping[str, Any]) -> str:
    if not section or not section.get("splits"):
        return ""
    rows = "".join(
        f"<tr><td>{escape(split)}</td><td></td><td>{escape(f['name'])}</td>"
        f'<td class="num">{escape(_interval(f))}</td></tr>'
        for split, figures in section["splits"].items()
        for f in figures
    )
    rows += "".join(
        f"<tr><td>{escape(a['split'])}</td><td>{escape(a['author'])}: {escape(a['register'])}"
        f"</td><td>{escape(f['name'])}</td><td class=\"num\">{escape(_interval(f))}</td></tr>"
        for a in section["authors"]
        for f in a["figures"]
    )
    return (
        "<h2>Safety (Wilson 95% intervals)</h2><table><tr><th>split</th><th>author</th>"
        "<th>figure</th><th>value</th></tr>" + rows + "</table>"
    )


def render_html(report: Mapping[str, Any]) -> str:
    ctx = report["context"]
    ok = report["passed"]
    legend = "".join(
        f'<span><i class="swatch" style="background:{colour}"></i>{name}</span>'
        for name, colour in _COLOURS.items()
    )
    failing = [c for c in report["cases"] if c["problems"]]
    facts = [
        f"created {escape(report['created'])} in {report['duration_s']} s",
        f"index {escape(str(ctx.get('index_version', '-')))}",
        f"embedder {escape(str(ctx.get('embedder', '-')))}",
        f"{report['summary']['answers']} answers",
    ]
    peer = ctx.get("peer")
    if peer:
        facts.append(
            f"peer: vanilla LangChain, {escape(peer['splitter'])}, k={peer['k']}, "
            f"{peer['chunks']} chunks"
        )
    notes = "".join(f"<li>{escape(n)}</li>" for n in report["notes"])
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>casebot eval report</title><style>{_CSS}</style></head><body>"
        "<h1>casebot eval report</h1>"
        f'<p class="muted">{" · ".join(facts)}</p>'
        f'<div class="banner {"ok" if ok else "bad"}">{"PASS" if ok else "FAIL"} '
        f"(exit {report['exit_code']}): {report['summary']['failing_cases']} failing cases</div>"
        + (f"<ul>{notes}</ul>" if notes else "")
        + "<h2>Metrics</h2>"
        + _metrics_table(report["metrics"])
        + f'<h2>casebot, baseline and peer</h2><p class="legend">{legend}'
        '<span class="muted">dashed red line: floor</span></p><div class="charts">'
        + "".join(_chart(m) for m in report["metrics"])
        + "</div><h2>By tag</h2>"
        + _tags_table(report["tags"])
        + _safety_html(report.get("safety", {}))
        + f"<h2>Failing cases ({len(failing)})</h2>"
        + ("".join(_case(c) for c in failing) or "<p>None.</p>")
        + "</body></html>\n"
    )
