"""Reports: JSON as data, Markdown, one self-contained HTML file, JUnit for CI."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from casebot.config import Settings
from casebot.evals.command import EvalOptions, run_eval
from casebot.evals.systems import Wiring
from tests.evals.conftest import builder

HOSTILE = "is <script>alert(1)</script> & \"this\" about the freezers storing rape kits?"


@pytest.fixture(scope="module")
def reports(
    wired: Wiring, settings: Settings, datasets: dict[str, Path], eval_root: Path
) -> dict[str, Any]:
    extra = eval_root / "hostile.yaml"
    extra.write_text(
        "version: 1\ncases:\n  - id: hostile\n"
        f"    question: {json.dumps(HOSTILE)}\n"
        "    must_include: [['a fact no answer states']]\n"
        "    evidence: [{doc_id: casey-review/05-public-protection}]\n"
        "    tags: [hostile]\n"
    )
    out = eval_root / "reports"
    options = EvalOptions(
        datasets=(datasets["qa"], datasets["conversations"], datasets["safety"], extra),
        baseline=eval_root / "no-baseline.json",
        report_dir=out,
        junit=out / "junit.xml",
        fail_under=("key_fact_coverage=0.99",),  # the hostile case makes this fail
    )
    console = Console(file=open(eval_root / "console.txt", "w"), width=200)  # noqa: SIM115
    code = run_eval(options, settings, console=console, errors=console, build=builder(wired))
    console.file.close()
    return {
        "code": code,
        "json": json.loads((out / "report.json").read_text()),
        "md": (out / "report.md").read_text(),
        "html": (out / "report.html").read_text(),
        "junit": ET.parse(out / "junit.xml").getroot(),
        "console": (eval_root / "console.txt").read_text(),
    }


def test_the_json_report_holds_metrics_cases_and_the_verdict(reports: dict[str, Any]) -> None:
    data = reports["json"]
    assert reports["code"] == 1 and data["exit_code"] == 1 and data["passed"] is False
    metrics = {m["name"]: m for m in data["metrics"]}
    coverage = metrics["key_fact_coverage"]
    assert coverage["floor"] == 0.99 and coverage["status"] == "FAIL floor"
    assert metrics["evidence_recall_at_5"]["peer"] is not None
    assert metrics["evidence_recall_at_5"]["margin"] == pytest.approx(
        metrics["evidence_recall_at_5"]["value"] - metrics["evidence_recall_at_5"]["peer"]
    )
    assert metrics["latency_p95_ms"]["status"] == "info"
    hostile = next(c for c in data["cases"] if c["case_id"] == "hostile")
    assert hostile["question"] == HOSTILE
    assert "missing fact: a fact no answer states" in hostile["problems"]
    assert data["summary"]["answers"] == len(data["cases"]) == 10
    assert any("regression check skipped" in note for note in data["notes"])


def test_html_is_self_contained_with_inline_svg_charts(reports: dict[str, Any]) -> None:
    html = reports["html"]
    for outside in ("<script", "<link", "src=", "@import", "url(", "@font-face", "http://"):
        assert outside not in html, outside
    assert "<style>" in html
    measured = [m for m in reports["json"]["metrics"] if m["value"] is not None]
    assert html.count("<svg") == len(measured)
    recall = next(m for m in measured if m["name"] == "evidence_recall_at_5")
    # casebot and the peer both drawn for a retrieval metric
    chart = html[html.index(">evidence_recall_at_5 <") :].split("</svg>")[0]
    assert chart.count("<rect") == 2 and f">{recall['peer']:.3f}<" in chart


def test_html_escapes_eval_text_and_lists_failing_cases_with_what_was_missing(
    reports: dict[str, Any],
) -> None:
    html = reports["html"]
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;this&quot;" in html
    section = html[html.index("<summary>hostile") :].split("</details>")[0]
    assert "What was missing or wrong" in section
    assert "missing fact: a fact no answer states" in section
    assert "Citations" in section and "<blockquote>" in section  # the answer's quotes


def test_html_has_the_per_tag_breakdown(reports: dict[str, Any]) -> None:
    html = reports["html"]
    table = html[html.index("<h2>By tag</h2>") :].split("</table>")[0]
    tags = {t["tag"] for t in reports["json"]["tags"]}
    assert {"figures", "follow-up", "hostile", "direct"} <= tags
    for tag in tags:
        assert f"<td>{tag}</td>" in table


def test_markdown_has_the_table_and_the_failures(reports: dict[str, Any]) -> None:
    md = reports["md"]
    assert "| metric | value | n | baseline | peer | margin | floor | status |" in md
    assert re.search(r"\| key_fact_coverage \| [0-9.]+ \| \d+ \| - \| - \| - \| 0\.990 \| FAIL", md)
    assert "### hostile (hostile)" in md


def test_junit_has_one_case_per_metric_and_names_the_failure(reports: dict[str, Any]) -> None:
    suite = reports["junit"].find("testsuite")
    assert suite is not None
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert set(cases) == {m["name"] for m in reports["json"]["metrics"]}
    failure = cases["key_fact_coverage"].find("failure")
    assert failure is not None and "below the floor 0.99" in failure.get("message", "")
    assert int(suite.get("failures", "0")) == sum(
        1 for m in reports["json"]["metrics"] if m["status"].startswith("FAIL")
    )


def test_console_shows_the_table_and_the_failing_metric(reports: dict[str, Any]) -> None:
    out = reports["console"]
    assert "peer: vanilla LangChain, k=4" in out and "peer (margin)" in out
    assert "key_fact_coverage: FAIL floor" in out
    assert "FAIL: 10 answers" in out
