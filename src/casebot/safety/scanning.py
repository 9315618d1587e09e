"""Scanning: the phrase rules (prompts/safety_rules.yaml) read over normalised text.

Rules are data: an id, a tier, a category (or need, or kind of harmful request), a pattern
and examples that must and must not match, all checked when the file loads and by a test.
The tiers:

- `urgent`: a high-precision floor. A hit makes the message urgent, unless its clause is
  negated, hypothetical or reported; `unconditional` rules (first-person danger now) hold
  even then, because framing lowers scores but never vetoes a person in danger.
- `disclosure`: a floor at sensitive, under the same conditions.
- `feature`: read by the classifier only (a rule too imprecise to decide on its own).
- `marker`: colours the categories of a message that is already sensitive or urgent.
- `need`, `refusal`, `injection`: what the person needs, a request to refuse, an attempt to
  rewrite casebot's instructions.
- `framing`, `negation`, `past`: study, fiction, quotation or hypothesis; "I'm not in
  danger"; harm told in the past tense. They lower scores (they are classifier features)
  and stop the floors, never the classifier.

Every rule that fires is a classifier feature, so the rules and the model read the same
words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from casebot.errors import PromptError
from casebot.safety.models import CATEGORIES, HARM_KINDS, NEEDS
from casebot.safety.normalise import Lexicon, clauses, normalise, strip_reported_quotes

Tier = Literal[
    "urgent",
    "disclosure",
    "feature",
    "marker",
    "need",
    "refusal",
    "injection",
    "framing",
    "negation",
    "past",
]
_MACRO = re.compile(r"\{([A-Z][A-Z_]+)\}")


class RuleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_.-]+$")
    tier: Tier
    category: str | None = None
    pattern: str = Field(min_length=2)
    match: list[str] = Field(min_length=1)
    no_match: list[str] = Field(default_factory=list)
    unconditional: bool = False  # first-person danger now: framing and negation do not stop it
    note: str | None = None

    @model_validator(mode="after")
    def _category_fits_tier(self) -> RuleSpec:
        allowed: dict[str, tuple[str, ...]] = {
            "need": NEEDS,
            "refusal": HARM_KINDS,
            "feature": (*CATEGORIES, *NEEDS, *HARM_KINDS),
            "injection": (),
            "framing": (),
        }
        names = allowed.get(self.tier, CATEGORIES)
        if self.tier in ("injection", "framing"):
            if self.category is not None:
                raise ValueError(f"a {self.tier} rule has no category")
        elif self.category not in names:
            raise ValueError(f"{self.tier} rule needs a category from {names}")
        return self


class RuleFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    defs: dict[str, str] = Field(default_factory=dict)
    rules: list[RuleSpec] = Field(min_length=1)


@dataclass(frozen=True)
class Rule:
    id: str
    tier: str
    category: str | None
    pattern: re.Pattern[str]
    unconditional: bool = False


@dataclass
class Hits:
    """What the rules found in one text."""

    fired: list[str] = field(default_factory=list)  # rule ids, in file order, once each
    held: list[str] = field(default_factory=list)  # urgent and disclosure rules that decided
    urgent: set[str] = field(default_factory=set)
    disclosed: set[str] = field(default_factory=set)
    markers: set[str] = field(default_factory=set)
    needs: set[str] = field(default_factory=set)
    negated: set[str] = field(default_factory=set)
    refusal: str | None = None
    injection: bool = False
    framed: bool = False
    normalised: str = ""  # the text the rules read


def expand(pattern: str, defs: dict[str, str]) -> str:
    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in defs:
            raise PromptError(f"rule pattern names an unknown definition {{{name}}}")
        return f"(?:{defs[name]})"

    for _ in range(3):  # definitions may use definitions
        pattern = _MACRO.sub(sub, pattern)
    return pattern


class Rules:
    """The loaded rules, and the one way to read a text with them."""

    def __init__(self, rules: Sequence[Rule], lexicon: Lexicon | None = None) -> None:
        self.rules = tuple(rules)
        self.lexicon = lexicon
        self.ids = tuple(r.id for r in self.rules)
        self.by_id = {r.id: r for r in self.rules}
        whole = ("need", "refusal", "injection", "framing")  # read over the whole text
        self._whole = [r for r in self.rules if r.tier in whole]
        self._clause = [r for r in self.rules if r.tier not in whole]
        # A message's sentences are scanned again as units of their own: their clauses are
        # the message's clauses, so what matched is remembered (text in memory only).
        self._matches = lru_cache(maxsize=2048)(self._match_clause)
        self._normalised = lru_cache(maxsize=512)(lambda text: normalise(text, lexicon))

    def normalise(self, text: str) -> str:
        result: str = self._normalised(text)
        return result

    def _match_clause(self, clause: str) -> tuple[Rule, ...]:
        return tuple(r for r in self._clause if r.pattern.search(clause))

    def scan(self, text: str, normalised: bool = False) -> Hits:
        norm = text if normalised else self.normalise(text)
        norm = strip_reported_quotes(norm)
        hits = Hits(normalised=norm)
        fired: dict[str, None] = {}
        for rule in self._whole:
            if rule.pattern.search(norm):
                fired[rule.id] = None
                _whole_hit(hits, rule)
        for clause in clauses(norm) or [norm]:
            _scan_clause(hits, self._matches(clause), fired, hits.framed)
        hits.fired = list(fired)
        return hits


def _whole_hit(hits: Hits, rule: Rule) -> None:
    if rule.tier == "need" and rule.category:
        hits.needs.add(rule.category)
    elif rule.tier == "refusal" and hits.refusal is None:
        hits.refusal = rule.category
    elif rule.tier == "injection":
        hits.injection = True
    elif rule.tier == "framing":
        hits.framed = True


def _scan_clause(
    hits: Hits, matched: Sequence[Rule], fired: dict[str, None], framed: bool
) -> None:
    """One clause: a negation or the past tense reaches only the clause it stands in."""
    negated = {r.category for r in matched if r.tier == "negation" and r.category}
    past = {r.category for r in matched if r.tier == "past" and r.category}
    hits.negated |= negated
    for rule in matched:
        fired[rule.id] = None
        category = rule.category or ""
        held = rule.unconditional or not (framed or category in negated)
        if rule.tier == "urgent" and held:
            # Harm told in the past tense is a history disclosed, not danger now.
            (hits.disclosed if category in past else hits.urgent).add(category)
            hits.held.append(rule.id)
        elif rule.tier == "disclosure" and held:
            hits.disclosed.add(category)
            hits.held.append(rule.id)
        elif rule.tier == "marker":
            hits.markers.add(category)


def _compile(spec: RuleSpec, defs: dict[str, str]) -> Rule:
    try:
        pattern = re.compile(expand(spec.pattern, defs))
    except re.error as exc:
        raise PromptError(f"rule {spec.id}: bad pattern: {exc}") from exc
    return Rule(spec.id, spec.tier, spec.category, pattern, spec.unconditional)


def load_rule_file(path: Path) -> RuleFile:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return RuleFile.model_validate(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise PromptError(f"{path}: unreadable safety rules: {exc}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise PromptError(f"{path}: invalid safety rules at {where}: {first['msg']}") from exc


def load_rules(path: Path, lexicon: Lexicon | None = None) -> Rules:
    """The rules file, compiled; a rule whose own examples fail stops the load."""
    data = load_rule_file(path)
    ids = [r.id for r in data.rules]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise PromptError(f"{path}: duplicate rule ids {duplicates}")
    compiled = [_compile(spec, data.defs) for spec in data.rules]
    problems = [
        f"{spec.id} {'misses' if want else 'wrongly matches'} {text!r}"
        for spec, rule in zip(data.rules, compiled, strict=True)
        for text, want in [(t, True) for t in spec.match] + [(t, False) for t in spec.no_match]
        if bool(rule.pattern.search(normalise(text, lexicon))) != want
    ]
    if problems:
        raise PromptError(f"{path}: rule examples fail: " + "; ".join(problems[:5]))
    return Rules(compiled, lexicon)


# --- can casebot read it? A cheap script and stopword check ---------------------------------

_ENGLISH = frozenset(
    (  # noqa: SIM905 - a word list reads better as prose
        "the a an and or but to of in on at for with is are was were be been being am i i'm "
        "im me my mine you your he she his her him they them their we us our it its this that "
        "these those what how why who when where which can can't cant cannot do does did "
        "don't dont didn't not no yes if so just have has had will would should could please "
        "help now here there about from out up down want need know said says get got go going "
        "very really some any all myself than then too also as by into over after before "
        "because only still ever never ok okay hi hello thanks thank there's that's what's "
        "he's she's they're i've i'd i'll you're isn't wasn't won't like one more other tell "
        "told say think right let "
    ).split()
)
# Common words of the other languages London writes in, in Latin script (words that are
# also English, such as "a", "me" and "on", count for neither side).
_OTHER = frozenset(
    (  # noqa: SIM905 - a word list reads better as prose
        "el la los las del que y en un una por para con es está estoy mi mis muy pero yo ella "
        "ha hay lo su te se ayuda porque cuando como donde va me qué le les des et est je "
        "suis mon ma mes pas une pour avec dans qui il elle aide und ist ich nicht der die "
        "das mit ein eine mein meine sie auf hilfe bitte nie jest się że mój moja mnie jak "
        "ale tak czy ja pomocy pomoc mój mam jestem não eu meu minha com uma mas você ele ela "
        "socorro ajuda tenho este sunt și cu pe mea meu într care ajutor ve bir bu ben benim "
        "için çok ama değil yardım waa iyo ka ku oo ma aan baan wuxuu waxay mae yn ac ond fy "
        "dw yw beth di che non sono mio mia per ho aiuto mujhe mera meri hai hain ke ki ka "
        "aur nahi kya "
    ).split()
)
_FOREIGN_LETTERS = frozenset("ąćęłńśźżășțãõñ¿¡ßğşıőű")
_LATIN_LETTER = re.compile(r"[a-zà-ÿ]")
_WORDS = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def reads_as_english(text: str) -> bool:
    """False for a message casebot cannot read: mostly another script, or more words that
    belong to another language than to English."""
    lowered = text.casefold()
    letters = [c for c in lowered if c.isalpha()]
    if not letters:
        return True  # emoji, numbers: nothing to read in any language
    latin = sum(1 for c in letters if _LATIN_LETTER.match(c) or c in _FOREIGN_LETTERS)
    if latin / len(letters) < 0.5:
        return False
    words = _WORDS.findall(lowered)
    english = sum(1 for w in words if w in _ENGLISH and w not in _OTHER)
    other = sum(
        1
        for w in words
        if (w in _OTHER and w not in _ENGLISH) or any(c in _FOREIGN_LETTERS for c in w)
    )
    return not (other >= 2 and other > english)
