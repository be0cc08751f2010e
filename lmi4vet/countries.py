"""Country recognition in five languages: CLDR names (via Babel), Eurostat/ISO codes and common extra forms."""

from __future__ import annotations

import re
from functools import cache

from babel import Locale

from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.text import fold

EU27: tuple[str, ...] = (
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "EL", "HR", "HU", "IE", "IT", "LT",
    "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
)
OTHER_EUROPEAN: tuple[str, ...] = ("IS", "NO", "CH", "LI", "BA", "ME", "MK", "RS", "TR", "AL", "UA", "MD", "UK")
EU_AGGREGATE = "EU27_2020"
# Codes are Eurostat's: EL for Greece and UK for the United Kingdom, where ISO 3166 (and CLDR) say GR and GB.
CLDR_CODES = {"EL": "GR", "UK": "GB"}

# Forms CLDR does not give: short names, adjectives people type as country, Eurostat's EL for Greece.
_EXTRA_FORMS: dict[str, tuple[str, ...]] = {
    EU_AGGREGATE: ("eu", "eu27", "eu-27", "ue", "uniunea europeana", "union europea", "union europeenne",
                   "european union", "europaische union", "europa", "europe", "eu-weit", "europaweit"),
    "CZ": ("czech republic", "czech", "republica ceha", "republique tcheque", "republica checa", "tschechien"),
    "NL": ("holland", "the netherlands", "olanda", "pays bas", "hollande", "holanda", "niederlanden"),
    "EL": ("gr", "grecia", "grece", "greek", "griechisch"),
    "UK": ("united kingdom", "great britain", "britain", "england", "marea britanie", "regatul unit",
           "reino unido", "royaume uni", "grossbritannien"),
    "DE": ("germania", "alemania", "allemagne", "deutschland", "german", "germany", "aleman", "nemtia"),
    "RO": ("romania", "rumania", "roumanie", "rumanien", "romanian", "rumano", "roumain", "rumanisch"),
    "ES": ("spania", "espana", "espagne", "spanien", "spain", "spanish", "espanol", "spaniol"),
    "FR": ("franta", "francia", "frankreich", "french", "frances", "francais"),
    "IT": ("italia", "italie", "italien", "italian", "italiano"),
}


@cache
def cldr_names() -> tuple[tuple[str, str, str], ...]:
    """``(language, country code, folded CLDR name)`` for our countries in the five languages."""
    names = []
    for lang in SUPPORTED_LANGUAGES:
        territories = Locale.parse(lang).territories
        for code in (*EU27, *OTHER_EUROPEAN):
            cldr = CLDR_CODES.get(code, code)
            if cldr in territories:
                names.append((lang, code, fold(territories[cldr]).replace("-", " ")))
    return tuple(names)


@cache
def _forms() -> dict[str, str]:
    """Folded form -> country code, over the five languages."""
    table = {name: code for _, code, name in cldr_names()}
    codes = (*EU27, *OTHER_EUROPEAN)
    for code in codes:
        table[code.lower()] = code
    for code, forms in _EXTRA_FORMS.items():
        for form in forms:
            table[fold(form).replace("-", " ")] = code
    return table


@cache
def _pattern() -> re.Pattern[str]:
    forms = sorted(_forms(), key=len, reverse=True)
    return re.compile(r"(?<!\w)(" + "|".join(re.escape(f) for f in forms) + r")(?!\w)")


def find_countries(text: str) -> list[tuple[str, str]]:
    """Every country mentioned in ``text`` as ``(code, folded form)``, in order of appearance.

    Two-letter ISO codes count only when written in capitals ("RO", not "ro" or "de").
    """
    folded, origin = _fold_with_positions(text)
    found: list[tuple[str, str]] = []
    for match in _pattern().finditer(folded):
        form = match.group(1)
        if len(form) == 2 and text[origin[match.start(1)]:origin[match.end(1) - 1] + 1] != form.upper():
            continue
        found.append((_forms()[form], form))
    return found


def _fold_with_positions(text: str) -> tuple[str, list[int]]:
    """``text`` folded as the forms are (hyphens as spaces), and for each folded character the index of the
    raw character it comes from: folding changes lengths ("ß" -> "ss", "ﬁ" -> "fi", "e\u0301" -> "e")."""
    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        piece = fold(char).replace("-", " ")
        pieces.append(piece)
        origin.extend([index] * len(piece))
    return "".join(pieces), origin


def resolve_country(text: str) -> str | None:
    """The first country named in ``text`` (``"Rumänien"`` -> ``"RO"``), or ``None``."""
    found = find_countries(text)
    return found[0][0] if found else None
