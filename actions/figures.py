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
from actions.figure_breakdowns import (
    ADULT,
    FRANCE,
    MONTHLY,
    OCCUPATION_INDICATORS,
    REGIONAL,
    UNEMPLOYMENT,
    YOUTH,
    france_only,
    group_for,
    monthly_lines,
    occupation_answer,
    regional_text,
    resolve_group,
)
from actions.figure_text import describe, format_period, place_name
from actions.occupations import ActionInDemand
from lmi4vet.countries import EU_AGGREGATE, resolve_country
from lmi4vet.kb.facts import figure_answer, indicators_for_geo
from lmi4vet.kb.indicators import (
    BY_CODE,
    COUNT_WORDS,
    INDICATORS,
    MONTH_WORDS,
    TO_MONTHLY,
    is_nuts2,
    mentions,
    resolve_indicator,
)
from lmi4vet.kb.regions import find_region, find_region_group, resolve_region

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
        if new_indicator is None and mentions(text, COUNT_WORDS):
            # "how many welders are there in France": employment by occupation, when a job is named
            with kb_session() as session:
                if resolve_group(session, text, reply.language, "employment_by_occupation")[1]:
                    new_indicator = "employment_by_occupation"
        month_follow_up = False
        if new_indicator is None and tracker.get_slot("indicator") in TO_MONTHLY and mentions(text, MONTH_WORDS):
            # "and last month?" after unemployment: the monthly series of the same age group
            new_indicator = TO_MONTHLY[tracker.get_slot("indicator")]
            month_follow_up = True
        if new_indicator is None and tracker.get_slot("last_topic") == "in_demand":
            return ActionInDemand().respond(reply, tracker, domain)  # "and in Germany?" after jobs in demand
        previous = tracker.get_slot("indicator")
        indicator = new_indicator or previous

        countries = entity_values(tracker, "country")
        # a German Land or a French region of 2016 that is several NUTS 2 regions ("Bayern", "Occitanie")
        several = next((g for g in map(find_region_group, [*countries, text]) if g), ())
        region = None if several else next((code for code in map(resolve_region, countries) if code), None) \
            or resolve_region(text)
        countries = [c for c in countries if resolve_region(c) is None and not find_region_group(c)]
        resolved = [resolve_country(c) or (EU_AGGREGATE if c.upper() == EU_AGGREGATE else None) for c in countries]
        found = find_region(text)
        outside = text[:found[1]] + " " + text[found[2]:] if found else text  # "Île de France" is no "France"
        geo = next((code for code in resolved if code), None) or resolve_country(outside)
        unknown = [c for c, code in zip(countries, resolved, strict=True) if code is None]

        year = parse_year(entity_values(tracker, "year")) or parse_year([text])
        if month_follow_up:
            year = parse_year([text])
        elif year is None and new_indicator is None and tracker.get_slot("year"):
            year = int(tracker.get_slot("year"))  # a follow-up keeps the year asked before

        # a follow-up changes one part: young people of the same kind of series, a region, a country again
        if new_indicator == "youth_unemployment_rate" and previous in YOUTH and (geo is None or region):
            indicator = YOUTH[previous]
        national_note = None
        if several and (indicator is None or indicator in UNEMPLOYMENT):
            # a German Land or a French region of 2016 that is several NUTS 2010 regions: which one?
            young = indicator in ("youth_unemployment_rate", "youth_unemployment_monthly",
                                  "regional_youth_unemployment_rate")
            indicator = "regional_youth_unemployment_rate" if young else "regional_unemployment_rate"
            reply.say("figures.which_region", country=place_name(several[0][:2], reply.language, reply),
                      buttons=[(place_name(code, reply.language, reply), payload("ask_indicator", country=code))
                               for code in several])
            return [SlotSet("indicator", indicator), SlotSet("last_topic", "indicator")]
        if several and geo is None:
            geo = several[0][:2]  # a figure without regional values: the Land's country
        if region and indicator is not None and indicator not in UNEMPLOYMENT:
            # only unemployment has regional figures: the region's country, and say so
            national_note = reply.text("figures.region_national", region=place_name(region, reply.language, reply),
                                       country=place_name(region[:2], reply.language, reply))
            geo = region[:2]
        elif region:
            young = indicator in ("youth_unemployment_rate", "youth_unemployment_monthly",
                                  "regional_youth_unemployment_rate")
            indicator = "regional_youth_unemployment_rate" if young else "regional_unemployment_rate"
            geo = region
        elif indicator in REGIONAL and geo is not None and new_indicator is None:
            # "and in Germany?" after a region: the country's own (national) figure
            indicator = "youth_unemployment_rate" if indicator == "regional_youth_unemployment_rate" \
                else "unemployment_rate"
        elif indicator in REGIONAL and geo is None:
            slot = tracker.get_slot("country")
            geo = slot if slot and (is_nuts2(slot) or new_indicator) else None  # "what about 2010?" after one
        if indicator in OCCUPATION_INDICATORS:
            return self._occupation(reply, tracker, indicator, geo, text, year, national_note)
        if indicator in REGIONAL and (geo is None or not is_nuts2(geo)):
            if geo is None or geo == EU_AGGREGATE or not self._region_buttons(reply, geo):
                reply.say("figures.which_region_any")
            else:
                reply.say("figures.which_region", country=place_name(geo, reply.language, reply),
                          buttons=self._region_buttons(reply, geo))
            return [SlotSet("indicator", indicator), SlotSet("last_topic", "indicator")]

        if geo is None and unknown:
            reply.say("figures.unknown_country", buttons=self._country_buttons(reply), name=unknown[0])
            return [SlotSet("indicator", indicator)] if indicator else []
        geo = geo or tracker.get_slot("country") or EU_AGGREGATE
        if is_nuts2(geo) and indicator not in REGIONAL:
            geo = geo[:2]  # a region asked before; this figure is national
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
            if answer.figure is not None and indicator in REGIONAL:
                text = regional_text(session, answer, reply)
            elif answer.figure is not None:
                text = describe(answer, reply)
                if indicator in MONTHLY:
                    lines = text.split("\n")
                    at = 1 + (answer.eu is not None) + (answer.previous is not None)
                    text = "\n".join(lines[:at] + monthly_lines(session, answer, reply) + lines[at:])
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
        if national_note:
            text = national_note + "\n" + text
        if missing_year is not None:
            text = reply.text("figures.missing_year", indicator=name, place=place, year=str(missing_year),
                              nearest=format_period(answer.figure.period, reply)) + "\n" + text
            latest = answer.available_years[-1]
            if latest != answer.figure.year:  # the other year worth offering: the latest
                buttons.append((str(latest), payload("ask_indicator", year=str(latest))))
        if indicator in REGIONAL or indicator in MONTHLY:
            other = YOUTH.get(indicator) or ADULT.get(indicator)
            if other:
                buttons.append((reply.text(f"indicators.{other}"), payload("ask_indicator", indicator=other)))
            if indicator in REGIONAL:
                buttons.append((reply.text("indicators.unemployment_rate"),
                                payload("ask_indicator", indicator="unemployment_rate", country=geo[:2])))
            reply.send(text, buttons)
            return events
        buttons += [(reply.text(f"indicators.{code}"), payload("ask_indicator", indicator=code))
                    for code in others[:3]]
        if geo != EU_AGGREGATE:
            buttons.append((reply.text("figures.eu27"), payload("ask_indicator", country=EU_AGGREGATE)))
        reply.send(text, buttons)
        return events

    def _occupation(self, reply: Reply, tracker: Tracker, indicator: str, geo: str | None, text: str,
                    year: int | None, note: str | None = None) -> list[EventType]:
        """France's employment or earnings by occupation group (the breakdowns exist for France only)."""
        if geo is not None and geo != FRANCE:
            france_only(reply, indicator, geo)
            return [SlotSet("indicator", indicator), SlotSet("country", geo), SlotSet("last_topic", "indicator")]
        with kb_session() as session:
            group, asked = resolve_group(session, text, reply.language, indicator)
            if asked is None and tracker.get_slot("breakdown"):  # a follow-up keeps the job asked before
                asked = tracker.get_slot("breakdown")
                group = group_for(session, indicator, asked)
            answer = occupation_answer(session, reply, indicator, group, asked, year)
        events: list[EventType] = [SlotSet("indicator", indicator), SlotSet("country", FRANCE),
                                   SlotSet("year", str(year) if year else None), SlotSet("last_topic", "indicator"),
                                   SlotSet("breakdown", asked)]
        place = place_name(FRANCE, reply.language, reply)
        if answer is None:
            reply.say("figures.no_data", indicator=reply.text(f"indicators.{indicator}"), place=place)
            return events
        buttons = [(reply.text(f"indicators.{code}"), payload("ask_indicator", indicator=code))
                   for code in OCCUPATION_INDICATORS if code != indicator]
        reply.send(f"{note}\n{answer}" if note else answer, buttons)
        return events

    @staticmethod
    def _region_buttons(reply: Reply, country: str) -> list[Button]:
        """The regions of ``country`` that the regional series has (the first eight)."""
        from lmi4vet.kb.regions import region_forms

        codes = sorted({code for code in region_forms().values() if code.startswith(country)})
        return [(place_name(code, reply.language, reply), payload("ask_indicator", country=code))
                for code in codes[:8]]

    @staticmethod
    def _indicator_buttons(reply: Reply, codes: list[str]) -> list[Button]:
        """The first six indicators (in the registry's order) with a headline figure for the place."""
        return [(reply.text(f"indicators.{code}"), payload("ask_indicator", indicator=code))
                for code in (codes or [i.code for i in INDICATORS])[:6]]

    @staticmethod
    def _country_buttons(reply: Reply) -> list[Button]:
        codes = (*SUGGESTED_COUNTRIES, EU_AGGREGATE)
        return [(place_name(code, reply.language, reply), payload("ask_indicator", country=code)) for code in codes]
