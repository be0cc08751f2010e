"""Translation lookup and per-locale formatting of numbers, percentages, money and dates."""

from __future__ import annotations

from datetime import date

import pytest

from lmi4vet.i18n import (
    country_name,
    format_date,
    format_money,
    format_number,
    format_percent,
    language_autonym,
    language_name,
    normalise_language,
    t,
)

NBSP = "\xa0"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "6.1%"), ("de", f"6,1{NBSP}%"), ("fr", f"6,1{NBSP}%"), ("es", f"6,1{NBSP}%"), ("ro", f"6,1{NBSP}%")],
)
def test_percent_per_locale(lang: str, expected: str) -> None:
    assert format_percent(6.1, lang) == expected


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "1,234.5"), ("de", "1.234,5"), ("es", "1.234,5"), ("ro", "1.234,5"), ("fr", "1\u202f234,5")],
)
def test_numbers_per_locale(lang: str, expected: str) -> None:
    assert format_number(1234.5, lang) == expected


def test_money_and_dates() -> None:
    assert format_money(2161.88, "EUR", "en") == "€2,161.88"
    assert format_money(2161.88, "EUR", "de") == f"2.161,88{NBSP}€"
    assert format_date(date(2025, 1, 1), "de") == "01.01.2025"
    assert format_date(date(2025, 1, 1), "en") == "Jan 1, 2025"


def test_translation_fills_placeholders() -> None:
    assert "Italienisch" in t("de", "language.unsupported", requested="Italienisch")


def test_unsupported_language_falls_back_to_english() -> None:
    assert normalise_language("it") == "en"
    assert normalise_language("de-AT") == "de"
    assert normalise_language("pt_BR") == "en"
    assert normalise_language(None) == "en"
    assert t("it", "goodbye") == t("en", "goodbye")


def test_unknown_key_is_an_error() -> None:
    with pytest.raises(KeyError):
        t("en", "no.such.key")


def test_language_and_country_names() -> None:
    assert [language_autonym(c) for c in ("en", "es", "ro", "fr", "de")] == [
        "English", "Español", "Română", "Français", "Deutsch"]
    assert language_name("it", "es") == "italiano"
    assert country_name("RO", "de") == "Rumänien"
    assert country_name("RO", "fr") == "Roumanie"
