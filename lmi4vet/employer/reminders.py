"""The reminder six months after an employer-engagement self-assessment (the user opted in:
:func:`lmi4vet.employer.store.remind_me`), through the event reminders' machinery: the task queue's tick queues
it into the durable inbox as a row of kind :data:`lmi4vet.events.reminders.REMINDER` with ``what`` "employer",
in the assessment's language, with a button to start a new assessment and one to see the last result.

Each assessment is reminded at most once (:func:`queue_due` claims it in the queueing transaction). The channel
worker asks :func:`still_due` right before sending; on WhatsApp outside the 24-hour window the re-engagement
template goes instead. Nobody is reminded who cannot be written to (the local chat, STOP, blocked, erased) or
who has started a newer assessment since: the assessment is marked done without a message.
"""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_date
from sqlalchemy import select
from sqlalchemy.orm import Session

from lmi4vet.db.models import ChannelUser
from lmi4vet.employer.models import Assessment
from lmi4vet.employer.store import due_reminders
from lmi4vet.events.catalogue import claim_once, utc
from lmi4vet.events.consent import unreachable
from lmi4vet.events.reminders import CHANNELS, REMINDER
from lmi4vet.events.wording import command
from lmi4vet.i18n import normalise_language, t
from lmi4vet.inbox import enqueue

WHAT = "employer"  # the reminder rows' meta "what"
INTENT = "ask_employer_engagement"  # the intent of the buttons (actions/employer.py)


def reminder_message(row: Assessment) -> tuple[str, str, list[dict[str, str]]]:
    """``(language, text, buttons)`` of the reminder of a completed assessment, in its language."""
    lang = normalise_language(row.language)
    text = t(lang, "employer.reminder.text", date=format_date(row.completed_at.date(), "long", locale=lang))
    buttons = [{"title": t(lang, "employer.reminder.start_button"), "payload": command(INTENT, {"ee": "start"})},
               {"title": t(lang, "employer.reminder.result_button"),
                "payload": command(INTENT, {"ee": "result", "ee_id": str(row.id)})}]
    return lang, text, buttons


def _why_not(session: Session, row: Assessment) -> str:
    """Why the reminder of an existing assessment should not go ("" = it should)."""
    if row.remind_at is None:
        return "the reminder was cancelled"
    newer = session.execute(select(Assessment.id).where(Assessment.sender_id == row.sender_id,
                                                        Assessment.id > row.id).limit(1)).first()
    if newer is not None:
        return "a newer assessment was started since"
    return unreachable(session, row.sender_id)


def queue_due(session: Session, now: datetime) -> dict[str, int]:
    """Queue the reminder of every assessment whose time has come; ``{channel: rows queued}``. Each is claimed
    first (``reminded_at``), so two ticks never both queue one; those that should not go (see the module
    docstring) are claimed without a message."""
    now = utc(now)
    queued: dict[str, int] = {}
    for row in due_reminders(session, now):
        if not claim_once(session, Assessment, row.id, "reminded_at", now):
            continue  # another tick took it
        user = session.get(ChannelUser, row.sender_id)
        if user is None or user.channel not in CHANNELS or _why_not(session, row):
            continue
        lang, text, buttons = reminder_message(row)
        enqueue(session, channel=user.channel, key=f"{WHAT}-{row.id}", sender_id=user.sender_id,
                address=user.address, kind=REMINDER, text=text, language=lang, now=now,
                meta={"what": WHAT, "assessment": row.id, "buttons": buttons, "variables": {}})
        queued[user.channel] = queued.get(user.channel, 0) + 1
    return queued


def still_due(session: Session, assessment_id: int | None, now: datetime) -> str:
    """Checked right before the reminder goes out: "" if it should, else why not (the assessment was erased,
    the reminder cancelled, a newer assessment started since, STOP or blocked). ``now`` is taken like the event
    reminders' check takes it; nothing here depends on it yet."""
    row = session.get(Assessment, assessment_id) if assessment_id is not None else None
    if row is None:
        return "the assessment was erased"
    return _why_not(session, row)
