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
from typing import Any

import yaml
from rapidfuzz import fuzz

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
    """Informative words cut to their first six letters (a crude stem); a long word also gives its last six
    letters, which is the head of a German compound ("Jugendarbeitslosenquote" -> "jugend", "~nquote")."""
    tokens = []
    for word in re.findall(r"\w+", fold(text)):
        if word in _STOP or len(word) <= 1:
            continue
        tokens.append(word[:6])
        if len(word) > 11:
            tokens.append("~" + word[-6:])
    return tokens


@dataclass(frozen=True)
class GuideHit:
    """The best entry for a question: ``kind`` is "section" or "glossary"."""

    kind: str
    id: str
    score: float


_DEFINITION = re.compile(
    r"\b(what( i|')?s|what are|what does|define|definition|meaning|mean|(q|que) es|(q|que) son|significa|"
    r"qu'est|c'est quoi|c koi|veut dire|signifie|definition|was ist|was sind|bedeutet|heisst|"
    r"ce (este|e|inseamna|sunt)|inseamna|definitie|para (q|que) sirve|(q|que) mide|quoi sert|wozu|"
    r"la ce (foloseste|serveste)|what is it for|stand for)\b")


_HOW = re.compile(r"\b(how|why|should|como|por que|porque|deberia|comment|pourquoi|faut il|dois je|wie|warum|"
                  r"soll|sollte|cum|de ce|ar trebui|trebuie)\b")


@dataclass
class _Entry:
    kind: str
    id: str
    phrases: list[list[str]]  # title/term and keyword phrases, as token lists
    names: Counter  # tokens of the title/term and keywords
    text: Counter  # tokens of the summary and body (or the definition)


class GuideIndex:
    """Ranks guide sections and glossary entries for a question in one language: BM25 over two fields (names
    and keywords weigh twice the text and example questions), a bonus for the longest keyword phrase found in
    the question and for the most similar example question, and a preference for glossary terms on "what is
    ...?" questions and for sections on "how/why" ones."""

    K1, B = 1.2, 0.75
    NAMES, TEXT, PHRASE, DEFINITION, NOT_DEFINITION, HOW, SIMILAR = 2.0, 1.0, 1.5, 4.0, -1.5, 6.0, 20.0
    SECTION_OVER_TERM = 0.85

    def __init__(self, lang: str) -> None:
        data = load("guide", lang)
        self.entries: list[_Entry] = []
        self.example_texts: list[list[str]] = []  # per entry, its example questions as token strings
        for s in data["sections"]:
            self._add("section", s["id"], [s["title"], *s.get("keywords", [])], f"{s['summary']} {s['body']}",
                      s.get("questions", []))
        for g in data["glossary"]:
            self._add("glossary", g["id"], [g["term"], *g.get("keywords", [])], g["definition"],
                      g.get("questions", []))
        self.idf_names, self.avg_names = self._idf("names")
        self.idf_text, self.avg_text = self._idf("text")

    def _add(self, kind: str, entry_id: str, names: list[str], text: str, examples: list[str]) -> None:
        phrases = [p for p in (_tokens(n) for n in names) if p]
        self.entries.append(_Entry(kind, entry_id, phrases, Counter(_tokens(" ".join(names))),
                                   Counter(_tokens(f"{text} {' '.join(examples)}"))))
        self.example_texts.append([" ".join(_tokens(e)) for e in examples])

    def _idf(self, field: str) -> tuple[dict[str, float], float]:
        documents = Counter(t for e in self.entries for t in getattr(e, field))
        total = len(self.entries)
        idf = {t: math.log(1 + (total - n + 0.5) / (n + 0.5)) for t, n in documents.items()}
        average = sum(sum(getattr(e, field).values()) for e in self.entries) / max(1, total)
        return idf, average

    def _bm25(self, words: set[str], counts: Counter, idf: dict[str, float], average: float) -> float:
        length = sum(counts.values())
        score = 0.0
        for word in words:
            frequency = counts.get(word, 0)
            if frequency:
                score += idf[word] * frequency * (self.K1 + 1) / (
                    frequency + self.K1 * (1 - self.B + self.B * length / average))
        return score

    def search(self, question: str, limit: int = 3) -> list[GuideHit]:
        """Entries best first."""
        words = set(_tokens(question))
        if not words:
            return []
        folded = fold(question)
        definition = bool(_DEFINITION.search(folded))
        how = bool(_HOW.search(folded)) and not definition
        asked = " ".join(_tokens(question))
        hits = []
        for number, entry in enumerate(self.entries):
            longest = max((len(p) for p in entry.phrases if set(p) <= words), default=0)
            similar = max((fuzz.token_set_ratio(asked, e) for e in self.example_texts[number]), default=0.0)
            score = (self.NAMES * self._bm25(words, entry.names, self.idf_names, self.avg_names)
                     + self.TEXT * self._bm25(words, entry.text, self.idf_text, self.avg_text)
                     + self.PHRASE * longest + self.SIMILAR * similar / 100)
            if entry.kind == "glossary":
                score += self.DEFINITION if definition and longest else self.NOT_DEFINITION
                score -= self.HOW if how else 0.0
            hits.append(GuideHit(entry.kind, entry.id, score))
        hits.sort(key=lambda h: -h.score)
        if hits and hits[0].kind == "glossary" and (len(words) > 3 or not definition):
            # a longer or practical question about a term wants the section that explains it, when close
            section = next((h for h in hits if h.kind == "section"), None)
            if section is not None and section.score >= self.SECTION_OVER_TERM * hits[0].score:
                hits.remove(section)
                hits.insert(0, section)
        return [h for h in hits[:limit] if h.score > 2.0]


@cache
def guide_index(lang: str) -> GuideIndex:
    return GuideIndex(normalise_language(lang))
