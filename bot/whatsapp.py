"""WhatsApp through Twilio (twilio 8.2) as a Rasa connector: ``/webhooks/whatsapp/webhook``.

Every webhook is validated with twilio's ``RequestValidator`` against the configured public URL and all form
fields (blank ones included); the webhook answers at once with empty TwiML and the replies go out afterwards
through the Messages API. Quick replies use Twilio Content templates when configured (quick-reply up to 3
options, list-picker up to 10), otherwise a numbered menu the user answers with a digit or the option's text.
Bodies are split at 1,600 characters; messages outside WhatsApp's 24-hour window need a template.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from bot.common import MEDIA_PAYLOAD, ChannelInput, Inbound, hand_over, setting_reader
from bot.store import ChannelStore
from bot.text import split_message
from lmi4vet.i18n import normalise_language, t
from lmi4vet.text import fold, words

logger = logging.getLogger(__name__)
CHANNEL = "whatsapp"
BODY_LIMIT = 1600
WINDOW = timedelta(hours=24)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
# Calling codes that suggest a language (Austria, Germany; Spain; France, Belgium, Luxembourg; Romania, Moldova).
PHONE_LANGUAGES = {"+49": "de", "+43": "de", "+34": "es", "+33": "fr", "+32": "fr", "+352": "fr", "+40": "ro",
                   "+373": "ro", "+44": "en", "+353": "en"}


def language_from_phone(number: str) -> str | None:
    """A language hint from a WhatsApp number's calling code ("whatsapp:+40722..." -> "ro")."""
    digits = number.removeprefix("whatsapp:")
    for prefix in sorted(PHONE_LANGUAGES, key=len, reverse=True):
        if digits.startswith(prefix):
            return PHONE_LANGUAGES[prefix]
    return None


@dataclass(frozen=True)
class WhatsAppSettings:
    """From credentials.yml, else environment variables (see README, "WhatsApp")."""

    account_sid: str
    auth_token: str
    from_number: str  # whatsapp:+14155238886
    public_url: str  # the exact webhook URL configured in the Twilio console
    api_base_url: str = "https://api.twilio.com"
    quick_reply_sid: str = ""  # Content template twilio/quick-reply with variables, see README
    list_picker_sid: str = ""  # Content template twilio/list-picker
    reengage_sid: str = ""  # approved template sent outside the 24-hour window
    redis_url: str = ""

    @classmethod
    def load(cls, credentials: dict[str, Any] | None) -> WhatsAppSettings:
        value = setting_reader(credentials)
        settings = cls(
            account_sid=value("account_sid", "TWILIO_ACCOUNT_SID"),
            auth_token=value("auth_token", "TWILIO_AUTH_TOKEN"),
            from_number=value("from_number", "TWILIO_WHATSAPP_FROM"),
            public_url=value("public_url", "TWILIO_WEBHOOK_URL"),
            api_base_url=value("api_base_url", "TWILIO_API_BASE_URL", "https://api.twilio.com").rstrip("/"),
            quick_reply_sid=value("quick_reply_sid", "TWILIO_QUICK_REPLY_SID"),
            list_picker_sid=value("list_picker_sid", "TWILIO_LIST_PICKER_SID"),
            reengage_sid=value("reengage_sid", "TWILIO_REENGAGE_SID"),
            redis_url=value("redis_url", "CHANNEL_REDIS_URL"),
        )
        missing = [name for name, v in (("TWILIO_ACCOUNT_SID", settings.account_sid),
                                        ("TWILIO_AUTH_TOKEN", settings.auth_token),
                                        ("TWILIO_WHATSAPP_FROM", settings.from_number),
                                        ("TWILIO_WEBHOOK_URL", settings.public_url)) if not v]
        if missing:
            raise ValueError(f"WhatsApp (Twilio) needs {', '.join(missing)}")
        if not settings.from_number.startswith("whatsapp:"):
            raise ValueError("TWILIO_WHATSAPP_FROM must look like whatsapp:+14155238886")
        return settings


def make_client(settings: WhatsAppSettings) -> Client:
    """A twilio REST client with the async HTTP client, talking to the configured API base URL."""
    client = Client(settings.account_sid, settings.auth_token, http_client=AsyncTwilioHttpClient())
    client.api.base_url = settings.api_base_url
    return client


def form_fields(body: bytes) -> dict[str, str]:
    """The webhook's form fields, blank ones included (Twilio signs them all)."""
    parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    return {key: values[-1] for key, values in parsed.items()}


def match_option(text: str, options: list[tuple[str, str]]) -> str | None:
    """The payload of the numbered option the user picked, by number or by (folded) title."""
    stripped = text.strip().rstrip(".)")
    if stripped.isdigit() and 1 <= int(stripped) <= len(options):
        return options[int(stripped) - 1][1]
    wanted = " ".join(words(fold(text)))  # emoji, digits and punctuation do not count
    for title, payload in options:
        if wanted and " ".join(words(fold(title))) == wanted:
            return payload
    return None


class WhatsAppOutput(OutputChannel):
    """Sends replies through the Messages API (asynchronously, after the webhook has answered)."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(self, client: Client, settings: WhatsAppSettings, store: ChannelStore) -> None:
        self.client = client
        self.settings = settings
        self.store = store

    async def _create(self, to: str, **fields: Any) -> None:
        try:
            await self.client.messages.create_async(to=to, from_=self.settings.from_number, **fields)
        except TwilioRestException as exc:
            logger.error("whatsapp: Twilio refused a message (code %s, status %s)", exc.code, exc.status)

    async def _address(self, recipient_id: str) -> str | None:
        address = await asyncio.to_thread(self.store.address_of, recipient_id, True)  # the window needs the truth
        if address is None or address.channel != CHANNEL:
            logger.error("whatsapp: no number known for %s", recipient_id[:8])
            return None
        inside = address.last_inbound_at and datetime.utcnow() - address.last_inbound_at < WINDOW
        if not inside:
            if self.settings.reengage_sid:
                await self._create(address.address, content_sid=self.settings.reengage_sid)
                logger.info("whatsapp: outside the 24-hour window for %s, sent the re-engagement template",
                            recipient_id[:8])
            else:
                logger.warning("whatsapp: outside the 24-hour window for %s and no template configured: "
                               "message not sent", recipient_id[:8])
            return None
        return address.address

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        to = await self._address(recipient_id)
        if to is None:
            return
        for chunk in split_message(text, BODY_LIMIT):
            await self._create(to, body=chunk)

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]],
                                     **kwargs: Any) -> None:
        to = await self._address(recipient_id)
        if to is None:
            return
        options = [(str(b.get("title", "")), str(b.get("payload", ""))) for b in buttons]
        template = (self.settings.quick_reply_sid if len(options) <= 3 else
                    self.settings.list_picker_sid if len(options) <= 10 else "")
        chunks = split_message(text, BODY_LIMIT)
        for chunk in chunks[:-1]:
            await self._create(to, body=chunk)
        if template:
            variables = {"1": chunks[-1]}
            for number, (title, payload) in enumerate(options):
                key = await asyncio.to_thread(self.store.short_key, payload)
                variables[str(2 + 2 * number)] = title[:24]
                variables[str(3 + 2 * number)] = key
            await self._create(to, content_sid=template, content_variables=json.dumps(variables))
            return
        await asyncio.to_thread(self.store.save_menu, recipient_id, options)
        lang = normalise_language(kwargs.get("language"))
        menu = "\n".join(f"{number}. {title}" for number, (title, _) in enumerate(options, start=1))
        hint = t(lang, "channels.numbered_menu_hint", last=str(len(options)))
        for chunk in split_message(f"{chunks[-1]}\n\n{menu}\n\n{hint}", BODY_LIMIT):
            await self._create(to, body=chunk)

    async def send_quick_replies(self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]],
                                 **kwargs: Any) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies, **kwargs)

    async def send_proactive(self, recipient_id: str, text: str) -> bool:
        """A message the user did not ask for (e.g. a reminder): only inside the 24-hour window, else the
        re-engagement template if configured. Returns whether the text itself was sent."""
        to = await self._address(recipient_id)
        if to is None:
            return False
        await self.send_text_message(recipient_id, text)
        return True


class WhatsAppInput(ChannelInput):
    """Rasa input channel for WhatsApp via Twilio (see the module docstring)."""

    CHANNEL = CHANNEL
    SETTINGS = WhatsAppSettings

    def __init__(self, settings: WhatsAppSettings, store: ChannelStore | None = None,
                 client: Client | None = None) -> None:
        super().__init__(settings, store)
        self._client = client
        self.validator = RequestValidator(settings.auth_token)

    @property
    def client(self) -> Client:
        """The twilio client, made on first use (its aiohttp session needs the server's running loop)."""
        if self._client is None:
            self._client = make_client(self.settings)
        return self._client

    def get_output_channel(self) -> OutputChannel:
        return WhatsAppOutput(self.client, self.settings, self.store)

    async def handle_fields(self, fields: dict[str, str],
                            on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> str:
        """Process one validated webhook; returns what was done, for logs and tests."""
        sid = fields.get("MessageSid") or fields.get("SmsMessageSid") or ""
        number = fields.get("From", "")
        if not sid or not number.startswith("whatsapp:"):
            return "ignored"  # status callbacks and non-WhatsApp traffic
        hint = language_from_phone(number)
        sender_id = await asyncio.to_thread(self.store.accept, CHANNEL, sid, number, hint)
        if sender_id is None:
            return "duplicate"
        body = fields.get("Body", "")
        metadata: dict[str, Any] = {}
        if fields.get("ButtonPayload"):
            text = await asyncio.to_thread(self.store.payload_for, fields["ButtonPayload"]) or body
            kind = "button"
        elif body.strip():
            options = await asyncio.to_thread(self.store.menu_of, sender_id)
            text = match_option(body, options) or body.strip()
            kind = "option" if text != body.strip() else "message"
        else:
            media = int(fields.get("NumMedia", "0") or 0)
            text, kind = MEDIA_PAYLOAD, "media"
            metadata["media"] = fields.get("MediaContentType0", "media") if media else "empty"
        inbound = Inbound(sender_id, text, hint, metadata)
        output = self.get_output_channel()
        self.dispatcher.submit(sender_id, lambda: hand_over(inbound, on_new_message, output, CHANNEL))
        return kind

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = Blueprint("whatsapp_webhook", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            try:
                fields = form_fields(request.body or b"")
            except UnicodeDecodeError:
                return response.text("malformed form body", status=400)
            signature = request.headers.get("X-Twilio-Signature", "")
            if not signature or not self.validator.validate(self.settings.public_url, fields, signature):
                return response.text("invalid signature", status=403)
            await self.handle_fields(fields, on_new_message)
            return response.text(EMPTY_TWIML, content_type="text/xml")

        @blueprint.listener("before_server_stop")
        async def stop(app: Any, loop: Any) -> None:
            await self.dispatcher.drain()
            close = getattr(self._client.http_client, "close", None) if self._client is not None else None
            if close is not None:
                await close()

        return blueprint
