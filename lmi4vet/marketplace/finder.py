"""The chat's offer search: the published catalogue's :class:`~lmi4vet.marketplace.search.SearchIndex`, built
once per catalogue version and language and kept, then searched without database access.

The version is read with one small query (how many offers and providers, the latest change of either), so an
offer approved in the console or paused in the chat is found, or no longer found, on the next search.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from lmi4vet.marketplace import categories
from lmi4vet.marketplace.models import Offer, Provider
from lmi4vet.marketplace.places import Place
from lmi4vet.marketplace.search import SearchIndex, SearchResult
from lmi4vet.marketplace.store import cards

KEEP = 10  # indexes kept (one per language, and a previous version while a new one is built)
_indexes: OrderedDict[tuple, SearchIndex] = OrderedDict()
_lock = threading.Lock()


def catalogue_version(session: Session) -> tuple:
    """What changes whenever the published catalogue may have: offer and provider counts and latest changes."""
    offers = session.execute(select(func.count(Offer.id), func.max(Offer.updated_at))).one()
    providers = session.execute(select(func.count(Provider.id),
                                       func.sum(case((Provider.active.is_(True), Provider.id), else_=0)))).one()
    return (offers[0], str(offers[1]), providers[0], providers[1])


def groups() -> dict[str, str]:
    """Subcategory id -> group id, for the index (the catalogue's ids carry no group)."""
    return {category.id: category.group for category in categories.categories()}


def index(session: Session, language: str) -> SearchIndex:
    """The search index of the published catalogue, with titles in ``language`` (built when it changed)."""
    key = (language, catalogue_version(session))
    with _lock:
        found = _indexes.get(key)
        if found is not None:
            _indexes.move_to_end(key)
            return found
    built = SearchIndex(cards(session, language), version=key, groups=groups())
    with _lock:
        _indexes[key] = built
        while len(_indexes) > KEEP:
            _indexes.popitem(last=False)
    return built


def find(session: Session, *, category: str | None, place: Place | None, language: str, today: date,
         limit: int = 9) -> SearchResult:
    """The best published offers for the category (a subcategory or group id) near the place."""
    return index(session, language).search(category=category, place=place, language=language, today=today,
                                           limit=limit)
