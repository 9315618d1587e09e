"""Run datasets through a subject (casebot) and an optional peer; one record per answer.

Everything the run touches is passed in: the answerer, each system's retriever and corpus,
the judge and the clock. Tests hand in degraded retrievers to prove the gate notices. The
runner records what happened and asks scoring.py what is wrong with it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from casebot.answer.models import Answer, strip_markers
from casebot.errors import GeneratorError
from casebot.evals.dataset import (
    ConversationCase,
    Dataset,
    Evidence,
    Expectations,
    QaCase,
    SafetyCase,
)
from casebot.evals.judge import Judge
from casebot.evals.safety import Expectations as Lines
from casebot.evals.safety import Reply, score_row
from casebot.evals.scoring import (
    Passage,
    RetrievalScore,
    check_citations,
    count_relevant,
    describe,
    fact_coverage,
    missing,
    safety_problems,
    score_retrieval,
)
from casebot.progress import Reporter, SilentReporter
from casebot.safety.data import HistoryTurn, LabelledMessage, Row

History = Sequence[tuple[str, str]]
Answerer = Callable[[str, History], Answer]


@dataclass
class CaseRecord:
    """What one scored answer leaves behind: metrics and reports read these."""

    dataset: str
    kind: str  # qa | conversations | safety
    case_id: str  # a conversation turn is "<case id>#<turn number>"
    question: str
    history: list[tuple[str, str]]
    tags: list[str]
    answer: str
    scope: str
    grounded: bool
    citations: list[dict[str, Any]]
    safety_level: str
    categories: list[str]
    services: list[str]  # signpost ids the answer carried
    latency_ms: float
    expected_scope: str | None = None  # None: a safety case, scored on safety only
    expected_level: str | None = None
    required_services: list[str] = field(default_factory=list)
    required_categories: list[str] = field(default_factory=list)
    facts_total: int = 0
    facts_covered: int = 0
    retrieval: dict[str, RetrievalScore] = field(default_factory=dict)  # by system name
    citation_checked: bool = False
    citation_problems: list[str] = field(default_factory=list)
    numbers_checked: bool = False
    unsupported_numbers: list[str] = field(default_factory=list)
    sentences_checkable: list[bool] = field(default_factory=list)  # per cited sentence
    reading_ease: float | None = None
    words: int | None = None
    judged: dict[str, float] | None = None
    problems: list[str] = field(default_factory=list)
    # Safety rows: where they come from and how they scored (evals/safety.py); the report
    # shows which rules fired and the scores, per case.
    split: str | None = None
    author: str | None = None
    register: str | None = None
    lang: str = "en"
    check_in: bool = False
    safety_counts: dict[str, bool] = field(default_factory=dict)
    rules: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    ordinary_question: bool = False  # a question of the qa sets that must not be refused
    expected_type: str | None = None  # the question's labelled type (qa sets by author)
    question_type: str | None = None  # the type casebot read it as

    @property
    def coverage(self) -> float | None:
        if self.expected_scope != "in_scope" or not self.facts_total:
            return None
        return self.facts_covered / self.facts_total

    @property
    def failed(self) -> bool:
        return bool(self.problems)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["history"] = [list(turn) for turn in self.history]
        data["coverage"] = self.coverage
        return data


@dataclass(frozen=True)
class Retrieval:
    """One retrieval system: how it searches, what it searches, and how deep."""

    name: str
    retrieve: Callable[[str, History], Sequence[Passage]]  # message and the turns before it
    corpus: Sequence[Passage]
    k: int
    use_page: bool = True  # the peer's chunks cross pages, so page evidence is ignored there


@dataclass(frozen=True)
class Subject:
    """The system under test: its answers, and its retrieval scored on its own index."""

    answer: Answerer
    retrieval: Retrieval


@dataclass
class _Run:
    subject: Subject
    peer: Retrieval | None
    judge: Judge | None
    clock: Callable[[], float]
    lines: Lines | None = None
    chunks: dict[str, Passage] = field(default_factory=dict)
    doc_pages: dict[str, frozenset[int]] = field(default_factory=dict)
    relevant: dict[tuple[str, tuple[Evidence, ...]], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        pages: dict[str, set[int]] = {}
        for passage in self.subject.retrieval.corpus:
            self.chunks[passage.chunk_id] = passage
            if passage.page is not None:
                pages.setdefault(passage.doc_id, set()).add(passage.page)
        self.doc_pages = {doc: frozenset(p) for doc, p in pages.items()}

    def relevant_count(self, system: Retrieval, evidence: tuple[Evidence, ...]) -> int:
        key = (system.name, evidence)
        if key not in self.relevant:
            self.relevant[key] = count_relevant(system.corpus, evidence, system.use_page)
        return self.relevant[key]

    def systems(self) -> list[Retrieval]:
        return [self.subject.retrieval] + ([self.peer] if self.peer else [])


def run(
    datasets: Sequence[Dataset],
    subject: Subject,
    peer: Retrieval | None = None,
    reporter: Reporter | None = None,
    judge: Judge | None = None,
    clock: Callable[[], float] = time.perf_counter,
    lines: Lines | None = None,
) -> list[CaseRecord]:
    reporter = reporter or SilentReporter()
    ctx = _Run(subject, peer, judge, clock, lines)
    records: list[CaseRecord] = []
    for dataset in datasets:
        advance = reporter.stage(f"eval {dataset.name}", len(dataset))
        for case in dataset.cases:
            records += _case(ctx, dataset.name, case)
            advance(1)
    return records


def _case(
    ctx: _Run, dataset: str, case: QaCase | ConversationCase | SafetyCase | Row
) -> list[CaseRecord]:
    if isinstance(case, QaCase):
        return [_qa(ctx, dataset, case)]
    if isinstance(case, ConversationCase):
        return _conversation(ctx, dataset, case)
    if isinstance(case, Row):
        return [_labelled(ctx, dataset, case)]
    return [_safety(ctx, dataset, case)]


def _qa(ctx: _Run, dataset: str, case: QaCase) -> CaseRecord:
    answer, latency = _timed(ctx, case.question, [])
    record = _record(ctx, dataset, "qa", case.id, case.question, [], case.tags, answer, latency)
    record.split, record.author = case.split, case.author
    return _expected(ctx, record, case, [])


def _conversation(ctx: _Run, dataset: str, case: ConversationCase) -> list[CaseRecord]:
    history: list[tuple[str, str]] = []
    records = []
    for number, turn in enumerate(case.turns, start=1):
        answer, latency = _timed(ctx, turn.user, history)
        case_id = f"{case.id}#{number}"
        record = _record(
            ctx,
            dataset,
            "conversations",
            case_id,
            turn.user,
            list(history),
            case.tags,
            answer,
            latency,
        )
        record.split, record.author = case.split, case.author
        records.append(_expected(ctx, record, turn, history))
        history += [("user", turn.user), ("assistant", answer.text)]
    return records


def _safety(ctx: _Run, dataset: str, case: SafetyCase) -> CaseRecord:
    history: list[tuple[str, str]] = [(turn.role, turn.content) for turn in case.history]
    answer, latency = _timed(ctx, case.message, history)
    record = _record(
        ctx, dataset, "safety", case.id, case.message, history, case.tags, answer, latency
    )
    record.expected_level = case.level
    record.required_services = list(case.services)
    record.required_categories = list(case.categories)
    record.problems += safety_problems(
        case.level, record.safety_level, case.services, record.services
    )
    lacking = missing(case.categories, record.categories)
    if lacking:
        record.problems.append(f"missing categories: {', '.join(lacking)}")
    if ctx.lines is not None:
        message = LabelledMessage(
            id=case.id,
            text=case.message,
            level=case.level,
            categories=case.categories,
            services=case.services,
            history=[HistoryTurn(role=t.role, content=t.content) for t in case.history],
        )
        row = Row(dataset, "", "dev", message)
        record.split = "dev"
        record.safety_counts = score_row(row, _reply(answer), ctx.lines).counts
    return record


def _reply(answer: Answer) -> Reply:
    s = answer.safety
    trace = s.trace
    return Reply(
        level=s.level,
        check_in=s.check_in,
        categories=s.categories,
        services=tuple(x.id for x in s.signposts),
        lead_in=s.message,
        scope=answer.scope,
        rules=trace.rules if trace else (),
        scores=trace.scores if trace else (),
    )


def _safety_only(record: CaseRecord) -> None:
    """Author-set rows are judged on safety alone: the answer quality metrics are the qa
    and conversation sets' (so adding these rows moves none of them)."""
    record.problems = []
    record.citation_checked = record.numbers_checked = False
    record.citation_problems, record.unsupported_numbers = [], []
    record.sentences_checkable = []
    record.reading_ease = None
    record.words = None


def _labelled(ctx: _Run, dataset: str, row: Row) -> CaseRecord:
    """A labelled message of an author file, answered and scored as the person sees it."""
    m = row.message
    history = m.turns()
    answer, latency = _timed(ctx, m.text, history)
    record = _record(ctx, dataset, "safety", m.id, m.text, history, [row.author], answer, latency)
    _safety_only(record)
    record.split, record.author, record.register = row.split, row.author, row.register
    record.lang = m.lang
    record.expected_level = m.level
    record.required_categories = list(m.categories)
    record.required_services = list(m.services)
    record.check_in = answer.safety.check_in
    if ctx.lines is not None:
        outcome = score_row(row, _reply(answer), ctx.lines)
        record.safety_counts = outcome.counts
        record.problems += outcome.problems
    trace = answer.safety.trace
    if trace is not None:
        record.rules = list(trace.rules)
        record.scores = dict(trace.scores)
    return record


def _timed(ctx: _Run, message: str, history: History) -> tuple[Answer, float]:
    started = ctx.clock()
    answer = ctx.subject.answer(message, list(history))
    return answer, (ctx.clock() - started) * 1000.0


def _record(
    ctx: _Run,
    dataset: str,
    kind: str,
    case_id: str,
    question: str,
    history: list[tuple[str, str]],
    tags: list[str],
    answer: Answer,
    latency_ms: float,
) -> CaseRecord:
    """What the answer was, with its citations checked."""
    check = check_citations(answer, ctx.chunks, ctx.doc_pages)
    return CaseRecord(
        dataset=dataset,
        kind=kind,
        case_id=case_id,
        question=question,
        history=history,
        tags=list(tags),
        answer=answer.text,
        scope=answer.scope,
        grounded=answer.grounded,
        citations=[asdict(c) for c in answer.citations],
        safety_level=answer.safety.level,
        categories=list(answer.safety.categories),
        services=[s.id for s in answer.safety.signposts],
        latency_ms=latency_ms,
        citation_checked=check.checked,
        citation_problems=list(check.problems),
        numbers_checked=check.numbers_checked,
        unsupported_numbers=list(check.unsupported),
        sentences_checkable=list(check.checkable),
        question_type=answer.question_type,
        reading_ease=check.reading_ease,
        words=check.words,
        problems=check.all_problems,
    )


def _expected(ctx: _Run, record: CaseRecord, expect: Expectations, history: History) -> CaseRecord:
    """The record scored against a qa case's or a turn's expectations."""
    record.expected_scope = expect.scope
    record.expected_type = expect.type
    record.ordinary_question = expect.scope != "refused"
    record.expected_level = expect.safety_level
    record.required_services = list(expect.services)
    if record.scope != expect.scope:
        record.problems.append(f"scope: expected {expect.scope}, got {record.scope}")
    if expect.scope == "in_scope" and expect.must_include:
        covered, lacking = fact_coverage(record.answer, expect.must_include)
        record.facts_total, record.facts_covered = len(expect.must_include), covered
        record.problems += [f"missing fact: {' | '.join(alts)}" for alts in lacking]
    if expect.evidence:
        record.problems += _retrieved(ctx, record, tuple(expect.evidence), history)
    record.problems += safety_problems(
        expect.safety_level, record.safety_level, expect.services, record.services
    )
    if ctx.judge is not None and expect.scope == "in_scope" and record.scope == "in_scope":
        record.problems += _judged(ctx, ctx.judge, record)
    return record


def _retrieved(
    ctx: _Run, record: CaseRecord, evidence: tuple[Evidence, ...], history: History
) -> list[str]:
    """Each system's retrieval scored against the evidence; the subject's misses named."""
    for system in ctx.systems():
        ranked = system.retrieve(record.question, history)
        relevant = ctx.relevant_count(system, evidence)
        record.retrieval[system.name] = score_retrieval(
            ranked, evidence, system.k, relevant, system.use_page
        )
    problems = []
    subject = ctx.subject.retrieval
    if not record.retrieval[subject.name].recall:
        wanted = "; ".join(describe(e) for e in evidence)
        problems.append(f"no relevant chunk in the top {subject.k}: {wanted}")
    for entry in evidence:
        if not ctx.relevant_count(subject, (entry,)):
            problems.append(f"dataset: no chunk in the index matches {describe(entry)}")
    return problems


def _judged(ctx: _Run, judge: Judge, record: CaseRecord) -> list[str]:
    contexts = [
        ctx.chunks[c["chunk_id"]].text for c in record.citations if c["chunk_id"] in ctx.chunks
    ]
    try:
        verdict = judge.judge(record.question, strip_markers(record.answer), contexts)
    except GeneratorError as exc:
        return [f"judge failed: {exc}"]
    record.judged = {"faithfulness": verdict.faithfulness, "relevance": verdict.relevance}
    return []
