"""A user's micro-credential drafts: create, list, resume, answer an element (validated by
:mod:`lmi4vet.microcred.checks`), move through the worksheet, duplicate, delete. Functions take the caller's
session and change nothing outside its transaction; a draft is only ever found for its owner (another user's
id gives None, or ValueError where a draft is required).

``step`` is the element id the worksheet is at, or :data:`REVIEW` after the last element.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lmi4vet.db.owned import owned, require_owned
from lmi4vet.events.catalogue import check_language, utc
from lmi4vet.microcred import checks
from lmi4vet.microcred import elements as el
from lmi4vet.microcred.models import Draft
from lmi4vet.microcred.spec import Spec

REVIEW = "review"  # the step after the last element: completeness, review, exports
TITLE_LIMIT = 120


def spec_of(draft: Draft) -> Spec:
    """The draft's specification as a :class:`Spec`."""
    return Spec.from_dict(draft.spec)


def _store(draft: Draft, spec: Spec, now: datetime) -> None:
    draft.spec = spec.to_dict()  # a new dict: the JSON column sees the change
    draft.title = spec.title[:TITLE_LIMIT]
    draft.updated_at = utc(now)


def create(session: Session, sender_id: str, language: str, *, now: datetime, title: str = "") -> Draft:
    """A new, empty draft in ``language`` at the first element (``title``: optional, validated)."""
    spec = Spec(language=check_language(language))
    if title:
        spec = _checked(spec, "title", title)
    return _new(session, sender_id, spec, now)


def _new(session: Session, sender_id: str, spec: Spec, now: datetime) -> Draft:
    """A new draft row holding ``spec``, at the first element."""
    now = utc(now)
    draft = Draft(sender_id=sender_id, language=spec.language, step=el.IDS[0], created_at=now)
    _store(draft, spec, now)
    session.add(draft)
    session.flush()
    return draft


def _checked(spec: Spec, element_id: str, raw: object) -> Spec:
    answer = checks.check_answer(element_id, raw, spec.language)
    if not answer.ok:
        raise ValueError(f"invalid {element_id}: {', '.join(issue.code for issue in answer.errors)}")
    return checks.apply_answer(spec, answer)


def list_drafts(session: Session, sender_id: str) -> list[Draft]:
    """The user's drafts, most recently changed first."""
    return list(session.execute(select(Draft).where(Draft.sender_id == sender_id)
                                .order_by(Draft.updated_at.desc(), Draft.id.desc())).scalars())


def get(session: Session, draft_id: int, sender_id: str) -> Draft | None:
    """The draft, if it exists and is the user's."""
    return owned(session, Draft, draft_id, sender_id)


def _owned(session: Session, draft_id: int, sender_id: str) -> Draft:
    return require_owned(session, Draft, draft_id, sender_id, "draft")


def save_answer(session: Session, draft_id: int, sender_id: str, element_id: str, raw: object, *,
                now: datetime, advance: bool = False) -> checks.Answer:
    """Check ``raw`` as the answer to ``element_id`` and, if valid, store it (``advance``: then go to the next
    element). The :class:`~lmi4vet.microcred.checks.Answer` tells the caller what to say: its errors mean
    nothing was stored (ask again), its warnings and notes go with the stored answer."""
    draft = _owned(session, draft_id, sender_id)
    answer = checks.check_answer(element_id, raw, draft.language)
    if answer.ok:
        _store(draft, checks.apply_answer(spec_of(draft), answer), now)
        if advance:
            draft.step = el.next_id(element_id) or REVIEW
    return answer


def save_towards(session: Session, draft_id: int, sender_id: str, raw: object, *, now: datetime) -> checks.Answer:
    """Store what a stackable micro-credential stacks towards (if valid) and go to the element after
    stackability."""
    draft = _owned(session, draft_id, sender_id)
    answer = checks.check_towards(raw)
    if answer.ok:
        _store(draft, checks.apply_answer(spec_of(draft), answer), now)
        draft.step = el.next_id("stackability") or REVIEW
    return answer


def clear_outcomes(session: Session, draft_id: int, sender_id: str, *, now: datetime) -> Draft:
    """Remove every learning outcome (and its ESCO skills), to write them again."""
    draft = _owned(session, draft_id, sender_id)
    spec = spec_of(draft)
    spec.outcomes = []
    _store(draft, spec, now)
    return draft


def link_skill(session: Session, draft_id: int, sender_id: str, outcome: int, uri: str, label: str, *,
               now: datetime) -> Draft:
    """Link an ESCO skill (URI and label) to outcome number ``outcome`` (from 1)."""
    draft = _owned(session, draft_id, sender_id)
    _store(draft, checks.link_skill(spec_of(draft), outcome, uri, label), now)
    return draft


def go_to(session: Session, draft_id: int, sender_id: str, step: str, *, now: datetime) -> Draft:
    """Move the worksheet to any element (to edit it) or to :data:`REVIEW`."""
    if step != REVIEW:
        step = el.element(step).id
    draft = _owned(session, draft_id, sender_id)
    draft.step, draft.updated_at = step, utc(now)
    return draft


def go_next(session: Session, draft_id: int, sender_id: str, *, now: datetime) -> Draft:
    """The next element (after the last one: :data:`REVIEW`, which stays)."""
    draft = _owned(session, draft_id, sender_id)
    step = REVIEW if draft.step == REVIEW else el.next_id(draft.step) or REVIEW
    return go_to(session, draft_id, sender_id, step, now=now)


def go_previous(session: Session, draft_id: int, sender_id: str, *, now: datetime) -> Draft:
    """The previous element (from :data:`REVIEW`: the last element; the first stays)."""
    draft = _owned(session, draft_id, sender_id)
    step = el.IDS[-1] if draft.step == REVIEW else el.previous_id(draft.step) or el.IDS[0]
    return go_to(session, draft_id, sender_id, step, now=now)


def copy_title(title: str, suffix: str) -> str:
    """``title`` with ``suffix`` ("(copy)"), shortened so that both fit in the title's limit."""
    room = TITLE_LIMIT - len(suffix) - 1
    base = title.strip()[:room].rstrip()
    return f"{base} {suffix}" if base else suffix


def duplicate(session: Session, draft_id: int, sender_id: str, *, now: datetime,
              suffix: str | None = None) -> Draft:
    """A copy of the draft, at its first element, titled "<title> (copy)" (``suffix``: default the draft
    language's ``copy_suffix`` from the content)."""
    source = _owned(session, draft_id, sender_id)
    suffix = suffix or el.content(source.language)["copy_suffix"]
    spec = spec_of(source)
    spec.title = copy_title(spec.title, suffix)
    return _new(session, sender_id, spec, now)


def delete(session: Session, draft_id: int, sender_id: str) -> bool:
    """Delete the user's draft (its export links go with it: ON DELETE CASCADE); whether there was one."""
    draft = get(session, draft_id, sender_id)
    if draft is None:
        return False
    session.delete(draft)
    session.flush()
    return True
