"""Figures by country: the latest (or a given year's) value of an indicator, with its comparisons.

Every figure returned carries its provenance: the publisher and dataset (code, title, official page), the
reference period, the data's last update at the source, its flags, and, for a value not taken from the official
file itself, who published it (``secondary_publisher``). Nothing is computed that the data does not hold.

Headline figures are the rows without a breakdown (``Fact.breakdown == ""``); a breakdown ("isco08=OC7") is only
looked up when asked for.

Staleness (:func:`is_stale`): a series is *stale* on ``today`` when the period after its latest one should
already have been published, i.e. that next period ended more than the frequency's usual publication lag
(:data:`PUBLICATION_LAG_MONTHS`) before ``today``. With a 6-month lag for annual data, the latest year 2024 is
stale from 1 July 2026 (2025 ended on 31 December 2025; 6 months later it is usually out) and fresh before.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lmi4vet.countries import EU_AGGREGATE
from lmi4vet.db.models import Dataset, Fact
from lmi4vet.kb.indicators import BY_CODE, TOTAL, parse_breakdown

EUROSTAT = "Eurostat"
DATABROWSER = "https://ec.europa.eu/eurostat/databrowser/view/{code}/default/table"

# How long after the end of a reference period Eurostat usually has published it, in months, per frequency.
# Generous on purpose: an answer says "newer figures are usually out by now" only when that is surely so.
#   A annual (labour force survey results, NEET, employment: April to June of the following year)  6
#   S half-yearly (minimum wages on 1 January / 1 July: published within a quarter)                  3
#   Q quarterly (job vacancies: about 75 days after the quarter)                                     4
#   M monthly (unemployment: about a month after the month)                                          2
PUBLICATION_LAG_MONTHS: dict[str, int] = {"A": 6, "S": 3, "Q": 4, "M": 2}

_PERIOD = re.compile(r"(\d{4})(?:-(?:([QS])(\d)|(\d{2})))?")


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
    secondary: bool  # not taken from the official file itself (transcribed from a publication)
    note: str | None  # for admins only: never shown to users
    dataset: str
    source: str  # the dataset's publisher ("Eurostat")
    dataset_title: str
    secondary_publisher: str | None = None  # who published a secondary value ("agensir.it")
    source_updated: date | None = None  # the data's last update at the source
    breakdown: str = ""  # "" for the headline series, else "isco08=OC7"...
    retrieved_on: date | None = None  # when our copy was downloaded (said when the source gives no update date)

    @property
    def available(self) -> bool:
        return self.value is not None

    @property
    def dataset_url(self) -> str:
        """The dataset's official page (Eurostat's data browser), "" for other publishers."""
        return DATABROWSER.format(code=self.dataset) if self.source == EUROSTAT else ""

    @property
    def frequency(self) -> str | None:
        """The indicator's declared frequency (A, S, Q, M...), else the one its period's form says."""
        indicator = BY_CODE.get(self.indicator)
        return indicator.frequency if indicator else period_frequency(self.period)


@dataclass(frozen=True)
class FigureAnswer:
    """What the assistant can say about one indicator, place and (optional) year."""

    figure: Figure | None  # the requested (or latest available) figure
    eu: Figure | None  # EU-27 for the same period, when the place is not the EU itself
    previous: Figure | None  # the same place one period earlier
    requested_year: int | None
    available_years: list[int]
    latest: Figure | None = None  # the latest available figure of the series for this place
    stale: bool = False  # the series' latest period is older than its usual publication lag allows

    @property
    def nearest_year(self) -> int | None:
        """The available year closest to the requested one (later wins a tie)."""
        if self.requested_year is None or not self.available_years:
            return None
        return min(self.available_years, key=lambda y: (abs(y - self.requested_year), -y))

    @property
    def shows_latest(self) -> bool:
        """The figure answered is the latest the series has for this place."""
        return self.figure is not None and self.latest is not None and self.figure.period == self.latest.period


def period_frequency(period: str) -> str | None:
    """"2024" -> A, "2024-S1" -> S, "2024-Q4" -> Q, "2026-01" -> M; None for anything else."""
    found = _PERIOD.fullmatch(period)
    if not found:
        return None
    _, kind, _, month = found.groups()
    return kind or ("M" if month else "A")


def _parts(period: str) -> tuple[int, str | None, str | None, str | None]:
    """``(year, kind Q/S or None, its number, month)`` of a reference period; ValueError for anything else."""
    found = _PERIOD.fullmatch(period)
    if not found:
        raise ValueError(f"not a reference period: {period!r}")
    year, kind, number, month = found.groups()
    return int(year), kind, number, month


def period_end(period: str) -> date:
    """The last day of a reference period ("2024-Q4" -> 31 December 2024)."""
    year, kind, number, month = _parts(period)
    if kind == "Q":
        last_month = 3 * int(number)
    elif kind == "S":
        last_month = 6 * int(number)
    else:
        last_month = int(month) if month else 12
    return date(year, last_month, calendar.monthrange(year, last_month)[1])


def next_period(period: str) -> str:
    """The period after ``period`` at the same frequency ("2024" -> "2025", "2024-Q4" -> "2025-Q1")."""
    year, kind, number, month = _parts(period)
    if kind:
        count = 4 if kind == "Q" else 2
        n = int(number) + 1
        return f"{year + 1}-{kind}1" if n > count else f"{year}-{kind}{n}"
    if month:
        m = int(month) + 1
        return f"{year + 1}-01" if m > 12 else f"{year}-{m:02d}"
    return str(year + 1)


def _add_months(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def is_stale(period: str, today: date, frequency: str | None = None) -> bool:
    """Whether a series whose latest period is ``period`` is behind on ``today``: the next period ended more
    than the usual publication lag of its frequency before ``today`` (see :data:`PUBLICATION_LAG_MONTHS`).

    ``frequency``: the series' declared one (default: what the period's form says); a frequency without a known
    lag (a survey every four years, a discontinued file) is never called stale."""
    frequency = frequency or period_frequency(period)
    if period_frequency(period) is None:
        return False
    if frequency not in PUBLICATION_LAG_MONTHS:
        return False
    due = _add_months(period_end(next_period(period)), PUBLICATION_LAG_MONTHS[frequency])
    return today > due


def _figure(fact: Fact, dataset: Dataset) -> Figure:
    """A stored fact with its dataset's provenance."""
    return Figure(fact.indicator, fact.geo, fact.period, fact.year, fact.value, fact.unit, fact.flags, fact.secondary,
                  fact.note, dataset.code, dataset.source_name, dataset.title, fact.secondary_publisher or None,
                  dataset.source_updated, fact.breakdown or "", dataset.extracted_on)


def _figures(session: Session, indicator: str, geo: str, breakdown: str = "") -> list[Figure]:
    rows = session.execute(
        select(Fact, Dataset).join(Dataset, Fact.dataset_id == Dataset.id)
        .where(Fact.indicator == indicator, Fact.geo == geo, Fact.breakdown == breakdown)
        .order_by(Fact.period)
    ).all()
    return [_figure(f, d) for f, d in rows]


def _latest(figures: list[Figure], year: int | None = None) -> Figure | None:
    candidates = [f for f in figures if f.available and (year is None or f.year == year)]
    return candidates[-1] if candidates else None


def _previous(figures: list[Figure], current: Figure) -> Figure | None:
    earlier = [f for f in figures if f.period < current.period and f.available]
    return earlier[-1] if earlier and earlier[-1].year >= current.year - 1 else None


def figure_answer(session: Session, indicator: str, geo: str, year: int | None = None, *, breakdown: str = "",
                  today: date | None = None) -> FigureAnswer:
    """The figure for ``indicator`` in ``geo`` (Eurostat code) for ``year`` or the latest available.

    ``breakdown``: "" (the headline series) or one breakdown ("isco08=OC7"). ``today`` (default: today) decides
    whether the series is stale."""
    if indicator not in BY_CODE:
        raise KeyError(indicator)
    figures = _figures(session, indicator, geo, breakdown)
    years = sorted({f.year for f in figures if f.available})
    latest = _latest(figures)
    stale = latest is not None and is_stale(latest.period, today or date.today(), latest.frequency)
    figure = _latest(figures, year)
    if figure is None:
        return FigureAnswer(None, None, None, year, years, latest, stale)
    eu = None
    if geo != EU_AGGREGATE:
        eu = next((f for f in _figures(session, indicator, EU_AGGREGATE, breakdown)
                   if f.period == figure.period and f.available), None)
    return FigureAnswer(figure, eu, _previous(figures, figure), year, years, latest, stale)


def indicators_for_geo(session: Session, geo: str) -> list[str]:
    """Indicator codes with at least one headline value for ``geo``, in the registry's order."""
    have = set(session.execute(
        select(Fact.indicator).where(Fact.geo == geo, Fact.value.is_not(None), Fact.breakdown == "")
        .distinct()).scalars())
    return [code for code in BY_CODE if code in have]


def breakdown_figures(session: Session, indicator: str, geo: str, fixed: dict[str, str], dimension: str,
                      year: int | None = None) -> list[Figure]:
    """The values of ``dimension`` within one part of a breakdown, for ``year`` or the latest year that has
    any: with ``fixed={"isco08": "OC7"}`` and ``dimension="sizeclas"``, the facts ``"isco08=OC7;sizeclas=10-49"``,
    ``"isco08=OC7;sizeclas=50-249"``... (``fixed`` ``{}`` or ``TOTAL``: the total of that dimension). Missing
    values are left out and nothing is added up: a breakdown without a total has none."""
    rows = session.execute(
        select(Fact, Dataset).join(Dataset, Fact.dataset_id == Dataset.id)
        .where(Fact.indicator == indicator, Fact.geo == geo, Fact.value.is_not(None))
        .order_by(Fact.period, Fact.id)
    ).all()
    figures = []
    for f, d in rows:
        parts = parse_breakdown(f.breakdown or "")
        if dimension not in parts or any(parts.get(k, TOTAL) != v for k, v in fixed.items()):
            continue
        if set(parts) - set(fixed) - {dimension}:
            continue
        figures.append(_figure(f, d))
    years = sorted({f.year for f in figures})
    if not years:
        return []
    chosen = year if year in years else years[-1]
    return [f for f in figures if f.year == chosen]

def breakdown_codes(session: Session, indicator: str, geo: str, dimension: str) -> set[str]:
    """The values of ``dimension`` that ``indicator`` has facts for in ``geo`` (``{"OC7", "OC72", ...}``)."""
    keys = session.execute(select(Fact.breakdown).where(Fact.indicator == indicator, Fact.geo == geo,
                                                        Fact.value.is_not(None)).distinct()).scalars()
    return {code for key in keys if (code := parse_breakdown(key).get(dimension))}


def figure_for_period(session: Session, indicator: str, geo: str, period: str, breakdown: str = "") -> Figure | None:
    """The stored value of one exact period ("2025-01"), or ``None`` when there is none."""
    return next((f for f in _figures(session, indicator, geo, breakdown) if f.period == period and f.available), None)
