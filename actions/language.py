"""Choosing the conversation language, by name in any language or from a menu."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.base import LANGUAGE_SLOT, PINNED_SLOT, LocalizedAction, Reply
from actions.menu import say_with_menu
from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.i18n import language_autonym, language_name
from lmi4vet.language import language_from_name


def language_buttons() -> list[tuple[str, str]]:
    """One button per supported language, each titled in its own language."""
    return [(language_autonym(code), f'/choose_language{{"language":"{code}"}}') for code in SUPPORTED_LANGUAGES]


class ActionChooseLanguage(LocalizedAction):
    """Switches to the named language (and pins it), or asks which one with a menu."""

    def name(self) -> str:
        return "action_choose_language"

    async def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        mentions = [e.get("value") for e in tracker.latest_message.get("entities", [])
                    if e.get("entity") == "language"]
        codes = [language_from_name(str(m)) for m in mentions if m]
        chosen = next((c for c in codes if c in SUPPORTED_LANGUAGES), None)
        if chosen:
            reply.language = chosen
            say_with_menu(reply, "language.changed")
            return [SlotSet(LANGUAGE_SLOT, chosen), SlotSet(PINNED_SLOT, True)]
        unknown = next((c for c in codes if c), None)
        if unknown or mentions:
            requested = language_name(unknown, reply.language) if unknown else str(mentions[0])
            reply.say("language.unsupported", buttons=language_buttons(), requested=requested)
        else:
            reply.say("language.ask", buttons=language_buttons())
        return []
