"""Progress bars for the import command (tqdm on a terminal, silent elsewhere)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def progress(items: Iterable[T], label: str, enabled: bool, total: int | None = None) -> Iterator[T]:
    """Iterate ``items`` with a progress bar on stderr when ``enabled``."""
    if not enabled:
        yield from items
        return
    from tqdm import tqdm

    yield from tqdm(items, desc=label, total=total, unit=" rows", file=sys.stderr, leave=False)
