"""Reminders 24 hours before an event and the feedback question after it, queued by the task queue's tick into
the durable inbox (rows of kind ``reminder``), in the language the person registered in, with their buttons;
and the notice to everyone registered when the console cancels an event.

The channel worker sends them like a broadcast message: it asks :func:`still_due` right before sending (a
registration cancelled, an event cancelled or started, a STOP or a block since queueing: nothing goes), and on
WhatsApp outside the 24-hour window it sends the approved reminder or feedback template with the row's
``variables`` instead, or nothing. Each registration gets at most one reminder and one follow-up
(:func:`lmi4vet.events.catalogue.mark_reminded` claims it in the queueing transaction).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from lmi4vet.db.models import ChannelUser
from lmi4vet.events.catalogue import (
    CANCELLED,
    PUBLISHED,
    REGISTERED,
    due_followups,
    due_reminders,
    mark_followed_up,
    mark_reminded,
    utc,
)
from lmi4vet.events.consent import unreachable
from lmi4vet.events.models import Registration
from lmi4vet.events.wording import payload, short_when, title, when, where
from lmi4vet.i18n import normalise_language, t
from lmi4vet.inbox import enqueue

REMINDER = "reminder"  # the inbox kind of a reminder or a follow-up
REMINDER_WHAT, FOLLOWUP_WHAT, CANCELLED_WHAT = "reminder", "followup", "cancelled"
CHANNELS = ("telegram", "whatsapp")  # where a reminder can reach someone (the local chat cannot be written to)
SCORES = (1, 2, 3, 4, 5)


def _language(registration: Registration, user: ChannelUser) -> str:
    return normalise_language(registration.language or user.language_hint)


def reminder_message(registration: Registration, lang: str) -> tuple[str, list[dict[str, str]], dict[str, str]]:
    """``(text, buttons, template variables)`` of the reminder for a registration."""
    event = registration.event
    lines = [t(lang, "events.reminder", title=title(event, lang), when=when(event, lang))]
    place = where(event, lang)
    if place:
        lines.append(place)
    lines.append(t(lang, "events.reminder_cancel_hint"))
    buttons = [{"title": t(lang, "events.details_button"), "payload": payload("details", event.id)},
               {"title": t(lang, "events.cancel_button"), "payload": payload("cancel", event.id)}]
    return "\n\n".join(lines), buttons, {"1": title(event, lang), "2": short_when(event, lang)}


def followup_message(registration: Registration, lang: str) -> tuple[str, list[dict[str, str]], dict[str, str]]:
    """``(text, buttons 1-5, template variables)`` of the feedback question after an event."""
    event = registration.event
    text = t(lang, "events.followup", title=title(event, lang))
    buttons = [{"title": t(lang, f"events.score_{score}"),
                "payload": payload("feedback", event.id, score=str(score))} for score in SCORES]
    return text, buttons, {"1": title(event, lang)}


def cancellation_message(registration: Registration, lang: str) -> tuple[str, list[dict[str, str]], dict[str, str]]:
    """``(text, buttons, template variables)`` telling a registered person that the event is cancelled."""
    event = registration.event
    text = t(lang, "events.cancelled_notice", title=title(event, lang), when=when(event, lang))
    return text, [{"title": t(lang, "events.all_button"), "payload": payload("list")}], {"1": title(event, lang)}


def _enqueue(session: Session, registration: Registration, what: str, compose, now: datetime) -> str | None:
    """Queue one message about a registration (``what``: reminder, followup, cancelled); its channel, or None
    when the person cannot be written to (the local chat, erased)."""
    user = session.get(ChannelUser, registration.sender_id)
    if user is None or user.channel not in CHANNELS:
        return None
    lang = _language(registration, user)
    text, buttons, variables = compose(registration, lang)
    enqueue(session, channel=user.channel, key=f"{what}-{registration.id}", sender_id=user.sender_id,
            address=user.address, kind=REMINDER, text=text, language=lang, now=now,
            meta={"what": what, "registration": registration.id, "event": registration.event_id,
                  "buttons": buttons, "variables": variables})
    return user.channel


def queue_cancellations(session: Session, registrations: list[Registration], now: datetime) -> dict[str, int]:
    """Tell everyone registered for a cancelled event (``catalogue.cancel_event`` returns them), in the same
    transaction as the cancellation; ``{channel: rows queued}``."""
    queued: dict[str, int] = {}
    for registration in registrations:
        channel = _enqueue(session, registration, CANCELLED_WHAT, cancellation_message, utc(now))
        if channel:
            queued[channel] = queued.get(channel, 0) + 1
    return queued


def queue_due(session: Session, now: datetime) -> dict[str, int]:
    """Queue every reminder and follow-up that is due; ``{channel: rows queued}``. People the bot cannot write
    to (the local chat, erased users) are marked done without a message."""
    now = utc(now)
    queued: dict[str, int] = {}
    plans = [(registration, REMINDER_WHAT, mark_reminded, reminder_message)
             for registration in due_reminders(session, now)]
    plans += [(registration, FOLLOWUP_WHAT, mark_followed_up, followup_message)
              for registration in due_followups(session, now)]
    for registration, what, claim, compose in plans:
        if not claim(session, registration.id, now):
            continue  # another tick took it
        channel = _enqueue(session, registration, what, compose, now)
        if channel:
            queued[channel] = queued.get(channel, 0) + 1
    return queued


def still_due(session: Session, registration_id: int, what: str, now: datetime) -> str:
    """Checked right before a reminder or follow-up goes out: "" if it should, else why not."""
    registration = session.get(Registration, registration_id)
    if registration is None or registration.status != REGISTERED:
        return "the registration was cancelled"
    event = registration.event
    if what == CANCELLED_WHAT:
        return "" if event.status == CANCELLED else "the event is not cancelled"
    if event.status != PUBLISHED:
        return f"the event is {event.status}"
    if what == REMINDER_WHAT and event.starts_at <= utc(now):
        return "the event has started"
    return unreachable(session, registration.sender_id)
