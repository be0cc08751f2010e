"""Events and registrations: creating, changing, publishing and cancelling events (the console), listing
upcoming ones, their text in a user's language, registering within capacity, reminders and follow-ups (the
chat and the worker). Functions take the caller's session and change nothing outside its transaction.

Times: ``now`` and stored times are naive UTC (aware datetimes are converted). The start and end an organiser
enters are local wall-clock times in the event's time zone (naive), or aware datetimes. An event counts as
past once it has started: it is no longer listed and registration closes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.countries import CLDR_CODES
from lmi4vet.db.models import ChannelUser
from lmi4vet.events.models import Event, EventText, Registration, Subscriber

TOPICS = ("joint_qualifications", "work_based_learning", "digital", "green", "inclusion", "internationalisation")
EUROPE = "EU"  # Europe-wide and online events (and opt-ins): they count for every country
DRAFT, PUBLISHED, CANCELLED = "draft", "published", "cancelled"
REGISTERED = "registered"  # registration statuses: registered | cancelled
# register() outcomes
OK, ALREADY, FULL, CLOSED = "registered", "already", "full", "closed"
REMINDER_LEAD = timedelta(hours=24)
FOLLOWUP_WITHIN = timedelta(days=7)  # follow-ups not sent by then are dropped (no feedback asks weeks later)
TITLE_LIMIT = 120
DESCRIPTION_LIMIT = 2000
# Eurostat's codes (lmi4vet.countries) where ISO 3166-1 differs: Greece, the United Kingdom.
_EUROSTAT_TO_ISO = CLDR_CODES
# CLDR territories with two letters that are not ISO 3166-1 countries (XK, Kosovo, is kept: EU bodies use it).
_NOT_COUNTRIES = {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"}
_FIELDS = ("start", "end", "timezone", "place", "online_url", "country", "topic", "capacity")


@dataclass(frozen=True)
class Registered:
    """What :func:`register` did. ``outcome``: registered | already | full | closed; ``reason`` of closed:
    unknown (no such event), draft, cancelled or started. ``seats_left``: None when unlimited."""

    outcome: str
    registration: Registration | None = None
    seats_left: int | None = None
    reason: str = ""


# -- validation -----------------------------------------------------------------------------------------------
@cache
def _countries() -> frozenset[str]:
    territories = Locale.parse("en").territories
    return frozenset(c for c in territories if len(c) == 2 and c.isalpha() and c not in _NOT_COUNTRIES)


def country_code(code: str) -> str:
    """The country code an event or opt-in stores: ISO 3166-1 alpha-2 in upper case, or "EU". Eurostat's EL
    and UK (what ``lmi4vet.countries`` resolves) become GR and GB. ValueError for anything else."""
    value = (code or "").strip().upper()
    value = _EUROSTAT_TO_ISO.get(value, value)
    if value != EUROPE and value not in _countries():
        raise ValueError(f"unknown country {code!r}: write an ISO 3166-1 code such as 'ES', or 'EU' for "
                         "Europe-wide and online events")
    return value


def eurostat_code(code: str) -> str:
    """A stored country code as ``lmi4vet.countries`` (Eurostat) writes it: GR -> EL, GB -> UK."""
    return {iso: eurostat for eurostat, iso in _EUROSTAT_TO_ISO.items()}.get(code, code)


def check_topic(topic: str) -> str:
    if topic not in TOPICS:
        raise ValueError(f"unknown topic {topic!r}: one of {', '.join(TOPICS)}")
    return topic


def check_language(lang: str) -> str:
    if lang not in SUPPORTED_LANGUAGES:
        raise ValueError(f"unknown language {lang!r}: one of {', '.join(SUPPORTED_LANGUAGES)}")
    return lang


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``; ValueError if unknown."""
    if not name or name not in _zones():
        raise ValueError(f"unknown time zone {name!r}: write an IANA name such as 'Europe/Madrid'")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # pragma: no cover - listed but unreadable
        raise ValueError(f"unknown time zone {name!r}") from exc


def utc(moment: datetime) -> datetime:
    """Naive UTC: aware datetimes are converted, naive ones are taken as UTC already."""
    return moment if moment.tzinfo is None else moment.astimezone(dt_timezone.utc).replace(tzinfo=None)


def _to_utc(moment: datetime, tz: ZoneInfo, what: str) -> datetime:
    """An organiser's local time (naive: wall clock in ``tz``) as naive UTC; ValueError for a local time that
    does not exist (skipped when the clocks go forward)."""
    if moment.tzinfo is not None:
        return utc(moment)
    aware = moment.replace(tzinfo=tz)
    back = aware.astimezone(dt_timezone.utc).astimezone(tz).replace(tzinfo=None)
    if back != moment:
        raise ValueError(f"the {what} {moment:%Y-%m-%d %H:%M} does not exist in {tz.key} (the clocks go forward "
                         "then)")
    return utc(aware)


def local_times(event: Event) -> tuple[datetime, datetime]:
    """The event's start and end as aware datetimes in its own time zone."""
    tz = ZoneInfo(event.timezone)
    return (event.starts_at.replace(tzinfo=dt_timezone.utc).astimezone(tz),
            event.ends_at.replace(tzinfo=dt_timezone.utc).astimezone(tz))


def _check_text(lang: str, title: str, description: str) -> tuple[str, str]:
    check_language(lang)
    title, description = (title or "").strip(), (description or "").strip()
    if not title:
        raise ValueError(f"the title ({lang}) is empty")
    if len(title) > TITLE_LIMIT:
        raise ValueError(f"the title ({lang}) is longer than {TITLE_LIMIT} characters")
    if len(description) > DESCRIPTION_LIMIT:
        raise ValueError(f"the description ({lang}) is longer than {DESCRIPTION_LIMIT} characters")
    return title, description


def _check_fields(values: dict[str, Any]) -> dict[str, Any]:
    """Validated columns from an organiser's fields (start, end, timezone, place, online_url, country, topic,
    capacity)."""
    tz = zone(values["timezone"])
    starts_at = _to_utc(values["start"], tz, "start")
    ends_at = _to_utc(values["end"], tz, "end")
    if ends_at <= starts_at:
        raise ValueError("the end must be after the start")
    place = (values.get("place") or "").strip() or None
    online_url = (values.get("online_url") or "").strip() or None
    if place is None and online_url is None:
        raise ValueError("a place or an online link is needed")
    if place is not None and len(place) > 300:
        raise ValueError("the place is longer than 300 characters")
    if online_url is not None and (not online_url.startswith(("https://", "http://")) or len(online_url) > 500
                                   or any(ch.isspace() for ch in online_url)):
        raise ValueError(f"the online link {online_url!r} is not an http(s) address")
    capacity = values.get("capacity")
    if capacity is not None and (isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1):
        raise ValueError("the capacity must be at least 1, or empty for unlimited")
    return {"starts_at": starts_at, "ends_at": ends_at, "timezone": tz.key, "place": place,
            "online_url": online_url, "country": country_code(values["country"]),
            "topic": check_topic(values["topic"]), "capacity": capacity}


# -- the console side -----------------------------------------------------------------------------------------
def create_event(session: Session, *, deployment: str, language: str, title: str, description: str = "",
                 start: datetime, end: datetime, timezone: str, country: str, topic: str,
                 place: str | None = None, online_url: str | None = None, capacity: int | None = None,
                 created_by: str, now: datetime, texts: dict[str, tuple[str, str]] | None = None) -> Event:
    """A new event, as a draft. ``title``/``description`` are in ``language`` (the event's own, which other
    languages fall back to); ``texts`` adds other languages: ``{"de": (title, description)}``. ValueError with
    the reason when something is missing or wrong."""
    check_language(language)
    columns = _check_fields({"start": start, "end": end, "timezone": timezone, "place": place,
                             "online_url": online_url, "country": country, "topic": topic, "capacity": capacity})
    if not (title or "").strip():
        raise ValueError(f"a title in the event's language ({language}) is needed")
    written = {language: _check_text(language, title, description)}
    for lang, (other_title, other_description) in (texts or {}).items():
        if lang != language:
            written[lang] = _check_text(lang, other_title, other_description)
    now = utc(now)
    event = Event(deployment=deployment, language=language, status=DRAFT, sequence=0, created_by=created_by[:80],
                  created_at=now, updated_at=now, **columns)
    event.texts = [EventText(lang=lang, title=t, description=d) for lang, (t, d) in written.items()]
    session.add(event)
    session.flush()
    return event


def _get(session: Session, event_id: int) -> Event:
    event = session.get(Event, event_id)
    if event is None:
        raise ValueError(f"no event {event_id}")
    return event


def _changed(event: Event, now: datetime) -> None:
    event.updated_at = utc(now)
    event.sequence = (event.sequence or 0) + 1


def update_event(session: Session, event_id: int, *, now: datetime, **changes: Any) -> Event:
    """Change an event's ``start``, ``end``, ``timezone``, ``place``, ``online_url``, ``country``, ``topic``
    or ``capacity`` (texts: :func:`set_text`). Start and end not given keep their local wall-clock time (so a
    corrected time zone moves them). The capacity cannot go below the people already registered. Cancelled
    events cannot be changed."""
    unknown = set(changes) - set(_FIELDS)
    if unknown:
        raise ValueError(f"events have no field {', '.join(sorted(unknown))}")
    event = _get(session, event_id)
    if event.status == CANCELLED:
        raise ValueError("a cancelled event cannot be changed")
    start, end = (moment.replace(tzinfo=None) for moment in local_times(event))
    current = {"start": start, "end": end, "timezone": event.timezone, "place": event.place,
               "online_url": event.online_url, "country": event.country, "topic": event.topic,
               "capacity": event.capacity}
    columns = _check_fields({**current, **changes})
    taken = _taken(session, event.id)
    if columns["capacity"] is not None and columns["capacity"] < taken:
        raise ValueError(f"the capacity {columns['capacity']} is below the {taken} people already registered")
    for name, value in columns.items():
        setattr(event, name, value)
    _changed(event, now)
    return event


def set_text(session: Session, event_id: int, lang: str, title: str, description: str = "", *,
             now: datetime) -> EventText:
    """Write (or rewrite) an event's title and description in ``lang``."""
    title, description = _check_text(lang, title, description)
    event = _get(session, event_id)
    if event.status == CANCELLED:
        raise ValueError("a cancelled event cannot be changed")
    text = next((row for row in event.texts if row.lang == lang), None)
    if text is None:
        text = EventText(lang=lang, title=title, description=description)
        event.texts.append(text)
    else:
        text.title, text.description = title, description
    _changed(event, now)
    session.flush()
    return text


def remove_text(session: Session, event_id: int, lang: str, *, now: datetime) -> bool:
    """Remove an event's text in ``lang`` (not its own language's); whether there was one."""
    event = _get(session, event_id)
    if lang == event.language:
        raise ValueError(f"the text in the event's language ({lang}) cannot be removed")
    text = next((row for row in event.texts if row.lang == lang), None)
    if text is None:
        return False
    event.texts.remove(text)
    _changed(event, now)
    return True


def publish(session: Session, event_id: int, *, now: datetime) -> Event:
    """Make a draft visible in the chat (already published: unchanged)."""
    event = _get(session, event_id)
    if event.status == CANCELLED:
        raise ValueError("a cancelled event cannot be published again")
    if event.status == PUBLISHED:
        return event
    if event.starts_at <= utc(now):
        raise ValueError("the event has already started")
    event.status = PUBLISHED
    _changed(event, now)
    return event


def cancel_event(session: Session, event_id: int, *, now: datetime) -> list[Registration]:
    """Cancel an event (for good); returns the active registrations, whose people should be told. Their rows
    stay as they are (the calendar file now says CANCELLED)."""
    event = _get(session, event_id)
    if event.status != CANCELLED:
        event.status = CANCELLED
        _changed(event, now)
    return registrants(session, event_id)


def registrants(session: Session, event_id: int) -> list[Registration]:
    """The event's active registrations, oldest first."""
    return list(session.execute(select(Registration).where(
        Registration.event_id == event_id, Registration.status == REGISTERED)
        .order_by(Registration.registered_at, Registration.id)).scalars())


def list_events(session: Session, *, deployment: str | None = None, status: str | None = None,
                limit: int = 200) -> list[Event]:
    """Events for the console, soonest first (any status unless given)."""
    query = select(Event)
    if deployment is not None:
        query = query.where(Event.deployment == deployment)
    if status is not None:
        query = query.where(Event.status == status)
    return list(session.execute(query.order_by(Event.starts_at, Event.id).limit(limit)).scalars())


# -- the chat side --------------------------------------------------------------------------------------------
def upcoming(session: Session, *, now: datetime, country: str | None = None, topic: str | None = None,
             start: datetime | None = None, end: datetime | None = None, limit: int = 10,
             deployment: str | None = None) -> list[Event]:
    """Published events that have not started, soonest first. ``country``: that country's events and the
    Europe-wide ones ("EU": only those); ``topic``; ``start``/``end``: starting in ``[start, end)`` (UTC or
    aware, e.g. the bounds of "next month")."""
    query = select(Event).where(Event.status == PUBLISHED, Event.starts_at > utc(now))
    if country is not None:
        code = country_code(country)
        query = query.where(Event.country.in_(tuple(dict.fromkeys((code, EUROPE)))))
    if topic is not None:
        query = query.where(Event.topic == check_topic(topic))
    if start is not None:
        query = query.where(Event.starts_at >= utc(start))
    if end is not None:
        query = query.where(Event.starts_at < utc(end))
    if deployment is not None:
        query = query.where(Event.deployment == deployment)
    return list(session.execute(query.order_by(Event.starts_at, Event.id).limit(limit)).scalars())


def text_for(event: Event, lang: str) -> tuple[str, str, str, bool]:
    """``(title, description, language_used, fell_back)``: the text in ``lang``, else in the event's own
    language (``fell_back`` True: say so to the user)."""
    by_lang = {row.lang: row for row in event.texts}
    row = by_lang.get(lang) or by_lang.get(event.language) or (event.texts[0] if event.texts else None)
    if row is None:
        raise ValueError(f"event {event.id} has no text")
    return row.title, row.description, row.lang, row.lang != lang


def _taken(session: Session, event_id: int) -> int:
    return session.execute(select(func.count()).select_from(Registration).where(
        Registration.event_id == event_id, Registration.status == REGISTERED)).scalar_one()


def seats_left(session: Session, event: Event | int) -> int | None:
    """Seats still free (None: unlimited)."""
    event = event if isinstance(event, Event) else _get(session, event)
    if event.capacity is None:
        return None
    return max(0, event.capacity - _taken(session, event.id))


def _locked(session: Session, event_id: int) -> Event | None:
    """The event, locked until the caller's transaction ends, so that counting seats and taking one cannot
    interleave with another registration: PostgreSQL (and others) lock its row (``SELECT ... FOR UPDATE``);
    SQLite has no row locks, so a no-op UPDATE takes the database's write lock first (the other writer waits
    for it, up to the busy timeout)."""
    if session.get_bind().dialect.name == "sqlite":
        table = Event.__table__
        session.execute(update(table).where(table.c.id == event_id).values(sequence=table.c.sequence))
        return session.execute(select(Event).where(Event.id == event_id)
                               .execution_options(populate_existing=True)).scalar_one_or_none()
    return session.execute(select(Event).where(Event.id == event_id).with_for_update()
                           .execution_options(populate_existing=True)).scalar_one_or_none()


def register(session: Session, event_id: int, sender_id: str, now: datetime,
             language: str | None = None) -> Registered:
    """Register a user for a published event that has not started, within its capacity (safe when several
    people take the last seat at once: see :func:`_locked`). A user already registered gets ``already``
    (nothing changes); one who had cancelled is registered again on the same row."""
    now = utc(now)
    event = _locked(session, event_id)
    if event is None:
        return Registered(CLOSED, reason="unknown")
    if event.status != PUBLISHED:
        return Registered(CLOSED, reason=event.status)
    if event.starts_at <= now:
        return Registered(CLOSED, reason="started")
    existing = session.execute(select(Registration).where(
        Registration.event_id == event_id, Registration.sender_id == sender_id)).scalar_one_or_none()
    taken = _taken(session, event_id)
    left = None if event.capacity is None else max(0, event.capacity - taken)
    if existing is not None and existing.status == REGISTERED:
        return Registered(ALREADY, existing, left)
    if left == 0:
        return Registered(FULL, None, 0)
    if existing is None:
        existing = Registration(event_id=event_id, sender_id=sender_id)
        session.add(existing)
    existing.status, existing.registered_at, existing.cancelled_at = REGISTERED, now, None
    existing.reminder_sent_at = existing.followup_sent_at = None
    if language is not None:
        existing.language = check_language(language)
    session.flush()
    return Registered(OK, existing, None if left is None else left - 1)


def cancel_registration(session: Session, event_id: int, sender_id: str, now: datetime) -> bool:
    """Cancel a user's registration (the seat is free again); whether they were registered."""
    registration = session.execute(select(Registration).where(
        Registration.event_id == event_id, Registration.sender_id == sender_id,
        Registration.status == REGISTERED)).scalar_one_or_none()
    if registration is None:
        return False
    registration.status, registration.cancelled_at = "cancelled", utc(now)
    return True


def registrations_of(session: Session, sender_id: str, now: datetime) -> list[Registration]:
    """A user's active registrations for published events that have not started, soonest first."""
    return list(session.execute(select(Registration).join(Event, Event.id == Registration.event_id).where(
        Registration.sender_id == sender_id, Registration.status == REGISTERED, Event.status == PUBLISHED,
        Event.starts_at > utc(now))
        .order_by(Event.starts_at, Event.id)).scalars())


def _reachable(query):
    """Leave out people who said STOP or blocked the bot (they get nothing, reminders included)."""
    return (query.outerjoin(Subscriber, Subscriber.sender_id == Registration.sender_id)
            .outerjoin(ChannelUser, ChannelUser.sender_id == Registration.sender_id)
            .where(Subscriber.unsubscribed_at.is_(None), ChannelUser.stopped_at.is_(None)))


def due_reminders(session: Session, now: datetime, lead: timedelta = REMINDER_LEAD) -> list[Registration]:
    """Registrations to remind now: the event (published) starts within ``lead`` and has not started, no
    reminder was sent, and the person registered before the reminder time (who registers later has just been
    told everything)."""
    now = utc(now)
    rows = session.execute(_reachable(select(Registration).join(Event, Event.id == Registration.event_id)).where(
        Registration.status == REGISTERED, Registration.reminder_sent_at.is_(None), Event.status == PUBLISHED,
        Event.starts_at > now, Event.starts_at <= now + lead)
        .order_by(Event.starts_at, Registration.id)).scalars().all()
    return [r for r in rows if r.registered_at <= r.event.starts_at - lead]


def due_followups(session: Session, now: datetime, within: timedelta = FOLLOWUP_WITHIN) -> list[Registration]:
    """Registrations to ask for feedback: the event (published, not cancelled) ended less than ``within``
    ago and no follow-up was sent."""
    now = utc(now)
    return list(session.execute(_reachable(select(Registration).join(Event, Event.id == Registration.event_id))
                                .where(Registration.status == REGISTERED, Registration.followup_sent_at.is_(None),
                                       Event.status == PUBLISHED, Event.ends_at <= now,
                                       Event.ends_at > now - within)
                                .order_by(Event.ends_at, Registration.id)).scalars())


def claim_once(session: Session, model: type[Any], row_id: int, column: str, now: datetime) -> bool:
    """Set ``column`` of the row ``row_id`` of ``model`` (a table keyed by ``id``) to ``now`` if it is still
    empty, in the caller's transaction: True for the one caller that did (a conditional UPDATE, so two ticks
    never both claim a message to send; queue the message in the same transaction)."""
    table = model.__table__
    result = session.execute(update(table).where(table.c.id == row_id, table.c[column].is_(None))
                             .values({column: utc(now)}))
    return result.rowcount == 1


def mark_reminded(session: Session, registration_id: int, now: datetime) -> bool:
    """Record that the reminder went out (queue it in the same transaction); False if it had already."""
    return claim_once(session, Registration, registration_id, "reminder_sent_at", now)


def mark_followed_up(session: Session, registration_id: int, now: datetime) -> bool:
    """Record that the follow-up went out; False if it had already."""
    return claim_once(session, Registration, registration_id, "followup_sent_at", now)


def record_feedback(session: Session, registration: int | tuple[int, str], score: int,
                    now: datetime) -> Registration | None:
    """A user's 1-5 rating of an event, by registration id or ``(event_id, sender_id)``; a later tap replaces
    it. None when there is no active registration."""
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise ValueError(f"feedback must be a whole number from 1 to 5, got {score!r}")
    query = select(Registration).where(Registration.status == REGISTERED)
    if isinstance(registration, tuple):
        event_id, sender_id = registration
        query = query.where(Registration.event_id == event_id, Registration.sender_id == sender_id)
    else:
        query = query.where(Registration.id == registration)
    row = session.execute(query).scalar_one_or_none()
    if row is not None:
        row.feedback, row.feedback_at = score, utc(now)
    return row
