"""Where index versions live on disk, and the atomic pointer to the current one.

.casebot/index/
  CURRENT                 name of the serving version (replaced atomically)
  versions/<version>/     manifest.json, chunks.jsonl, vectors.npy, sentence_vectors.npy,
                          bm25/, chroma/ (embedded mode)
  versions/<version>.partial/   a build in progress; never served
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

PARTIAL = ".partial"


class IndexLayout:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.versions = root / "versions"
        self.pointer = root / "CURRENT"

    def current_version(self) -> str | None:
        try:
            name = self.pointer.read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return name if name and (self.versions / name).is_dir() else None

    def version_dir(self, version: str) -> Path:
        return self.versions / version

    def start(self, version: str) -> Path:
        path = self.versions / f"{version}{PARTIAL}"
        path.mkdir(parents=True, exist_ok=False)
        return path

    def publish(self, version: str) -> Path:
        """Finish a build: rename the partial directory, then swap the pointer atomically."""
        final = self.versions / version
        os.replace(self.versions / f"{version}{PARTIAL}", final)
        tmp = self.root / f"CURRENT.{os.getpid()}.tmp"
        tmp.write_text(version + "\n", encoding="utf-8")
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, self.pointer)
        return final

    def prune(self, keep: int = 2) -> list[str]:
        """Drop abandoned partial builds and all but the newest `keep` finished versions."""
        if not self.versions.is_dir():
            return []
        current = self.current_version()
        finished = sorted(
            (p for p in self.versions.iterdir() if p.is_dir() and not p.name.endswith(PARTIAL)),
            key=lambda p: p.name,
        )
        doomed = [p for p in self.versions.iterdir() if p.name.endswith(PARTIAL)]
        doomed += [p for p in finished[:-keep] if p.name != current]
        for path in doomed:
            shutil.rmtree(path, ignore_errors=True)
        return [p.name for p in doomed]
