"""Sending replies: one policy for provider errors, and the ledger that makes a retried turn send nothing twice.

Each channel turns its provider's errors into one of three kinds (like RapidPro's courier does):

- :class:`Blocked`: the person blocked the bot or unsubscribed (Telegram 403, Twilio 21610). The contact is
  marked stopped and nothing more is sent until they write again.
- :class:`Rejected`: any other 4xx. Logged once; the reply is kept as failed, for review.
- :class:`Transient`: 5xx, network errors, and 429 (with the provider's ``retry_after``). Retried with
  backoff; what still fails stays pending in the outbox and is retried later.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from lmi4vet.inbox import FAILED, PENDING, SENDING, SENT, SKIPPED, Inbox, Stored

logger = logging.getLogger(__name__)

RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)  # seconds between attempts after a 5xx or a network error
MAX_RETRY_AFTER = 60.0  # a 429 asking for longer than this is treated as a failure for now
MAX_THROTTLED = 5  # 429s in a row before the call is left pending


class SendError(Exception):
    """A provider refused or failed a call."""


class Blocked(SendError):
    """The person blocked the bot or unsubscribed."""


class Rejected(SendError):
    """The provider refused this call for good (a 4xx other than 429)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code} {detail}".strip())
        self.code = code


class Transient(SendError):
    """Try again later: a 5xx, a network error, or a 429 with ``retry_after`` seconds."""

    def __init__(self, detail: str, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


Deliver = Callable[[dict[str, Any]], Awaitable[str]]  # makes one provider call, returns the provider's id
UNCERTAIN = "?"  # what a reconciler answers when the provider cannot tell whether a call arrived
# Asks the provider whether a call cut short by a crash arrived: the ids of its messages that could be that
# call (oldest first; none: it did not arrive), or UNCERTAIN.
Reconcile = Callable[[dict[str, Any], datetime], Awaitable["list[str] | str"]]
Sleep = Callable[[float], Awaitable[Any]]
Pace = Callable[[dict[str, Any]], Awaitable[None]]  # waits until a call may be made (a bulk send's rate limits)


async def send_with_policy(deliver: Deliver, call: dict[str, Any], sleep: Sleep = asyncio.sleep) -> str:
    """Make one provider call, waiting out 429s and retrying transient errors with backoff."""
    failures = throttled = 0
    while True:
        try:
            return await deliver(call)
        except Transient as exc:
            if exc.retry_after is not None:
                throttled += 1
                if throttled > MAX_THROTTLED or exc.retry_after > MAX_RETRY_AFTER:
                    raise
                logger.warning("rate limited by the provider, waiting %.1f s", exc.retry_after)
                await sleep(exc.retry_after)
                continue
            if failures >= len(RETRY_DELAYS):
                raise
            await sleep(RETRY_DELAYS[failures])
            failures += 1


class Turn:
    """The provider calls answering one inbox message, numbered in order (``seq``).

    Every call is written to the outbox (``sending``) right before it is made and marked sent with the
    provider's id after, so a turn run again (after a crash) skips the calls that went out already. A call
    still ``sending`` from a process that died during it is ambiguous: the channel's ``reconcile`` asks the
    provider whether it arrived (Twilio can list the messages sent); where the provider cannot tell
    (Telegram), it is not made again and is recorded as sent, uncertain: a crash then risks one lost chunk
    in a window of a millisecond instead of a duplicate in the whole round trip. Notices of our own (an
    apology, a "the database is down" message) use negative numbers, so they never shift the turn's own
    numbering.
    """

    def __init__(self, inbox: Inbox, message: Stored, deliver: Deliver, sleep: Sleep = asyncio.sleep,
                 reconcile: Reconcile | None = None, pace: Pace | None = None) -> None:
        self.inbox = inbox
        self.message = message
        self.deliver = deliver
        # A bulk send waits for its rate limits BEFORE its call is recorded as "sending": a crash then leaves
        # at most the calls on the wire uncertain, not every call waiting for its turn.
        self.pace = pace
        self.sleep = sleep
        self.reconcile = reconcile
        self.seq = 0  # calls of this turn so far (made now, or before a restart)
        self.pending = 0  # calls left pending after transient failures
        self.stopped = False
        self.failed = False
        self.first_reply = asyncio.Event()
        self._noticed: set[int] = set()
        self._ledger: dict[int, tuple[str, datetime]] | None = None

    async def _before(self, seq: int) -> tuple[str, datetime] | None:
        """How an earlier attempt left call ``seq`` (``None``: not recorded)."""
        if self._ledger is None:
            self._ledger = await asyncio.to_thread(self.inbox.ledger, self.message.id)
        return self._ledger.get(seq)

    async def send(self, call: dict[str, Any]) -> None:
        """Make the turn's next call (or skip it if an earlier attempt made it)."""
        self.seq += 1
        self.first_reply.set()
        await self._send(self.seq, call)

    async def notice(self, number: int, call: dict[str, Any]) -> None:
        """Send one of our own notices (``number`` >= 1), at most once per message."""
        self._noticed.add(-number)
        await self._send(-number, call)

    @property
    def replies(self) -> int:
        """How many calls this turn has made (notices do not count)."""
        return self.seq

    async def _send(self, seq: int, call: dict[str, Any]) -> None:
        before = await self._before(seq)
        if before is not None and before[0] in (SENT, FAILED, SKIPPED):
            return
        if before is not None and before[0] == SENDING and await self._settled(seq, call, before[1]):
            return
        message = self.message
        if self.pace is not None:
            await self.pace(call)
        await asyncio.to_thread(self.inbox.record_call, message.id, message.sender_id, seq, call)
        if self.stopped:
            await asyncio.to_thread(self.inbox.finish_call, message.id, seq, SKIPPED, None, "contact stopped")
            return
        await self._attempt(seq, call)

    async def _attempt(self, seq: int, call: dict[str, Any]) -> str:
        """One call under the policy; returns its outbox status."""
        message = self.message
        try:
            provider_id = await send_with_policy(self._deliver_once_paced(), call, self.sleep)
        except Blocked as exc:
            logger.warning("%s: contact %s stopped (%s)", message.channel, message.sender_id[:8], exc)
            self.stopped = True
            await asyncio.to_thread(self.inbox.stop_contact, message.sender_id, str(exc) or "blocked")
            await asyncio.to_thread(self.inbox.finish_call, message.id, seq, SKIPPED, None, str(exc))
            return SKIPPED
        except Rejected as exc:
            logger.error("%s: the provider refused a reply to %s (%s); kept as failed", message.channel,
                         message.sender_id[:8], exc)
            self.failed = True
            await asyncio.to_thread(self.inbox.finish_call, message.id, seq, FAILED, None, str(exc))
            return FAILED
        except Transient as exc:
            logger.warning("%s: a reply to %s stays pending (%s)", message.channel, message.sender_id[:8], exc)
            self.pending += 1
            await asyncio.to_thread(self.inbox.finish_call, message.id, seq, PENDING, None, str(exc))
            return PENDING
        except Exception as exc:  # a bug of ours or an unexpected answer: kept as failed, for review
            logger.exception("%s: sending a reply to %s failed unexpectedly", message.channel, message.sender_id[:8])
            self.failed = True
            await asyncio.to_thread(self.inbox.finish_call, message.id, seq, FAILED, None, type(exc).__name__)
            return FAILED
        await asyncio.to_thread(self.inbox.finish_call, message.id, seq, SENT, provider_id)
        return SENT

    def _deliver_once_paced(self) -> Deliver:
        """What the policy calls for one call: paced again before each retry (the first try was paced before
        the call was recorded)."""
        if self.pace is None:
            return self.deliver
        tries = 0

        async def deliver(call: dict[str, Any]) -> str:
            nonlocal tries
            tries += 1
            if tries > 1:
                await self.pace(call)
            return await self.deliver(call)

        return deliver

    async def flush(self) -> int:
        """Retry the calls of this message still pending in the outbox; return how many remain pending."""
        self.pending = 0
        if await asyncio.to_thread(self.inbox.is_stopped, self.message.sender_id):
            self.stopped = True
        for seq, call, status, created_at in await asyncio.to_thread(self.inbox.unsent, self.message.id):
            if seq < 0 and seq not in self._noticed:  # a notice of an earlier attempt: stale now
                await asyncio.to_thread(self.inbox.finish_call, self.message.id, seq, SKIPPED, None, "stale notice")
                continue
            if status == SENDING and await self._settled(seq, call, created_at):
                continue
            if self.stopped:
                await asyncio.to_thread(self.inbox.finish_call, self.message.id, seq, SKIPPED, None,
                                        "contact stopped")
                continue
            if self.pace is not None:
                await self.pace(call)
            await asyncio.to_thread(self.inbox.record_call, self.message.id, self.message.sender_id, seq, call)
            await self._attempt(seq, call)
        return self.pending

    async def _settled(self, seq: int, call: dict[str, Any], since: datetime) -> bool:
        """Settle a call an earlier process was making when it died: True if it is settled (it arrived, or
        nobody can tell), False if it did not arrive and must be made."""
        answer = UNCERTAIN
        if self.reconcile is not None:
            try:
                answer = await self.reconcile(call, since)
            except Exception:
                logger.exception("%s: could not ask the provider about an interrupted reply", self.message.channel)
        if answer != UNCERTAIN:
            free = [pid for pid in answer if not await asyncio.to_thread(self.inbox.owns_provider_id, pid)]
            if not free:
                return False  # it did not arrive: make it
            answer = free[0]
        if answer == UNCERTAIN:
            logger.warning("%s: a reply to %s was being sent when the process stopped; not sent again "
                           "(the provider cannot tell whether it arrived)", self.message.channel,
                           self.message.sender_id[:8])
            await asyncio.to_thread(self.inbox.finish_call, self.message.id, seq, SENT, None,
                                    "uncertain: interrupted by a restart, not sent again")
        else:
            await asyncio.to_thread(self.inbox.finish_call, self.message.id, seq, SENT, answer,
                                    "interrupted by a restart; the provider has it")
        return True
