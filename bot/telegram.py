"""Telegram channel (python-telegram-bot 22) as a Rasa connector: ``/webhooks/telegram/webhook``.

Webhook mode checks Telegram's ``X-Telegram-Bot-Api-Secret-Token`` header in constant time; polling mode
(no public URL) fetches updates itself. Texts, button taps (always answered with answerCallbackQuery) and the
commands /start /help /language /forget go to Rasa; stickers, photos, voice and locations get a polite answer;
edited messages and other updates are acknowledged and ignored. Every update_id is handled once.

Replies: texts (split at 4,096 characters, HTML-escaped) with inline keyboards for quick replies; an action's
``{"document": {...}}`` as sendDocument and ``{"photo": {...}}`` as sendPhoto (base64 file, caption up to 1,024
characters); an image URL as sendPhoto with the URL (Telegram fetches it).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import html
import json
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from aiolimiter import AsyncLimiter
from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.request import HTTPXRequest

from bot.common import (
    BODY_LIMIT,
    COMMANDS,
    MEDIA_PAYLOAD,
    ChannelInput,
    clean_hint,
    clean_text,
    setting_reader,
)
from bot.delivery import Blocked, Rejected, Transient, Turn
from bot.store import ChannelStore
from bot.text import split_message
from lmi4vet.inbox import Inbound, Stored

logger = logging.getLogger(__name__)
# httpx logs every request URL at INFO, and a Bot API URL holds the bot's token: keep it out of the logs.
logging.getLogger("httpx").setLevel(logging.WARNING)
CHANNEL = "telegram"
TEXT_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64  # bytes
# Telegram's limits: about 30 messages a second overall, and one a second in a chat (short bursts are allowed).
# Leaky buckets of (burst, seconds per burst): at most burst + rate in any one second. Overall 25/s with bursts
# of 5 (never over 30 in a second as the requests are made); bulk sends (broadcasts, reminders) 15/s with bursts
# of 3, so that answers to people always have room and a busy moment (the event loop late by a few hundred ms,
# which bunches requests on the wire) still stays under 30 in any second where Telegram counts: the benchmark
# measured 38 in one second at 20/s with bursts of 4 on a loaded machine. Per chat, bulk sends burst 3 then 1 a
# second.
OVERALL, BULK, CHAT = (5, 0.2), (3, 0.2), (3, 3.0)
MEDIA_KINDS = ("sticker", "photo", "voice", "audio", "video", "video_note", "document", "location", "contact",
               "animation", "venue", "poll", "dice")


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


# The recorded media calls: the Bot API method, the field holding the file, and the Bot method that sends it.
MEDIA_METHODS = {"sendDocument": ("document", "send_document"), "sendPhoto": ("photo", "send_photo")}


def _media_file(call: dict[str, Any], field: str) -> bytes | str:
    """A recorded media call's file: the bytes of its base64 ``<field>``, else its ``<field>_url`` (a URL that
    Telegram fetches itself)."""
    if field in call:
        return base64.b64decode(call[field])
    return str(call[f"{field}_url"])


async def call_bot_api(bot: Bot, call: dict[str, Any]) -> str:
    """Make one recorded ``sendMessage``, ``sendDocument`` or ``sendPhoto`` call; map Telegram's errors onto the
    delivery policy's kinds."""
    markup = call.get("reply_markup")
    media = MEDIA_METHODS.get(call.get("method", ""))
    try:
        if media is not None:
            field, send = media
            sent = await getattr(bot, send)(
                call["chat_id"], _media_file(call, field), filename=call.get("filename"),
                caption=call.get("caption") or None, parse_mode=call.get("parse_mode"))
        else:
            sent = await bot.send_message(
                call["chat_id"], call["text"], parse_mode=call.get("parse_mode"),
                reply_markup=InlineKeyboardMarkup.de_json(markup, bot) if markup else None,
                disable_web_page_preview=True)
    except RetryAfter as exc:
        raise Transient(str(exc), retry_after=retry_delay(exc)) from exc
    except Forbidden as exc:  # "bot was blocked by the user", "user is deactivated"
        raise Blocked(f"telegram 403: {exc.message}") from exc
    except (BadRequest, InvalidToken, ChatMigrated) as exc:  # BadRequest is a NetworkError: test it first
        raise Rejected("telegram 4xx", exc.message) from exc
    except NetworkError as exc:  # 5xx, time-outs, connection errors
        raise Transient(f"telegram: {exc.message}") from exc
    except TelegramError as exc:
        raise Rejected("telegram", exc.message) from exc
    return str(sent.message_id)


class TelegramOutput(OutputChannel):
    """Sends the replies of one turn: long texts split in order, quick replies as inline keyboards; every
    Bot API call goes through the turn's ledger."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(self, store: ChannelStore, message: Stored, turn: Turn) -> None:
        self.store = store
        self.message = message
        self.turn = turn

    async def _callback_data(self, payload: str) -> str:
        if len(payload.encode()) <= CALLBACK_DATA_LIMIT:
            return payload
        return await asyncio.to_thread(self.store.short_key, payload)

    async def _send(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        chunks = split_message(text, TEXT_LIMIT - 96)  # room for HTML escapes
        for number, chunk in enumerate(chunks, start=1):
            last = number == len(chunks)
            await self.turn.send(text_call(self.message.address, chunk,
                                           markup.to_dict() if (markup is not None and last) else None))

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send(text)

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]],
                                     **kwargs: Any) -> None:
        rows = [[InlineKeyboardButton(str(b.get("title", ""))[:64],
                                      callback_data=await self._callback_data(str(b.get("payload", ""))))]
                for b in buttons]
        await self._send(text, InlineKeyboardMarkup(rows) if rows else None)

    async def send_quick_replies(self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]],
                                 **kwargs: Any) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies, **kwargs)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        """An image by its public URL, as ``sendPhoto`` (Telegram fetches it)."""
        await self.turn.send(photo_url_call(self.message.address, image))

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """A file from an action, ``{"document" | "photo": {"filename", "content_base64", "caption"}}`` (a
        calendar file, a chart), as ``sendDocument`` or ``sendPhoto``; anything else (no such file, a file
        that is not base64) is not ours to send and is logged."""
        message = json_message if isinstance(json_message, dict) else {}
        for kind, make_call in (("document", document_call), ("photo", photo_call)):
            file = message.get(kind)
            if isinstance(file, dict) and file.get("filename") and _is_base64(file.get("content_base64")):
                await self.turn.send(make_call(self.message.address, str(file["filename"]),
                                               str(file["content_base64"]), str(file.get("caption") or "")))
                return
        logger.warning("telegram: custom message without a document or photo, not sent: %s", sorted(message))


def _is_base64(value: Any) -> bool:
    """Non-empty, valid base64."""
    if not isinstance(value, str) or not value:
        return False
    try:
        return bool(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError):
        return False


def text_call(chat_id: str, text: str, markup: dict[str, Any] | None = None) -> dict[str, Any]:
    """A ``sendMessage`` call (HTML-escaped text), as the outbox records it."""
    call: dict[str, Any] = {"method": "sendMessage", "chat_id": chat_id, "text": html.escape(text, quote=False),
                            "parse_mode": "HTML"}
    if markup:
        call["reply_markup"] = markup
    return call


def _media_call(method: str, chat_id: str, file: dict[str, str], caption: str) -> dict[str, Any]:
    """A ``sendDocument`` or ``sendPhoto`` call with its file fields and caption (at most 1,024 characters,
    HTML-escaped)."""
    call: dict[str, Any] = {"method": method, "chat_id": chat_id, **file}
    if caption:
        call["caption"], call["parse_mode"] = html.escape(caption[:1024], quote=False), "HTML"
    return call


def document_call(chat_id: str, filename: str, content_base64: str, caption: str = "") -> dict[str, Any]:
    """A ``sendDocument`` call (the file as base64, so that the outbox can keep it for a retry)."""
    return _media_call("sendDocument", chat_id, {"filename": filename[:64], "document": content_base64}, caption)


def photo_call(chat_id: str, filename: str, content_base64: str, caption: str = "") -> dict[str, Any]:
    """A ``sendPhoto`` call with the image as base64 (a PNG or JPEG), kept by the outbox like a document."""
    return _media_call("sendPhoto", chat_id, {"filename": filename[:64], "photo": content_base64}, caption)


def photo_url_call(chat_id: str, url: str, caption: str = "") -> dict[str, Any]:
    """A ``sendPhoto`` call with the image's public URL, which Telegram fetches."""
    return _media_call("sendPhoto", chat_id, {"photo_url": url}, caption)


def _chat_id(value: Any) -> int | None:
    """A chat id as Telegram sends it (an integer), else ``None``."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def parse_update(update: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """``(kind, parts)`` of a Telegram update: message, command, callback, media, or ignore. Anything not
    shaped like Telegram's own updates (wrong types, missing chat) is ``ignore``."""
    if "callback_query" in update:
        query = _obj(update["callback_query"])
        sender = _obj(query.get("from"))
        chat = _chat_id(_obj(_obj(query.get("message")).get("chat")).get("id")) or _chat_id(sender.get("id"))
        data = query.get("data")
        query_id = query.get("id")
        return "callback", {"id": query_id if isinstance(query_id, str) else None, "chat": chat,
                            "data": data if isinstance(data, str) else "",
                            "lang": clean_hint(sender.get("language_code"))}
    message = update.get("message")
    if not isinstance(message, dict):
        return "ignore", {}  # edited_message, channel_post, my_chat_member, poll_answer, ...
    chat = _chat_id(_obj(message.get("chat")).get("id"))
    lang = clean_hint(_obj(message.get("from")).get("language_code"))
    if chat is None:
        return "ignore", {}
    text = message.get("text")
    if isinstance(text, str) and clean_text(text):
        stripped = clean_text(text)
        if stripped.startswith("/") and stripped[1:].split():
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
        self._overall = AsyncLimiter(*OVERALL)
        self._bulk = AsyncLimiter(*BULK)
        self._chats: dict[str, AsyncLimiter] = {}

    def get_output_channel(self) -> OutputChannel:
        raise NotImplementedError("replies of the Telegram channel belong to a turn: see output_for")

    def output_for(self, message: Stored, turn: Turn) -> OutputChannel:
        return TelegramOutput(self.store, message, turn)

    def text_call(self, address: str, text: str) -> dict[str, Any]:
        return text_call(address, text)

    async def deliver(self, call: dict[str, Any]) -> str:
        """One Bot API call within the overall rate limit (answers to people: a 429 is waited out as told)."""
        async with self._overall:
            return await call_bot_api(self.bot, call)

    async def pace_bulk(self, call: dict[str, Any]) -> None:
        """A broadcast's or reminder's turn: one a second per chat, within the bulk share of the overall rate.
        The call then goes through :meth:`deliver`, whose overall limit, taken right before the request, keeps
        every second within Telegram's 30 whatever the database write in between took."""
        chat = str(call.get("chat_id"))
        limiter = self._chats.get(chat)
        if limiter is None:
            if len(self._chats) > 10_000:
                self._chats.clear()  # idle chats' buckets are full again anyway
            limiter = self._chats[chat] = AsyncLimiter(*CHAT)
        await limiter.acquire()
        await self._bulk.acquire()

    async def handle_update(self, update: dict[str, Any]) -> str:
        """Process one update (from the webhook or from polling): store it in the inbox (the worker answers);
        returns what was done, for logs and tests."""
        update_id = update.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            return "invalid"
        kind, parts = parse_update(update)
        if kind == "callback" and parts.get("id"):
            with suppress(TelegramError):
                await self.bot.answer_callback_query(parts["id"])
        if kind == "ignore" or parts.get("chat") is None:
            seen = await asyncio.to_thread(self.store.first_delivery, CHANNEL, str(update_id))
            return "ignored" if seen else "duplicate"
        text, metadata = await self._text_for(kind, parts)
        if text is None:
            return "ignored"
        outcome = await self.receive(Inbound(CHANNEL, str(update_id), str(parts["chat"]), text, parts.get("lang"),
                                             metadata))
        return kind if outcome == "stored" else outcome

    async def _text_for(self, kind: str, parts: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
        if kind == "message":
            return parts["text"], {}
        if kind == "command":
            command = parts["command"]
            return COMMANDS.get(command, parts["text"].lstrip("/")), {}
        if kind == "callback":
            data = parts["data"]
            payload = await asyncio.to_thread(self.store.payload_for, data) if data.startswith("k:") else data
            return (clean_text(payload) if payload and payload.startswith("/") else None), {}
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
            if settings.mode != "webhook" or not hmac.compare_digest(given.encode(errors="replace"),
                                                                     settings.secret_token.encode()):
                return response.json({"ok": False, "error": "forbidden"}, status=403)
            body = request.body or b""
            if len(body) > BODY_LIMIT:
                return response.json({"ok": False, "error": "update too large"}, status=413)
            try:
                update = json.loads(body)
            except (ValueError, UnicodeDecodeError, RecursionError):
                return response.json({"ok": False, "error": "malformed JSON"}, status=400)
            if not isinstance(update, dict):
                return response.json({"ok": False, "error": "an update is a JSON object"}, status=400)
            try:
                outcome = await self.handle_update(update)
            except Exception:  # a bug of ours must not make Telegram retry forever: logged, answered 400
                logger.exception("telegram: could not handle an update")
                return response.json({"ok": False, "error": "unprocessable update"}, status=400)
            return response.json({"ok": True, "outcome": outcome})

        async def start() -> None:
            await self.bot.initialize()
            if settings.mode == "polling":
                await self.bot.delete_webhook()
                self._poller = asyncio.ensure_future(self._poll())
            elif settings.public_url:
                await self.bot.set_webhook(f"{settings.public_url}/webhooks/telegram/webhook",
                                           secret_token=settings.secret_token,
                                           allowed_updates=["message", "edited_message", "callback_query"])

        async def stop() -> None:
            if self._poller is not None:
                self._poller.cancel()
                with suppress(asyncio.CancelledError):
                    await self._poller
            await self.bot.shutdown()

        self.add_lifecycle(blueprint, on_new_message, on_start=start, on_stop=stop)
        return blueprint

    async def _poll(self) -> None:
        """Long polling: fetch updates and store them like webhook deliveries (the offset moves on only
        once an update is stored)."""
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
                await self.handle_update(update.to_dict())
                offset = update.update_id + 1
