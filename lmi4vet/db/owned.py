"""Rows that belong to one user (a micro-credential draft, a self-assessment): found only for their owner, so
that another user's id gives nothing."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.orm import Session

Row = TypeVar("Row")


def owned(session: Session, model: type[Row], row_id: Any, sender_id: str) -> Row | None:
    """The ``model`` row ``row_id`` if it exists and its ``sender_id`` is the user's."""
    row = session.get(model, row_id)
    return row if row is not None and row.sender_id == sender_id else None


def require_owned(session: Session, model: type[Row], row_id: Any, sender_id: str, what: str) -> Row:
    """:func:`owned`, or ValueError("no <what> <id> of this user")."""
    row = owned(session, model, row_id, sender_id)
    if row is None:
        raise ValueError(f"no {what} {row_id} of this user")
    return row
