"""Benchmark occupation search (p50/p95 over 1,000+ typo'd queries in five languages) on the default dataset
and after importing the full English ESCO package from ../shared/data, plus that import's time.

Run with ``make bench`` (or ``.venv/bin/python bench/bench_occupations.py``). Prints its figures.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from lmi4vet.cli import prepare_database
from lmi4vet.db.engine import make_engine, session_scope
from lmi4vet.db.models import OccupationLabel
from lmi4vet.importers.esco import import_esco
from lmi4vet.kb.occupations import OccupationIndex, decide
from lmi4vet.settings import PROJECT_ROOT
from lmi4vet.text import strip_accents

SHARED = PROJECT_ROOT.parent / "shared" / "data" / "esco"
QUERIES = 1200


def typo(text: str, rng: random.Random) -> str:
    """One realistic slip: a dropped, doubled or swapped letter, no diacritics, or a plural."""
    kind = rng.choice(("drop", "double", "swap", "accents", "plural", "none"))
    i = rng.randrange(max(1, len(text) - 1))
    if kind == "drop" and len(text) > 4:
        return text[:i] + text[i + 1:]
    if kind == "double":
        return text[:i] + text[i] + text[i:]
    if kind == "swap" and len(text) > 3:
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    if kind == "accents":
        return strip_accents(text)
    if kind == "plural":
        return text + "s"
    return text


def queries(url: str) -> list[tuple[str, str, str]]:
    """(query, language, expected uri) from the curated preferred labels, with typos."""
    engine = make_engine(url)
    with session_scope(engine) as session:
        rows = session.execute(select(OccupationLabel.label, OccupationLabel.lang, OccupationLabel.occupation_uri)
                               .where(OccupationLabel.kind == "preferred")).all()
    engine.dispose()
    rng = random.Random(42)
    picked = [rng.choice(rows) for _ in range(QUERIES)]
    return [(typo(label.split("/")[0], rng), lang, uri) for label, lang, uri in picked]


def measure(url: str, label: str, work: list[tuple[str, str, str]]) -> None:
    engine = make_engine(url)
    with session_scope(engine) as session:
        started = time.perf_counter()
        index = OccupationIndex.load(session)
        load = time.perf_counter() - started
    engine.dispose()
    times, hits = [], 0
    for query, lang, uri in work:
        started = time.perf_counter()
        matches = index.search(query, lang)
        times.append((time.perf_counter() - started) * 1000)
        direct, candidates = decide(matches)
        hits += direct == uri or any(c.uri == uri for c in candidates)
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    print(f"{label}: {len(index)} labels indexed in {load:.2f} s; {len(work)} queries: "
          f"p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, max {times[-1]:.1f} ms; "
          f"expected job found (direct or in the top 3) {hits / len(work):.1%}")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        prepare_database(url, quiet=True)
        work = queries(url)
        measure(url, "default dataset", work)
        if not SHARED.is_dir():
            print(f"{SHARED} not present: full ESCO import not measured")
            return
        engine = make_engine(url)
        started = time.perf_counter()
        with session_scope(engine) as session:
            report = import_esco(session, [SHARED / "v1.1.1_en", SHARED / "v1.1.1_relations"])
        print(f"import of the full English ESCO v1.1.1 package: {time.perf_counter() - started:.1f} s "
              f"({report.summary()})")
        engine.dispose()
        measure(url, "after the full ESCO import", work)


if __name__ == "__main__":
    main()
