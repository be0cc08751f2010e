"""Benchmark marketplace search: place recognition (``find_place``) and offer ranking (``SearchIndex.search``)
over 5,000 synthetic offers, 1,000 searches of mixed kinds; prints p50/p95/max, index build time, peak RSS.

The offers are synthetic (seeded random over the gazetteer's cities and 30 "group.sub" category ids), not the
real catalogue. Run with ``make bench`` (or ``.venv/bin/python bench/bench_marketplace_search.py``).
"""

from __future__ import annotations

import random
import resource
import time
from collections import Counter
from datetime import date, timedelta

from babel import Locale

from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.countries import CLDR_CODES
from lmi4vet.marketplace import places
from lmi4vet.marketplace.search import OfferCard, SearchIndex
from lmi4vet.text import strip_accents

OFFERS = 5000
SEARCHES = 1000
TODAY = date(2025, 5, 5)
CATEGORIES = (
    "food.catering", "food.bakery", "food.pastry", "food.cooking_class", "design.logo", "design.web",
    "design.print", "design.photo", "marketing.social_media", "marketing.market_research", "marketing.events",
    "lab.testing", "lab.analysis", "lab.calibration", "manufacturing.3d_printing", "manufacturing.cnc",
    "manufacturing.welding", "manufacturing.carpentry", "repairs.electrical", "repairs.plumbing", "repairs.bikes",
    "repairs.cars", "repairs.it", "care.hairdressing", "care.beauty", "care.elderly", "care.childcare",
    "it.software", "it.support", "it.data",
)
WORDS = {"en": ("catering", "a logo", "3D printing", "lab tests", "web design"),
         "es": ("catering", "un logo", "impresión 3D", "análisis", "diseño web"),
         "ro": ("catering", "tort aniversare", "printare 3D", "analize", "site web"),
         "fr": ("traiteur", "un logo", "impression 3D", "analyses", "site web"),
         "de": ("Catering", "ein Logo", "3D-Druck", "Laboranalysen", "Webdesign")}
PREPOSITIONS = {"en": ("in", "near"), "es": ("en", "cerca de"), "ro": ("în", "lângă", "in"),
                "fr": ("à", "près de"), "de": ("in", "in der Nähe von", "bei")}
UNKNOWN = ("Springfield", "Atlantis", "Gotham", "Narnia", "Middle-earth", "Ruritania")


def offers(gazetteer: places.Gazetteer, rng: random.Random) -> list[OfferCard]:
    """Synthetic offers: most with their own coordinates near their city, some with the city only, some
    remote; random languages and busy periods around today."""
    found = []
    for offer_id in range(1, OFFERS + 1):
        city = rng.choice(gazetteer.cities)
        own = rng.random() < 0.7
        busy = []
        for _ in range(rng.choice((0, 0, 1, 2))):
            start = TODAY + timedelta(days=rng.randint(-30, 60))
            busy.append((start, start + timedelta(days=rng.randint(1, 40))))
        found.append(OfferCard(
            offer_id, rng.choice(CATEGORIES), f"synthetic offer {offer_id}", city.country, city.region, city.name,
            rng.random() < 0.1, city.latitude + rng.uniform(-0.05, 0.05) if own else None,
            city.longitude + rng.uniform(-0.05, 0.05) if own else None,
            tuple(sorted(rng.sample(SUPPORTED_LANGUAGES, rng.randint(1, 3)))), tuple(busy),
            f"provider {offer_id % 97}"))
    return found


def typed(name: str, rng: random.Random) -> str:
    """As people type on a phone: lower case, no diacritics, or one swapped letter in a long name."""
    kind = rng.choice(("as is", "lower", "plain", "typo"))
    if kind == "lower":
        return name.lower()
    if kind == "plain":
        return strip_accents(name).lower()
    if kind == "typo" and len(name) >= 7 and name.isalpha():
        i = rng.randrange(1, len(name) - 2)
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]
    return name


def searches(gazetteer: places.Gazetteer, rng: random.Random) -> list[tuple[str, str, str | None, str]]:
    """(kind, text, category, language) of mixed kinds."""
    found = []
    for _ in range(SEARCHES):
        lang = rng.choice(SUPPORTED_LANGUAGES)
        what, prep = rng.choice(WORDS[lang]), rng.choice(PREPOSITIONS[lang])
        kind = rng.choice(("category+city", "category+city", "category+country", "category only", "place only",
                           "unknown place"))
        category: str | None = rng.choice(CATEGORIES)
        if kind == "category+city":
            city = rng.choice(gazetteer.cities)
            text = f"{what} {prep} {typed(rng.choice(city.names), rng)}"
        elif kind == "category+country":
            code = rng.choice(sorted({c.country for c in gazetteer.cities}))
            text = f"{what} {prep} {Locale.parse(lang).territories[CLDR_CODES.get(code, code)]}"
        elif kind == "category only":
            text = what
        elif kind == "place only":
            category = None
            text = typed(rng.choice(rng.choice(gazetteer.cities).names), rng)
        else:
            text = f"{what} {prep} {rng.choice(UNKNOWN)}"
        found.append((kind, text, category, lang))
    return found


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"p50 {ordered[len(ordered) // 2]:.2f} ms, p95 {p95:.2f} ms, max {ordered[-1]:.2f} ms"


def main() -> None:
    rng = random.Random(14)
    started = time.perf_counter()
    gazetteer = places.gazetteer()
    loaded = time.perf_counter() - started
    cards = offers(gazetteer, rng)
    started = time.perf_counter()
    index = SearchIndex(cards)
    built = time.perf_counter() - started
    work = searches(gazetteer, rng)
    for _, text, category, lang in work[:20]:  # warm-up
        index.search(category=category, place=places.find_place(text), language=lang, today=TODAY)
    find_ms, search_ms, total_ms = [], [], []
    recognised, exact = Counter(), Counter()
    for kind, text, category, lang in work:
        t0 = time.perf_counter()
        place = places.find_place(text)
        t1 = time.perf_counter()
        result = index.search(category=category, place=place, language=lang, today=TODAY)
        t2 = time.perf_counter()
        find_ms.append((t1 - t0) * 1000)
        search_ms.append((t2 - t1) * 1000)
        total_ms.append((t2 - t0) * 1000)
        recognised[kind] += place is not None
        exact[kind] += result.exact
    kinds = Counter(kind for kind, *_ in work)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"gazetteer: {len(gazetteer.cities)} cities, {len(gazetteer.regions)} regions, "
          f"{len(gazetteer.forms())} names, loaded in {loaded * 1000:.0f} ms")
    print(f"{OFFERS} synthetic offers (seeded random over the gazetteer's cities and {len(CATEGORIES)} category "
          f"ids), index built in {built * 1000:.0f} ms")
    print(f"{SEARCHES} searches ({', '.join(f'{k}: {v}' for k, v in sorted(kinds.items()))})")
    print(f"  find_place:          {percentiles(find_ms)}")
    print(f"  search:              {percentiles(search_ms)}")
    print(f"  find_place + search: {percentiles(total_ms)}")
    print("  place recognised: " + ", ".join(f"{k} {recognised[k]}/{kinds[k]}" for k in sorted(kinds)))
    print("  exact results:    " + ", ".join(f"{k} {exact[k]}/{kinds[k]}" for k in sorted(kinds)))
    print(f"peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
