"""Outside services some tests need (PostgreSQL, Redis, chromium), required in one way.

``require_service(name, address, check)`` runs ``check`` once per service and address (it raises when the
service cannot be used; the exception says why):

- with ``CI=true`` in the environment a missing service FAILS the test, naming the service and its address;
- otherwise the test is skipped, and ``tests/conftest.py`` ends the run with one summary line such as
  ``services missing: PostgreSQL at 127.0.0.1:5432 (10 tests skipped), chromium (6 tests skipped)``.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

_results: dict[str, str | None] = {}  # label -> why it is missing (None: it answered)
skipped: Counter[str] = Counter()  # label -> tests skipped, counted by the plugin in tests/conftest.py


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def label(name: str, address: str | None) -> str:
    return f"{name} at {address}" if address else name


def require_service(name: str, address: str | None, check: Callable[[], Any]) -> None:
    """Return if the service answers; otherwise fail (CI) or skip the calling test (see the module doc)."""
    service = label(name, address)
    if service not in _results:
        try:
            check()
        except Exception as exc:  # any failure of the check means the service is not usable
            _results[service] = f"{type(exc).__name__}: {exc}".strip().splitlines()[0]
        else:
            _results[service] = None
    reason = _results[service]
    if reason is None:
        return
    if in_ci():
        pytest.fail(f"{service} is required with CI=true but is unavailable ({reason})", pytrace=False)
    skip = pytest.skip.Exception(f"{service} is unavailable ({reason}); with CI=true this fails",
                                 _use_item_location=True)  # reported at the test, not here
    skip.service = service  # counted by the plugin in tests/conftest.py
    raise skip


def summary_line() -> str | None:
    """``services missing: ...`` for the services whose tests were skipped, or None."""
    if not skipped:
        return None
    parts = [f"{service} ({count} test{'s' if count != 1 else ''} skipped)" for service, count in skipped.items()]
    return "services missing: " + ", ".join(parts)
