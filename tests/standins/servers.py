"""Stand-in servers on 127.0.0.1 that speak the Telegram Bot API and the Twilio REST API wire formats.

Each runs an aiohttp server in its own thread and records every call, so tests can assert what the assistant
sent. ``rate_limit_next`` makes the next Telegram calls answer 429 with ``retry_after``. ``subscribe`` registers
a callback for every recorded call (benchmarks index the calls per recipient instead of scanning them all).
Telegram: getMe, sendMessage, sendDocument, sendPhoto (an uploaded PNG or a URL), getUpdates and the webhook
calls; Twilio: Messages create (Body, ContentSid or MediaUrl) and list.
"""

from __future__ import annotations

import asyncio
import base64
import json
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


class StandIn:
    """Base: an aiohttp app served from a background thread."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._listeners: list[Callable[[Call], None]] = []
        self.port = 0

    def app(self) -> web.Application:  # pragma: no cover - overridden
        raise NotImplementedError

    def record(self, method: str, params: dict[str, Any]) -> None:
        call = Call(method, params)
        with self._lock:
            self.calls.append(call)
            listeners = list(self._listeners)
        for listener in listeners:
            listener(call)

    def subscribe(self, listener: Callable[[Call], None]) -> None:
        """Call ``listener(call)`` for every call recorded from now on, in the stand-in's thread, right after
        it is recorded (keep it short: the API answer waits for it)."""
        with self._lock:
            self._listeners.append(listener)

    def calls_of(self, method: str, **match: Any) -> list[Call]:
        with self._lock:
            return [c for c in self.calls
                    if c.method == method and all(str(c.params.get(k)) == str(v) for k, v in match.items())]

    def wait_for(self, method: str, count: int = 1, timeout: float = 30, **match: Any) -> list[Call]:
        """Wait until at least ``count`` matching calls were recorded; return them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.calls_of(method, **match)
            if len(found) >= count:
                return found
            time.sleep(0.002)
        found = self.calls_of(method, **match)
        raise AssertionError(f"expected {count} {method} call(s) matching {match}, got {found}")

    def start(self) -> StandIn:
        ready = threading.Event()

        def serve() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            self._runner = web.AppRunner(self.app())
            self._loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            self._loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]
            ready.set()
            self._loop.run_forever()
            self._loop.run_until_complete(self._runner.cleanup())

        self._thread = threading.Thread(target=serve, daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        return await request.json()
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        if isinstance(value, web.FileField):  # an upload (sendDocument, sendPhoto): its name and bytes
            params[key] = {"filename": value.filename, "content": value.file.read(),
                           "content_type": value.content_type}
            continue
        if isinstance(value, str) and value[:1] in "[{":
            try:
                params[key] = json.loads(value)
                continue
            except ValueError:
                pass
        params[key] = value
    return params


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
URL_PHOTO_SIZE = (720, 720)  # the stand-in does not fetch a photo given by URL: it answers with this size


def photo_sizes(photo: Any, number: int) -> list[dict[str, Any]] | None:
    """The ``photo`` of sendPhoto's Message (one PhotoSize): an upload's size from its PNG header (width and
    height, big-endian, at bytes 16-24), a URL's nominal; ``None``: no photo, or an upload that is no PNG."""
    size: dict[str, Any] = {"file_id": f"photo-{number}", "file_unique_id": f"p{number}"}
    if isinstance(photo, dict):
        content = photo.get("content", b"")
        if len(content) < 24 or content[:8] != PNG_SIGNATURE or content[12:16] != b"IHDR":
            return None
        width, height = struct.unpack(">II", content[16:24])
        return [{**size, "width": width, "height": height, "file_size": len(content)}]
    if isinstance(photo, str) and photo:
        width, height = URL_PHOTO_SIZE
        return [{**size, "width": width, "height": height}]
    return None


class TelegramStandIn(StandIn):
    """``POST /bot<token>/<method>`` like api.telegram.org."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self.rate_limit_next = 0
        self.retry_after = 1
        self._message_id = 0
        # Answers for the next sendMessage calls: (HTTP status, description), e.g. (403, "Forbidden: bot was
        # blocked by the user"), (400, "Bad Request: chat not found"), (500, "Internal Server Error").
        self.fail_next: list[tuple[int, str]] = []
        self.pending_updates: list[dict[str, Any]] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self.handle)
        return app

    async def handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await _params(request)
        if method in ("sendMessage",) and self.rate_limit_next > 0:
            self.rate_limit_next -= 1
            self.record(f"{method}:429", params)
            return web.json_response({"ok": False, "error_code": 429,
                                      "description": f"Too Many Requests: retry after {self.retry_after}",
                                      "parameters": {"retry_after": self.retry_after}}, status=429)
        if method == "sendMessage" and self.fail_next:
            status, description = self.fail_next.pop(0)
            self.record(f"{method}:{status}", params)
            return web.json_response({"ok": False, "error_code": status, "description": description}, status=status)
        self.record(method, params)
        if method == "getMe":
            return web.json_response({"ok": True, "result": {
                "id": 7000000001, "is_bot": True, "first_name": "LMI4VET", "username": "lmi4vet_test_bot",
                "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}})
        if method == "sendMessage":
            self._message_id += 1
            return web.json_response({"ok": True, "result": {
                "message_id": self._message_id, "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": {"id": 7000000001, "is_bot": True, "first_name": "LMI4VET"},
                "text": params.get("text", "")}})
        if method == "sendDocument":
            document = params.get("document")
            if not isinstance(document, dict):
                return web.json_response({"ok": False, "error_code": 400,
                                          "description": "Bad Request: there is no document in the request"},
                                         status=400)
            self._message_id += 1
            return web.json_response({"ok": True, "result": {
                "message_id": self._message_id, "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": {"id": 7000000001, "is_bot": True, "first_name": "LMI4VET"},
                "document": {"file_id": f"doc-{self._message_id}", "file_unique_id": f"u{self._message_id}",
                             "file_name": document["filename"], "file_size": len(document["content"])},
                "caption": params.get("caption", "")}})
        if method == "sendPhoto":
            photo = params.get("photo")
            sizes = photo_sizes(photo, self._message_id + 1)
            if sizes is None:
                description = ("Bad Request: there is no photo in the request" if not photo
                               else "Bad Request: IMAGE_PROCESS_FAILED")
                return web.json_response({"ok": False, "error_code": 400, "description": description}, status=400)
            self._message_id += 1
            return web.json_response({"ok": True, "result": {
                "message_id": self._message_id, "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": {"id": 7000000001, "is_bot": True, "first_name": "LMI4VET"},
                "photo": sizes, "caption": params.get("caption", "")}})
        if method == "getUpdates":
            updates, self.pending_updates = self.pending_updates, []
            if not updates:
                await asyncio.sleep(min(float(params.get("timeout", 0) or 0), 0.5))
            return web.json_response({"ok": True, "result": updates})
        if method in ("answerCallbackQuery", "setWebhook", "deleteWebhook", "close", "logOut"):
            return web.json_response({"ok": True, "result": True})
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)


class TwilioStandIn(StandIn):
    """``POST /2010-04-01/Accounts/<sid>/Messages.json`` like api.twilio.com (HTTP basic auth)."""

    def __init__(self, account_sid: str, auth_token: str) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self._count = 0
        # Answers for the next Messages.create calls: (HTTP status, Twilio error code), e.g. (400, 21610) for an
        # unsubscribed recipient, (400, 21211) for an invalid number, (429, 20429), (500, 20500).
        self.fail_next: list[tuple[int, int]] = []
        self.created: list[dict[str, Any]] = []  # the message resources made, newest last (for GET lists)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self.handle)
        app.router.add_get("/2010-04-01/Accounts/{sid}/Messages.json", self.list_messages)
        return app

    def _authorised(self, request: web.Request) -> bool:
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return request.headers.get("Authorization") == expected and request.match_info["sid"] == self.account_sid

    async def list_messages(self, request: web.Request) -> web.Response:
        """``GET Messages.json?To=&From=`` (newest first, one page), like Twilio's list resource."""
        if not self._authorised(request):
            return web.json_response({"code": 20003, "message": "Authenticate", "status": 401}, status=401)
        query = request.query
        found = [m for m in reversed(self.created) if (not query.get("To") or m["to"] == query["To"])
                 and (not query.get("From") or m["from"] == query["From"])]
        self.record("Messages.list", dict(query))
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        return web.json_response({"messages": found, "end": max(len(found) - 1, 0), "first_page_uri": uri,
                                  "next_page_uri": None, "page": 0, "page_size": 50, "previous_page_uri": None,
                                  "start": 0, "uri": uri})

    async def handle(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"code": 20003, "message": "Authenticate", "status": 401}, status=401)
        form = await request.post()
        params: dict[str, Any] = {key: form.getone(key) for key in form}
        media = form.getall("MediaUrl", [])  # the form repeats MediaUrl, once per image
        if media:
            params["MediaUrl"] = list(media)
        if self.fail_next or not (params.get("Body") or media or params.get("ContentSid")):
            status, code = self.fail_next.pop(0) if self.fail_next else (400, 21619)
            self.record(f"Messages.create:{status}", params)
            return web.json_response({"code": code, "message": f"stand-in error {code}", "status": status,
                                      "more_info": f"https://www.twilio.com/docs/errors/{code}"}, status=status)
        self.record("Messages.create", params)
        self._count += 1
        sid = f"SM{self._count:032x}"
        now = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
        resource = {
            "sid": sid, "account_sid": self.account_sid, "to": params.get("To"), "from": params.get("From"),
            "body": params.get("Body", ""), "status": "queued", "num_segments": "1", "num_media": str(len(media)),
            "direction": "outbound-api", "api_version": "2010-04-01", "price": None, "price_unit": "USD",
            "error_code": None, "error_message": None, "date_created": now, "date_updated": now,
            "date_sent": None, "messaging_service_sid": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json", "subresource_uris": {}}
        with self._lock:
            self.created.append(resource)
        return web.json_response(resource, status=201)
