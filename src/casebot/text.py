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
# something that can start a sentence.
_BOUNDARY = re.compile(r"[.!?][\"'\u201d\u2019)\]]*(?=\s+[\"'\u201c\u2018(\[]?[A-Z0-9£])")
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


# Sentences about the knowledge files themselves ("this page gives context ...") are signage
# for people reading the files; indexing them only lets them crowd out real answers.
META_SENTENCE = re.compile(
    r"\b(this page|the page (lists|summarises|explains|gives|covers|sets out)|these pages|casebot|"
    r"research notes|should never be described|must not be described|sections below|"
    r"not (a |part of )?(the )?casey (review'?s? )?(findings?|review)\b|are not casey findings|"
    r"is not a casey finding|descriptions of them|(have|has) not been verified|"
    r"page (is|was) not verified|"
    r"exact pages?|not (the )?findings? of the casey review|refers to them but did not)",
    re.IGNORECASE,
)


def is_meta(sentence: str) -> bool:
    return bool(META_SENTENCE.search(sentence))
