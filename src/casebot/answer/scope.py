"""What casebot does not answer, and the sentences that say so (prompts/scope.yaml).

Two kinds of question are out of scope however close their words are to the review's: a
question about a report, inquiry, person or body the knowledge base does not hold
(answer/unheld.py finds the names), and a request for legal advice on one's own case. A
third is refused: a request to make up an allegation (write a complaint or a quote while
saying it did not happen). The last two are each decided by three signals together, each
a list of patterns in the data file. For legal advice: someone's own case ("I", "my
client"), a legal step ("sue", "compensation") and a request for a judgement on it
("should I", "would I win"). A general question ("can people sue the
Met?") lacks the first; a question about what happened to others lacks the third.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from casebot.errors import PromptError
from casebot.safety.catalog import Catalog
from casebot.safety.models import SafetyAssessment, Signpost


def _compiles(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"{pattern!r} is not a regular expression: {exc}") from exc
    return patterns


# One signal: alternatives, any of which sets it off. A cue set holds when all its signals do.
Signal = Annotated[list[str], Field(min_length=1), AfterValidator(_compiles)]


class LegalCues(BaseModel):
    model_config = ConfigDict(extra="forbid")

    own_case: Signal
    legal_step: Signal
    judgement: Signal


class FabricationCues(BaseModel):
    model_config = ConfigDict(extra="forbid")

    request: Signal
    account: Signal
    falsity: Signal


class ScopeFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    not_held: str = Field(min_length=20, pattern=r"\{names\}")
    legal_advice: str = Field(min_length=20)
    legal_signposts: list[str] = Field(min_length=1)
    legal_cues: LegalCues
    fabrication_cues: FabricationCues


def _any(patterns: Sequence[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class ScopeTexts:
    not_held_text: str
    legal_advice: str
    legal_signposts: tuple[Signpost, ...]
    legal: tuple[re.Pattern[str], ...]
    fabrication: tuple[re.Pattern[str], ...]

    def not_held(self, names: Sequence[str]) -> str:
        """The sentence for a question about names the knowledge base does not hold."""
        listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
        return self.not_held_text.format(names=listed)

    def asks_legal_advice(self, message: str) -> bool:
        """Someone's own case, a legal step and a request for a judgement, all in one."""
        return all(p.search(message) for p in self.legal)

    def asks_fabrication(self, message: str) -> bool:
        """A request to write an account, and the asker's own word that it is untrue (or
        must pass for true): an allegation made up on purpose."""
        return all(p.search(message) for p in self.fabrication)

    def with_legal_signposts(self, safety: SafetyAssessment) -> SafetyAssessment:
        """The assessment with the complaint routes after its own signposts, each once."""
        have = {s.id for s in safety.signposts}
        extra = tuple(s for s in self.legal_signposts if s.id not in have)
        return dataclasses.replace(safety, signposts=(*safety.signposts, *extra))


def load_scope_texts(path: Path, catalog: Catalog) -> ScopeTexts:
    try:
        raw = ScopeFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        raw.not_held.format(names="x")
    except (OSError, yaml.YAMLError, ValidationError, KeyError, IndexError) as exc:
        raise PromptError(f"{path}: invalid scope texts: {exc}") from exc
    unknown = [s for s in raw.legal_signposts if s not in catalog.by_id]
    if unknown:
        raise PromptError(f"{path}: legal_signposts name services not in the catalog: {unknown}")
    return ScopeTexts(
        not_held_text=raw.not_held,
        legal_advice=raw.legal_advice,
        legal_signposts=tuple(catalog.by_id[s].signpost() for s in raw.legal_signposts),
        legal=_signals(raw.legal_cues),
        fabrication=_signals(raw.fabrication_cues),
    )


def _signals(cues: BaseModel) -> tuple[re.Pattern[str], ...]:
    """Each signal of a cue set as one pattern, in the order the set declares them."""
    return tuple(_any(getattr(cues, name)) for name in type(cues).model_fields)
