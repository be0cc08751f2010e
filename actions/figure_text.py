"""How a figure is worded: the value in the user's locale, the period, the change, the EU-27 comparison, the
source and flags. Used by the figures and by the jobs-in-demand answer (a country's job vacancy rate)."""

from __future__ import annotations

import re

from actions.base import Reply
from lmi4vet.countries import EU_AGGREGATE
from lmi4vet.i18n import country_name, format_money, format_number, format_percent, t_or
from lmi4vet.kb.facts import Figure, FigureAnswer
from lmi4vet.kb.indicators import BY_CODE

KNOWN_FLAGS = frozenset("bcdefnprsuz")


def place_name(geo: str, lang: str, reply: Reply) -> str:
    """"EU-27" or the country's name in the user's language."""
    return reply.text("figures.eu27") if geo == EU_AGGREGATE else country_name(geo, lang)


def format_period(period: str, reply: Reply) -> str:
    """"2024" -> "2024", "2024-Q4" -> "Q4 2024" (localized), "2025-S1" -> "January 2025" (localized)."""
    found = re.fullmatch(r"(\d{4})-([QS])(\d)", period)
    if not found:
        return period
    year, kind, number = found.groups()
    if kind == "Q":
        return reply.text("figures.quarter", quarter=number, year=year)
    return reply.text("figures.half_1" if number == "1" else "figures.half_2", year=year)


def format_value(figure: Figure, reply: Reply) -> str:
    """The value in the user's locale: ``6,1 %`` or ``1.234,50 € per month``."""
    if figure.unit == "eur_month":
        return reply.text("figures.per_month", amount=format_money(figure.value, "EUR", reply.language))
    return format_percent(figure.value, reply.language, BY_CODE[figure.indicator].decimals)


def format_change(current: Figure, previous: Figure, reply: Reply) -> str:
    """The change since the previous period, in points for rates and in euros for wages."""
    delta = round(current.value - previous.value, 2)
    if abs(delta) < 0.05:
        return reply.text("figures.change_same")
    if current.unit == "eur_month":
        amount = format_money(abs(delta), "EUR", reply.language)
        return reply.text("figures.change_up_money" if delta > 0 else "figures.change_down_money", amount=amount)
    points = format_number(abs(delta), reply.language, 1)
    return reply.text("figures.change_up" if delta > 0 else "figures.change_down", points=points)


def describe(answer: FigureAnswer, reply: Reply) -> str:
    """The full answer: figure, EU-27 comparison, previous period, source, flags, secondary-source warning."""
    figure = answer.figure
    assert figure is not None
    lang = reply.language
    lines = [reply.text("figures.value", indicator=reply.text(f"indicators.{figure.indicator}"),
                        place=place_name(figure.geo, lang, reply), period=format_period(figure.period, reply),
                        value=format_value(figure, reply))]
    if answer.eu is not None:
        lines.append(reply.text("figures.eu_comparison", period=format_period(answer.eu.period, reply),
                                value=format_value(answer.eu, reply)))
    if answer.previous is not None:
        lines.append(reply.text("figures.previous", period=format_period(answer.previous.period, reply),
                                value=format_value(answer.previous, reply),
                                change=format_change(figure, answer.previous, reply)))
    lines.append(reply.text("figures.source", source=figure.source, dataset=figure.dataset,
                            title=t_or(lang, f"datasets.{figure.dataset}", figure.dataset_title)))
    flags = [flag for flag in figure.flags if flag in KNOWN_FLAGS]
    if flags:
        lines.append(reply.text("figures.flags", flags=", ".join(
            f"{flag} = {reply.text(f'flags.{flag}')}" for flag in flags)))
    if figure.secondary:
        lines.append(reply.text("figures.secondary", note=figure.note or figure.source))
    return "\n".join(lines)
