"""Routing is data: each service preference is a line of the catalog, pinned here."""

from __future__ import annotations

import re

import pytest

from casebot.safety.catalog import Catalog
from casebot.safety.routing import route
from tests.conftest import REPO


def shown(catalog: Catalog, level: str, categories: list[str], needs: list[str] = (), question: str = "") -> list[str]:  # type: ignore[assignment]
    return [s.id for s in route(catalog, level, categories, needs, question)]  # type: ignore[arg-type]


def test_a_man_abused_by_his_partner_is_shown_the_mens_advice_line_first(catalog: Catalog) -> None:
    assert shown(catalog, "sensitive", ["domestic_abuse"], ["male_victim"])[0] == "mens-advice-line"
    assert shown(catalog, "sensitive", ["domestic_abuse"])[0] == "national-domestic-abuse-helpline"


def test_a_child_is_shown_childline_first_and_an_adult_worried_about_one_the_nspcc(
    catalog: Catalog,
) -> None:
    assert shown(catalog, "sensitive", ["suicide_self_harm"], ["child_speaker"])[0] == "childline"
    assert shown(catalog, "sensitive", ["child_at_risk"], ["third_party"])[0] == "nspcc-helpline"


def test_abuse_by_an_officer_goes_to_the_iopc_unless_the_officer_is_a_partner(
    catalog: Catalog,
) -> None:
    assert shown(catalog, "sensitive", ["police_perpetrated_abuse"])[0] == "iopc-complaints"
    partner = shown(catalog, "sensitive", ["domestic_abuse", "police_perpetrated_abuse"])
    assert partner[0] == "national-domestic-abuse-helpline"
    assert partner.index("national-domestic-abuse-helpline") < partner.index("iopc-complaints")


def test_lgbt_people_are_shown_galop_for_abuse_and_hate_crime(catalog: Catalog) -> None:
    assert shown(catalog, "sensitive", ["lgbt_abuse"])[0] == "galop"
    assert shown(catalog, "sensitive", ["hate_crime", "lgbt_abuse"])[0] == "galop"


def test_honour_based_abuse_is_shown_karma_nirvana(catalog: Catalog) -> None:
    assert shown(catalog, "sensitive", ["honour_based_abuse"])[0] == "karma-nirvana"


def test_in_danger_999_comes_first_then_the_silent_solution_or_deaf_routes(
    catalog: Catalog,
) -> None:
    silent = shown(catalog, "urgent", ["immediate_danger"], ["cannot_speak"])
    assert silent[:2] == ["emergency-999", "silent-solution-55"]
    deaf = shown(catalog, "urgent", ["immediate_danger"], ["deaf"])
    assert deaf[:3] == ["emergency-999", "relay-uk-18000", "emergency-sms"]


def test_in_danger_lines_open_now_come_before_those_that_may_be_closed(catalog: Catalog) -> None:
    urgent = shown(catalog, "urgent", ["domestic_abuse"], ["male_victim"])
    assert urgent.index("national-domestic-abuse-helpline") < urgent.index("mens-advice-line")


@pytest.mark.parametrize(
    ("question", "services"),
    [
        ("what did the review say about complaints to the IOPC?", ["iopc-complaints", "met-complaints"]),
        ("what is the 101 non-emergency number for", ["police-101"]),
        ("how does the silent solution work", ["silent-solution-55"]),
        ("how do i make an anonymous report about police corruption", ["crimestoppers"]),
    ],
)
def test_a_factual_question_on_a_topic_with_a_service_is_shown_it(
    catalog: Catalog, question: str, services: list[str]
) -> None:
    assert shown(catalog, "none", [], [], question) == services


def test_a_factual_question_on_no_such_topic_is_shown_nothing(catalog: Catalog) -> None:
    assert shown(catalog, "none", [], [], "what did the review say about vetting") == []


def test_no_code_is_keyed_on_a_service_id(catalog: Catalog) -> None:
    code = "\n".join(
        (REPO / "src/casebot/safety" / name).read_text()
        for name in ("routing.py", "assess.py", "scoring.py", "scanning.py")
    )
    named = [s.id for s in catalog.services if re.search(rf"['\"]{re.escape(s.id)}['\"]", code)]
    assert named == []
