"""Composition strategies: each question type weighs passages and sentences its own way."""

from __future__ import annotations

from casebot.answer.extractive import ComposeParams, compose
from casebot.answer.pipeline import Collaborators, answer, retrieve
from casebot.answer.strategies import (
    DEFAULT,
    STRATEGIES,
    Steered,
    kind_ranking,
    sentence_bonus,
    sides,
    strategy_for,
)
from casebot.index.models import Chunk, Kind
from casebot.retrieval.hybrid import PLAIN, SearchResult


def test_an_unknown_or_missing_type_is_composed_by_the_default_strategy() -> None:
    assert strategy_for(None) is DEFAULT
    assert strategy_for("gossip") is DEFAULT
    assert strategy_for("number").figure > 0


def test_a_number_question_favours_the_sentence_with_the_figure() -> None:
    number = STRATEGIES["number"]
    with_figure = sentence_bonus(number, "It found 1,809 officers had more than one.", "report")
    without = sentence_bonus(number, "It found many officers had more than one.", "report")
    assert with_figure > without
    assert sentence_bonus(DEFAULT, "It found 1,809 officers.", "report") == 0.0


def test_a_when_question_favours_the_dated_sentence() -> None:
    when = STRATEGIES["when"]
    assert sentence_bonus(when, "It was published on 21 March 2023.", "report") > sentence_bonus(
        when, "It was published after a long wait.", "report"
    )


def test_a_why_question_favours_a_sentence_that_gives_a_cause() -> None:
    why = STRATEGIES["why_how"]
    assert sentence_bonus(why, "Cases stalled because teams were overworked.", "report") > (
        sentence_bonus(why, "Teams were overworked.", "report")
    )


def test_an_overview_question_favours_overview_passages() -> None:
    overview = STRATEGIES["overview"]
    assert sentence_bonus(overview, "Casey found the Met racist.", "overview") > sentence_bonus(
        overview, "Casey found the Met racist.", "report"
    )


def test_a_comparison_names_its_sides_and_a_plain_question_has_none() -> None:
    assert sides("Rowley vs Khan reactions, side by side please") == ("rowley", "khan")
    assert sides("Compare Couzens and Carrick on vetting") == ("couzens", "carrick")
    assert sides("What did Casey find about the Met?") == ()


def _chunk(cid: str, kind: Kind) -> Chunk:
    return Chunk(chunk_id=cid, doc_id=cid, path=cid, title=cid, kind=kind, text="x.")


def test_steering_multiplies_the_inner_boost_by_the_kind_factor(real_deps: Collaborators) -> None:
    assert real_deps.index is not None
    steered = Steered(PLAIN, STRATEGIES["support"], real_deps.index)
    assert steered.boost(_chunk("a", "support")) > steered.boost(_chunk("b", "report")) == 1.0


def test_a_kind_ranking_holds_only_that_kind_most_similar_first(real_deps: Collaborators) -> None:
    index = real_deps.index
    assert index is not None and real_deps.embedder is not None
    vector = real_deps.embedder.embed(["how do I complain about a police officer"])[0]
    ranked = kind_ranking(index, vector, "support", 5)
    assert ranked and all(index.by_id[c].kind == "support" for c in ranked)
    sims = [float(index.vectors[index.position[c]] @ vector) for c in ranked]
    assert sims == sorted(sims, reverse=True)
    assert kind_ranking(index, vector, "no-such-kind", 5) == []


def test_a_support_question_retrieves_more_support_guidance_than_the_default(
    real_deps: Collaborators,
) -> None:
    question = "what can I do if an officer treated me badly"
    safety = real_deps.assessor.assess(question, [], None)
    plain = retrieve(question, [], safety, real_deps, None, None)
    steered = retrieve(question, [], safety, real_deps, None, "support")

    def support(result: SearchResult) -> int:
        return sum(h.chunk.kind == "support" for h in result.hits)

    assert support(steered) >= support(plain)
    assert support(steered) >= 1


def test_a_comparison_answer_covers_each_side_it_names(real_deps: Collaborators) -> None:
    question = "How did Rowley and Khan each respond to the review?"
    safety = real_deps.assessor.assess(question, [], None)
    result = retrieve(question, [], safety, real_deps, None, "list_compare")
    assert real_deps.index is not None
    params = ComposeParams(max_words=120, max_sentences=6, min_similarity=0.0)
    draft = compose(question, result, real_deps.index, params, (), STRATEGIES["list_compare"])
    text = draft.text.lower()
    assert "rowley" in text and "khan" in text


def test_an_overview_answer_leads_with_the_closest_overview_brief(
    real_deps: Collaborators,
) -> None:
    """A question about the review as a whole is answered by its summary first: the brief
    closest to the question is pinned, and its opening is the answer's first sentence."""
    question = "What did the Casey Review find overall?"
    index, embedder = real_deps.index, real_deps.embedder
    assert index is not None and embedder is not None
    safety = real_deps.assessor.assess(question, [], None)
    result = retrieve(question, [], safety, real_deps, None, "overview")
    closest = kind_ranking(index, embedder.embed([result.query])[0], "overview", 1)
    assert result.pinned == tuple(closest)
    assert result.hits[0].chunk.chunk_id == closest[0]
    params = ComposeParams(max_words=120, max_sentences=6, min_similarity=0.0)
    draft = compose(question, result, index, params, result.pinned, STRATEGIES["overview"])
    assert draft.sentences[0].text == index.by_id[closest[0]].sentences[0]


def test_the_strategy_lead_follows_a_disclosures_guidance(real_deps: Collaborators) -> None:
    """A disclosure's guidance is pinned first; an overview brief leads only after it."""
    index = real_deps.index
    assert index is not None
    guidance = _Pinning(["guide-1"])
    steered = Steered(guidance, STRATEGIES["overview"], index)
    assert steered.pins([], [["guide-1", "g2"], ["brief-a", "brief-b"]]) == ["guide-1", "brief-a"]
    plain = Steered(guidance, STRATEGIES["number"], index)
    assert plain.pins([], [["guide-1"]]) == ["guide-1"]


def test_an_overview_brief_does_not_carry_an_unrelated_question_past_the_gate(
    real_deps: Collaborators,
) -> None:
    """The lead is not guidance: a question the knowledge base does not answer is still
    turned away when it is typed as an overview."""
    reply = answer("Give me an overview of the rules of cricket", [], real_deps)
    assert reply.scope == "out_of_scope"


def test_a_breadth_strategy_gets_more_room_than_one_fact(real_deps: Collaborators) -> None:
    """A list or an overview is several things: its budget is larger by the strategy's room."""
    question = "What were the review's main recommendations?"
    index = real_deps.index
    assert index is not None
    safety = real_deps.assessor.assess(question, [], None)
    result = retrieve(question, [], safety, real_deps, None, "list_compare")
    params = ComposeParams(max_words=60, max_sentences=3, min_similarity=0.0)
    narrow = compose(question, result, index, params, (), STRATEGIES["who_what"])
    wide = compose(question, result, index, params, (), STRATEGIES["list_compare"])
    assert STRATEGIES["list_compare"].room > 1 == STRATEGIES["who_what"].room
    assert len(narrow.sentences) <= 3
    assert len(wide.sentences) > len(narrow.sentences)
    room = round(60 * STRATEGIES["list_compare"].room)
    assert sum(len(s.text.split()) for s in wide.sentences) <= room


class _Pinning:
    def __init__(self, pinned: list[str]) -> None:
        self._pinned = pinned

    def rankings(self, query_vector: object, n: int) -> list[list[str]]:
        return []

    def boost(self, chunk: Chunk) -> float:
        return 1.0

    def pins(self, ranked: object, extra: object) -> list[str]:
        return list(self._pinned)
