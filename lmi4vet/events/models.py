"""Network events, registrations, opt-ins and broadcasts (migration 0007).

Times are naive UTC, like every other table of ours; an event also keeps the IANA time zone it was entered in,
so that its local time (and the calendar file's TZID) is what the organisers wrote. Table names carry a prefix
(``network_events``, not ``events``): Rasa's tracker store has a table called ``events``, and a deployment may
keep both in one database.

Rows about one user (registrations, consents and their log, the STOP state, personal calendar links, broadcast
recipients) carry the pseudonymous ``sender_id`` and no foreign key to ``channel_users``: ``lmi4vet.privacy``
erases and exports them through ``PER_USER``.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from lmi4vet.db.models import Base


class Event(Base):
    """A workshop, meeting or webinar of the network. ``status``: draft -> published -> cancelled.

    ``country`` is an ISO 3166-1 alpha-2 code ("ES", "GR", "GB"), or "EU" for Europe-wide and online events
    (shown whatever country a user asks about). ``place`` and ``online_url``: at least one (both: hybrid).
    ``capacity`` None means unlimited. ``sequence`` is the calendar revision (RFC 5545 SEQUENCE): every change
    bumps it, so that calendars that imported the ``.ics`` take the new version (a cancellation included).
    """

    __tablename__ = "network_events"
    id = Column(Integer, primary_key=True)
    deployment = Column(String(64), nullable=False)
    language = Column(String(5), nullable=False)  # the language the organisers wrote it in (the fallback)
    starts_at = Column(DateTime, nullable=False)  # UTC
    ends_at = Column(DateTime, nullable=False)  # UTC
    timezone = Column(String(64), nullable=False)  # IANA name, e.g. Europe/Madrid
    place = Column(String(300), nullable=True)
    online_url = Column(String(500), nullable=True)
    country = Column(String(2), nullable=False)
    topic = Column(String(32), nullable=False)  # see catalogue.TOPICS
    capacity = Column(Integer, nullable=True)
    status = Column(String(16), nullable=False)
    sequence = Column(Integer, nullable=False, default=0)
    created_by = Column(String(80), nullable=False)
    created_at = Column(DateTime, nullable=False)
    updated_at = Column(DateTime, nullable=False)
    texts = relationship("EventText", lazy="selectin", order_by="EventText.id", cascade="all, delete-orphan",
                         passive_deletes=True)
    __table_args__ = (Index("ix_network_events_upcoming", "status", "starts_at"),
                      Index("ix_network_events_deployment", "deployment", "status", "starts_at"))


class EventText(Base):
    """An event's title and description in one language (one row per language written)."""

    __tablename__ = "network_event_texts"
    id = Column(Integer, primary_key=True)
    event_id = Column(Integer, ForeignKey("network_events.id", ondelete="CASCADE"), nullable=False)
    lang = Column(String(5), nullable=False)
    title = Column(String(120), nullable=False)
    description = Column(Text, nullable=False, default="")
    __table_args__ = (UniqueConstraint("event_id", "lang", name="uq_network_event_text"),)


class Registration(Base):
    """A user's registration for an event. One row per user and event: cancelling sets ``status`` to
    cancelled, registering again makes the same row active again (so there is never more than one active)."""

    __tablename__ = "event_registrations"
    id = Column(Integer, primary_key=True)
    event_id = Column(Integer, ForeignKey("network_events.id", ondelete="CASCADE"), nullable=False)
    sender_id = Column(String(64), nullable=False, index=True)
    status = Column(String(16), nullable=False)  # registered | cancelled
    registered_at = Column(DateTime, nullable=False)
    cancelled_at = Column(DateTime, nullable=True)
    reminder_sent_at = Column(DateTime, nullable=True)
    followup_sent_at = Column(DateTime, nullable=True)
    feedback = Column(Integer, nullable=True)  # 1-5
    feedback_at = Column(DateTime, nullable=True)
    language = Column(String(5), nullable=True)  # the chat's language when registering (reminders use it)
    event = relationship("Event", lazy="joined")
    __table_args__ = (UniqueConstraint("event_id", "sender_id", name="uq_event_registration"),
                      CheckConstraint("feedback IS NULL OR (feedback >= 1 AND feedback <= 5)",
                                      name="ck_event_registration_feedback"),
                      Index("ix_event_registrations_seats", "event_id", "status"))


class _ConsentFields:
    """What a consent and each entry of its record hold (columns copied into both tables)."""

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(64), nullable=False)
    topic = Column(String(32), nullable=False)
    country = Column(String(2), nullable=False)
    opted_in = Column(Boolean, nullable=False)
    changed_at = Column(DateTime, nullable=False)
    method = Column(String(16), nullable=False)  # button | command | keyword | console
    wording_version = Column(String(16), nullable=False)
    language = Column(String(5), nullable=False)


class Consent(_ConsentFields, Base):
    """A user's current choice for updates about one topic in one country ("EU": Europe-wide updates, which
    also count for every country's broadcasts). ``language``: the language the user was asked in, and gets
    updates in. ``wording_version``: which opt-in text they answered (``consent.WORDING_VERSION``)."""

    __tablename__ = "event_consents"
    __table_args__ = (UniqueConstraint("sender_id", "topic", "country", name="uq_event_consent"),
                      Index("ix_event_consents_audience", "topic", "country", "opted_in"))


class ConsentLog(_ConsentFields, Base):
    """Every change of a consent, appended and never updated: the record of consent outlives later changes.
    A global STOP / START is logged with topic and country "*"."""

    __tablename__ = "event_consent_log"
    __table_args__ = (Index("ix_event_consent_log_sender", "sender_id", "id"),)


class Subscriber(Base):
    """The global STOP: ``unsubscribed_at`` is set by STOP (nothing is sent: no updates, no reminders) and
    cleared by START (the per-topic consents apply again, as they were)."""

    __tablename__ = "event_subscribers"
    sender_id = Column(String(64), primary_key=True)
    unsubscribed_at = Column(DateTime, nullable=True)
    method = Column(String(16), nullable=False)  # of the last change
    language = Column(String(5), nullable=False)


class CalendarLink(Base):
    """An unguessable, expiring link to an event's ``.ics`` (WhatsApp cannot send calendar files)."""

    __tablename__ = "event_calendar_links"
    token = Column(String(64), primary_key=True)
    event_id = Column(Integer, ForeignKey("network_events.id", ondelete="CASCADE"), nullable=False)
    sender_id = Column(String(64), nullable=True, index=True)  # None: a link made in the console
    created_at = Column(DateTime, nullable=False)
    expires_at = Column(DateTime, nullable=False, index=True)


class Broadcast(Base):
    """An update sent from the console to everyone who opted in to its topic and country, in their language.

    ``country`` "" means any country; ``languages`` a comma list ("" = all five); the first listed language
    (or, with "", the first text written) is what users get whose language has no text. ``status``: draft ->
    scheduled -> sending -> done | interrupted. ``template_sid``: the approved WhatsApp template (Content SID)
    for recipients outside the 24-hour window ("" = they are skipped).
    """

    __tablename__ = "broadcasts"
    id = Column(Integer, primary_key=True)
    deployment = Column(String(64), nullable=False)
    topic = Column(String(32), nullable=False)
    country = Column(String(2), nullable=False, default="")
    languages = Column(String(32), nullable=False, default="")
    status = Column(String(16), nullable=False)
    scheduled_at = Column(DateTime, nullable=True)
    created_by = Column(String(80), nullable=False)
    created_at = Column(DateTime, nullable=False)
    started_at = Column(DateTime, nullable=True)
    finished_at = Column(DateTime, nullable=True)
    template_sid = Column(String(64), nullable=False, default="")
    texts = relationship("BroadcastText", lazy="selectin", order_by="BroadcastText.id",
                         cascade="all, delete-orphan", passive_deletes=True)
    __table_args__ = (Index("ix_broadcasts_due", "status", "scheduled_at"),
                      Index("ix_broadcasts_deployment", "deployment", "created_at"))


class BroadcastText(Base):
    """A broadcast's text in one language."""

    __tablename__ = "broadcast_texts"
    id = Column(Integer, primary_key=True)
    broadcast_id = Column(Integer, ForeignKey("broadcasts.id", ondelete="CASCADE"), nullable=False)
    lang = Column(String(5), nullable=False)
    text = Column(Text, nullable=False)
    __table_args__ = (UniqueConstraint("broadcast_id", "lang", name="uq_broadcast_text"),)


class BroadcastRecipient(Base):
    """One person a broadcast goes to, planned before sending (``audience.plan_recipients``).

    ``route``: free (a free-form message), template (WhatsApp outside the window) or skip. ``status``: queued
    -> sent -> delivered, or failed, or skipped (``reason`` says why). ``inbox_id``: the durable-inbox row that
    carries the message, once queued there (no foreign key: handled inbox rows are purged).
    """

    __tablename__ = "broadcast_recipients"
    id = Column(Integer, primary_key=True)
    broadcast_id = Column(Integer, ForeignKey("broadcasts.id", ondelete="CASCADE"), nullable=False)
    sender_id = Column(String(64), nullable=False, index=True)
    channel = Column(String(16), nullable=False)
    language = Column(String(5), nullable=False)  # the user's (the text may fall back, see audience)
    route = Column(String(16), nullable=False)
    status = Column(String(16), nullable=False)
    reason = Column(String(120), nullable=True)
    inbox_id = Column(Integer, nullable=True)
    updated_at = Column(DateTime, nullable=False)
    __table_args__ = (UniqueConstraint("broadcast_id", "sender_id", name="uq_broadcast_recipient"),
                      Index("ix_broadcast_recipients_work", "broadcast_id", "status", "id"))
