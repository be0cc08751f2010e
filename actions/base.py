"""The base of every custom action: conversation language, localized replies, and an apology on error.

An action subclasses :class:`LocalizedAction`, names itself and implements :meth:`LocalizedAction.respond`,
replying through the :class:`Reply` it is given. The base class settles the language for the message first
(see :func:`lmi4vet.language.decide_language`) and, if ``respond`` raises, logs it and apologises in the
user's language instead of going silent.

``respond`` is a plain (blocking) method: the language detection and ``respond`` run in a worker thread
(``ACTION_THREADS`` of them, see :func:`lmi4vet.settings.action_threads`), so a slow query or fuzzy search for
one user does not stop the action server's event loop from serving the others.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import json
import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from lmi4vet.i18n import t
from lmi4vet.language import LanguageDecision, decide_language
from lmi4vet.settings import Settings, action_threads

logger = logging.getLogger(__name__)

LANGUAGE_SLOT = "language"
PINNED_SLOT = "language_pinned"
PENDING_SLOT = "pending_action"

Button = tuple[str, str]  # (title, payload)


def payload(intent: str, **entities: str) -> str:
    """A button payload in Rasa's syntax: ``payload("ask_guide", section="wages")`` ->
    ``/ask_guide{"section":"wages"}`` (no entities: ``/ask_guide``)."""
    if not entities:
        return f"/{intent}"
    return f"/{intent}" + json.dumps(entities, ensure_ascii=False, separators=(",", ":"))


class Reply:
    """Collects what an action says, in one language."""

    def __init__(self, dispatcher: CollectingDispatcher, language: str, sender_id: str = "") -> None:
        self.dispatcher = dispatcher
        self.language = language
        self.sender_id = sender_id

    def text(self, key: str, **params: Any) -> str:
        """The localized text of ``key`` (without sending it)."""
        return t(self.language, key, **params)

    def say(self, key: str, buttons: Sequence[Button] = (), **params: Any) -> None:
        """Send the localized text of ``key``, with optional quick-reply buttons."""
        self.send(self.text(key, **params), buttons)

    def send(self, text: str, buttons: Sequence[Button] = ()) -> None:
        """Send an already localized text, with optional quick-reply buttons.

        The message carries its language, so that channels can word their own additions (a numbered menu's
        "reply with a number") in the same language.
        """
        self.dispatcher.utter_message(
            text=text, buttons=[{"title": title, "payload": payload} for title, payload in buttons],
            language=self.language,
        )


def end_form() -> list[EventType]:
    """The events that end the active form (an action that must not leave the person inside one)."""
    return [ActiveLoop(None), SlotSet("requested_slot", None)]


def language_hint(tracker: Tracker) -> str | None:
    """The language the channel suggests (Telegram's ``language_code``, a WhatsApp number's country)."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    hint = metadata.get("language_hint")
    return hint if isinstance(hint, str) else None


class LocalizedAction(Action, ABC):
    """Base class for actions that answer the user (see module docstring)."""

    #: actions that consume the pending confirmation keep it; all others clear it
    keeps_pending: bool = False

    @abstractmethod
    def name(self) -> str:
        """The action's name, as listed in the domain."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if inspect.iscoroutinefunction(cls.__dict__.get("respond")):
            raise TypeError(f"{cls.__name__}.respond must be a plain method (it runs in a worker thread), "
                            "not async")

    def fixed_language(self, tracker: Tracker) -> str | None:
        """A language to answer in whatever the message's language (None: decide it from the message). The
        worksheet answers in its draft's language, whatever language a typed answer is in."""
        return None

    @abstractmethod
    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Say what the action says and return the events it produces (blocking calls are fine here)."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        context = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(
            _worker_pool(), context.run, self.answer, dispatcher, tracker, domain
        )

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """What :meth:`run` does, in the calling thread: language, :meth:`respond`, apology on error."""
        settings = Settings.from_env()
        fixed = self.fixed_language(tracker)
        decision = LanguageDecision(fixed, False, "fixed") if fixed else decide_language(
            (tracker.latest_message or {}).get("text") or "",
            tracker.get_slot(LANGUAGE_SLOT),
            pinned=bool(tracker.get_slot(PINNED_SLOT)),
            hint=language_hint(tracker),
            default=settings.default_language,
        )
        events: list[EventType] = []
        if decision.changed:
            events.append(SlotSet(LANGUAGE_SLOT, decision.language))
        if tracker.get_slot(PENDING_SLOT) and not self.keeps_pending:
            events.append(SlotSet(PENDING_SLOT, None))
        reply = Reply(dispatcher, decision.language, tracker.sender_id or "")
        try:
            events.extend(self.respond(reply, tracker, domain) or [])
        except SQLAlchemyError:
            logger.exception("database unavailable in %s for sender %s", self.name(), _short_id(tracker.sender_id))
            reply.say("errors.database")
        except Exception:
            logger.exception("action %s failed for sender %s", self.name(), _short_id(tracker.sender_id))
            reply.say("errors.generic")
        return events


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _worker_pool() -> ThreadPoolExecutor:
    """The threads the actions answer in, created on first use (one pool per process, for every event loop)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=action_threads(), thread_name_prefix="action")
        return _pool


def _short_id(sender_id: str | None) -> str:
    return (sender_id or "?")[:8]
