"""Benchmark the handoff relay: an agent clicks "Send" in the console (headless chromium) until the Bot API
stand-in receives the reply, 30 times; and, in the same run as the reference, the bot's own answer to a
greeting (webhook until sendMessage), 30 times. Prints p50 / p95 of both and their ratio.

Run with ``make bench`` (or ``.venv/bin/python bench/bench_handoff.py``); needs chromium
(``scripts/ensure_browser.sh``).
"""

from __future__ import annotations

import itertools
import logging
import os
import sqlite3
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

import requests

from lmi4vet.launcher import servers
from lmi4vet.settings import PROJECT_ROOT, Settings
from lmi4vet.training import ensure_model

sys.path.insert(0, str(PROJECT_ROOT))
from tests.standins.servers import TelegramStandIn
from tests.support.browser import CHROMIUM, browser_page, served

TOKEN, SECRET = "7000000002:bench", "bench-secret"
SAMPLES = 30
PASSWORD = "bench agent password"
_ids = itertools.count(20_000_000)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


class Arrivals:
    """When each text reached the stand-in (recorded in its thread, right as the call arrives)."""

    def __init__(self, api: TelegramStandIn) -> None:
        self.seen: dict[tuple[int, str], float] = {}  # (chat id, text) -> first arrival
        self.changed = threading.Condition()
        api.subscribe(self.record)

    def record(self, call) -> None:
        if call.method == "sendMessage":
            with self.changed:
                key = (int(call.params.get("chat_id", 0)), call.params.get("text", ""))
                self.seen.setdefault(key, time.perf_counter())
                self.changed.notify_all()

    def wait(self, predicate, timeout: float = 60) -> float:
        with self.changed:
            if not self.changed.wait_for(lambda: any(predicate(k) for k in self.seen), timeout):
                raise TimeoutError("the stand-in did not receive it")
            return next(v for k, v in self.seen.items() if predicate(k))


def telegram(url: str, chat_id: int, text: str = "", data: str = "") -> None:
    user = {"id": chat_id, "is_bot": False, "first_name": "B", "language_code": "es"}
    if data:
        update = {"update_id": next(_ids), "callback_query": {"id": str(next(_ids)), "from": user, "data": data,
                                                              "chat_instance": "1", "message": {
                                                                  "message_id": 1, "date": 0, "chat": {"id": chat_id}}}}
    else:
        update = {"update_id": next(_ids), "message": {"message_id": 1, "date": int(time.time()), "text": text,
                                                       "chat": {"id": chat_id, "type": "private"}, "from": user}}
    requests.post(f"{url}/webhooks/telegram/webhook", json=update, timeout=60,
                  headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}).raise_for_status()


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per console request otherwise
    if CHROMIUM is None:
        sys.exit("chromium is missing: run scripts/ensure_browser.sh")
    api = TelegramStandIn(TOKEN).start()
    arrivals = Arrivals(api)
    os.environ.update(TELEGRAM_TOKEN=TOKEN, TELEGRAM_SECRET_TOKEN=SECRET, TELEGRAM_API_BASE_URL=api.base_url,
                      TELEGRAM_MODE="webhook", TELEGRAM_PUBLIC_URL="", HANDOFF_HOURS="mon-sun 00:00-24:00")
    os.environ.pop("TWILIO_ACCOUNT_SID", None)
    with tempfile.TemporaryDirectory() as var:
        os.environ.update(LMI4VET_VAR_DIR=var, DATABASE_URL="", TRACKER_STORE_URL="")
        settings = replace(Settings.from_env(), var_dir=Path(var), rasa_port=5916, action_port=5966)
        with servers(settings, ensure_model(settings.models_dir, quiet=True), log_dir=Path(var) / "logs"):
            url = settings.rasa_url
            reference = []
            for _ in range(SAMPLES + 1):  # the first one warms up
                chat_id = next(_ids)
                started = time.perf_counter()
                telegram(url, chat_id, "hola")
                arrived = arrivals.wait(lambda seen, chat_id=chat_id: seen[0] == chat_id)
                reference.append((arrived - started) * 1000)
            reference = reference[1:]

            user = next(_ids)
            telegram(url, user, "quiero hablar con una persona")
            api.wait_for("sendMessage", 1, timeout=60, chat_id=user)
            telegram(url, user, data="/affirm")
            api.wait_for("sendMessage", 2, timeout=60, chat_id=user)
            with sqlite3.connect(Path(var) / "lmi4vet.db") as db:
                ticket_id = db.execute("select id from handoff_tickets order by id desc limit 1").fetchone()[0]
            relay = console_clicks(settings, var, url, ticket_id, arrivals)
    api.stop()
    print(f"handoff relay, {SAMPLES} replies (agent clicks Send in chromium -> sendMessage at the Bot API stand-in):")
    print(f"   relay           p50 {percentile(relay, 50):6.1f} ms  p95 {percentile(relay, 95):6.1f} ms")
    print(f"   bot's own reply p50 {percentile(reference, 50):6.1f} ms  p95 {percentile(reference, 95):6.1f} ms  "
          "(a greeting: webhook -> sendMessage, same run)")
    print(f"   ratio relay/bot: p50 {percentile(relay, 50) / percentile(reference, 50):.2f}, "
          f"p95 {percentile(relay, 95) / percentile(reference, 95):.2f}")


def console_clicks(settings: Settings, var: str, url: str, ticket_id: int, arrivals: Arrivals) -> list[float]:
    """Log in as an agent, take the ticket and send SAMPLES replies; the click-to-arrival times (ms)."""
    from admin.app import create_app
    from admin.security import create_user
    from lmi4vet.db.engine import make_engine, session_scope

    db_url = f"sqlite:///{Path(var) / 'lmi4vet.db'}"
    with session_scope(make_engine(db_url)) as session:
        create_user(session, "bench", PASSWORD, "agent", deployment=settings.deployment)
    app = create_app(db_url, f"sqlite:///{Path(var) / 'tracker.db'}", secret_key="bench", assistant_url=url)
    latencies = []
    with served(app) as console, browser_page(CHROMIUM) as page:
        page.goto(f"{console}/login?next=/tickets/{ticket_id}")
        page.fill("input[name=username]", "bench")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"**/tickets/{ticket_id}")
        page.click("#assign")
        page.wait_for_load_state()
        for n in range(SAMPLES + 1):
            text = f"Respuesta número {n} de la trabajadora social."
            page.fill("#reply-text", text)
            started = time.perf_counter()
            page.click("#reply-send")
            arrived = arrivals.wait(lambda seen, text=text: seen[1] == text)
            latencies.append((arrived - started) * 1000)
            page.wait_for_load_state()
    return latencies[1:]


if __name__ == "__main__":
    main()
