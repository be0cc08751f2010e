"""Offer search for the VET2B marketplace: the published offers ranked for one request.

Category ids are ``"group.sub"`` ("food.catering", "design.web"): a subcategory id, whose top group is the
part before the first "." ("food"). A search asks for a subcategory or a whole group. A catalogue whose
subcategory ids carry no group ("catering") gives the index its ``groups`` mapping (subcategory -> group).

Ranking, each criterion only breaking the ties of the one before:

1. category: the exact subcategory, then the same top group (other groups are left out);
2. distance: same city, within 50 km (coordinates: the offer's own, else its city's), same region, same
   country, remote offers, farther; within each of these, nearer first;
3. availability: free today and for the next 14 days, then free today but busy within 14 days, then busy
   today (the provider's periods without capacity);
4. language: the offer is given in the user's language;
5. then distance in km, then the offer's id (ties are always broken the same way).

When nothing matches both the category and the place (the same city or within 50 km for a city, the region,
the country), the result is not ``exact`` and says what the nearest alternatives are: the same category in
the nearest place that has it, else a related category (same group). Build a :class:`SearchIndex` once per
catalogue version; a search is then array arithmetic over it, with no database access.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from lmi4vet.marketplace.places import EARTH_RADIUS_KM, Gazetteer, Place, gazetteer, key

NEARBY_KM = 50.0
AVAILABILITY_DAYS = 14
PROXIMITY = ("same_city", "nearby", "same_region", "same_country", "remote", "farther")
AVAILABILITY = ("available", "busy_soon", "busy")
_IN_PLACE = {"city": 1, "region": 2, "country": 3}  # the worst proximity that still counts as "in" the place


@dataclass(frozen=True)
class OfferCard:
    """A published offer as the search sees it (``country`` as in :mod:`lmi4vet.countries`, ``category`` a
    subcategory id "group.sub", ``unavailable`` inclusive date ranges without capacity)."""

    id: int
    category: str
    title: str
    country: str
    region: str
    city: str
    remote: bool
    latitude: float | None
    longitude: float | None
    languages: tuple[str, ...]
    unavailable: tuple[tuple[date, date], ...]
    provider: str


@dataclass(frozen=True)
class Hit:
    """One offer found, with the reasons of its rank for the detail card.

    ``category_match``: "exact", "group" (same top group) or "any" (no category asked); ``proximity``: one of
    :data:`PROXIMITY`, ``None`` when no place was asked; ``distance_km`` from the city asked for, when both
    have coordinates; ``availability``: one of :data:`AVAILABILITY`, with the date a busy period starts
    (``busy_from``) or ends (``busy_until``).
    """

    card: OfferCard
    category_match: str
    proximity: str | None
    distance_km: float | None
    availability: str
    busy_from: date | None
    busy_until: date | None
    speaks_language: bool

    @property
    def reasons(self) -> tuple[str, ...]:
        """The reasons as short codes ("exact", "same_city", "12 km", "available", "language")."""
        found = [self.category_match]
        if self.proximity:
            found.append(self.proximity)
        if self.distance_km is not None:
            found.append(f"{self.distance_km:.0f} km")
        found.append(self.availability)
        if self.speaks_language:
            found.append("language")
        return tuple(found)


@dataclass(frozen=True)
class SearchResult:
    """The best offers, best first; ``exact`` is False when none matched both the category and the place,
    and ``nearest_note`` then says which alternatives the hits are (in English, for logs and the console:
    the chat words it from the place asked for and the first hit's reasons)."""

    hits: tuple[Hit, ...]
    exact: bool
    nearest_note: str | None


def category_group(category: str) -> str:
    """The top group of a category id ("food.catering" -> "food"; a group id is its own group)."""
    return category.split(".", 1)[0]


class _Codes(dict):
    """Values -> small integers, in order of first use."""

    def code(self, value: object) -> int:
        return self.setdefault(value, len(self))


class SearchIndex:
    """The offers of one catalogue version as arrays: category, group, place and language codes, coordinates
    and busy periods. ``version`` is the caller's catalogue version, kept to tell when to rebuild."""

    def __init__(self, cards: Iterable[OfferCard], *, version: object = None, places: Gazetteer | None = None,
                 groups: Mapping[str, str] | None = None) -> None:
        self.cards: tuple[OfferCard, ...] = tuple(cards)
        self.version = version
        self.places = places or gazetteer()
        self._group_map = dict(groups or {})
        self._subs, self._groups, self._countries = _Codes(), _Codes(), _Codes()
        self._cities, self._regions, self._languages = _Codes(), _Codes(), _Codes()
        columns: dict[str, list] = {name: [] for name in
                                    ("sub", "group", "country", "city", "region", "city_region", "lat", "lon")}
        periods: list[tuple[int, int, int]] = []
        for position, card in enumerate(self.cards):
            city = self.places.city(card.country, card.city) if card.city else None
            columns["sub"].append(self._subs.code(card.category))
            columns["group"].append(self._groups.code(self.group_of(card.category)))
            columns["country"].append(self._countries.code(card.country))
            columns["city"].append(self._city_code(card.country, city.name if city else card.city))
            columns["region"].append(self._region_code(card.country, card.region))
            columns["city_region"].append(self._region_code(card.country, city.region if city else ""))
            lat, lon = ((card.latitude, card.longitude) if card.latitude is not None and card.longitude is not None
                        else (city.latitude, city.longitude) if city else (math.nan, math.nan))
            columns["lat"].append(lat)
            columns["lon"].append(lon)
            periods.extend((position, start.toordinal(), end.toordinal()) for start, end in card.unavailable)
        ints = {name: np.array(columns[name], dtype=np.int64) for name in
                ("sub", "group", "country", "city", "region", "city_region")}
        self._sub, self._group, self._country = ints["sub"], ints["group"], ints["country"]
        self._city, self._region, self._city_region = ints["city"], ints["region"], ints["city_region"]
        self._lat = np.radians(np.array(columns["lat"], dtype=np.float64))
        self._lon = np.radians(np.array(columns["lon"], dtype=np.float64))
        self._remote = np.array([card.remote for card in self.cards], dtype=bool)
        self._ids = np.array([card.id for card in self.cards], dtype=np.int64)
        masks = [sum(1 << self._languages.code(lang) for lang in set(card.languages)) for card in self.cards]
        self._langs = np.array(masks, dtype=object if len(self._languages) > 62 else np.int64)
        period_array = np.array(periods, dtype=np.int64).reshape(-1, 3)
        self._period_card, self._period_start, self._period_end = period_array.T
        self._availability: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.cards)

    def group_of(self, category: str) -> str:
        """A subcategory's top group (from ``groups``, else the part before the first ".")."""
        return self._group_map.get(category) or category_group(category)

    def _city_code(self, country: str, name: str) -> int:
        return self._cities.code((country, key(name))) if name else -1

    def _region_code(self, country: str, name: str) -> int:
        if not name:
            return -1
        return self._regions.code((country, key(self.places.region(country, name) or name)))

    def availability(self, today: date) -> np.ndarray:
        """Per offer: 0 free today and for the next 14 days, 1 busy within them, 2 busy today."""
        day = today.toordinal()
        found = self._availability.get(day)
        if found is None:
            found = np.zeros(len(self.cards), dtype=np.int64)
            overlapping = (self._period_start <= day + AVAILABILITY_DAYS) & (self._period_end >= day)
            np.maximum.at(found, self._period_card[overlapping], 1)
            today_busy = (self._period_start <= day) & (self._period_end >= day)
            np.maximum.at(found, self._period_card[today_busy], 2)
            if len(self._availability) > 8:
                self._availability.clear()
            self._availability[day] = found
        return found

    def search(self, *, category: str | None, place: Place | None, language: str, today: date,
               limit: int = 10) -> SearchResult:
        """The best ``limit`` offers for a category (subcategory or group id) and a place (see the module)."""
        if category:
            group = self._group == self._groups.get(self.group_of(category), -1)
            is_group = category not in self._subs and category in self._groups
            exact = group if is_group else self._sub == self._subs.get(category, -1)
            pool = np.flatnonzero(group)
            category_tier = np.where(exact[pool], 0, 1)
        else:
            pool = np.arange(len(self.cards))
            category_tier = np.zeros(len(pool), dtype=np.int64)
        if not len(pool):
            note = f"no offers in {self.group_of(category)}" if category else "no offers"
            return SearchResult((), False, note)
        proximity, km = self._proximity(place, pool)
        availability = self.availability(today)[pool]
        bit = self._languages.get(language)
        language_tier = (np.ones(len(pool), dtype=np.int64) if bit is None
                         else ((self._langs[pool] & (1 << bit)) == 0).astype(np.int64))
        order = np.lexsort((self._ids[pool], np.where(np.isnan(km), np.inf, km), language_tier, availability,
                            proximity, category_tier))[:max(0, limit)]
        in_place = proximity <= _IN_PLACE[place.kind] if place is not None else np.ones(len(pool), dtype=bool)
        exact_found = bool(np.any((category_tier == 0) & in_place))
        show_km = place is not None and place.kind == "city"
        hits = tuple(self._hit(int(pool[i]), int(category_tier[i]), category,
                               PROXIMITY[int(proximity[i])] if place is not None else None,
                               float(km[i]) if show_km and not np.isnan(km[i]) else None,
                               int(availability[i]), language_tier[i] == 0, today) for i in order)
        return SearchResult(hits, exact_found, None if exact_found else _nearest_note(category, place, hits))

    def _proximity(self, place: Place | None, pool: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per offer of ``pool``: its :data:`PROXIMITY` tier for ``place`` and its distance in km from the
        place (a region or country: from the mean position of its cities), NaN when unknown."""
        size = len(pool)
        if place is None:
            return np.zeros(size, dtype=np.int64), np.zeros(size)
        country = self._country[pool] == self._countries.get(place.country, -1)
        city = self.places.city(place.country, place.city) if place.city else None
        if place.kind == "city" and place.latitude is not None and place.longitude is not None:
            center: tuple[float, float] | None = (place.latitude, place.longitude)
        elif city is not None:
            center = (city.latitude, city.longitude)
        else:
            center = self.places.center(place.country, place.region if place.kind == "region" else None)
        km = self._km(center, pool) if center else np.full(size, np.nan)
        region_name = place.region or (city.region if city else None)
        region_code = self._regions.get((place.country, key(self.places.region(place.country, region_name)
                                                            or region_name)), -2) if region_name else -2
        region = (self._region[pool] == region_code) | (self._city_region[pool] == region_code)
        tier = np.select([country & region, country, self._remote[pool]], [2, 3, 4], 5)
        if place.kind == "city":
            city_code = self._cities.get((place.country, key(city.name if city else place.city or "")), -2)
            tier = np.where(km <= NEARBY_KM, 1, tier)
            tier = np.where(self._city[pool] == city_code, 0, tier)
        return tier, km

    def _km(self, center: tuple[float, float], pool: np.ndarray) -> np.ndarray:
        lat0, lon0 = math.radians(center[0]), math.radians(center[1])
        lat, lon = self._lat[pool], self._lon[pool]
        h = np.sin((lat - lat0) / 2) ** 2 + math.cos(lat0) * np.cos(lat) * np.sin((lon - lon0) / 2) ** 2
        return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))

    def _hit(self, position: int, category_tier: int, category: str | None, proximity: str | None,
             km: float | None, availability: int, speaks: bool, today: date) -> Hit:
        card = self.cards[position]
        horizon = today + timedelta(days=AVAILABILITY_DAYS)
        busy_from = busy_until = None
        if availability == 2:
            busy_until = max(end for start, end in card.unavailable if start <= today <= end)
        elif availability == 1:
            busy_from = min(start for start, end in card.unavailable if start <= horizon and end >= today)
        match = "any" if not category else ("exact" if category_tier == 0 else "group")
        return Hit(card, match, proximity, None if km is None else round(km, 1), AVAILABILITY[availability],
                   busy_from, busy_until, bool(speaks))


def _nearest_note(category: str | None, place: Place | None, hits: Sequence[Hit]) -> str:
    """"nothing for food.catering in Lyon; nearest: food.catering in Grenoble (95 km)"."""
    wanted = " ".join(part for part in (f"for {category}" if category else "", f"in {place.name}" if place else "")
                      if part)
    if not hits:
        return f"nothing {wanted}".strip()
    top = hits[0]
    where = top.card.city or top.card.region or top.card.country
    if top.proximity == "remote":
        where = f"remote, from {where}"
    elif top.distance_km is not None and top.proximity != "same_city":
        where = f"{where} ({top.distance_km:.0f} km)"
    label = "nearest" if top.category_match != "group" else "related category"
    return f"nothing {wanted}; {label}: {top.card.category} in {where}"


def search(cards: SearchIndex | Sequence[OfferCard], *, category: str | None, place: Place | None,
           language: str, today: date, limit: int = 10, groups: Mapping[str, str] | None = None) -> SearchResult:
    """Search the offers (a :class:`SearchIndex`, or cards, indexed for this one call with ``groups``)."""
    index = cards if isinstance(cards, SearchIndex) else SearchIndex(cards, groups=groups)
    return index.search(category=category, place=place, language=language, today=today, limit=limit)
