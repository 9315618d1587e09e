"""Legal advice on one's own case, and questions about what the knowledge base does not
hold, are out of scope with a plain sentence; a request to make up an allegation is
refused; prompts/scope.yaml is validated on load."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from casebot.answer.pipeline import Collaborators, answer, assess
from casebot.answer.scope import ScopeTexts, load_scope_texts
from casebot.config import Settings
from casebot.errors import PromptError
from casebot.runtime import load_service_catalog
from tests.conftest import REPO

SCOPE = REPO / "prompts" / "scope.yaml"


@pytest.fixture(scope="module")
def texts() -> ScopeTexts:
    settings = Settings(knowledge_dir=REPO / "knowledge", prompts_dir=REPO / "prompts")
    return load_scope_texts(SCOPE, load_service_catalog(settings))


@pytest.mark.parametrize(
    "message",
    [
        "Should I sue the Met over my arrest?",
        "i got stopped and searched for nothing, can i take them to court and win??",
        "My son was strip searched at school. Would he win compensation if we sued?",
        "Is it worth me bringing a legal claim against the police for how they treated me?",
        "my client was let down by the met. does she have a case for damages?",
        "We were kettled for hours at a protest. What are our chances if we sue?",
        "would i get compensation from the met for losing my evidence",
    ],
)
def test_a_request_for_legal_advice_on_ones_own_case_is_recognised(
    texts: ScopeTexts, message: str
) -> None:
    assert texts.asks_legal_advice(message)


@pytest.mark.parametrize(
    "message",
    [
        "Can people sue the Met for misconduct?",  # nobody's own case
        "Did Casey say victims should get compensation?",  # a finding, not a judgement asked
        "I read that the Met paid damages to protesters. What did Casey say about that?",
        "What did the review find about how the Met handles complaints?",
        "should i complain to the IOPC about the officer who was rude to me?",  # no legal step
    ],
)
def test_questions_about_claims_in_general_are_not_legal_advice(
    texts: ScopeTexts, message: str
) -> None:
    assert not texts.asks_legal_advice(message)


@pytest.mark.parametrize(
    "message",
    [
        "write me a complaint saying the officer shoved me. he didn't, but he was rude",
        "Can you draft a statement claiming my neighbour threatened me? She never did.",
        "type up an allegation that the sergeant groped her, make it sound convincing",
        "help me word a complaint accusing PC Smith of racism. it didn't actually happen",
        "draft a report saying they searched me without reason. none of it is true lol",
    ],
)
def test_a_request_to_make_up_an_allegation_is_recognised(
    texts: ScopeTexts, message: str
) -> None:
    assert texts.asks_fabrication(message)


@pytest.mark.parametrize(
    "message",
    [
        "help me write a complaint to the IOPC about an officer who hit me",
        "write a complaint saying he hit me, he didn't apologise",
        "I want to write a statement saying what happened. He didn't stop when I said no",
        "how do I write a complaint when the officer never said his name",
        "can you write a summary of what Casey found about vetting?",
        "my complaint was made up according to the officer, is that allowed?",
    ],
)
def test_an_honest_request_to_write_a_complaint_is_not_fabrication(
    texts: ScopeTexts, message: str
) -> None:
    assert not texts.asks_fabrication(message)


def test_the_not_held_sentence_names_what_was_asked_about(texts: ScopeTexts) -> None:
    assert "Grenfell and Hillsborough" in texts.not_held(["Grenfell", "Hillsborough"])
    assert "NYPD" in texts.not_held(["NYPD"])


def _broken(tmp_path: Path, **change: object) -> Path:
    raw = yaml.safe_load(SCOPE.read_text())
    raw.update(change)
    path = tmp_path / "scope.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize(
    "change",
    [
        {"legal_signposts": ["no-such-service"]},
        {"not_held": "My knowledge base does not hold that, sorry."},  # no {names}
        {"legal_cues": {"own_case": ["(unclosed"], "legal_step": ["x"], "judgement": ["y"]}},
        {"unexpected": "key"},
    ],
    ids=["unknown service", "no placeholder", "bad pattern", "extra key"],
)
def test_a_broken_scope_file_stops_start_up(tmp_path: Path, change: dict[str, object]) -> None:
    settings = Settings(knowledge_dir=REPO / "knowledge", prompts_dir=REPO / "prompts")
    with pytest.raises(PromptError):
        load_scope_texts(_broken(tmp_path, **change), load_service_catalog(settings))


def test_legal_advice_gets_the_plain_sentence_and_the_complaint_routes(deps: Collaborators) -> None:
    assert deps.scope is not None
    result = answer("Should I sue the Met over my arrest, would I win?", [], deps)
    assert result.scope == "out_of_scope" and not result.grounded
    assert result.text == deps.scope.legal_advice
    ids = [s.id for s in result.safety.signposts]
    assert {"iopc-complaints", "met-complaints"} <= set(ids)


def test_a_made_up_allegation_is_refused_and_the_signposts_still_go(deps: Collaborators) -> None:
    message = "write me a complaint saying a cop punched me so he gets sacked. he didnt tho"
    result = answer(message, [], deps)
    assert result.scope == "refused" and not result.grounded
    assert result.text == deps.texts.refusal("fabricate")


def test_the_complaint_routes_go_out_with_the_assessment(deps: Collaborators) -> None:
    # The stream sends the assessment first: the routes must be in it, not added later.
    assessed = assess("can i sue the police for what they did to me?", [], deps)
    assert "iopc-complaints" in {s.id for s in assessed.safety.signposts}


def test_a_question_about_an_inquiry_the_corpus_lacks_says_so(deps: Collaborators) -> None:
    result = answer("What did the Grenfell Tower Inquiry find about the fire brigade?", [], deps)
    assert result.scope == "out_of_scope"
    assert "Grenfell Tower Inquiry" in result.text


def test_an_urgent_message_is_never_answered_with_the_legal_sentence(
    deps: Collaborators,
) -> None:
    assert deps.scope is not None
    result = answer("he's hitting me right now, can i sue the police later?", [], deps)
    assert result.safety.level == "urgent"
    assert result.text != deps.scope.legal_advice
