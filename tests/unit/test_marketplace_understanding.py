"""What an SME types in the marketplace: the service and place of a search, and the brief's answers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from rasa.shared.nlu.training_data.message import Message

from lmi4vet.marketplace import categories as catalogue
from lmi4vet.marketplace.understanding import (
    Amount,
    looks_like_code,
    parse_amount,
    parse_date,
    parse_days,
    parse_quantity,
    parse_query,
)
from lmi4vet.nlu_components import MarketplaceEntityExtractor

TODAY = date(2026, 5, 13)  # a Wednesday


@pytest.mark.parametrize(("text", "language", "category", "group", "place", "matched"), [
    # the SME's own business is not the service
    ("I need a logo for my bakery in Valencia", "en", "logo_branding", "design_web", "Valencia", "logo"),
    ("web para mi restaurante", "es", "websites", "design_web", None, "web"),
    ("site pentru cafeneaua mea", "ro", "websites", "design_web", None, "site"),
    ("un logo pour ma boulangerie", "fr", "logo_branding", "design_web", None, "logo"),
    ("un logo pour ma pâtisserie", "fr", "logo_branding", "design_web", None, "logo"),
    ("Flyer für meine Bäckerei", "de", "print", "design_web", None, "Flyer"),
    ("marketing for my bakery", "en", None, "marketing", None, "marketing"),
    ("something for my restaurant's marketing", "en", None, "marketing", None, "marketing"),
    ("for my bakery", "en", "bakery", "food", None, "bakery"),  # nothing else: the business words count
    ("cake for my daughter's birthday", "en", "bakery", "food", None, "cake"),
    ("am nevoie de un site web pentru magazinul meu din Iași", "ro", "websites", "design_web", "Iași", "site web"),
    ("wer kann unsere Website machen? Berlin", "de", "websites", "design_web", "Berlin", "Website"),
    # service and place
    ("catering near Cluj", "en", "catering", "food", "Cluj-Napoca", "catering"),
    ("3D printing Germany", "en", "printing_3d", "manufacturing", "DE", "3D printing"),
    ("catering Cluj-Napoca pentru 50 de persoane", "ro", "catering", "food", "Cluj-Napoca", "catering"),
    ("busco catering para una boda en Sevilla", "es", "catering", "food", "Sevilla", "catering"),
    ("traiteur à Lyon", "fr", "catering", "food", "Lyon", "traiteur"),
    ("reparación de bicicletas Madrid", "es", "small_repairs", "repairs", "Madrid", "bicicletas"),
    ("Catering in Essen", "de", "catering", "food", "Essen", "Catering"),
    ("Essen für 50 Personen", "de", None, "food", None, "Essen"),  # no preposition: Essen is food
    ("Maurer in Wien", "de", "building_work", "construction", "Wien", "Maurer"),
    ("Maurer", None, "building_work", "construction", None, "Maurer"),  # no typo of Mauren
    ("fotograf pentru nunta mea în București", "ro", "photo_video", "design_web", "București", "fotograf"),
    ("Ich brauche Kuchen für 40 Leute in Hamburg", "de", "bakery", "food", "Hamburg", "Kuchen"),
    ("une pièce montée pour un mariage à Nantes", "fr", "bakery", "food", "Nantes", "pièce montée"),
    ("redes sociales para mi tienda en Málaga", "es", "social_media", "marketing", "Málaga", "redes sociales"),
    ("Klempner Köln", "de", "plumbing_heating", "construction", "Köln", "Klempner"),
    ("looking for waiters for a banquet in Milan", "en", "waiting_staff", "food", "Milano", "banquet"),
    # mixed languages, plurals, inflections, typos, word order
    ("cateringg", "en", "catering", "food", None, "cateringg"),
    ("fotografie de produs", "ro", "photo_video", "design_web", None, "fotografie de produs"),
    ("un pastel para el cumpleaños", "es", "bakery", "food", None, "pastel"),
    ("Webseiten", "de", "websites", "design_web", None, "Webseiten"),
    ("biciclete", "ro", "small_repairs", "repairs", None, "biciclete"),
    ("Baeckerei", "de", "bakery", "food", None, "Baeckerei"),
    ("CATERING", None, "catering", "food", None, "CATERING"),
    ("can someone repair my laptop", "en", "electronics", "repairs", None, "repair my laptop"),
    ("my laptop screen is cracked, Lisbon", "en", "electronics", "repairs", "Lisboa", "screen is cracked"),
    ("coffee machine repair", "en", "machines", "repairs", None, "coffee machine"),  # the longest words
    ("IT support", "en", "it_support", "design_web", None, "IT support"),
    ("uñas", "es", "beauty", "care", None, "uñas"),
    ("cocktail", "fr", "catering", "food", None, "cocktail"),  # the user's language: French apéritif
    ("cocktail", "en", "drinks", "food", None, "cocktail"),
    # no service
    ("hello", "en", None, None, None, None),
    ("what is VET2B?", "en", None, None, None, None),
    ("can you do it", "en", None, None, None, None),  # "IT" only in capitals
    ("a red car", "en", "vehicles", "repairs", None, "car"),  # "red" (network) is Spanish only
    ("I'm hiring", "en", None, None, None, None),  # not a typo of "wiring"
])
def test_a_search_message_names_a_service_and_a_place(text, language, category, group, place, matched) -> None:
    query = parse_query(text, language)
    assert (query.category, query.group, query.place and query.place.name, query.matched) == (
        category, group, place, matched)
    if matched is not None:
        start, end = query.category_span
        assert text[start:end] == matched


def test_the_words_of_every_category_name_it_in_its_language_and_no_place() -> None:
    for category in catalogue.categories():
        for language, words in category.words.items():
            for word in words:
                query = parse_query(word, language)
                assert (query.category, query.place) == (category.id, None), (category.id, language, word)


def test_unknown_language_and_spaces() -> None:
    assert parse_query("", None).category is None
    assert parse_query("   ", "xx").place is None
    assert parse_query("logo", "xx").category == "logo_branding"


@pytest.mark.parametrize(("text", "language", "expected"), [
    ("15/03/2027", "en", date(2027, 3, 15)),
    ("15.03.2027", "de", date(2027, 3, 15)),
    ("15-03-27", "ro", date(2027, 3, 15)),
    ("15.3.", "de", date(2027, 3, 15)),  # no year: the next 15 March
    ("15/06", "fr", date(2026, 6, 15)),
    ("13.5.", "de", TODAY),  # today counts
    ("2027-03-15", "en", date(2027, 3, 15)),
    ("15 March 2027", "en", date(2027, 3, 15)),
    ("March 15", "en", date(2027, 3, 15)),
    ("June 3rd, 2027", "en", date(2027, 6, 3)),
    ("15 martie", "ro", date(2027, 3, 15)),
    ("pe 20 iunie", "ro", date(2026, 6, 20)),
    ("15 de marzo", "es", date(2027, 3, 15)),
    ("el 5 de mayo de 2027", "es", date(2027, 5, 5)),
    ("le 15 mars", "fr", date(2027, 3, 15)),
    ("1er juin", "fr", date(2026, 6, 1)),
    ("15 sept.", "fr", date(2026, 9, 15)),
    ("15. März", "de", date(2027, 3, 15)),
    ("15. Maerz 2027", "de", date(2027, 3, 15)),
    ("29.02.", "en", date(2028, 2, 29)),  # the next leap year
    ("tomorrow", "en", date(2026, 5, 14)),
    ("mañana", "es", date(2026, 5, 14)),
    ("mâine", "ro", date(2026, 5, 14)),
    ("demain", "fr", date(2026, 5, 14)),
    ("morgen", "de", date(2026, 5, 14)),
    ("übermorgen", "de", date(2026, 5, 15)),
    ("pasado mañana", "es", date(2026, 5, 15)),
    ("heute", "de", TODAY),
    ("next Friday", "en", date(2026, 5, 15)),
    ("el próximo viernes", "es", date(2026, 5, 15)),
    ("vinerea viitoare", "ro", date(2026, 5, 15)),
    ("vendredi prochain", "fr", date(2026, 5, 15)),
    ("nächsten Freitag", "de", date(2026, 5, 15)),
    ("Wednesday", "en", date(2026, 5, 20)),  # a weekday is the next one after today...
    ("this Wednesday", "en", TODAY),  # ...unless "this"
    ("am Freitag morgen", "de", date(2026, 5, 15)),  # Friday morning
    ("in 2 weeks", "en", date(2026, 5, 27)),
    ("dentro de 2 semanas", "es", date(2026, 5, 27)),
    ("peste 2 săptămâni", "ro", date(2026, 5, 27)),
    ("dans 2 semaines", "fr", date(2026, 5, 27)),
    ("in 2 Wochen", "de", date(2026, 5, 27)),
    ("in zwei Wochen", "de", date(2026, 5, 27)),
    ("într-o săptămână", "ro", date(2026, 5, 20)),
    ("in 3 days", "en", date(2026, 5, 16)),
    ("peste 2 luni", "ro", date(2026, 7, 13)),
    ("next week", "en", date(2026, 5, 20)),
    ("end of the month", "en", date(2026, 5, 31)),
    ("fin du mois", "fr", date(2026, 5, 31)),
    ("15/03/2020", "en", date(2020, 3, 15)),  # a past year is kept: the check says date_past
    ("31.02.2027", "de", None),  # no such day
    ("31.04.", "de", None),
    ("03/15/2027", "en", None),  # day first: month 15 does not exist
    ("hello", "en", None),
    ("50 persons", "en", None),
    ("", "en", None),
])
def test_a_date_in_five_languages(text, language, expected) -> None:
    assert parse_date(text, language, TODAY) == expected


@pytest.mark.parametrize(("text", "value", "currency"), [
    ("200", "200", None),
    ("200 €", "200", "EUR"),
    ("€200", "200", "EUR"),
    ("1.500", "1500", None),
    ("1.500,50 lei", "1500.50", "RON"),
    ("1,500.50", "1500.50", None),
    ("12,5", "12.5", None),
    ("1 500 €", "1500", "EUR"),
    ("200 EUR", "200", "EUR"),
    ("200 euros", "200", "EUR"),
    ("RON 250", "250", "RON"),
    ("£30", "30", "GBP"),
    ("CHF 120", "120", "CHF"),
    ("$99.99", "99.99", "USD"),
    ("300 dólares", "300", "USD"),
    ("about 2k", "2000", None),
    ("5 k€", "5000", "EUR"),
    ("for 50 people, 200 €", "200", "EUR"),  # the number with a currency
    ("-50", "-50", None),  # kept negative: check_budget says budget_negative
    ("- 50 €", "-50", "EUR"),
    ("-€50", "-50", "EUR"),
    ("minus 50", "-50", None),
    ("menos 20", "-20", None),
    ("0", "0", None),
])
def test_an_amount_with_its_currency(text, value, currency) -> None:
    assert parse_amount(text) == Amount(Decimal(value), currency)


@pytest.mark.parametrize("text", ["hello", "", "no budget", "€"])
def test_no_number_is_no_amount(text) -> None:
    assert parse_amount(text) is None


@pytest.mark.parametrize(("text", "language", "expected"), [
    ("50", "en", 50),
    ("50 persons", "en", 50),
    ("about 30 people", "en", 30),
    ("1.000", "de", 1000),
    ("-3", "en", -3),  # kept: check_quantity says quantity_invalid
    ("0", "en", 0),
    ("minus five", "en", -5),
    ("twelve", "en", 12),
    ("twenty five", "en", 25),
    ("two hundred fifty", "en", 250),
    ("a dozen", "en", 12),
    ("una", "es", 1),
    ("treinta y cinco", "es", 35),
    ("una docena", "es", 12),
    ("cincizeci", "ro", 50),
    ("douăzeci și cinci de persoane", "ro", 25),
    ("o sută", "ro", 100),
    ("două sute", "ro", 200),
    ("vingt et un", "fr", 21),
    ("soixante-dix-sept", "fr", 77),
    ("quatre-vingt-dix", "fr", 90),
    ("une trentaine", "fr", 30),
    ("zwei", "de", 2),
    ("fünfundzwanzig", "de", 25),
    ("zweihundert", "de", 200),
    ("ein Dutzend", "de", 12),
    ("zwei", "en", 2),  # another language's unambiguous word
    ("at once", "en", None),  # Spanish 11 only in Spanish
    ("2.5", "en", None),
    ("hello", "en", None),
])
def test_a_quantity_in_digits_or_words(text, language, expected) -> None:
    assert parse_quantity(text, language) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("ABCD-EFGH", "ABCDEFGH"),
    ("abcd efgh", "ABCDEFGH"),
    ("  xyz2-mnpq ", "XYZ2MNPQ"),
    ('"ABCDEFG2".', "ABCDEFG2"),
    ("my code is AB3D-EFGH", "AB3DEFGH"),
    ("ABCDEFGI", None),  # I is not in the alphabet
    ("ABCDEFG", None),
    ("Thursday", None),  # a word the chat knows
    ("hello world", None),
    ("my code is abcdefgh please", None),  # in a sentence: only in capitals, with a digit or a dash
])
def test_a_link_code_as_typed(text, expected) -> None:
    assert looks_like_code(text) == expected


def _message(text: str, intent: str | None, entities: list[dict] | None = None) -> Message:
    data: dict = {"text": text, "entities": entities or []}
    if intent:
        data["intent"] = {"name": intent, "confidence": 0.9}
    return Message(data=data)


def _entities(message: Message) -> list[tuple[str, str, int, int, str]]:
    return [(e["entity"], e["value"], e["start"], e["end"], e["extractor"]) for e in message.get("entities")]


def test_the_extractor_adds_service_and_place_for_find_service() -> None:
    extractor = MarketplaceEntityExtractor()
    text = "I need a logo for my bakery in Valencia"
    message = extractor.process([_message(text, "find_service")])[0]
    name = "MarketplaceEntityExtractor"
    assert _entities(message) == [("service", "logo_branding", 9, 13, name), ("place", "Valencia", 31, 39, name)]
    only_group = extractor.process([_message("something for my restaurant's marketing", "find_service")])[0]
    assert [(e["entity"], e["value"]) for e in only_group.get("entities")] == [("service", "marketing")]


def test_the_extractor_replaces_the_models_overlapping_entity_of_the_same_kind_for_find_service() -> None:
    diet = {"entity": "place", "value": "Cluj", "start": 14, "end": 18, "extractor": "DIETClassifier"}
    other = {"entity": "occupation", "value": "x", "start": 0, "end": 8, "extractor": "DIETClassifier"}
    message = MarketplaceEntityExtractor().process([_message("catering near Cluj", "find_service",
                                                             [diet, other])])[0]
    assert _entities(message) == [("occupation", "x", 0, 8, "DIETClassifier"),
                                  ("service", "catering", 0, 8, "MarketplaceEntityExtractor"),
                                  ("place", "Cluj-Napoca", 14, 18, "MarketplaceEntityExtractor")]


def test_for_other_intents_the_extractor_adds_only_where_no_entity_is() -> None:
    country = {"entity": "country", "value": "DE", "start": 31, "end": 38, "extractor": "DIETClassifier"}
    text = "what skills does a welder need Germany"
    message = MarketplaceEntityExtractor().process([_message(text, "ask_skills", [country])])[0]
    assert _entities(message) == [("country", "DE", 31, 38, "DIETClassifier"),
                                  ("service", "welding", 19, 25, "MarketplaceEntityExtractor")]
    untouched = MarketplaceEntityExtractor().process([_message("hello", None), _message("/start", None)])
    assert [m.get("entities") for m in untouched] == [[], []]


@pytest.mark.parametrize(("text", "lang", "days"), [
    ("14", "en", 14), ("14 days", "en", 14), ("two weeks", "en", 14), ("a week", "en", 7), ("o săptămână", "ro", 7),
    ("2 saptamani", "ro", 14), ("3 semanas", "es", 21), ("une semaine", "fr", 7), ("2 Wochen", "de", 14),
    ("zehn Tage", "de", 10), ("asap", "en", None), ("cât mai repede", "ro", None),
])
def test_a_lead_time_in_days_or_weeks(text: str, lang: str, days: int | None) -> None:
    assert parse_days(text, lang) == days
