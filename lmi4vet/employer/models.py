"""Employer engagement (migration 0011): a user's self-assessments (answers kept, so that a re-assessment can
be compared with the one before) and the employer encounters they log; and (migration 0012) the expiring links
to an assessment's chart and PDF. Rows carry the pseudonymous ``sender_id``, and only the links have a foreign
key (to their assessment): ``lmi4vet.privacy`` exports and erases them all through ``PER_USER``."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Integer, String

from lmi4vet.db.models import Base
from lmi4vet.microcred.models import JSONText


class Assessment(Base):
    """One self-assessment: ``answers`` maps question ids to 0-3; ``completed_at`` is set when every question
    is answered; ``remind_at``: when to offer the next one (the user opted in)."""

    __tablename__ = "employer_assessments"
    id = Column(Integer, primary_key=True)
    sender_id = Column(String(64), nullable=False, index=True)
    language = Column(String(5), nullable=False)
    answers = Column(JSONText(), nullable=False)
    started_at = Column(DateTime, nullable=False)
    completed_at = Column(DateTime, nullable=True)
    remind_at = Column(DateTime, nullable=True, index=True)
    reminded_at = Column(DateTime, nullable=True)


class Encounter(Base):
    """An encounter of learners with an employer: its type and the employer's size (ids of
    ``content/employer/<lang>.yml``), how many learners took part, whether it was two-way and followed by a
    reflection (both: a meaningful encounter, Gatsby benchmark 5) and when it took place."""

    __tablename__ = "employer_encounters"
    id = Column(Integer, primary_key=True)
    sender_id = Column(String(64), nullable=False, index=True)
    kind = Column(String(16), nullable=False)
    size = Column(String(8), nullable=False)
    learners = Column(Integer, nullable=False)
    two_way = Column(Boolean, nullable=False)
    reflection = Column(Boolean, nullable=False)
    occurred_on = Column(Date, nullable=False)
    created_at = Column(DateTime, nullable=False)


class FileLink(Base):
    """An unguessable, expiring link to a self-assessment's chart (``chart``: WhatsApp fetches it as media) or
    PDF (``pdf``), made from the assessment when opened (migration 0012)."""

    __tablename__ = "employer_links"
    token = Column(String(64), primary_key=True)
    assessment_id = Column(Integer, ForeignKey("employer_assessments.id", ondelete="CASCADE"), nullable=False,
                           index=True)
    sender_id = Column(String(64), nullable=False, index=True)
    kind = Column(String(8), nullable=False)
    created_at = Column(DateTime, nullable=False)
    expires_at = Column(DateTime, nullable=False, index=True)
