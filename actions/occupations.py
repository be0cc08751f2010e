"""Jobs in demand (shortage lists with their source and year) and the essential skills of an occupation
(ESCO), found from whatever the user types: typos, missing diacritics, plurals and gendered forms."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.base import Button, LocalizedAction, Reply, payload
from actions.data import entity_values, kb_session, latest_text
from actions.figure_text import describe, place_name
from lmi4vet.countries import EU_AGGREGATE, resolve_country
from lmi4vet.i18n import language_name, t_or
from lmi4vet.kb.facts import figure_answer
from lmi4vet.kb.occupations import (
    decide,
    esco_link,
    essential_skills,
    index_cache,
    occupation_by_id,
    occupation_label,
    occupation_label_entry,
    shortage_lists,
    strip_filler,
)

PAGE_SIZE = 10
EXAMPLE_JOBS = ("http://data.europa.eu/esco/occupation/7aedaa07-3884-4c5b-88f9-80997b2aa54b",)  # welder


def concept_id(uri: str) -> str:
    """The ESCO concept id (the UUID at the end of the URI), short enough for a button payload."""
    return uri.rsplit("/", 1)[-1]


def skills_payload(uri: str, page: int = 1) -> str:
    """The button that opens a job's skills (page 1) or a further page of them."""
    parts = {"occupation_id": concept_id(uri)}
    if page > 1:
        parts["page"] = str(page)
    return payload("ask_occupation_skills", **parts)


def translation_notice(shown: list[tuple[str, bool]], reply: Reply) -> str | None:
    """The "our own translation" notice, when a label shown (``(language, project_translation)`` pairs) is one
    of our translations: for all of the user's-language labels shown or for some of them; else ``None``."""
    ours = [project for lang, project in shown if lang == reply.language]
    if not any(ours):
        return None
    key = "skills.project_translation" if all(ours) else "skills.project_translation_some"
    return reply.text(key, language=language_name(reply.language, reply.language))


class ActionInDemand(LocalizedAction):
    """Occupations in shortage, EU-wide or for a country where a list exists, with source and year."""

    def name(self) -> str:
        return "action_in_demand"

    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        countries = entity_values(tracker, "country")
        geo = next((code for code in map(resolve_country, countries) if code), None) or \
            resolve_country(latest_text(tracker))
        if geo is None and countries and tracker.get_slot("last_topic") == "in_demand":
            geo = tracker.get_slot("country")
        geo = geo or EU_AGGREGATE
        lang = reply.language
        with kb_session() as session:
            lists = shortage_lists(session, geo)
            intro = ""
            if not lists and geo != EU_AGGREGATE:
                intro = reply.text("in_demand.no_country_list", place=place_name(geo, lang, reply))
                vacancies = figure_answer(session, "job_vacancy_rate", geo)
                if vacancies.figure is not None:
                    intro += "\n" + describe(vacancies, reply)
                lists = shortage_lists(session, EU_AGGREGATE)
            if not lists:
                reply.say("in_demand.none")
                return [SlotSet("last_topic", "in_demand"), SlotSet("country", geo)]
            shortage = lists[0]
            entries = [(uri, occupation_label_entry(session, uri, lang)) for uri in shortage.occupations]
        labels = [(uri, entry.label) for uri, entry in entries]
        source = t_or(lang, "sources.european_labour_authority", shortage.source) \
            if shortage.source == "European Labour Authority (EURES)" else shortage.source
        header = reply.text("in_demand.header", place=place_name(shortage.geo, lang, reply), year=str(shortage.year),
                            title=t_or(lang, f"datasets.{shortage.dataset}", shortage.title), source=source)
        body = "\n".join(f"• {label}" for _, label in labels)
        notice = translation_notice([(entry.lang, entry.project_translation) for _, entry in entries], reply)
        text = "\n\n".join(part for part in (intro, header, body, notice, reply.text("in_demand.tap_for_skills"))
                           if part)
        buttons = [(label, skills_payload(uri)) for uri, label in labels[:5]]
        reply.send(text, buttons)
        return [SlotSet("last_topic", "in_demand"), SlotSet("country", geo)]


class ActionOccupationSkills(LocalizedAction):
    """Finds the occupation and lists its essential skills in the user's language, ten at a time."""

    def name(self) -> str:
        return "action_occupation_skills"

    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        lang = reply.language
        page = next((int(p) for p in entity_values(tracker, "page") if p.isdigit()), 1)
        with kb_session() as session:
            uri = next((u for u in map(lambda i: occupation_by_id(session, i), entity_values(tracker, "occupation_id"))
                        if u), None)
            query = " ".join(entity_values(tracker, "occupation")) or strip_filler(latest_text(tracker))
            if uri is None and not query.strip():
                reply.say("skills.ask", buttons=self._examples(session, reply))
                return [SlotSet("last_topic", "skills")]
            if uri is None:
                uri, candidates = decide(index_cache.get(session).search(query, lang))
                if uri is None and candidates:
                    reply.say("skills.candidates", query=query, buttons=[
                        (occupation_label(session, c.uri, lang), skills_payload(c.uri)) for c in candidates])
                    return [SlotSet("last_topic", "skills")]
                if uri is None:
                    reply.say("skills.not_found", query=query, buttons=self._examples(session, reply))
                    return [SlotSet("last_topic", "skills")]
            occupation = occupation_label_entry(session, uri, lang)
            skills = essential_skills(session, uri, lang)
        label = occupation.label
        total = len(skills)
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(page, 1), pages)
        shown = skills[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        lines = [reply.text("skills.header", occupation=label)]
        # bullets, not numbers: on WhatsApp the buttons below become a numbered menu in the same message
        lines += [f"• {s.label}" for s in shown]
        if total > PAGE_SIZE:
            lines.append(reply.text("skills.page", page=str(page), pages=str(pages), total=str(total)))
        if any(s.lang != lang for s in shown):
            lines.append(reply.text("skills.english_labels"))
        lines.append(reply.text("skills.link", url=esco_link(uri, lang)))
        lines.append(reply.text("skills.attribution"))
        notice = translation_notice([(occupation.lang, occupation.project_translation)]
                                    + [(s.lang, s.project_translation) for s in shown], reply)
        if notice:  # only for labels of this answer that are our own translation
            lines.append(notice)
        buttons: list[Button] = []
        if page < pages:
            buttons.append((reply.text("skills.more"), skills_payload(uri, page + 1)))
        buttons.append((reply.text("menu.in_demand"), "/ask_in_demand_occupations"))
        reply.send("\n".join(lines), buttons)
        return [SlotSet("occupation", uri), SlotSet("last_topic", "skills")]

    @staticmethod
    def _examples(session, reply: Reply) -> list[Button]:
        uris = list(EXAMPLE_JOBS)
        for shortage in shortage_lists(session, EU_AGGREGATE)[:1]:
            uris += [u for u in shortage.occupations if u not in uris]
        return [(occupation_label(session, u, reply.language), skills_payload(u)) for u in uris[:4]]
