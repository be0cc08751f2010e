"""What the channels keep in our database besides the inbox: pseudonymous ids and the address behind each,
delivery ids of ignored updates (or Redis, when configured), short keys for long button payloads, and
WhatsApp's numbered menus.

Phone numbers and chat ids live only in ``channel_users``; everything else (trackers, logs) sees the keyed
hash :func:`sender_id_for` returns.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from lmi4vet.db.engine import database_url, session_scope, shared_engine
from lmi4vet.db.models import ChannelEvent, ChannelUser, NumberedMenu, PayloadKey
from lmi4vet.privacy import DELIVERY_ID_TTL as DEDUP_TTL
from lmi4vet.privacy import purge_delivery_ids
from lmi4vet.settings import Settings

logger = logging.getLogger(__name__)


def secret_key() -> bytes:
    """``LMI4VET_SECRET_KEY``, or a random key kept in ``var/secret.key`` (created on first use)."""
    configured = os.environ.get("LMI4VET_SECRET_KEY", "").strip()
    if configured:
        return configured.encode()
    path = Path(Settings.from_env().var_dir) / "secret.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32), encoding="ascii")
        path.chmod(0o600)
    return path.read_text(encoding="ascii").strip().encode()


def sender_id_for(channel: str, address: str, key: bytes | None = None) -> str:
    """The pseudonymous, stable tracker id of a person on a channel (keyed hash, 32 hex characters)."""
    digest = hmac.new(key or secret_key(), f"{channel}:{address}".encode(), hashlib.sha256).hexdigest()
    return digest[:32]


@dataclass(frozen=True)
class Address:
    """Where to send a reply."""

    channel: str
    address: str
    language_hint: str | None
    last_inbound_at: datetime | None


class ChannelStore:
    """Synchronous store (call it through ``asyncio.to_thread`` from request handlers). Inbound messages
    themselves go to the durable inbox (:class:`lmi4vet.inbox.Inbox`, same database)."""

    def __init__(self, engine: Engine | None = None, redis_url: str = "", key: bytes | None = None) -> None:
        self.engine = engine or shared_engine(database_url())
        self.key = key or secret_key()
        self.redis = None
        if redis_url:
            import redis

            self.redis = redis.Redis.from_url(redis_url, socket_timeout=2)

    def sender_id(self, channel: str, address: str) -> str:
        return sender_id_for(channel, address, self.key)

    def address_of(self, sender_id: str) -> Address | None:
        """Where to reach a user, read from the database (no cache: an erased user is gone at once)."""
        with session_scope(self.engine) as session:
            user = session.get(ChannelUser, sender_id)
            if user is None:
                return None
            return Address(user.channel, user.address, user.language_hint, user.last_inbound_at)

    def first_delivery(self, channel: str, event_id: str) -> bool:
        """True the first time a provider delivery id is seen, False for every retry of it."""
        if self.redis is not None:
            return bool(self.redis.set(f"lmi4vet:seen:{channel}:{event_id}", "1", nx=True,
                                       ex=int(DEDUP_TTL.total_seconds())))
        try:
            with session_scope(self.engine) as session:
                session.add(ChannelEvent(channel=channel, event_id=event_id[:64], seen_at=datetime.utcnow()))
        except IntegrityError:
            return False
        return True

    def purge_deliveries(self, older_than: timedelta = DEDUP_TTL) -> int:
        """Forget delivery ids older than the providers' retry horizon (the retention command does this too)."""
        return purge_delivery_ids(self.engine, older_than)

    def short_key(self, payload: str) -> str:
        """A short, stable key standing for ``payload`` ("k:" + 16 hex characters)."""
        key = hashlib.sha256(payload.encode()).hexdigest()[:16]
        with session_scope(self.engine) as session:
            if session.get(PayloadKey, key) is None:
                session.add(PayloadKey(key=key, payload=payload, created_at=datetime.utcnow()))
        return f"k:{key}"

    def payload_for(self, short: str) -> str | None:
        """The payload a short key stands for (``None`` if unknown)."""
        if not short.startswith("k:"):
            return None
        with session_scope(self.engine) as session:
            record = session.get(PayloadKey, short[2:])
            return record.payload if record else None

    def clear_menu(self, sender_id: str) -> None:
        """Forget the user's numbered menu (a reply without options makes the old one obsolete)."""
        with session_scope(self.engine) as session:
            session.execute(delete(NumberedMenu).where(NumberedMenu.sender_id == sender_id))

    def save_menu(self, sender_id: str, options: list[tuple[str, str]]) -> None:
        with session_scope(self.engine) as session:
            menu = session.get(NumberedMenu, sender_id)
            if menu is None:
                session.add(NumberedMenu(sender_id=sender_id, options=json.dumps(options),
                                         created_at=datetime.utcnow()))
            else:
                menu.options, menu.created_at = json.dumps(options), datetime.utcnow()

    def menu_of(self, sender_id: str) -> list[tuple[str, str]]:
        with session_scope(self.engine) as session:
            menu = session.get(NumberedMenu, sender_id)
            return [tuple(option) for option in json.loads(menu.options)] if menu else []
