"""The methodological guide in the chat: contents (paged), sections (summary, then the full text in pages),
next / previous / contents buttons, the glossary, and free-text questions matched to a section or term."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.base import Button, LocalizedAction, Reply, payload
from actions.data import entity_values, latest_text
from lmi4vet.content import glossary_entry, guide_index, load, pages, section, section_ids

PER_PAGE = 10


def guide_payload(**parts: str) -> str:
    return payload("ask_guide", **parts)


def show_contents(reply: Reply, page: int = 1) -> list[EventType]:
    """The sections as buttons, ten per page, with the glossary."""
    sections = load("guide", reply.language)["sections"]
    total = max(1, -(-len(sections) // PER_PAGE))
    page = min(max(page, 1), total)
    shown = sections[(page - 1) * PER_PAGE: page * PER_PAGE]
    buttons: list[Button] = [(s["title"], guide_payload(section=s["id"])) for s in shown]
    if page < total:
        buttons.append((reply.text("guide.more_entries"), guide_payload(contents=str(page + 1))))
    buttons.append((reply.text("guide.glossary"), guide_payload(contents="g1")))
    reply.say("guide.contents", buttons=buttons, page=str(page), pages=str(total))
    return [SlotSet("last_topic", "guide"), SlotSet("guide_section", None)]


def show_glossary_list(reply: Reply, page: int = 1) -> list[EventType]:
    terms = load("guide", reply.language)["glossary"]
    total = max(1, -(-len(terms) // PER_PAGE))
    page = min(max(page, 1), total)
    buttons: list[Button] = [(g["term"], guide_payload(glossary=g["id"]))
                             for g in terms[(page - 1) * PER_PAGE: page * PER_PAGE]]
    if page < total:
        buttons.append((reply.text("guide.more_entries"), guide_payload(contents=f"g{page + 1}")))
    buttons.append((reply.text("guide.to_contents"), guide_payload(contents="1")))
    reply.say("guide.glossary_list", buttons=buttons, page=str(page), pages=str(total))
    return [SlotSet("last_topic", "guide")]


def show_section(reply: Reply, section_id: str, page: int = 0) -> list[EventType]:
    """Page 0: title and one-message summary; pages 1..n: the full text."""
    found = section(reply.language, section_id)
    if found is None:
        return show_contents(reply)
    order = section_ids(reply.language)
    position = order.index(section_id)
    full = pages(found["body"])
    page = min(max(page, 0), len(full))
    if page == 0:
        text = f"📘 {found['title']}\n\n{found['summary']}"
        buttons: list[Button] = [(reply.text("guide.read"), guide_payload(section=section_id, page="1"))]
    else:
        heading = reply.text("guide.section_page", title=found["title"], page=str(page), pages=str(len(full)))
        text = f"📘 {heading}\n\n{full[page - 1]}"
        buttons = []
        if page < len(full):
            buttons.append((reply.text("guide.more"), guide_payload(section=section_id, page=str(page + 1))))
    if position + 1 < len(order):
        buttons.append((reply.text("guide.next"), guide_payload(section=order[position + 1])))
    if position > 0:
        buttons.append((reply.text("guide.previous"), guide_payload(section=order[position - 1])))
    buttons.append((reply.text("guide.to_contents"), guide_payload(contents="1")))
    reply.send(text, buttons)
    return [SlotSet("last_topic", "guide"), SlotSet("guide_section", section_id),
            SlotSet("guide_page", str(page))]


def show_glossary(reply: Reply, entry_id: str, related: str | None = None) -> list[EventType]:
    entry = glossary_entry(reply.language, entry_id)
    if entry is None:
        return show_contents(reply)
    buttons: list[Button] = []
    if related and (target := section(reply.language, related)) is not None:
        buttons.append((reply.text("guide.see_section", title=target["title"]), guide_payload(section=related)))
    buttons += [(reply.text("guide.glossary"), guide_payload(contents="g1")),
                (reply.text("guide.to_contents"), guide_payload(contents="1"))]
    reply.send(f"🔤 {entry['term']}\n\n{entry['definition']}", buttons)
    return [SlotSet("last_topic", "guide")]


def guide_text(lang: str, question: str = "", section_id: str = "") -> str:
    """The answer as text only (a section's title and summary, or a term's definition): for the question, or
    the section ``section_id``; "" when nothing matches. For answering inside a worksheet, without the guide's
    buttons."""
    if question:
        hits = guide_index(lang).search(question)
        if not hits:
            return ""
        if hits[0].kind == "glossary":
            entry = glossary_entry(lang, hits[0].id)
            return f"🔤 {entry['term']}\n\n{entry['definition']}" if entry else ""
        section_id = hits[0].id
    found = section(lang, section_id) if section_id else None
    return f"📘 {found['title']}\n\n{found['summary']}" if found else ""


def answer_question(reply: Reply, question: str) -> list[EventType]:
    """The best section (summary) or glossary term for a free-text question, else the contents."""
    hits = guide_index(reply.language).search(question)
    if not hits:
        reply.say("guide.not_found")
        return show_contents(reply)
    best = hits[0]
    if best.kind == "glossary":
        related = next((h.id for h in hits[1:] if h.kind == "section"), None)
        return show_glossary(reply, best.id, related)
    return show_section(reply, best.id)


class ActionGuide(LocalizedAction):
    """Everything about the guide (see the module docstring)."""

    def name(self) -> str:
        return "action_guide"

    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        sections, terms = entity_values(tracker, "section"), entity_values(tracker, "glossary")
        contents, page = entity_values(tracker, "contents"), entity_values(tracker, "page")
        number = int(page[0]) if page and page[0].isdigit() else 0
        if sections:
            return show_section(reply, sections[0], number)
        if terms:
            return show_glossary(reply, terms[0])
        if contents:
            value = contents[0]
            if value.startswith("g") and value[1:].isdigit():
                return show_glossary_list(reply, int(value[1:]))
            return show_contents(reply, int(value) if value.isdigit() else 1)
        question = latest_text(tracker)
        return answer_question(reply, question) if question else show_contents(reply)
