"""The marketplace's figures for the console: requests for a quote per category and per country, how often
providers accept, and how fast they answer.

Definitions (the console page states them too):

- a request is **answered** when the offer's provider made a move on it: accepted it, offered a price and date,
  or declined it (its ``accepted_at``, ``offered_at`` or ``declined_at``; these timestamps stay on the request
  when the member who moved is erased);
- it is **accepted** when the provider's first move was to accept or to offer a price, whatever came next
  (confirmed, completed, cancelled by the SME, declined later, expired);
- **acceptance rate** = accepted / answered (None with nothing answered); :attr:`Figures.accepted_share` =
  accepted / all requests;
- **response time** = from the request (``created_at``) to the provider's first move; its median is taken over
  the answered requests (None with none).

One query of plain columns (SQLAlchemy Core, the same on SQLite and PostgreSQL); the counts and medians are
computed in Python.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from lmi4vet.i18n import country_name
from lmi4vet.marketplace import categories
from lmi4vet.marketplace.models import Offer, Request
from lmi4vet.marketplace.quote_requests import STATES


@dataclass(frozen=True)
class Figures:
    """The figures of one slice of requests (a category, a country, or all: ``key`` "")."""

    key: str
    name: str
    requests: int
    answered: int
    accepted: int
    median_response: float | None  # seconds

    @property
    def acceptance_rate(self) -> float | None:
        """Accepted over answered."""
        return self.accepted / self.answered if self.answered else None

    @property
    def accepted_share(self) -> float | None:
        """Accepted over all requests."""
        return self.accepted / self.requests if self.requests else None


@dataclass(frozen=True)
class MarketplaceFigures:
    """Everything the analytics page shows: ``by_state`` counts every state of
    :data:`~lmi4vet.marketplace.quote_requests.STATES` (0 included)."""

    total: Figures
    by_category: tuple[Figures, ...]
    by_country: tuple[Figures, ...]
    by_state: dict[str, int]


@dataclass(frozen=True)
class _Row:
    category: str
    country: str
    state: str
    response: float | None  # seconds to the provider's first move, None when unanswered
    accepted: bool


def _row(category: str, country: str, state: str, created: datetime, accepted_at: datetime | None,
         offered_at: datetime | None, declined_at: datetime | None) -> _Row:
    yes = [moment for moment in (accepted_at, offered_at) if moment is not None]
    moves = [*yes, *([declined_at] if declined_at is not None else [])]
    if not moves:
        return _Row(category, country, state, None, False)
    first = min(moves)
    return _Row(category, country, state, (first - created).total_seconds(), bool(yes) and min(yes) <= first)


def _figures(key: str, name: str, rows: list[_Row]) -> Figures:
    times = [r.response for r in rows if r.response is not None]
    return Figures(key, name, len(rows), len(times), sum(r.accepted for r in rows),
                   median(times) if times else None)


def _sliced(rows: Iterable[_Row], key: Callable[[_Row], str], name: Callable[[str], str]) -> tuple[Figures, ...]:
    """Figures per value of ``key``, the most requested first (ties by name)."""
    groups: dict[str, list[_Row]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    found = [_figures(value, name(value), members) for value, members in groups.items()]
    return tuple(sorted(found, key=lambda f: (-f.requests, f.name)))


def category_name(category_id: str) -> str:
    """A subcategory's English name (the id for an unknown one)."""
    found = categories.category(category_id)
    return found.name("en") if found is not None else category_id


def figures(session: Session, since: datetime | None = None, until: datetime | None = None) -> MarketplaceFigures:
    """The figures of the requests made from ``since`` (included) to ``until`` (excluded), naive UTC; all
    requests without them. Category and country are the offer's."""
    query = select(Offer.category, Offer.country, Request.state, Request.created_at, Request.accepted_at,
                   Request.offered_at, Request.declined_at).join(Offer, Request.offer_id == Offer.id)
    if since is not None:
        query = query.where(Request.created_at >= since)
    if until is not None:
        query = query.where(Request.created_at < until)
    rows = [_row(*values) for values in session.execute(query).all()]
    by_state: dict[str, int] = dict.fromkeys(STATES, 0)
    for row in rows:
        by_state[row.state] = by_state.get(row.state, 0) + 1
    return MarketplaceFigures(_figures("", "All requests", rows),
                              _sliced(rows, lambda r: r.category, category_name),
                              _sliced(rows, lambda r: r.country, lambda code: country_name(code, "en")),
                              by_state)
