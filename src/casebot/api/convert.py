"""Internal answer types to the public contract."""

from __future__ import annotations

from dataclasses import asdict

from casebot.answer.models import Answer
from casebot.api.schemas import ChatResponse, CitationOut, SafetyOut, SignpostOut
from casebot.safety.models import SafetyAssessment


def safety_out(safety: SafetyAssessment) -> SafetyOut:
    return SafetyOut(
        level=safety.level,
        categories=list(safety.categories),
        message=safety.message,
        signposts=[SignpostOut(**asdict(s)) for s in safety.signposts],
        check_in=safety.check_in,
    )


def chat_response(answer: Answer) -> ChatResponse:
    return ChatResponse(
        answer_id=answer.answer_id,
        answer=answer.text,
        citations=[CitationOut(**asdict(c)) for c in answer.citations],
        safety=safety_out(answer.safety),
        scope=answer.scope,
        grounded=answer.grounded,
        mode=answer.mode,
    )
