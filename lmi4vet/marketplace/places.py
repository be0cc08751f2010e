"""Where a marketplace search is about: a city, a region or a country recognised in free text.

The gazetteer (``content/marketplace/places.yml``) lists the main cities of every country
:mod:`lmi4vet.countries` knows, with their region and coordinates and the names people type in the five
languages; countries themselves are recognised by :func:`lmi4vet.countries.find_countries`.

What :func:`find_place` tolerates: no diacritics, any case, German "oe" for "ö", prepositions ("near Cluj",
"în Cluj", "à Lyon", "in der Nähe von Köln"), and one typo (a letter wrong, missing, added or two swapped) in
a name of six letters or more where a place is expected: after a place preposition, next to a country name,
or as the whole message ("valenica", "en Zaragosa", "Valenica, España"). Its rules against false alarms:

- a place name that is also an ordinary word ("nice", "split", "essen", "tours") counts only after a place
  preposition ("logo in Nice", "à Tours") and when it is capitalised or ends the sentence ("catering in
  Essen", not "logo in nice colours"), or when the whole message is the name and the chat asked where;
- a country's language or adjective ("German", "français") is no place, nor is Europe or the EU;
- a two-letter country code that is also a word ("IT", "NO", "ME", "DE"...) counts only after a place
  preposition ("aus DE"), so "IT support" is not Italy ("RO", "UK" count anywhere, in capitals);
- ordinary words one typo away from a place ("monster" ~ Münster) are listed and never taken for it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import yaml
from babel import Locale
from rapidfuzz import process
from rapidfuzz.distance import OSA

from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.countries import CLDR_CODES, EU27, EU_AGGREGATE, OTHER_EUROPEAN, find_countries
from lmi4vet.settings import PROJECT_ROOT
from lmi4vet.text import fold

PLACES_FILE = PROJECT_ROOT / "content" / "marketplace" / "places.yml"
FUZZY_MIN_LETTERS = 6
EARTH_RADIUS_KM = 6371.0088

_TOKEN = re.compile(r"[^\W_]+")
_EXTRA_FOLDS = str.maketrans({"ı": "i", "ð": "d", "þ": "th"})
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})


def _phrase_list(lines: Iterable[str]) -> frozenset[tuple[str, ...]]:
    """Preposition phrases, written space-separated with multi-word ones joined by "_"."""
    return frozenset(tuple(word.split("_")) for line in lines for word in line.split())


# Folded words before a place ("près de" -> ("pres", "de")); "a" counts only when written "à".
_PREPOSITIONS = _phrase_list((
    "in near at around nearby from outside close_to near_to next_to based_in",  # en
    "en cerca cerca_de junto_a por desde alrededor_de",  # es
    "langa aproape_de din la prin zona de_langa in_apropiere_de",  # ro
    "a au pres_de pres_d autour_de dans sur vers a_cote_de du_cote_de",  # fr
    "bei nahe nahe_von nahe_bei aus um raum umgebung_von",  # de
))
_MAX_PREPOSITION = max(len(p) for p in _PREPOSITIONS)
_SENTENCE_END = ",.;:!?)"
# Country codes that are also words people write in capitals ("IT support", "HELP ME", "NO").
_WORD_CODES = frozenset({"IT", "NO", "IS", "ME", "AL", "BE", "AT", "EL", "ES", "DE", "LI", "BA", "SE", "SI"})


def key(text: str) -> str:
    """``text`` as the gazetteer compares names: folded words joined by one space ("L'Hospitalet" ->
    "l hospitalet", "İzmir" -> "izmir")."""
    return " ".join(fold(word).translate(_EXTRA_FOLDS) for word in _TOKEN.findall(text))


def _variants(name: str) -> set[str]:
    """The keys of a name: as written and with German ae/oe/ue for ä/ö/ü ("Köln" -> "koln", "koeln")."""
    return {k for k in (key(name), key(name.casefold().translate(_UMLAUTS))) if k}


def _letters(form: str) -> int:
    return len(form) - form.count(" ")


@dataclass(frozen=True)
class City:
    """One city of the gazetteer: its local name, region, coordinates and every name it is typed as."""

    name: str
    country: str
    region: str
    latitude: float
    longitude: float
    names: tuple[str, ...]


@dataclass(frozen=True)
class Place:
    """What was recognised: a city (with region, country and coordinates), a region or a country.

    ``span`` is the ``[start, end)`` of the name in the text it was found in, ``text`` that part of it.
    """

    kind: str  # "city", "region" or "country"
    country: str
    region: str | None = None
    city: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    span: tuple[int, int] = (0, 0)
    text: str = ""

    @property
    def name(self) -> str:
        """The city's or the region's local name, or the country's code."""
        return self.city or self.region or self.country


class HasCoordinates(Protocol):
    latitude: float | None
    longitude: float | None


def distance_km(a: HasCoordinates | tuple[float, float], b: HasCoordinates | tuple[float, float]) -> float:
    """Great-circle (haversine) distance between two places, cities, offers or ``(lat, lon)`` pairs."""
    (lat1, lon1), (lat2, lon2) = _coordinates(a), _coordinates(b)
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    h = (math.sin((phi2 - phi1) / 2) ** 2
         + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _coordinates(value: HasCoordinates | tuple[float, float]) -> tuple[float, float]:
    if isinstance(value, tuple):
        return value
    if value.latitude is None or value.longitude is None:
        raise ValueError(f"no coordinates: {value!r}")
    return value.latitude, value.longitude


@dataclass(frozen=True)
class _Entry:
    kind: str  # "city" or "region"
    country: str
    index: int  # into Gazetteer.cities, or Gazetteer.regions


@dataclass(frozen=True)
class _Candidate:
    start: int  # token indexes, end exclusive
    end: int
    kind: str  # "city", "region" or "country"
    form: str  # the gazetteer's name matched (corrected, for a typo)
    entries: tuple[_Entry, ...]  # empty for a country
    country: str | None  # for a country
    fuzzy: bool
    after_preposition: bool


_PRIORITY = {"city": 0, "country": 1, "region": 2}  # equal spans: "Luxembourg" is the city


class Gazetteer:
    """Cities and regions from ``places.yml``, indexed by every folded name; build once (:func:`gazetteer`)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.cities: list[City] = []
        self.regions: list[tuple[str, str]] = []  # (country, name)
        self.common_words = frozenset(key(word) for word in data.get("common_words") or ())
        self.not_places = frozenset(key(word) for word in data.get("not_places") or ())
        self._forms: dict[str, list[_Entry]] = {}
        self._region_index: dict[tuple[str, str], int] = {}
        for country, info in data["countries"].items():
            self._load_country(str(country), info)
        self.max_words = max(form.count(" ") + 1 for form in self._forms)
        self._fuzzy: dict[tuple[int, int], list[str]] = {}  # (words, length) -> forms
        for form in self._forms:
            if _letters(form) >= FUZZY_MIN_LETTERS:
                self._fuzzy.setdefault((form.count(" ") + 1, len(form)), []).append(form)
        self._weak_country_forms = _language_names() - _territory_names()
        self._centers: dict[tuple[str, str | None], tuple[float, float]] = {}

    def _load_country(self, country: str, info: dict[str, Any]) -> None:
        for name, others in (info.get("regions") or {}).items():
            index = len(self.regions)
            self.regions.append((country, name))
            self._region_index[(country, key(name))] = index
            for form in {v for n in (name, *(others or ())) for v in _variants(n)}:
                self._region_index.setdefault((country, form), index)
                self._add(form, _Entry("region", country, index))
        for row in info["cities"]:
            name, region, lat, lon = row[:4]
            names = (name, *(row[4] if len(row) > 4 else ()))
            if region not in (info.get("regions") or {}):
                raise ValueError(f"{country} {name}: unknown region {region!r}")
            index = len(self.cities)
            self.cities.append(City(name, country, region, float(lat), float(lon), tuple(names)))
            for form in {v for n in names for v in _variants(n)}:
                self._add(form, _Entry("city", country, index))

    def _add(self, form: str, entry: _Entry) -> None:
        if form in self.not_places:
            return
        entries = self._forms.setdefault(form, [])
        if entry not in entries:
            entries.append(entry)

    # ------------------------------------------------------------ lookups used by the search index

    def forms(self) -> dict[str, list[_Entry]]:
        """Every folded name -> the cities and regions it names, first listed first."""
        return self._forms

    def city(self, country: str, name: str) -> City | None:
        """The city of ``country`` written ``name`` (any known name, folded, or one typo away)."""
        if not name:
            return None
        for form in _variants(name):
            for entry in self._forms.get(form, ()):
                if entry.kind == "city" and entry.country == country:
                    return self.cities[entry.index]
        place = self.find(name, asked=True)
        if place is not None and place.kind == "city" and place.country == country:
            return next(c for c in self.cities if c.country == country and c.name == place.city)
        return None

    def region(self, country: str, name: str) -> str | None:
        """The region of ``country`` that ``name`` names (any of its names, folded), by its name in the file."""
        for form in _variants(name or ""):
            index = self._region_index.get((country, form))
            if index is not None:
                return self.regions[index][1]
        return None

    def center(self, country: str, region: str | None = None) -> tuple[float, float] | None:
        """The mean position of the gazetteer's cities in a region (or a whole country): where "nearest"
        is measured from when the search is about a region or a country."""
        found = self._centers.get((country, region))
        if found is None:
            points = [(c.latitude, c.longitude) for c in self.cities
                      if c.country == country and (region is None or c.region == region)]
            if not points:
                return None
            found = self._centers[(country, region)] = (sum(p[0] for p in points) / len(points),
                                                        sum(p[1] for p in points) / len(points))
        return found

    # ------------------------------------------------------------ recognition

    def find(self, text: str, *, asked: bool = False) -> Place | None:
        """The most specific place ``text`` names (city > region > country), or ``None``.

        ``asked``: the chat has just asked where, so a message that is only an ordinary-word place name
        ("Nice") is that place.
        """
        tokens = [(key(m.group()), m.start(), m.end()) for m in _TOKEN.finditer(text or "")]
        tokens = [t for t in tokens if t[0]]
        if not tokens:
            return None
        countries = self._countries(text, tokens)
        candidates = self._exact(text, tokens) + countries
        candidates += self._typos(text, tokens, candidates)
        beside_country = {i for c in countries for i in (c.start - 1, c.end)}
        chosen = _without_overlaps(c for c in candidates
                                   if self._acceptable(c, text, tokens, asked, beside_country))
        return self._best(chosen, text, tokens)

    def _exact(self, text: str, tokens: list[tuple[str, int, int]]) -> list[_Candidate]:
        found = []
        for start in range(len(tokens)):
            for end in range(start + 1, min(len(tokens), start + self.max_words) + 1):
                form = " ".join(t[0] for t in tokens[start:end])
                entries = self._forms.get(form)
                if entries:
                    kind = "city" if any(e.kind == "city" for e in entries) else "region"
                    found.append(_Candidate(start, end, kind, form, tuple(e for e in entries if e.kind == kind),
                                            None, False, _after_preposition(text, tokens, start)))
        return found

    def _countries(self, text: str, tokens: list[tuple[str, int, int]]) -> list[_Candidate]:
        found, position = [], 0
        for code, form in find_countries(text):
            if code == EU_AGGREGATE or form in self._weak_country_forms:
                continue
            words = key(form).split()
            for start in range(position, len(tokens) - len(words) + 1):
                if [t[0] for t in tokens[start:start + len(words)]] != words:
                    continue
                raw = text[tokens[start][1]:tokens[start][2]]
                if len(form) == 2 and raw != raw.upper():
                    continue
                position = start + len(words)
                found.append(_Candidate(start, position, "country", key(form), (), code, False,
                                        _after_preposition(text, tokens, start)))
                break
        return found

    def _typos(self, text: str, tokens: list[tuple[str, int, int]],
               exact: list[_Candidate]) -> list[_Candidate]:
        taken = {i for c in exact for i in range(c.start, c.end)}
        found = []
        for start in range(len(tokens)):
            for end in range(start + 1, min(len(tokens), start + self.max_words) + 1):
                if any(i in taken for i in range(start, end)):
                    break
                words = [t[0] for t in tokens[start:end]]
                query = " ".join(words)
                if (_letters(query) < FUZZY_MIN_LETTERS - 1 or not query.replace(" ", "").isalpha()
                        or query in self.not_places or any(w in self.not_places for w in words)):
                    continue
                choices = [f for size in (len(query) - 1, len(query), len(query) + 1)
                           for f in self._fuzzy.get((end - start, size), ())]
                best = process.extractOne(query, choices, scorer=OSA.distance, score_cutoff=1) if choices else None
                if best is None:
                    continue
                entries = self._forms[best[0]]
                kind = "city" if any(e.kind == "city" for e in entries) else "region"
                found.append(_Candidate(start, end, kind, best[0], tuple(e for e in entries if e.kind == kind),
                                        None, True, _after_preposition(text, tokens, start)))
        return found

    def _acceptable(self, candidate: _Candidate, text: str, tokens: list[tuple[str, int, int]],
                    asked: bool, beside_country: set[int]) -> bool:
        """The rules against false alarms (see the module's docstring)."""
        first, last = tokens[candidate.start], tokens[candidate.end - 1]
        whole = candidate.start == 0 and candidate.end == len(tokens)
        if candidate.kind == "country":
            return (candidate.form.upper() not in _WORD_CODES or candidate.after_preposition
                    or (asked and whole))
        if candidate.fuzzy and not (candidate.after_preposition or whole or candidate.start in beside_country
                                    or candidate.end - 1 in beside_country):
            return False
        if candidate.form not in self.common_words:
            return True
        if asked and whole:
            return True
        if not candidate.after_preposition:
            return False
        capitalised = text[first[1]].isupper()
        rest = text[last[2]:].lstrip()
        return capitalised or not rest or rest[0] in _SENTENCE_END

    def _best(self, chosen: list[_Candidate], text: str, tokens: list[tuple[str, int, int]]) -> Place | None:
        if not chosen:
            return None
        mentioned = {c.country for c in chosen if c.kind == "country"}

        def entry_for(candidate: _Candidate) -> _Entry | None:
            if not candidate.entries:
                return None
            return next((e for e in candidate.entries if e.country in mentioned), candidate.entries[0])

        def rank(candidate: _Candidate) -> tuple[int, bool, bool, bool, int]:
            entry = entry_for(candidate)
            outside = bool(mentioned) and entry is not None and entry.country not in mentioned
            return (("city", "region", "country").index(candidate.kind), outside, not candidate.after_preposition,
                    candidate.fuzzy, candidate.start)

        best = min(chosen, key=rank)
        span = (tokens[best.start][1], tokens[best.end - 1][2])
        matched = text[span[0]:span[1]]
        entry = entry_for(best)
        if entry is None:
            return Place("country", best.country or "", span=span, text=matched)
        if entry.kind == "region":
            return Place("region", entry.country, self.regions[entry.index][1], span=span, text=matched)
        city = self.cities[entry.index]
        return Place("city", city.country, city.region, city.name, city.latitude, city.longitude, span, matched)


def _after_preposition(text: str, tokens: list[tuple[str, int, int]], start: int) -> bool:
    """Whether a place preposition ("near", "în", "à", "in der Nähe von") ends just before token ``start``."""
    for size in range(1, min(_MAX_PREPOSITION, start) + 1):
        words = tuple(t[0] for t in tokens[start - size:start])
        if words in _PREPOSITIONS:
            first = tokens[start - size]
            return words[0] != "a" or text[first[1]:first[2]] in ("à", "À")
    return False


def _without_overlaps(candidates: Iterable[_Candidate]) -> list[_Candidate]:
    """Longest names first ("Frankfurt am Main" over "Frankfurt", "Irlanda del Norte" over "Irlanda")."""
    chosen: list[_Candidate] = []
    taken: set[int] = set()
    for candidate in sorted(candidates, key=lambda c: (c.start - c.end, _PRIORITY[c.kind], c.fuzzy, c.start)):
        span = set(range(candidate.start, candidate.end))
        if not span & taken:
            chosen.append(candidate)
            taken |= span
    return chosen


@cache
def _language_names() -> frozenset[str]:
    """Every language's name in the five languages, folded ("german", "francais", "rumano")."""
    return frozenset(key(name) for lang in SUPPORTED_LANGUAGES for name in Locale.parse(lang).languages.values())


@cache
def _territory_names() -> frozenset[str]:
    """The names of the countries we know in the five languages ("italien" is Italy in German)."""
    names = set()
    for lang in SUPPORTED_LANGUAGES:
        territories = Locale.parse(lang).territories
        for code in (*EU27, *OTHER_EUROPEAN):
            cldr = CLDR_CODES.get(code, code)
            if cldr in territories:
                names.add(key(territories[cldr]))
    return frozenset(names)


def load(path: Path = PLACES_FILE) -> Gazetteer:
    with path.open(encoding="utf-8") as handle:
        return Gazetteer(yaml.safe_load(handle))


@cache
def gazetteer() -> Gazetteer:
    """The gazetteer of ``places.yml``, loaded once."""
    return load()


def find_place(text: str, *, asked: bool = False) -> Place | None:
    """The city, region or country ``text`` is about, or ``None`` (see the module's rules)."""
    return gazetteer().find(text, asked=asked)
