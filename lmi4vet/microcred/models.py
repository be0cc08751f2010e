"""Micro-credential drafts (migration 0009): a user's specifications in progress, several per user.

``spec`` holds :class:`lmi4vet.microcred.spec.Spec` as JSON text; in Python it reads and writes as a plain
dict (:class:`JSONText`), so that the user's export shows the specification as data, not as an escaped
string. ``title`` repeats the spec's title for lists. Rows carry the pseudonymous ``sender_id`` and no
foreign key: ``lmi4vet.privacy`` exports and erases them through ``PER_USER``.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.types import TypeDecorator

from lmi4vet.db.models import Base


class JSONText(TypeDecorator):
    """JSON stored as text (portable across SQLite and PostgreSQL); a dict in Python. Assign a new dict to
    change it: changes inside the dict are not tracked."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    def process_result_value(self, value: str | None, dialect) -> Any:
        return None if value is None else json.loads(value)


class Draft(Base):
    """One micro-credential specification being designed. ``step``: the element id the worksheet is at
    (see :mod:`lmi4vet.microcred.elements`); ``language``: the language the specification is written in."""

    __tablename__ = "microcred_drafts"
    id = Column(Integer, primary_key=True)
    sender_id = Column(String(64), nullable=False, index=True)
    language = Column(String(5), nullable=False)
    title = Column(String(120), nullable=False, default="")
    spec = Column(JSONText(), nullable=False)
    step = Column(String(32), nullable=False)
    created_at = Column(DateTime, nullable=False)
    updated_at = Column(DateTime, nullable=False)


class ExportLink(Base):
    """An unguessable, expiring link to one export of a draft (WhatsApp and the web chat cannot receive files):
    ``format`` is ``pdf``, ``elm`` or ``ob3``; the file is made from the draft as it is when the link is opened
    (migration 0010)."""

    __tablename__ = "microcred_links"
    token = Column(String(64), primary_key=True)
    draft_id = Column(Integer, ForeignKey("microcred_drafts.id", ondelete="CASCADE"), nullable=False, index=True)
    sender_id = Column(String(64), nullable=False, index=True)
    format = Column(String(8), nullable=False)
    created_at = Column(DateTime, nullable=False)
    expires_at = Column(DateTime, nullable=False, index=True)
