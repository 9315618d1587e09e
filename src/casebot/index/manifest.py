"""Content hashes of the knowledge files an index version was built from."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MANIFEST_NAME = "manifest.json"


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Manifest:
    """What went into one index version: config fingerprint and per-document hashes."""

    fingerprint: str
    documents: dict[str, str] = field(default_factory=dict)  # doc path -> sha256
    version: str = ""
    skipped: dict[str, str] = field(default_factory=dict)  # doc path -> reason

    def to_json(self) -> str:
        return json.dumps(
            {
                "fingerprint": self.fingerprint,
                "version": self.version,
                "documents": self.documents,
                "skipped": self.skipped,
            },
            indent=2,
            sort_keys=True,
        )

    @classmethod
    def read(cls, directory: Path) -> Manifest | None:
        path = directory / MANIFEST_NAME
        if not path.is_file():
            return None
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                fingerprint=str(data["fingerprint"]),
                documents=dict(data["documents"]),
                version=str(data.get("version", "")),
                skipped=dict(data.get("skipped", {})),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None


@dataclass(frozen=True)
class Changes:
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.added) + len(self.changed) + len(self.removed)


def diff(old: dict[str, str], new: dict[str, str]) -> Changes:
    return Changes(
        added=tuple(sorted(set(new) - set(old))),
        changed=tuple(sorted(p for p in new if p in old and old[p] != new[p])),
        removed=tuple(sorted(set(old) - set(new))),
        unchanged=tuple(sorted(p for p in new if p in old and old[p] == new[p])),
    )
