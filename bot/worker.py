"""The inbox worker: takes stored messages to Rasa one user at a time and makes sure each gets one answer.

For each message (in arrival order per user, users in parallel):

1. If an earlier attempt got as far as Rasa saving the turn (the tracker holds a user event with the
   message's id), only the replies still pending in the outbox are sent.
2. Otherwise the message goes to Rasa with an output channel whose calls go through a :class:`Turn`, so a
   retried turn skips what was sent before the crash.
3. No reply within ``apology_after`` seconds and the action server does not answer its health check (it is
   hanging): a localized "this is taking longer"; if it answers (just busy), that notice waits 5x longer.
   A turn that ends without any reply gets the apology too. A turn Rasa cannot run at all (its tracker
   store is down) stays in the inbox and is retried with backoff, after one "we'll answer soon" notice.
4. The message is marked done once every reply went out (or failed for good, or the contact is stopped);
   replies left pending after transient provider errors are retried later.

Human handoff (:mod:`lmi4vet.handoff`): while the person has an open ticket, their messages go to the ticket
instead of Rasa (paused by the action that opened it), and the bot says nothing (safeguarding words still get
the emergency number). An adviser's reply is an inbox row of kind ``agent``: sent through the channel like a
reply, in order with the person's messages (on WhatsApp outside the 24-hour window a template goes instead and
the text follows when they write). Closing the ticket queues a row of kind ``resume``: the tracker gets
``ConversationResumed`` and the bot answers ``/handoff_resumed`` with a recap and the menu. The console wakes
the worker (``wake``) after each; it also looks for new rows every few seconds.

Broadcasts (:mod:`lmi4vet.events`): the task queue puts one row of kind ``broadcast`` per recipient into the
inbox; the worker checks right before sending that it is still wanted (not interrupted, no STOP since, not
blocked), sends it within the channel's rate limits for bulk sends (``pace_bulk``), and records the result
per recipient. On WhatsApp outside the window the broadcast's template goes instead, or nothing. Reminders
before an event and the feedback question after it (rows of kind ``reminder``, with buttons) go the same way,
checked by :func:`lmi4vet.events.reminders.still_due`.

On start the worker picks up everything not done, and moves messages spooled during a database outage into
the inbox.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import datetime
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from sqlalchemy.exc import SQLAlchemyError

from bot.delivery import Deliver, Pace, Reconcile, Turn
from lmi4vet.db.engine import session_scope
from lmi4vet.employer import reminders as employer_reminders
from lmi4vet.events import dispatch, reminders
from lmi4vet.events.audience import OUTSIDE_WINDOW
from lmi4vet.handoff import tickets
from lmi4vet.i18n import normalise_language, t
from lmi4vet.inbox import AGENT, ANSWERED, DONE, RESUME, Inbound, Inbox, Spool, Stored, mark
from lmi4vet.marketplace import notify as marketplace_notify
from lmi4vet.privacy import tracker_has_message

logger = logging.getLogger(__name__)

SLOW_NOTICE, NO_REPLY_NOTICE, WAIT_NOTICE, SAFEGUARDING_NOTICE = 1, 2, 3, 4  # notice numbers (see Turn.notice)
RETRY_BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)  # seconds between attempts of a turn Rasa could not run
FLUSH_BACKOFF = (5.0, 15.0, 60.0, 300.0, 900.0)  # seconds between retries of replies left pending
HEALTH_TIMEOUT = 0.5  # seconds the action server's health check may take
POLL_INTERVAL = 5.0  # seconds between looks for rows the console queued without waking the worker
# Most looks read only rows newer than the newest one seen; every FULL_LOOK_EVERY-th reads them all again (a
# row committed late with a lower id, a message whose work ended with an error and that is still not done).
FULL_LOOK_EVERY = 12
BUSY_PATIENCE = 5  # with the action server healthy (just busy), the "taking longer" notice waits 5x longer
# Broadcast messages and reminders worked on at once: about a second of Telegram's limit. The rest wait in
# the inbox (not as 20,000 tasks that flood the event loop and the database threads people's answers need).
BULK_LANE = 24
BULK_KINDS = (dispatch.BROADCAST, reminders.REMINDER)

MakeOutput = Callable[[Stored, Turn], OutputChannel]
Resume = Callable[[str], Awaitable[None]]  # gives a paused conversation back to the bot (ConversationResumed)
NoticeCall = Callable[[Stored, str], dict[str, Any]]  # (message, text) -> a provider call


class OrderedRunner:
    """Runs each key's jobs one after another in submission order; different keys run in parallel."""

    def __init__(self) -> None:
        self._tails: dict[str, asyncio.Task] = {}

    def submit(self, key: str, work: Callable[[], Awaitable[None]]) -> asyncio.Task:
        previous = self._tails.get(key)

        async def run() -> None:
            if previous is not None:
                with suppress(Exception, asyncio.CancelledError):
                    await previous
            try:
                await work()
            finally:
                if self._tails.get(key) is task:
                    del self._tails[key]

        task = asyncio.ensure_future(run())
        self._tails[key] = task
        return task

    async def drain(self) -> None:
        """Wait for everything submitted so far."""
        while self._tails:
            await asyncio.gather(*list(self._tails.values()), return_exceptions=True)

    def cancel(self) -> None:
        for task in list(self._tails.values()):
            task.cancel()


class InboxWorker:
    """Processes one channel's inbox (see the module docstring)."""

    def __init__(self, channel: str, inbox: Inbox, spool: Spool, deliver: Deliver, make_output: MakeOutput,
                 notice_call: NoticeCall, sender_of: Callable[[str, str], str], apology_after: float = 2.0,
                 turn_timeout: float = 120.0, reconcile: Reconcile | None = None,
                 action_health_url: str = "", pace_bulk: Pace | None = None) -> None:
        self.channel = channel
        self.inbox = inbox
        self.spool = spool
        self.deliver = deliver
        self.pace_bulk = pace_bulk  # bulk sends wait for the channel's bulk rate limits first
        self.make_output = make_output
        self.notice_call = notice_call
        self.sender_of = sender_of  # (channel, address) -> the pseudonymous sender id
        self.reconcile = reconcile
        self.action_health_url = action_health_url
        self.apology_after = apology_after
        self.turn_timeout = turn_timeout
        self.runner = OrderedRunner()
        self.on_new_message: Callable[[UserMessage], Awaitable[Any]] | None = None
        self.resume: Resume | None = None
        self._wake = asyncio.Event()
        self._poller: asyncio.Task | None = None
        self._background: set[asyncio.Task] = set()
        self._spool_task: asyncio.Task | None = None
        self._noticed: set[tuple[int, int]] = set()
        self._queued: set[int] = set()
        self._seen = 0  # the newest inbox id a look has submitted
        self._looks = 0
        self._started = asyncio.Event()
        self._bulk_queue: asyncio.Queue[int] = asyncio.Queue()
        self._bulk_lane: list[asyncio.Task] = []

    # -- lifecycle -------------------------------------------------------------------------------------------
    async def start(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], resume: Resume | None = None) -> int:
        """Pick up every unfinished message (and the spool); return how many were picked up."""
        self.on_new_message = on_new_message
        self.resume = resume or self.resume
        self._started.set()
        if self._poller is None:
            self._poller = asyncio.ensure_future(self._poll_loop())
        if not self._bulk_lane:
            self._bulk_lane = [asyncio.ensure_future(self._bulk_loop()) for _ in range(BULK_LANE)]
        count = 0
        try:
            await self.drain_spool()
            count = await self._submit_unfinished(full=True)
        except SQLAlchemyError:
            logger.exception("%s: the inbox cannot be read at start-up; retrying in the background", self.channel)
            self._later(5.0, self._restart_pickup)
        if count:
            logger.info("%s: picked up %d unfinished message(s) from the inbox", self.channel, count)
        return count

    async def _restart_pickup(self) -> None:
        if self.on_new_message is not None:
            await self.start(self.on_new_message)

    async def stop(self) -> None:
        """Finish what is running (unfinished messages stay in the inbox for the next start)."""
        if self._poller is not None:
            self._poller.cancel()
        if self._spool_task is not None:
            self._spool_task.cancel()
        for task in [*self._background, *self._bulk_lane]:
            task.cancel()
        self._bulk_lane = []
        await self.runner.drain()
        while not self._bulk_queue.empty():  # not started: they stay in the inbox for the next start
            self._queued.discard(self._bulk_queue.get_nowait())
            self._bulk_queue.task_done()

    def submit(self, inbox_id: int, sender_id: str, bulk: bool = False) -> None:
        """Queue a stored message behind the sender's earlier ones (once, however often it is submitted); a
        bulk message (a broadcast's, a reminder) goes to the bulk lane instead, outside the sender's order."""
        if inbox_id in self._queued:
            return
        self._queued.add(inbox_id)
        if bulk:
            self._bulk_queue.put_nowait(inbox_id)
            return

        async def work() -> None:
            try:
                await self._started.wait()
                await self.process(inbox_id)
            finally:
                self._queued.discard(inbox_id)

        self.runner.submit(sender_id, work)

    async def _submit_unfinished(self, full: bool) -> int:
        """Submit the messages of the inbox not done yet (bulk ones to the bulk lane): all of them (``full``)
        or those newer than the newest one seen; how many were read."""
        waiting = await asyncio.to_thread(self.inbox.waiting, self.channel, 0 if full else self._seen)
        for inbox_id, sender_id, kind in waiting:
            self.submit(inbox_id, sender_id, bulk=kind in BULK_KINDS)
            self._seen = max(self._seen, inbox_id)
        return len(waiting)

    async def _bulk_loop(self) -> None:
        """One of the bulk lane's workers: broadcast messages and reminders, one at a time, oldest first."""
        await self._started.wait()
        while True:
            inbox_id = await self._bulk_queue.get()
            try:
                await self.process(inbox_id)
            except Exception:
                logger.exception("%s: bulk message %d failed; it stays in the inbox", self.channel, inbox_id)
            finally:
                self._queued.discard(inbox_id)
                self._bulk_queue.task_done()

    async def drain(self) -> None:
        """Wait until everything submitted so far is handled: the senders' queues and the bulk lane."""
        await self.runner.drain()
        await self._bulk_queue.join()

    def wake(self) -> None:
        """Look for new rows in the inbox now (the console queued an adviser's reply or a resume)."""
        self._wake.set()

    async def _poll_loop(self) -> None:
        while True:
            with suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=POLL_INTERVAL)
            self._wake.clear()
            self._looks += 1
            try:
                await self._submit_unfinished(full=self._looks % FULL_LOOK_EVERY == 0)
            except SQLAlchemyError:
                logger.warning("%s: the inbox cannot be read; looking again in %.0f s", self.channel, POLL_INTERVAL)

    def _later(self, delay: float, job: Callable[[], Awaitable[Any]]) -> None:
        async def run() -> None:
            await asyncio.sleep(delay)
            await job()

        task = asyncio.ensure_future(run())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- the database is down --------------------------------------------------------------------------------
    def spooled(self) -> None:
        """A message went to the spool: keep trying to move it into the inbox."""
        if self._spool_task is None or self._spool_task.done():
            self._spool_task = asyncio.ensure_future(self._spool_loop())

    async def _spool_loop(self) -> None:
        delay = 1.0
        while await asyncio.to_thread(len, self.spool):
            await asyncio.sleep(delay)
            with suppress(SQLAlchemyError):
                await self.drain_spool()
            delay = min(delay * 2, 10.0)

    async def drain_spool(self) -> None:
        stored: list[tuple[int, str]] = []

        def store(message: Inbound) -> None:
            sender_id = self.sender_of(message.channel, message.address)
            inbox_id = self.inbox.accept(message, sender_id)
            if inbox_id is not None:
                stored.append((inbox_id, sender_id))

        await asyncio.to_thread(self.spool.drain, store)
        for inbox_id, sender_id in stored:
            self.submit(inbox_id, sender_id)

    # -- one message -----------------------------------------------------------------------------------------
    async def process(self, inbox_id: int) -> None:
        """Handle one stored message until it is done; while Rasa or the database cannot, retry with backoff
        (the sender's later messages wait behind it, so their order holds)."""
        for attempt in range(10_000):
            try:
                if await self._process_once(inbox_id):
                    return
            except SQLAlchemyError:
                logger.warning("%s: database error on message %d; retrying", self.channel, inbox_id)
            await asyncio.sleep(RETRY_BACKOFF[min(attempt, len(RETRY_BACKOFF) - 1)])

    async def _process_once(self, inbox_id: int) -> bool:
        message = await asyncio.to_thread(self.inbox.get, inbox_id)
        if message is None or message.status == DONE:
            return True  # erased, or handled already
        if message.kind in (dispatch.BROADCAST, reminders.REMINDER):
            await self._send_bulk(message, Turn(self.inbox, message, self.deliver, reconcile=self.reconcile,
                                                pace=self.pace_bulk))
            return True
        turn = Turn(self.inbox, message, self.deliver, reconcile=self.reconcile)
        if message.kind == AGENT:
            await self._send_adviser_reply(message, turn)
            return True
        if message.kind != RESUME and message.status != ANSWERED:
            said = await asyncio.to_thread(self._keyword, message)
            if said:
                await turn.send(self.notice_call(message, said))
                await self._finish(message, turn, "keyword")
                return True
            relayed = await asyncio.to_thread(self._relay, message)
            if relayed is not None:
                await self._relayed(message, turn, relayed)
                return True
        if message.kind == RESUME and message.status != ANSWERED and self.resume is not None:
            await self.resume(message.sender_id)  # raises while Rasa's tracker store is down: retried
        if message.status == ANSWERED or (
                message.attempts and await asyncio.to_thread(tracker_has_message, message.sender_id,
                                                             message.message_id)):
            await self._finish(message, turn, "answered")
            return True
        await asyncio.to_thread(self.inbox.begin_attempt, message.id)
        try:
            outcome = await self._run_turn(message, turn)
        except SQLAlchemyError:
            outcome = None
        if outcome is None:  # Rasa could not run the turn (its tracker store or our database is down)
            await self._notice(message, turn, WAIT_NOTICE, "errors.database_wait")
            return False
        await asyncio.to_thread(self.inbox.mark, message.id, ANSWERED, outcome)
        await self._finish(message, turn, outcome)
        if message.kind == RESUME:
            await asyncio.to_thread(self._with_session, tickets.mark_resumed, message.meta.get("ticket"))
        return True

    # -- human handoff ---------------------------------------------------------------------------------------
    def _with_session(self, function: Callable[..., Any], *args: Any) -> Any:
        with session_scope(self.inbox.engine) as session:
            return function(session, *args)

    def _keyword(self, message: Stored) -> str:
        """STOP / START (and their words in five languages) as the whole message: unsubscribe or resubscribe
        at once, marked answered in the same transaction; returns the confirmation to send ("" = not a
        keyword, or a START from someone not unsubscribed: Rasa answers it)."""
        from lmi4vet.events import consent

        found = consent.keyword(message.text, prefer=normalise_language(message.language_hint))
        if found is None:
            return ""
        kind, language = found
        with session_scope(self.inbox.engine) as session:
            change = consent.unsubscribe if kind == "stop" else consent.resubscribe
            if not change(session, message.sender_id, "keyword", language, datetime.utcnow()) and kind == "start":
                return ""
            mark(session, message.id, ANSWERED, "keyword")
        return t(language, "updates.stopped" if kind == "stop" else "updates.started")

    def _relay(self, message: Stored) -> tickets.Relayed | None:
        return self._with_session(tickets.relay_from_user, message.sender_id, message.id, message.text)

    async def _relayed(self, message: Stored, turn: Turn, relayed: tickets.Relayed) -> None:
        """A message went to the person's ticket: the bot stays silent, except for the emergency number when
        it shows safeguarding words; adviser replies held by WhatsApp's window follow now."""
        if relayed.risk is not None:
            await self._notice(message, turn, SAFEGUARDING_NOTICE, f"handoff.safeguarding_{relayed.risk.category}",
                               language=relayed.language)
        for inbox_id in relayed.released:
            self.submit(inbox_id, message.sender_id)
        await self._finish(message, turn, "ended" if relayed.ended else "relayed")

    async def _send_bulk(self, message: Stored, turn: Turn) -> None:
        """A broadcast message, a reminder or a follow-up, if still wanted (see :func:`_why_not`); a broadcast's
        result goes to its recipient's row."""
        why = "" if message.status == ANSWERED else await asyncio.to_thread(self._with_session, _why_not, message)
        if why:
            await asyncio.to_thread(self.inbox.mark, message.id, DONE, "skipped")
            await asyncio.to_thread(self._with_session, _record, message, "skipped", why)
            return
        await asyncio.to_thread(self.inbox.mark, message.id, ANSWERED, message.kind)
        output = await self._send_text(message, turn)
        held, by_template = bool(getattr(output, "held", False)), bool(getattr(output, "template_sent", False))
        final = await self._finish(message, turn, "sent" if (by_template or not held) else "skipped")
        reason = "template" if by_template and final == "sent" else \
            (OUTSIDE_WINDOW if final == "skipped" else "")
        await asyncio.to_thread(self._with_session, _record, message, final, reason)

    async def _send_text(self, message: Stored, turn: Turn) -> OutputChannel:
        """A queued text (an adviser's reply, a broadcast, a reminder with its buttons) through the channel's
        output, split and escaped like any reply; the output's ``held`` / ``template_sent`` tell what WhatsApp's
        window made of it."""
        output = self.make_output(message, turn)
        buttons = message.meta.get("buttons") or []
        if buttons:
            await output.send_text_with_buttons(message.sender_id, message.text, buttons,
                                                language=message.language_hint)
        else:
            await output.send_text_message(message.sender_id, message.text, language=message.language_hint)
        return output

    async def _send_adviser_reply(self, message: Stored, turn: Turn) -> None:
        """Send an adviser's reply through the channel; its ticket message gets the outcome."""
        output = await self._send_text(message, turn)
        held = bool(getattr(output, "held", False))
        final = await self._finish(message, turn, "held" if held else "sent")
        await asyncio.to_thread(self._with_session, tickets.delivered, message.meta.get("ticket_message"), final)

    async def _run_turn(self, message: Stored, turn: Turn) -> str | None:
        """Hand the message to Rasa; returns the outcome, or ``None`` if Rasa failed before saving the turn."""
        assert self.on_new_message is not None, "start() first"
        metadata = dict(message.meta)
        if message.language_hint:
            metadata["language_hint"] = message.language_hint
        user_message = UserMessage(message.text, self.make_output(message, turn), message.sender_id,
                                   input_channel=self.channel, message_id=message.message_id, metadata=metadata)
        rasa_turn = asyncio.ensure_future(self.on_new_message(user_message))
        first = asyncio.ensure_future(turn.first_reply.wait())
        try:
            started = asyncio.get_running_loop().time()
            probe = min(HEALTH_TIMEOUT, self.apology_after / 2)
            await asyncio.wait({rasa_turn, first}, timeout=self.apology_after - probe,
                               return_when=asyncio.FIRST_COMPLETED)
            healthy = not rasa_turn.done() and turn.replies == 0 and await self._action_server_answers(probe)
            left = self.apology_after - (asyncio.get_running_loop().time() - started)
            if left > 0 and not rasa_turn.done() and turn.replies == 0:
                await asyncio.wait({rasa_turn, first}, timeout=left, return_when=asyncio.FIRST_COMPLETED)
            if not rasa_turn.done() and turn.replies == 0 and healthy:
                # only busy (many people at once): say so only if it lasts
                await asyncio.wait({rasa_turn, first}, timeout=self.apology_after * (BUSY_PATIENCE - 1),
                                   return_when=asyncio.FIRST_COMPLETED)
            if not rasa_turn.done() and turn.replies == 0:
                await self._notice(message, turn, SLOW_NOTICE, "errors.slow")
            await asyncio.wait_for(rasa_turn, timeout=self.turn_timeout)
        except asyncio.TimeoutError:
            logger.error("%s: Rasa took longer than %.0f s for message %d; given up", self.channel,
                         self.turn_timeout, message.id)
            await self._notice(message, turn, NO_REPLY_NOTICE, "errors.unavailable")
            return "timeout"
        except Exception:
            logger.exception("%s: Rasa failed on message %d", self.channel, message.id)
            return None
        finally:
            first.cancel()
        if turn.replies == 0 and not turn.stopped:
            await self._notice(message, turn, NO_REPLY_NOTICE, "errors.unavailable")
            return "apology"
        return "answered"

    async def _action_server_answers(self, within: float) -> bool:
        """Whether the action server answers its health check ``within`` seconds (then a slow turn is load, not
        a fault)."""
        if not self.action_health_url:
            return False
        import aiohttp

        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=within)) as session, \
                    session.get(self.action_health_url) as response:
                return response.status == 200
        except (aiohttp.ClientError, asyncio.TimeoutError):
            return False

    async def _notice(self, message: Stored, turn: Turn, number: int, key: str, language: str | None = None) -> None:
        """One of our notices, at most once per message (recorded in the outbox when the database answers)."""
        if (message.id, number) in self._noticed:
            return
        call = self.notice_call(message, t(normalise_language(language or message.language_hint), key))
        try:
            await turn.notice(number, call)
        except SQLAlchemyError:
            with suppress(Exception):  # the database is down: say it without recording it
                await self.deliver(call)
        self._noticed.add((message.id, number))

    async def _finish(self, message: Stored, turn: Turn, outcome: str) -> str:
        """Send what is still pending (retrying with backoff), then mark the message done; returns how it
        ended (``outcome``, or stopped / failed)."""
        remaining = await turn.flush()
        for delay in FLUSH_BACKOFF:
            if not remaining or turn.stopped:
                break
            await asyncio.sleep(delay)
            remaining = await turn.flush()
        if remaining:
            await asyncio.to_thread(self.inbox.give_up, message.id)
        final = "stopped" if turn.stopped else "failed" if (turn.failed or remaining) else outcome
        await asyncio.to_thread(self.inbox.mark, message.id, DONE, final)
        return final


def _why_not(session: Any, message: Stored) -> str:
    """Why a queued broadcast message or reminder (of an event, of the employer-engagement self-assessment, a
    marketplace notice) should not go out now ("" = it should)."""
    if message.kind == dispatch.BROADCAST:
        return dispatch.still_wanted(session, message.meta.get("recipient"))
    if message.meta.get("what") == employer_reminders.WHAT:
        return employer_reminders.still_due(session, message.meta.get("assessment"), datetime.utcnow())
    if message.meta.get("what") == marketplace_notify.WHAT:
        return marketplace_notify.still_due(session, message.meta.get("request"), message.sender_id)
    return reminders.still_due(session, message.meta.get("registration"), message.meta.get("what", ""),
                               datetime.utcnow())


def _record(session: Any, message: Stored, outcome: str, reason: str) -> None:
    """A broadcast message's result on its recipient's row (a reminder's stays in the inbox's outcome)."""
    if message.kind == dispatch.BROADCAST:
        dispatch.record(session, message.meta.get("recipient"), outcome, reason, datetime.utcnow())
