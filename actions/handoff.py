"""Talking to a person: the offer (with what is shared), the ticket on "yes", safeguarding (112 at once and an
urgent ticket), and the bot's return when the ticket is closed. Tickets live in :mod:`lmi4vet.handoff`; while one
is open the channel worker relays the chat to the console and Rasa stays paused (``ConversationPaused``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ConversationPaused, EventType, SlotSet

from actions.base import PENDING_SLOT, LocalizedAction, Reply, end_form
from actions.data import entity_values, kb_session
from actions.menu import main_menu, say_with_menu
from lmi4vet.handoff import tickets
from lmi4vet.handoff.hours import OfficeHours, when_text
from lmi4vet.handoff.safeguarding import CATEGORIES
from lmi4vet.handoff.summary import summarise, topic_of
from lmi4vet.settings import Settings

HANDOFF = "handoff"  # the pending confirmation (pending_action = "handoff:<reason>")
CHANNEL_NAMES = {"telegram": "Telegram", "whatsapp": "WhatsApp"}  # where a person can answer


def _channel(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or ""


def _team(reply: Reply, settings: Settings) -> str:
    return settings.handoff_team or reply.text("handoff.team_default")


def previous_action(tracker: Tracker) -> str:
    """The action that answered the previous message (this turn's action is not logged yet)."""
    for event in reversed(tracker.events):
        if event.get("event") == "action" and event.get("name") not in ("action_listen", "action_session_start"):
            return event.get("name") or ""
    return ""


def human_button(reply: Reply) -> tuple[str, str]:
    return reply.text("menu.human"), "/request_human"


def is_pending(tracker: Tracker) -> bool:
    return str(tracker.get_slot(PENDING_SLOT) or "").startswith(HANDOFF)


def open_and_pause(reply: Reply, tracker: Tracker, reason: str, risk: str | None = None) -> list[EventType]:
    """Open the ticket, tell the person who answers and when and how to come back, and pause the bot."""
    settings = Settings.from_env()
    summary = summarise(tracker.events, tracker.current_slot_values())
    topic = "safeguarding" if risk else topic_of(summary["intents"])
    with kb_session() as session:
        tickets.open_ticket(session, sender_id=tracker.sender_id, channel=_channel(tracker), language=reply.language,
                            topic=topic, reason=reason, summary=summary, deployment=settings.deployment, risk=risk)
        minutes = tickets.expected_minutes(session, settings.deployment, settings.handoff_reply_minutes)
    hours = OfficeHours.parse(settings.handoff_hours, settings.handoff_timezone)
    team = _team(reply, settings)
    lines = [reply.text("handoff.safeguarding_alerted" if risk else "handoff.opened", team=team),
             when_text(hours, reply.language, datetime.utcnow(), minutes), reply.text("handoff.waiting"),
             reply.text("handoff.how_to_end", end_word=reply.text("handoff.end_word"))]
    reply.send("\n\n".join(lines), [(reply.text("handoff.end_button"), tickets.END_PAYLOAD)])
    return [SlotSet(PENDING_SLOT, None), ConversationPaused()]


class ActionHandoffOffer(LocalizedAction):
    """"I want to talk to someone": says what a person would see and asks to confirm."""

    def name(self) -> str:
        return "action_handoff_offer"

    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        channel = _channel(tracker)
        if channel not in CHANNEL_NAMES:
            say_with_menu(reply, "handoff.other_channel")
            return []
        settings = Settings.from_env()
        with kb_session() as session:
            if tickets.active_ticket(session, tracker.sender_id) is not None:
                reply.say("handoff.already_open", team=_team(reply, settings))
                return []
        reason = "fallback" if previous_action(tracker) == "action_fallback" else "asked"
        reply.say("handoff.offer", buttons=[(reply.text("handoff.offer_yes"), "/affirm"),
                                            (reply.text("handoff.offer_no"), "/deny")],
                  team=_team(reply, settings), channel=CHANNEL_NAMES[channel])
        return [SlotSet(PENDING_SLOT, f"{HANDOFF}:{reason}")]


def confirm(reply: Reply, tracker: Tracker) -> list[EventType]:
    """"Yes" to the offer."""
    reason = str(tracker.get_slot(PENDING_SLOT)).partition(":")[2] or "asked"
    return open_and_pause(reply, tracker, reason)


def decline(reply: Reply) -> list[EventType]:
    """"No" to the offer."""
    say_with_menu(reply, "handoff.declined")
    return [SlotSet(PENDING_SLOT, None)]


class ActionSafeguarding(LocalizedAction):
    """Safeguarding words: the emergency number at once, then an urgent ticket (a person reads the chat)."""

    def name(self) -> str:
        return "action_safeguarding"

    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        risk = next((value for value in entity_values(tracker, "risk") if value in CATEGORIES), CATEGORIES[0])
        reply.say(f"handoff.safeguarding_{risk}")
        # an open form (the micro-credential worksheet) ends here: what follows is the person, not the form
        events: list[EventType] = end_form() if tracker.active_loop else []
        if _channel(tracker) not in CHANNEL_NAMES:
            reply.say("handoff.other_channel")
            return events
        return [*events, *open_and_pause(reply, tracker, "safeguarding", risk)]


class ActionHandoffResumed(LocalizedAction):
    """The ticket is closed (by the adviser or the person): a short recap and the menu."""

    def name(self) -> str:
        return "action_handoff_resumed"

    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        by = "user" if "user" in entity_values(tracker, "ended_by") else "agent"
        lines = [reply.text(f"handoff.ended_by_{by}")]
        with kb_session() as session:
            ticket = tickets.last_closed(session, tracker.sender_id)
            count = tickets.exchanged(session, ticket.id) if ticket is not None else 0
        if count:
            lines.append(reply.text("handoff.recap", messages=str(count)))
        lines.append(reply.text("menu.prompt"))
        reply.send("\n\n".join(lines), main_menu(reply))
        return []
