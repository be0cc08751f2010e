"""Channel building blocks without Rasa: splitting, the store (SQLite and Redis), Telegram polling, update
parsing, WhatsApp templates, menus and the 24-hour window, images (Telegram sendPhoto, WhatsApp MediaUrl, the
terminal) — against the local API stand-ins."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import logging
import struct
import zlib
from datetime import datetime, timedelta

import pytest

from bot.delivery import Rejected, Turn
from bot.store import ChannelStore, sender_id_for
from bot.telegram import (
    TelegramInput,
    TelegramOutput,
    TelegramSettings,
    call_bot_api,
    document_call,
    make_bot,
    parse_update,
    photo_call,
    photo_url_call,
)
from bot.terminal import render
from bot.text import split_message
from bot.whatsapp import (
    WhatsAppInput,
    WhatsAppOutput,
    WhatsAppSettings,
    call_messages_api,
    language_from_phone,
    match_option,
)
from bot.worker import OrderedRunner
from lmi4vet.db.engine import make_engine, session_scope, upgrade
from lmi4vet.db.models import OutboxMessage
from lmi4vet.inbox import Inbound, Inbox
from tests.standins.servers import TelegramStandIn, TwilioStandIn

TOKEN = "123456:stand-in"
SID, AUTH = "AC" + "f" * 32, "auth"


@pytest.fixture
def store(tmp_path) -> ChannelStore:
    url = f"sqlite:///{tmp_path / 'channels.db'}"
    upgrade(url)
    return ChannelStore(make_engine(url), key=b"test-key")


def test_split_keeps_order_and_units() -> None:
    paragraphs = [f"Paragraph {n}. " + "word " * 150 for n in range(12)]
    text = "\n\n".join(paragraphs)
    chunks = split_message(text, 1600)
    assert all(len(c) <= 1600 for c in chunks)
    assert " ".join(chunks).split() == text.split()
    assert chunks[0].startswith("Paragraph 0.") and split_message("short", 10) == ["short"]
    assert [len(c) for c in split_message("y" * 5000, 4096)] == [4096, 904]


def test_sender_ids_are_keyed_hashes(store) -> None:
    sender = store.sender_id("telegram", "12345")
    Inbox(store.engine).accept(Inbound("telegram", "1", "12345", "hallo", "de"), sender)
    assert sender == sender_id_for("telegram", "12345", b"test-key") and len(sender) == 32
    assert "12345" not in sender and sender != sender_id_for("telegram", "12345", b"other-key")
    assert store.address_of(sender).address == "12345"
    from lmi4vet.privacy import erase_user

    erase_user(sender, store.engine, store.engine)
    assert store.address_of(sender) is None


def test_deliveries_are_seen_once_in_the_database(store) -> None:
    assert store.first_delivery("telegram", "1") is True
    assert store.first_delivery("telegram", "1") is False
    assert store.first_delivery("whatsapp", "1") is True
    with session_scope(store.engine) as session:
        from lmi4vet.db.models import ChannelEvent

        for event in session.query(ChannelEvent):
            event.seen_at = datetime.utcnow() - timedelta(days=3)
    assert store.purge_deliveries() == 2


def test_deliveries_are_seen_once_in_redis(store, redis_url) -> None:  # TEST_REDIS_URL; CI=true requires it
    redis_store = ChannelStore(store.engine, redis_url=redis_url, key=b"k")
    event = f"test-{datetime.utcnow().timestamp()}"
    assert redis_store.first_delivery("telegram", event) is True
    assert redis_store.first_delivery("telegram", event) is False
    assert 0 < redis_store.redis.ttl(f"lmi4vet:seen:telegram:{event}") <= 48 * 3600


def test_short_keys_for_long_payloads(store) -> None:
    payload = '/ask_occupation_skills{"occupation_id":"7aedaa07-3884-4c5b-88f9-80997b2aa54b","page":"2"}'
    key = store.short_key(payload)
    assert key.startswith("k:") and len(key) <= 64 and store.short_key(payload) == key
    assert store.payload_for(key) == payload and store.payload_for("k:unknown") is None


@pytest.mark.parametrize(("update", "kind"), [
    ({"update_id": 1, "message": {"chat": {"id": 5}, "text": "hi"}}, "message"),
    ({"update_id": 1, "message": {"chat": {"id": 5}, "text": "/start@lmi4vet_bot"}}, "command"),
    ({"update_id": 1, "message": {"chat": {"id": 5}, "sticker": {}}}, "media"),
    ({"update_id": 1, "message": {"chat": {"id": 5}}}, "media"),
    ({"update_id": 1, "edited_message": {"chat": {"id": 5}, "text": "x"}}, "ignore"),
    ({"update_id": 1, "callback_query": {"id": "9", "data": "/help", "from": {"id": 5}}}, "callback"),
    ({"update_id": 1, "message": "not an object"}, "ignore"),
])
def test_update_kinds(update, kind) -> None:
    assert parse_update(update)[0] == kind


async def reply_ok(message) -> None:
    """Stands in for Rasa in these unit tests: answers every message with "ok" through its output channel."""
    await message.output_channel.send_text_message(message.sender_id, "ok")


def test_polling_mode_feeds_updates_to_rasa(store) -> None:
    api = TelegramStandIn(TOKEN).start()
    received = []

    async def on_new_message(message) -> None:
        received.append((message.text, message.sender_id, message.metadata))
        await reply_ok(message)

    async def scenario() -> None:
        channel = TelegramInput(TelegramSettings(token=TOKEN, mode="polling", api_base_url=api.base_url), store)
        await channel.bot.initialize()
        await channel.worker.start(on_new_message)
        api.pending_updates = [
            {"update_id": 10, "message": {"message_id": 1, "date": 0, "chat": {"id": 77, "type": "private"},
                                          "from": {"id": 77, "is_bot": False, "first_name": "A",
                                                   "language_code": "es"}, "text": "/language"}}]
        poller = asyncio.ensure_future(channel._poll())
        await asyncio.to_thread(api.wait_for, "sendMessage", 1, 10)
        poller.cancel()
        await channel.worker.stop()
        await channel.bot.shutdown()

    try:
        asyncio.run(scenario())
    finally:
        api.stop()
    assert received == [("/choose_language", sender_id_for("telegram", "77", b"test-key"),
                         {"language_hint": "es"})]


def test_ordered_runner_keeps_each_users_order() -> None:
    seen: list[str] = []

    async def scenario() -> None:
        dispatcher = OrderedRunner()
        for n, delay in enumerate((0.05, 0.01, 0.0)):
            async def work(n=n, delay=delay) -> None:
                await asyncio.sleep(delay)
                seen.append(f"a{n}")
            dispatcher.submit("a", work)
        await dispatcher.drain()

    asyncio.run(scenario())
    assert seen == ["a0", "a1", "a2"]


def whatsapp_settings(api: TwilioStandIn, **extra: str) -> WhatsAppSettings:
    return WhatsAppSettings(account_sid=SID, auth_token=AUTH, from_number="whatsapp:+14155238886",
                            public_url="https://x.example/webhooks/whatsapp/webhook", api_base_url=api.base_url,
                            **extra)


def run_output(api: TwilioStandIn, settings: WhatsAppSettings, store, number: str, coroutine_factory,
               received_at: datetime | None = None):
    """Run ``coroutine_factory(output)`` with the output channel of a turn answering a message from ``number``
    received at ``received_at`` (default now)."""
    inbox = Inbox(store.engine)
    sender = store.sender_id("whatsapp", number)
    inbox_id = inbox.accept(Inbound("whatsapp", f"SM{number[-6:]}", number, "hola"), sender, now=received_at)

    async def scenario():
        from bot.whatsapp import make_client

        client = make_client(settings)
        try:
            turn = Turn(inbox, inbox.get(inbox_id), lambda call: call_messages_api(client, settings, call))
            return await coroutine_factory(WhatsAppOutput(settings, store, inbox.get(inbox_id), turn))
        finally:
            await client.http_client.close()

    return asyncio.run(scenario())


def test_quick_reply_template_when_configured(store) -> None:
    api = TwilioStandIn(SID, AUTH).start()
    try:
        settings = whatsapp_settings(api, quick_reply_sid="HX" + "1" * 32)
        buttons = [{"title": "Da, uită-mă", "payload": "/affirm"}, {"title": "Nu", "payload": "/deny"}]
        run_output(api, settings, store, "whatsapp:+40700000001",
                   lambda out: out.send_text_with_buttons("x", "Sigur?", buttons))
        [call] = api.calls_of("Messages.create")
        assert call.params["ContentSid"] == "HX" + "1" * 32
        variables = json.loads(call.params["ContentVariables"])
        assert variables["1"] == "Sigur?" and variables["2"] == "Da, uită-mă"
        assert store.payload_for(variables["3"]) == "/affirm"
    finally:
        api.stop()


def test_outside_the_24_hour_window(store, caplog) -> None:
    api = TwilioStandIn(SID, AUTH).start()
    try:
        caplog.set_level(logging.WARNING)
        old = datetime.utcnow() - timedelta(hours=25)
        run_output(api, whatsapp_settings(api), store, "whatsapp:+40700000002",
                   lambda out: out.send_text_message("x", "Answer"), received_at=old)
        assert api.calls_of("Messages.create") == []
        assert "outside the 24-hour window" in caplog.text and "+40700000002" not in caplog.text
        template = whatsapp_settings(api, reengage_sid="HX" + "2" * 32)

        async def two_replies(out) -> None:  # the template goes out once per turn, not once per reply
            await out.send_text_message("x", "Answer")
            await out.send_text_message("x", "More")

        run_output(api, template, store, "whatsapp:+40700000003", two_replies, received_at=old)
        [call] = api.calls_of("Messages.create")
        assert call.params["ContentSid"] == "HX" + "2" * 32 and "Body" not in call.params
        with session_scope(store.engine) as session:
            assert [row.status for row in session.query(OutboxMessage)] == ["sent"]
    finally:
        api.stop()


def whatsapp_webhooks(store, on_new_message, number: str, forms: list[dict[str, str]],
                      drain_each: bool = False) -> list[str]:
    """Post ``forms`` from ``number`` to a WhatsApp channel whose worker answers with ``on_new_message`` (Rasa
    stood in; replies go to the Messages API stand-in); return what ``handle_fields`` said of each."""
    api = TwilioStandIn(SID, AUTH).start()

    async def scenario() -> list[str]:
        channel = WhatsAppInput(whatsapp_settings(api), store)
        await channel.worker.start(on_new_message)
        outcomes = []
        for n, form in enumerate(forms):
            outcomes.append(await channel.handle_fields({"MessageSid": f"SM{number[-4:]}{n}", "From": number,
                                                          **form}))
            if drain_each:
                await channel.worker.drain()
        await channel.worker.stop()
        await channel.client.http_client.close()
        return outcomes

    try:
        return asyncio.run(scenario())
    finally:
        api.stop()


def test_button_payloads_and_menu_answers_map_back(store) -> None:
    received = []

    async def on_new_message(message) -> None:
        received.append(message.text)

    number = "whatsapp:+34600000003"
    store.save_menu(store.sender_id("whatsapp", number),
                    [("📊 Cifras por país", "/ask_indicator"), ("🌐 Idioma", "/choose_language")])
    key = store.short_key("/deny")
    forms = [{"Body": "Nu", "ButtonPayload": key}, {"Body": "2"}, {"Body": "cifras por pais"}, {"Body": "9"}]
    assert whatsapp_webhooks(store, on_new_message, number, forms) == ["button", "option", "option", "message"]
    assert received == ["/deny", "/choose_language", "/ask_indicator", "9"]


def test_helpers() -> None:
    assert language_from_phone("whatsapp:+40722000000") == "ro"
    assert language_from_phone("whatsapp:+352621000000") == "fr"
    assert language_from_phone("whatsapp:+4915112345678") == "de"
    assert language_from_phone("whatsapp:+1202555") is None
    assert match_option(" 1. ", [("a", "/x")]) == "/x"
    with pytest.raises(ValueError, match="TELEGRAM_SECRET_TOKEN"):
        TelegramSettings.load({"token": "x", "mode": "webhook", "secret_token": ""})
    with pytest.raises(ValueError, match="TWILIO_AUTH_TOKEN"):
        WhatsAppSettings.load({"account_sid": "AC", "from_number": "whatsapp:+1", "public_url": "https://x"})


def whatsapp_bodies(store, number: str, send) -> list[str]:
    """What the WhatsApp output sends (``send(output, sender)``) to ``number``: the Messages.create bodies, in order."""
    api = TwilioStandIn(SID, AUTH).start()
    try:
        sender = store.sender_id("whatsapp", number)
        run_output(api, whatsapp_settings(api), store, number, lambda out: send(out, sender))
        calls = api.calls_of("Messages.create")
        assert {c.params["To"] for c in calls} == {number}
        return [c.params["Body"] for c in calls]
    finally:
        api.stop()


PARAGRAPHS = [f"Paragraph {n}: " + " ".join(["labour market"] * 35) + "." for n in range(8)]  # 503 characters each


def test_whatsapp_splits_a_long_text_between_paragraphs(store) -> None:
    text = "\n\n".join(PARAGRAPHS)  # 4,038 characters: three paragraphs fit in 1,600, four do not
    sent = whatsapp_bodies(store, "whatsapp:+40700000010", lambda out, sender: out.send_text_message(sender, text))
    assert len(text) == 4038
    assert sent == ["\n\n".join(PARAGRAPHS[0:3]), "\n\n".join(PARAGRAPHS[3:6]), "\n\n".join(PARAGRAPHS[6:8])]


def test_whatsapp_splits_one_long_paragraph_between_sentences(store) -> None:
    sentences = [f"Sentence {n:02d} says something about the labour market." for n in range(40)]
    text = " ".join(sentences)  # 2,079 characters, no line break: 30 sentences fit in 1,600, 31 do not
    sent = whatsapp_bodies(store, "whatsapp:+40700000011", lambda out, sender: out.send_text_message(sender, text))
    assert len(text) == 2079 and [len(body) for body in sent] == [1559, 519]
    assert sent == [" ".join(sentences[:30]), " ".join(sentences[30:])]


def test_whatsapp_numbered_menu_follows_a_long_text(store) -> None:
    from lmi4vet.i18n import t

    text = "\n\n".join(PARAGRAPHS[:3])  # 1,513 characters: with the menu and its hint, 1,603
    buttons = [{"title": title, "payload": f"/p{n}"} for n, title in enumerate(["Continue", "Next", "Contents"])]
    sent = whatsapp_bodies(store, "whatsapp:+40700000012", lambda out, sender: out.send_text_with_buttons(
        sender, text, buttons, language="en"))
    menu, hint = "1. Continue\n2. Next\n3. Contents", t("en", "channels.numbered_menu_hint", last="3")
    assert len(f"{text}\n\n{menu}\n\n{hint}") == 1603
    assert sent == [f"{text}\n\n{menu}", hint]  # the hint is the paragraph that no longer fits
    assert store.menu_of(store.sender_id("whatsapp", "whatsapp:+40700000012")) == [
        ("Continue", "/p0"), ("Next", "/p1"), ("Contents", "/p2")]


def test_a_reply_without_options_clears_the_old_numbered_menu(store) -> None:
    """A digit must never pick an option of a menu that is no longer on the screen."""
    received: list[str] = []
    answers = iter([("Elige:", [{"title": "Cifras", "payload": "/ask_indicator"},
                                {"title": "Idioma", "payload": "/choose_language"}]),
                    ("Vale, sin menú.", []), ("Otra cosa.", [])])

    async def on_new_message(message) -> None:
        received.append(message.text)
        text, buttons = next(answers)
        if buttons:
            await message.output_channel.send_text_with_buttons(message.sender_id, text, buttons, language="es")
        else:
            await message.output_channel.send_text_message(message.sender_id, text)

    whatsapp_webhooks(store, on_new_message, "whatsapp:+34600000009",
                      [{"Body": "hola"}, {"Body": "2"}, {"Body": "2"}], drain_each=True)
    assert received == ["hola", "/choose_language", "2"]


# -- images: Telegram sendPhoto, WhatsApp MediaUrl, the terminal ---------------------------------------------
CHART_URL = "https://bot.example/webhooks/whatsapp/employer/t0ken"


def png(width: int, height: int) -> bytes:
    """A valid grey PNG of ``width`` x ``height`` pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def run_telegram_output(api: TelegramStandIn, store, chat: str, use) -> int:
    """Run ``use(output)`` with the Telegram output of a turn answering a message from ``chat``, its calls made
    through the Bot API stand-in; return the inbox id."""
    inbox = Inbox(store.engine)
    inbox_id = inbox.accept(Inbound("telegram", f"u{chat}", chat, "hi"), store.sender_id("telegram", chat))

    async def scenario() -> None:
        bot = make_bot(TelegramSettings(token=TOKEN, mode="polling", api_base_url=api.base_url))
        await bot.initialize()
        try:
            message = inbox.get(inbox_id)
            await use(TelegramOutput(store, message, Turn(inbox, message, lambda call: call_bot_api(bot, call))))
        finally:
            await bot.shutdown()

    asyncio.run(scenario())
    return inbox_id


def outbox(store) -> list[tuple[str, dict]]:
    """``(status, call)`` of every recorded provider call, in order."""
    with session_scope(store.engine) as session:
        return [(row.status, json.loads(row.call)) for row in session.query(OutboxMessage).order_by(OutboxMessage.id)]


def test_a_photo_from_an_action_is_one_send_photo_with_the_png_and_its_escaped_caption(store) -> None:
    api = TelegramStandIn(TOKEN).start()
    image = png(7, 5)
    photo = {"photo": {"filename": "chart.png", "content_base64": base64.b64encode(image).decode(),
                       "caption": "Your profile: <Level 2> & beyond"}}
    try:
        run_telegram_output(api, store, "4242", lambda out: out.send_response("x", {"custom": photo}))
        [sent] = api.calls_of("sendPhoto")
        assert api.calls_of("sendMessage") == [] and api.calls_of("sendDocument") == []
        assert str(sent.params["chat_id"]) == "4242"
        assert sent.params["photo"] == {"filename": "chart.png", "content": image, "content_type": "image/png"}
        assert sent.params["caption"] == "Your profile: &lt;Level 2&gt; &amp; beyond"
        assert sent.params["parse_mode"] == "HTML"
        [(status, call)] = outbox(store)
        assert status == "sent" and call["method"] == "sendPhoto" and base64.b64decode(call["photo"]) == image

        async def replay() -> str:  # what the outbox does on a retry: the call as it was recorded
            bot = make_bot(TelegramSettings(token=TOKEN, mode="polling", api_base_url=api.base_url))
            await bot.initialize()
            try:
                return await call_bot_api(bot, call)
            finally:
                await bot.shutdown()

        assert asyncio.run(replay()) == "2"
        first, again = api.calls_of("sendPhoto")
        assert again.params == first.params
    finally:
        api.stop()


def test_photo_calls_share_the_document_calls_limits() -> None:
    call = photo_call("1", "c" * 70 + ".png", "iVBORw0KGgo=", "é" * 1100)
    assert call == {"method": "sendPhoto", "chat_id": "1", "filename": "c" * 64, "photo": "iVBORw0KGgo=",
                    "caption": "é" * 1024, "parse_mode": "HTML"}
    assert document_call("1", "a.ics", "QQ==", "") == {"method": "sendDocument", "chat_id": "1",
                                                       "filename": "a.ics", "document": "QQ=="}
    assert photo_url_call("1", CHART_URL) == {"method": "sendPhoto", "chat_id": "1", "photo_url": CHART_URL}


def test_an_image_url_on_telegram_is_send_photo_with_the_url_after_its_text(store) -> None:
    api = TelegramStandIn(TOKEN).start()
    try:
        run_telegram_output(api, store, "4343",
                            lambda out: out.send_response("x", {"text": "Your chart", "image": CHART_URL}))
        assert [call.method for call in api.calls] == ["getMe", "sendMessage", "sendPhoto"]
        [text] = api.calls_of("sendMessage")
        [photo] = api.calls_of("sendPhoto")
        assert text.params["text"] == "Your chart"
        assert photo.params == {"chat_id": "4343", "photo": CHART_URL}
        assert [status for status, _ in outbox(store)] == ["sent", "sent"]
    finally:
        api.stop()


@pytest.mark.parametrize("message", [
    {"photo": {}},
    {"photo": {"filename": "chart.png", "content_base64": "", "caption": "x"}},
    {"photo": {"filename": "chart.png", "content_base64": "not base64!"}},
    {"photo": {"content_base64": "iVBORw0KGgo="}},
    {"photo": "iVBORw0KGgo="},
    {"picture": {"filename": "chart.png", "content_base64": "iVBORw0KGgo="}},
])
def test_a_photo_message_without_a_base64_file_and_name_is_logged_not_sent(store, caplog, message) -> None:
    sent: list[dict] = []

    class RecordingTurn:
        async def send(self, call: dict) -> None:
            sent.append(call)

    caplog.set_level(logging.WARNING, logger="bot.telegram")
    inbox = Inbox(store.engine)
    inbox_id = inbox.accept(Inbound("telegram", "u1", "1", "hi"), store.sender_id("telegram", "1"))
    output = TelegramOutput(store, inbox.get(inbox_id), RecordingTurn())
    asyncio.run(output.send_custom_json("x", message))
    assert sent == []
    assert [r.getMessage() for r in caplog.records] == [
        f"telegram: custom message without a document or photo, not sent: {sorted(message)}"]


def test_the_bot_api_refuses_a_send_photo_without_a_usable_photo(store) -> None:
    api = TelegramStandIn(TOKEN).start()

    async def scenario() -> list[str]:
        bot = make_bot(TelegramSettings(token=TOKEN, mode="polling", api_base_url=api.base_url))
        await bot.initialize()
        refused = []
        try:
            for call in (photo_call("9", "chart.png", base64.b64encode(b"GIF89a not a png").decode()),
                         photo_url_call("9", "")):
                with pytest.raises(Rejected) as caught:
                    await call_bot_api(bot, call)
                refused.append(str(caught.value))
        finally:
            await bot.shutdown()
        return refused

    try:
        assert asyncio.run(scenario()) == ["telegram 4xx Image_process_failed",
                                           "telegram 4xx There is no photo in the request"]
        assert [c.params["photo"] for c in api.calls_of("sendPhoto")] == [
            {"filename": "chart.png", "content": b"GIF89a not a png", "content_type": "image/png"}, ""]
    finally:
        api.stop()


def test_whatsapp_sends_an_image_url_as_one_message_with_media_url(store) -> None:
    api = TwilioStandIn(SID, AUTH).start()
    number = "whatsapp:+40700000020"
    sender = store.sender_id("whatsapp", number)
    store.save_menu(sender, [("Cifre", "/ask_indicator")])
    try:
        run_output(api, whatsapp_settings(api), store, number,
                   lambda out: out.send_response("x", {"text": "Profilul tău", "image": CHART_URL}))
        text, image = api.calls_of("Messages.create")
        assert text.params["Body"] == "Profilul tău" and "MediaUrl" not in text.params
        assert image.params["MediaUrl"] == [CHART_URL] and "Body" not in image.params
        assert image.params["To"] == number and image.params["From"] == "whatsapp:+14155238886"
        assert [m["num_media"] for m in api.created] == ["0", "1"]
        assert [status for status, _ in outbox(store)] == ["sent", "sent"]
        assert store.menu_of(sender) == []
    finally:
        api.stop()


def test_an_image_alone_clears_the_numbered_menu(store) -> None:
    api = TwilioStandIn(SID, AUTH).start()
    number = "whatsapp:+40700000021"
    sender = store.sender_id("whatsapp", number)
    store.save_menu(sender, [("Cifre", "/ask_indicator")])
    try:
        run_output(api, whatsapp_settings(api), store, number, lambda out: out.send_image_url("x", CHART_URL))
        [call] = api.calls_of("Messages.create")
        assert call.params["MediaUrl"] == [CHART_URL] and store.menu_of(sender) == []
    finally:
        api.stop()


def test_an_image_outside_the_24_hour_window(store, caplog) -> None:
    api = TwilioStandIn(SID, AUTH).start()
    old = datetime.utcnow() - timedelta(hours=25)
    try:
        caplog.set_level(logging.WARNING)
        run_output(api, whatsapp_settings(api), store, "whatsapp:+40700000022",
                   lambda out: out.send_image_url("x", CHART_URL), received_at=old)
        assert api.calls == [] and "outside the 24-hour window" in caplog.text
        template = whatsapp_settings(api, reengage_sid="HX" + "3" * 32)
        run_output(api, template, store, "whatsapp:+40700000023",
                   lambda out: out.send_response("x", {"text": "Profilul tău", "image": CHART_URL}), received_at=old)
        [call] = api.calls_of("Messages.create")
        assert call.params["ContentSid"] == "HX" + "3" * 32 and "MediaUrl" not in call.params
        assert [status for status, _ in outbox(store)] == ["sent"]
    finally:
        api.stop()


def test_the_twilio_stand_in_needs_a_body_media_or_template(store) -> None:
    api = TwilioStandIn(SID, AUTH).start()
    try:
        run_output(api, whatsapp_settings(api), store, "whatsapp:+40700000024",
                   lambda out: out.turn.send({"to": "whatsapp:+40700000024", "body": ""}))
        assert [call.method for call in api.calls] == ["Messages.create:400"]
        with session_scope(store.engine) as session:
            [row] = session.query(OutboxMessage)
            assert (row.status, row.error) == ("failed", "twilio 21619 Unable to create record: stand-in error 21619")
    finally:
        api.stop()


def test_the_terminal_shows_an_image_as_its_url() -> None:
    out = io.StringIO()
    render([{"recipient_id": "t", "text": "Your chart"}, {"recipient_id": "t", "image": CHART_URL}], out)
    assert out.getvalue() == f"bot> Your chart\n🖼 {CHART_URL}\n"
