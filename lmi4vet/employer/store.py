"""A user's self-assessments and encounter log in the database (the caller's session; nothing outside its
transaction). An assessment is found only for its owner.

Encounters are counted per **term**: the school year runs from 1 September, its first term to the end of
February, its second from March to August. A term's target is one meaningful encounter per learner (two a
year, as Gatsby benchmark 5 asks of colleges); an encounter is meaningful when it was two-way and followed by a
reflection.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lmi4vet.db.owned import owned, require_owned
from lmi4vet.employer import assessment
from lmi4vet.employer.models import Assessment, Encounter
from lmi4vet.events.catalogue import check_language, utc

REMIND_AFTER = timedelta(days=182)  # "in six months"
KINDS = ("talk", "visit", "workshop", "mentoring", "placement", "mock_interview", "project")
SIZES = ("micro", "small", "medium", "large")
LEARNERS_RANGE = (1, 500)
PER_LEARNER_PER_TERM = 1
REPEAT_WINDOW = timedelta(minutes=10)


def start(session: Session, sender_id: str, language: str, *, now: datetime) -> Assessment:
    """A new, empty self-assessment in ``language``."""
    row = Assessment(sender_id=sender_id, language=check_language(language), answers={}, started_at=utc(now))
    session.add(row)
    session.flush()
    return row


def get(session: Session, assessment_id: int, sender_id: str) -> Assessment | None:
    """The assessment, if it exists and is the user's."""
    return owned(session, Assessment, assessment_id, sender_id)


def _owned(session: Session, assessment_id: int, sender_id: str) -> Assessment:
    return require_owned(session, Assessment, assessment_id, sender_id, "assessment")


def answer(session: Session, assessment_id: int, sender_id: str, question_id: str, score: int, *,
           now: datetime) -> Assessment:
    """Record (or change) one answer; the assessment is complete once every question has one."""
    row = _owned(session, assessment_id, sender_id)
    answers = assessment.check_answers({**row.answers, question_id: score})
    row.answers = answers  # a new dict: the JSON column sees the change
    if assessment.next_question(answers) is None and row.completed_at is None:
        row.completed_at = utc(now)
    return row


def in_progress(session: Session, sender_id: str) -> Assessment | None:
    """The user's latest unfinished assessment."""
    return session.execute(select(Assessment).where(Assessment.sender_id == sender_id,
                                                    Assessment.completed_at.is_(None))
                           .order_by(Assessment.id.desc()).limit(1)).scalar_one_or_none()


def previous(session: Session, row: Assessment) -> Assessment | None:
    """The user's completed assessment before ``row`` (to compare with)."""
    return session.execute(select(Assessment).where(Assessment.sender_id == row.sender_id, Assessment.id < row.id,
                                                    Assessment.completed_at.is_not(None))
                           .order_by(Assessment.id.desc()).limit(1)).scalar_one_or_none()


def remind_me(session: Session, assessment_id: int, sender_id: str) -> datetime:
    """Opt in to a reminder six months after the assessment was completed; when it will come."""
    row = _owned(session, assessment_id, sender_id)
    if row.completed_at is None:
        raise ValueError("the assessment is not complete yet")
    row.remind_at = row.completed_at + REMIND_AFTER
    return row.remind_at


def cancel_reminder(session: Session, assessment_id: int, sender_id: str) -> None:
    """Opt out of the reminder (one not sent yet will not be)."""
    _owned(session, assessment_id, sender_id).remind_at = None


def latest_completed(session: Session, sender_id: str) -> Assessment | None:
    """The user's latest completed assessment."""
    return session.execute(select(Assessment).where(Assessment.sender_id == sender_id,
                                                    Assessment.completed_at.is_not(None))
                           .order_by(Assessment.id.desc()).limit(1)).scalar_one_or_none()


def discard_unfinished(session: Session, sender_id: str) -> int:
    """Delete the user's unfinished assessments (a new one replaces them); how many."""
    rows = session.execute(select(Assessment).where(Assessment.sender_id == sender_id,
                                                    Assessment.completed_at.is_(None))).scalars().all()
    for row in rows:
        session.delete(row)
    session.flush()
    return len(rows)


def due_reminders(session: Session, now: datetime) -> list[Assessment]:
    """Assessments whose reminder is due and not sent yet, oldest first."""
    return list(session.execute(select(Assessment).where(Assessment.remind_at <= utc(now),
                                                         Assessment.reminded_at.is_(None))
                                .order_by(Assessment.remind_at)).scalars())


def log_encounter(session: Session, sender_id: str, *, kind: str, size: str, learners: int, two_way: bool,
                  reflection: bool, occurred_on: date, now: datetime) -> Encounter:
    """Log one employer encounter; ValueError for an unknown type or size, or learners outside 1-500. The
    same encounter logged again within :data:`REPEAT_WINDOW` is the row already there (a double tap)."""
    if kind not in KINDS:
        raise ValueError(f"unknown encounter type {kind!r}: one of {', '.join(KINDS)}")
    if size not in SIZES:
        raise ValueError(f"unknown employer size {size!r}: one of {', '.join(SIZES)}")
    if isinstance(learners, bool) or not LEARNERS_RANGE[0] <= learners <= LEARNERS_RANGE[1]:
        raise ValueError(f"learners must be {LEARNERS_RANGE[0]}-{LEARNERS_RANGE[1]}, not {learners!r}")
    fields = {"kind": kind, "size": size, "learners": learners, "two_way": bool(two_way),
              "reflection": bool(reflection), "occurred_on": occurred_on}
    same = session.execute(select(Encounter).filter_by(sender_id=sender_id, **fields)
                           .where(Encounter.created_at >= utc(now) - REPEAT_WINDOW)
                           .order_by(Encounter.id.desc()).limit(1)).scalar_one_or_none()
    if same is not None:
        return same  # the same encounter tapped twice (an old keyboard): logged once
    row = Encounter(sender_id=sender_id, created_at=utc(now), **fields)
    session.add(row)
    session.flush()
    return row


def term_of(day: date) -> tuple[date, date]:
    """The term ``day`` is in: ``(first day, day after the last)`` (see the module docstring)."""
    year = day.year if day.month >= 9 else day.year - 1  # the school year starting on 1 September
    if day.month >= 9 or day.month <= 2:
        return date(year, 9, 1), date(year + 1, 3, 1)
    return date(year + 1, 3, 1), date(year + 1, 9, 1)


@dataclass(frozen=True)
class TermCount:
    """A term's encounters: how many, how many meaningful, learner-encounters (meaningful ones, counted per
    learner taking part) and the target for ``cohort`` learners."""

    start: date
    end: date
    encounters: int
    meaningful: int
    learner_encounters: int
    target: int


def term_count(session: Session, sender_id: str, day: date, cohort: int) -> TermCount:
    """The encounters of the term ``day`` is in, against one meaningful encounter per learner of ``cohort``."""
    start_day, end_day = term_of(day)
    rows = session.execute(select(Encounter).where(Encounter.sender_id == sender_id,
                                                   Encounter.occurred_on >= start_day,
                                                   Encounter.occurred_on < end_day)).scalars().all()
    meaningful = [r for r in rows if r.two_way and r.reflection]
    return TermCount(start_day, end_day, len(rows), len(meaningful), sum(r.learners for r in meaningful),
                     PER_LEARNER_PER_TERM * cohort)
