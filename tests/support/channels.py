"""A Telegram channel on a fresh SQLite database and the Bot API stand-in, with its inbox worker running a
scenario (Rasa stood in by a function): shared by the worker tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

TOKEN = "123456:stand-in"


def telegram_channel(tmp_path: Path, api: Any) -> Any:
    """A polling-mode Telegram channel whose store and inbox live in ``tmp_path/db.sqlite``."""
    from bot.store import ChannelStore
    from bot.telegram import TelegramInput, TelegramSettings
    from lmi4vet.db.engine import make_engine, upgrade

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    upgrade(url)
    return TelegramInput(TelegramSettings(token=TOKEN, mode="polling", api_base_url=api.base_url),
                         ChannelStore(make_engine(url), key=b"k"))


def run_worker_scenario(channel: Any, api: Any, on_new_message: Callable[[Any], Awaitable[None]],
                        body: Callable[[Any], Awaitable[None]], settings: dict[str, Any] | None = None,
                        resume: Callable[[str], Awaitable[None]] | None = None) -> None:
    """Start the channel's worker (with ``settings`` applied), run ``body(worker)``, let the worker finish, stop
    everything (the stand-in too)."""

    async def scenario() -> None:
        await channel.bot.initialize()
        worker = channel.worker
        for key, value in (settings or {}).items():
            setattr(worker, key, value)
        await worker.start(on_new_message, resume=resume)
        try:
            await body(worker)
            await worker.drain()
        finally:
            await worker.stop()
            await channel.bot.shutdown()

    try:
        asyncio.run(scenario())
    finally:
        api.stop()
