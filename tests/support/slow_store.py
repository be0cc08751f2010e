"""A tracker store whose save takes ``SLOW_SAVE_SECONDS`` (default 3) longer: turns stay unsaved for a while
after their replies went out, which is where a crash or a "forget me" used to go wrong."""

from __future__ import annotations

import asyncio
import os

from lmi4vet.tracker_store import ErasingSQLTrackerStore


class SlowTrackerStore(ErasingSQLTrackerStore):
    async def save(self, tracker) -> None:
        await asyncio.sleep(float(os.environ.get("SLOW_SAVE_SECONDS", "3")))
        await super().save(tracker)
