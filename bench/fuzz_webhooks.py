"""Fuzz the Telegram and WhatsApp webhooks of a running assistant with generated payloads.

Starts a fresh assistant like ``bench/soak.py`` (stand-ins, action server, Rasa server with the trained model:
valid payloads go on to Rasa), then posts ``--count`` payloads: mutated real Telegram updates (message,
command, callback_query, edited_message, media, other update types) and Twilio forms (text, button, media,
location, status callback, SMS), with wrong types (strings for numbers, lists, nulls, nested objects), huge
fields (1 MB texts, 10,000-deep nesting, many fields), bad encodings (invalid UTF-8, UTF-16/32, NUL bytes, lone
surrogates), wrong content types and empty bodies. Most carry the valid secret / a valid Twilio signature over
exactly the fields the server will parse (so they get past the authentication), some are forged.

Values come from ``hypothesis`` strategies when it is installed (``pip install hypothesis``; seeded, no
example database), otherwise from a seeded ``random.Random``; the structure of each case always comes from the
seeded generator, so ``--seed`` reproduces a run.

Prints: payloads sent, responses by status code (and per family), 5xx with the payload shapes that caused them,
crashes (the server process died, or the connection was reset), timeouts, replies that should not exist (to
status callbacks, to updates that must be ignored), whether the server still answers a normal message
afterwards, and the Tracebacks in the Rasa server log.

    .venv/bin/python bench/fuzz_webhooks.py                 # 10,000 payloads
    .venv/bin/python bench/fuzz_webhooks.py --count 300 --seed 7
"""

from __future__ import annotations

import argparse
import base64
import copy
import functools
import hashlib
import json
import random
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._harness import (
    STANDIN_ERRORS,
    TELEGRAM_SECRET,
    TWILIO_FROM,
    TWILIO_PUBLIC_URL,
    TWILIO_SID,
    ReplyIndex,
    Sender,
    Stack,
    form_body,
    log,
    raise_keyboard_interrupt_on_sigterm,
    server_side_fields,
    shorten,
    telegram_update,
    traceback_frames,
    tracebacks,
    twilio_fields,
    twilio_signature,
)

try:
    import hypothesis
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - the seeded generator is used instead
    hypothesis = None
    st = None

MB = 1_000_000
DEEP = 10_000
TEXTS = ["hello", "hola buenas", "bună ziua", "bonjour", "hallo", "thanks", "1", "3", "menu", "/start", "",
         "unemployment romania", "paro juvenil en España 2024", "ce meserii se caută", "compétences boulanger",
         "Fachkräftemangel Deutschland", "what is NEET?", "in German please", "🙂", "👍🏽", "   ", "\n\n",
         "<b>bold</b> & <i>", "`code`", "x" * 5000, "日本語のテキスト", "مرحبا", "\u202eRTL override", "\u200b",
         "'; DROP TABLE channel_users; --", "{{1}}", "%s%n%x", "\\u0000", "null", "k:0123456789abcdef"]
NASTY = ["", " ", "\x00", "a\x00b", "\ufeff", "\ud800", "\udfff", "\ud83d", "\U0010ffff", "\ufffd", "\u0301",
         "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇", "🇪🇺", "👨‍👩‍👧‍👦", "\r\n", "\\", "\"", "'", "%", "%00", "%zz", "&",
         "=", "+", "١٢٣", "𝟙𝟚𝟛", "NaN", "-1", "0", "1e309", "0x10", "9" * 30, "true", "[]", "{}", "whatsapp:",
         "whatsapp:+", "whatsapp:+4\x00", "k:", "/", "//", "/start@other_bot", "/" + "a" * 300]
WEIRD_KEYS = ["text", "chat", "id", "from", "message", "data", "update_id", "photo", "entities", "caption",
              "reply_markup", "edited_message", "callback_query", "", "\x00", "__proto__", "constructor", "💥"]
MEDIA = {"photo": [{"file_id": "AgAC", "file_unique_id": "AQAD", "width": 90, "height": 90, "file_size": 1234}],
         "sticker": {"file_id": "CAAC", "file_unique_id": "AgAD", "type": "regular", "width": 512, "height": 512,
                     "is_animated": False, "is_video": False, "emoji": "😀"},
         "voice": {"file_id": "AwAC", "file_unique_id": "AgAD", "duration": 3, "mime_type": "audio/ogg"},
         "location": {"latitude": 44.43, "longitude": 26.1},
         "document": {"file_id": "BQAC", "file_unique_id": "AgAD", "file_name": "cv.pdf",
                      "mime_type": "application/pdf"},
         "contact": {"phone_number": "+40712345678", "first_name": "Ana"},
         "video_note": {"file_id": "DQAC", "file_unique_id": "AgAD", "length": 240, "duration": 5},
         "dice": {"emoji": "🎲", "value": 4},
         "poll": {"id": "1", "question": "?", "options": [], "total_voter_count": 0, "is_closed": False,
                  "is_anonymous": True, "type": "regular", "allows_multiple_answers": False}}
IGNORED_UPDATES = ("edited_message", "channel_post", "edited_channel_post", "my_chat_member", "inline_query",
                   "poll_answer", "chat_join_request")
CONTENT_TYPES = ["application/json", "text/plain", "application/x-www-form-urlencoded", None,
                 "multipart/form-data; boundary=xyz", "application/json; charset=utf-16", "application/xml",
                 "application/json; charset=\x7f", "*/*"]
TELEGRAM_CHATS = [1_000_000_000 + n for n in range(48)]
PREFIXES = ["+40", "+34", "+33", "+49", "+44", "+1", "+373", "+352", "+43"]
WHATSAPP_NUMBERS = [f"whatsapp:{PREFIXES[n % len(PREFIXES)]}79{n:07d}" for n in range(48)]


@dataclass
class Budget:
    """Rationed cases. A 100 KB text of words already makes the Rasa server grow to ~11 GB for ~30 s (DIET's
    attention is quadratic in the tokens) on a shared 24 GB machine, so few multi-word huge texts are made; the
    other huge texts are one 1 MB token, which NLU handles in seconds."""

    huge_words: int = 1


class Values:
    """Random values: from hypothesis strategies (``data``) when available, else from the seeded generator."""

    def __init__(self, rng: random.Random, data: Any = None, budget: Budget | None = None) -> None:
        self.rng = rng
        self.data = data
        self.budget = budget or Budget()

    def huge_kind(self) -> str:
        """``words`` (1 MB) or ``words-200k`` (under the channels' 256 KB body limit) while the budget lasts,
        else ``token`` or ``emoji``."""
        kind = self.rng.choice(["words", "words-200k", "token", "emoji"])
        if kind.startswith("words"):
            if self.budget.huge_words <= 0:
                return "token"
            self.budget.huge_words -= 1
        return kind

    def text(self, max_size: int = 30) -> str:
        if self.data is not None and self.rng.random() < 0.7:
            alphabet = st.characters(codec=None, exclude_categories=()) if self.rng.random() < 0.3 else \
                st.characters()
            return self.data.draw(st.text(alphabet, max_size=max_size))
        pick = self.rng.random()
        if pick < 0.4:
            return self.rng.choice(NASTY)
        if pick < 0.7:
            return self.rng.choice(TEXTS)
        return "".join(chr(self.rng.choice([self.rng.randrange(32, 127), self.rng.randrange(0x80, 0x800),
                                            self.rng.randrange(0x800, 0xD800), self.rng.randrange(0xD800, 0xE000),
                                            self.rng.randrange(0x10000, 0x110000), self.rng.randrange(0, 32)]))
                       for _ in range(self.rng.randrange(max_size + 1)))

    def integer(self) -> int:
        if self.data is not None and self.rng.random() < 0.7:
            return self.data.draw(st.integers())
        return self.rng.choice([0, -1, 1, 2**31 - 1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, -(2**63) - 1, 2**64,
                                10**30, self.rng.randrange(-10**12, 10**12)])

    def value(self, depth: int = 0) -> Any:
        """A JSON value of another type than expected: string, number, float, bool, null, list, object."""
        if self.data is not None and self.rng.random() < 0.5:
            leaves = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
            return self.data.draw(st.recursive(leaves, lambda inner: st.lists(inner, max_size=3)
                                               | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                                               max_leaves=6))
        kind = self.rng.randrange(10 if depth < 3 else 7)
        if kind == 0:
            return self.text()
        if kind == 1:
            return str(self.integer())
        if kind == 2:
            return self.integer()
        if kind == 3:
            return self.rng.choice([0.5, -0.0, 1e308, float("nan"), float("inf"), -float("inf"), 1e-320])
        if kind == 4:
            return self.rng.choice([True, False])
        if kind in (5, 6):
            return None
        if kind in (7, 8):
            return [self.value(depth + 1) for _ in range(self.rng.randrange(4))]
        return {self.rng.choice(WEIRD_KEYS): self.value(depth + 1) for _ in range(self.rng.randrange(4))}


@dataclass
class Case:
    number: int
    channel: str  # telegram | whatsapp
    family: str  # telegram/message, whatsapp/status, ...
    mutations: list[str] = field(default_factory=list)
    auth: str = "valid"  # valid | missing | forged | ...
    content_type: str | None = "application/json"
    build: Callable[[], bytes] | None = None  # the body (built when sent: huge bodies are not kept)
    chat: str = ""  # recipient key of the replies it may cause
    must_not_reply: bool = False  # a pristine update that must be ignored (edited_message, status callback)

    @property
    def label(self) -> str:
        return f"{self.family} [{', '.join(self.mutations) or 'pristine'}] auth={self.auth}" + \
            (f" content-type={self.content_type!r}" if self.content_type not in (
                "application/json", "application/x-www-form-urlencoded") else "")


# ------------------------------------------------------------------ Telegram

def telegram_base(rng: random.Random, values: Values, number: int) -> tuple[str, dict[str, Any], int]:
    chat = rng.choice(TELEGRAM_CHATS)
    lang = rng.choice(["en", "es", "ro", "fr", "de", "pt", "", None, "EN-us"])
    family = rng.choices(["message", "command", "callback_query", "edited_message", "media", "other"],
                         weights=[30, 8, 15, 10, 15, 7])[0]
    update = telegram_update(chat, rng.choice(TEXTS) if rng.random() < 0.6 else values.text(60), lang or "en",
                             message_id=number)
    message = update["message"]
    if lang is None:
        message["from"].pop("language_code")
    if family == "command":
        command = rng.choice(["/start", "/help", "/language", "/forget", "/menu", "/unknown", "/start@lmi4vet_bot",
                              "/START", "/ start", "/start arg1 arg2"])
        message["text"] = command
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command.split()[0])}]
    elif family == "callback_query":
        data = rng.choice(["/ask_indicator", "/ask_in_demand_occupations", "/greet", "/choose_language",
                           "/affirm", "/deny", "k:" + hashlib.sha256(str(number).encode()).hexdigest()[:16], "k:",
                           "plain text", "", "/" + "x" * 70])
        update = {"update_id": update["update_id"], "callback_query": {
            "id": str(9_000_000_000 + number), "from": message["from"], "chat_instance": "-42", "data": data,
            "message": {"message_id": 1, "date": message["date"], "chat": message["chat"], "text": "menu"}}}
        if rng.random() < 0.15:  # an inline-mode callback: no message, only the user
            update["callback_query"].pop("message")
    elif family == "edited_message":
        chat = 2_000_000_000 + number  # a chat of its own: any reply to it is a bug
        message["chat"]["id"] = message["from"]["id"] = chat
        message["edit_date"] = message["date"] + 5
        update = {"update_id": update["update_id"], "edited_message": message}
    elif family == "media":
        kind = rng.choice(sorted(MEDIA))
        message.pop("text")
        message[kind] = copy.deepcopy(MEDIA[kind])
        if rng.random() < 0.3:
            message["caption"] = values.text(40)
    elif family == "other":
        chat = 2_000_000_000 + number
        message["chat"]["id"] = message["from"]["id"] = chat
        kind = rng.choice(IGNORED_UPDATES[1:])
        update = {"update_id": update["update_id"], kind: message if "post" in kind else
                  {"chat": message["chat"], "from": message["from"], "date": message["date"]}}
    return family, update, chat


def paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a node of a JSON document (for mutations)."""
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(paths(value, (*prefix, index)))
    return found


def get_parent(doc: Any, path: tuple) -> Any:
    for step in path[:-1]:
        doc = doc[step]
    return doc


def mutate_json(rng: random.Random, values: Values, doc: Any, labels: list[str]) -> Any:
    """One structural mutation of ``doc`` (returns the new document)."""
    all_paths = paths(doc)
    path = rng.choice(all_paths)
    name = ".".join(str(p) for p in path) or "<root>"
    operation = rng.choices(["type", "delete", "add", "huge", "deep", "wrap"], weights=[47, 20, 14, 3, 3, 13])[0]
    if operation == "type" or (operation in ("delete", "add") and not path):
        new = values.value()
        labels.append(f"{name} <- {type(new).__name__}")
    elif operation == "delete":
        parent = get_parent(doc, path)
        del parent[path[-1]]
        labels.append(f"del {name}")
        return doc
    elif operation == "add":
        parent = get_parent(doc, path)
        target = parent[path[-1]]
        if isinstance(target, dict):
            key = rng.choice(WEIRD_KEYS)
            target[key] = values.value()
            labels.append(f"{name}.{key!r} added")
        elif isinstance(target, list):
            target.append(values.value())
            labels.append(f"{name}[] appended")
        else:
            parent[path[-1]] = [target, values.value()]
            labels.append(f"{name} <- list")
        return doc
    elif operation == "huge":
        new = HugeText(values.huge_kind())
        labels.append(f"{name} <- {'200 KB' if new.kind == 'words-200k' else '1 MB'} {new.kind}")
    elif operation == "deep":
        new = Deep(rng.choice("[{"))
        labels.append(f"{name} <- {DEEP}-deep {'list' if new.opener == '[' else 'object'}")
    else:
        current = get_parent(doc, path)[path[-1]] if path else doc
        new = rng.choice([[current], {"value": current}, json.dumps(current, default=str)])
        labels.append(f"{name} wrapped in {type(new).__name__}")
    if not path:
        return new
    get_parent(doc, path)[path[-1]] = new
    return doc


@dataclass(frozen=True)
class HugeText:
    kind: str  # words | token | emoji

    def render(self) -> str:
        if self.kind.startswith("words"):
            size = 200_000 if self.kind == "words-200k" else MB
            return ("unemployment in romania please " * (size // 31 + 1))[:size]
        if self.kind == "emoji":
            return "🙂" * (MB // 4)
        return "x" * MB


@dataclass(frozen=True)
class Deep:
    opener: str


def render_json(doc: Any, ensure_ascii: bool) -> str:
    """json.dumps with the huge and deep placeholders expanded (json.dumps cannot nest 10,000 levels)."""
    holes: dict[str, str] = {}

    def swap(node: Any) -> Any:
        if isinstance(node, HugeText | Deep):
            key = f"@@hole{len(holes)}@@"
            holes[key] = json.dumps(node.render(), ensure_ascii=ensure_ascii) if isinstance(node, HugeText) else \
                (node.opener * DEEP + ("]" if node.opener == "[" else "}") * DEEP).replace("{", '{"a":').replace(
                    '{"a":}', '{"a":0}').replace('":}', '":0}')
            return key
        if isinstance(node, dict):
            return {k: swap(v) for k, v in node.items()}
        if isinstance(node, list):
            return [swap(v) for v in node]
        return node

    text = json.dumps(swap(doc), ensure_ascii=ensure_ascii)
    for key, value in holes.items():
        text = text.replace(json.dumps(key), value)
    return text


def deep_object(depth: int) -> str:
    return '{"a":' * depth + "0" + "}" * depth


def telegram_case(number: int, rng: random.Random, values: Values) -> Case:
    family, update, chat = telegram_base(rng, values, number)
    case = Case(number, "telegram", f"telegram/{family}", chat=str(chat))
    mutated = rng.random() < 0.8
    if mutated:
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            update = mutate_json(rng, values, update, case.mutations)
            if not isinstance(update, dict | list):
                break
    encoding = rng.choices(["utf-8", "ascii-escapes", "utf-16", "utf-16-le", "utf-32", "utf-8-sig", "latin-1",
                            "surrogatepass", "invalid-bytes", "nul", "truncated", "empty", "scalar", "dup-keys",
                            "nan", "bignum", "deep-root"],
                           weights=[55, 15, 3, 2, 1, 2, 2, 2, 3, 2, 2, 2, 2, 2, 1, 1, 1])[0]
    if encoding not in ("utf-8", "ascii-escapes"):
        case.mutations.append(f"body {encoding}")
    if encoding == "dup-keys" and isinstance(update, dict) and "update_id" in update:
        update = {"update_id": update["update_id"], **update}

    def build(doc: Any = update, how: str = encoding) -> bytes:
        text = render_json(doc, ensure_ascii=how == "ascii-escapes")
        if how == "dup-keys":
            return text.replace("{", '{"update_id": "duplicate", ', 1).encode("utf-8", "surrogatepass")
        if how in ("utf-16", "utf-16-le", "utf-32", "utf-8-sig"):
            return text.encode(how, "surrogatepass")
        if how == "latin-1":
            return text.encode("latin-1", "replace")
        if how == "surrogatepass":
            return text.replace('"', '"\ud800', 1).encode("utf-8", "surrogatepass")
        raw = text.encode("utf-8", "surrogatepass")
        if how == "invalid-bytes":
            cut = len(raw) // 2
            return raw[:cut] + rng_bytes(number) + raw[cut:]
        if how == "nul":
            return raw.replace(b",", b",\x00", 1) if number % 2 else raw + b"\x00"
        if how == "truncated":
            return raw[: max(1, len(raw) * (number % 9 + 1) // 10)]
        if how == "empty":
            return [b"", b" ", b"\n", b"null", b"{}", b"[]"][number % 6]
        if how == "scalar":
            return [b"1", b'"update"', b"true", b"[1, 2]", b"[{\"update_id\": 1}]", b"1e999"][number % 6]
        if how in ("nan", "bignum"):  # the update_id (or the first 0) becomes NaN / a 5,000-digit number
            uid = str(doc.get("update_id")) if isinstance(doc, dict) else "0"
            return text.replace(uid, "NaN" if how == "nan" else "9" * 5000, 1).encode("utf-8", "surrogatepass")
        if how == "deep-root":
            return deep_object(DEEP).encode() if number % 2 else ("[" * DEEP + "]" * DEEP).encode()
        return raw

    case.build = build
    case.content_type = rng.choices(CONTENT_TYPES, weights=[85, 3, 3, 3, 2, 1, 1, 1, 1])[0]
    case.auth = rng.choices(["valid", "missing", "wrong", "empty", "case", "padded", "long", "non-ascii"],
                            weights=[85, 4, 4, 1, 2, 2, 1, 1])[0]
    case.must_not_reply = not case.mutations and case.auth == "valid" and family in ("edited_message", "other")
    return case


def rng_bytes(number: int) -> bytes:
    return [b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf8\x88\x80\x80\x80", b"\x80", b"\xfe\xff"][
        number % 7]


def telegram_secret(auth: str) -> str | bytes | None:
    return {"valid": TELEGRAM_SECRET, "missing": None, "wrong": TELEGRAM_SECRET[:-1] + "X", "empty": "",
            "case": TELEGRAM_SECRET.upper(), "padded": f"{TELEGRAM_SECRET} ", "long": "s" * 8000,
            "non-ascii": "sécret".encode()}[auth]


# ------------------------------------------------------------------ WhatsApp (Twilio)

def twilio_base(rng: random.Random, values: Values, number: int) -> tuple[str, dict[str, str], str]:
    sender = rng.choice(WHATSAPP_NUMBERS)
    family = rng.choices(["text", "button", "media", "location", "status", "sms"], weights=[35, 15, 15, 8, 15, 7])[0]
    body = rng.choice(TEXTS) if rng.random() < 0.6 else values.text(60)
    fields = twilio_fields(sender, body)
    if family == "button":
        fields.update(MessageType="button", ButtonText=rng.choice(["Figures", "Sí", "1", ""]), Body="Figures",
                      ButtonPayload=rng.choice(["k:" + hashlib.sha256(str(number).encode()).hexdigest()[:16], "k:",
                                                "/greet", "payload", ""]))
    elif family == "media":
        count = rng.choice([1, 1, 2, 10])
        fields.update(NumMedia=str(count), MessageType=rng.choice(["image", "audio", "video", "document",
                                                                    "sticker"]), Body=rng.choice(["", body]))
        for index in range(count):
            fields[f"MediaContentType{index}"] = rng.choice(["image/jpeg", "audio/ogg", "video/mp4",
                                                             "application/pdf", "image/webp", ""])
            fields[f"MediaUrl{index}"] = f"https://api.twilio.com/2010-04-01/Accounts/{TWILIO_SID}/Messages/" \
                                         f"MM{number:032x}/Media/ME{index:032x}"
    elif family == "location":
        fields.update(MessageType="location", Body="", Latitude="44.4268", Longitude="26.1025",
                      Address="Piața Unirii", Label="Bucharest")
    elif family == "status":
        status = rng.choice(["queued", "sent", "delivered", "read", "failed", "undelivered"])
        sid = f"SM{number:032x}"
        fields = {"SmsSid": sid, "SmsStatus": status, "MessageStatus": status, "ChannelToAddress": sender[10:],
                  "To": sender, "ChannelPrefix": "whatsapp", "MessageSid": sid, "AccountSid": TWILIO_SID,
                  "StructuredMessage": "false", "From": TWILIO_FROM, "ApiVersion": "2010-04-01",
                  "ChannelInstallSid": "XE" + "0" * 32}
        if status in ("failed", "undelivered"):
            fields.update(ErrorCode="63016", ErrorMessage="outside the allowed window")
        sender = TWILIO_FROM  # a reply to a status callback would go to our own number
    elif family == "sms":
        fields["From"] = fields["From"].removeprefix("whatsapp:")
        fields["To"] = TWILIO_FROM.removeprefix("whatsapp:")
    return family, fields, sender


def mutate_fields(rng: random.Random, values: Values, fields: dict[str, str], labels: list[str]) -> None:
    key = rng.choice(sorted(fields) or ["Body"])
    operation = rng.choices(["value", "delete", "blank", "numeric", "from", "sid", "huge", "deep", "add"],
                            weights=[32, 14, 8, 10, 10, 8, 3, 3, 12])[0]
    if operation == "value":
        fields[key] = values.text(40)
        labels.append(f"{key} <- text")
    elif operation == "delete":
        fields.pop(key, None)
        labels.append(f"del {key}")
    elif operation == "blank":
        fields[key] = ""
        labels.append(f"{key} blank")
    elif operation == "numeric":
        field_name = rng.choice(["NumMedia", "NumSegments", "ReferralNumMedia", "Latitude", "ErrorCode"])
        fields[field_name] = rng.choice(["abc", "-1", "1e3", "", " 2 ", "١", "99999999999999999999", "0x1", "1.5",
                                         "NaN", "²"])
        labels.append(f"{field_name} <- {fields[field_name]!r}")
    elif operation == "from":
        fields["From"] = rng.choice(["whatsapp:", "whatsapp:+", "whatsapp:abc", "whatsapp:+40" + "7" * 1000,
                                     "WhatsApp:+40712345678", "whatsapp:+40 712 345 678", "whatsapp:+\u0661\u0662",
                                     "messenger:123", "whatsapp:+40712345678\x00", TWILIO_FROM])
        labels.append(f"From <- {shorten(fields['From'], 24)!r}")
    elif operation == "sid":
        fields["MessageSid"] = rng.choice(["", "SM", "SM" + "f" * 2000, "💥", "SM\x00", "' or 1=1 --"])
        labels.append(f"MessageSid <- {shorten(fields['MessageSid'], 16)!r}")
    elif operation == "huge":
        kind = values.huge_kind()
        name = rng.choice([key, "Body", "Body", "ProfileName"])
        fields[name] = f"\x00HUGE-{kind}\x00"  # expanded when built
        labels.append(f"{name} <- {'200 KB' if kind == 'words-200k' else '1 MB'} {kind}")
    elif operation == "deep":
        fields["Body"] = "[" * DEEP + "]" * DEEP if rng.random() < 0.5 else deep_object(DEEP)
        labels.append(f"Body <- {DEEP}-deep JSON text")
    else:
        name = rng.choice(["Body[]", "Body[0]", "a[b][c]", "", " ", "\x00", "OriginalRepliedMessageSid", "Body"])
        fields[name] = values.text(20).encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        labels.append(f"field {name!r} added")


@functools.cache
def huge_field(kind: str) -> bytes:
    """A 1 MB form value, percent-encoded."""
    text = {"words": "hello " * (MB // 6), "words-200k": "hello " * (200_000 // 6), "token": "x" * MB,
            "emoji": "🙂" * (MB // 4)}[kind]
    return quote(text).encode()


def whatsapp_case(number: int, rng: random.Random, values: Values) -> Case:
    family, fields, sender = twilio_base(rng, values, number)
    case = Case(number, "whatsapp", f"whatsapp/{family}", chat=sender,
                content_type="application/x-www-form-urlencoded")
    if rng.random() < 0.8:
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            mutate_fields(rng, values, fields, case.mutations)
    encoding = rng.choices(["plain", "percent-invalid", "raw-invalid", "utf-16", "nul", "repeated-key", "junk",
                            "empty", "json", "many-fields", "truncated"],
                           weights=[66, 5, 4, 2, 3, 5, 4, 3, 3, 1, 4])[0]
    if encoding != "plain":
        case.mutations.append(f"body {encoding}")

    def build(fields: dict[str, str] = fields, how: str = encoding) -> bytes:
        raw = urlencode(fields, errors="surrogatepass").encode()  # a lone surrogate -> %ED%A0%80
        for kind in ("words", "words-200k", "token", "emoji"):
            hole = quote(f"\x00HUGE-{kind}\x00").encode()
            if hole in raw:
                raw = raw.replace(hole, huge_field(kind))
        if how == "percent-invalid":
            return raw.replace(b"Body=", b"Body=%FF%FE%ED%A0%80", 1) + b"&X=%C3%28"
        if how == "raw-invalid":
            return raw.replace(b"Body=", b"Body=\xff\xfe", 1) + rng_bytes(number)
        if how == "utf-16":
            return raw.decode().encode("utf-16")
        if how == "nul":
            return raw.replace(b"&", b"\x00&", 1) if number % 2 else raw.replace(b"Body=", b"Body=%00", 1)
        if how == "repeated-key":
            return raw + b"&From=" + quote(rng.choice(WHATSAPP_NUMBERS)).encode() + b"&Body=second"
        if how == "junk":
            return raw + [b"&&&", b"&=", b"&%", b"&%zz=1", b"&a=%", b"&novalue", b";a=b", b"&+=+"][number % 8]
        if how == "empty":
            return [b"", b"=", b"&", b" "][number % 4]
        if how == "json":
            return json.dumps(fields).encode()
        if how == "many-fields":
            return raw + b"".join(b"&F%d=%d" % (n, n) for n in range(100_000))
        if how == "truncated":
            return raw[: max(1, len(raw) * (number % 9 + 1) // 10)]
        return raw

    case.build = build
    case.content_type = rng.choices(["application/x-www-form-urlencoded", "application/json", "text/plain", None,
                                     "multipart/form-data; boundary=xyz",
                                     "application/x-www-form-urlencoded; charset=utf-16"],
                                    weights=[88, 3, 3, 3, 2, 1])[0]
    case.auth = rng.choices(["valid", "missing", "empty", "forged", "other-url", "other-fields", "non-ascii"],
                            weights=[85, 4, 2, 3, 2, 3, 1])[0]
    case.must_not_reply = not case.mutations and case.auth == "valid" and family in ("status", "sms")
    return case


def twilio_header(case: Case, body: bytes) -> str | bytes | None:
    if case.auth == "missing":
        return None
    if case.auth == "empty":
        return ""
    if case.auth == "non-ascii":
        return "signé=".encode()
    fields = server_side_fields(body)
    if fields is None or case.auth == "forged":
        return base64.b64encode(hashlib.sha1(body).digest()).decode()
    if case.auth == "other-url":
        return twilio_signature(fields, TWILIO_PUBLIC_URL.replace("https", "http"))
    if case.auth == "other-fields":
        return twilio_signature({**fields, "Body": fields.get("Body", "") + "!"})
    return twilio_signature(fields)


# ------------------------------------------------------------------ generation

def generate(count: int, seed: int, huge_words: int = 1) -> tuple[list[Case], str]:
    """``count`` cases, half per channel; values from hypothesis when installed."""
    rng = random.Random(seed)
    cases: list[Case] = []
    budget = Budget(huge_words)

    def one(case_rng: random.Random, data: Any = None) -> None:
        make = telegram_case if case_rng.random() < 0.5 else whatsapp_case
        case = make(len(cases), case_rng, Values(case_rng, data, budget))  # always: hypothesis replays
        if len(cases) < count:
            cases.append(case)

    if hypothesis is None:
        while len(cases) < count:
            one(random.Random(rng.getrandbits(63)))
        return cases, f"seeded random.Random({seed})"

    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed

    round_number = 0
    while len(cases) < count and round_number < 100:
        wanted = count - len(cases)

        # Each example's structure comes from a Random seeded by hypothesis (so a replayed example is the
        # same), its values from hypothesis strategies.
        @hypothesis_seed(seed * 1000 + round_number)
        @settings(max_examples=wanted, database=None, deadline=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck), derandomize=False, report_multiple_bugs=False)
        @given(st.data())
        def draw(data: Any) -> None:
            one(random.Random(data.draw(st.integers(0, 2**63), label="structure seed")), data)

        draw()
        round_number += 1
    return cases, f"hypothesis {hypothesis.__version__} (seed {seed}) + random.Random({seed})"


# ------------------------------------------------------------------ sending

class Fuzzer:
    def __init__(self, args: argparse.Namespace, stack: Stack) -> None:
        self.args = args
        self.stack = stack
        self.replies = ReplyIndex(stack)
        self.local = threading.local()
        self.lock = threading.Lock()
        self.restart_lock = threading.Lock()
        self.results: dict[int, str] = {}
        self.samples: dict[str, list[Case]] = defaultdict(list)
        self.crashes: list[tuple[Case, str]] = []
        self.reasons: Counter = Counter()  # (channel, status, start of the answer's text) of the 4xx/5xx
        self.deaths = 0
        self.stop = threading.Event()
        self.peak_rss: float = 0.0
        threading.Thread(target=self._watch_memory, daemon=True).start()

    def _watch_memory(self) -> None:
        while not self.stop.wait(0.5):
            self.peak_rss = max(self.peak_rss, self.stack.rss_mb("rasa") or 0.0)

    def sender(self) -> Sender:
        sender = getattr(self.local, "sender", None)
        if sender is None:
            sender = self.local.sender = Sender(self.stack.url, timeout=self.args.timeout)
        return sender

    def send(self, case: Case) -> None:
        if self.stop.is_set():
            return
        body = case.build()
        sender = self.sender()
        try:
            if case.channel == "telegram":
                answer = sender.telegram(body, secret=telegram_secret(case.auth), content_type=case.content_type)
            else:
                answer = sender.whatsapp(body, twilio_header(case, body), content_type=case.content_type)
            outcome = str(answer.status_code)
            if answer.status_code >= 400:
                with self.lock:
                    self.reasons[(case.channel, outcome, " ".join(answer.text.split())[:60])] += 1
            if answer.status_code >= 500:
                case.mutations.append(f"-> {shorten(answer.text, 80)!r}")
        except requests.Timeout:
            outcome = "timeout"
        except requests.ConnectionError as exc:
            outcome = "connection reset" if "reset" in str(exc).lower() or "aborted" in str(exc).lower() \
                else "connection error"
            self.check_alive(case, outcome)
        except ValueError as exc:  # e.g. a header the client refuses to send
            outcome = f"not sent ({type(exc).__name__})"
        with self.lock:
            self.results[case.number] = outcome
            if outcome.startswith("5") or not outcome[0].isdigit():
                self.samples[outcome].append(case)
                if self.args.save and not outcome.startswith("not sent"):
                    self.save(case, body, outcome)

    def check_alive(self, case: Case, outcome: str) -> None:
        with self.restart_lock:
            if self.stack.alive("rasa"):
                with self.lock:
                    self.crashes.append((case, outcome))
                return
            code = self.stack.processes["rasa"].returncode if self.stack.processes["rasa"] else None
            self.deaths += 1
            with self.lock:
                self.crashes.append((case, f"server died (exit code {code})"))
            log(f"the Rasa server died (exit code {code}) after case {case.number}: {case.label}; restarting")
            try:
                self.stack.restart("rasa")
            except RuntimeError as exc:
                log(f"could not restart the Rasa server: {exc}")
                self.stop.set()

    def save(self, case: Case, body: bytes, outcome: str) -> None:
        folder = Path(self.args.save)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"case-{case.number:05d}.body").write_bytes(body[:2 * MB])
        (folder / f"case-{case.number:05d}.txt").write_text(f"{outcome}\n{case.label}\n", encoding="utf-8")

    def run(self, cases: list[Case]) -> float:
        started = time.monotonic()
        batch = max(1, self.args.batch)
        with ThreadPoolExecutor(self.args.workers) as pool:
            for start in range(0, len(cases), batch):
                if self.stop.is_set():
                    break
                list(pool.map(self.send, cases[start:start + batch]))
                self.replies.wait_quiet(1.0, 120)  # let Rasa catch up: the webhooks answer before it does
                if (start // batch) % 10 == 9:
                    log(f"{start + batch}/{len(cases)} payloads sent, {self.replies.total} replies so far, "
                        f"{sum(1 for r in self.results.values() if r.startswith('5'))} 5xx")
        return time.monotonic() - started

    def still_answers(self) -> list[str]:
        """A normal message on each channel after the fuzzing: answered, and how fast?"""
        checks = []
        sender = Sender(self.stack.url, timeout=60)
        chat = 3_000_000_001
        number = "whatsapp:+40799999999"
        for channel, key in (("telegram", ("telegram", str(chat))), ("whatsapp", ("whatsapp", number))):
            started = time.monotonic()
            try:
                if channel == "telegram":
                    answer = sender.telegram(json.dumps(telegram_update(chat, "hello")).encode())
                else:
                    fields = twilio_fields(number, "buna ziua")
                    answer = sender.whatsapp(form_body(fields), twilio_signature(fields))
            except requests.RequestException as exc:
                checks.append(f"{channel}: NO (webhook failed: {type(exc).__name__})")
                continue
            reply = self.replies.wait(key, 0, time.monotonic() + 120)
            if answer.ok and reply is not None and reply.kind == "greet":
                checks.append(f"{channel}: yes ({reply.at - started:.1f} s, HTTP {answer.status_code})")
            else:
                checks.append(f"{channel}: NO (HTTP {answer.status_code}, reply "
                              f"{reply.kind if reply else 'none within 120 s'})")
        own = ("whatsapp", TWILIO_FROM)
        before = len(self.replies.replies(own))
        sid = f"SM{int(time.time() * 1000):032x}"
        status = {"SmsSid": sid, "SmsStatus": "delivered", "MessageStatus": "delivered", "To": number,
                  "ChannelToAddress": number[10:], "ChannelPrefix": "whatsapp", "MessageSid": sid,
                  "AccountSid": TWILIO_SID, "From": TWILIO_FROM, "ApiVersion": "2010-04-01"}
        try:
            answer = sender.whatsapp(form_body(status), twilio_signature(status))
            reply = self.replies.wait(own, before, time.monotonic() + 20)
            checks.append(f"a pristine status callback posted to the inbound webhook (HTTP {answer.status_code}) "
                          + ("was ANSWERED, to our own number" if reply else "got no reply (right)"))
        except requests.RequestException as exc:
            checks.append(f"status callback: webhook failed ({type(exc).__name__})")
        sender.close()
        return checks


def report(fuzzer: Fuzzer, cases: list[Case], generator: str, elapsed: float, checks: list[str]) -> None:
    sent = [c for c in cases if c.number in fuzzer.results]
    statuses = Counter(fuzzer.results[c.number] for c in sent)
    print()
    print("=" * 100)
    print(f"WEBHOOK FUZZING: {len(sent)} payloads sent in {elapsed:.0f} s; generator: {generator}")
    print("=" * 100)
    print(f"payloads: {len(sent)} (Telegram {sum(c.channel == 'telegram' for c in sent)}, "
          f"WhatsApp {sum(c.channel == 'whatsapp' for c in sent)}); with valid auth "
          f"{sum(c.auth == 'valid' for c in sent)}, forged/missing {sum(c.auth != 'valid' for c in sent)}; "
          f"mutated {sum(bool(c.mutations) for c in sent)}")
    print("responses by status: " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))
    print("by family:")
    families = sorted({c.family for c in sent})
    for family in families:
        here = Counter(fuzzer.results[c.number] for c in sent if c.family == family)
        print(f"   {family:26} " + ", ".join(f"{k}: {v}" for k, v in sorted(here.items())))
    print("error answers (channel, status, text):")
    for (channel, status, text), times in sorted(fuzzer.reasons.items(), key=lambda kv: -kv[1])[:20]:
        print(f"   {times:5} x {channel} {status} {text!r}")
    fives = [c for c in sent if fuzzer.results[c.number].startswith("5")]
    print(f"5xx: {len(fives)}")
    groups: dict[str, list[Case]] = defaultdict(list)
    for case in fives:
        shape = [m.split(" <- ")[0].split("[")[0] if " <- " in m else m for m in case.mutations
                 if not m.startswith("->")]
        groups[f"{case.family} [{', '.join(shape) or 'pristine'}]"].append(case)
    for shape, members in sorted(groups.items(), key=lambda kv: -len(kv[1]))[:25]:
        print(f"   {len(members):5} x {shorten(shape, 150)}")
        print(f"           e.g. case {members[0].number}: {shorten(members[0].label, 220)}")
    resets = [x for x in fuzzer.crashes if not x[1].startswith("server died")]
    print(f"crashes: {fuzzer.deaths + len(resets)} (server process died: {fuzzer.deaths}, connection reset or "
          f"refused with the server alive: {len(resets)})")
    for case, what in fuzzer.crashes[:15]:
        print(f"   case {case.number}: {what}: {shorten(case.label, 200)}")
    timeouts = [c for c in sent if fuzzer.results[c.number] == "timeout"]
    print(f"timeouts (> {fuzzer.args.timeout:.0f} s): {len(timeouts)}")
    for case in timeouts[:10]:
        print(f"   case {case.number}: {shorten(case.label, 200)}")
    not_sent = [c for c in sent if fuzzer.results[c.number].startswith("not sent")]
    if not_sent:
        print(f"not sent (the HTTP client refused the request): {len(not_sent)}")
    own = len(fuzzer.replies.replies(("whatsapp", TWILIO_FROM)))
    print(f"replies sent to the bot's own WhatsApp number (a status callback or our own message answered): {own}")
    pristine = [c for c in sent if c.must_not_reply and fuzzer.results[c.number].startswith("2")]
    wrongly = [c for c in pristine if c.channel == "telegram" and fuzzer.replies.replies(("telegram", c.chat))]
    print(f"replies to pristine updates that must be ignored (edited_message, channel_post, ...): "
          f"{len(wrongly)} of {sum(c.channel == 'telegram' for c in pristine)}")
    print(f"replies recorded by the stand-ins in all: {fuzzer.replies.total}; kinds: "
          + ", ".join(f"{k}: {v}" for k, v in sorted(Counter(
              r.kind for key in fuzzer.replies.recipients() for r in fuzzer.replies.replies(key)).items())))
    if STANDIN_ERRORS.count:
        print(f"stand-in errors (calls the real APIs would refuse with a 4xx): {STANDIN_ERRORS.count}; "
              + "; ".join(f"{n} x {what}" for what, n in STANDIN_ERRORS.last.most_common(3)))
    print("server still answers a normal message afterwards: " + "; ".join(checks[:2]))
    for check in checks[2:]:
        print(check)
    for name in ("rasa", "actions"):
        path = fuzzer.stack.log_path(name)
        count, exceptions = tracebacks(path)
        print(f"{'Rasa' if name == 'rasa' else 'action'} server log: {count} Traceback(s)")
        for line, times in exceptions.most_common(12):
            frames = traceback_frames(path, line)
            print(f"   {times:5} x {shorten(line, 160)}")
            if frames:
                print(f"           at {' -> '.join(frames)}")
    print(f"Rasa server peak memory (RSS): {fuzzer.peak_rss / 1024:.1f} GB")
    print(f"server alive at the end: Rasa {'yes' if fuzzer.stack.alive('rasa') else 'NO'}, "
          f"actions {'yes' if fuzzer.stack.alive('actions') else 'NO'}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="payloads to send (default 10000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generator (default 1)")
    parser.add_argument("--workers", type=int, default=4, help="concurrent senders (default 4)")
    parser.add_argument("--batch", type=int, default=100,
                        help="payloads between two pauses that let Rasa catch up (default 100)")
    parser.add_argument("--timeout", type=float, default=60, help="HTTP timeout of one webhook POST (default 60)")
    parser.add_argument("--huge-words", type=int, default=1,
                        help="1 MB texts made of words (each makes the Rasa server grow by ~10 GB; default 1)")
    parser.add_argument("--save", metavar="DIR", help="write the bodies of the 5xx/crash/timeout cases to DIR")
    parser.add_argument("--keep", action="store_true", help="keep the temporary var dir (logs, databases)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    raise_keyboard_interrupt_on_sigterm()
    log(f"generating {args.count} payloads (seed {args.seed})")
    cases, generator = generate(args.count, args.seed, args.huge_words)
    log(f"generated with {generator}")
    stack = Stack(keep=args.keep)
    fuzzer: Fuzzer | None = None
    elapsed = 0.0
    try:
        stack.start_all()
        fuzzer = Fuzzer(args, stack)
        elapsed = fuzzer.run(cases)
        log("all payloads sent; waiting for the replies to settle")
        fuzzer.replies.wait_quiet(5, 600)
        checks = fuzzer.still_answers()
        report(fuzzer, cases, generator, elapsed, checks)
    except KeyboardInterrupt:
        print("\ninterrupted: stopping the servers", flush=True)
        if fuzzer is not None:
            fuzzer.stop.set()
            report(fuzzer, cases, generator, elapsed, ["not checked (interrupted)"])
        return 130
    except RuntimeError as exc:
        print(f"fuzzing failed: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        stack.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
