"""Benchmark the Telegram channel against Rasa's REST channel in the same run: a greeting answered through the
Telegram webhook (until the Bot API stand-in receives sendMessage) versus through /webhooks/rest/webhook, at
1 and 20 concurrent users, with p50/p95 latency, throughput and the ratios.

Run with ``make bench`` (or ``.venv/bin/python bench/bench_channels.py``). Prints its figures.
"""

from __future__ import annotations

import itertools
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import requests

from lmi4vet.launcher import servers
from lmi4vet.settings import PROJECT_ROOT, Settings
from lmi4vet.training import ensure_model

sys.path.insert(0, str(PROJECT_ROOT))
from tests.standins.servers import TelegramStandIn

TOKEN, SECRET = "7000000001:bench", "bench-secret"
TURNS = {1: 150, 20: 400}
_ids = itertools.count(10_000_000)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def rest_turn(url: str, sender: str) -> float:
    started = time.perf_counter()
    requests.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": "hello"},
                  timeout=60).raise_for_status()
    return (time.perf_counter() - started) * 1000


def telegram_turn(url: str, api: TelegramStandIn, chat_id: int) -> float:
    update = {"update_id": next(_ids), "message": {
        "message_id": 1, "date": int(time.time()), "chat": {"id": chat_id, "type": "private"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "B", "language_code": "en"}, "text": "hello"}}
    before = len(api.calls_of("sendMessage", chat_id=chat_id))
    started = time.perf_counter()
    requests.post(f"{url}/webhooks/telegram/webhook", json=update, timeout=60,
                  headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}).raise_for_status()
    api.wait_for("sendMessage", before + 1, timeout=60, chat_id=chat_id)
    return (time.perf_counter() - started) * 1000


def run(users: int, turns: int, work) -> tuple[list[float], float]:
    """``turns`` greetings from ``users`` parallel users; each user starts a new conversation every ten."""
    started = time.perf_counter()
    with ThreadPoolExecutor(users) as pool:
        latencies = list(pool.map(lambda n: work(n % users + users * (n // (users * 10))), range(turns)))
    return latencies, turns / (time.perf_counter() - started)


def main() -> None:
    api = TelegramStandIn(TOKEN).start()
    os.environ.update(TELEGRAM_TOKEN=TOKEN, TELEGRAM_SECRET_TOKEN=SECRET, TELEGRAM_API_BASE_URL=api.base_url,
                      TELEGRAM_MODE="webhook", TELEGRAM_PUBLIC_URL="")
    os.environ.pop("TWILIO_ACCOUNT_SID", None)
    with tempfile.TemporaryDirectory() as var:
        os.environ["LMI4VET_VAR_DIR"] = var
        os.environ["DATABASE_URL"] = ""
        settings = replace(Settings.from_env(), var_dir=Path(var), rasa_port=5915, action_port=5965)
        with servers(settings, ensure_model(settings.models_dir, quiet=True), log_dir=Path(var) / "logs"):
            url = settings.rasa_url
            rest_turn(url, "warm-up")
            telegram_turn(url, api, 1)
            for users, turns in TURNS.items():
                base = next(_ids) * 1000
                rest, rest_tput = run(users, turns, lambda u, b=base: rest_turn(url, f"bench-{b}-{u}"))
                tele, tele_tput = run(users, turns, lambda u, b=base: telegram_turn(url, api, b + u))
                print(f"{users:>2} user(s), {turns} greetings each way:")
                print(f"   REST     p50 {percentile(rest, 50):6.1f} ms  p95 {percentile(rest, 95):6.1f} ms  "
                      f"{rest_tput:5.1f} msg/s")
                print(f"   Telegram p50 {percentile(tele, 50):6.1f} ms  p95 {percentile(tele, 95):6.1f} ms  "
                      f"{tele_tput:5.1f} msg/s  (webhook -> sendMessage at the Bot API stand-in)")
                print(f"   ratio Telegram/REST: p50 {percentile(tele, 50) / percentile(rest, 50):.2f}, "
                      f"p95 {percentile(tele, 95) / percentile(rest, 95):.2f}, "
                      f"throughput {tele_tput / rest_tput:.2f}")
    api.stop()


if __name__ == "__main__":
    main()
