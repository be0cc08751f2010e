"""The durable inbox and outbox of the channels (no Rasa here).

An inbound message is stored, together with its provider delivery id and its sender's address, in one
transaction *before* the provider's webhook is acknowledged (:meth:`Inbox.accept`). A worker then hands it to
Rasa and records every provider call that answers it in the outbox before making it, and its provider message
id after (:meth:`Inbox.record_call`, :meth:`Inbox.mark_sent`), so that a turn retried after a crash never sends a
reply twice. When the database cannot be reached, the webhook writes the message to a local append-only
:class:`Spool` file instead, which the worker moves into the inbox once the database answers again.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from lmi4vet.db.engine import session_scope
from lmi4vet.db.models import ChannelEvent, ChannelUser, InboxMessage, OutboxMessage

logger = logging.getLogger(__name__)

PENDING, ANSWERED, DONE = "pending", "answered", "done"
# Outbox: pending (not made, or failed for sure: safe to make) -> sending (being made; if the process dies
# now, nobody knows whether the provider got it) -> sent | failed | skipped.
SENDING, SENT, FAILED, SKIPPED = "sending", "sent", "failed", "skipped"
USER, AGENT, RESUME = "user", "agent", "resume"  # inbox kinds: from the person, an adviser's reply, a resume
WHATSAPP_WINDOW = timedelta(hours=24)  # after the person's last message, free text may be sent to them
DELIVERY_RANK = {"accepted": 0, "queued": 1, "sending": 2, "sent": 3, "delivered": 4, "read": 5,
                 "failed": 6, "undelivered": 6}


@dataclass(frozen=True)
class Inbound:
    """One message from a person as a channel received it."""

    channel: str
    delivery_id: str
    address: str
    text: str
    language_hint: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"channel": self.channel, "delivery_id": self.delivery_id, "address": self.address,
                           "text": self.text, "language_hint": self.language_hint, "meta": self.meta},
                          ensure_ascii=False)

    @classmethod
    def from_json(cls, line: str) -> Inbound:
        data = json.loads(line)
        return cls(data["channel"], data["delivery_id"], data["address"], data["text"], data.get("language_hint"),
                   data.get("meta") or {})


@dataclass(frozen=True)
class Stored:
    """A message in the inbox, as the worker sees it."""

    id: int
    channel: str
    sender_id: str
    address: str
    text: str
    language_hint: str | None
    meta: dict[str, Any]
    status: str
    attempts: int
    received_at: datetime
    kind: str = USER
    #: when the person last wrote (WhatsApp's 24-hour window starts here)
    window_start: datetime | None = None

    @property
    def message_id(self) -> str:
        """The id Rasa stores with the user's turn (so a retry can tell whether the turn was saved)."""
        return f"inbox-{self.channel}-{self.id}"


def _with_window():
    """Inbox rows with the person's last message (one query, however many rows)."""
    return select(InboxMessage, ChannelUser.last_inbound_at).outerjoin(
        ChannelUser, ChannelUser.sender_id == InboxMessage.sender_id)


def _stored(row: InboxMessage, last_inbound_at: datetime | None) -> Stored:
    # a row sent on behalf of someone else (a reply, a broadcast): the window is the person's last message
    window_start = row.received_at if row.kind == USER else last_inbound_at
    return Stored(row.id, row.channel, row.sender_id, row.address, row.text, row.language_hint,
                  json.loads(row.meta or "{}"), row.status, row.attempts, row.received_at, row.kind or USER,
                  window_start)


def mark(session: Any, inbox_id: int, status: str, outcome: str | None = None) -> None:
    """:meth:`Inbox.mark` in the caller's transaction (a message handled together with what it changed)."""
    values: dict[str, Any] = {"status": status}
    if outcome is not None:
        values["outcome"] = outcome
    if status == DONE:
        values["handled_at"] = datetime.utcnow()
    session.execute(update(InboxMessage).where(InboxMessage.id == inbox_id).values(**values))


def enqueue(session: Any, *, channel: str, key: str, sender_id: str, address: str, kind: str, text: str,
            language: str | None = None, meta: dict[str, Any] | None = None,
            now: datetime | None = None) -> InboxMessage:
    """Add a row of another ``kind`` than a person's message (an adviser's reply, a resume) to the inbox, in
    the caller's transaction; ``key`` is unique per channel (a retried call adds nothing twice)."""
    row = InboxMessage(channel=channel, delivery_id=key[:64], sender_id=sender_id, address=address, text=text,
                       language_hint=language, status=PENDING, attempts=0, kind=kind,
                       meta=json.dumps(meta or {}, ensure_ascii=False), received_at=now or datetime.utcnow())
    session.add(row)
    session.flush()
    return row


class Inbox:
    """Synchronous inbox and outbox operations (call them through ``asyncio.to_thread`` from handlers)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- inbound ---------------------------------------------------------------------------------------------
    def accept(self, message: Inbound, sender_id: str, now: datetime | None = None) -> int | None:
        """Store ``message`` durably with its delivery id and its sender's address; return its inbox id, or
        ``None`` if this delivery id was stored before (a provider retry). Writing to the person again also
        lifts a "stopped" mark."""
        now = now or datetime.utcnow()
        try:
            with session_scope(self.engine) as session:
                session.add(ChannelEvent(channel=message.channel, event_id=message.delivery_id[:64], seen_at=now))
                session.flush()
                row = InboxMessage(channel=message.channel, delivery_id=message.delivery_id[:64],
                                   sender_id=sender_id, address=message.address, text=message.text,
                                   language_hint=message.language_hint, status=PENDING, attempts=0,
                                   meta=json.dumps(message.meta, ensure_ascii=False), received_at=now)
                session.add(row)
                user = session.get(ChannelUser, sender_id)
                if user is None:
                    session.add(ChannelUser(sender_id=sender_id, channel=message.channel, address=message.address,
                                            language_hint=message.language_hint, created_at=now,
                                            last_inbound_at=now))
                else:
                    user.address = message.address
                    user.last_inbound_at = now
                    user.language_hint = message.language_hint or user.language_hint
                    user.stopped_at = user.stopped_reason = None
                session.flush()
                return row.id
        except IntegrityError:
            return None

    def waiting(self, channel: str, after: int = 0) -> list[tuple[int, str, str]]:
        """``(id, sender_id, kind)`` of the messages of ``channel`` not yet done with an id above ``after``,
        oldest first: the worker's look for work (three columns through the status index, not whole rows)."""
        with session_scope(self.engine) as session:
            rows = session.execute(select(InboxMessage.id, InboxMessage.sender_id, InboxMessage.kind).where(
                InboxMessage.status.in_((PENDING, ANSWERED)), InboxMessage.id > after,
                InboxMessage.channel == channel).order_by(InboxMessage.id)).all()
            return [(inbox_id, sender_id, kind or USER) for inbox_id, sender_id, kind in rows]

    def get(self, inbox_id: int) -> Stored | None:
        with session_scope(self.engine) as session:
            found = session.execute(_with_window().where(InboxMessage.id == inbox_id)).first()
            return _stored(*found) if found is not None else None

    def begin_attempt(self, inbox_id: int) -> None:
        with session_scope(self.engine) as session:
            session.execute(update(InboxMessage).where(InboxMessage.id == inbox_id)
                            .values(attempts=InboxMessage.attempts + 1))

    def mark(self, inbox_id: int, status: str, outcome: str | None = None) -> None:
        """Move a message to ``answered`` (Rasa's turn is saved) or ``done`` (every reply went out)."""
        with session_scope(self.engine) as session:
            mark(session, inbox_id, status, outcome)

    # -- outbound --------------------------------------------------------------------------------------------
    def ledger(self, inbox_id: int) -> dict[int, tuple[str, datetime]]:
        """``{seq: (status, created_at)}`` of the provider calls already recorded for a message."""
        with session_scope(self.engine) as session:
            rows = session.execute(select(OutboxMessage.seq, OutboxMessage.status, OutboxMessage.created_at)
                                   .where(OutboxMessage.inbox_id == inbox_id)).all()
            return {seq: (status, created_at) for seq, status, created_at in rows}

    def record_call(self, inbox_id: int, sender_id: str, seq: int, call: dict[str, Any]) -> None:
        """Note a provider call right before it is made (status ``sending``); a pending call of an earlier
        attempt is replaced."""
        with session_scope(self.engine) as session:
            row = session.execute(select(OutboxMessage).where(OutboxMessage.inbox_id == inbox_id,
                                                              OutboxMessage.seq == seq)).scalar_one_or_none()
            encoded = json.dumps(call, ensure_ascii=False)
            if row is None:
                session.add(OutboxMessage(inbox_id=inbox_id, seq=seq, sender_id=sender_id, call=encoded,
                                          status=SENDING, attempts=0, created_at=datetime.utcnow()))
            elif row.status in (PENDING, SENDING):
                row.call, row.status = encoded, SENDING

    def finish_call(self, inbox_id: int, seq: int, status: str, provider_id: str | None = None,
                    error: str | None = None) -> None:
        """Record how a provider call ended: sent (with the provider's message id), failed or skipped."""
        with session_scope(self.engine) as session:
            session.execute(update(OutboxMessage).where(OutboxMessage.inbox_id == inbox_id,
                                                        OutboxMessage.seq == seq).values(
                status=status, provider_id=provider_id, error=(error or None) and error[:255],
                attempts=OutboxMessage.attempts + 1, sent_at=datetime.utcnow() if status == SENT else None))

    def unsent(self, inbox_id: int) -> list[tuple[int, dict[str, Any], str, datetime]]:
        """``(seq, call, status, created_at)`` of the calls of a message not known to be done, in order:
        pending ones, and ``sending`` ones whose attempt was cut short."""
        with session_scope(self.engine) as session:
            rows = session.execute(select(OutboxMessage.seq, OutboxMessage.call, OutboxMessage.status,
                                          OutboxMessage.created_at).where(
                OutboxMessage.inbox_id == inbox_id, OutboxMessage.status.in_((PENDING, SENDING)))
                .order_by(OutboxMessage.seq)).all()
            return [(seq, json.loads(call), status, created) for seq, call, status, created in rows]

    def owns_provider_id(self, provider_id: str) -> bool:
        """Whether one of our recorded replies has this provider message id."""
        with session_scope(self.engine) as session:
            return session.execute(select(OutboxMessage.id).where(OutboxMessage.provider_id == provider_id[:64])
                                   .limit(1)).first() is not None

    def give_up(self, inbox_id: int) -> int:
        """Mark the calls of a message still pending as failed (the provider stayed unavailable)."""
        with session_scope(self.engine) as session:
            return session.execute(update(OutboxMessage).where(
                OutboxMessage.inbox_id == inbox_id, OutboxMessage.status.in_((PENDING, SENDING))).values(
                status=FAILED, error="provider unavailable; gave up")).rowcount or 0

    def record_delivery(self, provider_id: str, status: str) -> bool:
        """A provider's delivery report (Twilio status callback) for a reply; a report never moves a reply
        back (callbacks can arrive out of order). A broadcast's recipient follows its message (delivered, or
        failed). Returns whether a reply with that id exists."""
        from lmi4vet.events.dispatch import delivery_report

        status = status.lower()
        with session_scope(self.engine) as session:
            row = session.execute(select(OutboxMessage).where(OutboxMessage.provider_id == provider_id[:64])
                                  ).scalar_one_or_none()
            if row is None:
                return False
            if DELIVERY_RANK.get(status, -1) >= DELIVERY_RANK.get(row.delivery or "", -1):
                row.delivery, row.delivery_at = status[:16], datetime.utcnow()
                delivery_report(session, row.inbox_id, status, datetime.utcnow())
            return True

    # -- contacts --------------------------------------------------------------------------------------------
    def stop_contact(self, sender_id: str, reason: str) -> None:
        """The provider says this person blocked the bot or unsubscribed: send nothing until they write."""
        with session_scope(self.engine) as session:
            user = session.get(ChannelUser, sender_id)
            if user is not None and user.stopped_at is None:
                user.stopped_at, user.stopped_reason = datetime.utcnow(), reason[:120]

    def is_stopped(self, sender_id: str) -> bool:
        with session_scope(self.engine) as session:
            user = session.get(ChannelUser, sender_id)
            return bool(user is not None and user.stopped_at is not None)

    # -- housekeeping ----------------------------------------------------------------------------------------
    def purge_done(self, older_than: timedelta) -> int:
        """Delete handled messages (and their outbox rows) older than ``older_than``."""
        cutoff = datetime.utcnow() - older_than
        with session_scope(self.engine) as session:
            old = select(InboxMessage.id).where(InboxMessage.status == DONE, InboxMessage.handled_at < cutoff)
            session.execute(delete(OutboxMessage).where(OutboxMessage.inbox_id.in_(old))
                            .execution_options(synchronize_session=False))
            return session.execute(delete(InboxMessage).where(
                InboxMessage.status == DONE, InboxMessage.handled_at < cutoff)
                .execution_options(synchronize_session=False)).rowcount or 0


WAKE_TIMEOUT = 1.0  # seconds: waking is best effort (the worker also looks every few seconds)


def wake(assistant_url: str, channel: str) -> bool:
    """Ask the chat server's worker for ``channel`` to look at the inbox now (rows were queued from another
    process: an adviser's reply, a resume, a broadcast). Best effort: False, logged, when it cannot be reached."""
    from urllib.parse import quote

    import requests

    url = f"{assistant_url.rstrip('/')}/webhooks/{quote(channel, safe='')}/wake"
    try:
        response = requests.post(url, data=b"", timeout=WAKE_TIMEOUT)
    except requests.RequestException as exc:
        logger.warning("could not wake the %s worker at %s: %s", channel, url, exc)
        return False
    if response.status_code >= 400:
        logger.warning("waking the %s worker at %s answered %s", channel, url, response.status_code)
        return False
    return True


class Spool:
    """An append-only file of inbound messages received while the database was unreachable.

    Each line is one :class:`Inbound` as JSON, flushed and fsync'ed before the webhook is acknowledged.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, message: Inbound) -> None:
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(message.to_json() + "\n")
                handle.flush()
                os.fsync(handle.fileno())

    def __len__(self) -> int:
        with self._lock:
            if not self.path.exists():
                return 0
            return sum(1 for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip())

    def drain(self, store: Any) -> list[Inbound]:
        """Give every spooled message to ``store(message)`` in order; keep those it raised for. Returns the
        messages stored."""
        with self._lock:
            if not self.path.exists():
                return []
            lines = [line for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]
            stored: list[Inbound] = []
            kept: list[str] = []
            for number, line in enumerate(lines):
                try:
                    message = Inbound.from_json(line)
                except (ValueError, KeyError):
                    logger.error("spool %s: unreadable line %d dropped", self.path.name, number + 1)
                    continue
                if kept:
                    kept.append(line)  # keep the order: nothing after a failure goes first
                    continue
                try:
                    store(message)
                    stored.append(message)
                except Exception as exc:
                    logger.warning("spool %s: the database still refuses (%s)", self.path.name, type(exc).__name__)
                    kept.append(line)
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text("".join(line + "\n" for line in kept), encoding="utf-8")
            os.replace(temporary, self.path)
            return stored
