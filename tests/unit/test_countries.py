"""Countries by name, adjective and ISO code in five languages."""

from __future__ import annotations

import pytest

from lmi4vet.countries import CLDR_CODES, EU27, find_countries, resolve_country


@pytest.mark.parametrize(
    "text", ["Rumänien", "Roumanie", "Rumanía", "RO", "romania", "rumano", "România", "unemployment romania?"]
)
def test_romania_in_many_forms(text: str) -> None:
    assert resolve_country(text) == "RO"


@pytest.mark.parametrize(
    ("text", "code"),
    [("Países Bajos", "NL"), ("the Netherlands", "NL"), ("Tarile de Jos", "NL"), ("Österreich", "AT"),
     ("Grecia", "EL"), ("EL", "EL"), ("GR", "EL"), ("Griechenland", "EL"), ("Tschechien", "CZ"),
     ("EU", "EU27_2020"), ("unión europea", "EU27_2020"), ("offene Stellen in den Niederlanden", "NL")],
)
def test_other_forms(text: str, code: str) -> None:
    assert resolve_country(text) == code


def test_lowercase_two_letter_words_are_not_codes() -> None:
    assert resolve_country("de unde esti") is None
    assert resolve_country("eu vreau un job") is None
    assert resolve_country("el paro") is None


def test_every_member_state_has_names_in_five_languages() -> None:
    from babel import Locale

    for code in EU27:
        for lang in ("en", "es", "ro", "fr", "de"):
            assert resolve_country(Locale.parse(lang).territories[CLDR_CODES.get(code, code)]) == code


def test_several_countries_in_order() -> None:
    assert [c for c, _ in find_countries("Spain or Germany")] == ["ES", "DE"]


@pytest.mark.parametrize(
    ("text", "code"),
    [("Arbeitslosigkeit Straße DE", "DE"), ("Weißrussland Quote AT", "AT"), ("Mindestlohn Größe AT", "AT"),
     ("Grüße aus DE", "DE"), ("ß ß ß RO", "RO"), ("Schweißer ﬁnden in ES", "ES")],
)
def test_a_code_after_a_letter_that_folds_longer_is_found(text: str, code: str) -> None:
    # "ß" folds to "ss" and "ﬁ" to "fi": the capital-letter check must look at the right place in the raw text
    assert resolve_country(text) == code
    assert find_countries(text) == [(code, code.lower())]


def test_a_lowercase_code_after_sharp_s_is_still_not_a_code() -> None:
    assert resolve_country("Straße de la Paz") is None
    assert [c for c, _ in find_countries("Größe in Deutschland und AT")] == ["DE", "AT"]
