"""Unguessable, expiring links to files for channels that cannot receive them (an event's calendar file, a
micro-credential draft's exports, a self-assessment's chart and PDF): making one (a token of 256 random bits),
finding a link that is still valid, and deleting the expired ones. Each kind of link is a table with
``token`` (primary key), ``created_at`` and ``expires_at``."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import delete
from sqlalchemy.orm import Session

from lmi4vet.events.catalogue import utc

TOKEN_LIMIT = 64  # characters: a longer token is not one of ours
Link = TypeVar("Link")


@dataclass(frozen=True)
class File:
    """A file behind a link: its bytes, file name and media type."""

    body: bytes
    filename: str
    content_type: str


def new_token() -> str:
    """A new token: 256 random bits, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def add_link(session: Session, model: type[Link], now: datetime, lifetime: timedelta, **columns: Any) -> str:
    """A new ``model`` link (a fresh token, valid for ``lifetime`` from ``now``) with ``columns``; its token."""
    token = new_token()
    now = utc(now)
    session.add(model(token=token, created_at=now, expires_at=now + lifetime, **columns))
    session.flush()
    return token


def live_link(session: Session, model: type[Link], token: str, now: datetime) -> Link | None:
    """The ``model`` link with ``token`` while it has not expired; None for an unknown, malformed or expired
    token."""
    if not token or len(token) > TOKEN_LIMIT:
        return None
    link: Any = session.get(model, token)
    return link if link is not None and utc(now) < utc(link.expires_at) else None


def purge_expired(session: Session, model: type[Any], now: datetime) -> int:
    """Delete the expired links of ``model``; how many."""
    return session.execute(delete(model).where(model.expires_at <= utc(now))).rowcount or 0
