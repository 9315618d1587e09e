"""Query spelling repair against the corpus vocabulary ("misogny" -> "misogyny").

People type fast and in distress; BM25 cannot match a misspelt rare word and MiniLM's word
pieces drift. A word the corpus does not know is replaced by the most frequent corpus word
within edit distance 2 (1 for short words), and only when that choice is unambiguous.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterable

_TOKEN = re.compile(r"[A-Za-z][A-Za-z']+")
MIN_LENGTH = 4
SEEN = 4096


def _distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (optimal string alignment), giving up past `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], prev2[j - 2] + 1)
        if min(row) > limit:
            return limit + 1
        prev2, prev = prev, row
    return prev[-1]


class Speller:
    def __init__(self, texts: Iterable[str]) -> None:
        self.counts: Counter[str] = Counter(
            w.lower() for text in texts for w in _TOKEN.findall(text)
        )
        self._by_initial: dict[str, list[str]] = {}
        # Words already looked up and their repair: most words of a question recur, and the
        # scan is pure Python. Process memory only, bounded, forgotten on restart.
        self._seen: dict[str, str] = {}
        self._lock = threading.Lock()
        for word in self.counts:
            if len(word) >= MIN_LENGTH:
                self._by_initial.setdefault(word[0], []).append(word)

    def correct_word(self, word: str) -> str:
        known = self._seen.get(word)
        if known is None:
            known = self._correct_word(word)
            with self._lock:
                if len(self._seen) >= SEEN:
                    self._seen.pop(next(iter(self._seen)))  # the oldest
                self._seen[word] = known
        return known

    def _correct_word(self, word: str) -> str:
        lower = word.lower()
        if len(lower) < MIN_LENGTH or lower in self.counts:
            return word
        limit = 1 if len(lower) < 6 else 2
        best: list[tuple[int, int, str]] = []
        for candidate in self._by_initial.get(lower[0], []):
            d = _distance(lower, candidate, limit)
            if d <= limit:
                best.append((d, -self.counts[candidate], candidate))
        if not best:
            return word
        best.sort()
        return best[0][2]

    def correct(self, text: str) -> str:
        return _TOKEN.sub(lambda m: self.correct_word(m.group(0)), text)
