"""Personal data: erase one user everywhere ("forget me"), export one user's data, enforce the retention
period. The tracker store (Rasa's ``events`` table) and our database are both covered."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import time
from datetime import datetime, timedelta

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, delete, func, select
from sqlalchemy.engine import Engine

from lmi4vet.db.engine import database_url, make_engine, session_scope, shared_engine
from lmi4vet.db.models import (
    ChannelEvent,
    ChannelUser,
    ConversationReview,
    CourseProgress,
    ErasureRequest,
    InboxMessage,
    ModuleResult,
    NluCorrection,
    NumberedMenu,
    OutboxMessage,
    QuizAnswer,
)
from lmi4vet.employer.models import Assessment as EmployerAssessment
from lmi4vet.employer.models import Encounter as EmployerEncounter
from lmi4vet.employer.models import FileLink as EmployerLink
from lmi4vet.events.models import (
    BroadcastRecipient,
    CalendarLink,
    Consent,
    ConsentLog,
    Registration,
    Subscriber,
)
from lmi4vet.handoff.models import Ticket, TicketMessage
from lmi4vet.links import purge_expired
from lmi4vet.marketplace.models import CodeAttempt as MarketplaceCodeAttempt
from lmi4vet.marketplace.models import LinkCode as MarketplaceLinkCode
from lmi4vet.marketplace.models import OfferReport as MarketplaceReport
from lmi4vet.marketplace.models import ProviderMember as MarketplaceMember
from lmi4vet.marketplace.models import Rating as MarketplaceRating
from lmi4vet.marketplace.models import Request as MarketplaceRequest
from lmi4vet.marketplace.models import RequestEvent as MarketplaceRequestEvent
from lmi4vet.microcred.models import Draft as MicrocredDraft
from lmi4vet.microcred.models import ExportLink as MicrocredLink
from lmi4vet.settings import Settings

logger = logging.getLogger(__name__)
DEFAULT_RETENTION_DAYS = 180
DELIVERY_ID_TTL = timedelta(hours=48)  # longer than Telegram's and Twilio's retries
LATE_SAVE_HORIZON = timedelta(hours=1)  # a turn in flight when an erasure happened is saved within this
# Every table of ours with rows about one user (outbox before inbox, ticket messages before tickets: they
# refer to them; the events' tables refer only to events and broadcasts, which are not per user; the
# marketplace's ratings and request events before requests, whose erasure cascades to the other party's rows
# about them; see lmi4vet.marketplace.models for what erasing an SME or a provider member removes). Erasure
# requests are not among them: they stay, without personal data, as the record that the erasure was done.
PER_USER = (ChannelUser, NumberedMenu, CourseProgress, QuizAnswer, ModuleResult, ConversationReview,
            NluCorrection, OutboxMessage, InboxMessage, TicketMessage, Ticket, Registration, Consent, ConsentLog,
            Subscriber, CalendarLink, BroadcastRecipient, MicrocredLink, MicrocredDraft, EmployerLink,
            EmployerAssessment, EmployerEncounter, MarketplaceRating, MarketplaceRequestEvent, MarketplaceRequest,
            MarketplaceReport, MarketplaceLinkCode, MarketplaceCodeAttempt, MarketplaceMember)

# The tables of expiring file links (lmi4vet.links), purged once expired.
LINKS = (CalendarLink, MicrocredLink, EmployerLink)

# Rasa's SQLTrackerStore table, as far as we read and delete it.
_metadata = MetaData()
EVENTS = Table("events", _metadata, Column("id", Integer, primary_key=True), Column("sender_id", String(255)),
               Column("type_name", String(255)), Column("timestamp", Float), Column("intent_name", String(255)),
               Column("action_name", String(255)), Column("data", Text))


def tracker_url() -> str:
    """The tracker store's database: ``TRACKER_STORE_URL`` or the embedded SQLite file."""
    url = os.environ.get("TRACKER_STORE_URL", "").strip()
    return url or f"sqlite:///{Settings.from_env().var_dir / 'tracker.db'}"


def tracker_engine() -> Engine:
    return shared_engine(tracker_url())


def has_events_table(engine: Engine) -> bool:
    from sqlalchemy import inspect

    return inspect(engine).has_table("events")


def purge_delivery_ids(db: Engine, older_than: timedelta = DELIVERY_ID_TTL) -> int:
    """Delete the channels' de-duplication ids and handled inbox messages older than the providers' retry
    horizon."""
    from lmi4vet.inbox import Inbox

    with session_scope(db) as session:
        result = session.execute(delete(ChannelEvent).where(ChannelEvent.seen_at < datetime.utcnow() - older_than))
        count = result.rowcount or 0
    return count + Inbox(db).purge_done(older_than)


def tracker_has_message(sender_id: str, message_id: str, tracker: Engine | None = None) -> bool:
    """Whether Rasa saved a user turn with ``message_id`` for ``sender_id`` (the inbox's retry check)."""
    tracker = tracker or tracker_engine()
    if not has_events_table(tracker):
        return False
    marker = json.dumps({"message_id": message_id})[1:-1]  # '"message_id": "..."' as Rasa writes it
    with tracker.connect() as connection:
        return connection.execute(select(EVENTS.c.id).where(
            EVENTS.c.sender_id == sender_id, EVENTS.c.type_name == "user",
            EVENTS.c.data.contains(marker, autoescape=True)).limit(1)).first() is not None


def digest(sender_id: str) -> str:
    """What an erasure keeps of the sender id once verified: its SHA-256 (no address, no conversation)."""
    return hashlib.sha256(sender_id.encode()).hexdigest()


def erase_user(sender_id: str, db: Engine | None = None, tracker: Engine | None = None,
               until: float | None = None) -> dict[str, int]:
    """Delete the user's conversation events (up to tracker time ``until``, default all) and every row of ours
    about them; return the counts deleted."""
    db = db or shared_engine(database_url())
    tracker = tracker or tracker_engine()
    counts: dict[str, int] = {}
    if has_events_table(tracker):
        with tracker.begin() as connection:
            counts["events"] = connection.execute(delete(EVENTS).where(_events_of(sender_id, until))).rowcount
    with session_scope(db) as session:
        for model in PER_USER:
            counts[model.__tablename__] = session.execute(
                delete(model).where(model.sender_id == sender_id)).rowcount or 0
    logger.info("erased user %s: %s", sender_id[:8], counts)
    return counts


def _events_of(sender_id: str, until: float | None = None):
    """The condition selecting a user's tracker events (up to tracker time ``until``, default all)."""
    condition = EVENTS.c.sender_id == sender_id
    return condition if until is None else condition & (EVENTS.c.timestamp <= until)


def count_events(sender_id: str, tracker: Engine, until: float | None = None) -> int:
    """How many tracker events a user has (up to ``until``)."""
    if not has_events_table(tracker):
        return 0
    with tracker.connect() as connection:
        return connection.execute(select(func.count()).select_from(EVENTS)
                                  .where(_events_of(sender_id, until))).scalar_one()


def row_counts(sender_id: str, db: Engine, tracker: Engine, until: float | None = None) -> dict[str, int]:
    """How many rows each table holds about one user: events (up to ``until``) and ours."""
    counts = {"events": count_events(sender_id, tracker, until)}
    with session_scope(db) as session:
        for model in PER_USER:
            counts[model.__tablename__] = session.execute(
                select(func.count()).select_from(model).where(model.sender_id == sender_id)).scalar_one()
    return counts


def remaining_rows(sender_id: str, db: Engine, tracker: Engine, until: float | None = None) -> int:
    """Rows still held about a user (events up to ``until``, and ours): 0 once an erasure holds."""
    return sum(row_counts(sender_id, db, tracker, until).values())


def request_erasure(sender_id: str, source: str = "chat", db: Engine | None = None) -> int:
    """Record a "forget me" (kept until verified). From the chat it is carried out right after Rasa has saved
    the turn (:func:`after_tracker_save`); the retention command retries whatever is still pending."""
    db = db or shared_engine(database_url())
    with session_scope(db) as session:
        existing = session.execute(select(ErasureRequest).where(
            ErasureRequest.sender_id == sender_id, ErasureRequest.status == "pending")).scalars().first()
        if existing is not None:
            return existing.id
        request = ErasureRequest(sender_id=sender_id, sender_digest=digest(sender_id), source=source,
                                 status="pending", requested_at=datetime.utcnow(), attempts=0)
        session.add(request)
        session.flush()
        return request.id


def carry_out(request_id: int, db: Engine | None = None, tracker: Engine | None = None) -> bool:
    """Erase the user of a pending request, verify that nothing is left, and mark it verified (its sender id
    is cleared then). Returns whether it is verified; otherwise it stays pending with the reason."""
    db = db or shared_engine(database_url())
    tracker = tracker or tracker_engine()
    with session_scope(db) as session:
        request = session.get(ErasureRequest, request_id)
        if request is None or request.status != "pending" or not request.sender_id:
            return request is not None and request.status == "verified"
        sender_id = request.sender_id
    until = time.time()
    error = None
    try:
        erase_user(sender_id, db, tracker)
        left = remaining_rows(sender_id, db, tracker, until)
        if left:
            error = f"{left} rows left after erasure"
    except Exception as exc:  # kept pending: the retention command retries
        logger.exception("erasure of %s failed; it stays pending", sender_id[:8])
        error = f"{type(exc).__name__}: {exc}"[:255]
    with session_scope(db) as session:
        request = session.get(ErasureRequest, request_id)
        request.attempts += 1
        if error is None:
            request.status, request.sender_id = "verified", None
            request.erased_until, request.verified_at, request.last_error = until, datetime.utcnow(), None
        else:
            request.last_error = error
    return error is None


def erase_now(sender_id: str, source: str, db: Engine | None = None, tracker: Engine | None = None) -> bool:
    """Record and carry out an erasure at once (the console, the retention job)."""
    db = db or shared_engine(database_url())
    return carry_out(request_erasure(sender_id, source, db), db, tracker)


def after_tracker_save(sender_id: str, db: Engine | None = None, tracker: Engine | None = None) -> None:
    """Called by the tracker store after every save: carry out a pending "forget me" of this user, and undo
    a save that came late, after an erasure (it would bring the erased events back)."""
    db = db or shared_engine(database_url())
    tracker = tracker or tracker_engine()
    with session_scope(db) as session:
        requests = session.execute(select(ErasureRequest.id, ErasureRequest.status, ErasureRequest.erased_until)
                                   .where(ErasureRequest.sender_digest == digest(sender_id),
                                          (ErasureRequest.status == "pending")
                                          | (ErasureRequest.verified_at > datetime.utcnow() - LATE_SAVE_HORIZON))
                                   ).all()
    for request_id, status, erased_until in requests:
        if status == "pending":
            carry_out(request_id, db, tracker)
        elif erased_until is not None and count_events(sender_id, tracker, erased_until):
            logger.warning("a turn of %s was saved after its erasure: erased again", sender_id[:8])
            erase_user(sender_id, db, tracker, until=erased_until)


def pending_erasures(db: Engine) -> list[int]:
    """Ids of the erasure requests not yet verified."""
    with session_scope(db) as session:
        return list(session.execute(select(ErasureRequest.id).where(ErasureRequest.status == "pending")
                                    .order_by(ErasureRequest.id)).scalars())


def enforce_retention(days: int = DEFAULT_RETENTION_DAYS, db: Engine | None = None,
                      tracker: Engine | None = None) -> dict[str, int]:
    """Retry pending erasures, erase users whose last message is older than ``days``, forget old channel
    delivery ids and delete expired file links. Suitable for cron."""
    db = db or shared_engine(database_url())
    tracker = tracker or tracker_engine()
    cutoff = time.time() - days * 86400
    pending = pending_erasures(db)
    totals: dict[str, int] = {"pending_retried": len(pending),
                              "pending_verified": sum(carry_out(r, db, tracker) for r in pending)}
    stale: set[str] = set()
    if has_events_table(tracker):
        with tracker.connect() as connection:
            stale |= set(connection.execute(
                select(EVENTS.c.sender_id).group_by(EVENTS.c.sender_id)
                .having(func.max(EVENTS.c.timestamp) < cutoff)).scalars())
    with session_scope(db) as session:
        stale |= set(session.execute(select(ChannelUser.sender_id).where(
            ChannelUser.last_inbound_at < datetime.utcnow() - timedelta(days=days))).scalars())
    totals.update({"users": len(stale), "delivery_ids": purge_delivery_ids(db)})
    with session_scope(db) as session:
        totals["expired_links"] = sum(purge_expired(session, model, datetime.utcnow()) for model in LINKS)
    for sender_id in sorted(stale):
        before = row_counts(sender_id, db, tracker)
        erase_now(sender_id, "retention", db, tracker)
        for table, count in before.items():
            totals[table] = totals.get(table, 0) + count
    return totals


def export_user(sender_id: str, db: Engine | None = None, tracker: Engine | None = None) -> dict:
    """Everything we hold about one user, as JSON-ready data (the address is included: it is theirs)."""
    db = db or shared_engine(database_url())
    tracker = tracker or tracker_engine()
    data: dict = {"sender_id": sender_id, "exported_at": datetime.utcnow().isoformat() + "Z", "events": []}
    if has_events_table(tracker):
        with tracker.connect() as connection:
            for row in connection.execute(select(EVENTS.c.data).where(EVENTS.c.sender_id == sender_id)
                                          .order_by(EVENTS.c.id)):
                data["events"].append(json.loads(row.data))
    with session_scope(db) as session:
        for model in PER_USER:
            rows = session.execute(select(model).where(model.sender_id == sender_id)).scalars()
            data[model.__tablename__] = [
                {c.name: _plain(getattr(r, c.name)) for c in model.__table__.columns} for r in rows]
    return data


def export_user_csv(sender_id: str, db: Engine | None = None, tracker: Engine | None = None) -> str:
    """The user's messages and the bot's replies as CSV (time, who, text, intent)."""
    data = export_user(sender_id, db, tracker)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["time", "who", "text", "intent"])
    for event in data["events"]:
        if event.get("event") in ("user", "bot"):
            when = datetime.utcfromtimestamp(event.get("timestamp", 0)).isoformat() + "Z"
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name", "")
            writer.writerow([when, event["event"], event.get("text") or "", intent])
    return out.getvalue()


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value


def main(argv: list[str] | None = None) -> int:
    """``python -m lmi4vet.privacy retention [--days N]``: the cron job."""
    import argparse

    parser = argparse.ArgumentParser(prog="lmi4vet.privacy")
    sub = parser.add_subparsers(dest="command", required=True)
    retention = sub.add_parser("retention", help="erase users inactive for longer than the retention period")
    retention.add_argument("--days", type=int, default=int(os.environ.get("RETENTION_DAYS",
                                                                          DEFAULT_RETENTION_DAYS)))
    args = parser.parse_args(argv)
    from lmi4vet.db.engine import upgrade

    upgrade()
    totals = enforce_retention(args.days, make_engine(database_url()), make_engine(tracker_url()))
    print(f"retention {args.days} days: " + ", ".join(f"{k} {v}" for k, v in totals.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
