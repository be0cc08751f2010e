"""Tickets: opening (from an action), relaying both ways (the channel worker), assigning, replying and closing
(the console), and what the console lists and measures. Functions take the caller's session (one
transaction each); an adviser's reply and a resume are rows of the durable inbox, so they go out like any
answer: in order per user, once, after crashes."""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.db.models import ChannelUser
from lmi4vet.handoff.models import Ticket, TicketMessage
from lmi4vet.handoff.safeguarding import Risk, detect
from lmi4vet.i18n import t
from lmi4vet.inbox import AGENT, ANSWERED, RESUME, WHATSAPP_WINDOW, enqueue, mark
from lmi4vet.text import fold

TOPICS = ("general", "figures", "jobs_skills", "training", "safeguarding")
OPEN, ASSIGNED, CLOSED = "open", "assigned", "closed"
ACTIVE = (OPEN, ASSIGNED)
END_PAYLOAD = "/handoff_end"
RESUME_INTENT = "handoff_resumed"
REPLY_LIMIT = 8000  # characters of one adviser reply (the channel splits long ones)
RECENT_FOR_ESTIMATE = 20  # answered tickets the "usually within N minutes" is measured on
MIN_FOR_ESTIMATE = 5


class HandoffError(ValueError):
    """What the console shows when an action on a ticket is not possible (closed, erased, not yours)."""


@dataclass(frozen=True)
class Agent:
    """Who acts in the console: user name, role (admin | reviewer | agent) and deployment (None: all)."""

    username: str
    role: str
    deployment: str | None = None

    @property
    def may_reply(self) -> bool:
        return self.role in ("admin", "agent")


@dataclass
class Relayed:
    """What happened to a person's message sent while a ticket was active."""

    ticket_id: int
    language: str
    ended: bool = False
    risk: Risk | None = None
    released: list[int] = field(default_factory=list)  # inbox ids of held adviser replies now sent


def _now(now: datetime | None) -> datetime:
    return now or datetime.utcnow()


def _event(session: Session, ticket: Ticket, text: str, now: datetime) -> None:
    session.add(TicketMessage(ticket_id=ticket.id, sender_id=ticket.sender_id, direction="event", text=text,
                              created_at=now))


# -- the chat side --------------------------------------------------------------------------------------------
def active_ticket(session: Session, sender_id: str) -> Ticket | None:
    """The user's open or assigned ticket, if any."""
    return session.execute(select(Ticket).where(Ticket.sender_id == sender_id, Ticket.status.in_(ACTIVE))
                           .order_by(Ticket.id.desc()).limit(1)).scalar_one_or_none()


def open_ticket(session: Session, *, sender_id: str, channel: str, language: str, topic: str, reason: str,
                summary: dict[str, Any], deployment: str, risk: str | None = None,
                now: datetime | None = None) -> tuple[Ticket, bool]:
    """Open a ticket (or return the user's active one, made urgent if ``risk`` is new); ``(ticket, created)``."""
    now = _now(now)
    if topic not in TOPICS:
        raise ValueError(f"unknown topic {topic!r}")
    existing = active_ticket(session, sender_id)
    if existing is not None:
        if risk and not existing.urgent:
            existing.urgent, existing.risk, existing.topic, existing.updated_at = True, risk, "safeguarding", now
            _event(session, existing, f"safeguarding words ({risk}): marked urgent", now)
        return existing, False
    ticket = Ticket(deployment=deployment, sender_id=sender_id, channel=channel, language=language, topic=topic,
                    reason=reason, urgent=bool(risk), risk=risk, status=OPEN, created_at=now, updated_at=now,
                    summary=json.dumps(summary, ensure_ascii=False, default=str))
    session.add(ticket)
    session.flush()
    _event(session, ticket, f"opened ({reason}{': ' + risk if risk else ''})", now)
    return ticket, True


def is_end_request(text: str) -> bool:
    """Whether a message asks to leave the conversation with the person: the button, or the end word of any
    of the five languages alone ("END", "FIN", "GATA", "ENDE")."""
    if text.strip().startswith(END_PAYLOAD):
        return True
    words = {fold(t(lang, "handoff.end_word")) for lang in SUPPORTED_LANGUAGES} | {"/end"}
    return fold(text).strip(" .!¡") in words


def relay_from_user(session: Session, sender_id: str, inbox_id: int, text: str,
                    now: datetime | None = None) -> Relayed | None:
    """Put a person's message into their active ticket, or close the ticket if they ask to end it; the inbox
    row is marked answered in the same transaction (a retry after a crash relays nothing twice). ``None`` if
    they have no active ticket (the bot answers as usual)."""
    now = _now(now)
    ticket = active_ticket(session, sender_id)
    if ticket is None:
        return None
    relayed = Relayed(ticket.id, ticket.language)
    ended = is_end_request(text)
    mark(session, inbox_id, ANSWERED, "ended" if ended else "relayed")
    if not text.startswith("/"):  # button payloads are ours, not the person's words
        session.add(TicketMessage(ticket_id=ticket.id, sender_id=sender_id, direction="user", text=text,
                                  inbox_id=inbox_id, created_at=now))
    ticket.updated_at = now
    if ended:
        resume = _close(session, ticket, "user", "", now)
        relayed.ended = True
        relayed.released = [resume] if resume is not None else []
        return relayed
    relayed.risk = detect(text)
    if relayed.risk is not None and not ticket.urgent:
        ticket.urgent, ticket.risk, ticket.topic = True, relayed.risk.category, "safeguarding"
        _event(session, ticket, f"safeguarding words ({relayed.risk.category}): marked urgent", now)
    held = session.execute(select(TicketMessage).where(
        TicketMessage.ticket_id == ticket.id, TicketMessage.direction == "agent",
        TicketMessage.delivery == "held").order_by(TicketMessage.id)).scalars().all()
    for message in held:  # the person wrote: WhatsApp's window is open again
        relayed.released.append(_send_agent_message(session, ticket, message, now, retry=True))
    return relayed


def _send_agent_message(session: Session, ticket: Ticket, message: TicketMessage, now: datetime,
                        retry: bool = False) -> int:
    user = session.get(ChannelUser, ticket.sender_id)
    if user is None:
        raise HandoffError("this user's data has been erased: the reply cannot be delivered")
    key = f"agent-{message.id}" + (f"-r{int(now.timestamp() * 1000)}" if retry else "")
    row = enqueue(session, channel=ticket.channel, key=key, sender_id=ticket.sender_id, address=user.address,
                  kind=AGENT, text=message.text, language=ticket.language,
                  meta={"ticket": ticket.id, "ticket_message": message.id}, now=now)
    message.inbox_id, message.delivery = row.id, "queued"
    return row.id


def delivered(session: Session, ticket_message_id: int, outcome: str) -> None:
    """How an adviser's reply ended: sent, held (window closed), failed or stopped."""
    message = session.get(TicketMessage, ticket_message_id)
    if message is not None:
        message.delivery = outcome
        ticket = session.get(Ticket, message.ticket_id)
        if ticket is not None:
            ticket.updated_at = datetime.utcnow()


def mark_resumed(session: Session, ticket_id: int, now: datetime | None = None) -> None:
    ticket = session.get(Ticket, ticket_id)
    if ticket is not None and ticket.resumed_at is None:
        ticket.resumed_at = _now(now)


def last_closed(session: Session, sender_id: str) -> Ticket | None:
    return session.execute(select(Ticket).where(Ticket.sender_id == sender_id, Ticket.status == CLOSED)
                           .order_by(Ticket.closed_at.desc(), Ticket.id.desc()).limit(1)).scalar_one_or_none()


def exchanged(session: Session, ticket_id: int) -> int:
    """Messages the person and the advisers wrote in a ticket."""
    return session.execute(select(func.count()).select_from(TicketMessage).where(
        TicketMessage.ticket_id == ticket_id, TicketMessage.direction.in_(("user", "agent")))).scalar_one()


def expected_minutes(session: Session, deployment: str, default: int) -> int:
    """Minutes a first answer takes: the median of the deployment's last answered tickets once there are
    enough, else the configured ``default``."""
    rows = session.execute(select(Ticket.created_at, Ticket.first_reply_at).where(
        Ticket.deployment == deployment, Ticket.first_reply_at.is_not(None))
        .order_by(Ticket.first_reply_at.desc()).limit(RECENT_FOR_ESTIMATE)).all()
    if len(rows) < MIN_FOR_ESTIMATE:
        return default
    return max(1, math.ceil(statistics.median((b - a).total_seconds() for a, b in rows) / 60))


# -- the console side -----------------------------------------------------------------------------------------
def visible(session: Session, ticket_id: int, agent: Agent) -> Ticket:
    """The ticket, if ``agent`` may see it (their deployment); HandoffError otherwise."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or (agent.deployment is not None and ticket.deployment != agent.deployment):
        raise HandoffError("no such ticket")
    return ticket


def list_tickets(session: Session, agent: Agent, status: str = OPEN, topic: str = "", language: str = "",
                 channel: str = "", limit: int = 200) -> list[Ticket]:
    """The queue: urgent first, then oldest first."""
    query = select(Ticket).where(Ticket.status == status)
    if agent.deployment is not None:
        query = query.where(Ticket.deployment == agent.deployment)
    for column, value in ((Ticket.topic, topic), (Ticket.language, language), (Ticket.channel, channel)):
        if value:
            query = query.where(column == value)
    order = (Ticket.closed_at.desc(),) if status == CLOSED else (Ticket.urgent.desc(), Ticket.created_at)
    return list(session.execute(query.order_by(*order, Ticket.id).limit(limit)).scalars())


def counts(session: Session, agent: Agent) -> dict[str, int]:
    """Tickets per status (for the tabs)."""
    query = select(Ticket.status, func.count()).group_by(Ticket.status)
    if agent.deployment is not None:
        query = query.where(Ticket.deployment == agent.deployment)
    found = dict(session.execute(query).all())
    return {status: found.get(status, 0) for status in (OPEN, ASSIGNED, CLOSED)}


def messages(session: Session, ticket_id: int, after: int = 0) -> list[TicketMessage]:
    return list(session.execute(select(TicketMessage).where(TicketMessage.ticket_id == ticket_id,
                                                            TicketMessage.id > after)
                                .order_by(TicketMessage.id)).scalars())


def _workable(session: Session, ticket_id: int, agent: Agent, verb: str) -> Ticket:
    """The ticket, if ``agent`` may ``verb`` it now (visible, not a reviewer, not closed)."""
    ticket = visible(session, ticket_id, agent)
    if not agent.may_reply:
        raise HandoffError(f"reviewers cannot {verb}")
    if ticket.status == CLOSED:
        raise HandoffError("this ticket is closed")
    return ticket


def assign(session: Session, ticket_id: int, agent: Agent, now: datetime | None = None) -> Ticket:
    """``agent`` takes the ticket."""
    now = _now(now)
    ticket = _workable(session, ticket_id, agent, "take tickets")
    if ticket.assigned_to != agent.username:
        ticket.status, ticket.assigned_to, ticket.assigned_at, ticket.updated_at = ASSIGNED, agent.username, now, now
        _event(session, ticket, f"assigned to {agent.username}", now)
    return ticket


def reply(session: Session, ticket_id: int, agent: Agent, text: str, now: datetime | None = None) -> TicketMessage:
    """An adviser's reply: stored in the ticket and queued in the durable inbox for the person's channel."""
    now = _now(now)
    text = text.replace("\x00", "").strip()
    if not text:
        raise HandoffError("the reply is empty")
    if len(text) > REPLY_LIMIT:
        raise HandoffError(f"the reply is longer than {REPLY_LIMIT} characters")
    ticket = _workable(session, ticket_id, agent, "reply")
    if ticket.assigned_to != agent.username:
        assign(session, ticket_id, agent, now)
    message = TicketMessage(ticket_id=ticket.id, sender_id=ticket.sender_id, direction="agent",
                            author=agent.username, text=text, created_at=now, delivery="queued")
    session.add(message)
    session.flush()
    _send_agent_message(session, ticket, message, now)
    ticket.first_reply_at = ticket.first_reply_at or now
    ticket.updated_at = now
    return message


def close(session: Session, ticket_id: int, by: str, note: str, agent: Agent | None = None,
          now: datetime | None = None) -> Ticket:
    """Close a ticket (``by`` an agent's name or "user") and queue the bot's return to the chat."""
    now = _now(now)
    ticket = visible(session, ticket_id, agent) if agent is not None else session.get(Ticket, ticket_id)
    if ticket is None:
        raise HandoffError("no such ticket")
    if agent is not None and not agent.may_reply:
        raise HandoffError("reviewers cannot close tickets")
    if ticket.status != CLOSED:
        _close(session, ticket, by, note, now)
    return ticket


def _close(session: Session, ticket: Ticket, by: str, note: str, now: datetime) -> int | None:
    """Close an active ticket and queue the resume row; its inbox id (None: the user's address is erased)."""
    ticket.status, ticket.closed_at, ticket.closed_by, ticket.updated_at = CLOSED, now, by[:80], now
    ticket.close_note = note.strip()[:5000] or None
    _event(session, ticket, "closed by the user" if by == "user" else f"closed by {by}", now)
    user = session.get(ChannelUser, ticket.sender_id)
    if user is None:
        return None
    ended_by = "user" if by == "user" else "agent"
    return enqueue(session, channel=ticket.channel, key=f"resume-{ticket.id}", sender_id=ticket.sender_id,
                   address=user.address, kind=RESUME, language=ticket.language,
                   text=f'/{RESUME_INTENT}{{"ended_by":"{ended_by}"}}', meta={"ticket": ticket.id}, now=now).id


def window_open(session: Session, ticket: Ticket, now: datetime | None = None) -> bool | None:
    """WhatsApp: whether free text may be sent now (the person wrote within 24 hours); None elsewhere."""
    if ticket.channel != "whatsapp":
        return None
    user = session.get(ChannelUser, ticket.sender_id)
    return bool(user and user.last_inbound_at and _now(now) - user.last_inbound_at < WHATSAPP_WINDOW)


def durations(ticket: Ticket) -> tuple[float | None, float | None]:
    """Seconds to the first reply and to resolution (closing)."""
    first = (ticket.first_reply_at - ticket.created_at).total_seconds() if ticket.first_reply_at else None
    resolved = (ticket.closed_at - ticket.created_at).total_seconds() if ticket.closed_at else None
    return first, resolved


def medians(session: Session, agent: Agent) -> dict[str, Any]:
    """Median first-reply and resolution times (seconds) over the tickets ``agent`` may see."""
    query = select(Ticket.created_at, Ticket.first_reply_at, Ticket.closed_at)
    if agent.deployment is not None:
        query = query.where(Ticket.deployment == agent.deployment)
    rows = session.execute(query).all()
    first = [(b - a).total_seconds() for a, b, _ in rows if b is not None]
    resolved = [(c - a).total_seconds() for a, _, c in rows if c is not None]
    return {"tickets": len(rows), "answered": len(first), "closed": len(resolved),
            "first_reply": statistics.median(first) if first else None,
            "resolution": statistics.median(resolved) if resolved else None}
