"""Network events and opt-in updates in the chat (the Joint-VET network): finding upcoming events ("events in
Spain", "what's on next month", "workshops about green skills"), their details, registering and cancelling,
the calendar file (a document on Telegram, an expiring link elsewhere), feedback after the event, and
``/preferences``: which topics and countries one gets updates on. The logic lives in :mod:`lmi4vet.events`;
every button carries what to do as entities (see :func:`lmi4vet.events.wording.payload`)."""

from __future__ import annotations

import base64
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from sqlalchemy.orm import Session

from actions.base import Button, LocalizedAction, Reply
from actions.base import payload as intent_payload
from actions.data import entity_value, entity_values, kb_session, latest_text
from actions.menu import say_with_menu
from lmi4vet.countries import EU_AGGREGATE
from lmi4vet.events import catalogue, consent
from lmi4vet.events.calendar import LINK_LIFETIME, calendar_link, filename, ics
from lmi4vet.events.catalogue import EUROPE, TOPICS
from lmi4vet.events.models import Event
from lmi4vet.events.query import EventQuery, parse
from lmi4vet.events.reminders import CHANNELS
from lmi4vet.events.wording import fallback_note, payload, place_name, short_when, title, topic_name, when, where
from lmi4vet.i18n import t
from lmi4vet.settings import Settings

LIST_LIMIT = 8  # events per list (WhatsApp's list picker takes 10 rows, with "my registrations" and updates)
TOPIC = "events"  # last_topic


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _channel(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or ""


def _event_id(tracker: Tracker) -> int | None:
    value = entity_value(tracker, "event")
    return int(value) if value.isdigit() else None


def _visible(session: Session, event_id: int | None) -> Event | None:
    """The event, unless it is unknown, a draft or another deployment's."""
    event = session.get(Event, event_id) if event_id is not None else None
    if event is None or event.status == catalogue.DRAFT or event.deployment != Settings.from_env().deployment:
        return None
    return event


def _button_title(event: Event, lang: str) -> str:
    return f"{short_when(event, lang)} · {title(event, lang)}"


def _line(number: int, event: Event, lang: str) -> str:
    place = event.place or t(lang, "events.online_short")
    return t(lang, "events.list_line", number=str(number), when=short_when(event, lang), title=title(event, lang),
             place=place, topic=topic_name(event.topic, lang))


def read_request(tracker: Tracker, reply: Reply) -> EventQuery:
    """What the latest message asks for (country, topic, period, "mine"), with the NLU's country entities."""
    return parse(latest_text(tracker), reply.language, _now(), ZoneInfo(Settings.from_env().events_timezone),
                 countries=entity_values(tracker, "country"))


def _filters(query: EventQuery, lang: str) -> str:
    parts = []
    if query.country:
        parts.append(place_name(query.country, lang))
    if query.topic:
        parts.append(topic_name(query.topic, lang))
    if query.period:
        key = "events.month" if query.period.startswith("month:") else f"events.periods.{query.period}"
        parts.append(t(lang, key, month=_month_name(query, lang)) if key == "events.month" else t(lang, key))
    return " · ".join(parts)


def _month_name(query: EventQuery, lang: str) -> str:
    from babel.dates import format_date

    return format_date(query.start, "LLLL y", locale=lang) if query.start else ""


def _more_buttons(reply: Reply) -> list[Button]:
    return [(reply.text("events.mine_button"), payload("mine")),
            (reply.text("events.preferences_button"), intent_payload("manage_preferences"))]


def list_events(reply: Reply, tracker: Tracker, session: Session) -> list[EventType]:
    """Upcoming events matching the message (country, topic, period), as buttons."""
    settings = Settings.from_env()
    query = read_request(tracker, reply)
    if query.mine:
        return my_registrations(reply, session)
    topic = entity_value(tracker, "topic")
    if topic in TOPICS:
        query = EventQuery(query.country, topic, query.period, query.start, query.end)
    found = catalogue.upcoming(session, now=_now(), country=query.country, topic=query.topic, start=query.start,
                               end=query.end, limit=LIST_LIMIT + 1, deployment=settings.deployment)
    filters = _filters(query, reply.language)
    events: list[EventType] = [SlotSet("last_topic", TOPIC)]
    if query.country and query.country != EUROPE:  # the conversation's country (figures, update preferences)
        events.append(SlotSet("country", catalogue.eurostat_code(query.country)))
    if not found:
        if query.filtered:
            reply.say("events.none_filtered", buttons=[(reply.text("events.all_button"), payload("list")),
                                                       *_more_buttons(reply)], filters=filters)
        else:
            reply.say("events.none", buttons=_more_buttons(reply))
        return events
    shown = found[:LIST_LIMIT]
    heading = reply.text("events.list_filtered", filters=filters) if query.filtered else reply.text("events.list")
    lines = [heading, "\n".join(_line(number, event, reply.language) for number, event in enumerate(shown, 1))]
    if len(found) > LIST_LIMIT:
        lines.append(reply.text("events.more", shown=str(LIST_LIMIT)))
    lines.append(reply.text("events.pick"))
    buttons = [(_button_title(event, reply.language), payload("details", event.id)) for event in shown]
    reply.send("\n\n".join(lines), [*buttons, *_more_buttons(reply)])
    return events


def _seats(session: Session, event: Event, lang: str) -> str:
    left = catalogue.seats_left(session, event)
    if left is None:
        return t(lang, "events.seats_unlimited")
    if left == 0:
        return t(lang, "events.seats_full")
    return t(lang, "events.seats_left", left=str(left), capacity=str(event.capacity))


def _registered(session: Session, event: Event, sender_id: str) -> bool:
    return any(r.event_id == event.id for r in catalogue.registrations_of(session, sender_id, _now()))


def describe(session: Session, event: Event, lang: str) -> str:
    """The event's details in ``lang``: title, time, place, topic and country, seats, description, and the
    language note when it is not written in ``lang``."""
    _, description, _, _ = catalogue.text_for(event, lang)
    lines = [title(event, lang), when(event, lang)]
    place = where(event, lang)
    if place:
        lines.append(place)
    lines.append(t(lang, "events.about", topic=topic_name(event.topic, lang),
                   country=place_name(event.country, lang)))
    lines.append(_seats(session, event, lang))
    text = "\n".join(lines)
    if description:
        text += "\n\n" + description
    note = fallback_note(event, lang)
    return f"{text}\n\n{note}" if note else text


def details(reply: Reply, session: Session, event: Event | None) -> list[EventType]:
    if event is None:
        reply.say("events.not_found", buttons=[(reply.text("events.all_button"), payload("list"))])
        return []
    text = describe(session, event, reply.language)
    back = (reply.text("events.back_button"), payload("list"))
    if event.status == catalogue.CANCELLED:
        reply.send(f"{reply.text('events.is_cancelled')}\n\n{text}", [back])
        return []
    if event.starts_at <= _now().replace(tzinfo=None):
        reply.send(f"{reply.text('events.is_past')}\n\n{text}", [back])
        return []
    registered = _registered(session, event, reply.sender_id)
    action = (reply.text("events.cancel_button"), payload("cancel", event.id)) if registered else \
        (reply.text("events.register_button"), payload("register", event.id))
    if registered:
        text += "\n\n" + reply.text("events.you_are_registered")
    reply.send(text, [action, (reply.text("events.calendar_button"), payload("calendar", event.id)), back])
    return [SlotSet("last_topic", TOPIC)]


def _after_registration(reply: Reply, event: Event) -> list[Button]:
    return [(reply.text("events.calendar_button"), payload("calendar", event.id)),
            (reply.text("events.cancel_button"), payload("cancel", event.id)),
            (reply.text("events.back_button"), payload("list"))]


def register(reply: Reply, tracker: Tracker, session: Session, event: Event | None) -> list[EventType]:
    if event is None:
        return details(reply, session, None)
    done = catalogue.register(session, event.id, reply.sender_id, _now(), language=reply.language)
    name = title(event, reply.language)
    if done.outcome in (catalogue.OK, catalogue.ALREADY):
        lines = [reply.text("events.registered" if done.outcome == catalogue.OK else "events.already",
                            title=name, when=when(event, reply.language))]
        starts_in = event.starts_at - _now().replace(tzinfo=None)
        if _channel(tracker) in CHANNELS and starts_in > catalogue.REMINDER_LEAD:
            lines.append(reply.text("events.reminder_promise"))
        reply.send("\n\n".join(lines), _after_registration(reply, event))
    elif done.outcome == catalogue.FULL:
        reply.say("events.full", buttons=[(reply.text("events.back_button"), payload("list"))], title=name)
    elif done.reason == catalogue.CANCELLED:
        reply.say("events.is_cancelled", buttons=[(reply.text("events.back_button"), payload("list"))])
    else:  # started (or a draft again)
        reply.say("events.closed", buttons=[(reply.text("events.back_button"), payload("list"))], title=name)
    return [SlotSet("last_topic", TOPIC)]


def cancel(reply: Reply, session: Session, event: Event | None) -> list[EventType]:
    if event is None:
        return details(reply, session, None)
    key = "events.registration_cancelled" if catalogue.cancel_registration(
        session, event.id, reply.sender_id, _now()) else "events.not_registered"
    reply.say(key, buttons=[(reply.text("events.back_button"), payload("list"))], title=title(event, reply.language))
    return [SlotSet("last_topic", TOPIC)]


def send_calendar(reply: Reply, tracker: Tracker, session: Session, event: Event | None) -> list[EventType]:
    """The ``.ics``: a document on Telegram; elsewhere (WhatsApp cannot send calendar files) a link to our
    server under an unguessable token that expires."""
    if event is None:
        return details(reply, session, None)
    channel = _channel(tracker)
    name = title(event, reply.language)
    if channel == "telegram":
        body = ics(event, reply.language, _now())
        reply.dispatcher.utter_message(json_message={"document": {
            "filename": filename(event), "content_base64": base64.b64encode(body).decode("ascii"),
            "caption": reply.text("events.calendar_caption", title=name)}})
        return []
    token = calendar_link(session, event.id, reply.sender_id, _now())
    route = "whatsapp" if channel == "whatsapp" else "rest"
    url = f"{Settings.from_env().public_base}/webhooks/{route}/calendar/{token}?lang={reply.language}"
    reply.say("events.calendar_link", title=name, url=url, days=str(LINK_LIFETIME.days))
    return []


def feedback(reply: Reply, tracker: Tracker, session: Session, event: Event | None) -> list[EventType]:
    score = entity_value(tracker, "score")
    if event is None or not score.isdigit() or not 1 <= int(score) <= 5:
        return details(reply, session, event)
    recorded = catalogue.record_feedback(session, (event.id, reply.sender_id), int(score), _now())
    if recorded is None:
        reply.say("events.feedback_not_registered", title=title(event, reply.language))
    else:
        say_with_menu(reply, "events.feedback_thanks", score=score, title=title(event, reply.language))
    return []


def my_registrations(reply: Reply, session: Session) -> list[EventType]:
    mine = catalogue.registrations_of(session, reply.sender_id, _now())
    if not mine:
        reply.say("events.mine_none", buttons=[(reply.text("events.all_button"), payload("list"))])
        return [SlotSet("last_topic", TOPIC)]
    events = [registration.event for registration in mine][:LIST_LIMIT]
    lines = [reply.text("events.mine"),
             "\n".join(_line(number, event, reply.language) for number, event in enumerate(events, 1))]
    reply.send("\n\n".join(lines), [*((_button_title(e, reply.language), payload("details", e.id)) for e in events),
                                    (reply.text("events.all_button"), payload("list"))])
    return [SlotSet("last_topic", TOPIC)]


class ActionEvents(LocalizedAction):
    """Everything about events (see the module docstring); ``do`` says what a button asks."""

    def name(self) -> str:
        return "action_events"

    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        do = entity_value(tracker, "do")
        with kb_session() as session:
            event = _visible(session, _event_id(tracker))
            if do == "details":
                return details(reply, session, event)
            if do == "register":
                return register(reply, tracker, session, event)
            if do == "cancel":
                return cancel(reply, session, event)
            if do == "calendar":
                return send_calendar(reply, tracker, session, event)
            if do == "feedback":
                return feedback(reply, tracker, session, event)
            if do == "mine":
                return my_registrations(reply, session)
            return list_events(reply, tracker, session)


# -- updates: /preferences -------------------------------------------------------------------------------------
def _country_for(tracker: Tracker, query: EventQuery) -> str:
    """The country new opt-ins are for: a button's, the message's (``query``), the conversation's; else
    Europe-wide."""
    given = entity_value(tracker, "country")
    if given:
        try:
            return catalogue.country_code(given)
        except ValueError:
            pass
    if query.country:
        return query.country
    slot = str(tracker.get_slot("country") or "")
    if slot and slot != EU_AGGREGATE:
        try:
            return catalogue.country_code(slot)
        except ValueError:
            pass
    return EUROPE


def _prefs_payload(topic: str, country: str, opt: str) -> str:
    return intent_payload("manage_preferences", topic=topic, country=country, opt=opt)


def show_preferences(reply: Reply, session: Session, country: str, said: str = "",
                     suggest: str | None = None) -> list[EventType]:
    """What the user gets and the buttons to change it for ``country``; ``suggest``: a topic the message named,
    whose change comes first ("Yes: updates on green skills (Spain)", or stopping them when on already)."""
    lang = reply.language
    if consent.is_unsubscribed(session, reply.sender_id):
        text = "\n\n".join(part for part in (said, reply.text("prefs.stopped")) if part)
        reply.send(text, [(reply.text("prefs.resume_button"), intent_payload("manage_preferences", opt="resume"))])
        return [SlotSet("last_topic", "preferences")]
    active = [c for c in consent.consents_of(session, reply.sender_id) if c.opted_in]
    if active:
        current = reply.text("prefs.current") + "\n" + "\n".join(
            reply.text("prefs.current_line", topic=topic_name(c.topic, lang), country=place_name(c.country, lang))
            for c in active)
    else:
        current = reply.text("prefs.none")
    chosen = {c.topic for c in active if c.country == country}
    lines = [part for part in (said, current, reply.text("prefs.wording"),
                               reply.text("prefs.choose", country=place_name(country, lang))) if part]
    buttons: list[Button] = [
        (reply.text("prefs.topic_on", topic=topic_name(topic, lang)), _prefs_payload(topic, country, "out"))
        if topic in chosen else (topic_name(topic, lang), _prefs_payload(topic, country, "in")) for topic in TOPICS]
    if suggest in TOPICS:
        key, opt = ("prefs.suggest_off", "out") if suggest in chosen else ("prefs.suggest_on", "in")
        buttons.insert(0, (reply.text(key, topic=topic_name(suggest, lang), country=place_name(country, lang)),
                           _prefs_payload(suggest, country, opt)))
    if active:
        buttons.append((reply.text("prefs.stop_button"), intent_payload("manage_preferences", opt="stop")))
    buttons.append((reply.text("events.events_button"), payload("list")))
    reply.send("\n\n".join(lines), buttons)
    return [SlotSet("last_topic", "preferences")]


class ActionPreferences(LocalizedAction):
    """``/preferences``: shows and changes the updates one gets (topic x country), records each change with its
    method and wording version; "stop" and "resume" do what STOP and START do."""

    def name(self) -> str:
        return "action_preferences"

    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        method = "command" if entity_value(tracker, "via") == "command" else "button"
        opt, topic = entity_value(tracker, "opt"), entity_value(tracker, "topic")
        query = read_request(tracker, reply)
        country = _country_for(tracker, query)
        now = _now()
        said = ""
        with kb_session() as session:
            if opt in ("in", "out") and topic in TOPICS:
                consent.set_consent(session, reply.sender_id, topic, country, opt == "in", method, reply.language,
                                    consent.WORDING_VERSION, now)
                said = reply.text("prefs.opted_in" if opt == "in" else "prefs.opted_out",
                                  topic=topic_name(topic, reply.language), country=place_name(country, reply.language))
            elif opt == "stop":
                consent.unsubscribe(session, reply.sender_id, method, reply.language, now)
                reply.say("updates.stopped")
                return [SlotSet("last_topic", "preferences")]
            elif opt == "resume":
                consent.resubscribe(session, reply.sender_id, method, reply.language, now)
                said = reply.text("updates.started")
            return show_preferences(reply, session, country, said, None if opt else query.topic)
