"""How a figure is worded: the value in the user's locale, the period, the change, the EU-27 comparison, the
provenance (publisher, dataset, reference period, last update at the source, or the secondary publisher),
flags and staleness. Used by the figures and by the jobs-in-demand answer (a country's job vacancy rate).

An admin's ``note`` on a fact is never shown; the only link given is the dataset's official page."""

from __future__ import annotations

import re
from datetime import date

from babel.dates import format_date, format_skeleton

from actions.base import Reply
from lmi4vet.countries import EU_AGGREGATE
from lmi4vet.i18n import country_name, format_money, format_number, format_percent, t_or
from lmi4vet.kb.facts import Figure, FigureAnswer
from lmi4vet.kb.indicators import BY_CODE

KNOWN_FLAGS = frozenset("bcdefnprsuz")
# English dates as in the EU's English ("4 March 2026"), not the US order
_DATE_LOCALES = {"en": "en_GB"}


def place_name(geo: str, lang: str, reply: Reply) -> str:
    """"EU-27", the country's name in the user's language, or a NUTS 2 region's name ("ES30" -> "Madrid")."""
    if geo == EU_AGGREGATE:
        return reply.text("figures.eu27")
    name = country_name(geo, lang)
    return t_or(lang, f"nuts2.{geo}", name) if len(geo) > 2 else name


def long_date(value: date, lang: str) -> str:
    """"4 March 2026", "4. März 2026", "4 de marzo de 2026", "4 mars 2026", "4 martie 2026"."""
    return format_date(value, format="long", locale=_DATE_LOCALES.get(lang, lang))


def format_period(period: str, reply: Reply) -> str:
    """"2024" -> "2024", "2024-Q4" -> "Q4 2024", "2025-S1" -> "January 2025", "2026-01" -> "January 2026"
    (localized)."""
    found = re.fullmatch(r"(\d{4})-([QS])(\d)", period)
    if found:
        year, kind, number = found.groups()
        if kind == "Q":
            return reply.text("figures.quarter", quarter=number, year=year)
        return reply.text("figures.half_1" if number == "1" else "figures.half_2", year=year)
    month = re.fullmatch(r"(\d{4})-(\d{2})", period)
    if month and 1 <= int(month.group(2)) <= 12:
        lang = reply.language
        return format_skeleton("yMMMM", date(int(month.group(1)), int(month.group(2)), 1),
                               locale=_DATE_LOCALES.get(lang, lang))
    return period


def _decimals(figure: Figure) -> int:
    indicator = BY_CODE.get(figure.indicator)
    return indicator.decimals if indicator else 1


def _quantity(value: float, figure: Figure, reply: Reply) -> str:
    """An amount in the figure's unit (a value or a change): money, thousands of people or a plain number."""
    if figure.unit == "eur_month":
        return format_money(value, "EUR", reply.language)
    number = format_number(value, reply.language, _decimals(figure))
    if figure.unit == "thousand_persons":
        return reply.text("figures.thousand_persons", number=number)
    return number


def format_value(figure: Figure, reply: Reply) -> str:
    """The value in the user's locale: ``6,1 %``, ``1.234,50 € per month`` or ``123,4 Tsd. Personen``."""
    if figure.unit == "eur_month":
        return reply.text("figures.per_month", amount=format_money(figure.value, "EUR", reply.language))
    if figure.unit == "percent":
        return format_percent(figure.value, reply.language, _decimals(figure))
    return _quantity(figure.value, figure, reply)


def format_change(current: Figure, previous: Figure, reply: Reply) -> str:
    """The change since the previous period: in points for rates, in the unit (euros, people) otherwise."""
    delta = round(current.value - previous.value, 2)
    if abs(delta) < 0.05:
        return reply.text("figures.change_same")
    if current.unit == "percent":
        points = format_number(abs(delta), reply.language, 1)
        return reply.text("figures.change_up" if delta > 0 else "figures.change_down", points=points)
    amount = _quantity(abs(delta), current, reply)
    return reply.text("figures.change_up_money" if delta > 0 else "figures.change_down_money", amount=amount)


def _title(figure: Figure, lang: str) -> str:
    return t_or(lang, f"datasets.{figure.dataset}", figure.dataset_title)


def publisher_name(name: str, reply: Reply) -> str:
    """A secondary publisher as the user reads it: a description such as "Eurostat news release" in the user's
    language (``publishers.<slug>``), a proper name ("agensir.it", "Euronews") as it is."""
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return t_or(reply.language, f"publishers.{slug}", name)


def provenance(figure: Figure, reply: Reply) -> str:
    """Where the figure comes from, in the user's language: the publisher, dataset code and title, reference
    period and the data's last update at the source; for a secondary value, who published it instead."""
    params = {"source": figure.source, "dataset": figure.dataset, "title": _title(figure, reply.language),
              "period": format_period(figure.period, reply)}
    if figure.secondary:
        if figure.secondary_publisher:
            return reply.text("figures.secondary", publisher=publisher_name(figure.secondary_publisher, reply),
                              **params)
        return reply.text("figures.secondary_unnamed", **params)
    if figure.source_updated is not None:
        return reply.text("figures.source", updated=long_date(figure.source_updated, reply.language), **params)
    if figure.retrieved_on is not None:
        return reply.text("figures.source_retrieved", retrieved=long_date(figure.retrieved_on, reply.language),
                          **params)
    return reply.text("figures.source_no_update", **params)


def _same_provenance(one: Figure, other: Figure) -> bool:
    return (one.secondary, one.secondary_publisher if one.secondary else None, one.dataset) == \
        (other.secondary, other.secondary_publisher if other.secondary else None, other.dataset)


def _other_provenance(main: Figure, other: Figure, reply: Reply) -> str | None:
    """A line for a comparison value whose provenance differs from the main figure's, else ``None``."""
    if _same_provenance(main, other):
        return None
    what = f"{place_name(other.geo, reply.language, reply)}, {format_period(other.period, reply)}"
    if other.secondary and other.secondary_publisher:
        return reply.text("figures.other_secondary", what=what, source=other.source,
                          publisher=publisher_name(other.secondary_publisher, reply))
    if other.secondary:
        return reply.text("figures.other_secondary_unnamed", what=what, source=other.source)
    return reply.text("figures.other_primary", what=what, source=other.source, dataset=other.dataset)


def describe(answer: FigureAnswer, reply: Reply) -> str:
    """The full answer: figure, EU-27 comparison, previous period, provenance, flags, secondary-source and
    staleness warnings (with the official table's page when there is one)."""
    figure = answer.figure
    assert figure is not None
    lang = reply.language
    lines = [reply.text("figures.value", indicator=reply.text(f"indicators.{figure.indicator}"),
                        place=place_name(figure.geo, lang, reply), period=format_period(figure.period, reply),
                        value=format_value(figure, reply))]
    comparisons = [f for f in (answer.eu, answer.previous) if f is not None]
    if answer.eu is not None:
        lines.append(reply.text("figures.eu_comparison", period=format_period(answer.eu.period, reply),
                                value=format_value(answer.eu, reply)))
    if answer.previous is not None:
        lines.append(reply.text("figures.previous", period=format_period(answer.previous.period, reply),
                                value=format_value(answer.previous, reply),
                                change=format_change(figure, answer.previous, reply)))
    lines.append(provenance(figure, reply))
    lines += [line for line in (_other_provenance(figure, other, reply) for other in comparisons) if line]
    flags = [flag for flag in figure.flags if flag in KNOWN_FLAGS]
    if flags:
        lines.append(reply.text("figures.flags", flags=", ".join(
            f"{flag} = {reply.text(f'flags.{flag}')}" for flag in flags)))
    check_table = any(f.secondary for f in comparisons)  # said in the comparison's own line
    if figure.secondary:
        lines.append(reply.text("figures.secondary_check", source=figure.source))
        check_table = True
    if answer.stale and answer.shows_latest:
        lines.append(reply.text("figures.stale", source=figure.source))
        check_table = True
    if check_table and figure.dataset_url:
        lines.append(reply.text("figures.official_table", url=figure.dataset_url))
    return "\n".join(lines)
