"""What the Telegram and WhatsApp connectors share: settings, input hygiene, and the one path of a message:
webhook -> durable inbox (:mod:`lmi4vet.inbox`) -> acknowledgement -> worker (:mod:`bot.worker`) -> Rasa ->
replies through the outbox (:mod:`bot.delivery`) -> provider API.

A subclass says how to reach its provider: :meth:`ChannelInput.deliver` makes one provider call (raising
:class:`bot.delivery.Blocked`, ``Rejected`` or ``Transient``), :meth:`ChannelInput.output_for` builds the
Rasa output channel of one turn, and :meth:`ChannelInput.text_call` turns a plain text into a provider call.
"""

from __future__ import annotations

import asyncio
import logging
import os
from abc import abstractmethod
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import datetime
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sqlalchemy.exc import SQLAlchemyError

from bot.delivery import UNCERTAIN, Turn
from bot.worker import InboxWorker
from lmi4vet.i18n import normalise_language, t
from lmi4vet.inbox import Inbound, Inbox, Spool, Stored
from lmi4vet.settings import Settings

logger = logging.getLogger(__name__)

# Telegram commands and the intents they stand for.
COMMANDS = {"start": "/greet", "help": "/help", "menu": "/help", "language": "/choose_language",
            "forget": "/forget_me", "human": "/request_human", "end": "/handoff_end", "events": "/ask_events",
            "microcredential": "/design_microcredential", "employers": "/ask_employer_engagement",
            "preferences": '/manage_preferences{"via":"command"}',
            "stop": '/manage_preferences{"opt":"stop","via":"command"}'}
MEDIA_PAYLOAD = "/out_of_scope"  # with metadata {"media": kind}: answered by action_fallback
TEXT_LIMIT = 4096  # longer messages are cut: no person types more, and NLU time grows with length
BODY_LIMIT = 256 * 1024  # webhook bodies above this get 413


def setting_reader(credentials: dict[str, Any] | None) -> Callable[..., str]:
    """``value(key, ENV, default)``: a channel setting from credentials.yml, else the environment."""
    given = credentials or {}

    def value(key: str, env: str, default: str = "") -> str:
        return str(given.get(key) or os.environ.get(env, default) or default).strip()

    return value


def clean_text(text: str, limit: int = TEXT_LIMIT) -> str:
    """A user's text made safe to store: no NUL bytes, no lone surrogates, at most ``limit`` characters."""
    text = text.replace("\x00", "")
    text = text.encode("utf-8", "replace").decode("utf-8")
    return text[:limit].strip()


def clean_hint(value: Any) -> str | None:
    """A language hint as the provider gave it, if it looks like one (``"de"``, ``"pt-br"``)."""
    if isinstance(value, str) and 2 <= len(value) <= 8 and value.replace("-", "").isalpha():
        return value.lower()
    return None


class ChannelInput(InputChannel):
    """What our connectors share: a name, settings read from credentials.yml or the environment, the channel
    store and the inbox (made on first use, inside the server), and the worker that answers."""

    CHANNEL = ""
    SETTINGS: Any = None  # a settings class with ``load(credentials)`` and a ``redis_url`` field

    @classmethod
    def name(cls) -> str:
        return cls.CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> ChannelInput:
        return cls(cls.SETTINGS.load(credentials))

    def __init__(self, settings: Any, store: Any = None) -> None:
        self.settings = settings
        self._store = store
        self._worker: InboxWorker | None = None
        self._spooled: set[str] = set()

    @property
    def store(self) -> Any:
        if self._store is None:
            from bot.store import ChannelStore

            self._store = ChannelStore(redis_url=self.settings.redis_url)
        return self._store

    @property
    def worker(self) -> InboxWorker:
        if self._worker is None:
            runtime = Settings.from_env()
            self._worker = InboxWorker(
                self.CHANNEL, Inbox(self.store.engine), Spool(runtime.spool_dir / f"{self.CHANNEL}.jsonl"),
                self.deliver, self.output_for, lambda message, text: self.text_call(message.address, text),
                self.store.sender_id, apology_after=runtime.apology_after, turn_timeout=runtime.turn_timeout,
                reconcile=self.reconcile, action_health_url=runtime.action_url.rsplit("/", 1)[0] + "/health",
                pace_bulk=self.pace_bulk)
        return self._worker

    # -- what each channel provides --------------------------------------------------------------------------
    @abstractmethod
    async def deliver(self, call: dict[str, Any]) -> str:
        """Make one provider call; return the provider's message id."""

    async def pace_bulk(self, call: dict[str, Any]) -> None:
        """Wait until a bulk send (a broadcast, a reminder) may make ``call`` within the channel's bulk rate
        limits (no wait by default); the call then goes through :meth:`deliver` like any other."""

    @abstractmethod
    def output_for(self, message: Stored, turn: Turn) -> OutputChannel:
        """The output channel for the turn answering ``message``."""

    @abstractmethod
    def text_call(self, address: str, text: str) -> dict[str, Any]:
        """The provider call that sends ``text`` to ``address``."""

    async def reconcile(self, call: dict[str, Any], since: datetime) -> list[str] | str:
        """Whether a call cut short by a crash reached the provider: the ids of the provider's messages that
        could be it (none: it did not arrive), or :data:`bot.delivery.UNCERTAIN` (the provider cannot tell;
        the default)."""
        return UNCERTAIN

    # -- the path of a message -------------------------------------------------------------------------------
    async def receive(self, message: Inbound) -> str:
        """Store a message durably and queue it for an answer; only then may the webhook acknowledge it.

        Returns ``stored``, ``duplicate`` (this delivery id was stored before) or ``spooled`` (the database
        is unreachable: the message went to the local spool and the person is told we answer soon).
        """
        sender_id = self.store.sender_id(self.CHANNEL, message.address)
        try:
            inbox_id = await asyncio.to_thread(self.worker.inbox.accept, message, sender_id)
        except SQLAlchemyError as exc:
            logger.error("%s: the database is unreachable (%s); message spooled", self.CHANNEL,
                         type(exc).__name__)
            if message.delivery_id in self._spooled:
                return "duplicate"
            await asyncio.to_thread(self.worker.spool.append, message)
            self._spooled.add(message.delivery_id)
            self.worker.spooled()
            text = t(normalise_language(message.language_hint), "errors.database_wait")
            with suppress(Exception):
                await self.deliver(self.text_call(message.address, text))
            return "spooled"
        if inbox_id is None:
            return "duplicate"
        self.worker.submit(inbox_id, sender_id)
        return "stored"

    def add_lifecycle(self, blueprint: Blueprint, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                      on_start: Callable[[], Awaitable[Any]] | None = None,
                      on_stop: Callable[[], Awaitable[Any]] | None = None) -> None:
        """Start the worker with the server (picking up unfinished messages) and stop it before the server;
        ``POST <channel>/wake`` makes it look for rows the console queued (it carries nothing: anyone may)."""

        @blueprint.listener("after_server_start")
        async def start(app: Any, loop: Any) -> None:
            if on_start is not None:
                await on_start()
            await self.worker.start(on_new_message, resume=lambda sender_id: resume_conversation(app, sender_id))

        @blueprint.route("/wake", methods=["POST"])
        async def wake(_: Any) -> Any:
            self.worker.wake()
            return response.json({"ok": True})

        add_download_routes(blueprint, self.store.engine)

        @blueprint.listener("before_server_stop")
        async def stop(app: Any, loop: Any) -> None:
            await self.worker.stop()
            if on_stop is not None:
                with suppress(Exception):
                    await on_stop()


async def resume_conversation(app: Any, sender_id: str) -> None:
    """Append ``ConversationResumed`` to a paused tracker (what Rasa's ``POST /conversations/<id>/tracker/events``
    does, under the same lock), then ``action_listen``: the pause cut the turn short before the bot listened,
    and the rules of the next message expect it."""
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecuted, ConversationResumed

    agent = app.ctx.agent
    async with agent.lock_store.lock(sender_id):
        tracker = await agent.processor.fetch_tracker_with_initial_session(sender_id)
        if tracker.is_paused():
            tracker.update(ConversationResumed(), agent.domain)
            tracker.update(ActionExecuted(ACTION_LISTEN_NAME), agent.domain)
            await agent.tracker_store.save(tracker)


def add_download_routes(blueprint: Blueprint, engine: Any) -> None:
    """Files behind unguessable, expiring links, for channels that cannot receive them (WhatsApp, the local
    chat): ``GET <channel>/calendar/<token>?lang=de`` (an event's .ics) and ``GET <channel>/microcred/<token>``
    (a micro-credential draft's PDF, ELM JSON-LD or Open Badges file) and ``GET <channel>/employer/<token>`` (a
    self-assessment's chart, shown inline: WhatsApp fetches it as media, or its PDF); 404 once the link has
    expired."""

    @blueprint.route("/calendar/<token>", methods=["GET"])
    async def calendar(request: Any, token: str) -> Any:
        found = await asyncio.to_thread(calendar_file, engine, token, request.args.get("lang", ""))
        if found is None:
            return response.text("This calendar link has expired or does not exist.", status=404)
        body, name = found
        return _download(body, name, "text/calendar; charset=utf-8")

    @blueprint.route("/microcred/<token>", methods=["GET"])
    async def microcred(_: Any, token: str) -> Any:
        found = await asyncio.to_thread(microcred_file, engine, token)
        if found is None:
            return response.text("This link has expired, or the draft was deleted.", status=404)
        return _download(found.body, found.filename, found.content_type)

    @blueprint.route("/employer/<token>", methods=["GET"])
    async def employer(_: Any, token: str) -> Any:
        found = await asyncio.to_thread(employer_file, engine, token)
        if found is None:
            return response.text("This link has expired, or the assessment was deleted.", status=404)
        return _download(found.body, found.filename, found.content_type,
                         inline=found.content_type.startswith("image/"))


def _download(body: bytes, name: str, content_type: str, *, inline: bool = False) -> Any:
    disposition = f'{"inline" if inline else "attachment"}; filename="{name}"'
    return response.raw(body, content_type=content_type,
                        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})


def employer_file(engine: Any, token: str) -> Any:
    """The chart or PDF behind a self-assessment link (:class:`lmi4vet.links.File`), made from the assessment as
    it is now; None when the link is unknown or expired or the assessment is gone."""
    from lmi4vet.db.engine import session_scope
    from lmi4vet.employer.files import linked_file

    with session_scope(engine) as session:
        return linked_file(session, token, datetime.utcnow())


def microcred_file(engine: Any, token: str) -> Any:
    """The export behind a micro-credential link (:class:`lmi4vet.links.File`), made from the draft as
    it is now; None when the link is unknown or expired or the draft is gone."""
    from lmi4vet.db.engine import session_scope
    from lmi4vet.microcred.files import render, resolve_link

    now = datetime.utcnow()
    with session_scope(engine) as session:
        found = resolve_link(session, token, now)
        if found is None:
            return None
        draft, fmt = found
        try:
            return render(draft, fmt, now=now)
        except ValueError:  # the draft was changed since and cannot be exported any more
            return None


def calendar_file(engine: Any, token: str, lang: str) -> tuple[bytes, str] | None:
    """``(ics bytes, file name)`` of the event behind a calendar link, in ``lang`` when it is one of ours (else
    the event's own language); None when the link is unknown or expired."""
    from lmi4vet import SUPPORTED_LANGUAGES
    from lmi4vet.db.engine import session_scope
    from lmi4vet.events.calendar import filename, ics, resolve_link

    now = datetime.utcnow()
    with session_scope(engine) as session:
        event = resolve_link(session, token, now)
        if event is None:
            return None
        return ics(event, lang if lang in SUPPORTED_LANGUAGES else event.language, now), filename(event)
