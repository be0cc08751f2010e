"""Tickets and ticket messages (migration 0006)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint

from lmi4vet.db.models import Base


class Ticket(Base):
    """A request to talk to a person. ``status``: open (waiting) -> assigned (an agent took it) -> closed.

    ``resumed_at`` is set once the bot has taken the conversation back (the worker resumes Rasa's tracker and
    sends the recap), so a crash between closing and resuming is finished on restart.
    """

    __tablename__ = "handoff_tickets"
    id = Column(Integer, primary_key=True)
    deployment = Column(String(64), nullable=False)
    sender_id = Column(String(64), nullable=False)
    channel = Column(String(16), nullable=False)
    language = Column(String(5), nullable=False)
    topic = Column(String(24), nullable=False)  # see tickets.TOPICS
    reason = Column(String(16), nullable=False)  # asked | fallback | safeguarding
    urgent = Column(Boolean, nullable=False, default=False)
    risk = Column(String(16), nullable=True)  # self_harm | violence | exploitation
    status = Column(String(16), nullable=False)
    summary = Column(Text, nullable=False, default="{}")  # JSON, see summary.summarise
    created_at = Column(DateTime, nullable=False)
    assigned_to = Column(String(80), nullable=True)
    assigned_at = Column(DateTime, nullable=True)
    first_reply_at = Column(DateTime, nullable=True)
    closed_at = Column(DateTime, nullable=True)
    closed_by = Column(String(80), nullable=True)  # an agent's user name, or "user"
    close_note = Column(Text, nullable=True)
    resumed_at = Column(DateTime, nullable=True)
    updated_at = Column(DateTime, nullable=False)  # last change of any kind (the console's live refresh)
    __table_args__ = (Index("ix_handoff_tickets_sender", "sender_id", "status"),
                      Index("ix_handoff_tickets_queue", "deployment", "status", "created_at"))


class TicketMessage(Base):
    """One message of a ticket: from the user (relayed from the inbox), from an agent, or an event line.

    An agent's message goes out through the durable inbox (``inbox_id``: the inbox row that carries it);
    ``delivery`` says how it ended: queued, sent, held (WhatsApp window closed: a template went instead and
    the text follows when the user writes), failed, stopped.
    """

    __tablename__ = "handoff_messages"
    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("handoff_tickets.id", ondelete="CASCADE"), nullable=False)
    sender_id = Column(String(64), nullable=False, index=True)  # the user's (erasure, export)
    direction = Column(String(8), nullable=False)  # user | agent | event
    author = Column(String(80), nullable=True)  # the agent's user name
    text = Column(Text, nullable=False)
    inbox_id = Column(Integer, nullable=True)
    delivery = Column(String(16), nullable=True)
    created_at = Column(DateTime, nullable=False)
    __table_args__ = (UniqueConstraint("ticket_id", "direction", "inbox_id", name="uq_handoff_message_inbox"),
                      Index("ix_handoff_messages_ticket", "ticket_id", "id"))
