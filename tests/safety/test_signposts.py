"""Which services a person is shown, and in what order."""

from __future__ import annotations

import pytest

from casebot.safety.assess import RuleAssessor
from tests.safety.conftest import ids


def test_a_man_abused_by_his_partner_is_shown_the_mens_advice_line_first(
    assessor: RuleAssessor,
) -> None:
    result = assessor.assess("my wife hits me and i don't know who to call")
    assert "male_victim" in result.cues and result.categories == ("domestic_abuse",)
    assert ids(result)[:2] == ["mens-advice-line", "national-domestic-abuse-helpline"]


def test_abuse_by_an_officer_outside_a_relationship_goes_to_the_iopc_first(
    assessor: RuleAssessor,
) -> None:
    result = assessor.assess("an officer pinned me down and twisted my arm during a stop")
    assert result.categories == ("police_perpetrated_abuse",)
    assert ids(result)[:2] == ["iopc-complaints", "national-domestic-abuse-helpline"]


def test_abuse_by_an_officer_who_is_a_partner_goes_to_the_domestic_abuse_helpline_first(
    assessor: RuleAssessor,
) -> None:
    result = assessor.assess("my husband is a police officer and he hits me")
    assert {"domestic_abuse", "police_perpetrated_abuse"} <= set(result.categories)
    assert ids(result)[0] == "national-domestic-abuse-helpline"
    assert ids(result).index("national-domestic-abuse-helpline") < ids(result).index(
        "iopc-complaints"
    )


@pytest.mark.parametrize(
    ("message", "services"),
    [
        (
            "what did the review say about complaints to the IOPC?",
            ["iopc-complaints", "met-complaints"],
        ),
        ("what is the 101 non-emergency number for", ["police-101"]),
        ("how does the silent solution work", ["silent-solution-55", "emergency-999"]),
        ("how do i make an anonymous report about police corruption", ["crimestoppers"]),
    ],
    ids=["complaints", "101", "silent solution", "anonymous report"],
)
def test_a_factual_question_on_a_topic_with_a_service_is_shown_it(
    assessor: RuleAssessor, message: str, services: list[str]
) -> None:
    result = assessor.assess(message)
    assert result.level == "none" and result.message is None
    assert ids(result) == services


def test_a_factual_question_on_no_such_topic_is_shown_nothing(assessor: RuleAssessor) -> None:
    assert ids(assessor.assess("what did the review say about vetting")) == []
