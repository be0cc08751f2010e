"""Who a broadcast goes to, and by which route: the console's preview and the recipients the worker sends to.

The audience is everyone with an active consent for the broadcast's topic and country (a consent for "EU"
counts for every country; a broadcast for country "" goes to every country), in one of the broadcast's
languages, who has not said STOP and has not blocked the bot. Routes: Telegram free; WhatsApp free inside the
24-hour window, else the broadcast's approved template, else skipped with the reason. The worker sends later
than this is planned (20,000 messages take minutes), so it should check the window again with
:func:`route_for` when it sends.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.db.models import ChannelUser
from lmi4vet.events.catalogue import EUROPE, check_language, check_topic, country_code, utc
from lmi4vet.events.models import Broadcast, BroadcastRecipient, BroadcastText, Consent, Subscriber
from lmi4vet.inbox import WHATSAPP_WINDOW

CHANNELS = ("telegram", "whatsapp")
FREE, TEMPLATE, SKIP = "free", "template", "skip"
ROUTES = (FREE, TEMPLATE, SKIP)
OUTSIDE_WINDOW = "outside the 24-hour window, no template"
NOT_A_CHANNEL = "this channel does not receive broadcasts"
# broadcast statuses; recipient statuses
DRAFT, SCHEDULED, SENDING, DONE, INTERRUPTED = "draft", "scheduled", "sending", "done", "interrupted"
QUEUED, SENT, DELIVERED, FAILED, SKIPPED = "queued", "sent", "delivered", "failed", "skipped"
RECIPIENT_STATUSES = (QUEUED, SENT, DELIVERED, FAILED, SKIPPED)
TEXT_LIMIT = 1600  # one WhatsApp message (Telegram allows 4,096): one broadcast is one message everywhere


@dataclass(frozen=True)
class Planned:
    """One person a broadcast would reach: their channel, language (their consent's) and route."""

    sender_id: str
    channel: str
    language: str
    route: str  # free | template | skip
    reason: str = ""  # why skipped


def languages_of(broadcast: Broadcast) -> tuple[str, ...]:
    """The broadcast's languages in order ("" = all five)."""
    listed = tuple(lang for lang in (broadcast.languages or "").split(",") if lang)
    return listed or SUPPORTED_LANGUAGES


def fallback_language(broadcast: Broadcast) -> str | None:
    """The language users get when theirs has no text: the first listed language, or with "" (all) the first
    text written."""
    listed = [lang for lang in (broadcast.languages or "").split(",") if lang]
    if listed:
        return listed[0]
    return broadcast.texts[0].lang if broadcast.texts else None


def broadcast_text(broadcast: Broadcast, lang: str) -> tuple[str, str, bool]:
    """``(text, language_used, fell_back)`` for a user whose language is ``lang``."""
    by_lang = {row.lang: row.text for row in broadcast.texts}
    if lang in by_lang:
        return by_lang[lang], lang, False
    fallback = fallback_language(broadcast)
    if fallback not in by_lang:
        raise ValueError(f"broadcast {broadcast.id} has no text in {lang} nor in its first language")
    return by_lang[fallback], fallback, True


def route_for(channel: str, last_inbound_at: datetime | None, template_sid: str,
              now: datetime) -> tuple[str, str]:
    """``(route, reason)``: how a broadcast may reach someone on ``channel`` now."""
    if channel == "telegram":
        return FREE, ""
    if channel == "whatsapp":
        if last_inbound_at is not None and utc(now) - last_inbound_at < WHATSAPP_WINDOW:
            return FREE, ""
        return (TEMPLATE, "") if template_sid else (SKIP, OUTSIDE_WINDOW)
    return SKIP, NOT_A_CHANNEL


def create_broadcast(session: Session, *, deployment: str, topic: str, country: str = "",
                     languages: tuple[str, ...] | list[str] = (), texts: dict[str, str], created_by: str,
                     now: datetime, template_sid: str = "") -> Broadcast:
    """A draft broadcast. ``country`` "" = any; ``languages`` empty = all five, else the first one must have
    a text (users whose language has none get it); each text at most one message (:data:`TEXT_LIMIT`)."""
    check_topic(topic)
    country = country_code(country) if country else ""
    languages = tuple(dict.fromkeys(check_language(lang) for lang in languages))
    cleaned = {}
    for lang, text in texts.items():
        check_language(lang)
        text = (text or "").replace("\x00", "").strip()
        if not text:
            raise ValueError(f"the text ({lang}) is empty")
        if len(text) > TEXT_LIMIT:
            raise ValueError(f"the text ({lang}) is longer than {TEXT_LIMIT} characters")
        cleaned[lang] = text
    if not cleaned:
        raise ValueError("a broadcast needs a text")
    if languages and languages[0] not in cleaned:
        raise ValueError(f"the first language ({languages[0]}) needs a text: it is what the others fall back to")
    extra = set(cleaned) - set(languages or SUPPORTED_LANGUAGES)
    if extra:
        raise ValueError(f"texts in {', '.join(sorted(extra))}, which the broadcast is not sent in")
    if len(template_sid) > 64:
        raise ValueError("the template SID is longer than 64 characters")
    now = utc(now)
    broadcast = Broadcast(deployment=deployment, topic=topic, country=country, languages=",".join(languages),
                          status=DRAFT, created_by=created_by[:80], created_at=now, template_sid=template_sid.strip())
    broadcast.texts = [BroadcastText(lang=lang, text=text) for lang, text in cleaned.items()]
    session.add(broadcast)
    session.flush()
    return broadcast


def audience(session: Session, broadcast: Broadcast, now: datetime) -> list[Planned]:
    """Everyone the broadcast would reach now, by sender id (see the module's docstring). A person with
    several matching consents counts once, in the language of the latest."""
    query = (select(Consent.sender_id, Consent.language, ChannelUser.channel, ChannelUser.last_inbound_at)
             .join(ChannelUser, ChannelUser.sender_id == Consent.sender_id)
             .outerjoin(Subscriber, Subscriber.sender_id == Consent.sender_id)
             .where(Consent.topic == broadcast.topic, Consent.opted_in.is_(True),
                    Subscriber.unsubscribed_at.is_(None), ChannelUser.stopped_at.is_(None)))
    if broadcast.country:
        query = query.where(Consent.country.in_(tuple(dict.fromkeys((broadcast.country, EUROPE)))))
    rows = session.execute(query.order_by(Consent.sender_id, Consent.changed_at.desc(), Consent.id.desc()))
    wanted = set(languages_of(broadcast))
    planned, seen = [], set()
    for sender_id, language, channel, last_inbound_at in rows:
        if sender_id in seen:
            continue
        seen.add(sender_id)
        if language in wanted:
            route, reason = route_for(channel, last_inbound_at, broadcast.template_sid, now)
            planned.append(Planned(sender_id, channel, language, route, reason))
    return planned


def preview(session: Session, broadcast: Broadcast, now: datetime) -> dict[str, Any]:
    """What the console shows before sending::

        {"total": 5, "reach": 4,                       # everyone; those not skipped
         "languages": {"en": 2, "de": 3, ...},          # every language of the broadcast, 0 included
         "routes": {"free": 3, "template": 1, "skip": 1},
         "channels": {"telegram": 2, "whatsapp": 3},
         "by_language": {"de": {"free": 2, "template": 1, "skip": 0}, ...},
         "skipped": {"outside the 24-hour window, no template": 1},
         "fallback_language": "en",                      # what users without a text in theirs get
         "missing_text": ["ro"]}                         # audience languages without a text (they fall back)
    """
    planned = audience(session, broadcast, now)
    langs = languages_of(broadcast)
    by_language = {lang: dict.fromkeys(ROUTES, 0) for lang in langs}
    for person in planned:
        by_language[person.language][person.route] += 1
    routes = Counter(person.route for person in planned)
    channels = Counter(person.channel for person in planned)
    written = {row.lang for row in broadcast.texts}
    return {"total": len(planned), "reach": len(planned) - routes[SKIP],
            "languages": {lang: sum(by_language[lang].values()) for lang in langs},
            "routes": {route: routes[route] for route in ROUTES},
            "channels": {channel: channels[channel] for channel in sorted({*CHANNELS, *channels})},
            "by_language": by_language,
            "skipped": dict(Counter(person.reason for person in planned if person.route == SKIP)),
            "fallback_language": fallback_language(broadcast),
            "missing_text": [lang for lang in langs if sum(by_language[lang].values()) and lang not in written]}


def plan_recipients(session: Session, broadcast: Broadcast, now: datetime) -> int:
    """Write a recipient row for everyone in the audience who has none yet: queued, or skipped with the
    reason. Re-running adds nobody twice (people who opted in since are added). How many rows were added."""
    now = utc(now)
    existing = set(session.execute(select(BroadcastRecipient.sender_id)
                                   .where(BroadcastRecipient.broadcast_id == broadcast.id)).scalars())
    added = 0
    for person in audience(session, broadcast, now):
        if person.sender_id in existing:
            continue
        session.add(BroadcastRecipient(broadcast_id=broadcast.id, sender_id=person.sender_id, channel=person.channel,
                                       language=person.language, route=person.route,
                                       status=SKIPPED if person.route == SKIP else QUEUED,
                                       reason=person.reason or None, updated_at=now))
        added += 1
    session.flush()
    return added


def totals(session: Session, broadcast_id: int) -> dict[str, int]:
    """Recipients per status (every status, 0 included), for the console."""
    found = dict(session.execute(select(BroadcastRecipient.status, func.count())
                                 .where(BroadcastRecipient.broadcast_id == broadcast_id)
                                 .group_by(BroadcastRecipient.status)).all())
    return {status: found.get(status, 0) for status in RECIPIENT_STATUSES}
