"""A self-assessment's files, made on demand in its language: the radar chart (PNG) and the result with the
action plan (PDF), both compared with the user's previous completed assessment when there is one; and the
unguessable, expiring links to them for channels that cannot receive files (WhatsApp fetches the chart from
its link as media; the local chat shows the link).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from lmi4vet.employer import store
from lmi4vet.employer.assessment import AreaResult, score
from lmi4vet.employer.models import Assessment, FileLink
from lmi4vet.employer.pdf import chart, plan_pdf
from lmi4vet.links import File, add_link, live_link

KINDS = ("chart", "pdf")
CONTENT_TYPES = {"chart": "image/png", "pdf": "application/pdf"}
LINK_LIFETIME = timedelta(days=7)


def results_with_previous(session: Session, row: Assessment) -> tuple[list[AreaResult], list[AreaResult] | None]:
    """The assessment's levels, and those of the user's completed assessment before it (None: none)."""
    before = store.previous(session, row)
    return score(row.answers), (score(before.answers) if before is not None else None)


def filename(row: Assessment, kind: str) -> str:
    """``employer-engagement-<date completed>.pdf`` or ``...-chart.png`` (ASCII)."""
    day = (row.completed_at or row.started_at).date().isoformat()
    return f"employer-engagement-{day}.pdf" if kind == "pdf" else f"employer-engagement-{day}-chart.png"


def render(session: Session, row: Assessment, kind: str, *, now: datetime) -> File:
    """The file ``kind`` (``chart`` or ``pdf``) of the assessment; ValueError for another kind."""
    if kind not in KINDS:
        raise ValueError(f"unknown file {kind!r}: one of {', '.join(KINDS)}")
    results, previous = results_with_previous(session, row)
    if kind == "chart":
        body = chart(results, row.language, previous)
    else:
        body = plan_pdf(results, row.language, now=now, previous=previous)
    return File(body, filename(row, kind), CONTENT_TYPES[kind])


def create_link(session: Session, row: Assessment, kind: str, now: datetime,
                lifetime: timedelta = LINK_LIFETIME) -> str:
    """A new unguessable token for the assessment's file ``kind``, valid for ``lifetime``."""
    if kind not in KINDS:
        raise ValueError(f"unknown file {kind!r}: one of {', '.join(KINDS)}")
    return add_link(session, FileLink, now, lifetime, assessment_id=row.id, sender_id=row.sender_id, kind=kind)


def linked_file(session: Session, token: str, now: datetime) -> File | None:
    """The file behind a link, made now; None when the token is unknown or expired or the assessment is gone."""
    link = live_link(session, FileLink, token, now)
    if link is None:
        return None
    row = store.get(session, link.assessment_id, link.sender_id)
    return render(session, row, link.kind, now=now) if row is not None else None
