"""Benchmark :func:`lmi4vet.marketplace.understanding.parse_query` over 1,000 mixed search messages (five languages,
services with and without a place, the SME's business, typos, no service at all); prints the lexicon's build time
and p50/p95/max per query. Each message is new to the token cache (a random number in it) except the words.

Run with ``make bench`` (or ``.venv/bin/python bench/bench_marketplace_understanding.py``).
"""

from __future__ import annotations

import random
import statistics
import time

from lmi4vet.marketplace import understanding
from lmi4vet.marketplace.places import gazetteer

QUERIES = 1000
TEMPLATES = {
    "en": ("I need {service} for my bakery in {city}", "{service} near {city}", "{service} for {n} people",
           "looking for {service}", "hello, what is VET2B?", "{service} {city}"),
    "es": ("necesito {service} para mi restaurante en {city}", "busco {service} cerca de {city}",
           "{service} para {n} personas", "hola"),
    "ro": ("am nevoie de {service} pentru magazinul meu din {city}", "{service} lângă {city}",
           "{service} pentru {n} de persoane", "bună ziua"),
    "fr": ("je cherche {service} pour ma boulangerie à {city}", "{service} près de {city}",
           "{service} pour {n} personnes", "bonjour"),
    "de": ("wer kann {service} für meine Bäckerei machen? {city}", "{service} in der Nähe von {city}",
           "{service} für {n} Personen", "hallo"),
}
SERVICES = {"en": ("a logo", "catering", "3D printing", "a website", "cateringg", "bike repair", "product photos"),
            "es": ("un logo", "catering", "una web", "reparación de bicicletas", "fotógrafo"),
            "ro": ("un site web", "catering", "fotografie de produs", "tort", "un electrician"),
            "fr": ("un traiteur", "un logo", "un site web", "un plombier", "des flyers"),
            "de": ("unsere Website", "Catering", "Flyer", "einen Fotografen", "3D-Druck")}


def queries(rng: random.Random) -> list[tuple[str, str]]:
    cities = [c.name for c in gazetteer().cities]
    found = []
    for _ in range(QUERIES):
        lang = rng.choice(list(TEMPLATES))
        text = rng.choice(TEMPLATES[lang]).format(service=rng.choice(SERVICES[lang]), city=rng.choice(cities),
                                                  n=rng.randint(2, 500))
        found.append((text, lang))
    return found


def main() -> None:
    rng = random.Random(14)
    started = time.perf_counter()
    gazetteer()
    understanding.lexicon()
    build = time.perf_counter() - started
    messages = queries(rng)
    for text, lang in messages[:20]:  # warm up the code paths, not the caches of the measured messages
        understanding.parse_query(text + " x", lang)
    timings = []
    recognised = 0
    for text, lang in messages:
        start = time.perf_counter()
        query = understanding.parse_query(text, lang)
        timings.append((time.perf_counter() - start) * 1000)
        recognised += query.category is not None or query.group is not None
    timings.sort()
    print(f"gazetteer + lexicon built in {build * 1000:.0f} ms")
    print(f"parse_query over {len(timings)} messages ({recognised} with a service): "
          f"p50 {statistics.median(timings):.3f} ms, p95 {timings[int(len(timings) * 0.95)]:.3f} ms, "
          f"max {timings[-1]:.3f} ms")


if __name__ == "__main__":
    main()
