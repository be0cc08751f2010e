"""Personal data: erase one user everywhere ("forget me"), export one user's data, enforce the retention
period. The tracker store (Rasa's ``events`` table) and our database are both covered."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import threading
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
    ModuleResult,
    NluCorrection,
    NumberedMenu,
    QuizAnswer,
)
from lmi4vet.settings import Settings

logger = logging.getLogger(__name__)
DEFAULT_RETENTION_DAYS = 180
DELIVERY_ID_TTL = timedelta(hours=48)  # longer than Telegram's and Twilio's retries
PER_USER = (ChannelUser, NumberedMenu, CourseProgress, QuizAnswer, ModuleResult, ConversationReview,
            NluCorrection, ErasureRequest)

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
    """Delete the channels' de-duplication ids older than the providers' retry horizon."""
    with session_scope(db) as session:
        result = session.execute(delete(ChannelEvent).where(ChannelEvent.seen_at < datetime.utcnow() - older_than))
        return result.rowcount or 0


def erase_user(sender_id: str, db: Engine | None = None, tracker: Engine | None = None) -> dict[str, int]:
    """Delete the user's conversation events and every row of ours about them; return the counts deleted."""
    db = db or shared_engine(database_url())
    tracker = tracker or tracker_engine()
    counts: dict[str, int] = {}
    if has_events_table(tracker):
        with tracker.begin() as connection:
            counts["events"] = connection.execute(delete(EVENTS).where(EVENTS.c.sender_id == sender_id)).rowcount
    with session_scope(db) as session:
        for model in PER_USER:
            counts[model.__tablename__] = session.execute(
                delete(model).where(model.sender_id == sender_id)).rowcount or 0
    logger.info("erased user %s: %s", sender_id[:8], counts)
    return counts


def request_erasure(sender_id: str, delay: float = 3.0, db: Engine | None = None) -> None:
    """Record a "forget me" and carry it out shortly, once Rasa has saved the current turn."""
    db = db or shared_engine(database_url())
    with session_scope(db) as session:
        if session.get(ErasureRequest, sender_id) is None:
            session.add(ErasureRequest(sender_id=sender_id, requested_at=datetime.utcnow()))

    def later() -> None:
        time.sleep(delay)
        try:
            erase_user(sender_id, db)
        except Exception:  # the retention command retries pending requests
            logger.exception("erasure of %s failed; it stays pending", sender_id[:8])

    threading.Thread(target=later, daemon=True, name="erasure").start()


def pending_erasures(db: Engine, older_than: timedelta = timedelta(seconds=30)) -> list[str]:
    with session_scope(db) as session:
        return list(session.execute(select(ErasureRequest.sender_id).where(
            ErasureRequest.requested_at < datetime.utcnow() - older_than)).scalars())


def enforce_retention(days: int = DEFAULT_RETENTION_DAYS, db: Engine | None = None,
                      tracker: Engine | None = None) -> dict[str, int]:
    """Erase users whose last message is older than ``days`` (and any pending erasure), and forget old channel
    delivery ids. Suitable for cron."""
    db = db or shared_engine(database_url())
    tracker = tracker or tracker_engine()
    cutoff = time.time() - days * 86400
    stale: set[str] = set(pending_erasures(db))
    if has_events_table(tracker):
        with tracker.connect() as connection:
            stale |= set(connection.execute(
                select(EVENTS.c.sender_id).group_by(EVENTS.c.sender_id)
                .having(func.max(EVENTS.c.timestamp) < cutoff)).scalars())
    with session_scope(db) as session:
        stale |= set(session.execute(select(ChannelUser.sender_id).where(
            ChannelUser.last_inbound_at < datetime.utcnow() - timedelta(days=days))).scalars())
    totals: dict[str, int] = {"users": len(stale), "delivery_ids": purge_delivery_ids(db)}
    for sender_id in sorted(stale):
        for table, count in erase_user(sender_id, db, tracker).items():
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
