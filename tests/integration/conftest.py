"""One real assistant for the whole integration run: the trained model (trained once, reused while the
training data is unchanged) served by ``python -m lmi4vet.launcher serve`` (what ``make serve`` runs) on
free ports, with its own SQLite tracker store. Stopping it with SIGINT is checked at the end.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from lmi4vet.settings import PROJECT_ROOT, Settings
from lmi4vet.training import ensure_model
from tests.services import require_service
from tests.standins.servers import TelegramStandIn, TwilioStandIn
from tests.support.browser import CHROMIUM, browser_usable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_closed(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@dataclass
class Assistant:
    """A running assistant reachable over HTTP."""

    url: str
    var_dir: Path

    def say(self, sender: str, message: str) -> list[dict[str, Any]]:
        """Send ``message`` through the REST channel; return the bot's messages."""
        response = requests.post(f"{self.url}/webhooks/rest/webhook",
                                 json={"sender": sender, "message": message}, timeout=60)
        response.raise_for_status()
        return response.json()

    def parse(self, text: str) -> dict[str, Any]:
        """``POST /model/parse``: the NLU result for ``text``."""
        response = requests.post(f"{self.url}/model/parse", json={"text": text}, timeout=60)
        response.raise_for_status()
        return response.json()

    def tracker(self, sender: str) -> dict[str, Any]:
        response = requests.get(f"{self.url}/conversations/{sender}/tracker", timeout=30)
        response.raise_for_status()
        return response.json()


TELEGRAM_TOKEN = "7000000001:TEST-token_for-the-stand-in"
TELEGRAM_SECRET = "test-secret_token-0123456789"
TWILIO_SID = "AC" + "0123456789abcdef" * 2
TWILIO_TOKEN = "twilio-test-auth-token"
TWILIO_FROM = "whatsapp:+14155238886"
TWILIO_PUBLIC_URL = "https://lmi4vet.example.org/webhooks/whatsapp/webhook"
HANDOFF_TEMPLATE_SID = "HX" + "a1" * 16  # "your adviser replied, answer to continue"
ALWAYS_OPEN = "mon-sun 00:00-24:00"  # advisers' hours in the tests: the "when" a user is told does not vary


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium and Playwright: missing, the browser tests fail with CI=true and are skipped otherwise."""
    require_service("chromium", None, browser_usable)
    return CHROMIUM


@pytest.fixture(scope="session")
def telegram_api() -> Iterator[TelegramStandIn]:
    standin = TelegramStandIn(TELEGRAM_TOKEN).start()
    yield standin
    standin.stop()


@pytest.fixture(scope="session")
def twilio_api() -> Iterator[TwilioStandIn]:
    standin = TwilioStandIn(TWILIO_SID, TWILIO_TOKEN).start()
    yield standin
    standin.stop()


class RunningAssistant:
    """``python -m lmi4vet.launcher serve`` (what ``make serve`` runs) on free ports and a given var dir."""

    def __init__(self, var_dir: Path, extra_env: dict[str, str] | None = None) -> None:
        self.var_dir = var_dir
        self.rasa_port, self.action_port = free_port(), free_port()
        env = dict(os.environ, RASA_PORT=str(self.rasa_port), ACTION_PORT=str(self.action_port),
                   LMI4VET_VAR_DIR=str(var_dir), TRACKER_STORE_URL="", LOCK_STORE_URL="", DATABASE_URL="",
                   TELEGRAM_TOKEN="", TWILIO_ACCOUNT_SID="")
        env.update(extra_env or {})
        self.log_path = var_dir / "serve.log"
        self.log = self.log_path.open("ab")
        started_at = self.log_path.stat().st_size
        self.process = subprocess.Popen([sys.executable, "-m", "lmi4vet.launcher", "serve"], cwd=PROJECT_ROOT,
                                        env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 600
        while b"==> Ready" not in self.log_path.read_bytes()[started_at:]:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                pytest.fail("the assistant did not start:\n" + self.log_path.read_text(errors="replace")[-5000:])
            time.sleep(0.5)
        self.assistant = Assistant(url=f"http://127.0.0.1:{self.rasa_port}", var_dir=var_dir)

    def stop(self) -> int | None:
        """Ctrl-C, as a person would; returns the exit code."""
        self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = None
        self.log.close()
        return code


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory, telegram_api: TelegramStandIn,
              twilio_api: TwilioStandIn, request: pytest.FixtureRequest) -> Iterator[Assistant]:
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():  # training progress is visible in CI
        ensure_model(Settings.from_env().models_dir)
    channels = dict(
        TELEGRAM_TOKEN=TELEGRAM_TOKEN, TELEGRAM_SECRET_TOKEN=TELEGRAM_SECRET, TELEGRAM_MODE="webhook",
        TELEGRAM_API_BASE_URL=telegram_api.base_url, TELEGRAM_PUBLIC_URL="",
        TWILIO_ACCOUNT_SID=TWILIO_SID, TWILIO_AUTH_TOKEN=TWILIO_TOKEN, TWILIO_WHATSAPP_FROM=TWILIO_FROM,
        TWILIO_WEBHOOK_URL=TWILIO_PUBLIC_URL, TWILIO_API_BASE_URL=twilio_api.base_url,
        TWILIO_QUICK_REPLY_SID="", TWILIO_LIST_PICKER_SID="", TWILIO_REENGAGE_SID="", CHANNEL_REDIS_URL="",
        TWILIO_HANDOFF_TEMPLATE_SID=HANDOFF_TEMPLATE_SID, HANDOFF_HOURS=ALWAYS_OPEN, HANDOFF_TEAM="",
        DEPLOYMENT="default",
        APOLOGY_AFTER_SECONDS="15")  # these tests are about answers; test_reliability tests the 2 s apology
    running = RunningAssistant(tmp_path_factory.mktemp("var"), channels)
    try:
        yield running.assistant
    finally:
        code = running.stop()
    assert code == 0, running.log_path.read_text(errors="replace")[-3000:]
    assert port_is_closed(running.rasa_port) and port_is_closed(running.action_port), \
        "servers still listening after Ctrl-C"
