"""The methodological guide and the self-training course, read from ``content/<kind>/<lang>.yml``.

The structure (ids, order, options, answers) is the same in every language; :func:`structure` gives the
language-neutral skeleton that a test compares across languages. :class:`GuideIndex` finds the section or
glossary entry that answers a free-text question.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.i18n import normalise_language
from lmi4vet.settings import PROJECT_ROOT
from lmi4vet.text import fold

CONTENT_DIR = PROJECT_ROOT / "content"


@cache
def load(kind: str, lang: str) -> dict[str, Any]:
    """``kind`` is "guide" or "course"; unsupported languages fall back to English."""
    path = CONTENT_DIR / kind / f"{normalise_language(lang)}.yml"
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def structure(kind: str, lang: str) -> list[Any]:
    """The language-neutral skeleton of a content file (ids, paragraph and option counts, answers)."""
    data = load(kind, lang)
    if kind == "guide":
        return ([(s["id"], len(paragraphs(s["body"]))) for s in data["sections"]]
                + [g["id"] for g in data["glossary"]])
    return [(m["id"], tuple(m["guide_sections"]), [lesson["id"] for lesson in m["lessons"]],
             [(q["id"], len(q["options"]), q["answer"]) for q in m["quiz"]]) for m in data["modules"]]


def paragraphs(body: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", body or "") if p.strip()]


def pages(body: str, limit: int = 1500) -> list[str]:
    """A section's full text in chat-sized pages of whole paragraphs."""
    result: list[str] = []
    for paragraph in paragraphs(body):
        if result and len(result[-1]) + 2 + len(paragraph) <= limit:
            result[-1] += "\n\n" + paragraph
        else:
            result.append(paragraph)
    return result or [""]


def section(lang: str, section_id: str) -> dict[str, Any] | None:
    return next((s for s in load("guide", lang)["sections"] if s["id"] == section_id), None)


def glossary_entry(lang: str, entry_id: str) -> dict[str, Any] | None:
    return next((g for g in load("guide", lang)["glossary"] if g["id"] == entry_id), None)


def section_ids(lang: str = "en") -> list[str]:
    return [s["id"] for s in load("guide", lang)["sections"]]


def module(lang: str, module_id: str) -> dict[str, Any] | None:
    return next((m for m in load("course", lang)["modules"] if m["id"] == module_id), None)


def module_ids(lang: str = "en") -> list[str]:
    return [m["id"] for m in load("course", lang)["modules"]]


_STOP_WORDS = (
    "the a an of to in on for and or is are what whats how do does i my me you your can with about it this that",
    "el la los las un una de del en y o que qué como cómo es son mi me se por para lo",
    "le les des du et ou est que quoi comment je mon ma un une c'est ce pour sur",
    "der die das ein eine und oder ist was wie ich mein mir du dein für mit im zu",
    "si sau ce cum este eu un o de la pe cu din pentru care",
)
_STOP = frozenset(fold(word) for line in _STOP_WORDS for word in line.split())


def _tokens(text: str) -> list[str]:
    words = re.findall(r"\w+", fold(text))
    return [w[:6] for w in words if w not in _STOP and len(w) > 1]  # crude stemming: first six letters


@dataclass(frozen=True)
class GuideHit:
    """The best entry for a question: ``kind`` is "section" or "glossary"."""

    kind: str
    id: str
    score: float


_DEFINITION = re.compile(
    r"\b(what( i|')?s|what are|what does|define|definition|meaning|mean|(q|que) es|(q|que) son|significa|"
    r"qu'est|c'est quoi|c koi|veut dire|signifie|definition|was ist|was sind|bedeutet|heisst|"
    r"ce (este|e|inseamna|sunt)|inseamna|definitie)\b")


@dataclass
class _Entry:
    kind: str
    id: str
    phrases: list[list[str]]  # keyword phrases as token lists
    counts: Counter
    length: int


class GuideIndex:
    """Ranks guide sections and glossary entries for a question in one language (BM25 over title, keywords
    and text, plus a bonus for keyword phrases found in the question)."""

    K1, B = 1.2, 0.75

    def __init__(self, lang: str) -> None:
        data = load("guide", lang)
        self.entries: list[_Entry] = []
        for s in data["sections"]:
            keywords = [s["title"], *s.get("keywords", [])]
            text = " ".join([s["title"]] * 2 + s.get("keywords", []) * 2 + [s["summary"], s["body"]])
            self._add("section", s["id"], keywords, text)
        for g in data["glossary"]:
            keywords = [g["term"], *g.get("keywords", [])]
            text = " ".join([g["term"]] * 2 + g.get("keywords", []) * 2 + [g["definition"]] * 2)
            self._add("glossary", g["id"], keywords, text)
        documents = Counter(t for e in self.entries for t in e.counts)
        total = len(self.entries)
        self.idf = {t: math.log(1 + (total - n + 0.5) / (n + 0.5)) for t, n in documents.items()}
        self.average = sum(e.length for e in self.entries) / max(1, total)

    def _add(self, kind: str, entry_id: str, keywords: list[str], text: str) -> None:
        tokens = _tokens(text)
        phrases = [p for p in (_tokens(k) for k in keywords) if p]
        self.entries.append(_Entry(kind, entry_id, phrases, Counter(tokens), len(tokens)))

    def _bm25(self, words: list[str], entry: _Entry) -> float:
        score = 0.0
        for word in set(words):
            frequency = entry.counts.get(word, 0)
            if frequency:
                norm = frequency * (self.K1 + 1) / (
                    frequency + self.K1 * (1 - self.B + self.B * entry.length / self.average))
                score += self.idf.get(word, 0.0) * norm
        return score

    def search(self, question: str, limit: int = 3) -> list[GuideHit]:
        """Entries best first."""
        words = _tokens(question)
        if not words:
            return []
        present = set(words)
        definition = bool(_DEFINITION.search(fold(question)))
        hits = []
        for entry in self.entries:
            score = self._bm25(words, entry)
            longest = max((len(p) for p in entry.phrases if set(p) <= present), default=0)
            score += 1.5 * longest
            if entry.kind == "glossary":
                score += 1.0 if definition and longest else -1.5  # "what is NEET?" wants the definition
            hits.append(GuideHit(entry.kind, entry.id, score))
        hits.sort(key=lambda h: -h.score)
        return [h for h in hits[:limit] if h.score > 2.0]


@cache
def guide_index(lang: str) -> GuideIndex:
    return GuideIndex(normalise_language(lang))


def available_languages(kind: str) -> list[str]:
    return [lang for lang in SUPPORTED_LANGUAGES if (CONTENT_DIR / kind / f"{lang}.yml").exists()]


def content_path(kind: str, lang: str) -> Path:
    return CONTENT_DIR / kind / f"{lang}.yml"
