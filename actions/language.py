"""Choosing the conversation language, by name in any language or from a menu."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.base import LANGUAGE_SLOT, PINNED_SLOT, LocalizedAction, Reply, payload
from actions.menu import say_with_menu
from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.i18n import language_autonym, language_name
from lmi4vet.language import language_from_name


def language_buttons() -> list[tuple[str, str]]:
    """One button per supported language, each titled in its own language."""
    return [(language_autonym(code), payload("choose_language", language=code)) for code in SUPPORTED_LANGUAGES]


class ActionChooseLanguage(LocalizedAction):
    """Switches to the named language (and pins it), or asks which one with a menu."""

    def name(self) -> str:
        return "action_choose_language"

    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        mentions = [e.get("value") for e in tracker.latest_message.get("entities", [])
                    if e.get("entity") == "language"]
        codes = [language_from_name(str(m)) for m in mentions if m]
        chosen = next((c for c in codes if c in SUPPORTED_LANGUAGES), None)
        if chosen:
            reply.language = chosen
            events: list[EventType] = [SlotSet(LANGUAGE_SLOT, chosen), SlotSet(PINNED_SLOT, True)]
            reading = self._current_reading(tracker)
            if reading is None:
                say_with_menu(reply, "language.changed")
                return events
            reply.say("language.changed")
            return events + reading(reply)
        unknown = next((c for c in codes if c), None)
        if unknown or mentions:
            requested = language_name(unknown, reply.language) if unknown else str(mentions[0])
            reply.say("language.unsupported", buttons=language_buttons(), requested=requested)
        else:
            reply.say("language.ask", buttons=language_buttons())
        return []

    @staticmethod
    def _current_reading(tracker: Tracker):
        """What the user was reading (a guide section, a course step), to show again in the new language."""
        topic = tracker.get_slot("last_topic")
        if topic == "guide" and tracker.get_slot("guide_section"):
            from actions.guide import show_section

            page = tracker.get_slot("guide_page") or "0"
            return lambda reply: show_section(reply, tracker.get_slot("guide_section"),
                                              int(page) if page.isdigit() else 0)
        if topic == "course" and tracker.get_slot("course_module") and tracker.get_slot("course_step"):
            from actions.course import show_step
            from actions.data import kb_session

            def again(reply: Reply) -> list[EventType]:
                with kb_session() as session:
                    return show_step(reply, session, tracker.get_slot("course_module"),
                                     int(tracker.get_slot("course_step")))

            return again
        return None
