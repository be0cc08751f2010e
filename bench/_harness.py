"""Shared parts of ``bench/soak.py`` and ``bench/fuzz_webhooks.py``: a fresh assistant (stand-ins for the Bot API
and the Messages API, the action server and the Rasa server, each a separate process that can be killed and
restarted on its own), webhook senders with the real authentication, and an index of the replies per recipient.

Not a benchmark itself (the leading underscore keeps ``make bench`` from running it).
"""

from __future__ import annotations

import atexit
import html
import itertools
import json
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlencode

import requests
from twilio.request_validator import RequestValidator

from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.launcher import write_credentials, write_endpoints
from lmi4vet.settings import PROJECT_ROOT, Settings
from lmi4vet.training import ensure_model, model_path, rasa_env

sys.path.insert(0, str(PROJECT_ROOT))
from tests.standins.servers import Call, TelegramStandIn, TwilioStandIn

TELEGRAM_TOKEN = "7000000001:bench-token_for-the-stand-in"
TELEGRAM_SECRET = "bench-secret_token-0123456789"
TWILIO_SID = "AC" + "fedcba9876543210" * 2
TWILIO_TOKEN = "twilio-bench-auth-token"
TWILIO_FROM = "whatsapp:+14155238886"
TWILIO_PUBLIC_URL = "https://lmi4vet.example.org/webhooks/whatsapp/webhook"
TELEGRAM_PATH = "/webhooks/telegram/webhook"
WHATSAPP_PATH = "/webhooks/whatsapp/webhook"
SERVERS = ("actions", "rasa")
_validator = RequestValidator(TWILIO_TOKEN)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], pct: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def ms(value: float | None) -> str:
    return "     -" if value is None else f"{value * 1000:6.0f}"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---------------------------------------------------------------- the assistant

def _training_in_progress(name: str) -> bool:
    """Whether another process (``make train``) is training the model of this name right now."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with suppress(OSError):
            args = cmdline.read_bytes().split(b"\0")
            if b"train" in args and name.encode() in args and any(a.endswith(b"rasa") for a in args):
                return True
    return False


def current_model(settings: Settings) -> Path:
    """The trained model for the current data: waits for a training someone else is running, else trains."""
    target = model_path(settings.models_dir)
    name = target.name.removesuffix(".tar.gz")
    if not target.exists() and _training_in_progress(name):
        log(f"waiting for the training already running ({name}) to finish")
        deadline = time.monotonic() + 3600
        while not target.exists() and _training_in_progress(name) and time.monotonic() < deadline:
            time.sleep(5)
    return ensure_model(settings.models_dir, quiet=True)


class _CountingFilter(logging.Filter):
    """Counts the stand-ins' own request errors (e.g. a sendMessage whose chat_id is no integer: the real Bot
    API answers 400) instead of printing their tracebacks."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        self.last: Counter = Counter()

    def filter(self, record: logging.LogRecord) -> bool:
        self.count += 1
        if record.exc_info and record.exc_info[1] is not None:
            self.last[f"{type(record.exc_info[1]).__name__}: {str(record.exc_info[1])[:80]}"] += 1
        return False


STANDIN_ERRORS = _CountingFilter()
logging.getLogger("aiohttp.server").addFilter(STANDIN_ERRORS)


class Stack:
    """Stand-ins + action server + Rasa server in a fresh temporary var dir, on free ports.

    Each server is its own process group, so ``kill("rasa")`` is a ``kill -9`` of the Rasa server alone.
    ``close()`` (also on exit, Ctrl-C or SIGTERM) ends everything this object started.
    """

    def __init__(self, keep: bool = False) -> None:
        self.keep = keep
        self.var_dir = Path(tempfile.mkdtemp(prefix="lmi4vet-bench-"))
        self.processes: dict[str, subprocess.Popen | None] = dict.fromkeys(SERVERS)
        self._logs: dict[str, Any] = {}
        self.telegram = TelegramStandIn(TELEGRAM_TOKEN).start()
        self.twilio = TwilioStandIn(TWILIO_SID, TWILIO_TOKEN).start()
        self.rasa_port, self.action_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.rasa_port}"
        self.channel_env = dict(
            TELEGRAM_TOKEN=TELEGRAM_TOKEN, TELEGRAM_SECRET_TOKEN=TELEGRAM_SECRET, TELEGRAM_MODE="webhook",
            TELEGRAM_API_BASE_URL=self.telegram.base_url, TELEGRAM_PUBLIC_URL="",
            TWILIO_ACCOUNT_SID=TWILIO_SID, TWILIO_AUTH_TOKEN=TWILIO_TOKEN, TWILIO_WHATSAPP_FROM=TWILIO_FROM,
            TWILIO_WEBHOOK_URL=TWILIO_PUBLIC_URL, TWILIO_API_BASE_URL=self.twilio.base_url,
            TWILIO_QUICK_REPLY_SID="", TWILIO_LIST_PICKER_SID="", TWILIO_REENGAGE_SID="", CHANNEL_REDIS_URL="")
        self.env: dict[str, str] = {}
        self.model: Path | None = None
        self.endpoints: Path | None = None
        self.credentials: Path | None = None
        self._closed = False
        atexit.register(self.close)

    def prepare(self) -> None:
        """Model (trained if needed), our database for this var dir, endpoints.yml and credentials.yml."""
        base = {"LMI4VET_VAR_DIR": str(self.var_dir), "DATABASE_URL": "", "TRACKER_STORE_URL": "",
                "LOCK_STORE_URL": "", "RASA_PORT": str(self.rasa_port), "ACTION_PORT": str(self.action_port)}
        os.environ.update(base)  # prepare_database() and the settings read them
        settings = replace(Settings.from_env(), var_dir=self.var_dir, rasa_port=self.rasa_port,
                           action_port=self.action_port, tracker_store_url="", lock_store_url="")
        self.model = current_model(settings)
        from lmi4vet.cli import prepare_database

        prepare_database(quiet=True)
        run_dir = self.var_dir / "run"
        self.env = rasa_env()
        self.env.update(base)
        self.env.update(self.channel_env, SANIC_HOST="127.0.0.1", PYTHONPATH=str(PROJECT_ROOT))
        self.endpoints = write_endpoints(settings, run_dir)
        self.credentials = write_credentials(run_dir, self.env)

    def log_path(self, name: str) -> Path:
        return self.var_dir / "logs" / f"{name}.log"

    def command(self, name: str) -> list[str]:
        if name == "actions":
            return [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(self.action_port)]
        return [sys.executable, "-m", "rasa", "run", "--enable-api", "--model", str(self.model),
                "--interface", "127.0.0.1", "--port", str(self.rasa_port),
                "--endpoints", str(self.endpoints), "--credentials", str(self.credentials)]

    def start(self, name: str) -> None:
        if self._closed:
            raise RuntimeError("stack closed")
        path = self.log_path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        if name in self._logs:
            self._logs[name].close()
        handle = self._logs[name] = path.open("ab")
        handle.write(f"\n===== bench: starting {name} at {time.strftime('%H:%M:%S')} =====\n".encode())
        handle.flush()
        self.processes[name] = subprocess.Popen(self.command(name), cwd=PROJECT_ROOT, env=self.env,
                                                start_new_session=True, stdout=handle, stderr=subprocess.STDOUT,
                                                stdin=subprocess.DEVNULL)

    def rss_mb(self, name: str) -> float | None:
        """Resident memory of a server process (MB), from /proc."""
        process = self.processes.get(name)
        if process is None or process.poll() is not None:
            return None
        with suppress(OSError, ValueError):
            for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return None

    def alive(self, name: str) -> bool:
        process = self.processes.get(name)
        return process is not None and process.poll() is None

    def ready(self, name: str) -> bool:
        try:
            if name == "actions":
                return requests.get(f"http://127.0.0.1:{self.action_port}/health", timeout=2).ok
            answer = requests.get(f"{self.url}/status", timeout=2)
            return answer.ok and bool(answer.json().get("model_file"))
        except (requests.RequestException, ValueError):
            return False

    def wait_ready(self, name: str, timeout: float = 600) -> float:
        """Seconds until the server answers; raises if it exits or does not come up in time."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if not self.alive(name):
                tail = self.log_path(name).read_text(errors="replace")[-3000:]
                raise RuntimeError(f"the {name} server exited while starting:\n{tail}")
            if self.ready(name):
                if name == "rasa":  # like the launcher: the first parse builds the model's graph
                    with suppress(requests.RequestException):
                        requests.post(f"{self.url}/model/parse", json={"text": "hello"}, timeout=120)
                return time.monotonic() - started
            time.sleep(0.25)
        raise RuntimeError(f"the {name} server did not answer within {timeout:.0f} s")

    def start_all(self) -> float:
        """Prepare, start both servers and wait for them; returns the seconds the Rasa server took."""
        self.prepare()
        log(f"starting the action server (:{self.action_port}) and the Rasa server (:{self.rasa_port}), "
            f"var dir {self.var_dir}")
        for name in SERVERS:
            self.start(name)
        took = {name: self.wait_ready(name) for name in SERVERS}
        log(f"servers ready after {max(took.values()):.0f} s (model {self.model.name if self.model else '?'})")
        return took["rasa"]

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """``kill -9`` (by default) of one server's process group; returns when it is gone."""
        process = self.processes.get(name)
        if process is None:
            return
        if process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)

    def restart(self, name: str, timeout: float = 600) -> float:
        self.kill(name)
        self.start(name)
        return self.wait_ready(name, timeout)

    def close(self) -> None:
        """Stop everything started here: SIGTERM, then SIGKILL after 15 s; remove the var dir unless kept."""
        if self._closed:
            return
        self._closed = True
        running = [p for p in self.processes.values() if p is not None and p.poll() is None]
        for process in running:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                with suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=10)
        for process in self.processes.values():  # children left behind in a killed server's group
            if process is not None:
                with suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, signal.SIGKILL)
        for handle in self._logs.values():
            handle.close()
        self.telegram.stop()
        self.twilio.stop()
        if self.keep:
            with suppress(OSError), (self.var_dir / "standin_calls.jsonl").open("w", encoding="utf-8") as out:
                for api, standin in (("telegram", self.telegram), ("twilio", self.twilio)):
                    for call in list(standin.calls):
                        out.write(json.dumps({"api": api, "method": call.method, "at": call.at,
                                              "params": call.params}, default=str) + "\n")
            print(f"kept the var dir (databases, logs, standin_calls.jsonl): {self.var_dir}", flush=True)
        else:
            shutil.rmtree(self.var_dir, ignore_errors=True)

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def raise_keyboard_interrupt_on_sigterm() -> None:
    """SIGTERM ends the script like Ctrl-C does (so the ``finally`` blocks stop the servers)."""
    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def tracebacks(path: Path) -> tuple[int, Counter]:
    """How many "Traceback" a log holds, and the last line of each (the exception), counted."""
    if not path.exists():
        return 0, Counter()
    lines = path.read_text(errors="replace").splitlines()
    count, last_lines = 0, Counter()
    for index, line in enumerate(lines):
        if "Traceback (most recent call last)" not in line:
            continue
        count += 1
        for follow in lines[index + 1:index + 400]:
            if follow and not follow.startswith((" ", "\t", "Traceback", "During handling", "The above")) \
                    and re.match(r"^[\w.]+(Error|Exception|Exit|Interrupt|Warning)?\b.*", follow):
                last_lines[follow.strip()[:200]] += 1
                break
    return count, last_lines


def traceback_frames(path: Path, exception_line: str, limit: int = 3) -> list[str]:
    """Where the first traceback ending with ``exception_line`` went wrong: its last ``limit`` frames in the
    project's code and its innermost frame, outermost first, as "file:line function"."""
    lines = path.read_text(errors="replace").splitlines()
    for index, line in enumerate(lines):
        if line.strip()[:200] == exception_line:
            start = index
            while start > 0 and "Traceback (most recent call last)" not in lines[start]:
                start -= 1
            frames = [(m.group(1), f"{m.group(2)} {m.group(3)}")
                      for m in (re.match(r'\s*File "([^"]+)", line (\d+), in (\S+)', entry)
                                for entry in lines[start:index]) if m]
            root = str(PROJECT_ROOT) + "/"
            ours = [f for f in frames if f[0].startswith(root) and "/site-packages/" not in f[0]][-limit:]
            if frames and frames[-1] not in ours:
                ours.append(frames[-1])
            return [re.sub(r"^.*/(site-packages|python3\.\d+)/", "", name.replace(root, "")) + ":" + where
                    for name, where in ours]
    return []


# ---------------------------------------------------------------- webhook payloads and senders

_update_ids = itertools.count(int(time.time()) % 1_000_000 * 1000)
_sids = itertools.count(int(time.time()) % 1_000_000 * 1000)


def next_update_id() -> int:
    return next(_update_ids)


def next_message_sid() -> str:
    return f"SM{next(_sids):032x}"


def telegram_user(chat_id: int, lang: str = "en") -> dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": "Ana", "language_code": lang}


def telegram_update(chat_id: int, text: str, lang: str = "en", update_id: int | None = None,
                    message_id: int = 1) -> dict[str, Any]:
    """A Telegram update with a private text message, as the Bot API delivers it."""
    return {"update_id": next_update_id() if update_id is None else update_id, "message": {
        "message_id": message_id, "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private", "first_name": "Ana"}, "from": telegram_user(chat_id, lang),
        "text": text}}


def twilio_fields(number: str, body: str = "", sid: str | None = None, **extra: str) -> dict[str, str]:
    """The form Twilio posts for an inbound WhatsApp message (blank fields included)."""
    sid = sid or next_message_sid()
    fields = {"SmsMessageSid": sid, "NumMedia": "0", "ProfileName": "Ana", "MessageType": "text",
              "SmsSid": sid, "WaId": number.split("+")[-1], "SmsStatus": "received", "Body": body,
              "To": TWILIO_FROM, "NumSegments": "1", "ReferralNumMedia": "0", "MessageSid": sid,
              "AccountSid": TWILIO_SID, "From": number, "ApiVersion": "2010-04-01"}
    fields.update(extra)
    return fields


def twilio_signature(fields: dict[str, str], url: str = TWILIO_PUBLIC_URL) -> str:
    return _validator.compute_signature(url, fields)


def server_side_fields(raw: bytes) -> dict[str, str] | None:
    """The fields the WhatsApp connector will parse from ``raw`` (None if it cannot): sign those."""
    try:
        parsed = parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        return None
    return {key: values[-1] for key, values in parsed.items()}


def form_body(fields: dict[str, str]) -> bytes:
    return urlencode(fields).encode()


class Sender:
    """Posts webhooks with one keep-alive session (one per thread: ``requests`` sessions are not shared)."""

    def __init__(self, url: str, timeout: float = 30) -> None:
        self.url = url
        self.timeout = timeout
        self.session = requests.Session()

    def telegram(self, body: bytes, secret: str | None = TELEGRAM_SECRET,
                 content_type: str | None = "application/json",
                 headers: dict[str, str] | None = None) -> requests.Response:
        return self._post(TELEGRAM_PATH, body, content_type, headers, "X-Telegram-Bot-Api-Secret-Token", secret)

    def whatsapp(self, body: bytes, signature: str | None,
                 content_type: str | None = "application/x-www-form-urlencoded",
                 headers: dict[str, str] | None = None) -> requests.Response:
        return self._post(WHATSAPP_PATH, body, content_type, headers, "X-Twilio-Signature", signature)

    def _post(self, path: str, body: bytes, content_type: str | None, headers: dict[str, str] | None,
              auth_header: str, auth: str | None) -> requests.Response:
        sent = dict(headers or {})
        if content_type is not None:
            sent["Content-Type"] = content_type
        if auth is not None:
            sent[auth_header] = auth
        return self.session.post(self.url + path, data=body, headers=sent, timeout=self.timeout)

    def close(self) -> None:
        self.session.close()


# ---------------------------------------------------------------- replies, indexed per recipient

@dataclass(frozen=True)
class Reply:
    at: float  # time.monotonic() when the stand-in recorded it
    text: str
    kind: str  # what the text is (see ReplyKinds)


class ReplyKinds:
    """Tells a reply's kind from its text: the locale key it starts with, in any of the five languages (keys a
    version of the code does not have are skipped)."""

    KEYS: ClassVar[dict[str, str]] = {
        "greet.hello": "greet", "thank": "thank", "goodbye": "goodbye", "help.intro": "menu",
        "fallback.media": "media", "fallback.not_understood": "not_understood",
        "fallback.out_of_scope": "out_of_scope",
        "errors.generic": "apology", "errors.unavailable": "apology", "errors.database": "apology",
        "errors.slow": "notice", "errors.database_wait": "notice"}
    APOLOGIES = frozenset({"apology"})  # the turn ended without an answer
    NOTICES = frozenset({"notice"})  # "still working on it": the answer should still come

    def __init__(self) -> None:
        from lmi4vet.i18n import catalog

        found = []
        for key, kind in self.KEYS.items():
            for lang in SUPPORTED_LANGUAGES:
                prefix = (catalog(lang).get(key) or "").split("{")[0].strip()
                if len(prefix) >= 8:
                    found.append((prefix, kind))
        self.prefixes = sorted(found, key=lambda item: -len(item[0]))

    def __call__(self, text: str) -> str:
        plain = html.unescape(text or "").strip()
        for prefix, kind in self.prefixes:
            if plain.startswith(prefix):
                return kind
        return "other"


class ReplyIndex:
    """Every sendMessage (Telegram) and Messages.create (Twilio) reply, per recipient, as it arrives.

    Keys are ``("telegram", chat_id)`` and ``("whatsapp", "whatsapp:+...")``.
    """

    def __init__(self, stack: Stack) -> None:
        self.kinds = ReplyKinds()
        self._lock = threading.Lock()
        self._replies: dict[tuple[str, str], list[Reply]] = {}
        self._conditions: dict[tuple[str, str], threading.Condition] = {}
        self.total = 0
        self.last_at = time.monotonic()
        stack.telegram.subscribe(self._on_telegram)
        stack.twilio.subscribe(self._on_twilio)

    def _on_telegram(self, call: Call) -> None:
        if call.method == "sendMessage":
            self._add(("telegram", str(call.params.get("chat_id"))), call.at, str(call.params.get("text", "")))

    def _on_twilio(self, call: Call) -> None:
        if call.method == "Messages.create":
            self._add(("whatsapp", str(call.params.get("To"))), call.at, str(call.params.get("Body", "")))

    def _condition(self, key: tuple[str, str]) -> threading.Condition:
        with self._lock:
            return self._conditions.setdefault(key, threading.Condition())

    def _add(self, key: tuple[str, str], at: float, text: str) -> None:
        reply = Reply(at, text, self.kinds(text))
        condition = self._condition(key)
        with condition:
            self._replies.setdefault(key, []).append(reply)
            self.total += 1
            self.last_at = at
            condition.notify_all()

    def replies(self, key: tuple[str, str]) -> list[Reply]:
        with self._condition(key):
            return list(self._replies.get(key, []))

    def recipients(self) -> list[tuple[str, str]]:
        with self._lock:
            return list(self._conditions)

    def wait(self, key: tuple[str, str], after: int, deadline: float) -> Reply | None:
        """The reply number ``after`` (0-based) for ``key``, waiting until ``deadline`` (monotonic)."""
        condition = self._condition(key)
        with condition:
            while True:
                found = self._replies.get(key, [])
                if len(found) > after:
                    return found[after]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                condition.wait(min(remaining, 1.0))

    def wait_quiet(self, quiet: float, limit: float) -> float:
        """Wait until no reply arrived for ``quiet`` seconds (at most ``limit`` s); returns the time waited."""
        started = time.monotonic()
        while time.monotonic() - started < limit:
            if time.monotonic() - max(self.last_at, started) >= quiet:
                break
            time.sleep(0.2)
        return time.monotonic() - started


def shorten(value: Any, limit: int = 160) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} chars)"


def counts(items: Iterable[Any]) -> str:
    return ", ".join(f"{key}: {value}" for key, value in sorted(Counter(items).items(), key=lambda kv: str(kv[0])))
