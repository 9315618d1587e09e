"""Fixed safety texts from prompts/safety.yaml, validated on load.

Texts may name catalog fields as {service-id.field}, e.g. {samaritans.phone}, so a number
lives in one place (services.yaml) and a text can never carry a number the catalog lacks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from casebot.errors import PromptError
from casebot.safety.catalog import Catalog, out_of_date_numbers_in
from casebot.safety.models import CATEGORIES, HARM_KINDS, Level

_PLACEHOLDER = re.compile(r"\{([a-z0-9-]+)\.(phone|text|url|name|hours)\}")


class SafetyTextFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    urgent: str = Field(min_length=20)
    urgent_cannot_speak: str = Field(min_length=20)
    urgent_deaf: str = Field(min_length=20)
    check_in: str = Field(min_length=20)
    unreadable: str = Field(min_length=20)
    urgent_by_category: dict[str, str]
    sensitive_by_category: dict[str, str]
    sensitive_default: str = Field(min_length=20)
    refusals: dict[str, str]
    out_of_scope: str = Field(min_length=20)
    no_answer: str = Field(min_length=20)
    injection: str = Field(min_length=20)


class SafetyTexts:
    def __init__(self, texts: SafetyTextFile) -> None:
        self._t = texts

    def lead_in(
        self,
        level: Level,
        categories: Sequence[str],
        cues: frozenset[str],
        check_in: bool = False,
    ) -> str | None:
        if level == "none":
            return None
        parts: list[str] = []
        if level == "urgent":
            parts.append(self._t.urgent)
            if check_in:
                parts.append(self._t.check_in)
            parts.append(self._t.urgent_cannot_speak)
            if "deaf" in cues:
                parts.append(self._t.urgent_deaf)
            for category in categories:
                if category in self._t.urgent_by_category:
                    parts.append(self._t.urgent_by_category[category])
                    break
        else:
            lead = next(
                (
                    self._t.sensitive_by_category[c]
                    for c in categories
                    if c in self._t.sensitive_by_category
                ),
                self._t.sensitive_default,
            )
            parts.append(lead)
        return " ".join(parts)

    def unreadable(self) -> str:
        """999 first, then one plain line: casebot reads English only."""
        return f"{self._t.urgent} {self._t.unreadable}"

    def refusal(self, kind: str) -> str:
        return self._t.refusals[kind]

    @property
    def out_of_scope(self) -> str:
        return self._t.out_of_scope

    @property
    def no_answer(self) -> str:
        return self._t.no_answer

    @property
    def injection(self) -> str:
        return self._t.injection


# Every kind of harmful request needs its refusal text.
REFUSAL_KINDS = HARM_KINDS


def load_safety_texts(path: Path, catalog: Catalog) -> SafetyTexts:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        texts = SafetyTextFile.model_validate(raw)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise PromptError(f"{path}: invalid safety texts: {exc}") from exc
    problems: list[str] = []
    unknown = set(texts.urgent_by_category) | set(texts.sensitive_by_category)
    problems += [f"unknown category {c!r}" for c in sorted(unknown - set(CATEGORIES))]
    problems += [f"missing refusal {k!r}" for k in REFUSAL_KINDS if k not in texts.refusals]

    def fill(value: str) -> str:
        def sub(match: re.Match[str]) -> str:
            service = catalog.by_id.get(match.group(1))
            field_value = getattr(service, match.group(2), None) if service else None
            if field_value is None:
                problems.append(f"{match.group(0)} names nothing in the catalog")
                return match.group(0)
            return str(field_value)

        filled = _PLACEHOLDER.sub(sub, value)
        problems.extend(f"out-of-date number {n}" for n in out_of_date_numbers_in(filled))
        if re.search(r"\{[^}]*\}", filled) and not problems:
            problems.append(f"unresolved placeholder in {value[:40]!r}")
        return filled

    data = texts.model_dump()
    resolved = {
        key: ({k: fill(v) for k, v in value.items()} if isinstance(value, dict) else fill(value))
        for key, value in data.items()
    }
    if problems:
        raise PromptError(f"{path}: " + "; ".join(problems))
    return SafetyTexts(SafetyTextFile.model_validate(resolved))
