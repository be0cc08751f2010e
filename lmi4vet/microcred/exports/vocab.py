"""Controlled vocabularies the exports use: EU Vocabularies (data.europa.eu/snb, the Publications Office authority
tables) and ESCO, with the URIs the Commission's ELM v3 samples use, plus the few concept schemes that are ours
(marked ``OURS``: the EU has a list for them whose concept URIs we are not sure of, so we do not guess them).

The texts (element names, choices, notes) are in the locales, under ``microcred.export``: :func:`label`.
"""

from __future__ import annotations

from typing import Any

from babel import Locale

from lmi4vet.i18n import normalise_language, t

# --- EU vocabularies (URIs as in the Commission's ELM v3 "Annex I micro-credential" sample) -------------------
ELM_CONTEXT = "http://data.europa.eu/snb/model/context/edc-ap"

EQF_SCHEME = "http://data.europa.eu/snb/eqf/25831c2"
EQF_URI = "http://data.europa.eu/snb/eqf/{level}"  # as in ../shared/data/codelists/eu/eqf_levels_en.csv

ECTS_SCHEME = "http://data.europa.eu/snb/education-credit/25831c2"
ECTS_URI = "http://data.europa.eu/snb/education-credit/6fcec5c5af"  # "European Credit Transfer System"

# Mode of learning and assessment (http://data.europa.eu/snb/learning-assessment/25831c2).
MODE_SCHEME = "http://data.europa.eu/snb/learning-assessment/25831c2"
MODE_URIS = {
    "online": "http://data.europa.eu/snb/learning-assessment/920fbb3cbe",  # "Online"
    "onsite": "http://data.europa.eu/snb/learning-assessment/9191af2ed9",  # "Presential"
    "blended": "http://data.europa.eu/snb/learning-assessment/e92d221e4d",  # "Blended"
}
MODE_LABELS_EN = {"online": "Online", "onsite": "Presential", "blended": "Blended"}

# Learning opportunity type: the Commission's micro-credential sample uses "Short learning programme".
LEARNING_OPPORTUNITY_SCHEME = "http://data.europa.eu/snb/learning-opportunity/25831c2"
SHORT_LEARNING_PROGRAMME = "http://data.europa.eu/snb/learning-opportunity/74a4a268e8"

LANGUAGE_SCHEME = "http://publications.europa.eu/resource/authority/language"
LANGUAGE_URI = "http://publications.europa.eu/resource/authority/language/{code}"
LANGUAGE_CODES = {"en": "ENG", "es": "SPA", "ro": "RON", "fr": "FRA", "de": "DEU"}

COUNTRY_SCHEME = "http://publications.europa.eu/resource/authority/country"
COUNTRY_URI = "http://publications.europa.eu/resource/authority/country/{code}"
# ISO 3166-1 alpha-2 -> the authority table's code (ISO alpha-3): EU, EEA, Switzerland, the UK and the
# candidate countries. "EL" (the EU's code for Greece) is accepted too.
COUNTRY_CODES = {
    "AT": "AUT", "BE": "BEL", "BG": "BGR", "HR": "HRV", "CY": "CYP", "CZ": "CZE", "DK": "DNK", "EE": "EST",
    "FI": "FIN", "FR": "FRA", "DE": "DEU", "GR": "GRC", "EL": "GRC", "HU": "HUN", "IE": "IRL", "IT": "ITA",
    "LV": "LVA", "LT": "LTU", "LU": "LUX", "MT": "MLT", "NL": "NLD", "PL": "POL", "PT": "PRT", "RO": "ROU",
    "SK": "SVK", "SI": "SVN", "ES": "ESP", "SE": "SWE", "IS": "ISL", "LI": "LIE", "NO": "NOR", "CH": "CHE",
    "GB": "GBR", "TR": "TUR", "RS": "SRB", "MK": "MKD", "ME": "MNE", "AL": "ALB", "BA": "BIH", "MD": "MDA",
    "UA": "UKR", "GE": "GEO",
}  # fmt: skip

ESCO_SKILLS_SCHEME = "http://data.europa.eu/esco/concept-scheme/skills"

# --- Ours: no EU concept URI we are sure of ------------------------------------------------------------------
# The EU has an assessment-type list (http://data.europa.eu/snb/assessment/25831c2), but we do not know the
# concept URIs of our six assessment types in it, so the dcType of the assessment uses our own scheme.
OURS = "urn:lmi4vet:microcred"
ASSESSMENT_SCHEME = f"{OURS}:assessment"

# --- Texts ------------------------------------------------------------------------------------------------


def label(lang: str, key: str, *, quantity: float | None = None, **values: Any) -> str:
    """The text of ``microcred.export.<key>`` in ``lang`` (from ``locales/<lang>.yml``), filled with ``values``.
    With ``quantity``, the plural form of ``key`` that fits it in ``lang`` (``hours.one``, ``hours.few``, ...:
    "1 hour", "60 de ore", "1,5 heure")."""
    if quantity is not None:
        key = f"{key}.{Locale.parse(normalise_language(lang)).plural_form(quantity)}"
    return t(lang, f"microcred.export.{key}", **values)


def field(lang: str, key: str, value: str) -> str:
    """The label ``key`` and ``value`` as ``lang`` writes them: "Date: 3 December 2026", "Date : 3 décembre 2026"."""
    return label(lang, "field", label=label(lang, key), value=value)


def country_alpha3(code: str) -> str:
    """The authority table's code of ISO 3166-1 alpha-2 ``code``; ValueError for a code we do not list."""
    try:
        return COUNTRY_CODES[code.strip().upper()]
    except KeyError:
        raise ValueError(f"unsupported country code {code!r}: one of {', '.join(sorted(COUNTRY_CODES))}") from None


def plain_number(value: float) -> str:
    """A number as the machine-readable JSON documents write it, whatever the language: 1.5 -> "1.5", 2.0 -> "2"
    (the PDF, for people, uses :func:`lmi4vet.i18n.format_number`)."""
    return f"{value:g}"
