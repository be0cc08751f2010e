"""The short structured summary a ticket opens with, so the adviser need not read the whole chat: the last
intents, the slots set, and the last figures, skills or guide sections the bot showed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# What the bot showed, by the action that showed it.
SHOWN_BY = {"action_indicator": "figure", "action_in_demand": "jobs in demand", "action_occupation_skills": "skills",
            "action_guide": "guide", "action_course": "course"}
TOPIC_OF = {"ask_indicator": "figures", "ask_in_demand_occupations": "jobs_skills",
            "ask_occupation_skills": "jobs_skills", "ask_guide": "training", "start_course": "training"}
INTERNAL_SLOTS = {"language_pinned", "pending_action", "session_started_metadata", "requested_slot"}
NOT_TOPICS = {"request_human", "affirm", "deny", "nlu_fallback", "out_of_scope", "greet", "help", "thank"}
LAST_INTENTS = 5
LAST_SHOWN = 3
LINE = 200  # characters of a shown message kept (its first line)


def summarise(events: Iterable[Mapping[str, Any]], slots: Mapping[str, Any]) -> dict[str, Any]:
    """``{"intents": [...], "slots": {...}, "shown": [{"kind", "text"}], "messages": n}`` from a conversation's
    events (Rasa's event dicts, oldest first) and its current slot values."""
    intents: list[str] = []
    shown: list[dict[str, str]] = []
    messages = 0
    action = ""
    for event in events:
        kind = event.get("event")
        if kind == "user":
            text = event.get("text") or ""
            name = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""
            messages += not text.startswith("/")
            if name:
                intents.append(name)
        elif kind == "action":
            action = event.get("name") or ""
        elif kind == "bot" and action in SHOWN_BY and (event.get("text") or "").strip():
            first_line = (event.get("text") or "").strip().splitlines()[0][:LINE]
            shown.append({"kind": SHOWN_BY[action], "text": first_line})
    return {"intents": intents[-LAST_INTENTS:], "messages": messages, "shown": shown[-LAST_SHOWN:],
            "slots": {k: v for k, v in slots.items() if v not in (None, "", []) and k not in INTERNAL_SLOTS}}


def topic_of(intents: Iterable[str]) -> str:
    """The ticket's topic: what the person last asked about (see tickets.TOPICS)."""
    for intent in reversed(list(intents)):
        if intent in TOPIC_OF:
            return TOPIC_OF[intent]
        if intent not in NOT_TOPICS:
            return "general"
    return "general"
