"""Small talk and navigation: greeting, menu, thanks, goodbye, bot challenge, fallback, yes/no, forget me."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import AllSlotsReset, EventType, Restarted, SlotSet

from actions import handoff
from actions.base import PENDING_SLOT, LocalizedAction, Reply
from actions.data import entity_value
from actions.menu import main_menu, say_with_menu, tools_menu

FORGET = "forget_me"


class ActionGreet(LocalizedAction):
    """Greets and shows the main menu."""

    def name(self) -> str:
        return "action_greet"

    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        say_with_menu(reply, "greet.hello")
        return []


class ActionMenu(LocalizedAction):
    """Explains what the assistant does and shows the main menu; ``/help{"menu":"tools"}``: the tools for VET
    staff."""

    def name(self) -> str:
        return "action_menu"

    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        if entity_value(tracker, "menu") == "tools":
            reply.send(reply.text("menu.tools_prompt"), tools_menu(reply))
            return []
        say_with_menu(reply, "help.intro")
        return []


class ActionThank(LocalizedAction):
    """Answers thanks."""

    def name(self) -> str:
        return "action_thank"

    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        reply.say("thank")
        return []


class ActionGoodbye(LocalizedAction):
    """Says goodbye."""

    def name(self) -> str:
        return "action_goodbye"

    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        reply.say("goodbye")
        return []


class ActionBotChallenge(LocalizedAction):
    """Says plainly that this is a bot, and where a person can help."""

    def name(self) -> str:
        return "action_bot_challenge"

    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        reply.say("bot_challenge", buttons=[handoff.human_button(reply)])
        return []


class ActionFallback(LocalizedAction):
    """Low confidence, out-of-scope or no rule: a polite "I didn't get that" with the menu; the second time
    in a row, it offers a person first."""

    def name(self) -> str:
        return "action_fallback"

    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name")
        if (message.get("metadata") or {}).get("media"):
            key = "fallback.media"  # a sticker, photo, voice message... (set by the channel)
        else:
            key = "fallback.out_of_scope" if intent == "out_of_scope" else "fallback.not_understood"
        if handoff.previous_action(tracker) == self.name():
            buttons = [handoff.human_button(reply)]
            buttons += [b for b in main_menu(reply) if b != buttons[0]]
            reply.send(f"{reply.text('handoff.fallback_hint')}\n\n{reply.text('menu.prompt')}", buttons)
            return []
        say_with_menu(reply, key)
        return []


class ActionForgetMe(LocalizedAction):
    """Asks to confirm forgetting the user (the answer is handled by the yes/no actions)."""

    def name(self) -> str:
        return "action_forget_me"

    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        reply.say("forget.confirm", buttons=[(reply.text("forget.confirm_yes"), "/affirm"),
                                             (reply.text("forget.confirm_no"), "/deny")])
        return [SlotSet(PENDING_SLOT, FORGET)]


class ActionAffirm(LocalizedAction):
    """"Yes": carries out the pending confirmation, if any."""

    keeps_pending = True

    def name(self) -> str:
        return "action_affirm"

    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        if handoff.is_pending(tracker):
            return handoff.confirm(reply, tracker)
        if tracker.get_slot(PENDING_SLOT) == FORGET:
            from lmi4vet.privacy import request_erasure

            request_erasure(tracker.sender_id)  # carried out once Rasa has saved this turn
            reply.say("forget.done")
            return [AllSlotsReset(), Restarted()]
        say_with_menu(reply, "ack.affirm")
        return []


class ActionDeny(LocalizedAction):
    """"No": cancels the pending confirmation, if any."""

    keeps_pending = True

    def name(self) -> str:
        return "action_deny"

    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        if handoff.is_pending(tracker):
            return handoff.decline(reply)
        if tracker.get_slot(PENDING_SLOT) == FORGET:
            reply.say("forget.cancelled")
            return [SlotSet(PENDING_SLOT, None)]
        say_with_menu(reply, "ack.deny")
        return []
