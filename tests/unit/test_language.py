"""Language detection, language names and the sticky conversation-language rule."""

from __future__ import annotations

import pytest

from lmi4vet.language import decide_language, detect, language_from_name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ce meserii se cauta", "ro"),
        ("Welche Skills braucht ein Schweißer", "de"),
        ("what is the unemployment rate in spain", "en"),
        ("quels métiers recrutent en France", "fr"),
        ("qué trabajos tienen demanda en España", "es"),
        ("hola", "es"),
        ("merci", "fr"),
        ("danke", "de"),
        ("multumesc", "ro"),
        ("hello", "en"),
    ],
)
def test_new_conversation_takes_the_detected_language(text: str, expected: str) -> None:
    decision = decide_language(text, None)
    assert decision.language == expected
    assert decision.changed


@pytest.mark.parametrize("text", ["ok", "1", "👍", "Rumänien", "RO", "romania", "🇩🇪", "", "OK!!", "2024", "EU"])
@pytest.mark.parametrize("current", ["de", "ro", "fr"])
def test_short_neutral_messages_never_flip_the_language(text: str, current: str) -> None:
    decision = decide_language(text, current)
    assert decision.language == current
    assert not decision.changed


def test_one_foreign_word_does_not_flip_an_established_language() -> None:
    assert decide_language("unemployment romania?", "ro").language == "ro"
    assert decide_language("merci", "de").language == "de"


def test_a_clear_sentence_in_another_language_switches() -> None:
    decision = decide_language("ce meserii se cauta in germania", "en")
    assert (decision.language, decision.changed, decision.reason) == ("ro", True, "detected")


def test_an_explicit_choice_is_pinned() -> None:
    assert decide_language("ce meserii se cauta in germania", "de", pinned=True).language == "de"


def test_channel_hint_is_used_when_the_text_says_nothing() -> None:
    assert decide_language("/start", None, hint="ro").language == "ro"
    assert decide_language("👍", None, hint="de-AT").language == "de"
    assert decide_language("👍", None, hint="it").language == "en"
    assert decide_language("👍", None, default="fr").language == "fr"


def test_payloads_are_not_detected() -> None:
    assert detect('/choose_language{"language":"de"}').language is None


@pytest.mark.parametrize(
    ("name", "code"),
    [("Deutsch", "de"), ("alemán", "de"), ("germana", "de"), ("allemand", "de"), ("German", "de"),
     ("español", "es"), ("castellano", "es"), ("spaniola", "es"), ("Spanisch", "es"),
     ("română", "ro"), ("romana", "ro"), ("rumano", "ro"), ("roumain", "ro"), ("Rumänisch", "ro"),
     ("francais", "fr"), ("franceza", "fr"), ("Französisch", "fr"), ("english", "en"), ("inglés", "en"),
     ("engleza", "en"), ("de", "de"), ("italiano", "it"), ("Italienisch", "it")],
)
def test_language_names_in_any_language(name: str, code: str) -> None:
    assert language_from_name(name) == code


def test_unknown_language_name() -> None:
    assert language_from_name("klingonisch") is None
    assert language_from_name("") is None


@pytest.mark.parametrize(("text", "expected"), [
    ("ninis en Rumanía", "es"), ("NEET-Quote in Rumänien", "de"), ("Rumänien", "de"), ("neet Roumanie", "fr")])
def test_a_country_written_as_only_one_language_writes_it_decides_an_unclear_message(text: str,
                                                                                      expected: str) -> None:
    found = detect(text)
    assert (found.language, found.strong) == (expected, False)
    assert decide_language(text, None).language == expected


def test_a_country_name_alone_does_not_flip_an_established_language() -> None:
    assert decide_language("und Rumanía?", "de").language == "de"
    assert decide_language("Rumänien", "es").language == "es"


@pytest.mark.parametrize(("text", "current"), [
    ("paro en Nordrhein-Westfalen", "es"), ("somaj in Nordrhein-Westfalen", "ro"), ("¿y en Oberbayern?", "es"),
    ("paro en Bourgogne-Franche-Comté", "es"), ("unemployment in Île-de-France", "en")])
def test_a_region_name_does_not_flip_the_language(text: str, current: str) -> None:
    assert decide_language(text, current).language == current


def test_a_region_named_like_a_country_is_not_the_country() -> None:
    found = detect("chômage en Île-de-France")
    assert (found.language, found.words) == ("fr", 2)  # "chomage", "en": the region's words are left out
