"""`casebot check`: settings, catalog, prompts, the safety model and the index, each
problem reported on one line (never a traceback). `ingest` and `serve` run it first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from pydantic import ValidationError

from casebot.answer.condense import load_condense_prompt
from casebot.answer.generator import load_answer_prompt
from casebot.answer.qtype import load as load_typer
from casebot.answer.scope import load_scope_texts
from casebot.config import Settings
from casebot.errors import CasebotError
from casebot.health import probe
from casebot.retrieval.rerank import load as load_reranker
from casebot.runtime import CATALOG_PATH, CONDENSE_FILE, SCOPE_FILE, load_safety_rules
from casebot.safety.catalog import load_catalog
from casebot.safety.responses import load_safety_texts
from casebot.safety.scoring import load_model

T = TypeVar("T")
_LONGEST = 400  # characters of one problem line


@dataclass(frozen=True)
class Problem:
    area: str  # settings, catalog, prompts, safety model, index or store
    message: str

    def line(self) -> str:
        text = " ".join(self.message.split())
        if len(text) > _LONGEST:
            text = text[: _LONGEST - 1] + "…"
        return f"{self.area}: {text}"


def load_settings(**overrides: object) -> tuple[Settings | None, list[Problem]]:
    """Settings from the environment (and `overrides`, a command line's options), or a
    problem per bad value (named by its variable)."""
    try:
        return Settings(**overrides), []  # type: ignore[arg-type]
    except ValidationError as exc:
        return None, [_setting_problem(err) for err in exc.errors()]


def _setting_problem(err: object) -> Problem:
    assert isinstance(err, dict)
    loc = [str(p) for p in err.get("loc", ())]
    name = f"CASEBOT_{loc[0].upper()}" if loc else "settings"
    message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    return Problem("settings", f"{name}: {message}" if loc else message)


def _attempt(problems: list[Problem], area: str, load: Callable[[], T]) -> T | None:
    try:
        return load()
    except CasebotError as exc:
        problems.append(Problem(area, str(exc)))
    except Exception as exc:  # a check reports whatever a loader trips on, on one line
        problems.append(Problem(area, f"{type(exc).__name__}: {exc}"))
    return None


def check_data(settings: Settings) -> list[Problem]:
    """The data files casebot cannot start without: catalog, prompts, safety model."""
    problems: list[Problem] = []
    catalog = None
    if not settings.knowledge_dir.is_dir():
        where = settings.knowledge_dir
        problems.append(Problem("knowledge", f"knowledge directory not found: {where}"))
    else:
        path = settings.knowledge_dir / CATALOG_PATH
        catalog = _attempt(problems, "catalog", lambda: load_catalog(path))
    if not settings.prompts_dir.is_dir():
        problems.append(Problem("prompts", f"{settings.prompts_dir} is not a directory"))
    else:
        if catalog is not None:
            path = settings.prompts_dir / "safety.yaml"
            _attempt(problems, "prompts", lambda: load_safety_texts(path, catalog))
        _attempt(problems, "prompts", lambda: load_safety_rules(settings))
        _attempt(
            problems, "prompts", lambda: load_answer_prompt(settings.prompts_dir / "answer.yaml")
        )
        _attempt(
            problems,
            "prompts",
            lambda: load_condense_prompt(settings.prompts_dir / CONDENSE_FILE),
        )
        if catalog is not None:
            scope = settings.prompts_dir / SCOPE_FILE
            _attempt(problems, "prompts", lambda: load_scope_texts(scope, catalog))
    _attempt(problems, "safety model", lambda: load_model(settings.safety_model_dir))
    _attempt(problems, "question-type model", lambda: load_typer(settings.qtype_model_dir))
    _attempt(problems, "reranker", lambda: load_reranker(settings.rerank_model_dir))
    return problems


def check_index(settings: Settings) -> list[Problem]:
    """The index and its store, as /readyz would report them, with the remedy."""
    readiness, _ = probe(settings, None)
    problems = []
    for area, check in (("index", readiness.index), ("store", readiness.store)):
        if not check.ok and check.status != "unchecked":
            problems.append(Problem(area, "; ".join(x for x in (check.detail, check.remedy) if x)))
    return problems
