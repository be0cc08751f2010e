"""A broadcast's life after the console: scheduled (now or later) -> sending -> done, or interrupted; and the
queueing of its messages into the durable inbox (rows of kind ``broadcast``), so that the channel workers send
them like any reply: once, retried after provider errors and crashes, each recorded per recipient.

These functions change the database only; :mod:`lmi4vet.events.tasks` runs them on the task queue, never in a
web request.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lmi4vet.db.models import ChannelUser
from lmi4vet.events.audience import (
    DELIVERED,
    DONE,
    DRAFT,
    FAILED,
    INTERRUPTED,
    QUEUED,
    SCHEDULED,
    SENDING,
    SENT,
    SKIPPED,
    broadcast_text,
    plan_recipients,
)
from lmi4vet.events.catalogue import utc
from lmi4vet.events.models import Broadcast, BroadcastRecipient
from lmi4vet.inbox import enqueue

BROADCAST = "broadcast"  # the inbox kind of a broadcast message
BATCH = 500  # recipients queued per transaction


class DispatchError(ValueError):
    """What the console shows when a broadcast cannot change state (already sent, interrupted...)."""


def _broadcast(session: Session, broadcast_id: int) -> Broadcast:
    broadcast = session.get(Broadcast, broadcast_id)
    if broadcast is None:
        raise DispatchError("no such broadcast")
    return broadcast


def schedule(session: Session, broadcast_id: int, at: datetime | None, now: datetime) -> Broadcast:
    """Schedule a draft for ``at`` (``None``: now). A scheduled one can be moved while it has not started."""
    broadcast = _broadcast(session, broadcast_id)
    if broadcast.status not in (DRAFT, SCHEDULED):
        raise DispatchError(f"this broadcast is {broadcast.status}: it cannot be scheduled again")
    when = utc(at) if at is not None else utc(now)
    if when < utc(now):
        raise DispatchError("the time is in the past")
    broadcast.status, broadcast.scheduled_at = SCHEDULED, when
    return broadcast


def interrupt(session: Session, broadcast_id: int, now: datetime) -> int:
    """Stop a scheduled or sending broadcast: what is not sent yet is skipped ("interrupted"). How many
    recipients were left out."""
    broadcast = _broadcast(session, broadcast_id)
    if broadcast.status not in (SCHEDULED, SENDING):
        raise DispatchError(f"this broadcast is {broadcast.status}: there is nothing to interrupt")
    broadcast.status, broadcast.finished_at = INTERRUPTED, utc(now)
    return session.execute(update(BroadcastRecipient).where(
        BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.status == QUEUED)
        .values(status=SKIPPED, reason="interrupted", updated_at=utc(now))).rowcount or 0


def due(session: Session, now: datetime) -> list[int]:
    """Broadcasts whose time has come, and those sending (a crash may have cut their queueing short)."""
    return list(session.execute(select(Broadcast.id).where(
        ((Broadcast.status == SCHEDULED) & (Broadcast.scheduled_at <= utc(now))) | (Broadcast.status == SENDING))
        .order_by(Broadcast.id)).scalars())


def begin(session: Session, broadcast_id: int, now: datetime) -> bool:
    """Move a due broadcast to sending and plan its recipients; False if it is not due (or interrupted)."""
    broadcast = _broadcast(session, broadcast_id)
    if broadcast.status == SCHEDULED and broadcast.scheduled_at <= utc(now):
        broadcast.status, broadcast.started_at = SENDING, utc(now)
    if broadcast.status != SENDING:
        return False
    plan_recipients(session, broadcast, now)
    return True


def queue_batch(session: Session, broadcast_id: int, now: datetime, batch: int = BATCH) -> dict[str, int]:
    """Put up to ``batch`` planned recipients into the inbox of their channel; ``{channel: rows queued}``
    (empty when nothing is left to queue). Someone erased since planning is skipped."""
    broadcast = _broadcast(session, broadcast_id)
    if broadcast.status != SENDING:
        return {}
    rows = session.execute(select(BroadcastRecipient, ChannelUser.address)
                           .outerjoin(ChannelUser, ChannelUser.sender_id == BroadcastRecipient.sender_id)
                           .where(BroadcastRecipient.broadcast_id == broadcast_id,
                                  BroadcastRecipient.status == QUEUED, BroadcastRecipient.inbox_id.is_(None))
                           .order_by(BroadcastRecipient.id).limit(batch)).all()
    queued: dict[str, int] = {}
    for recipient, address in rows:
        if address is None:
            recipient.status, recipient.reason, recipient.updated_at = SKIPPED, "the user was erased", utc(now)
            continue
        text, _, _ = broadcast_text(broadcast, recipient.language)
        row = enqueue(session, channel=recipient.channel, key=f"broadcast-{broadcast.id}-{recipient.id}",
                      sender_id=recipient.sender_id, address=address, kind=BROADCAST, text=text,
                      language=recipient.language, now=utc(now),
                      meta={"broadcast": broadcast.id, "recipient": recipient.id, "template": broadcast.template_sid})
        recipient.inbox_id, recipient.updated_at = row.id, utc(now)
        queued[recipient.channel] = queued.get(recipient.channel, 0) + 1
    return queued


def still_wanted(session: Session, recipient_id: int) -> str:
    """Checked right before a broadcast message goes out: "" if it should, else why not (interrupted, STOP
    since planning, blocked)."""
    from lmi4vet.events.consent import unreachable

    recipient = session.get(BroadcastRecipient, recipient_id)
    if recipient is None:
        return "the recipient is gone"
    broadcast = session.get(Broadcast, recipient.broadcast_id)
    if broadcast is None or broadcast.status == INTERRUPTED:
        return "interrupted"
    return unreachable(session, recipient.sender_id)


def record(session: Session, recipient_id: int, outcome: str, reason: str, now: datetime) -> None:
    """How a recipient's message ended: the worker's outcome (sent, failed, stopped, skipped...)."""
    status = {"sent": SENT, "failed": FAILED}.get(outcome, SKIPPED)
    why = reason or (outcome if status == SKIPPED else "")
    session.execute(update(BroadcastRecipient).where(BroadcastRecipient.id == recipient_id).values(
        status=status, reason=why[:120] or None, updated_at=utc(now)))


def delivery_report(session: Session, inbox_id: int, status: str, now: datetime) -> None:
    """A provider's delivery report for a message: the broadcast recipient it carried becomes delivered (read
    counts as delivered), or failed when the provider could not deliver it."""
    if status in ("delivered", "read"):
        values, allowed = {"status": DELIVERED}, (SENT,)
    elif status in ("failed", "undelivered"):
        values, allowed = {"status": FAILED, "reason": f"{status} (provider's report)"}, (SENT, DELIVERED)
    else:
        return
    session.execute(update(BroadcastRecipient).where(BroadcastRecipient.inbox_id == inbox_id,
                                                     BroadcastRecipient.status.in_(allowed))
                    .values(updated_at=utc(now), **values))


def finish_if_sent(session: Session, broadcast_id: int, now: datetime) -> bool:
    """Mark a sending broadcast done once every recipient's message is queued and handled."""
    broadcast = _broadcast(session, broadcast_id)
    if broadcast.status != SENDING:
        return broadcast.status == DONE
    waiting = session.execute(select(BroadcastRecipient.id).where(
        BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.status == QUEUED).limit(1)).first()
    if waiting:
        return False
    broadcast.status, broadcast.finished_at = DONE, utc(now)
    return True


