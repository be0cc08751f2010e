"""JSON-stat 2.0 datasets (Eurostat's dissemination API ``/statistics/1.0/data/<code>``): observations.

A dataset lists its dimensions in ``id`` with their sizes in ``size``; each dimension's categories are numbered by
``dimension.<id>.category.index`` (an object ``{"FR": 0}`` or a list ``["FR"]``; absent when the dimension has a
single category, then ``category.label`` names it). ``value`` and ``status`` hold one entry per cell of the cube
in row-major order over ``id`` (the last dimension varies fastest): a list, or an object keyed by the flat index
(``"326"``) that omits empty cells; ``status`` may also be a single string for every cell. ``updated`` is the
data's last update at the source.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from lmi4vet.importers.eurostat import _FLAGS, Observation, dataset_from_name, normalise_period
from lmi4vet.importers.report import ImportError_, RowProblem

_TIME_NAMES = ("time", "time_period")


def _categories(path: Path, name: str, dimension: dict[str, Any], size: int) -> list[str]:
    """The category codes of one dimension, in index order."""
    category = dimension.get("category") or {}
    index = category.get("index")
    if index is None:
        labels = list((category.get("label") or {}).keys())
        codes = labels if len(labels) == size else []
    elif isinstance(index, list):
        codes = [str(code) for code in index]
    else:
        codes = [""] * size
        for code, position in index.items():
            if not isinstance(position, int) or not 0 <= position < size or codes[position]:
                raise ImportError_(path, None, f"dimension {name}: bad category index {code!r}: {position!r}")
            codes[position] = str(code)
    if len(codes) != size or not all(codes):
        raise ImportError_(path, None, f"dimension {name}: {len(codes)} categories where size says {size}")
    return codes


def _cells(path: Path, raw: Any, total: int, what: str) -> dict[int, Any]:
    """``value`` or ``status`` as ``{flat index: entry}`` (list, object keyed by index, or one string for all)."""
    if raw is None:
        return {}
    if isinstance(raw, str) and what == "status":
        return dict.fromkeys(range(total), raw)
    if isinstance(raw, list):
        if len(raw) != total:
            raise ImportError_(path, None, f"{what} has {len(raw)} entries for {total} cells")
        return {i: entry for i, entry in enumerate(raw) if entry is not None}
    if isinstance(raw, dict):
        cells: dict[int, Any] = {}
        for key, entry in raw.items():
            try:
                position = int(key)
            except ValueError:
                raise ImportError_(path, None, f"{what}: {key!r} is not a cell index") from None
            if not 0 <= position < total:
                raise ImportError_(path, None, f"{what}: cell {position} outside the {total} cells")
            if entry is not None:
                cells[position] = entry
        return cells
    raise ImportError_(path, None, f"{what} is neither a list nor an object")


def parse_updated(raw: Any) -> date | None:
    """``"2026-04-17T11:00:00+0200"`` -> ``date(2026, 4, 17)`` (the date as published, in its own time zone)."""
    if not isinstance(raw, str):
        return None
    try:
        return date.fromisoformat(raw.strip()[:10])
    except ValueError:
        return None


def read_jsonstat(path: Path) -> dict[str, Any]:
    """The JSON-stat 2.0 dataset object in ``path`` (checked for ``id``, ``size``, ``dimension``, ``value``)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ImportError_(path, None, f"not UTF-8 text ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise ImportError_(path, exc.lineno, f"not JSON ({exc.msg})") from None
    except OSError as exc:
        raise ImportError_(path, None, f"cannot read the file ({exc.strerror})") from None
    if not isinstance(data, dict):
        raise ImportError_(path, None, "not a JSON-stat dataset")
    if data.get("class") == "bundle" or ("id" not in data and len(data) == 1):  # JSON-stat 1.x bundle
        raise ImportError_(path, None, "a JSON-stat bundle, not a 2.0 dataset: export one dataset at a time")
    for key in ("id", "size", "dimension", "value"):
        if key not in data:
            raise ImportError_(path, None, f"not a JSON-stat 2.0 dataset: no {key!r}")
    ids, sizes = data["id"], data["size"]
    if not (isinstance(ids, list) and isinstance(sizes, list) and len(ids) == len(sizes)
            and all(isinstance(s, int) and s > 0 for s in sizes)):
        raise ImportError_(path, None, "'id' and 'size' must be lists of the same length (sizes > 0)")
    return data


def parse_jsonstat(path: Path, dataset: str | None = None,
                   problems: list[RowProblem] | None = None) -> Iterator[Observation]:
    """Observations of a JSON-stat 2.0 dataset; ``line`` is the cell's flat index. Cells with neither a value
    nor a status are skipped; a status without a value gives a ``None`` value with that flag."""
    path = Path(path)
    data = read_jsonstat(path)
    ids: list[str] = [str(name) for name in data["id"]]
    sizes: list[int] = data["size"]
    total = 1
    for size in sizes:
        total *= size
    codes = [_categories(path, name, data["dimension"].get(name) or {}, size)
             for name, size in zip(ids, sizes, strict=True)]
    lowered = [name.lower() for name in ids]
    time_name = next((name for name in _TIME_NAMES if name in lowered), None)
    if time_name is None:
        roles = (data.get("role") or {}).get("time") or []
        time_name = roles[0].lower() if roles else None
    if time_name is None or time_name not in lowered:
        raise ImportError_(path, None, "no time dimension")
    extension = data.get("extension") or {}
    code = (dataset or str(extension.get("id") or "") or dataset_from_name(path)).lower()
    updated = parse_updated(data.get("updated"))
    values = _cells(path, data["value"], total, "value")
    statuses = _cells(path, data.get("status"), total, "status")
    strides = [1] * len(sizes)
    for i in range(len(sizes) - 2, -1, -1):
        strides[i] = strides[i + 1] * sizes[i + 1]
    for flat in sorted(set(values) | set(statuses)):
        dimensions = {lowered[i]: codes[i][(flat // strides[i]) % sizes[i]] for i in range(len(ids))}
        raw_period = dimensions.pop(time_name)
        flags = str(statuses.get(flat, "")).strip().lower()
        try:
            period, year = normalise_period(raw_period)
            raw = values.get(flat)
            if isinstance(raw, bool) or not isinstance(raw, int | float | type(None)):
                raise ValueError(f"not a number: {raw!r}")
            if flags and not _FLAGS.match(flags):
                raise ValueError(f"unknown flags {flags!r}")
        except ValueError as exc:
            if problems is not None:
                problems.append(RowProblem(str(path), flat, f"{dimensions.get('geo', '?')} {raw_period}: {exc}"))
            continue
        yield Observation(code, dimensions, period, year, None if raw is None else float(raw), flags, flat,
                          last_update=updated)
