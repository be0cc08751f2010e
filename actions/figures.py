"""Figures by country: "unemployment in Romania", "youth unemployment Spain 2024", and follow-ups
("and in Germany?", "and for young people?", "what about 2020?") that reuse the previous question's parts.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.base import Button, LocalizedAction, Reply, payload
from actions.data import entity_values, kb_session, latest_text
from lmi4vet.countries import EU_AGGREGATE, resolve_country
from lmi4vet.i18n import country_name, format_money, format_number, format_percent, t_or
from lmi4vet.kb.facts import Figure, FigureAnswer, figure_answer, indicators_for_geo
from lmi4vet.kb.indicators import BY_CODE, INDICATORS, resolve_indicator

SUGGESTED_COUNTRIES = ("RO", "ES", "DE", "FR", "IT")
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


def parse_year(values: list[str]) -> int | None:
    """The first plausible year among entity values ("2020", "in 2019")."""
    for value in values:
        found = re.search(r"(19|20)\d{2}", value)
        if found:
            return int(found.group(0))
    return None


class ActionIndicator(LocalizedAction):
    """Answers a figure for a country (and year), keeping the question's parts for follow-ups."""

    def name(self) -> str:
        return "action_indicator"

    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        text = latest_text(tracker)
        named = [resolve_indicator(v) or (v if v in BY_CODE else None) for v in entity_values(tracker, "indicator")]
        new_indicator = next((code for code in named if code), None) or resolve_indicator(text)
        if new_indicator is None and tracker.get_slot("last_topic") == "in_demand":
            from actions.occupations import ActionInDemand  # "and in Germany?" after a list of jobs in demand

            return ActionInDemand().respond(reply, tracker, domain)
        indicator = new_indicator or tracker.get_slot("indicator")

        countries = entity_values(tracker, "country")
        resolved = [resolve_country(c) or (EU_AGGREGATE if c.upper() == EU_AGGREGATE else None) for c in countries]
        geo = next((code for code in resolved if code), None) or resolve_country(text)
        unknown = [c for c, code in zip(countries, resolved, strict=True) if code is None]

        year = parse_year(entity_values(tracker, "year")) or parse_year([text])
        if year is None and new_indicator is None and tracker.get_slot("year"):
            year = int(tracker.get_slot("year"))  # a follow-up keeps the year asked before

        if geo is None and unknown:
            reply.say("figures.unknown_country", buttons=self._country_buttons(reply), name=unknown[0])
            return [SlotSet("indicator", indicator)] if indicator else []
        geo = geo or tracker.get_slot("country") or EU_AGGREGATE
        if indicator is None:
            reply.say("figures.which_indicator", buttons=self._indicator_buttons(reply),
                      place=place_name(geo, reply.language, reply))
            return [SlotSet("country", geo), SlotSet("last_topic", "indicator")]

        with kb_session() as session:
            answer = figure_answer(session, indicator, geo, year)
            others = [code for code in indicators_for_geo(session, geo) if code != indicator]
        events: list[EventType] = [SlotSet("indicator", indicator), SlotSet("country", geo),
                                   SlotSet("year", str(year) if year else None), SlotSet("last_topic", "indicator")]
        name = reply.text(f"indicators.{indicator}")
        place = place_name(geo, reply.language, reply)
        if answer.figure is None and answer.available_years:
            nearest = answer.nearest_year
            reply.say("figures.missing_year", indicator=name, place=place, year=str(year), nearest=str(nearest),
                      buttons=[(str(nearest), payload("ask_indicator", year=str(nearest)))])
            return events
        if answer.figure is None:
            reply.say("figures.no_data", indicator=name, place=place,
                      buttons=[(reply.text(f"indicators.{code}"), payload("ask_indicator", indicator=code))
                               for code in others[:4]])
            return events
        buttons: list[Button] = [(reply.text(f"indicators.{code}"), payload("ask_indicator", indicator=code))
                                 for code in others[:3]]
        if geo != EU_AGGREGATE:
            buttons.append((reply.text("figures.eu27"), payload("ask_indicator", country=EU_AGGREGATE)))
        reply.send(describe(answer, reply), buttons)
        return events

    @staticmethod
    def _indicator_buttons(reply: Reply) -> list[Button]:
        return [(reply.text(f"indicators.{i.code}"), payload("ask_indicator", indicator=i.code)) for i in INDICATORS]

    @staticmethod
    def _country_buttons(reply: Reply) -> list[Button]:
        codes = (*SUGGESTED_COUNTRIES, EU_AGGREGATE)
        return [(place_name(code, reply.language, reply), payload("ask_indicator", country=code)) for code in codes]
