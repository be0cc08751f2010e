"""Figures by country: the latest (or a given year's) value of an indicator, with its comparisons.

Every figure returned carries its dataset code, source name, period and flags: nothing is computed that the
data does not hold.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lmi4vet.countries import EU_AGGREGATE
from lmi4vet.db.models import Dataset, Fact
from lmi4vet.kb.indicators import BY_CODE


@dataclass(frozen=True)
class Figure:
    """One stored value and where it comes from."""

    indicator: str
    geo: str
    period: str
    year: int
    value: float | None
    unit: str
    flags: str
    secondary: bool
    note: str | None
    dataset: str
    source: str
    dataset_title: str

    @property
    def available(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class FigureAnswer:
    """What the assistant can say about one indicator, place and (optional) year."""

    figure: Figure | None  # the requested (or latest available) figure
    eu: Figure | None  # EU-27 for the same period, when the place is not the EU itself
    previous: Figure | None  # the same place one period earlier
    requested_year: int | None
    available_years: list[int]

    @property
    def nearest_year(self) -> int | None:
        """The available year closest to the requested one (later wins a tie)."""
        if self.requested_year is None or not self.available_years:
            return None
        return min(self.available_years, key=lambda y: (abs(y - self.requested_year), -y))


def _figures(session: Session, indicator: str, geo: str) -> list[Figure]:
    rows = session.execute(
        select(Fact, Dataset).join(Dataset, Fact.dataset_id == Dataset.id)
        .where(Fact.indicator == indicator, Fact.geo == geo)
        .order_by(Fact.period)
    ).all()
    return [Figure(f.indicator, f.geo, f.period, f.year, f.value, f.unit, f.flags, f.secondary, f.note, d.code,
                   d.source_name, d.title) for f, d in rows]


def _latest(figures: list[Figure], year: int | None = None) -> Figure | None:
    candidates = [f for f in figures if f.available and (year is None or f.year == year)]
    return candidates[-1] if candidates else None


def _previous(figures: list[Figure], current: Figure) -> Figure | None:
    earlier = [f for f in figures if f.period < current.period and f.available]
    return earlier[-1] if earlier and earlier[-1].year >= current.year - 1 else None


def figure_answer(session: Session, indicator: str, geo: str, year: int | None = None) -> FigureAnswer:
    """The figure for ``indicator`` in ``geo`` (Eurostat code) for ``year`` or the latest available."""
    if indicator not in BY_CODE:
        raise KeyError(indicator)
    figures = _figures(session, indicator, geo)
    years = sorted({f.year for f in figures if f.available})
    figure = _latest(figures, year)
    if figure is None:
        return FigureAnswer(None, None, None, year, years)
    eu = None
    if geo != EU_AGGREGATE:
        eu = next((f for f in _figures(session, indicator, EU_AGGREGATE)
                   if f.period == figure.period and f.available), None)
    return FigureAnswer(figure, eu, _previous(figures, figure), year, years)


def indicators_for_geo(session: Session, geo: str) -> list[str]:
    """Indicator codes with at least one value for ``geo``, in the registry's order."""
    have = set(session.execute(
        select(Fact.indicator).where(Fact.geo == geo, Fact.value.is_not(None)).distinct()).scalars())
    return [code for code in BY_CODE if code in have]
