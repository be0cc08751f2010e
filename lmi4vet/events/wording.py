"""How an event reads in a user's language: its date and time in its own time zone, place, topic, and the
button payloads that act on it. Shared by the chat's actions and the reminders the task queue sends."""

from __future__ import annotations

import json
from collections.abc import Mapping

from babel.dates import format_date, format_datetime, format_time, get_timezone_name

from lmi4vet.events.catalogue import EUROPE, local_times, text_for
from lmi4vet.events.models import Event
from lmi4vet.i18n import country_name, normalise_language, t

INTENT = "ask_events"  # the intent every event button carries
ACTIONS = ("list", "details", "register", "cancel", "calendar", "feedback", "mine")


def command(intent: str, entities: Mapping[str, str]) -> str:
    """A button payload in Rasa's syntax, entities as compact JSON in their order:
    ``command("ask_events", {"do": "list"})`` -> ``/ask_events{"do":"list"}`` (no entities: ``/ask_events``)."""
    if not entities:
        return f"/{intent}"
    return f"/{intent}" + json.dumps(dict(entities), ensure_ascii=False, separators=(",", ":"))


def payload(do: str, event_id: int | None = None, **extra: str) -> str:
    """A button payload for the events action: ``/ask_events{"do":"register","event":"3"}``."""
    if do not in ACTIONS:
        raise ValueError(f"unknown events action {do!r}")
    return command(INTENT, {"do": do, **({"event": str(event_id)} if event_id is not None else {}), **extra})


def topic_name(topic: str, lang: str) -> str:
    return t(lang, f"events.topics.{topic}")


def place_name(code: str, lang: str) -> str:
    """A country's name, or "Europe-wide" for EU."""
    return t(lang, "events.europe") if code == EUROPE else country_name(code, lang)


def when(event: Event, lang: str, with_weekday: bool = True) -> str:
    """"Thursday 14 January 2027, 10:00–12:30 (Central European Time)" in ``lang``, in the event's zone."""
    lang = normalise_language(lang)
    start, end = local_times(event)
    day = format_date(start, "full" if with_weekday else "long", locale=lang)
    hours = f"{format_time(start, 'HH:mm', locale=lang)}–{format_time(end, 'HH:mm', locale=lang)}"
    if end.date() != start.date():
        hours = (f"{format_time(start, 'HH:mm', locale=lang)} – "
                 f"{format_date(end, 'long', locale=lang)}, {format_time(end, 'HH:mm', locale=lang)}")
    zone = get_timezone_name(start, width="long", locale=lang)
    return f"{day}, {hours} ({zone})"


def short_when(event: Event, lang: str) -> str:
    """"14 Jan, 10:00" for a list line or a button."""
    start, _ = local_times(event)
    return format_datetime(start, "d MMM, HH:mm", locale=normalise_language(lang))


def where(event: Event, lang: str) -> str:
    """"Madrid, Calle Mayor 1 (Spain)", "Online: https://…", or both."""
    parts = []
    if event.place:
        parts.append(t(lang, "events.place", place=event.place, country=place_name(event.country, lang)))
    if event.online_url:
        parts.append(t(lang, "events.online", url=event.online_url))
    return "\n".join(parts)


def title(event: Event, lang: str) -> str:
    return text_for(event, lang)[0]


def fallback_note(event: Event, lang: str) -> str:
    """"(This event is described in Spanish only.)" when the event has no text in ``lang``, else ""."""
    _, _, used, fell_back = text_for(event, lang)
    if not fell_back:
        return ""
    from lmi4vet.i18n import language_name

    return t(lang, "events.fallback", language=language_name(used, normalise_language(lang)))
