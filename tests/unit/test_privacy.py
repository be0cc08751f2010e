"""Erasure that holds: requested, carried out after the tracker save, verified, retried when it failed, and a
turn saved late (after its erasure) erased again. SQLite and, when it answers, PostgreSQL."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from lmi4vet import privacy
from lmi4vet.db.engine import make_engine, session_scope
from lmi4vet.db.models import ChannelUser, CourseProgress, ErasureRequest
from lmi4vet.inbox import Inbound, Inbox
from lmi4vet.privacy import EVENTS, _metadata


@pytest.fixture
def stores(db_url, tmp_path):
    db = make_engine(db_url)
    tracker = make_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    _metadata.create_all(tracker)
    return db, tracker


def add_events(tracker, sender: str, timestamps: list[float]) -> None:
    with tracker.begin() as connection:
        for stamp in timestamps:
            connection.execute(EVENTS.insert().values(sender_id=sender, type_name="user", timestamp=stamp,
                                                      data='{"event": "user", "text": "hola"}'))


def events_of(tracker, sender: str) -> list[float]:
    with tracker.connect() as connection:
        return list(connection.execute(select(EVENTS.c.timestamp).where(EVENTS.c.sender_id == sender)
                                       .order_by(EVENTS.c.timestamp)).scalars())


def add_user(db, sender: str) -> None:
    Inbox(db).accept(Inbound("telegram", f"u-{sender}", "4711", "hola"), sender)
    with session_scope(db) as session:
        session.add(CourseProgress(sender_id=sender, module_id="m1", step=2))


def requests_of(db) -> list[tuple]:
    with session_scope(db) as session:
        return [(r.sender_id, r.status, r.source, r.attempts, r.verified_at is not None)
                for r in session.query(ErasureRequest).order_by(ErasureRequest.id)]


def test_a_chat_request_is_carried_out_by_the_save_and_verified(stores) -> None:
    db, tracker = stores
    add_user(db, "alice")
    add_user(db, "bob")
    add_events(tracker, "alice", [time.time() - 5, time.time() - 1])
    add_events(tracker, "bob", [time.time() - 3])
    privacy.request_erasure("alice", "chat", db)
    privacy.request_erasure("alice", "chat", db)  # asked twice: one request
    assert requests_of(db) == [("alice", "pending", "chat", 0, False)]
    privacy.after_tracker_save("bob", db, tracker)  # someone else's save changes nothing
    assert privacy.remaining_rows("alice", db, tracker) == 5  # 2 events, user, inbox row, course progress
    privacy.after_tracker_save("alice", db, tracker)
    assert privacy.remaining_rows("alice", db, tracker) == 0
    assert requests_of(db) == [(None, "verified", "chat", 1, True)]  # kept, without the sender id
    assert len(events_of(tracker, "bob")) == 1 and privacy.remaining_rows("bob", db, tracker) == 4


def test_a_turn_saved_after_its_erasure_is_erased_again(stores) -> None:
    db, tracker = stores
    add_user(db, "carol")
    before = time.time() - 10
    add_events(tracker, "carol", [before])
    assert privacy.erase_now("carol", "console", db, tracker)
    add_events(tracker, "carol", [before, before + 1])  # Rasa saves a turn that was in flight: all of it again
    privacy.after_tracker_save("carol", db, tracker)
    assert events_of(tracker, "carol") == []
    later = time.time() + 1
    add_events(tracker, "carol", [later])  # carol writes again after the erasure: a new conversation
    privacy.after_tracker_save("carol", db, tracker)
    assert events_of(tracker, "carol") == [later]


def test_a_failed_erasure_stays_pending_and_the_retention_job_retries_it(stores) -> None:
    db, tracker = stores
    add_user(db, "dave")
    add_events(tracker, "dave", [time.time()])
    request = privacy.request_erasure("dave", "chat", db)
    tracker.dispose()
    with _unreachable(tracker):
        assert privacy.carry_out(request, db, tracker) is False
    [(sender, status, _, attempts, verified)] = requests_of(db)
    assert (sender, status, attempts, verified) == ("dave", "pending", 1, False)
    with session_scope(db) as session:
        assert session.get(ErasureRequest, request).last_error
    totals = privacy.enforce_retention(180, db, tracker)
    assert (totals["pending_retried"], totals["pending_verified"]) == (1, 1)
    assert requests_of(db) == [(None, "verified", "chat", 2, True)]
    assert privacy.remaining_rows("dave", db, tracker) == 0


class _unreachable:
    """Make every connection of ``engine`` fail (as a tracker database that is down would)."""

    def __init__(self, engine) -> None:
        self.engine = engine

    def __enter__(self):
        from sqlalchemy import event
        from sqlalchemy.exc import OperationalError

        def refuse(*_args, **_kwargs):
            raise OperationalError("connect", {}, Exception("the tracker database is down"))

        event.listen(self.engine, "do_connect", refuse)
        self._refuse = refuse
        return self

    def __exit__(self, *exc) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "do_connect", self._refuse)


def test_retention_erases_the_inactive_and_records_it(stores) -> None:
    db, tracker = stores
    add_user(db, "erin")
    add_events(tracker, "erin", [time.time() - 200 * 86400])
    with session_scope(db) as session:
        session.get(ChannelUser, "erin").last_inbound_at = datetime.utcnow() - timedelta(days=200)
    totals = privacy.enforce_retention(180, db, tracker)
    assert (totals["users"], totals["events"], totals["channel_users"]) == (1, 1, 1)
    assert requests_of(db) == [(None, "verified", "retention", 1, True)]
    with session_scope(db) as session:
        assert session.execute(select(func.count()).select_from(ChannelUser)).scalar_one() == 0


def test_retention_deletes_expired_file_links_and_keeps_live_ones(stores) -> None:
    from lmi4vet.employer import files as employer_files
    from lmi4vet.employer import store as employer_store
    from lmi4vet.employer.models import FileLink
    from lmi4vet.microcred import drafts
    from lmi4vet.microcred import files as microcred_files
    from lmi4vet.microcred.models import ExportLink

    db, tracker = stores
    now = datetime.utcnow()
    with session_scope(db) as session:
        row = employer_store.start(session, "fay", "en", now=now)
        draft = drafts.create(session, "fay", "en", now=now, title="Welding")
        old = [employer_files.create_link(session, row, "pdf", now - timedelta(days=8)),
               microcred_files.create_link(session, draft, "pdf", now - timedelta(days=8))]
        live = [employer_files.create_link(session, row, "chart", now),
                microcred_files.create_link(session, draft, "elm", now)]
    totals = privacy.enforce_retention(180, db, tracker)
    assert totals["expired_links"] == 2
    with session_scope(db) as session:
        kept = {link.token for model in (FileLink, ExportLink) for link in session.query(model)}
    assert kept == set(live) and not kept & set(old)
