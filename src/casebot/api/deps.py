"""Annotated dependency aliases: route signatures read like plain typed parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from casebot.answer.pipeline import Collaborators
from casebot.errors import IndexNotReady
from casebot.index.version import LoadedIndex


def get_collaborators(request: Request) -> Collaborators:
    deps: Collaborators = request.app.state.collaborators
    return deps


def get_index(request: Request) -> LoadedIndex:
    deps = get_collaborators(request)
    if deps.index is None:
        reason = deps.index_problem or "the knowledge index is not loaded"
        raise IndexNotReady(f"{reason} (run `casebot ingest`)")
    return deps.index


CollaboratorsDep = Annotated[Collaborators, Depends(get_collaborators)]
IndexDep = Annotated[LoadedIndex, Depends(get_index)]
