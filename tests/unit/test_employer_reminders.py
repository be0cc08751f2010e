"""The six-month reminder of the employer-engagement self-assessment: queued once per due assessment into the
inbox (in the assessment's language, with its buttons), never to the local chat, checked again right before
sending (cancelled, a newer assessment, STOP, erased), and picked by the channel worker and the task queue's
tick. Data tests run on SQLite and PostgreSQL (the db_url fixture)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from lmi4vet.db.engine import make_engine, session_scope
from lmi4vet.db.models import ChannelUser, InboxMessage
from lmi4vet.employer import reminders as rem
from lmi4vet.employer import store
from lmi4vet.employer.models import Assessment
from lmi4vet.events import consent as con
from lmi4vet.events.reminders import REMINDER
from lmi4vet.i18n import t
from lmi4vet.inbox import Inbox
from lmi4vet.privacy import erase_user

NOW = datetime(2026, 12, 10, 9, 0)  # naive UTC
DUE = datetime(2026, 6, 10, 8, 0)  # completed then: reminded from 9 December 2026, 08:00
NOT_YET = datetime(2026, 6, 12, 8, 0)  # reminded from 11 December


@pytest.fixture
def db(db_url):  # SQLite, and PostgreSQL when it answers (CI=true: it must)
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def a_user(db, channel: str | None = "telegram") -> str:
    """A pseudonymous sender; ``channel`` None: the local chat (no address to write to later)."""
    sender_id = uuid.uuid4().hex
    if channel is not None:
        with session_scope(db) as session:
            session.add(ChannelUser(sender_id=sender_id, channel=channel, address=f"addr-{sender_id[:6]}",
                                    last_inbound_at=NOW))
    return sender_id


def an_assessment(db, sender_id: str, language: str = "en", completed: datetime = DUE, remind: bool = True) -> int:
    """A completed assessment, with the six-month reminder asked for (``remind``)."""
    with session_scope(db) as session:
        row = store.start(session, sender_id, language, now=completed - timedelta(minutes=10))
        row.answers, row.completed_at = {"strategy_1": 2}, completed
        if remind:
            store.remind_me(session, row.id, sender_id)
        return row.id


def rows_of(db, sender_id: str) -> list[InboxMessage]:
    with session_scope(db) as session:
        rows = session.execute(select(InboxMessage).where(InboxMessage.sender_id == sender_id)
                               .order_by(InboxMessage.id)).scalars().all()
        session.expunge_all()
        return list(rows)


def reminded_at(db, assessment_id: int) -> datetime | None:
    with session_scope(db) as session:
        return session.get(Assessment, assessment_id).reminded_at


def start_payload() -> str:
    return '/ask_employer_engagement{"ee":"start"}'


def result_payload(assessment_id: int) -> str:
    return f'/ask_employer_engagement{{"ee":"result","ee_id":"{assessment_id}"}}'


# -- queueing -------------------------------------------------------------------------------------------------
def test_due_reminders_are_queued_once_in_the_assessments_language_with_their_buttons(db) -> None:
    german, english, later, local, unasked = a_user(db), a_user(db, "whatsapp"), a_user(db), a_user(db, None), \
        a_user(db)
    german_id = an_assessment(db, german, "de")
    english_id = an_assessment(db, english, "en")
    later_id = an_assessment(db, later, "es", completed=NOT_YET)
    local_id = an_assessment(db, local, "fr")
    unasked_id = an_assessment(db, unasked, "ro", remind=False)

    with session_scope(db) as session:
        assert rem.queue_due(session, NOW) == {"telegram": 1, "whatsapp": 1}
    with session_scope(db) as session:
        assert rem.queue_due(session, NOW + timedelta(minutes=1)) == {}  # claimed: never twice

    [row] = rows_of(db, german)
    assert (row.channel, row.kind, row.delivery_id, row.language_hint, row.address, row.status) == (
        "telegram", REMINDER, f"employer-{german_id}", "de", f"addr-{german[:6]}", "pending")
    assert row.text == (
        "Vor sechs Monaten hast du die Zusammenarbeit deiner Einrichtung mit Betrieben eingeschätzt (10. Juni "
        "2026). Möchtest du sehen, was sich seitdem verändert hat? Die neue Selbsteinschätzung dauert etwa zehn "
        "Minuten und zeigt dir deine Fortschritte Bereich für Bereich.")
    assert row.received_at == NOW
    assert json.loads(row.meta) == {
        "what": "employer", "assessment": german_id, "variables": {},
        "buttons": [{"title": "📝 Neue Selbsteinschätzung starten", "payload": start_payload()},
                    {"title": "📊 Mein letztes Ergebnis", "payload": result_payload(german_id)}]}
    [row] = rows_of(db, english)
    assert (row.channel, row.language_hint) == ("whatsapp", "en")
    assert row.text == ("Six months ago you assessed your institution's cooperation with employers (June 10, "
                        "2026). Ready to see what has changed? The new assessment takes about ten minutes and "
                        "shows your progress area by area.")
    assert json.loads(row.meta)["buttons"] == [
        {"title": "📝 Start the new assessment", "payload": start_payload()},
        {"title": "📊 My last result", "payload": result_payload(english_id)}]

    assert (reminded_at(db, german_id), reminded_at(db, english_id)) == (NOW, NOW)
    assert (rows_of(db, local), reminded_at(db, local_id)) == ([], NOW)  # the local chat: done, no message
    assert (rows_of(db, later), reminded_at(db, later_id)) == ([], None)  # due on 11 December
    assert (rows_of(db, unasked), reminded_at(db, unasked_id)) == ([], None)
    with session_scope(db) as session:
        assert rem.queue_due(session, datetime(2026, 12, 11, 8, 0)) == {"telegram": 1}
    assert [r.language_hint for r in rows_of(db, later)] == ["es"]


def test_no_reminder_is_queued_for_someone_stopped_or_already_reassessing(db) -> None:
    stopped, reassessing = a_user(db), a_user(db)
    stopped_id, reassessing_id = an_assessment(db, stopped), an_assessment(db, reassessing)
    with session_scope(db) as session:
        con.unsubscribe(session, stopped, "keyword", "en", NOW)
        store.start(session, reassessing, "en", now=NOW)
    with session_scope(db) as session:
        assert rem.queue_due(session, NOW) == {}
    assert (rows_of(db, stopped), rows_of(db, reassessing)) == ([], [])
    assert (reminded_at(db, stopped_id), reminded_at(db, reassessing_id)) == (NOW, NOW)  # marked done


def test_the_message_is_written_in_each_language(db) -> None:
    days = {"es": "10 de junio de 2026", "ro": "10 iunie 2026", "fr": "10 juin 2026"}
    ids = {lang: an_assessment(db, a_user(db), lang) for lang in days}
    with session_scope(db) as session:
        for lang, day in days.items():
            row = session.get(Assessment, ids[lang])
            assert rem.reminder_message(row) == (lang, t(lang, "employer.reminder.text", date=day), [
                {"title": t(lang, "employer.reminder.start_button"), "payload": start_payload()},
                {"title": t(lang, "employer.reminder.result_button"), "payload": result_payload(row.id)}])
            assert f"({day})" in rem.reminder_message(row)[1]


# -- right before sending -------------------------------------------------------------------------------------
def test_still_due_until_stop_a_newer_assessment_or_erasure(db, tmp_path) -> None:
    sender = a_user(db)
    assessment_id = an_assessment(db, sender)
    with session_scope(db) as session:
        rem.queue_due(session, NOW)
    check = NOW + timedelta(minutes=1)
    with session_scope(db) as session:
        assert rem.still_due(session, assessment_id, check) == ""
        con.unsubscribe(session, sender, "keyword", "en", NOW)
        assert rem.still_due(session, assessment_id, check) == "unsubscribed since"
        con.resubscribe(session, sender, "keyword", "en", NOW)
        session.get(ChannelUser, sender).stopped_at = NOW  # the provider said they blocked the bot
        assert rem.still_due(session, assessment_id, check) == "the contact is stopped"
        session.get(ChannelUser, sender).stopped_at = None
        assert rem.still_due(session, assessment_id, check) == ""
        session.get(Assessment, assessment_id).remind_at = None  # opted out after it was queued
        assert rem.still_due(session, assessment_id, check) == "the reminder was cancelled"
        store.remind_me(session, assessment_id, sender)
        store.start(session, sender, "en", now=NOW)
        assert rem.still_due(session, assessment_id, check) == "a newer assessment was started since"
    [queued] = rows_of(db, sender)
    tracker = make_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    counts = erase_user(sender, db, tracker)
    tracker.dispose()
    assert (counts["employer_assessments"], counts["inbox"]) == (2, 1)
    assert Inbox(db).get(queued.id) is None  # the worker finds nothing to send
    with session_scope(db) as session:
        assert rem.still_due(session, assessment_id, check) == "the assessment was erased"
        assert rem.still_due(session, None, check) == "the assessment was erased"


def test_the_worker_checks_an_employer_reminder_with_its_own_rules(db) -> None:
    from bot.worker import _why_not

    sender = a_user(db)
    assessment_id = an_assessment(db, sender)
    with session_scope(db) as session:
        rem.queue_due(session, NOW)
    [queued] = rows_of(db, sender)
    stored = Inbox(db).get(queued.id)
    assert (stored.kind, stored.meta["what"], stored.meta["assessment"]) == (REMINDER, "employer", assessment_id)
    with session_scope(db) as session:
        assert _why_not(session, stored) == ""  # an event reminder's check would find no registration
        store.start(session, sender, "en", now=NOW)
    with session_scope(db) as session:
        assert _why_not(session, stored) == "a newer assessment was started since"


def test_the_tick_queues_employer_reminders_and_wakes_their_channel(db, db_url, monkeypatch) -> None:
    monkeypatch.setenv("TASK_QUEUE_URL", "memory")
    monkeypatch.setenv("DATABASE_URL", db_url)
    from lmi4vet.events import tasks

    woken: list[str] = []
    monkeypatch.setattr(tasks, "wake", lambda url, channel: woken.append(channel) or True)
    sender = a_user(db, "whatsapp")
    an_assessment(db, sender, completed=datetime.utcnow() - timedelta(days=200))  # the tick runs on the real clock
    assert tasks.queue_reminders() == {"whatsapp": 1}
    assert woken == ["whatsapp"]
    assert tasks.queue_reminders() == {}
    assert [r.delivery_id[:9] for r in rows_of(db, sender)] == ["employer-"]
