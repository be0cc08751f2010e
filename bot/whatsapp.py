"""WhatsApp through Twilio (twilio 8.2) as a Rasa connector: ``/webhooks/whatsapp/webhook``.

Every webhook is validated with twilio's ``RequestValidator`` against the configured public URL and all form
fields (blank ones included); the webhook answers at once with empty TwiML and the replies go out afterwards
through the Messages API. Quick replies use Twilio Content templates when configured (quick-reply up to 3
options, list-picker up to 10), otherwise a numbered menu the user answers with a digit or the option's text.
Bodies are split at 1,600 characters; an image goes by its public URL (``MediaUrl``, which Twilio fetches);
messages outside WhatsApp's 24-hour window need a template.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs

import aiohttp
from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from bot.common import BODY_LIMIT, MEDIA_PAYLOAD, ChannelInput, clean_text, setting_reader
from bot.delivery import UNCERTAIN, Blocked, Rejected, Transient, Turn
from bot.store import ChannelStore
from bot.text import shorten, split_message
from lmi4vet.events.dispatch import BROADCAST
from lmi4vet.events.reminders import FOLLOWUP_WHAT, REMINDER, REMINDER_WHAT
from lmi4vet.i18n import normalise_language, t
from lmi4vet.inbox import AGENT, WHATSAPP_WINDOW, Inbound, Stored
from lmi4vet.text import fold, words

logger = logging.getLogger(__name__)
CHANNEL = "whatsapp"
BODY_LIMIT_TWILIO = 1600  # characters of one WhatsApp message body
LIST_TITLE_LIMIT = 24  # characters of a quick-reply or list-picker item title
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
    handoff_template_sid: str = ""  # approved template "your adviser replied, answer to continue"
    reminder_template_sid: str = ""  # approved template "reminder: {{1}} starts {{2}}"
    feedback_template_sid: str = ""  # approved template "how was {{1}}? answer 1-5"
    redis_url: str = ""
    status_url: str = ""  # where Twilio posts delivery status callbacks (default: the webhook's .../status)

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
            handoff_template_sid=value("handoff_template_sid", "TWILIO_HANDOFF_TEMPLATE_SID"),
            reminder_template_sid=value("reminder_template_sid", "TWILIO_REMINDER_TEMPLATE_SID"),
            feedback_template_sid=value("feedback_template_sid", "TWILIO_FEEDBACK_TEMPLATE_SID"),
            redis_url=value("redis_url", "CHANNEL_REDIS_URL"),
            status_url=value("status_url", "TWILIO_STATUS_CALLBACK_URL"),
        )
        if not settings.status_url and settings.public_url:
            base = settings.public_url.rstrip("/")
            base = base[: -len("/webhook")] if base.endswith("/webhook") else base
            settings = dataclasses.replace(settings, status_url=f"{base}/status")
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


UNSUBSCRIBED = 21610  # Twilio: the recipient replied STOP
TOO_MANY_REQUESTS = 20429


async def call_messages_api(client: Client, settings: WhatsAppSettings, call: dict[str, Any]) -> str:
    """Make one recorded Messages API call; map Twilio's errors onto the delivery policy's kinds."""
    fields = {key: value for key, value in call.items() if key != "to"}
    if settings.status_url:
        fields["status_callback"] = settings.status_url
    try:
        message = await client.messages.create_async(to=call["to"], from_=settings.from_number, **fields)
    except TwilioRestException as exc:
        code = int(exc.code) if str(exc.code or "").isdigit() else 0
        if code == UNSUBSCRIBED:
            raise Blocked(f"twilio {code}: unsubscribed") from exc
        if exc.status == 429 or code == TOO_MANY_REQUESTS:
            raise Transient(f"twilio {exc.status}", retry_after=1.0) from exc
        if exc.status >= 500:
            raise Transient(f"twilio {exc.status}") from exc
        raise Rejected(f"twilio {code or exc.status}", str(exc.msg)[:120]) from exc
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        raise Transient(f"twilio: {type(exc).__name__}") from exc
    return str(message.sid)


class WhatsAppOutput(OutputChannel):
    """Sends the replies of one turn through the Messages API; every call goes through the turn's ledger."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(self, settings: WhatsAppSettings, store: ChannelStore, message: Stored, turn: Turn) -> None:
        self.settings = settings
        self.store = store
        self.message = message
        self.turn = turn
        self._window_told = False
        self.held = False  # outside the window: a template went instead of the text (or nothing)
        self.template_sent = False

    async def _to(self) -> str | None:
        """The number to answer, if the person wrote within WhatsApp's 24-hour window; outside it a template
        is sent once instead (an adviser's reply: "your adviser replied, answer to continue"; else the
        re-engagement template), or nothing, logged."""
        if datetime.utcnow() - (self.message.window_start or self.message.received_at) < WHATSAPP_WINDOW:
            return self.message.address
        self.held = True
        if not self._window_told:
            self._window_told = True
            template, variables = self._template()
            if template:
                call = {"to": self.message.address, "content_sid": template}
                if variables:
                    call["content_variables"] = json.dumps(variables, ensure_ascii=False)
                await self.turn.send(call)
                self.template_sent = True
                logger.info("whatsapp: outside the 24-hour window for %s, sent template %s",
                            self.message.sender_id[:8], template[:12])
            else:
                logger.warning("whatsapp: outside the 24-hour window for %s and no template configured: "
                               "message not sent", self.message.sender_id[:8])
        return None

    def _template(self) -> tuple[str, dict[str, str]]:
        """The approved template that goes outside the window instead of this message, with its variables:
        a broadcast's own (or none), the reminder or feedback template (the event's title and time), "your
        adviser replied", else (a cancelled event too) the re-engagement template."""
        meta = self.message.meta
        if self.message.kind == BROADCAST:
            return str(meta.get("template") or ""), {}
        if self.message.kind == REMINDER:  # a cancellation has no template of its own: the re-engagement one
            template = {REMINDER_WHAT: self.settings.reminder_template_sid,
                        FOLLOWUP_WHAT: self.settings.feedback_template_sid}.get(meta.get("what"))
            if template is not None:
                return template, dict(meta.get("variables") or {})
            return self.settings.reengage_sid, {}
        template = (self.settings.handoff_template_sid if self.message.kind == AGENT else "") \
            or self.settings.reengage_sid
        return template, {}

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        to = await self._to()
        if to is None:
            return
        await asyncio.to_thread(self.store.clear_menu, self.message.sender_id)  # its digits mean nothing now
        for chunk in split_message(text, BODY_LIMIT_TWILIO):
            await self.turn.send({"to": to, "body": chunk})

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]],
                                     **kwargs: Any) -> None:
        to = await self._to()
        if to is None:
            return
        options = [(str(b.get("title", "")), str(b.get("payload", ""))) for b in buttons]
        template = (self.settings.quick_reply_sid if len(options) <= 3 else
                    self.settings.list_picker_sid if len(options) <= 10 else "")
        chunks = split_message(text, BODY_LIMIT_TWILIO)
        for chunk in chunks[:-1]:
            await self.turn.send({"to": to, "body": chunk})
        if template:
            await asyncio.to_thread(self.store.clear_menu, self.message.sender_id)
            variables = {"1": chunks[-1]}
            for number, (title, payload) in enumerate(options):
                key = await asyncio.to_thread(self.store.short_key, payload)
                variables[str(2 + 2 * number)] = shorten(title, LIST_TITLE_LIMIT)
                variables[str(3 + 2 * number)] = key
            await self.turn.send({"to": to, "content_sid": template, "content_variables": json.dumps(variables)})
            return
        await asyncio.to_thread(self.store.save_menu, self.message.sender_id, options)
        lang = normalise_language(kwargs.get("language"))
        menu = "\n".join(f"{number}. {title}" for number, (title, _) in enumerate(options, start=1))
        hint = t(lang, "channels.numbered_menu_hint", last=str(len(options)))
        for chunk in split_message(f"{chunks[-1]}\n\n{menu}\n\n{hint}", BODY_LIMIT_TWILIO):
            await self.turn.send({"to": to, "body": chunk})

    async def send_quick_replies(self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]],
                                 **kwargs: Any) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies, **kwargs)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        """An image by its public URL: one message with ``MediaUrl`` (Twilio fetches it), within the window."""
        to = await self._to()
        if to is None:
            return
        await asyncio.to_thread(self.store.clear_menu, self.message.sender_id)  # its digits mean nothing now
        await self.turn.send({"to": to, "media_url": [image]})


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
        raise NotImplementedError("replies of the WhatsApp channel belong to a turn: see output_for")

    def output_for(self, message: Stored, turn: Turn) -> OutputChannel:
        return WhatsAppOutput(self.settings, self.store, message, turn)

    def text_call(self, address: str, text: str) -> dict[str, Any]:
        return {"to": address, "body": text[:BODY_LIMIT_TWILIO]}

    async def deliver(self, call: dict[str, Any]) -> str:
        return await call_messages_api(self.client, self.settings, call)

    async def reconcile(self, call: dict[str, Any], since: datetime) -> list[str] | str:
        """Did Twilio take a call cut short by a crash? Its list of messages to that number tells: the SIDs of
        those with the same body created in or after the second the call was recorded, oldest first (the
        ledger skips those it owns: the same text, a greeting say, is often sent again)."""
        if "body" not in call:
            return UNCERTAIN  # a template's body is rendered by Twilio, an image has none: nothing to compare
        messages = await self.client.messages.list_async(to=call["to"], from_=self.settings.from_number,
                                                         date_sent_after=since - timedelta(days=1), limit=100)
        earliest = since.replace(tzinfo=timezone.utc, microsecond=0)  # Twilio's times are whole seconds
        return [str(m.sid) for m in reversed(messages)
                if m.body == call["body"] and m.date_created is not None and m.date_created >= earliest]

    async def handle_fields(self, fields: dict[str, str]) -> str:
        """Process one validated webhook: store it in the inbox (the worker answers); returns what was done,
        for logs and tests."""
        sid = fields.get("MessageSid") or fields.get("SmsMessageSid") or ""
        number = fields.get("From", "")
        if fields.get("MessageStatus") or number == self.settings.from_number:
            return "ignored"  # a status callback posted to the message URL: nobody wrote to us
        if not sid or len(sid) > 64 or not number.startswith("whatsapp:+") or len(number) > 40:
            return "ignored"  # non-WhatsApp traffic, nonsense
        hint = language_from_phone(number)
        body = clean_text(fields.get("Body", ""))
        metadata: dict[str, Any] = {}
        if fields.get("ButtonPayload"):
            text = await asyncio.to_thread(self.store.payload_for, fields["ButtonPayload"]) or body
            kind = "button"
        elif body:
            sender_id = self.store.sender_id(CHANNEL, number)
            options = await asyncio.to_thread(self.store.menu_of, sender_id)
            text = match_option(body, options) or body
            kind = "option" if text != body else "message"
        else:
            media = fields.get("NumMedia", "0")
            text, kind = MEDIA_PAYLOAD, "media"
            has_media = media.isascii() and media.isdigit() and int(media) > 0  # "²".isdigit() is True
            metadata["media"] = clean_text(fields.get("MediaContentType0", "media"), 64) if has_media else "empty"
        if not text:
            text, kind = MEDIA_PAYLOAD, "media"
            metadata["media"] = "empty"
        outcome = await self.receive(Inbound(CHANNEL, sid, number, text, hint, metadata))
        return kind if outcome == "stored" else outcome

    def _signed(self, request: Request, url: str) -> dict[str, str] | HTTPResponse:
        """The form fields of a request signed by Twilio for ``url``, or the 4xx answer to give instead."""
        if len(request.body or b"") > BODY_LIMIT:
            return response.text("request too large", status=413)
        try:
            fields = form_fields(request.body or b"")
        except UnicodeDecodeError:
            return response.text("malformed form body", status=400)
        signature = request.headers.get("X-Twilio-Signature", "")
        if not signature or not self.validator.validate(url, fields, signature):
            return response.text("invalid signature", status=403)
        return fields

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = Blueprint("whatsapp_webhook", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            fields = self._signed(request, self.settings.public_url)
            if isinstance(fields, HTTPResponse):
                return fields
            try:
                await self.handle_fields(fields)
            except Exception:  # a bug of ours must not make Twilio retry: logged, answered 400
                logger.exception("whatsapp: could not handle a webhook")
                return response.text("unprocessable webhook", status=400)
            return response.text(EMPTY_TWIML, content_type="text/xml")

        @blueprint.route("/status", methods=["POST"])
        async def status(request: Request) -> HTTPResponse:
            """Twilio's delivery status callbacks: delivered / read / failed per reply."""
            fields = self._signed(request, self.settings.status_url)
            if isinstance(fields, HTTPResponse):
                return fields
            sid, state = fields.get("MessageSid", ""), fields.get("MessageStatus", "")
            if not sid or not state:
                return response.text("MessageSid and MessageStatus are required", status=400)
            try:
                known = await asyncio.to_thread(self.worker.inbox.record_delivery, sid, state)
            except Exception:
                logger.exception("whatsapp: could not record a status callback")
                return response.text("status not recorded", status=400)
            if state.lower() in ("failed", "undelivered"):
                logger.warning("whatsapp: message %s %s (error %s)", sid[:12], state, fields.get("ErrorCode", ""))
            return response.json({"recorded": known})

        async def stop() -> None:
            close = getattr(self._client.http_client, "close", None) if self._client is not None else None
            if close is not None:
                await close()

        self.add_lifecycle(blueprint, on_new_message, on_stop=stop)
        return blueprint
