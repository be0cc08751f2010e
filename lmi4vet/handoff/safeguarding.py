"""Safeguarding: curated phrases (``content/safeguarding/<lang>.yml``) that mean a person may be at risk.

A match opens an urgent ticket and shows the emergency number 112 at once. Phrases are matched as whole
words, case- and accent-insensitive; a trailing ``*`` matches any ending ("suicid*"). All five languages'
lists are checked whatever language the conversation is in: people mix languages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import yaml

from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.settings import PROJECT_ROOT
from lmi4vet.text import fold

CATEGORIES = ("self_harm", "violence", "exploitation")  # in order of precedence
CONTENT_DIR = PROJECT_ROOT / "content" / "safeguarding"
_NON_WORD = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True)
class Risk:
    category: str  # self_harm | violence | exploitation
    language: str  # the list that matched
    phrase: str


def normalise(text: str) -> str:
    """Lower case, no accents (ß -> ss), words separated by single spaces, padded with one space each side."""
    folded = fold(text)
    return " " + " ".join(_NON_WORD.sub(" ", folded).split()) + " "


def _pattern(phrase: str) -> re.Pattern[str]:
    words = normalise(phrase.rstrip("*")).split()
    if not words:
        raise ValueError(f"empty safeguarding phrase {phrase!r}")
    tail = r"[0-9a-z]*" if phrase.rstrip().endswith("*") else ""
    return re.compile(" " + " ".join(map(re.escape, words)) + tail + " ")


@cache
def phrases() -> tuple[tuple[str, str, str, re.Pattern[str]], ...]:
    """``(category, language, phrase, pattern)`` of every curated phrase."""
    found = []
    for lang in SUPPORTED_LANGUAGES:
        path = CONTENT_DIR / f"{lang}.yml"
        lists = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        unknown = set(lists) - set(CATEGORIES)
        if unknown:
            raise ValueError(f"{path}: unknown categories {sorted(unknown)}")
        for category in CATEGORIES:
            for phrase in lists.get(category) or []:
                found.append((category, lang, str(phrase), _pattern(str(phrase))))
    return tuple(found)


def detect(text: str) -> Risk | None:
    """The risk a message shows, if any (self-harm before violence before exploitation)."""
    if not text or text.startswith("/"):
        return None  # button payloads are ours
    normal = normalise(text)
    matches = [(CATEGORIES.index(category), Risk(category, lang, phrase))
               for category, lang, phrase, pattern in phrases() if pattern.search(normal)]
    return min(matches, key=lambda m: m[0])[1] if matches else None
