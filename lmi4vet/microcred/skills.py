"""ESCO skills for a learning outcome: the skills whose labels best match the outcome's words ("The learner
can weld butt joints in steel plate" -> "weld metal", "use welding equipment"), in any of the five languages,
through the tolerant label index of the occupation search (:class:`lmi4vet.kb.occupations.LabelIndex`:
folded, plural and gender endings stripped, typos allowed).

A label is suggested when most of its words are in the outcome (:func:`same_word`: equal, one the start of
the other, or a typo apart), rare words counting more than common ones ("photovoltaic" more than "systems"):
the weighted share must reach :data:`MIN_SHARE`, with two words found at least (a one-word label must be in
the outcome as it is). The labels shown are the preferred ones in the draft's
language (English when ESCO has none).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from lmi4vet.db.models import SkillLabel
from lmi4vet.kb.occupations import IndexCache, LabelIndex, current_version, stem
from lmi4vet.microcred.checks import outcome_body

WORD_MATCH = 90.0
MIN_SHARE = 0.55
LIMIT = 3
# Words that say nothing about a skill, in the five languages (after folding and stemming).
STOPWORDS = frozenset(stem(" ".join((
    "the and for with from into their other using use able can will according under when where which that this",
    "los las del con para por una unos unas sus según segun como que mediante sobre entre",
    "cei cele din pentru care prin unei unui sale conform între intre este sunt poate pot",
    "les des aux avec pour dans une selon sur par leur leurs est sont peut peuvent",
    "der die das den dem des und mit für fur von nach bei auf eine einen einer einem ihre können konnen kann",
))).split())


@dataclass(frozen=True)
class Suggestion:
    """A skill for an outcome: its URI, its label in the draft's language and how much of it matched."""

    uri: str
    label: str
    share: float


class SkillIndex(LabelIndex):
    """Every ESCO skill label (preferred and alternative, five languages)."""

    @classmethod
    def load(cls, session: Session) -> SkillIndex:
        rows = session.execute(select(SkillLabel.skill_uri, SkillLabel.lang, SkillLabel.label)
                               .where(SkillLabel.kind.in_(("preferred", "alt")))).all()
        return cls(rows, current_version(session))

    @cached_property
    def weights(self) -> dict[str, float]:
        """Each word's weight: rarer words say more about a skill (inverse document frequency)."""
        total = max(len(self.keys), 1)
        return {word: math.log(1 + total / len(labels)) for word, labels in self.by_word.items()}

    def match(self, text: str, lang: str, limit: int = LIMIT) -> list[tuple[str, float]]:
        """``(uri, share)`` of the best skills for an outcome, best first: the weighted share of the label's
        words found in the outcome, then a label in ``lang``."""
        words = {w for w in stem(outcome_body(text, lang)).split() if len(w) >= 3 and w not in STOPWORDS}
        if not words:
            return []
        best: dict[str, tuple[float, int]] = {}
        for index in self.candidates(" ".join(sorted(words))):
            label_words = [w for w in self.keys[index].split() if w not in STOPWORDS]
            if not label_words:
                continue
            found = [w for w in label_words if any(same_word(w, q) for q in words)]
            if len(found) < min(2, len(label_words)) or (len(label_words) == 1 and found[0] not in words):
                continue
            share = sum(self.weights.get(w, 1.0) for w in found) / sum(self.weights.get(w, 1.0) for w in label_words)
            if share < MIN_SHARE:
                continue
            rank = (round(share, 3), int(self.langs[index] == lang))
            uri = self.uris[index]
            best[uri] = max(best.get(uri, rank), rank)
        ranked = sorted(best.items(), key=lambda item: (-item[1][0], -item[1][1], item[0]))
        return [(uri, rank[0]) for uri, rank in ranked[:limit]]


def same_word(a: str, b: str) -> bool:
    """Two stemmed words are the same word: equal, one the other's start (at least 4 letters: "instal" ~
    "installation"), or a typo apart."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 4 and long_.startswith(short):
        return True
    return min(len(a), len(b)) >= 5 and fuzz.ratio(a, b) >= WORD_MATCH


skill_index = IndexCache(SkillIndex.load)


def suggest(session: Session, text: str, lang: str, limit: int = LIMIT) -> list[Suggestion]:
    """Up to ``limit`` ESCO skills for the outcome ``text`` written in ``lang``, labelled in ``lang``."""
    matches = skill_index.get(session).match(text, lang, limit)
    labels = preferred_labels(session, [uri for uri, _ in matches], lang)
    return [Suggestion(uri, labels.get(uri, uri.rsplit("/", 1)[-1]), share) for uri, share in matches]


def preferred_labels(session: Session, uris: list[str], lang: str) -> dict[str, str]:
    """``{uri: preferred label in lang}`` (English where ESCO has no label in ``lang``)."""
    if not uris:
        return {}
    rows = session.execute(select(SkillLabel.skill_uri, SkillLabel.lang, SkillLabel.label).where(
        SkillLabel.skill_uri.in_(uris), SkillLabel.kind == "preferred", SkillLabel.lang.in_((lang, "en")))).all()
    labels: dict[str, dict[str, str]] = {}
    for uri, label_lang, label in rows:
        labels.setdefault(uri, {})[label_lang] = label
    return {uri: found.get(lang) or found["en"] for uri, found in labels.items()}
