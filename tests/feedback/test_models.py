"""The reasons a rating may give: one list, labelled once, offered with each thumb."""

from __future__ import annotations

from casebot.api.schemas import FeedbackRequest
from casebot.feedback.models import DOWN_REASONS, REASON_LABELS, REASONS, UP_REASONS, widget_choices


def test_every_reason_the_api_accepts_is_labelled_and_offered_with_a_thumb() -> None:
    assert set(REASON_LABELS) == set(REASONS)
    assert set(UP_REASONS) | set(DOWN_REASONS) == set(REASONS)
    schema = FeedbackRequest.model_json_schema()["properties"]
    assert schema["reason"]["enum"] == list(REASONS)
    assert schema["comment"]["anyOf"][0]["maxLength"] == widget_choices()["max_comment"]
    choices = widget_choices()
    assert choices["up"] == [{"id": r, "label": REASON_LABELS[r]} for r in UP_REASONS]
    assert choices["down"] == [{"id": r, "label": REASON_LABELS[r]} for r in DOWN_REASONS]
    assert len({label.lower() for label in REASON_LABELS.values()}) == len(REASONS)
