"""The Composer seam: the extractive composer drafts as extractive.compose does, the model
composer falls back to it with a note, and composer_for picks between them."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
import respx

from casebot.answer.composer import ExtractiveComposer, ModelComposer, composer_for
from casebot.answer.extractive import compose
from casebot.answer.pipeline import Collaborators, Plan, assess, plan
from casebot.config import RequestedMode
from tests.answer.test_pipeline import FREEZERS, URGENT
from tests.providers import LLM_URL, chat_completion

# Urgent, and answerable from the tiny corpus, so it passes the gate and gets a Plan.
URGENT_QUESTION = f"{URGENT}. freezers storing rape kits were overstuffed?"
OVERVIEW = "give me an overview of what the review found"


def planned(message: str, deps: Collaborators, mode: RequestedMode | None = None) -> Plan:
    result = plan(assess(message, [], deps, mode), deps)
    assert isinstance(result, Plan), f"precondition: {message!r} passes the gate"
    return result


def typed(the_plan: Plan, question_type: str) -> Plan:
    return dataclasses.replace(the_plan, question_type=question_type)


def led_by_the_last_hit(the_plan: Plan) -> Plan:
    result = the_plan.result
    pinned = (result.hits[-1].chunk.chunk_id,)
    return dataclasses.replace(the_plan, result=dataclasses.replace(result, pinned=pinned))


# A number question's strategy and a pinned lead each change what the tiny corpus drafts,
# so a composer that dropped either would draft something else.
@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(lambda p: p, id="as planned"),
        pytest.param(lambda p: typed(p, "number"), id="a number question"),
        pytest.param(led_by_the_last_hit, id="a pinned lead"),
    ],
)
def test_the_extractive_composer_gives_the_draft_extractive_compose_gives(
    deps: Collaborators, variant: Callable[[Plan], Plan]
) -> None:
    the_plan = variant(planned(OVERVIEW, deps))
    result = the_plan.result
    args = (result.query, result, the_plan.index, deps.params.compose, result.pinned)
    direct = compose(*args, the_plan.strategy)
    composed = ExtractiveComposer().compose(the_plan, deps)
    assert direct.sentences, "precondition: there is something to draft"
    assert composed.draft == direct
    assert composed.mode == "extractive"
    assert composed.notes == ()


def test_the_model_composer_falls_back_to_extractive_with_the_note_on_a_reply_without_markers(
    llm_deps: Collaborators,
) -> None:
    the_plan = planned(FREEZERS, llm_deps)
    assert the_plan.mode == "llm" and llm_deps.generator is not None
    with respx.mock() as mock:
        route = mock.post(LLM_URL).respond(
            json=chat_completion("Freezers storing rape kits were overstuffed and broken.")
        )
        composed = ModelComposer(llm_deps.generator).compose(the_plan, llm_deps)
    assert route.call_count == 1
    assert composed.mode == "extractive"
    assert composed.draft == ExtractiveComposer().compose(the_plan, llm_deps).draft
    # The checks' notes on the reply come first, then why the extractive draft was given.
    assert composed.notes[-1] == "llm reply carried no citation markers; extractive answer given"


@pytest.mark.parametrize(
    ("message", "mode", "expected"),
    [
        pytest.param(FREEZERS, None, ModelComposer, id="auto with a model"),
        pytest.param(FREEZERS, "extractive", ExtractiveComposer, id="extractive requested"),
        pytest.param(URGENT_QUESTION, None, ExtractiveComposer, id="urgent"),
    ],
)
def test_composer_for_picks_extractive_when_the_mode_is_extractive_or_the_message_is_urgent(
    llm_deps: Collaborators, message: str, mode: RequestedMode | None, expected: type
) -> None:
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(LLM_URL)
        composer = composer_for(planned(message, llm_deps, mode), llm_deps)
    assert not route.called, "picking a composer asks no model"
    assert type(composer) is expected
