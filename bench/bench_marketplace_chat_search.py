"""Benchmark the marketplace search as the chat runs it, over 5,000 published offers in a real database:
``parse_query`` (category and place from the typed text) + ``finder.find`` (the catalogue-version query and the
cached index), 1,000 typed searches in the five languages; prints p50/p95/max, the first search (which builds
the index) and peak RSS.

Reference in the same run: the same searches without the cache (the published offers read and indexed for each
search, what the chat would do without ``finder``), on the first 100 searches.

The offers are synthetic (seeded random over the gazetteer's cities and the real category ids), created with
the store's functions in a fresh SQLite file. Run: ``.venv/bin/python bench/bench_marketplace_chat_search.py``.
"""

from __future__ import annotations

import random
import resource
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy import insert

from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.db.engine import make_engine, session_scope, upgrade
from lmi4vet.marketplace import categories, finder, places, store
from lmi4vet.marketplace.models import Offer, OfferText
from lmi4vet.marketplace.search import SearchIndex
from lmi4vet.marketplace.understanding import parse_query

OFFERS = 5000
SEARCHES = 1000
REFERENCE = 100
TYPED = {"en": ("catering in {city}", "a logo for my shop in {city}", "3D printing near {city}", "{what} {city}"),
         "es": ("catering en {city}", "un logo para mi tienda en {city}", "impresión 3D cerca de {city}",
                "{what} en {city}"),
         "ro": ("catering in {city}", "caut cineva pentru site web în {city}", "printare 3D {city}",
                "{what} {city}"),
         "fr": ("traiteur à {city}", "un logo pour ma boutique à {city}", "impression 3D près de {city}",
                "{what} à {city}"),
         "de": ("Catering in {city}", "ein Logo für meinen Laden in {city}", "3D-Druck in {city}",
                "{what} in {city}")}


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    return (f"p50 {ordered[len(ordered) // 2]:.2f} ms, p95 {ordered[int(0.95 * (len(ordered) - 1))]:.2f} ms, "
            f"max {ordered[-1]:.2f} ms")


def fill(url: str, rng: random.Random) -> None:
    """One provider and 5,000 published offers over the gazetteer's cities (bulk inserts: the store's checks
    are not what is measured)."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    cities = places.gazetteer().cities
    ids = [c.id for c in categories.categories()]
    with session_scope(make_engine(url)) as session:
        provider = store.create_provider(session, name="Bench school", country="RO", city="Cluj-Napoca",
                                         contact_email="bench@example.org", now=now)
        rows = []
        for _ in range(OFFERS):
            city = rng.choice(cities)
            rows.append({"provider_id": provider.id, "category": rng.choice(ids), "state": "published",
                         "country": city.country, "region": city.region, "city": city.name,
                         "remote": rng.random() < 0.1, "price_kind": "quote",
                         "languages": sorted(rng.sample(SUPPORTED_LANGUAGES, rng.randint(1, 3))),
                         "created_at": now, "updated_at": now, "published_at": now})
        session.execute(insert(Offer), rows)
        session.flush()
        offer_ids = [row.id for row in session.query(Offer.id).order_by(Offer.id)]
        session.execute(insert(OfferText), [{"offer_id": i, "language": "en", "title": f"Offer {i}",
                                             "description": ""} for i in offer_ids])


def searches(rng: random.Random) -> list[tuple[str, str]]:
    cities = places.gazetteer().cities
    words = [c.words for c in categories.categories()]
    found = []
    for _ in range(SEARCHES):
        lang = rng.choice(SUPPORTED_LANGUAGES)
        city = rng.choice(cities)
        what = rng.choice(rng.choice(words)[lang])
        found.append((lang, rng.choice(TYPED[lang]).format(city=city.name, what=what)))
    return found


def main() -> int:
    rng = random.Random(14)
    folder = Path(tempfile.mkdtemp(prefix="bench-marketplace-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    upgrade(url)
    fill(url, rng)
    work = searches(rng)
    today = date.today()
    engine = make_engine(url)
    parse_query("warm up", "en")  # the lexicon and the gazetteer, loaded once per process
    with session_scope(engine) as session:
        started = time.perf_counter()
        finder.find(session, category="catering", place=None, language="en", today=today)
        first = (time.perf_counter() - started) * 1000
    timings, understood = [], 0
    for lang, text in work:
        with session_scope(engine) as session:
            started = time.perf_counter()
            query = parse_query(text, lang)
            category = query.category or query.group
            if category:
                finder.find(session, category=category, place=query.place, language=lang, today=today)
                understood += 1
            timings.append((time.perf_counter() - started) * 1000)
    reference = []
    for lang, text in work[:REFERENCE]:
        with session_scope(engine) as session:
            started = time.perf_counter()
            query = parse_query(text, lang)
            category = query.category or query.group
            if category:
                index = SearchIndex(store.cards(session, lang), groups=finder.groups())
                index.search(category=category, place=query.place, language=lang, today=today)
            reference.append((time.perf_counter() - started) * 1000)
    print(f"{OFFERS} published offers in SQLite, {SEARCHES} typed searches in {len(SUPPORTED_LANGUAGES)} languages "
          f"({understood} with a category recognised)")
    print(f"  first search (builds the index): {first:.0f} ms")
    print(f"  parse_query + finder.find (cached index): {percentiles(timings)}")
    print(f"  reference, no cache (read + index each search, first {REFERENCE}): {percentiles(reference)}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
