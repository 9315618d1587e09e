"""Small text helpers shared by ingestion, retrieval and answering."""

from __future__ import annotations

import re
import unicodedata

_ABBREVIATIONS = (
    "e.g.",
    "i.e.",
    "etc.",
    "vs.",
    "Dr.",
    "Mr.",
    "Mrs.",
    "Ms.",
    "No.",
    "St.",
    "Sir.",
    "Rt.",
    "Hon.",
    "Cllr.",
    "Insp.",
    "Supt.",
    "Sgt.",
    "PC.",
    "Ch.",
    "p.",
    "pp.",
    "approx.",
)
_PLACEHOLDER = "\u2063"
# A sentence ends at . ! or ? and any closing quotes or brackets, before whitespace and
# something that can start a sentence: a capital, a figure, or a name written in lower case
# (casebot), which would otherwise be glued to the sentence before it.
_LOWER_CASE_NAMES = ("casebot",)
_BOUNDARY = re.compile(
    r"[.!?][\"'\u201d\u2019)\]]*(?=\s+[\"'\u201c\u2018(\[]?(?:[A-Z0-9£]|(?:"
    + "|".join(_LOWER_CASE_NAMES)
    + r")\b))"
)
_WORD = re.compile(r"[a-z0-9£]+(?:['’][a-z]+)?(?:[.,][0-9]+)*")
_NUMBER = re.compile(r"(?<![\w.])£?\d[\d,]*(?:\.\d+)?%?")

STOPWORDS = frozenset(
    (  # noqa: SIM905 - a word list reads better as prose
        "a about above after again against all am an and any are as at be because been before "
        "being below between both but by can could did do does doing down during each few for "
        "from further had has have having he her here hers herself him himself his how i if in "
        "into is it its itself just me more most my myself no nor not now of off on once only "
        "or other our ours ourselves out over own same she should so some such than that the "
        "their theirs them themselves then there these they this those through to too under "
        "until up very was we were what when where which while who whom why will with would you "
        "your yours yourself yourselves tell know say said says please thanks thank hi hello "
        "casey review report baroness met metropolitan police find found finds finding "
        "findings main key "
    ).split()
)


def normalise_space(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences, keeping each one verbatim from the input."""
    text = normalise_space(text)
    if not text:
        return []
    protected = text
    for abbr in _ABBREVIATIONS:
        protected = protected.replace(abbr, abbr.replace(".", _PLACEHOLDER))
    parts, start = [], 0
    for match in _BOUNDARY.finditer(protected):
        parts.append(protected[start : match.end()])
        start = match.end()
    parts.append(protected[start:])
    return [p.replace(_PLACEHOLDER, ".").strip() for p in parts if p.strip()]


def fold(text: str) -> str:
    """Lower-case, strip accents and unify quotes so matching is forgiving."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.lower().replace("\u2019", "'").replace("\u2018", "'")


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOPWORDS and len(w) > 1]


def tokenize(text: str) -> list[str]:
    """Content words, lightly stemmed: what BM25 indexes and overlap scores compare."""
    return [_stem(w) for w in content_words(text)]


def _stem(word: str) -> str:
    # A light suffix strip: enough for "officers"/"officer", "vetted"/"vetting".
    for suffix in ("ings", "ing", "ies", "ied", "es", "ed", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)] + ("y" if suffix in ("ies", "ied") else "")
    return word


def numbers_in(text: str) -> list[str]:
    """Figures as written (commas dropped), e.g. '1,809' -> '1809', '£0.7' -> '0.7'."""
    out = []
    for raw in _NUMBER.findall(text):
        value = raw.lstrip("£").rstrip("%").replace(",", "")
        if value:
            out.append(value)
    return out


# Signage: sentences that point a reader of the knowledge files elsewhere ("this page
# lists", "the sections below", "casebot's guide to ...") or note what the research could
# not verify. They answer nothing and would crowd out real answers. A disclaimer ("X is not
# a finding of the Casey Review") is not signage: it answers "is this a Casey finding?".
META_SENTENCE = re.compile(
    r"\b(this page|these pages|"
    r"the page (lists|summarises|explains|gives|covers|sets out|records|describes)|"
    r"sections? below|the next section|in this summary|not (reproduced|set out) here|"
    r"casebot's [\w' -]{0,40}\b(pages?|guides?|guidance|notes)\b|casebot has separate|"
    r"(covered|described) (in|on) (a )?separate|the separate context page|"
    r"research notes|(have|has) not been verified|page (is|was) not verified|exact pages?)",
    re.IGNORECASE,
)


def is_meta(sentence: str) -> bool:
    return bool(META_SENTENCE.search(sentence))
