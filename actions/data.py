"""Access to our database from the actions: one engine per process, one short session per answer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rasa_sdk import Tracker
from sqlalchemy.orm import Session

from lmi4vet.db.engine import database_url, session_scope, shared_engine


@contextmanager
def kb_session() -> Iterator[Session]:
    """A read session on the knowledge base (``DATABASE_URL`` or the embedded SQLite file)."""
    with session_scope(shared_engine(database_url())) as session:
        yield session


def entity_values(tracker: Tracker, name: str) -> list[str]:
    """The values of entity ``name`` in the latest message (from NLU or a button payload), in order."""
    values = []
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if entity.get("entity") == name and entity.get("value") not in (None, ""):
            values.append(str(entity["value"]))
    return values


def entity_value(tracker: Tracker, name: str) -> str:
    """The first value of entity ``name`` in the latest message ("" when there is none)."""
    return next(iter(entity_values(tracker, name)), "")


def latest_text(tracker: Tracker) -> str:
    """The text of the latest user message ("" for a payload)."""
    text = (tracker.latest_message or {}).get("text") or ""
    return "" if text.startswith("/") else text
