"""Calendar files (RFC 5545, written with the ``icalendar`` library) and the expiring links that serve them.

Telegram gets the ``.ics`` as a document; WhatsApp cannot send calendar files, so it gets a link to our
server under an unguessable token (:func:`calendar_link`), which the server turns back into the event
(:func:`resolve_link`) and answers with :func:`ics`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from icalendar import Calendar
from icalendar import Event as VEvent
from sqlalchemy.orm import Session

from lmi4vet.events.catalogue import CANCELLED, DRAFT, PUBLISHED, local_times, text_for, utc
from lmi4vet.events.models import CalendarLink, Event
from lmi4vet.links import add_link, live_link, purge_expired

PRODID = "-//LMI4VET//Joint-VET network events//EN"
CONTENT_TYPE = "text/calendar; charset=utf-8"
LINK_LIFETIME = timedelta(days=30)
_STATUS = {PUBLISHED: "CONFIRMED", CANCELLED: "CANCELLED", DRAFT: "TENTATIVE"}


def uid(event: Event) -> str:
    """The event's UID, the same in every file made of it (calendars update the entry instead of adding one)."""
    return f"event-{event.id}@{event.deployment}.lmi4vet"


def filename(event: Event) -> str:
    return f"event-{event.id}.ics"


def _utc(moment: datetime) -> datetime:
    return utc(moment).replace(tzinfo=timezone.utc)


def ics(event: Event, lang: str, now: datetime) -> bytes:
    """The event as a calendar file: VCALENDAR (PRODID, VERSION 2.0, METHOD PUBLISH) with one VEVENT (UID,
    DTSTAMP ``now`` in UTC, DTSTART/DTEND in the event's time zone with its VTIMEZONE, SUMMARY and DESCRIPTION
    in ``lang`` or the event's own language, LOCATION and/or URL, STATUS, SEQUENCE, LAST-MODIFIED)."""
    title, description, used, _ = text_for(event, lang)
    start, end = local_times(event)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    vevent = VEvent()
    vevent.add("uid", uid(event))
    vevent.add("dtstamp", _utc(now))
    vevent.add("dtstart", start)
    vevent.add("dtend", end)
    vevent.add("summary", title, parameters={"LANGUAGE": used})
    if description:
        vevent.add("description", description, parameters={"LANGUAGE": used})
    if event.place:
        vevent.add("location", event.place)
    elif event.online_url:
        vevent.add("location", event.online_url)  # what most calendars show; URL is not displayed by all
    if event.online_url:
        vevent.add("url", event.online_url)
    vevent.add("status", _STATUS.get(event.status, "TENTATIVE"))
    vevent.add("sequence", event.sequence or 0)
    vevent.add("last-modified", _utc(event.updated_at))
    calendar.add_component(vevent)
    # The time zone's rules from zoneinfo, for the years the event spans (not 1970-2038: a far smaller file).
    calendar.add_missing_timezones(first_date=date(start.year, 1, 1), last_date=date(end.year + 1, 1, 1))
    return calendar.to_ical()


def calendar_link(session: Session, event_id: int, sender_id: str | None, now: datetime,
                  lifetime: timedelta = LINK_LIFETIME) -> str:
    """A new unguessable token (256 random bits) for the event's calendar file, valid for ``lifetime``."""
    if session.get(Event, event_id) is None:
        raise ValueError(f"no event {event_id}")
    return add_link(session, CalendarLink, now, lifetime, event_id=event_id, sender_id=sender_id)


def resolve_link(session: Session, token: str, now: datetime) -> Event | None:
    """The event behind a link; None when the token is unknown or expired (or the event is a draft). A
    cancelled event still resolves: its file says CANCELLED, which removes it from the calendar."""
    link = live_link(session, CalendarLink, token, now)
    if link is None:
        return None
    event = session.get(Event, link.event_id)
    return None if event is None or event.status == DRAFT else event


def purge_links(session: Session, now: datetime) -> int:
    """Delete expired links; how many."""
    return purge_expired(session, CalendarLink, now)

