"""What the Telegram and WhatsApp connectors share: one inbound message shape, per-user ordering, and the
hand-over to Rasa with a localized apology when processing fails."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage

from lmi4vet.i18n import normalise_language, t

logger = logging.getLogger(__name__)

# Telegram commands and the intents they stand for.
COMMANDS = {"start": "/greet", "help": "/help", "menu": "/help", "language": "/choose_language",
            "forget": "/forget_me"}
MEDIA_PAYLOAD = "/out_of_scope"  # with metadata {"media": kind}: answered by action_fallback


def setting_reader(credentials: dict[str, Any] | None) -> Callable[..., str]:
    """``value(key, ENV, default)``: a channel setting from credentials.yml, else the environment."""
    given = credentials or {}

    def value(key: str, env: str, default: str = "") -> str:
        return str(given.get(key) or os.environ.get(env, default) or default).strip()

    return value


@dataclass
class Inbound:
    """One message from a person, ready for Rasa."""

    sender_id: str
    text: str
    language_hint: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


class OrderedDispatcher:
    """Runs each user's messages one after another in arrival order; different users run in parallel."""

    def __init__(self) -> None:
        self._tails: dict[str, asyncio.Task] = {}

    def submit(self, key: str, work: Callable[[], Awaitable[None]]) -> asyncio.Task:
        previous = self._tails.get(key)

        async def run() -> None:
            if previous is not None:
                with suppress(Exception):
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
        """Wait for everything submitted so far (used on shutdown and by tests)."""
        while self._tails:
            await asyncio.gather(*list(self._tails.values()), return_exceptions=True)


async def hand_over(
    inbound: Inbound,
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    output: OutputChannel,
    channel: str,
) -> None:
    """Give one message to Rasa; if that fails, apologise in the user's (hinted) language."""
    metadata = dict(inbound.metadata)
    if inbound.language_hint:
        metadata["language_hint"] = inbound.language_hint
    message = UserMessage(inbound.text, output, inbound.sender_id, input_channel=channel, metadata=metadata)
    try:
        await on_new_message(message)
    except Exception:
        logger.exception("%s: processing a message of %s failed", channel, inbound.sender_id[:8])
        with suppress(Exception):
            lang = normalise_language(inbound.language_hint)
            await output.send_text_message(inbound.sender_id, t(lang, "errors.generic"), language=lang)


class ChannelInput(InputChannel):
    """What our connectors share: a name, settings read from credentials.yml or the environment, the channel
    store (made on first use, inside the server), and per-user ordering."""

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
        self.dispatcher = OrderedDispatcher()

    @property
    def store(self) -> Any:
        if self._store is None:
            from bot.store import ChannelStore

            self._store = ChannelStore(redis_url=self.settings.redis_url)
        return self._store
