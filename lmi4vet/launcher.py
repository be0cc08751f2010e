"""Start the assistant: action server + Rasa server on 127.0.0.1, then a terminal chat (``run``) or
nothing (``serve``). Ctrl-C (or SIGTERM) stops both servers cleanly.

Usage: ``python -m lmi4vet.launcher {run,serve,train}`` (the Makefile's ``make run`` / ``make serve``).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import requests
import yaml
from sqlalchemy.exc import SQLAlchemyError

from lmi4vet.importers.report import ImportError_
from lmi4vet.settings import PROJECT_ROOT, Settings
from lmi4vet.training import ensure_model, rasa_env


class StartupError(RuntimeError):
    """A server did not come up."""


def tracker_store_config(url: str, var_dir: Path, store_class: str = "SQL") -> dict[str, Any]:
    """Rasa's SQL tracker-store settings for a database URL (empty: the embedded SQLite file), with the given
    store class (Rasa's ``SQL``, or a subclass of it such as ours)."""
    if not url:
        return {"type": store_class, "dialect": "sqlite", "db": str(var_dir / "tracker.db")}
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    config: dict[str, Any] = {"type": store_class, "dialect": parsed.drivername, "db": parsed.database}
    for key, value in (("url", parsed.host), ("port", parsed.port), ("username", parsed.username),
                       ("password", parsed.password)):
        if value:
            config[key] = value
    if parsed.drivername.startswith("postgresql") and "login_db" not in config:
        config["login_db"] = parsed.database
    return config


def lock_store_config(url: str) -> dict[str, Any]:
    """Rasa's lock-store settings: in memory by default, Redis for several workers."""
    if not url:
        return {"type": "in_memory"}
    from urllib.parse import urlparse

    parsed = urlparse(url)
    config: dict[str, Any] = {"type": "redis", "url": parsed.hostname or "127.0.0.1",
                              "port": parsed.port or 6379, "db": int((parsed.path or "/0").strip("/") or 0)}
    if parsed.password:
        config["password"] = parsed.password
    return config


def write_endpoints(settings: Settings, run_dir: Path) -> Path:
    """Render endpoints.yml with the settings applied; return the path of the rendered file."""
    base = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text(encoding="utf-8")) or {}
    base["action_endpoint"] = {"url": settings.action_url}
    base["tracker_store"] = tracker_store_config(settings.tracker_store_url, settings.var_dir,
                                                 settings.tracker_store_class)
    base["lock_store"] = lock_store_config(settings.lock_store_url)
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / "endpoints.yml"
    path.write_text(yaml.safe_dump(base, sort_keys=False), encoding="utf-8")
    return path


def _wait_until(url: str, process: subprocess.Popen, what: str, timeout: float,
                ready: Any = lambda response: response.ok) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StartupError(f"{what} exited with code {process.returncode} while starting")
        try:
            response = requests.get(url, timeout=2)
            if ready(response):
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise StartupError(f"{what} did not answer at {url} within {timeout:.0f} s")


def _stop(processes: list[subprocess.Popen], grace: float = 15.0) -> None:
    for process in processes:
        if process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


CHANNELS = {  # connector class -> the environment variable that switches it on
    "bot.telegram.TelegramInput": "TELEGRAM_TOKEN",
    "bot.whatsapp.WhatsAppInput": "TWILIO_ACCOUNT_SID",
}


def write_credentials(run_dir: Path, environ: dict[str, str] | None = None) -> Path:
    """Render credentials.yml plus the Telegram / WhatsApp connectors whose settings are in the environment."""
    environ = dict(os.environ if environ is None else environ)
    base = yaml.safe_load((PROJECT_ROOT / "credentials.yml").read_text(encoding="utf-8")) or {}
    for connector, variable in CHANNELS.items():
        if environ.get(variable, "").strip():
            base.setdefault(connector, {})
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / "credentials.yml"
    path.write_text(yaml.safe_dump(base, sort_keys=False), encoding="utf-8")
    return path


@contextmanager
def servers(settings: Settings, model: Path, log_dir: Path | None = None) -> Iterator[None]:
    """Prepare our database, then run the action server, the Rasa server and the task queue's consumer until
    the block ends."""
    from lmi4vet.cli import prepare_database

    settings.var_dir.mkdir(parents=True, exist_ok=True)
    prepare_database()
    run_dir = settings.var_dir / "run"
    endpoints = write_endpoints(settings, run_dir)
    credentials = write_credentials(run_dir)
    env = rasa_env()
    env["SANIC_HOST"] = settings.host
    env.setdefault("PYTHONPATH", str(PROJECT_ROOT))
    logs: dict[str, Any] = {}
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        logs = {name: (log_dir / f"{name}.log").open("ab") for name in ("actions", "rasa", "tasks")}
    processes: list[subprocess.Popen] = []
    try:
        print(f"==> Starting the action server on {settings.host}:{settings.action_port}", flush=True)
        actions = subprocess.Popen(
            [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(settings.action_port)],
            cwd=PROJECT_ROOT, env=env, start_new_session=True,
            stdout=logs.get("actions"), stderr=subprocess.STDOUT if logs else None,
        )
        processes.append(actions)
        print(f"==> Starting the Rasa server on {settings.rasa_url} (loading the model takes ~30 s)", flush=True)
        rasa = subprocess.Popen(
            [sys.executable, "-m", "rasa", "run", "--enable-api", "--model", str(model),
             "--interface", settings.host, "--port", str(settings.rasa_port),
             "--endpoints", str(endpoints), "--credentials", str(credentials)],
            cwd=PROJECT_ROOT, env=env, start_new_session=True,
            stdout=logs.get("rasa"), stderr=subprocess.STDOUT if logs else None,
        )
        processes.append(rasa)
        print("==> Starting the task queue consumer (broadcasts)", flush=True)
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "huey.bin.huey_consumer", "lmi4vet.events.tasks.huey", "--workers", "2",
             "--worker-type", "thread"],
            cwd=PROJECT_ROOT, env=env, start_new_session=True,
            stdout=logs.get("tasks"), stderr=subprocess.STDOUT if logs else None,
        ))
        _wait_until(f"http://{settings.host}:{settings.action_port}/health", actions, "the action server", 120)
        _wait_until(f"{settings.rasa_url}/status", rasa, "the Rasa server", 300,
                    ready=lambda r: r.ok and bool(r.json().get("model_file")))
        with suppress(requests.RequestException):  # the first parse builds the model's graph: not on a user
            requests.post(f"{settings.rasa_url}/model/parse", json={"text": "hello"}, timeout=60)
        channels = ", ".join(f"{settings.rasa_url}/webhooks/{name.split('.')[1]}/webhook"
                             for name in yaml.safe_load(credentials.read_text()) if name.startswith("bot."))
        print(f"==> Ready: REST channel at {settings.rasa_url}/webhooks/rest/webhook, "
              f"HTTP API at {settings.rasa_url}" + (f", channels: {channels}" if channels else ""), flush=True)
        yield
    finally:
        _stop(processes)
        for handle in logs.values():
            handle.close()


def _raise_keyboard_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``make run`` / ``make serve`` / ``make train``."""
    parser = argparse.ArgumentParser(prog="lmi4vet.launcher", description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("run", "serve", "train"))
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        model = ensure_model(settings.models_dir)
        if args.mode == "train":
            return 0
        log_dir = settings.var_dir / "logs" if args.mode == "run" else None
        with servers(settings, model, log_dir=log_dir):
            if args.mode == "run":
                from bot.terminal import chat

                chat(settings.rasa_url)
            else:
                signal.pause()
    except KeyboardInterrupt:
        print("\n==> Stopped.", flush=True)
    except (StartupError, subprocess.CalledProcessError, SQLAlchemyError, ImportError_) as exc:
        print(f"==> Could not start: {exc}", file=sys.stderr, flush=True)
        if args.mode == "run":
            print(f"    Server logs: {settings.var_dir / 'logs'}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
