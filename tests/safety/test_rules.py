"""The rules file: every rule's own examples, the floors' precision, framing and negation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from casebot.errors import PromptError
from casebot.safety.data import load_splits
from casebot.safety.normalise import load_lexicon, normalise
from casebot.safety.scanning import Rules, expand, load_rule_file, load_rules
from tests.conftest import REPO

RULES = REPO / "prompts/safety_rules.yaml"
LEXICON = load_lexicon(REPO / "prompts/safety_lexicon.yaml")
DATA = load_rule_file(RULES)
EXAMPLES = [
    pytest.param(spec.id, text, want, id=f"{spec.id}:{'match' if want else 'no_match'}:{i}")
    for spec in DATA.rules
    for i, (text, want) in enumerate(
        [(t, True) for t in spec.match] + [(t, False) for t in spec.no_match]
    )
]
PATTERNS = {spec.id: re.compile(expand(spec.pattern, DATA.defs)) for spec in DATA.rules}


@pytest.mark.parametrize(("rule_id", "text", "want"), EXAMPLES)
def test_every_rule_example_matches_or_not_as_written(rule_id: str, text: str, want: bool) -> None:
    assert bool(PATTERNS[rule_id].search(normalise(text, LEXICON))) is want


def test_a_rule_whose_example_fails_stops_the_load(tmp_path: Path) -> None:
    raw = yaml.safe_load(RULES.read_text())
    raw["rules"][0]["match"] = ["a message about the weather"]
    bad = tmp_path / "rules.yaml"
    bad.write_text(yaml.safe_dump(raw))
    with pytest.raises(PromptError, match="misses"):
        load_rules(bad, LEXICON)


def test_a_rule_with_an_unknown_category_stops_the_load(tmp_path: Path) -> None:
    raw = yaml.safe_load(RULES.read_text())
    raw["rules"][0]["category"] = "aliens"
    bad = tmp_path / "rules.yaml"
    bad.write_text(yaml.safe_dump(raw))
    with pytest.raises(PromptError, match="category"):
        load_rules(bad, LEXICON)


def test_every_floor_is_precise_on_train_and_dev(rules: Rules) -> None:
    """A rule decides alone only where, as a floor, it is right at least 9 times in 10 on
    the train and dev messages (the rest are classifier features)."""
    held: dict[str, list[bool]] = {}
    for row in load_splits(REPO / "evals/datasets/safety", ["train", "dev"]):
        m = row.message
        if not m.english:
            continue
        hits = rules.scan(m.text)
        for rule_id in hits.held:
            rule = rules.by_id[rule_id]
            in_past = rule.category in hits.disclosed and rule.category not in hits.urgent
            right = m.level == "urgent" or (m.level != "none" and (rule.tier != "urgent" or in_past))
            held.setdefault(rule_id, []).append(right)
    imprecise = {
        rule_id: f"{sum(v)}/{len(v)}"
        for rule_id, v in held.items()
        if len(v) >= 2 and sum(v) / len(v) < 0.9
    }
    assert imprecise == {}


def test_framing_stops_a_floor_but_never_first_person_danger_now(rules: Rules) -> None:
    framed = rules.scan("for my dissertation: a woman says she is in real danger at home")
    assert framed.framed and not framed.urgent
    present = rules.scan("hypothetically my essay is due but he's hitting me right now")
    assert present.framed and "immediate_danger" in present.urgent


def test_a_negation_reaches_only_its_own_clause(rules: Rules) -> None:
    assert not rules.scan("i'm not in danger, i'm safe now").urgent
    later = rules.scan("i'm safe at work. but tonight i'm in danger when he gets home")
    assert "immediate_danger" in later.urgent


def test_reported_quotes_are_not_the_writers_words(rules: Rules) -> None:
    quoted = rules.scan("the review quotes a woman saying 'i want to die' after the trial")
    assert not quoted.urgent
    assert "suicide_self_harm" in rules.scan("i want to die").urgent
