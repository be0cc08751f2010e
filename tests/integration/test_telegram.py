"""Telegram webhook, table-driven, through the real assistant to the Bot API stand-in."""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
import re
import time
from typing import Any

import pytest
import requests

from lmi4vet.i18n import t
from lmi4vet.settings import PROJECT_ROOT
from tests.integration.conftest import TELEGRAM_SECRET

pytestmark = pytest.mark.integration
_ids = itertools.count(int(time.time()) * 1000)


def chat() -> int:
    return next(_ids)


def update(chat_id: int, lang: str = "en", **payload) -> dict:
    user = {"id": chat_id, "is_bot": False, "first_name": "Ana", "language_code": lang}
    base = {"message_id": next(_ids) % 100000, "date": int(time.time()), "chat": {"id": chat_id, "type": "private",
                                                                                    "first_name": "Ana"},
            "from": user}
    return {"update_id": next(_ids), "message": {**base, **payload}}


def callback(chat_id: int, data: str, lang: str = "en") -> dict:
    user = {"id": chat_id, "is_bot": False, "first_name": "Ana", "language_code": lang}
    return {"update_id": next(_ids), "callback_query": {
        "id": str(next(_ids)), "from": user, "chat_instance": "42", "data": data,
        "message": {"message_id": 1, "date": int(time.time()), "chat": {"id": chat_id, "type": "private"},
                    "text": "menu"}}}


def post(assistant, body, secret: str | None = TELEGRAM_SECRET, raw: bytes | None = None) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    data = raw if raw is not None else json.dumps(body).encode()
    return requests.post(f"{assistant.url}/webhooks/telegram/webhook", data=data, headers=headers, timeout=30)


def callback_data(payload: str) -> str:
    """What the Telegram channel puts in a button for ``payload``: itself, or its short key when over 64 bytes."""
    if len(payload.encode()) <= 64:
        return payload
    return "k:" + hashlib.sha256(payload.encode()).hexdigest()[:16]


class TelegramUser:
    """One chat with the assistant through the stand-in: each :meth:`send` returns its turn's messages."""

    def __init__(self, assistant, api, lang: str) -> None:
        self.assistant, self.api, self.lang = assistant, api, lang
        self.chat_id = chat()
        self.seen = 0

    def send(self, expect: str, text: str | None = None, tap: str | None = None) -> list[Any]:
        """Send a message or tap a button (its payload); the sendMessage calls of the turn, up to the first one
        whose text starts with ``expect`` (waited for, with a deadline)."""
        body = (callback(self.chat_id, callback_data(tap), self.lang) if tap else
                update(self.chat_id, self.lang, text=text))
        assert post(self.assistant, body).status_code == 200
        deadline = time.monotonic() + 60
        while True:
            calls = self.api.calls_of("sendMessage", chat_id=self.chat_id)[self.seen:]
            found = [n for n, c in enumerate(calls) if c.params["text"].startswith(expect)]
            if found:
                self.seen += found[0] + 1
                return calls[:found[0] + 1]
            assert time.monotonic() < deadline, f"no message starting {expect!r}: {[c.params['text'] for c in calls]}"
            time.sleep(0.05)


def buttons_of(call: Any) -> list[str]:
    """The callback data of a sendMessage call's inline keyboard, one button a row."""
    return [row[0]["callback_data"] for row in call.params["reply_markup"]["inline_keyboard"]]


def texts(api, chat_id: int, count: int = 1) -> list[str]:
    return [c.params["text"] for c in api.wait_for("sendMessage", count, chat_id=chat_id)]


def test_text_message_in_spanish_gets_the_menu_as_inline_keyboard(assistant, telegram_api) -> None:
    chat_id = chat()
    assert post(assistant, update(chat_id, "es", text="hola buenas")).status_code == 200
    [call] = telegram_api.wait_for("sendMessage", chat_id=chat_id)
    assert call.params["text"].startswith(t("es", "greet.hello"))
    keyboard = call.params["reply_markup"]["inline_keyboard"]
    assert [row[0]["callback_data"] for row in keyboard][:2] == ["/ask_indicator", "/ask_in_demand_occupations"]
    assert call.params["parse_mode"] == "HTML"


def test_start_uses_the_telegram_language_code(assistant, telegram_api) -> None:
    chat_id = chat()
    post(assistant, update(chat_id, "ro", text="/start"))
    assert texts(telegram_api, chat_id)[0].startswith(t("ro", "greet.hello"))


def test_button_tap_is_answered_and_handled(assistant, telegram_api) -> None:
    chat_id = chat()
    post(assistant, update(chat_id, "de", text="hallo"))
    telegram_api.wait_for("sendMessage", chat_id=chat_id)
    tap = callback(chat_id, "/ask_in_demand_occupations", "de")
    assert post(assistant, tap).status_code == 200
    telegram_api.wait_for("answerCallbackQuery", callback_query_id=tap["callback_query"]["id"])
    jobs = telegram_api.wait_for("sendMessage", 2, chat_id=chat_id)[1]
    assert "EURES" in jobs.params["text"]
    long_payload = jobs.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    assert long_payload.startswith("k:") and len(long_payload.encode()) <= 64
    post(assistant, callback(chat_id, long_payload, "de"))
    skills = telegram_api.wait_for("sendMessage", 3, chat_id=chat_id)[2].params["text"]
    first_job = next(row for row in csv.DictReader((PROJECT_ROOT / "data/defaults/esco/occupations.csv").open())
                     if row["esco_uri"].endswith("45037d43-a8f5-4f46-b332-b2935bc305f4"))  # rank 1 in EURES 2023
    assert skills.startswith(t("de", "skills.header", occupation=first_job["label_de"]))


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "location"])
def test_media_gets_a_polite_localized_answer(assistant, telegram_api, kind: str) -> None:
    chat_id = chat()
    media = {"sticker": {"file_id": "x", "file_unique_id": "y", "width": 512, "height": 512, "is_animated": False,
                         "is_video": False, "type": "regular"},
             "photo": [{"file_id": "x", "file_unique_id": "y", "width": 90, "height": 90}],
             "voice": {"file_id": "x", "file_unique_id": "y", "duration": 3},
             "location": {"latitude": 44.43, "longitude": 26.1}}[kind]
    post(assistant, update(chat_id, "fr", **{kind: media}))
    assert texts(telegram_api, chat_id)[0].startswith(t("fr", "fallback.media"))


def test_edited_messages_and_unknown_updates_are_acknowledged_and_ignored(assistant, telegram_api) -> None:
    chat_id = chat()
    edited = update(chat_id, text="edited")
    edited["edited_message"] = edited.pop("message")
    for body in (edited, {"update_id": next(_ids), "my_chat_member": {"chat": {"id": chat_id}}}):
        reply = post(assistant, body)
        assert reply.status_code == 200 and reply.json()["outcome"] == "ignored"
    # a message after them is answered; the chat's messages are handled in order, so by the time its answer
    # has come, anything the ignored updates had caused would have come before it
    post(assistant, update(chat_id, "en", text="hello"))
    [answer] = telegram_api.wait_for("sendMessage", chat_id=chat_id)
    assert answer.params["text"].startswith(t("en", "greet.hello"))
    assert len(telegram_api.calls_of("sendMessage", chat_id=chat_id)) == 1


@pytest.mark.parametrize(("secret", "raw", "status"), [
    (None, None, 403), ("wrong-secret", None, 403), (TELEGRAM_SECRET, b"{not json", 400),
    (TELEGRAM_SECRET, b"[1, 2]", 400),
])
def test_forged_or_malformed_requests_are_refused(assistant, telegram_api, secret, raw, status) -> None:
    chat_id = chat()
    reply = post(assistant, update(chat_id, text="hello"), secret=secret, raw=raw)
    assert reply.status_code == status
    # the same chat's next, proper message is answered; the refused one, had it gone through, would have been
    # answered first (a chat's messages are handled in order)
    post(assistant, update(chat_id, text="hello"))
    [answer] = telegram_api.wait_for("sendMessage", chat_id=chat_id)
    assert answer.params["text"].startswith(t("en", "greet.hello"))
    assert len(telegram_api.calls_of("sendMessage", chat_id=chat_id)) == 1


def test_a_duplicate_delivery_gets_one_reply(assistant, telegram_api) -> None:
    chat_id = chat()
    body = update(chat_id, text="hello")
    assert post(assistant, body).json()["outcome"] == "message"
    assert post(assistant, body).json()["outcome"] == "duplicate"
    telegram_api.wait_for("sendMessage", chat_id=chat_id)
    post(assistant, update(chat_id, text="thank you"))  # answered after anything the duplicate could cause
    second = telegram_api.wait_for("sendMessage", 2, chat_id=chat_id)[1]
    assert second.params["text"].startswith(t("en", "thank"))
    assert len(telegram_api.calls_of("sendMessage", chat_id=chat_id)) == 2


@pytest.mark.parametrize("text", ["x " * 2500, "👍👍🙂", "a" * 5000])
def test_huge_and_emoji_messages_get_an_answer(assistant, telegram_api, text: str) -> None:
    chat_id = chat()
    assert post(assistant, update(chat_id, text=text)).status_code == 200
    assert texts(telegram_api, chat_id)[0]


def test_messages_of_one_user_are_answered_in_order(assistant, telegram_api) -> None:
    chat_id = chat()
    for text in ("hello", "in German please", "ok"):
        post(assistant, update(chat_id, text=text))
    replies = texts(telegram_api, chat_id, 3)
    assert replies[0].startswith(t("en", "greet.hello"))
    assert replies[1].startswith(t("de", "language.changed"))
    assert replies[2].startswith(t("de", "ack.affirm"))


def test_rate_limits_are_waited_out(assistant, telegram_api) -> None:
    chat_id = chat()
    telegram_api.rate_limit_next = 1
    post(assistant, update(chat_id, text="hello"))
    assert texts(telegram_api, chat_id)[0].startswith(t("en", "greet.hello"))
    assert telegram_api.calls_of("sendMessage:429", chat_id=chat_id)


def test_chat_ids_never_reach_the_tracker(assistant, telegram_api) -> None:
    chat_id = chat()
    post(assistant, update(chat_id, text="hello"))
    telegram_api.wait_for("sendMessage", chat_id=chat_id)
    log = (assistant.var_dir / "serve.log").read_text(errors="replace")
    assert str(chat_id) not in log
    import sqlite3

    with sqlite3.connect(assistant.var_dir / "tracker.db") as db:
        ids = [row[0] for row in db.execute("select distinct sender_id from events")]
    assert ids and not any(str(chat_id) in i for i in ids)
    assert any(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)  # the keyed hashes of Telegram users
