"""Marketplace place recognition (gazetteer) and offer search ranking."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from lmi4vet.countries import EU27, OTHER_EUROPEAN
from lmi4vet.marketplace.places import Place, distance_km, find_place, gazetteer
from lmi4vet.marketplace.search import OfferCard, SearchIndex, category_group, search

TODAY = date(2025, 5, 5)


# ---------------------------------------------------------------- recognition

@pytest.mark.parametrize(("text", "kind", "name", "country"), [
    # en
    ("I need a logo for my bakery in Valencia", "city", "Valencia", "ES"),
    ("catering near Cluj", "city", "Cluj-Napoca", "RO"),
    ("3D printing Germany", "country", "DE", "DE"),
    ("valenica", "city", "Valencia", "ES"),
    ("web design in Munich", "city", "München", "DE"),
    ("logo in Nice", "city", "Nice", "FR"),
    ("lab tests near Frankfurt", "city", "Frankfurt am Main", "DE"),
    ("photographer in Bucharest", "city", "București", "RO"),
    ("catering in The Hague", "city", "Den Haag", "NL"),
    ("3D printing in Bavaria", "region", "Bayern", "DE"),
    ("bike repairs Scotland", "region", "Scotland", "UK"),
    # es
    ("necesito un logo para mi panadería en Valencia", "city", "Valencia", "ES"),
    ("catering en sevilla", "city", "Sevilla", "ES"),
    ("diseño web en Zaragosa", "city", "Zaragoza", "ES"),
    ("impresión 3D en Andalucía", "region", "Andalucía", "ES"),
    ("fotógrafo cerca de Colonia", "city", "Köln", "DE"),
    ("servicios de laboratorio en Rumanía", "country", "RO", "RO"),
    # ro
    ("tort aniversare in brasov", "city", "Brașov", "RO"),
    ("catering în Cluj", "city", "Cluj-Napoca", "RO"),
    ("fotograf la Iasi", "city", "Iași", "RO"),
    ("reparații lângă Timisoara", "city", "Timișoara", "RO"),
    ("site web din targu mures", "city", "Târgu Mureș", "RO"),
    ("design logo Germania", "country", "DE", "DE"),
    ("tâmplărie în Regiunea Nord-Vest", "region", "Nord-Vest", "RO"),
    # fr
    ("traiteur à lyon", "city", "Lyon", "FR"),
    ("site web près de Bordaux", "city", "Bordeaux", "FR"),
    ("impression 3D à Francfort", "city", "Frankfurt am Main", "DE"),
    ("traiteur à Tours", "city", "Tours", "FR"),
    ("graphiste en Bretagne", "region", "Bretagne", "FR"),
    ("réparation vélo Bucarest", "city", "București", "RO"),
    # de
    ("Schweißarbeiten in der Nähe von Koeln", "city", "Köln", "DE"),
    ("Catering in Essen", "city", "Essen", "DE"),
    ("Webdesign in Muenchen", "city", "München", "DE"),
    ("Laboranalysen aus DE", "country", "DE", "DE"),
    ("3D-Druck in Rumänien", "country", "RO", "RO"),
    ("Fotograf bei Klausenburg", "city", "Cluj-Napoca", "RO"),
    ("Reparaturen in Mailand", "city", "Milano", "IT"),
    # other scripts and spellings
    ("Київ", "city", "Kyiv", "UA"),
    ("Αθήνα", "city", "Athina", "EL"),
    ("izmir", "city", "İzmir", "TR"),
    ("lodz", "city", "Łódź", "PL"),
    ("Hafnarfjordur", "city", "Hafnarfjörður", "IS"),
    ("St Gallen", "city", "St. Gallen", "CH"),
])
def test_recognises(text: str, kind: str, name: str, country: str) -> None:
    place = find_place(text)
    assert place is not None, text
    assert (place.kind, place.name, place.country) == (kind, name, country)


def test_a_city_comes_with_region_coordinates_and_span() -> None:
    text = "I need a logo for my bakery in Valencia"
    place = find_place(text)
    assert place == Place("city", "ES", "Comunitat Valenciana", "Valencia", 39.47, -0.38, (31, 39), "Valencia")
    assert text[place.span[0]:place.span[1]] == "Valencia"
    typo = find_place("catering en Valenica por favor")
    assert typo is not None and typo.city == "Valencia" and typo.text == "Valenica"


@pytest.mark.parametrize("text", [
    "I need help", "nice logo", "Nice logo", "a logo in nice colours", "traiteur a nice", "IT support",
    "HELP ME", "monster logo", "Transilvania", "catering in Transilvania", "Essen für 50 Personen",
    "catering mit Essen", "tort in centru", "necesito que haga un logo", "calitate constantă",
    "help me with a German translation", "traduction en français", "catering valenica", "catalogue",
    "", "   ", "1234", "logo in monster colours",
])
def test_words_that_look_like_places_are_not(text: str) -> None:
    assert find_place(text) is None


def test_an_ordinary_word_place_needs_a_preposition_unless_asked() -> None:
    assert find_place("Nice") is None
    assert find_place("Nice", asked=True).city == "Nice"  # the chat has just asked "where?"
    assert find_place("catering in nice").city == "Nice"  # last in the sentence
    assert find_place("logo à Nice, svp").city == "Nice"
    assert find_place("IT", asked=True).country == "IT"


def test_the_longest_and_most_specific_name_wins() -> None:
    assert find_place("Lyon, France").city == "Lyon"
    assert find_place("Irlanda del Norte").region == "Northern Ireland"
    assert find_place("Frankfurt am Main").text == "Frankfurt am Main"
    assert find_place("Valenica, España").city == "Valencia"  # a typo next to a country
    assert find_place("Luxembourg").kind == "city"


def test_distance_km_is_haversine() -> None:
    places = gazetteer()
    paris, lyon = places.city("FR", "Paris"), places.city("FR", "Lyon")
    assert distance_km(paris, lyon) == pytest.approx(392, abs=3)
    assert distance_km(places.city("RO", "Bucuresti"), places.city("RO", "Cluj")) == pytest.approx(324, abs=3)
    assert distance_km((0.0, 0.0), (0.0, 1.0)) == pytest.approx(111.2, abs=0.1)
    with pytest.raises(ValueError):
        distance_km(Place("country", "FR"), lyon)


def test_gazetteer_covers_every_country_we_know() -> None:
    places = gazetteer()
    per_country: dict[str, int] = {}
    for city in places.cities:
        per_country[city.country] = per_country.get(city.country, 0) + 1
        assert 27 <= city.latitude <= 71 and -28 <= city.longitude <= 45, city
    for code in (*EU27, *OTHER_EUROPEAN):
        assert per_country.get(code, 0) >= (15 if code in ("ES", "RO", "FR", "DE", "IT", "PL", "PT") else 5), code
    for form, entries in places.forms().items():
        assert len({e.country for e in entries}) == 1, form  # no name is two countries' city or region


# ---------------------------------------------------------------- ranking

def card(id: int, city: str = "Lyon", category: str = "food.catering", *, country: str = "FR", region: str = "",
         remote: bool = False, languages: tuple[str, ...] = ("fr",), busy: tuple[tuple[date, date], ...] = (),
         lat: float | None = None, lon: float | None = None) -> OfferCard:
    return OfferCard(id, category, f"offer {id}", country, region, city, remote, lat, lon, languages, busy,
                     f"provider {id}")


def ids(result) -> list[int]:
    return [hit.card.id for hit in result.hits]


LYON = find_place("traiteur à Lyon")


def test_same_city_then_nearby_by_distance_then_region_country_remote_farther() -> None:
    cards = [
        card(1, "Barcelona", country="ES"),                # farther
        card(2, "Madrid", country="ES", remote=True),      # remote
        card(3, "Paris"),                                  # same country
        card(4, "Grenoble"),                               # same region (Auvergne-Rhône-Alpes), 93 km
        card(5, "Vienne", lat=45.52, lon=4.87),            # not in the gazetteer: its own coordinates, 27 km
        card(6, "Villeurbanne"),                           # 3 km
        card(7, "Lyon"),                                   # same city
        card(8, "lyon", languages=("en",)),                # same city, folded name, not in French
    ]
    random.Random(1).shuffle(cards)
    result = search(cards, category="food.catering", place=LYON, language="fr", today=TODAY)
    assert result.exact and result.nearest_note is None
    assert ids(result) == [7, 8, 6, 5, 4, 3, 2, 1]
    assert [hit.proximity for hit in result.hits] == [
        "same_city", "same_city", "nearby", "nearby", "same_region", "same_country", "remote", "farther"]
    assert result.hits[2].distance_km == pytest.approx(3, abs=1)
    assert result.hits[3].distance_km == pytest.approx(27, abs=1)
    assert result.hits[4].reasons == ("exact", "same_region", "93 km", "available", "language")


def test_unavailable_after_available_but_distance_first() -> None:
    busy_today = ((TODAY - timedelta(days=3), TODAY + timedelta(days=20)),)
    busy_soon = ((TODAY + timedelta(days=10), TODAY + timedelta(days=30)),)
    busy_later = ((TODAY + timedelta(days=15), TODAY + timedelta(days=30)),)
    busy_before = ((TODAY - timedelta(days=30), TODAY - timedelta(days=1)),)
    cards = [card(1, busy=busy_today), card(2, busy=busy_soon), card(3, busy=busy_later), card(4, busy=busy_before),
             card(5, "Villeurbanne")]
    result = search(cards, category="food.catering", place=LYON, language="fr", today=TODAY)
    assert ids(result) == [3, 4, 2, 1, 5]
    by_id = {hit.card.id: hit for hit in result.hits}
    assert by_id[1].availability == "busy" and by_id[1].busy_until == TODAY + timedelta(days=20)
    assert by_id[2].availability == "busy_soon" and by_id[2].busy_from == TODAY + timedelta(days=10)
    assert by_id[3].availability == "available" and by_id[3].busy_from is None


def test_language_after_availability() -> None:
    cards = [card(1, languages=("en",)), card(2, languages=("ro", "fr")), card(3, languages=())]
    assert ids(search(cards, category="food.catering", place=LYON, language="fr", today=TODAY)) == [2, 1, 3]
    assert ids(search(cards, category="food.catering", place=LYON, language="en", today=TODAY)) == [1, 2, 3]
    busy = ((TODAY, TODAY),)
    cards = [card(1, languages=("fr",), busy=busy), card(2, languages=("en",))]
    assert ids(search(cards, category="food.catering", place=LYON, language="fr", today=TODAY)) == [2, 1]


def test_category_exact_then_group_other_groups_left_out() -> None:
    cards = [card(1, "Lyon", "food.bakery"), card(2, "Paris", "food.catering"), card(3, "Lyon", "design.web"),
             card(4, "Lyon", "food.catering")]
    result = search(cards, category="food.catering", place=LYON, language="fr", today=TODAY)
    assert ids(result) == [4, 2, 1]
    assert [hit.category_match for hit in result.hits] == ["exact", "exact", "group"]
    group = search(cards, category="food", place=LYON, language="fr", today=TODAY)
    assert ids(group) == [1, 4, 2] and group.exact
    assert category_group("food.catering") == "food" and category_group("food") == "food"


def test_ties_are_broken_by_id() -> None:
    cards = [card(i) for i in (9, 3, 5, 1)]
    for seed in range(3):
        random.Random(seed).shuffle(cards)
        assert ids(search(cards, category="food.catering", place=LYON, language="fr", today=TODAY)) == [1, 3, 5, 9]
    assert ids(search(cards, category=None, place=None, language="fr", today=TODAY, limit=2)) == [1, 3]


def test_nothing_in_the_place_gives_the_nearest_city_that_has_it() -> None:
    cards = [card(1, "Paris"), card(2, "Grenoble"), card(3, "Lyon", "food.bakery"), card(4, "Madrid", country="ES")]
    result = search(cards, category="food.catering", place=LYON, language="fr", today=TODAY)
    assert not result.exact
    assert ids(result) == [2, 1, 4, 3]
    assert result.nearest_note == "nothing for food.catering in Lyon; nearest: food.catering in Grenoble (93 km)"


def test_nothing_in_the_category_gives_a_related_one_in_the_same_place() -> None:
    cards = [card(1, "Lyon", "food.bakery"), card(2, "Paris", "food.bakery"), card(3, "Lyon", "design.web")]
    result = search(cards, category="food.catering", place=LYON, language="fr", today=TODAY)
    assert not result.exact and ids(result) == [1, 2]
    assert result.nearest_note == "nothing for food.catering in Lyon; related category: food.bakery in Lyon"
    nothing = search(cards, category="lab.testing", place=LYON, language="fr", today=TODAY)
    assert nothing.hits == () and not nothing.exact and nothing.nearest_note == "no offers in lab"


def test_remote_offers_do_not_make_a_place_exact() -> None:
    cards = [card(1, "Madrid", "design.logo", country="ES", remote=True)]
    result = search(cards, category="design.logo", place=find_place("logo à Lyon"), language="fr", today=TODAY)
    assert not result.exact and ids(result) == [1]
    assert result.nearest_note == "nothing for design.logo in Lyon; nearest: design.logo in remote, from Madrid"


def test_region_and_country_places() -> None:
    cards = [card(1, "Madrid", country="ES"), card(2, "Sevilla", country="ES"),
             card(3, "", country="ES", region="Andalusia"), card(4, "Lyon"), card(5, "Málaga", country="ES")]
    result = search(cards, category="food.catering", place=find_place("catering en Andalucía"), language="es",
                    today=TODAY)
    # within the region: nearer the middle of its cities first (Málaga, then Sevilla), unknown position last
    assert result.exact and ids(result) == [5, 2, 3, 1, 4]
    assert [hit.proximity for hit in result.hits][:4] == ["same_region"] * 3 + ["same_country"]
    germany = search([card(1, "Köln", country="DE"), card(2, "Lyon")], category=None,
                     place=find_place("3D printing Germany"), language="en", today=TODAY)
    assert germany.exact and ids(germany) == [1, 2]
    nowhere = search([card(2, "Lyon")], category=None, place=find_place("3D printing Germany"), language="en",
                     today=TODAY)
    assert not nowhere.exact and nowhere.nearest_note == "nothing in DE; nearest: food.catering in Lyon"


def test_an_index_is_built_once_and_searched_many_times() -> None:
    index = SearchIndex([card(1), card(2, "Paris")], version=7)
    assert len(index) == 2 and index.version == 7
    for day in range(20):
        result = index.search(category="food.catering", place=LYON, language="fr", today=TODAY + timedelta(day))
        assert ids(result) == [1, 2]
    empty = search([], category="food.catering", place=LYON, language="fr", today=TODAY)
    assert empty.hits == () and not empty.exact


def test_plain_subcategory_ids_with_a_groups_mapping() -> None:
    cards = [card(1, "Lyon", "bakery"), card(2, "Lyon", "catering"), card(3, "Lyon", "web")]
    groups = {"bakery": "food", "catering": "food", "web": "design"}
    result = search(cards, category="catering", place=LYON, language="fr", today=TODAY, groups=groups)
    assert ids(result) == [2, 1] and result.exact
    assert ids(search(cards, category="food", place=LYON, language="fr", today=TODAY, groups=groups)) == [1, 2]


def test_missing_region_city_and_coordinates() -> None:
    loose = OfferCard(1, "food.catering", "t", "FR", None, None, True, None, None, ["fr"], [], "p")  # type: ignore[arg-type]
    result = search([loose, card(2, "Paris")], category="food.catering", place=LYON, language="fr", today=TODAY)
    assert ids(result) == [2, 1] and result.hits[1].proximity == "same_country"
    assert result.hits[1].distance_km is None
