"""Course progress in our database: where each user is, their quiz answers and module results.

Progress is language-neutral (module ids and step numbers), so it survives restarts and language switches.
Step ``n`` of a module is its n-th lesson, then its quiz questions in order.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lmi4vet.db.models import CourseProgress, ModuleResult, QuizAnswer


def progress(session: Session, sender_id: str) -> tuple[str, int] | None:
    """``(module_id, step)`` where the user left off, or ``None``."""
    record = session.get(CourseProgress, sender_id)
    return (record.module_id, record.step) if record else None


def save_progress(session: Session, sender_id: str, module_id: str, step: int) -> None:
    record = session.get(CourseProgress, sender_id)
    if record is None:
        session.add(CourseProgress(sender_id=sender_id, module_id=module_id, step=step, updated_at=datetime.utcnow()))
    else:
        record.module_id, record.step, record.updated_at = module_id, step, datetime.utcnow()


def answer(session: Session, sender_id: str, module_id: str, question_id: str, chosen: int, correct: bool) -> bool:
    """Record an answer; only the first answer to a question counts. Returns whether this one counted."""
    if session.get(QuizAnswer, (sender_id, question_id)) is not None:
        return False
    session.add(QuizAnswer(sender_id=sender_id, question_id=question_id, module_id=module_id, chosen=chosen,
                           correct=correct, answered_at=datetime.utcnow()))
    session.flush()
    return True


def score(session: Session, sender_id: str, module_id: str) -> int:
    """Right first answers in a module."""
    return session.execute(select(func.count()).select_from(QuizAnswer).where(
        QuizAnswer.sender_id == sender_id, QuizAnswer.module_id == module_id, QuizAnswer.correct.is_(True))
    ).scalar_one()


def complete(session: Session, sender_id: str, module_id: str, total: int) -> int:
    """Store the module's result (the best if taken again); return its score."""
    points = score(session, sender_id, module_id)
    record = session.get(ModuleResult, (sender_id, module_id))
    if record is None:
        session.add(ModuleResult(sender_id=sender_id, module_id=module_id, score=points, total=total,
                                 completed_at=datetime.utcnow()))
    else:
        record.score, record.total, record.completed_at = max(record.score, points), total, datetime.utcnow()
    return points


def results(session: Session, sender_id: str) -> dict[str, tuple[int, int]]:
    """``{module_id: (score, total)}`` of the completed modules."""
    rows = session.execute(select(ModuleResult).where(ModuleResult.sender_id == sender_id)).scalars()
    return {r.module_id: (r.score, r.total) for r in rows}


def restart_module(session: Session, sender_id: str, module_id: str) -> None:
    """Clear a module's answers so that its quiz can be taken again."""
    session.execute(delete(QuizAnswer).where(QuizAnswer.sender_id == sender_id, QuizAnswer.module_id == module_id))
