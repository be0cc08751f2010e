"""Actions do their blocking work (database, fuzzy search, language detection) off the event loop, so one slow
answer does not hold up the other users of the action server."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.figures import ActionIndicator
from lmi4vet.i18n import t
from tests.conftest import ents, make_tracker

SLOW = 0.5
TICK = 0.01


def slowed(function: Any) -> Any:
    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(SLOW)  # a slow query: blocks its thread, as a database driver does
        return function(*args, **kwargs)

    return slow


async def run_while_ticking(action: Any, tracker: Any) -> tuple[int, float, CollectingDispatcher, list]:
    """Run ``action`` while a coroutine ticks every 10 ms; return (ticks during the run, seconds, ...)."""
    ticks = 0
    finished = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not finished.is_set():
            await asyncio.sleep(TICK)
            ticks += 1

    ticking = asyncio.create_task(ticker())
    await asyncio.sleep(0)  # the ticker is running before the action starts
    dispatcher = CollectingDispatcher()
    loop = asyncio.get_running_loop()
    started = loop.time()
    events = await action.run(dispatcher, tracker, {})
    elapsed = loop.time() - started
    during = ticks
    finished.set()
    await ticking
    return during, elapsed, dispatcher, events


def test_a_slow_query_does_not_block_the_event_loop(kb_url: str, monkeypatch) -> None:
    import actions.figures

    monkeypatch.setattr(actions.figures, "figure_answer", slowed(actions.figures.figure_answer))
    tracker = make_tracker("unemployment romania", intent="ask_indicator",
                           entities=ents(indicator="unemployment", country="romania"), slots={"language": "en"})
    ticks, elapsed, dispatcher, events = asyncio.run(run_while_ticking(ActionIndicator(), tracker))
    assert elapsed >= SLOW  # the slow query did run inside the action
    assert SlotSet("country", "RO") in events and "Romania" in dispatcher.messages[0]["text"]
    # 0.5 s at one tick per 10 ms is about 50 ticks; a blocked loop gets at most one or two
    assert ticks >= 20, f"the event loop ticked {ticks} times in {elapsed:.2f} s"


def test_slow_language_detection_does_not_block_the_event_loop(monkeypatch) -> None:
    import actions.base
    from actions.conversation import ActionThank

    monkeypatch.setattr(actions.base, "decide_language", slowed(actions.base.decide_language))
    tracker = make_tracker("vielen Dank für die Hilfe", intent="thank", slots={"language": "en"})
    ticks, elapsed, dispatcher, events = asyncio.run(run_while_ticking(ActionThank(), tracker))
    assert elapsed >= SLOW
    assert dispatcher.messages[0]["text"] == t("de", "thank") and SlotSet("language", "de") in events
    assert ticks >= 20, f"the event loop ticked {ticks} times in {elapsed:.2f} s"


def test_two_slow_answers_run_at_the_same_time(kb_url: str, monkeypatch) -> None:
    import actions.figures

    monkeypatch.setattr(actions.figures, "figure_answer", slowed(actions.figures.figure_answer))

    async def both() -> tuple[float, list[CollectingDispatcher]]:
        dispatchers = [CollectingDispatcher(), CollectingDispatcher()]
        trackers = [make_tracker(f"unemployment {name}", intent="ask_indicator", sender_id=f"user-{name}",
                                 entities=ents(indicator="unemployment", country=name), slots={"language": "en"})
                    for name in ("romania", "spain")]
        loop = asyncio.get_running_loop()
        started = loop.time()
        await asyncio.gather(*(ActionIndicator().run(d, tr, {}) for d, tr in zip(dispatchers, trackers,
                                                                                strict=True)))
        return loop.time() - started, dispatchers

    elapsed, dispatchers = asyncio.run(both())
    assert "Romania" in dispatchers[0].messages[0]["text"] and "Spain" in dispatchers[1].messages[0]["text"]
    assert elapsed < 2 * SLOW - 0.1, f"two answers of {SLOW} s each took {elapsed:.2f} s together"


def test_an_async_respond_is_refused_when_the_action_is_defined() -> None:
    from actions.base import LocalizedAction

    with pytest.raises(TypeError, match="respond"):
        class _Async(LocalizedAction):  # defining it is the test
            def name(self) -> str:
                return "action_async"

            async def respond(self, reply, tracker, domain) -> list:
                return []
