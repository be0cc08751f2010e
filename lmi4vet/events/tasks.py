"""The task queue (huey) that sends broadcasts, off any web request: ``send_broadcast`` plans the recipients
and queues their messages into the durable inbox in batches, waking the channel workers; ``tick`` runs every
minute, queues the reminders and follow-ups that are due (:mod:`lmi4vet.events.reminders`, and the six-month
reminders of the employer-engagement self-assessment, :mod:`lmi4vet.employer.reminders`), starts the broadcasts
that are due (scheduled ones, and any left sending by a crash) and closes those sent.

Storage: ``TASK_QUEUE_URL`` (see :mod:`lmi4vet.settings`): a SQLite file by default (the console and the chat
server are separate processes on one machine), Redis in production. The consumer runs with
``huey_consumer lmi4vet.events.tasks.huey``.
"""

from __future__ import annotations

import logging
from datetime import datetime

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab

from lmi4vet.db.engine import database_url, session_scope, shared_engine
from lmi4vet.employer import reminders as employer_reminders
from lmi4vet.events import dispatch, reminders
from lmi4vet.inbox import wake
from lmi4vet.marketplace import notify as marketplace_notify
from lmi4vet.settings import Settings

logger = logging.getLogger(__name__)
NAME = "lmi4vet"


def make_huey(settings: Settings) -> Huey:
    """The queue ``TASK_QUEUE_URL`` names."""
    url = settings.task_queue_url
    if not url:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(NAME, filename=str(settings.var_dir / "tasks.db"))
    if url == "memory":
        return MemoryHuey(NAME, immediate=True)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(NAME, url=url)
    raise ValueError(f"TASK_QUEUE_URL must be empty, 'memory' or a redis:// URL, got {url!r}")


huey = make_huey(Settings.from_env())


def _engine():
    return shared_engine(database_url())


@huey.task()
def send_broadcast(broadcast_id: int) -> dict[str, int]:
    """Start a due broadcast and queue all its messages; ``{channel: messages queued}``."""
    settings = Settings.from_env()
    queued: dict[str, int] = {}
    with huey.lock_task(f"broadcast-{broadcast_id}"):
        with session_scope(_engine()) as session:
            if not dispatch.begin(session, broadcast_id, datetime.utcnow()):
                return queued
        while True:
            with session_scope(_engine()) as session:
                batch = dispatch.queue_batch(session, broadcast_id, datetime.utcnow())
            if not batch:
                break
            for channel, count in batch.items():
                queued[channel] = queued.get(channel, 0) + count
                wake(settings.rasa_url, channel)
    logger.info("broadcast %d: queued %s", broadcast_id, queued)
    return queued


def queue_reminders() -> dict[str, int]:
    """Queue the event reminders and follow-ups, the employer-engagement reminders and the marketplace's expiries
    and completion questions that are due (each kind in its own transaction) and wake the channels that got some."""
    queued: dict[str, int] = {}
    for queue_due in (reminders.queue_due, employer_reminders.queue_due, marketplace_notify.queue_due):
        with session_scope(_engine()) as session:
            for channel, count in queue_due(session, datetime.utcnow()).items():
                queued[channel] = queued.get(channel, 0) + count
    settings = Settings.from_env()
    for channel in queued:
        wake(settings.rasa_url, channel)
    if queued:
        logger.info("reminders and follow-ups queued: %s", queued)
    return queued


@huey.periodic_task(crontab(minute="*"))
def tick() -> None:
    """Every minute: queue due reminders and follow-ups, start the broadcasts that are due, finish those sent."""
    queue_reminders()
    now = datetime.utcnow()
    with session_scope(_engine()) as session:
        due = dispatch.due(session, now)
    for broadcast_id in due:
        send_broadcast(broadcast_id)
        with session_scope(_engine()) as session:
            dispatch.finish_if_sent(session, broadcast_id, datetime.utcnow())
