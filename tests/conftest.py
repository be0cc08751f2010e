"""Shared fixtures: a fake action context (dispatcher + tracker) for unit tests of actions, the Redis URL; and
the plugin that reports missing services (tests/services.py) in one line at the end of the run."""

from __future__ import annotations

import os
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from tests import services

pytest_plugins = ["tests.db_support"]  # the db_url fixture (SQLite and PostgreSQL)

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


# Missing services (tests/services.py): count the tests skipped for each, one summary line at the end.
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    service = getattr(call.excinfo.value, "service", None) if call.excinfo is not None else None
    if report.skipped and service:
        services.skipped[service] += 1


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter):
    result = yield  # after the short test summary, just above the final counts
    line = services.summary_line()
    if line:
        terminalreporter.write_line(line, yellow=True, bold=True)
    return result


def make_tracker(
    text: str = "",
    intent: str = "greet",
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    sender_id: str = "test-user",
    events: list[dict[str, Any]] | None = None,
    channel: str | None = None,
) -> Tracker:
    """A tracker whose latest message is ``text`` classified as ``intent`` (after ``events``; ``channel``: the
    latest message came from that input channel)."""
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99},
        "entities": entities or [],
        "metadata": metadata or {},
    }
    return Tracker(
        sender_id=sender_id,
        slots=dict(slots or {}),
        latest_message=latest,
        events=list(events or []) + ([{"event": "user", "text": text, "input_channel": channel,
                                       "parse_data": {"intent": latest["intent"], "entities": latest["entities"]}}]
                                     if channel else []),
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def run_action(action: Any, tracker: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run a custom action; return ``(messages, events)``."""
    import asyncio

    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def ents(**values: str) -> list[dict[str, str]]:
    """Entities as NLU (or a button payload) gives them."""
    return [{"entity": name, "value": value} for name, value in values.items()]


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture(scope="session")
def kb_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite database with the schema and the embedded default dataset, used by the actions under test."""
    from lmi4vet.cli import prepare_database

    url = f"sqlite:///{tmp_path_factory.mktemp('kb') / 'lmi4vet.db'}"
    prepare_database(url, quiet=True)
    os.environ["DATABASE_URL"] = url
    return url


@pytest.fixture
def kb_session(kb_url: str):
    from lmi4vet.db.engine import session_scope, shared_engine

    with session_scope(shared_engine(kb_url)) as session:
        yield session


@pytest.fixture
def redis_url() -> str:
    """``TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``) once it answers a PING."""
    import redis

    def ping() -> None:
        redis.Redis.from_url(REDIS_URL, socket_timeout=1, socket_connect_timeout=1).ping()

    address = redis.connection.parse_url(REDIS_URL)
    services.require_service("Redis", f"{address.get('host', '127.0.0.1')}:{address.get('port', 6379)}", ping)
    return REDIS_URL
