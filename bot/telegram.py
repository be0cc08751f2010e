"""Telegram channel (python-telegram-bot 22) as a Rasa connector: ``/webhooks/telegram/webhook``.

Webhook mode checks Telegram's ``X-Telegram-Bot-Api-Secret-Token`` header in constant time; polling mode
(no public URL) fetches updates itself. Texts, button taps (always answered with answerCallbackQuery) and the
commands /start /help /language /forget go to Rasa; stickers, photos, voice and locations get a polite answer;
edited messages and other updates are acknowledged and ignored. Every update_id is handled once.
"""

from __future__ import annotations

import asyncio
import hmac
import html
import json
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

from bot.common import COMMANDS, MEDIA_PAYLOAD, ChannelInput, Inbound, hand_over, setting_reader
from bot.store import ChannelStore
from bot.text import split_message

logger = logging.getLogger(__name__)
CHANNEL = "telegram"
TEXT_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64  # bytes
MEDIA_KINDS = ("sticker", "photo", "voice", "audio", "video", "video_note", "document", "location", "contact",
               "animation", "venue", "poll", "dice")
MAX_RETRIES = 3


@dataclass(frozen=True)
class TelegramSettings:
    """From credentials.yml, else environment variables (see README, "Telegram")."""

    token: str
    secret_token: str = ""
    public_url: str = ""  # https://your.host (the webhook is <public_url>/webhooks/telegram/webhook)
    api_base_url: str = "https://api.telegram.org/bot"
    mode: str = "webhook"  # webhook | polling
    redis_url: str = ""

    @classmethod
    def load(cls, credentials: dict[str, Any] | None) -> TelegramSettings:
        value = setting_reader(credentials)
        settings = cls(
            token=value("token", "TELEGRAM_TOKEN"),
            secret_token=value("secret_token", "TELEGRAM_SECRET_TOKEN"),
            public_url=value("public_url", "TELEGRAM_PUBLIC_URL").rstrip("/"),
            api_base_url=value("api_base_url", "TELEGRAM_API_BASE_URL", "https://api.telegram.org/bot"),
            mode=value("mode", "TELEGRAM_MODE", "webhook").lower(),
            redis_url=value("redis_url", "CHANNEL_REDIS_URL"),
        )
        if not settings.token:
            raise ValueError("Telegram needs TELEGRAM_TOKEN (the token from BotFather)")
        if settings.mode not in ("webhook", "polling"):
            raise ValueError("TELEGRAM_MODE must be 'webhook' or 'polling'")
        if settings.mode == "webhook" and not settings.secret_token:
            raise ValueError("Telegram webhook mode needs TELEGRAM_SECRET_TOKEN (1-256 characters A-Z a-z 0-9 _ -)")
        return settings


def make_bot(settings: TelegramSettings) -> Bot:
    """A python-telegram-bot ``Bot`` talking to the configured Bot API (or a local stand-in)."""
    request = HTTPXRequest(connection_pool_size=32, read_timeout=30, connect_timeout=10)
    return Bot(settings.token, base_url=settings.api_base_url, request=request,
               get_updates_request=HTTPXRequest(read_timeout=40))


def retry_delay(exc: RetryAfter) -> float:
    """Seconds Telegram asks us to wait (python-telegram-bot gives an int or a timedelta)."""
    value = exc.retry_after
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


async def with_retries(call: Callable[[], Awaitable[Any]]) -> Any:
    """Run a Bot API call; on 429 wait ``retry_after`` seconds and retry, likewise once on network errors."""
    for attempt in range(MAX_RETRIES + 1):
        try:
            return await call()
        except RetryAfter as exc:
            if attempt == MAX_RETRIES:
                raise
            delay = retry_delay(exc)
            logger.warning("telegram: rate limited, retrying in %.1f s", delay)
            await asyncio.sleep(delay)
        except NetworkError:
            if attempt >= 1:
                raise
            await asyncio.sleep(0.5)
    return None


class TelegramOutput(OutputChannel):
    """Sends replies: long texts split in order, quick replies as inline keyboards."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(self, bot: Bot, store: ChannelStore) -> None:
        self.bot = bot
        self.store = store

    async def _chat_id(self, recipient_id: str) -> str | None:
        address = await asyncio.to_thread(self.store.address_of, recipient_id)
        if address is None or address.channel != CHANNEL:
            logger.error("telegram: no chat known for %s", recipient_id[:8])
            return None
        return address.address

    async def _callback_data(self, payload: str) -> str:
        if len(payload.encode()) <= CALLBACK_DATA_LIMIT:
            return payload
        return await asyncio.to_thread(self.store.short_key, payload)

    async def _send(self, recipient_id: str, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        chat_id = await self._chat_id(recipient_id)
        if chat_id is None:
            return
        chunks = split_message(text, TEXT_LIMIT - 96)  # room for HTML escapes
        for number, chunk in enumerate(chunks, start=1):
            last = number == len(chunks)
            await with_retries(lambda c=chunk, m=(markup if last else None): self.bot.send_message(
                chat_id, html.escape(c, quote=False), parse_mode="HTML", reply_markup=m,
                disable_web_page_preview=True))

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send(recipient_id, text)

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]],
                                     **kwargs: Any) -> None:
        rows = [[InlineKeyboardButton(str(b.get("title", ""))[:64],
                                      callback_data=await self._callback_data(str(b.get("payload", ""))))]
                for b in buttons]
        await self._send(recipient_id, text, InlineKeyboardMarkup(rows) if rows else None)

    async def send_quick_replies(self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]],
                                 **kwargs: Any) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies, **kwargs)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._send(recipient_id, image)


def parse_update(update: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """``(kind, parts)`` of a Telegram update: message, command, callback, media, or ignore."""
    if "callback_query" in update:
        query = update["callback_query"]
        chat = ((query.get("message") or {}).get("chat") or {}).get("id") or (query.get("from") or {}).get("id")
        return "callback", {"id": query.get("id"), "chat": chat, "data": query.get("data") or "",
                            "lang": (query.get("from") or {}).get("language_code")}
    message = update.get("message")
    if not isinstance(message, dict):
        return "ignore", {}  # edited_message, channel_post, my_chat_member, poll_answer, ...
    chat = (message.get("chat") or {}).get("id")
    lang = (message.get("from") or {}).get("language_code")
    if chat is None:
        return "ignore", {}
    text = message.get("text")
    if isinstance(text, str) and text.strip():
        stripped = text.strip()
        if stripped.startswith("/"):
            command = stripped[1:].split()[0].split("@")[0].lower()
            return "command", {"chat": chat, "lang": lang, "command": command, "text": stripped}
        return "message", {"chat": chat, "lang": lang, "text": stripped}
    kind = next((k for k in MEDIA_KINDS if k in message), "empty")
    return "media", {"chat": chat, "lang": lang, "media": kind}


class TelegramInput(ChannelInput):
    """Rasa input channel for Telegram (see the module docstring)."""

    CHANNEL = CHANNEL
    SETTINGS = TelegramSettings

    def __init__(self, settings: TelegramSettings, store: ChannelStore | None = None, bot: Bot | None = None) -> None:
        super().__init__(settings, store)
        self.bot = bot or make_bot(settings)
        self._poller: asyncio.Task | None = None

    def get_output_channel(self) -> OutputChannel:
        return TelegramOutput(self.bot, self.store)

    async def handle_update(self, update: dict[str, Any],
                            on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> str:
        """Process one update (from the webhook or from polling); returns what was done, for logs and tests."""
        update_id = update.get("update_id")
        if not isinstance(update_id, int):
            return "invalid"
        kind, parts = parse_update(update)
        if kind == "callback" and parts.get("id"):
            with suppress(TelegramError):
                await with_retries(lambda: self.bot.answer_callback_query(parts["id"]))
        if kind == "ignore" or parts.get("chat") is None:
            seen = await asyncio.to_thread(self.store.first_delivery, CHANNEL, str(update_id))
            return "ignored" if seen else "duplicate"
        sender_id = await asyncio.to_thread(self.store.accept, CHANNEL, str(update_id), str(parts["chat"]),
                                            parts.get("lang"))
        if sender_id is None:
            return "duplicate"
        text, metadata = await self._text_for(kind, parts)
        if text is None:
            return "ignored"
        inbound = Inbound(sender_id, text, parts.get("lang"), metadata)
        output = self.get_output_channel()
        self.dispatcher.submit(sender_id, lambda: hand_over(inbound, on_new_message, output, CHANNEL))
        return kind

    async def _text_for(self, kind: str, parts: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
        if kind == "message":
            return parts["text"], {}
        if kind == "command":
            command = parts["command"]
            return COMMANDS.get(command, parts["text"].lstrip("/")), {}
        if kind == "callback":
            data = parts["data"]
            payload = await asyncio.to_thread(self.store.payload_for, data) if data.startswith("k:") else data
            return (payload if payload and payload.startswith("/") else None), {}
        return MEDIA_PAYLOAD, {"media": parts["media"]}

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = Blueprint("telegram_webhook", __name__)
        settings = self.settings

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "mode": settings.mode})

        @blueprint.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
            if settings.mode != "webhook" or not hmac.compare_digest(given.encode(), settings.secret_token.encode()):
                return response.json({"ok": False, "error": "forbidden"}, status=403)
            try:
                update = json.loads(request.body or b"")
            except (ValueError, UnicodeDecodeError):
                return response.json({"ok": False, "error": "malformed JSON"}, status=400)
            if not isinstance(update, dict):
                return response.json({"ok": False, "error": "an update is a JSON object"}, status=400)
            outcome = await self.handle_update(update, on_new_message)
            return response.json({"ok": True, "outcome": outcome})

        @blueprint.listener("after_server_start")
        async def start(app: Any, loop: Any) -> None:
            await self.bot.initialize()
            if settings.mode == "polling":
                await self.bot.delete_webhook()
                self._poller = asyncio.ensure_future(self._poll(on_new_message))
            elif settings.public_url:
                await self.bot.set_webhook(f"{settings.public_url}/webhooks/telegram/webhook",
                                           secret_token=settings.secret_token,
                                           allowed_updates=["message", "edited_message", "callback_query"])

        @blueprint.listener("before_server_stop")
        async def stop(app: Any, loop: Any) -> None:
            if self._poller is not None:
                self._poller.cancel()
                with suppress(asyncio.CancelledError):
                    await self._poller
            await self.dispatcher.drain()
            with suppress(Exception):
                await self.bot.shutdown()

        return blueprint

    async def _poll(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        """Long polling: fetch updates and handle them like webhook deliveries."""
        offset = None
        while True:
            try:
                updates = await self.bot.get_updates(offset=offset, timeout=30,
                                                     allowed_updates=["message", "edited_message", "callback_query"])
            except RetryAfter as exc:
                await asyncio.sleep(retry_delay(exc))
                continue
            except TelegramError:
                logger.warning("telegram: polling failed, retrying in 5 s")
                await asyncio.sleep(5)
                continue
            for update in updates:
                offset = update.update_id + 1
                await self.handle_update(update.to_dict(), on_new_message)
