"""Benchmark the spine: model size, server start time and memory, /model/parse and REST-turn latency.

Run with ``make bench`` (or ``.venv/bin/python bench/bench_rest.py``). Prints its figures; asserts nothing.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import requests

from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.launcher import servers
from lmi4vet.nlu_eval import load_examples
from lmi4vet.settings import PROJECT_ROOT, Settings
from lmi4vet.training import ensure_model


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def rss_mb(port: int) -> float:
    """Resident memory of the process group listening on ``port`` (via /proc)."""
    inode = None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].split(":")[1], 16) == port and fields[3] == "0A":
                inode = fields[9]
    total = 0.0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]" for fd in fds):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


def timed(call, *args) -> float:
    started = time.perf_counter()
    call(*args)
    return (time.perf_counter() - started) * 1000


def main() -> None:
    settings = Settings.from_env()
    model = ensure_model(settings.models_dir, quiet=True)
    print(f"model: {model.name}, {model.stat().st_size / 1e6:.1f} MB")
    with tempfile.TemporaryDirectory() as var:
        settings = replace(settings, var_dir=Path(var), rasa_port=5905, action_port=5955)
        started = time.monotonic()
        with servers(settings, model, log_dir=Path(var) / "logs"):
            print(f"server start (both servers ready): {time.monotonic() - started:.1f} s")
            url = settings.rasa_url
            texts = [t for lang in SUPPORTED_LANGUAGES
                     for t, _ in load_examples(PROJECT_ROOT / "tests" / "nlu_heldout" / f"{lang}.yml")]

            def parse(text: str) -> None:
                requests.post(f"{url}/model/parse", json={"text": text}, timeout=30).raise_for_status()

            def turn(sender: str, text: str) -> None:
                requests.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                              timeout=30).raise_for_status()

            parse("warm up")
            latencies = [timed(parse, text) for text in texts]
            print(f"/model/parse over {len(latencies)} held-out texts: p50 {percentile(latencies, 50):.1f} ms, "
                  f"p95 {percentile(latencies, 95):.1f} ms")
            base = uuid.uuid4().hex  # conversations of ten messages, as people have them
            turns = [timed(turn, f"{base}-{n // 10}", text) for n, text in enumerate(texts[:300])]
            print(f"REST turn (NLU + action server + SQLite tracker), 1 user at a time, {len(turns)} turns: "
                  f"p50 {percentile(turns, 50):.1f} ms, p95 {percentile(turns, 95):.1f} ms")
            for users in (10,):
                jobs = [(f"{uuid.uuid4().hex}-{i % users}", texts[i % len(texts)]) for i in range(300)]
                started = time.perf_counter()
                with ThreadPoolExecutor(users) as pool:
                    concurrent = list(pool.map(lambda job: timed(turn, *job), jobs))
                elapsed = time.perf_counter() - started
                print(f"REST turn, {users} concurrent users: p50 {statistics.median(concurrent):.1f} ms, "
                      f"p95 {percentile(concurrent, 95):.1f} ms, {len(jobs) / elapsed:.1f} msg/s")
            print(f"RSS: Rasa server {rss_mb(settings.rasa_port):.0f} MB, "
                  f"action server {rss_mb(settings.action_port):.0f} MB")


if __name__ == "__main__":
    main()
