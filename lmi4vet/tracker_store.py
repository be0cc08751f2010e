"""Rasa's SQL tracker store, with erasure that holds: after every save, a pending "forget me" of that user is
carried out (so it always follows the save of the turn that asked for it), and a turn saved late, after an
erasure, is erased again. Configured by the launcher (``endpoints.yml``: ``type:
lmi4vet.tracker_store.ErasingSQLTrackerStore``); it is Rasa's public extension point for tracker stores."""

from __future__ import annotations

import asyncio
import logging

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

from lmi4vet import privacy

logger = logging.getLogger(__name__)


class ErasingSQLTrackerStore(SQLTrackerStore):
    """:class:`SQLTrackerStore` + :func:`lmi4vet.privacy.after_tracker_save` after each save."""

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
        await asyncio.to_thread(privacy.after_tracker_save, tracker.sender_id, None, self.engine)
