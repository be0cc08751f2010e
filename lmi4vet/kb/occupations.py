"""Occupations: tolerant search over their names in five languages, essential skills, shortage lists.

Search folds case and diacritics, strips plural and gendered endings ("soldadoras" ~ "soldador",
"Schweißerinnen" ~ "Schweißer", "infirmières" ~ "infirmier") and scores with rapidfuzz, so typos still match.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lmi4vet.db.models import (
    Dataset,
    ImportRun,
    Occupation,
    OccupationLabel,
    OccupationSkill,
    Shortage,
    Skill,
    SkillLabel,
)
from lmi4vet.text import fold

# Longest first; a suffix is removed only when at least four letters remain.
_SUFFIXES = ("innen", "ului", "elor", "rice", "euse", "eses", "ii", "in", "es", "ul", "ei", "s", "e", "a", "i", "x")
_FILLER = frozenset(
    " ".join((
        "a an the of for to do does need needs what which skills skill competences competence job jobs work as",
        "un una el la los las de del para que qué cuales habilidades competencias necesita trabajo",
        "o al ce cu pentru competente abilitati are nevoie unui unei meseria meserie",
        "le les des du pour quelles quels competences faut il metier",
        "ein eine einen der die das für welche braucht brauche kompetenzen fähigkeiten beruf als",
    )).split()
)
DIRECT = 88.0
CANDIDATE = 62.0
ESCO_PORTAL = "https://esco.ec.europa.eu/{lang}/classification/occupation?uri={uri}"


def stem(text: str) -> str:
    """Folded text whose words lost plural and gendered endings (for matching only)."""
    out = []
    for word in re.findall(r"\w+", fold(text)):
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 4:
                word = word[: -len(suffix)]
                break
        out.append(word)
    return " ".join(out)


def strip_filler(text: str) -> str:
    """Drop question words ("what skills does a ... need") so only the job's name is matched."""
    kept = [w for w in re.findall(r"[\w'’-]+", text) if fold(w) not in _FILLER]
    return " ".join(kept)


@dataclass(frozen=True)
class Match:
    """A candidate occupation for a query."""

    uri: str
    score: float


class LabelIndex:
    """In-memory index of concept labels ``(uri, lang, label)``, stemmed, with the labels each word is in."""

    def __init__(self, rows: Iterable[tuple[str, str, str]], version: int = 0) -> None:
        self.version = version
        self.keys: list[str] = []
        self.uris: list[str] = []
        self.langs: list[str] = []
        self.by_word: dict[str, list[int]] = {}
        seen: set[tuple[str, str]] = set()
        for uri, lang, label in rows:
            key = stem(label)
            if key and (uri, key) not in seen:
                seen.add((uri, key))
                for word in set(key.split()):
                    self.by_word.setdefault(word, []).append(len(self.keys))
                self.keys.append(key)
                self.uris.append(uri)
                self.langs.append(lang)
        self.vocabulary = list(self.by_word)

    def __len__(self) -> int:
        return len(self.keys)

    def similar_words(self, word: str, cutoff: float = 70) -> list[tuple[str, float]]:
        """Indexed words like ``word`` (a stemmed word of three letters or more), give or take a typo."""
        if len(word) < 3:
            return []
        return [(similar, score) for similar, score, _ in process.extract(
            word, self.vocabulary, scorer=fuzz.ratio, limit=25, score_cutoff=cutoff)]

    def candidates(self, key: str) -> list[int]:
        """The labels sharing a word (give or take a typo) with the stemmed query ``key``, in index order."""
        found: set[int] = set()
        for word in set(key.split()):
            for similar, _ in self.similar_words(word):
                found.update(self.by_word[similar])
        return sorted(found)


class OccupationIndex(LabelIndex):
    """Every occupation label, for the tolerant occupation search (rebuilt when an import has run)."""

    @classmethod
    def load(cls, session: Session) -> OccupationIndex:
        rows = session.execute(
            select(OccupationLabel.occupation_uri, OccupationLabel.lang, OccupationLabel.label)
            .where(OccupationLabel.kind.in_(("preferred", "alt", "synonym")))
        ).all()
        return cls(rows, current_version(session))

    def search(self, query: str, lang: str | None = None, limit: int = 3) -> list[Match]:
        """The best distinct occupations for ``query``, best first (the user's language breaks ties)."""
        key = stem(query)
        if not key or not self.keys:
            return []
        # First the labels sharing a word (give or take a typo) with the query, then score only those.
        pool = self.candidates(key)
        if not pool:
            return []
        found = process.extract(key, [self.keys[i] for i in pool], scorer=fuzz.WRatio, limit=40,
                                score_cutoff=CANDIDATE - 10)
        best: dict[str, float] = {}
        for _, score, position in found:
            index = pool[position]
            exact_bonus = 4.0 if self.keys[index] == key else 0.0
            lang_bonus = 1.0 if self.langs[index] == lang else 0.0
            uri = self.uris[index]
            best[uri] = max(best.get(uri, 0.0), min(100.0, score + exact_bonus + lang_bonus))
        ranked = sorted(best.items(), key=lambda item: -item[1])
        return [Match(uri, score) for uri, score in ranked[:limit] if score >= CANDIDATE]


def current_version(session: Session) -> int:
    """Changes whenever an import has run (the id of the latest import run)."""
    return session.execute(select(func.coalesce(func.max(ImportRun.id), 0))).scalar_one()


class IndexCache:
    """One index per process, reloaded when the database changed (``load``: builds it from a session)."""

    def __init__(self, load: Callable[[Session], LabelIndex] = OccupationIndex.load) -> None:
        self._lock = threading.Lock()
        self._load = load
        self._index: LabelIndex | None = None

    def get(self, session: Session) -> Any:
        version = current_version(session)
        with self._lock:
            if self._index is None or self._index.version != version:
                self._index = self._load(session)
            return self._index


index_cache = IndexCache()


def decide(matches: list[Match]) -> tuple[str | None, list[Match]]:
    """``(uri, [])`` for a clear winner, ``(None, candidates)`` when several are close or none is sure."""
    if not matches:
        return None, []
    top = matches[0]
    if top.score >= DIRECT and (len(matches) == 1 or matches[1].score < top.score - 3):
        return top.uri, []
    return None, matches[:3]


@dataclass(frozen=True)
class ShownLabel:
    """A label as shown to a user: its text, the language it is in, and whether it is our own translation."""

    label: str
    lang: str
    project_translation: bool = False


def occupation_label_entry(session: Session, uri: str, lang: str) -> ShownLabel:
    """The occupation's preferred label in ``lang`` (English when missing), with its language and whether it is
    our own translation of the English label."""
    rows = {row.lang: row for row in session.execute(
        select(OccupationLabel.lang, OccupationLabel.label, OccupationLabel.project_translation)
        .where(OccupationLabel.occupation_uri == uri, OccupationLabel.kind == "preferred",
               OccupationLabel.lang.in_((lang, "en")))
    ).all()}
    row = rows.get(lang) or rows.get("en")
    if row is None:
        return ShownLabel(uri.rsplit("/", 1)[-1], "en")
    return ShownLabel(row.label, row.lang, bool(row.project_translation))


def occupation_label(session: Session, uri: str, lang: str) -> str:
    """The occupation's preferred label in ``lang`` (English when missing)."""
    return occupation_label_entry(session, uri, lang).label


@dataclass(frozen=True)
class SkillItem:
    """One essential skill in the user's language (``lang`` says which language the label is in;
    ``project_translation``: the label is our own translation of the English ESCO label)."""

    label: str
    lang: str
    skill_type: str
    project_translation: bool = False


def essential_skills(session: Session, uri: str, lang: str) -> list[SkillItem]:
    """The occupation's essential skills (skills and competences first, then knowledge), alphabetical."""
    rows = session.execute(
        select(OccupationSkill.skill_uri, Skill.skill_type, SkillLabel.lang, SkillLabel.label,
               SkillLabel.project_translation)
        .join(Skill, Skill.uri == OccupationSkill.skill_uri)
        .join(SkillLabel, SkillLabel.skill_uri == OccupationSkill.skill_uri)
        .where(OccupationSkill.occupation_uri == uri, OccupationSkill.relation == "essential",
               SkillLabel.kind == "preferred", SkillLabel.lang.in_((lang, "en")))
    ).all()
    by_skill: dict[str, dict[str, tuple[str, str, bool]]] = {}
    for skill_uri, skill_type, label_lang, label, project in rows:
        by_skill.setdefault(skill_uri, {})[label_lang] = (label, skill_type, bool(project))
    items = []
    for labels in by_skill.values():
        chosen = lang if lang in labels else "en"
        label, skill_type, project = labels[chosen]
        items.append(SkillItem(label, chosen, skill_type, project))
    return sorted(items, key=lambda s: (s.skill_type == "knowledge", fold(s.label)))


def esco_link(uri: str, lang: str) -> str:
    """The occupation's page on the ESCO portal, in the user's language."""
    return ESCO_PORTAL.format(lang=lang, uri=uri)


@dataclass(frozen=True)
class ShortageList:
    """Occupations a report lists in shortage for one place and year."""

    geo: str
    year: int
    dataset: str
    title: str
    source: str
    occupations: list[str]  # URIs, in the report's order


def shortage_lists(session: Session, geo: str) -> list[ShortageList]:
    """Shortage lists for ``geo`` (Eurostat code, EU27_2020 for EU-wide), newest first."""
    rows = session.execute(
        select(Shortage, Dataset).join(Dataset, Shortage.dataset_id == Dataset.id)
        .where(Shortage.geo == geo).order_by(Shortage.year.desc(), Dataset.code, Shortage.rank, Shortage.id)
    ).all()
    lists: dict[tuple[str, int], ShortageList] = {}
    for shortage, dataset in rows:
        key = (dataset.code, shortage.year)
        if key not in lists:
            lists[key] = ShortageList(geo, shortage.year, dataset.code, dataset.title, dataset.source_name, [])
        lists[key].occupations.append(shortage.occupation_uri)
    return list(lists.values())


def occupation_by_id(session: Session, concept_id: str) -> str | None:
    """The URI of an occupation from its ESCO concept id (the UUID at the end of the URI)."""
    if not re.fullmatch(r"[0-9a-f-]{36}", concept_id or ""):
        return None
    uri = f"http://data.europa.eu/esco/occupation/{concept_id}"
    return session.get(Occupation, uri) and uri
