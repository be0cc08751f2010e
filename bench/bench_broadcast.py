"""Benchmark one broadcast to N Telegram subscribers (issue 11): the messages/s at the Bot API stand-in (never more
than Telegram's 30 in any second), the total time, and what failed or was skipped.

A fresh SQLite database gets N subscribers (default 20,000) on Telegram, in the five languages and over a few
countries, each with a consent for "green"; one in a hundred then says STOP and must get nothing. A broadcast
with a text in every language is scheduled now and goes the real way: the huey task ``send_broadcast``
(``TASK_QUEUE_URL=memory``: run at once, in a thread of its own) plans the recipients, queues them into the
durable inbox and wakes the channel worker over HTTP (a stand-in for the chat server's ``/wake`` route), and the
real Telegram channel's inbox worker, with its real rate limiters, sends them to the Bot API stand-in, which
notes when each ``sendMessage`` arrives. The stand-in runs in a process of its own, like the real Bot API: in the
process under test its thread stalls with the worker's (GIL and CPU) and then takes a stall's calls at once,
more in a second than were ever sent in one. The calls are also timed as the worker makes them, after its
limiters. The run ends when no recipient is ``queued`` any more (or at the time-out, N/15 + 120 s by default).

Also measured, since they decide how the send behaves at this size: how long a person who writes to the bot
during the broadcast waits for the answer (a probe every 30 s from a new chat, answered by a stand-in for Rasa:
webhook store, then reply at the stand-in), the longest pause between two arrivals, how long each of the
worker's looks at the inbox takes (``Inbox.waiting``, every 5 s and on each wake), the event loop's lag, how
many outbox rows are in ``sending`` at once (a bulk call is recorded once the rate limiter lets it through, so
it should stay near the bulk lane's size), and the peak RSS.

Run with ``.venv/bin/python bench/bench_broadcast.py [--subscribers N]``: about 23 minutes at 20,000 (the bulk
rate is 15/s), 2 minutes at 2,000. Exits 1 when more than 30 messages
arrived in some second, when a message failed, was sent twice or reached someone who said STOP, when the count
at the stand-in is not the planned recipients minus the skipped ones, or at the time-out.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import resource
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from pathlib import Path
from typing import Any

from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.settings import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT))

TOPIC = "green"
COUNTRIES = ("ES", "RO", "FR", "DE", "EU")  # "EU": Europe-wide consents count for every country
TEXTS = {"en": "New: a workshop on green skills in vocational schools, 15 December. Reply /events to see it.",
         "es": "Nuevo: un taller sobre competencias verdes en la FP, el 15 de diciembre. Responde /events.",
         "ro": "Nou: un atelier despre competențe verzi în școlile profesionale, 15 decembrie. Răspunde /events.",
         "fr": "Nouveau : un atelier sur les compétences vertes en formation professionnelle, le 15 décembre.",
         "de": "Neu: ein Workshop zu grünen Kompetenzen in Berufsschulen am 15. Dezember. Antworte /events."}
FIRST_CHAT = 500_000_000
PROBE_CHAT = 900_000_000  # the chats of the people who write during the broadcast
PROBE_EVERY = 30.0  # seconds between them
PROBE_PATIENCE = 300.0  # seconds a probe waits for its answer
STOP_EVERY = 100  # one subscriber in a hundred says STOP before the broadcast
TELEGRAM_PER_SECOND = 30  # Telegram's limit for a bot, measured here in any one-second window
PROGRESS_EVERY = 30.0  # seconds between progress lines


# -- measuring ------------------------------------------------------------------------------------------------
def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))] if ordered else float("nan")


def busiest(times: list[float], width: float = 1.0) -> int:
    """The most of ``times`` in any window ``[t, t + width)``."""
    return busiest_at(times, width)[0]


def busiest_at(times: list[float], width: float = 1.0) -> tuple[int, float]:
    """``(the most of times in any window [t, t + width), where that window starts)``."""
    ordered, best, start = sorted(times), (0, float("nan")), 0
    for end, at in enumerate(ordered):
        while at - ordered[start] >= width:
            start += 1
        if end - start + 1 > best[0]:
            best = (end - start + 1, ordered[start])
    return best


def windows_over(times: list[float], limit: int, width: float = 1.0) -> int:
    """How many of ``times`` start a window ``[t, t + width)`` holding more than ``limit`` of them."""
    ordered, over, end = sorted(times), 0, 0
    for start, at in enumerate(ordered):
        end = max(end, start)
        while end < len(ordered) and ordered[end] - at < width:
            end += 1
        over += end - start > limit
    return over


def rss_mb() -> float:
    """The process's resident memory now (MB)."""
    with open("/proc/self/statm", encoding="ascii") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


@dataclass
class Arrival:
    perf: float  # time.perf_counter() in the stand-in's thread
    wall: float  # time.time(), to compare with the database's UTC times
    chat: int
    method: str


class Arrivals:
    """Every ``sendMessage`` call the stand-in records, with when it arrived."""

    def __init__(self, api: Any) -> None:
        self.calls: list[Arrival] = []
        self.first: dict[int, float] = {}  # chat -> perf of its first call
        self._lock = threading.Lock()
        api.subscribe(self.record)

    def record(self, call: Any) -> None:
        if call.method.startswith("sendMessage"):
            arrival = Arrival(time.perf_counter(), time.time(), int(call.params.get("chat_id", 0)), call.method)
            with self._lock:
                self.calls.append(arrival)
                self.first.setdefault(arrival.chat, arrival.perf)

    def first_at(self, chat: int) -> float | None:
        with self._lock:
            return self.first.get(chat)

    def __len__(self) -> int:
        with self._lock:
            return len(self.calls)

    def snapshot(self) -> list[Arrival]:
        with self._lock:
            return list(self.calls)


def serve_stand_in(conn: Any) -> None:
    """The child process: the Bot API stand-in and its arrivals, answering ``(kind, *args)`` requests on ``conn``:
    ``first`` (when a chat's first call arrived), ``count``, ``stop`` (every arrival and the stand-in's loop lags)."""
    from tests.standins.servers import TelegramStandIn
    from tests.support.channels import TOKEN

    api = TelegramStandIn(TOKEN).start()
    arrivals, lags = Arrivals(api), []
    lag = asyncio.run_coroutine_threadsafe(watch_lag(lags), api._loop)
    conn.send(api.port)
    while True:
        kind, *args = conn.recv()
        if kind == "first":
            conn.send(arrivals.first_at(args[0]))
        elif kind == "count":
            conn.send(len(arrivals))
        elif kind == "stop":
            lag.cancel()
            conn.send(([(a.perf, a.wall, a.chat, a.method) for a in arrivals.snapshot()], list(lags)))
            break
    api.stop()


class RemoteStandIn:
    """The Telegram Bot API stand-in (``tests.standins.servers.TelegramStandIn``) in a process of its own, with
    the same clock (``perf_counter`` is the system's monotonic clock); its arrivals come back at :meth:`stop`."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=serve_stand_in, args=(child,), daemon=True)
        self._process.start()
        self.port: int = self._conn.recv()
        self._lock = threading.Lock()
        self.calls: list[Arrival] = []
        self.lags: list[tuple[float, float]] = []  # the stand-in's event loop: (perf_counter, seconds late)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def _ask(self, *request: Any) -> Any:
        with self._lock:
            self._conn.send(request)
            return self._conn.recv()

    def first_at(self, chat: int) -> float | None:
        return self._ask("first", chat)

    def __len__(self) -> int:
        return self._ask("count")

    def snapshot(self) -> list[Arrival]:
        return list(self.calls)

    def stop(self) -> None:
        if self._process.is_alive() and not self.calls:
            calls, self.lags = self._ask("stop")
            self.calls = [Arrival(*call) for call in calls]
            self._process.join(10)


@dataclass
class Probe:
    """A person writing to the bot during the broadcast."""

    at: float  # seconds after the task started (negative: before it)
    stored: float  # seconds for the webhook's store (ChannelInput.receive)
    answered: float | None  # seconds until the answer arrived at the stand-in (None: not within PROBE_PATIENCE)


async def probe(channel: Any, arrivals: RemoteStandIn, number: int, since: float) -> Probe:
    """One person's message through the channel, and the wait for the bot's answer."""
    from lmi4vet.inbox import Inbound

    chat, started = PROBE_CHAT + number, time.perf_counter()
    await channel.receive(Inbound("telegram", f"probe-{number}", str(chat), "hola", "es"))
    stored = time.perf_counter() - started
    while time.perf_counter() - started < PROBE_PATIENCE:
        arrived = arrivals.first_at(chat)
        if arrived is not None:
            return Probe(started - since, stored, arrived - started)
        await asyncio.sleep(0.05)
    return Probe(started - since, stored, None)


@dataclass
class Polls:
    """Each of the worker's looks at the inbox (``Inbox.waiting``): seconds and rows read."""

    looks: list[tuple[float, int]] = field(default_factory=list)

    def wrap(self, waiting: Callable[[str, int], list[Any]]) -> Callable[[str, int], list[Any]]:
        def timed(channel: str, after: int = 0) -> list[Any]:
            started = time.perf_counter()
            rows = waiting(channel, after)
            self.looks.append((time.perf_counter() - started, len(rows)))
            return rows

        return timed


class LogCounter(logging.Handler):
    """Counts warnings and errors by logger and message; prints the first few of each kind."""

    def __init__(self, shown: int = 3) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[tuple[str, str]] = Counter()
        self.shown = shown

    def emit(self, record: logging.LogRecord) -> None:
        key = (record.name, str(record.msg))
        self.counts[key] += 1
        if self.counts[key] <= self.shown:
            print(f"  [log {record.levelname.lower()}] {record.name}: {record.getMessage()}", file=sys.stderr,
                  flush=True)


class WakeServer:
    """``POST /webhooks/telegram/wake`` on 127.0.0.1, like the chat server's route: wakes the worker."""

    def __init__(self) -> None:
        self.target: tuple[asyncio.AbstractEventLoop, Any] | None = None
        self.wakes = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                found = self.path == "/webhooks/telegram/wake" and owner.target is not None
                if found and owner.target is not None:
                    loop, worker = owner.target
                    loop.call_soon_threadsafe(worker.wake)
                    owner.wakes += 1
                self.send_response(200 if found else 404)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# -- the subscribers and the broadcast ------------------------------------------------------------------------
def populate(engine: Any, store: Any, subscribers: int, now: datetime) -> tuple[int, set[int], float]:
    """N Telegram subscribers with a consent each (inserted in bulk), one in STOP_EVERY unsubscribed through
    ``consent.unsubscribe``, and a broadcast scheduled now; ``(broadcast id, chats that said STOP, seconds)``."""
    from sqlalchemy import insert

    from lmi4vet.db.engine import session_scope
    from lmi4vet.db.models import ChannelUser
    from lmi4vet.events import audience, consent, dispatch
    from lmi4vet.events.models import Consent, ConsentLog

    started = time.perf_counter()
    users, consents, stops = [], [], []
    for n in range(subscribers):
        chat = FIRST_CHAT + n
        sender = store.sender_id("telegram", str(chat))
        lang = SUPPORTED_LANGUAGES[n % len(SUPPORTED_LANGUAGES)]
        users.append({"sender_id": sender, "channel": "telegram", "address": str(chat), "language_hint": lang,
                      "created_at": now, "last_inbound_at": now})
        consents.append({"sender_id": sender, "topic": TOPIC, "country": COUNTRIES[(n // 7) % len(COUNTRIES)],
                         "opted_in": True, "changed_at": now, "method": "button",
                         "wording_version": consent.WORDING_VERSION, "language": lang})
        if n % STOP_EVERY == STOP_EVERY // 2:
            stops.append((sender, lang, chat))
    with session_scope(engine) as session:
        session.execute(insert(ChannelUser), users)
        session.execute(insert(Consent), consents)
        session.execute(insert(ConsentLog), consents)  # the record of each consent, as set_consent writes it
        for sender, lang, _ in stops:
            consent.unsubscribe(session, sender, "keyword", lang, now)
        broadcast = audience.create_broadcast(session, deployment="default", topic=TOPIC, texts=TEXTS,
                                              created_by="bench", now=now)
        dispatch.schedule(session, broadcast.id, None, now)
        broadcast_id = broadcast.id
    return broadcast_id, {chat for _, _, chat in stops}, time.perf_counter() - started


def run_task(broadcast_id: int) -> tuple[dict[str, int], float, float]:
    """The huey task, run at once in this thread; ``(queued per channel, perf start, perf end)``."""
    from lmi4vet.events import tasks

    started = time.perf_counter()
    queued = tasks.send_broadcast(broadcast_id).get()
    return queued, started, time.perf_counter()


def finish(broadcast_id: int) -> str:
    """The task queue's minute tick (closes what is sent); the broadcast's status after it."""
    from lmi4vet.db.engine import database_url, session_scope, shared_engine
    from lmi4vet.events import tasks
    from lmi4vet.events.models import Broadcast

    tasks.tick()
    with session_scope(shared_engine(database_url())) as session:
        return session.get(Broadcast, broadcast_id).status


@dataclass
class Watch:
    """What the body of the run saw while it waited."""

    task: tuple[dict[str, int], float, float] | None = None
    task_error: str = ""
    timed_out: bool = False
    status: str = ""
    outbox_sending_peak: int = 0
    lags: list[tuple[float, float]] = field(default_factory=list)  # the worker's event loop: (perf, seconds late)
    made: list[tuple[float, int]] = field(default_factory=list)  # when the worker made each call: (perf, chat)
    reference: Probe | None = None  # a person's answer before the broadcast
    probes: list[Probe] = field(default_factory=list)  # during it
    rss_before: float = 0.0
    rss_series: list[tuple[float, float]] = field(default_factory=list)  # (seconds since the start, MB)


def counts(engine: Any, broadcast_id: int) -> tuple[int, int]:
    """``(recipients still queued, outbox rows in sending)``."""
    from sqlalchemy import func, select

    from lmi4vet.db.engine import session_scope
    from lmi4vet.db.models import OutboxMessage
    from lmi4vet.events.models import BroadcastRecipient

    with session_scope(engine) as session:
        queued = session.execute(select(func.count()).select_from(BroadcastRecipient).where(
            BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.status == "queued")).scalar_one()
        sending = session.execute(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status == "sending")).scalar_one()
    return queued, sending


async def watch_lag(lags: list[tuple[float, float]], every: float = 0.1) -> None:
    """How late the running event loop wakes a sleeper, all run long: ``(perf_counter, seconds late)``."""
    loop = asyncio.get_running_loop()
    while True:
        started = loop.time()
        await asyncio.sleep(every)
        lags.append((time.perf_counter(), max(0.0, loop.time() - started - every)))


def worst_lag(lags: list[tuple[float, float]], start: float, end: float) -> float:
    """The longest lag noted between ``start`` and ``end`` (seconds)."""
    return max((late for at, late in lags if start <= at <= end), default=0.0)


def time_the_calls(made: list[tuple[float, int]]) -> None:
    """Note when each Bot API call is made by the worker, after its rate limiters (``bot.telegram.call_bot_api``,
    wrapped for this process only): the rate as sent, beside the rate as received at the stand-in."""
    from bot import telegram as tg

    real = tg.call_bot_api

    async def timed(bot: Any, call: dict[str, Any]) -> str:
        made.append((time.perf_counter(), int(call.get("chat_id", 0))))
        return await real(bot, call)

    tg.call_bot_api = timed


def send(args: argparse.Namespace, var: Path) -> int:
    """Set up, run the broadcast, print the figures; the exit status."""
    from sqlalchemy import select

    from bot import telegram as tg
    from lmi4vet.db.engine import session_scope
    from lmi4vet.db.models import InboxMessage, OutboxMessage
    from lmi4vet.events import audience
    from lmi4vet.events.models import BroadcastRecipient
    from tests.support.channels import run_worker_scenario, telegram_channel

    api = arrivals = RemoteStandIn()
    channel = telegram_channel(var, api)  # migrates var/db.sqlite (lmi4vet.db.engine.upgrade)
    engine = channel.store.engine
    wake_server = WakeServer()
    os.environ.update(RASA_HOST="127.0.0.1", RASA_PORT=str(wake_server.port))
    now = datetime.utcnow()
    broadcast_id, stopped_chats, setup_seconds = populate(engine, channel.store, args.subscribers, now)
    polls = Polls()
    worker = channel.worker
    worker.inbox.waiting = polls.wrap(worker.inbox.waiting)
    watch = Watch(rss_before=rss_mb())
    time_the_calls(watch.made)
    turns: list[str] = []
    probe_chats = range(PROBE_CHAT, PROBE_CHAT + 10_000)
    timeout = args.timeout if args.timeout is not None else args.subscribers / 15 + 120
    print(f"{args.subscribers:,} subscribers set up in {setup_seconds:.1f} s ({len(stopped_chats)} said STOP); "
          f"sending (time-out {timeout:.0f} s) ...", flush=True)

    async def rasa(message: Any) -> None:  # Rasa's stand-in: answers the probes (a broadcast never comes here)
        turns.append(message.sender_id)
        await message.output_channel.send_text_message(message.sender_id, "¡Hola! ¿En qué puedo ayudarte?")

    async def body(worker: Any) -> None:
        loop = asyncio.get_running_loop()
        wake_server.target = (loop, worker)
        lag = asyncio.ensure_future(watch_lag(watch.lags))
        executor = ThreadPoolExecutor(1, thread_name_prefix="huey")
        monitor = ThreadPoolExecutor(1, thread_name_prefix="monitor")  # not behind the worker's own threads
        watch.reference = await probe(channel, arrivals, 0, time.perf_counter())
        started = time.perf_counter()
        task = loop.run_in_executor(executor, run_task, broadcast_id)
        probes: list[asyncio.Future] = []
        next_probe = started + 2.0
        next_report, last_report, last_count = started + PROGRESS_EVERY, started, 0
        try:
            while True:
                queued, sending = await loop.run_in_executor(monitor, counts, engine, broadcast_id)
                watch.outbox_sending_peak = max(watch.outbox_sending_peak, sending)
                clock = time.perf_counter()
                if clock >= next_probe:
                    probes.append(asyncio.ensure_future(probe(channel, arrivals, len(probes) + 1, started)))
                    next_probe += PROBE_EVERY
                if clock >= next_report:
                    arrived, rss = len(arrivals), rss_mb()
                    watch.rss_series.append((clock - started, rss))
                    last = polls.looks[-1] if polls.looks else (0.0, 0)
                    print(f"  {clock - started:6.0f} s  {arrived:>6,} at the stand-in "
                          f"({(arrived - last_count) / (clock - last_report):4.1f}/s)  {queued:>6,} queued  "
                          f"{sending:>6,} outbox sending  looks {len(polls.looks)} (last {last[0]:.2f} s, "
                          f"{last[1]:,} rows)  RSS {rss:.0f} MB", flush=True)
                    next_report, last_report, last_count = clock + PROGRESS_EVERY, clock, arrived
                if task.done() and (queued == 0 or task.exception() is not None):
                    break
                if clock - started > timeout:
                    watch.timed_out = True
                    worker.runner.cancel()
                    break
                await asyncio.sleep(1.0)
            try:
                watch.task = await task
            except Exception as exc:
                watch.task_error = f"{type(exc).__name__}: {exc}"
            watch.probes.extend(await asyncio.gather(*probes))
            await worker.drain()
            watch.status = await loop.run_in_executor(executor, finish, broadcast_id)
        finally:
            lag.cancel()
            for pending in probes:
                pending.cancel()
            executor.shutdown(wait=False)
            monitor.shutdown(wait=False)

    try:
        run_worker_scenario(channel, api, rasa, body)  # stops the stand-in: its arrivals come back
    finally:
        wake_server.stop()
        api.stop()

    # -- the figures ------------------------------------------------------------------------------------------
    with session_scope(engine) as session:
        totals = audience.totals(session, broadcast_id)
        recipients = session.execute(select(BroadcastRecipient.status, BroadcastRecipient.reason,
                                            BroadcastRecipient.sender_id)
                                     .where(BroadcastRecipient.broadcast_id == broadcast_id)).all()
        queued_at = dict(session.execute(select(InboxMessage.address, InboxMessage.received_at).where(
            InboxMessage.kind == "broadcast")).all())
        recorded_at = dict(session.execute(select(InboxMessage.address, OutboxMessage.created_at)
                                           .join(OutboxMessage, OutboxMessage.inbox_id == InboxMessage.id)
                                           .where(InboxMessage.kind == "broadcast")).all())
        stopped_senders = {channel.store.sender_id("telegram", str(chat)) for chat in stopped_chats}
    calls = arrivals.snapshot()
    subscriber_chats = range(FIRST_CHAT, FIRST_CHAT + args.subscribers)
    sends = [c for c in calls if c.method == "sendMessage" and c.chat in subscriber_chats]
    answers = sum(1 for c in calls if c.chat in probe_chats)
    planned = len(recipients)
    skipped = Counter(reason or "" for status, reason, _ in recipients if status == "skipped")
    failed = totals["failed"]
    expected = planned - sum(skipped.values())
    chats = Counter(c.chat for c in sends)
    duplicates = sum(n - 1 for n in chats.values() if n > 1)
    reached_stopped = len(stopped_chats & set(chats))
    planned_stopped = sum(1 for _, _, sender in recipients if sender in stopped_senders)
    per_chat: dict[int, list[float]] = defaultdict(list)
    for c in sends:
        per_chat[c.chat].append(c.perf)
    times = sorted(c.perf for c in calls)
    window_max, window_at = busiest_at(times)
    made_times = [at for at, _ in watch.made]
    made_max, made_at = busiest_at(made_times)
    made_by_chat: dict[int, float] = {}
    for at, chat in watch.made:
        made_by_chat.setdefault(chat, at)
    transit = [c.perf - made_by_chat[c.chat] for c in calls if c.chat in made_by_chat]
    in_window = [c for c in calls if window_at <= c.perf < window_at + 1.0]
    window_made = [made_by_chat[c.chat] for c in in_window if c.chat in made_by_chat]
    worker_lags, stand_in_lags = [late for _, late in watch.lags], [late for _, late in api.lags]
    send_times = sorted(c.perf for c in sends)
    pause, pause_at = max(((b - a, a) for a, b in pairwise(send_times)), default=(0.0, 0.0))
    chat_window_max = max((busiest(t) for t in per_chat.values()), default=0)
    to_arrival = [c.wall - queued_at[str(c.chat)].replace(tzinfo=timezone.utc).timestamp()
                  for c in sends if str(c.chat) in queued_at]
    in_sending = [c.wall - recorded_at[str(c.chat)].replace(tzinfo=timezone.utc).timestamp()
                  for c in sends if str(c.chat) in recorded_at]
    task_start = watch.task[1] if watch.task else float("nan")
    task_end = watch.task[2] if watch.task else float("nan")
    send_span = send_times[-1] - send_times[0] if len(send_times) > 1 else float("nan")
    total = send_times[-1] - task_start if send_times else float("nan")
    during = watch.probes
    waits = [p.answered for p in during if p.answered is not None]
    reference = watch.reference
    look_seconds = [s for s, _ in polls.looks]
    big_looks = [(s, n) for s, n in polls.looks if n >= args.subscribers // 2]

    def rate(limit: tuple[float, float]) -> str:
        burst, period = limit
        return f"{burst:g} per {period:g} s = {burst / period:g}/s, at most {burst + burst / period:g} in any 1 s"

    rows = [
        ("subscribers", f"{args.subscribers:,} on Telegram, 5 languages, consent '{TOPIC}' in "
                        f"{', '.join(COUNTRIES)}; {len(stopped_chats)} said STOP (left out: "
                        f"{'yes' if not planned_stopped and not reached_stopped else 'NO'})"),
        ("recipients planned", f"{planned:,}  (queued by the task: {watch.task[0] if watch.task else '-'})"),
        ("messages at the stand-in", f"{len(sends):,} to {len(chats):,} chats (expected {expected:,}; "
                                     f"duplicates {duplicates}, to STOP'd chats {reached_stopped})"),
        ("skipped", f"{sum(skipped.values())}" + (f"  {dict(skipped)}" if skipped else "")),
        ("failed", f"{failed}  (broadcast status after tick: {watch.status or '-'}; recipient totals {totals})"),
        ("total time", f"{total:.1f} s  (task start -> last arrival)"),
        ("time to queue", f"{task_end - task_start:.1f} s  (send_broadcast: plan + queue; "
                          f"{wake_server.wakes} wakes over HTTP)"),
        ("first arrival", f"{send_times[0] - task_start:.2f} s after the task started" if send_times else "-"),
        ("mean messages/s", f"{(len(send_times) - 1) / send_span:.2f}/s first -> last arrival ({send_span:.1f} s); "
                            f"{len(send_times) / total:.2f}/s over the total time" if len(send_times) > 1 else "-"),
        ("longest pause", f"{pause:.1f} s without an arrival, from {pause_at - task_start:.0f} s after the task "
                          "started"),
        ("max in any 1 s", f"{window_max}  (every sendMessage at the stand-in, answers included; Telegram: "
                           f"{TELEGRAM_PER_SECOND}; bot/telegram.py BULK {rate(tg.BULK)}; OVERALL {rate(tg.OVERALL)})"),
        ("  where, how often", f"from {window_at - task_start:.1f} s after the task started; "
                               f"{windows_over(times, TELEGRAM_PER_SECOND)} arrivals start a 1-s window of more "
                               f"than {TELEGRAM_PER_SECOND}, {windows_over(times, 24)} of more than 24"),
        ("  as made by the worker", f"max {made_max} in any 1 s (from {made_at - task_start:.1f} s), "
                                    f"{windows_over(made_times, TELEGRAM_PER_SECOND)} windows over "
                                    f"{TELEGRAM_PER_SECOND}: the calls as they leave the limiters, {len(watch.made):,}"
                                    " made"),
        ("  made -> arrival", f"p50 {percentile(transit, 50) * 1000:.0f} ms  p99 {percentile(transit, 99) * 1000:.0f} "
                              f"ms  max {max(transit, default=float('nan')) * 1000:.0f} ms; the busiest second's "
                              f"{len(in_window)} were made over "
                              f"{(max(window_made) - min(window_made)) if window_made else float('nan'):.2f} s; "
                              "longest lag in the 3 s before it: worker "
                              f"{worst_lag(watch.lags, window_at - 3, window_at + 1) * 1000:.0f} ms, stand-in "
                              f"{worst_lag(api.lags, window_at - 3, window_at + 1) * 1000:.0f} ms"),
        ("max per chat in any 1 s", f"{chat_window_max}  (CHAT {rate(tg.CHAT)})"),
        ("queued -> arrival", f"p50 {percentile(to_arrival, 50):.1f} s  p95 {percentile(to_arrival, 95):.1f} s  "
                              f"max {max(to_arrival, default=float('nan')):.1f} s"),
        ("outbox 'sending' -> arrival", f"p50 {percentile(in_sending, 50):.1f} s  p95 "
                                        f"{percentile(in_sending, 95):.1f} s  max "
                                        f"{max(in_sending, default=float('nan')):.1f} s; peak rows in "
                                        f"'sending' {watch.outbox_sending_peak:,} (sampled each second)"),
        ("worker's inbox looks", f"{len(polls.looks)}, {sum(n for _, n in polls.looks):,} rows read, "
                                 f"{sum(look_seconds):.1f} s in all; p50 {percentile(look_seconds, 50):.2f} s "
                                 f"max {max(look_seconds, default=0):.2f} s; {len(big_looks)} read >= "
                                 f"{args.subscribers // 2:,} rows (mean "
                                 f"{sum(s for s, _ in big_looks) / max(len(big_looks), 1):.2f} s)"),
        ("event loop lag", f"worker p50 {percentile(worker_lags, 50) * 1000:.0f} ms  p99 "
                           f"{percentile(worker_lags, 99) * 1000:.0f} ms  max "
                           f"{max(worker_lags, default=0) * 1000:.0f} ms; stand-in (own process) p99 "
                           f"{percentile(stand_in_lags, 99) * 1000:.0f} ms  max "
                           f"{max(stand_in_lags, default=0) * 1000:.0f} ms"),
        ("peak RSS", f"{peak_rss_mb():.0f} MB  (before sending {watch.rss_before:.0f} MB"
                     + (f"; during: {', '.join(f'{mb:.0f}' for _, mb in watch.rss_series[::4])} MB" if
                        watch.rss_series else "") + ")"),
        ("a person's answer", (f"before the broadcast {reference.answered or float('nan'):.2f} s; " if reference
                                else "") + f"during it ({len(during)} probe(s), one each {PROBE_EVERY:.0f} s): p50 "
                               f"{percentile(waits, 50):.1f} s  max {max(waits, default=float('nan')):.1f} s, "
                               f"{len(during) - len(waits)} unanswered in {PROBE_PATIENCE:.0f} s; webhook store p50 "
                               f"{percentile([p.stored for p in during], 50):.2f} s max "
                               f"{max((p.stored for p in during), default=float('nan')):.2f} s"),
        ("Rasa turns", f"{len(turns)} for {len(watch.probes) + (reference is not None)} probe(s), {answers} "
                       "answer(s) sent  (a broadcast "
                       "goes to nobody's conversation)"),
    ]
    print(f"\nbroadcast {broadcast_id} to {args.subscribers:,} subscribers through the Telegram worker -> Bot API "
          "stand-in:")
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"   {label:<{width}}  {value}")

    problems = []
    if watch.timed_out:
        problems.append(f"timed out after {timeout:.0f} s")
    if watch.task_error:
        problems.append(f"the task failed: {watch.task_error}")
    if window_max > TELEGRAM_PER_SECOND:
        problems.append(f"{window_max} messages in one second (over {TELEGRAM_PER_SECOND})")
    if failed:
        problems.append(f"{failed} failed")
    if len(sends) != expected:
        problems.append(f"{len(sends)} at the stand-in, expected {expected}")
    if duplicates:
        problems.append(f"{duplicates} sent twice")
    if reached_stopped or planned_stopped:
        problems.append(f"STOP not respected ({planned_stopped} planned, {reached_stopped} reached)")
    if len(turns) != len(watch.probes) + (reference is not None):
        problems.append(f"{len(turns)} message(s) went to Rasa for {len(watch.probes) + 1} probe(s)")
    print("OK" if not problems else "FAILED: " + "; ".join(problems), flush=True)
    return 1 if problems else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=20_000, help="how many (default 20,000)")
    parser.add_argument("--timeout", type=float, default=None, help="seconds (default N/15 + 120)")
    args = parser.parse_args()
    if args.subscribers < 1:
        parser.error("--subscribers must be at least 1")
    counter = LogCounter()
    logging.getLogger().addHandler(counter)
    with tempfile.TemporaryDirectory(prefix="bench-broadcast-") as scratch:
        var = Path(scratch)
        # before lmi4vet.events.tasks is imported: its huey runs each task at once, in the calling thread
        os.environ.update(TASK_QUEUE_URL="memory", LMI4VET_VAR_DIR=str(var),
                          DATABASE_URL=f"sqlite:///{var / 'db.sqlite'}")
        status = send(args, var)
    if counter.counts:
        print("warnings and errors logged:", flush=True)
        for (name, message), count in counter.counts.most_common(10):
            print(f"   {count:>6}  {name}: {message[:100]}")
    sys.exit(status)


if __name__ == "__main__":
    main()
