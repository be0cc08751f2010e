"""The marketplace's fixed two-level list of service categories (``content/marketplace/categories.yml``): groups
and their subcategories, each subcategory with its names in the five languages, the NACE classes it
corresponds to and the words SME owners type for it. An offer's ``category`` is a subcategory id."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import yaml

from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.settings import PROJECT_ROOT

CATEGORIES_FILE = PROJECT_ROOT / "content" / "marketplace" / "categories.yml"
NACE_CLASS = re.compile(r"^\d{2}\.\d{2}$")


@dataclass(frozen=True)
class Category:
    """A subcategory: what an offer is filed under."""

    id: str
    group: str
    names: dict[str, str]
    nace: tuple[str, ...]
    words: dict[str, tuple[str, ...]]

    def name(self, lang: str) -> str:
        return self.names.get(lang, self.names["en"])


@dataclass(frozen=True)
class Group:
    """A top-level group and the ids of its subcategories, in the file's order."""

    id: str
    names: dict[str, str]
    categories: tuple[str, ...]

    def name(self, lang: str) -> str:
        return self.names.get(lang, self.names["en"])


def _names(entry: dict, what: str) -> dict[str, str]:
    names = entry.get("names") or {}
    missing = [lang for lang in SUPPORTED_LANGUAGES if not str(names.get(lang) or "").strip()]
    if missing:
        raise ValueError(f"{what} {entry.get('id')!r} has no name in {', '.join(missing)}")
    return {lang: str(names[lang]).strip() for lang in SUPPORTED_LANGUAGES}


def _category(entry: dict, group: str) -> Category:
    ident = entry.get("id")
    nace = tuple(str(code) for code in entry.get("nace") or ())
    if not nace or not all(NACE_CLASS.match(code) for code in nace):
        raise ValueError(f"category {ident!r}: NACE classes are written like '56.21', not {list(nace)}")
    words = entry.get("words") or {}
    if any(not words.get(lang) for lang in SUPPORTED_LANGUAGES):
        raise ValueError(f"category {ident!r} needs search words in every language")
    return Category(ident, group, _names(entry, "category"), nace,
                    {lang: tuple(str(w).strip() for w in words[lang]) for lang in SUPPORTED_LANGUAGES})


@cache
def _load() -> tuple[tuple[Group, ...], dict[str, Category]]:
    with CATEGORIES_FILE.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    groups: list[Group] = []
    categories: dict[str, Category] = {}
    for entry in data["groups"]:
        members = [_category(sub, entry["id"]) for sub in entry["subcategories"]]
        for category in members:
            if category.id in categories or any(category.id == g.id for g in groups):
                raise ValueError(f"category id {category.id!r} is used twice")
            categories[category.id] = category
        groups.append(Group(entry["id"], _names(entry, "group"), tuple(c.id for c in members)))
    return tuple(groups), categories


def groups() -> tuple[Group, ...]:
    """The top-level groups in the file's order."""
    return _load()[0]


def categories() -> tuple[Category, ...]:
    """Every subcategory, group by group."""
    return tuple(_load()[1].values())


def category(category_id: str) -> Category | None:
    """The subcategory ``category_id``, or None."""
    return _load()[1].get(category_id)


def group_of(category_id: str) -> Group | None:
    """The group a subcategory belongs to, or None for an unknown id."""
    found = category(category_id)
    return None if found is None else next(g for g in groups() if g.id == found.group)


def nace_codes() -> frozenset[str]:
    """Every NACE class some subcategory is mapped to."""
    return frozenset(code for c in categories() for code in c.nace)
