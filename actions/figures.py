"""Figures by country: "unemployment in Romania", "youth unemployment Spain 2024", and follow-ups
("and in Germany?", "and for young people?", "what about 2020?") that reuse the previous question's parts.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.base import Button, LocalizedAction, Reply, payload
from actions.data import entity_values, kb_session, latest_text
from actions.figure_text import describe, format_period, place_name
from actions.occupations import ActionInDemand
from lmi4vet.countries import EU_AGGREGATE, resolve_country
from lmi4vet.kb.facts import figure_answer, indicators_for_geo
from lmi4vet.kb.indicators import BY_CODE, INDICATORS, resolve_indicator

SUGGESTED_COUNTRIES = ("RO", "ES", "DE", "FR", "IT")


def today() -> date:
    """The day staleness is judged on (a function, so that tests can fix it)."""
    return date.today()


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
            return ActionInDemand().respond(reply, tracker, domain)  # "and in Germany?" after jobs in demand
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
            with kb_session() as session:
                codes = indicators_for_geo(session, geo)
            reply.say("figures.which_indicator", buttons=self._indicator_buttons(reply, codes),
                      place=place_name(geo, reply.language, reply))
            return [SlotSet("country", geo), SlotSet("last_topic", "indicator")]

        missing_year = None
        with kb_session() as session:
            answer = figure_answer(session, indicator, geo, year, today=today())
            if answer.figure is None and answer.available_years:
                # no value for the year asked: answer the nearest available one directly, and say so
                missing_year = year
                answer = figure_answer(session, indicator, geo, answer.nearest_year, today=today())
            others = [code for code in indicators_for_geo(session, geo) if code != indicator]
        events: list[EventType] = [SlotSet("indicator", indicator), SlotSet("country", geo),
                                   SlotSet("year", str(year) if year else None), SlotSet("last_topic", "indicator")]
        name = reply.text(f"indicators.{indicator}")
        place = place_name(geo, reply.language, reply)
        if answer.figure is None:
            reply.say("figures.no_data", indicator=name, place=place,
                      buttons=[(reply.text(f"indicators.{code}"), payload("ask_indicator", indicator=code))
                               for code in others[:4]])
            return events
        buttons: list[Button] = []
        text = describe(answer, reply)
        if missing_year is not None:
            text = reply.text("figures.missing_year", indicator=name, place=place, year=str(missing_year),
                              nearest=format_period(answer.figure.period, reply)) + "\n" + text
            latest = answer.available_years[-1]
            if latest != answer.figure.year:  # the other year worth offering: the latest
                buttons.append((str(latest), payload("ask_indicator", year=str(latest))))
        buttons += [(reply.text(f"indicators.{code}"), payload("ask_indicator", indicator=code))
                    for code in others[:3]]
        if geo != EU_AGGREGATE:
            buttons.append((reply.text("figures.eu27"), payload("ask_indicator", country=EU_AGGREGATE)))
        reply.send(text, buttons)
        return events

    @staticmethod
    def _indicator_buttons(reply: Reply, codes: list[str]) -> list[Button]:
        """The first six indicators (in the registry's order) with a headline figure for the place."""
        return [(reply.text(f"indicators.{code}"), payload("ask_indicator", indicator=code))
                for code in (codes or [i.code for i in INDICATORS])[:6]]

    @staticmethod
    def _country_buttons(reply: Reply) -> list[Button]:
        codes = (*SUGGESTED_COUNTRIES, EU_AGGREGATE)
        return [(place_name(code, reply.language, reply), payload("ask_indicator", country=code)) for code in codes]
