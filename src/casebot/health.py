"""Readiness: the index version, its consistency and the store's reachability, each with
the remedy an operator should apply. The API re-checks it in the background
(api/readiness.py); `casebot check` reports it once."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any

from casebot.config import Settings
from casebot.errors import IndexNotReady, RetrievalUnavailable
from casebot.index.layout import IndexLayout
from casebot.index.version import LoadedIndex
from casebot.logs import FIELDS
from casebot.runtime import open_index

log = logging.getLogger("casebot.health")

OK = "ok"
REBUILD = "run `casebot ingest --force` to rebuild it"


@dataclass(frozen=True)
class Check:
    status: str  # "ok", or what is wrong in a word
    detail: str | None = None
    remedy: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == OK

    def out(self) -> dict[str, Any]:
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}


UNCHECKED = Check("unchecked", "the store is checked once an index is loaded")


@dataclass(frozen=True)
class Readiness:
    index: Check
    store: Check
    version: str | None = None
    chunks: int = 0

    @property
    def ready(self) -> bool:
        return self.index.ok and self.store.ok

    @property
    def code(self) -> str:
        return IndexNotReady.code if not self.index.ok else RetrievalUnavailable.code

    @property
    def message(self) -> str:
        """The first problem and its remedy, in one line."""
        failing = self.index if not self.index.ok else self.store
        return "; ".join(x for x in (failing.detail, failing.remedy) if x)

    def checks(self) -> dict[str, Any]:
        return {"index": self.index.out(), "store": self.store.out()}


def store_remedy(settings: Settings) -> str:
    if settings.chroma_mode == "http":
        return (
            f"start the Chroma server at {settings.chroma_host}:{settings.chroma_port}; "
            "casebot reconnects on its own"
        )
    return REBUILD


def _store_check(index: LoadedIndex, settings: Settings) -> Check:
    try:
        stored = index.store.count()
    except Exception as exc:  # a store client raises many types; any of them means not ready
        detail = f"the vector store is unreachable ({type(exc).__name__})"
        return Check("unreachable", detail, store_remedy(settings))
    if stored != len(index.chunks):
        detail = f"the vector store holds {stored} of {len(index.chunks)} chunks"
        return Check("incomplete", detail, REBUILD)
    return Check(OK)


def probe(settings: Settings, current: LoadedIndex | None) -> tuple[Readiness, LoadedIndex | None]:
    """Readiness now, and the index to serve: `current`, or a newly published version once
    it has loaded whole. A version that fails to load never replaces one that serves."""
    version = IndexLayout(settings.index_root).current_version()
    if version is None and current is None:
        missing = Check("missing", "no index has been built yet", "run `casebot ingest`")
        return Readiness(missing, UNCHECKED), None
    serving = current
    if version is not None and (current is None or current.version != version):
        try:
            serving = open_index(settings)
        except IndexNotReady as exc:
            if current is None:
                return Readiness(Check("inconsistent", str(exc), REBUILD), UNCHECKED), None
            log.warning("new index version not loaded", extra={FIELDS: {"version": version}})
        except RetrievalUnavailable:
            if current is None:
                detail = "the vector store is unreachable"
                store = Check("unreachable", detail, store_remedy(settings))
                return Readiness(Check(OK), store, version), None
    assert serving is not None
    return (
        Readiness(Check(OK), _store_check(serving, settings), serving.version, len(serving.chunks)),
        serving,
    )
