"""Channel building blocks without Rasa: splitting, the store (SQLite and Redis), Telegram polling, update
parsing, WhatsApp templates, menus and the 24-hour window — against the local API stand-ins."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta

import pytest

from bot.common import OrderedDispatcher
from bot.store import ChannelStore, sender_id_for
from bot.telegram import TelegramInput, TelegramSettings, parse_update
from bot.text import split_message
from bot.whatsapp import WhatsAppInput, WhatsAppOutput, WhatsAppSettings, language_from_phone, match_option
from lmi4vet.db.engine import make_engine, session_scope, upgrade
from lmi4vet.db.models import ChannelUser
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
    sender = store.remember("telegram", "12345", "de")
    assert sender == sender_id_for("telegram", "12345", b"test-key") and len(sender) == 32
    assert "12345" not in sender and sender != sender_id_for("telegram", "12345", b"other-key")
    assert store.address_of(sender).address == "12345"
    from lmi4vet.privacy import erase_user

    erase_user(sender, store.engine, store.engine)
    assert store.address_of(sender, fresh=True) is None


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


def test_polling_mode_feeds_updates_to_rasa(store) -> None:
    api = TelegramStandIn(TOKEN).start()
    received = []

    async def on_new_message(message) -> None:
        received.append((message.text, message.sender_id, message.metadata))

    async def scenario() -> None:
        channel = TelegramInput(TelegramSettings(token=TOKEN, mode="polling", api_base_url=api.base_url), store)
        await channel.bot.initialize()
        api.pending_updates = [
            {"update_id": 10, "message": {"message_id": 1, "date": 0, "chat": {"id": 77, "type": "private"},
                                          "from": {"id": 77, "is_bot": False, "first_name": "A",
                                                   "language_code": "es"}, "text": "/language"}}]
        poller = asyncio.ensure_future(channel._poll(on_new_message))
        for _ in range(100):
            if received:
                break
            await asyncio.sleep(0.05)
        poller.cancel()
        await channel.dispatcher.drain()
        await channel.bot.shutdown()

    try:
        asyncio.run(scenario())
    finally:
        api.stop()
    assert received == [("/choose_language", sender_id_for("telegram", "77", b"test-key"),
                         {"language_hint": "es"})]


def test_ordered_dispatcher_keeps_each_users_order() -> None:
    seen: list[str] = []

    async def scenario() -> None:
        dispatcher = OrderedDispatcher()
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


def run_output(api: TwilioStandIn, settings: WhatsAppSettings, store, coroutine_factory):
    async def scenario():
        from bot.whatsapp import make_client

        client = make_client(settings)
        try:
            return await coroutine_factory(WhatsAppOutput(client, settings, store))
        finally:
            await client.http_client.close()

    return asyncio.run(scenario())


def test_quick_reply_template_when_configured(store) -> None:
    api = TwilioStandIn(SID, AUTH).start()
    try:
        settings = whatsapp_settings(api, quick_reply_sid="HX" + "1" * 32)
        sender = store.remember("whatsapp", "whatsapp:+40700000001", "ro")
        buttons = [{"title": "Da, uită-mă", "payload": "/affirm"}, {"title": "Nu", "payload": "/deny"}]
        run_output(api, settings, store, lambda out: out.send_text_with_buttons(sender, "Sigur?", buttons))
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
        sender = store.remember("whatsapp", "whatsapp:+40700000002", "ro")
        with session_scope(store.engine) as session:
            session.get(ChannelUser, sender).last_inbound_at = datetime.utcnow() - timedelta(hours=25)
        caplog.set_level(logging.WARNING)
        sent = run_output(api, whatsapp_settings(api), store, lambda out: out.send_proactive(sender, "Reminder"))
        assert sent is False and api.calls_of("Messages.create") == []
        assert "outside the 24-hour window" in caplog.text and "+40700000002" not in caplog.text
        template = whatsapp_settings(api, reengage_sid="HX" + "2" * 32)
        run_output(api, template, store, lambda out: out.send_proactive(sender, "Reminder"))
        [call] = api.calls_of("Messages.create")
        assert call.params["ContentSid"] == "HX" + "2" * 32 and "Body" not in call.params
    finally:
        api.stop()


def test_button_payloads_and_menu_answers_map_back(store) -> None:
    received = []

    async def on_new_message(message) -> None:
        received.append(message.text)

    async def scenario() -> None:
        channel = WhatsAppInput(WhatsAppSettings(account_sid=SID, auth_token=AUTH, from_number="whatsapp:+1",
                                                 public_url="https://x"), store, client=object())
        number = "whatsapp:+34600000003"
        sender = store.remember("whatsapp", number, "es")
        store.save_menu(sender, [("📊 Cifras por país", "/ask_indicator"), ("🌐 Idioma", "/choose_language")])
        key = store.short_key("/deny")
        for n, form in enumerate([{"Body": "Nu", "ButtonPayload": key}, {"Body": "2"}, {"Body": "cifras por pais"},
                                  {"Body": "9"}]):
            await channel.handle_fields({"MessageSid": f"SM{n}", "From": number, **form}, on_new_message)
        await channel.dispatcher.drain()

    asyncio.run(scenario())
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
