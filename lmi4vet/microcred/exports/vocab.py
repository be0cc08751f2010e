"""Controlled vocabularies the exports use: EU Vocabularies (data.europa.eu/snb, the Publications Office authority
tables) and ESCO, with the URIs the Commission's ELM v3 samples use, plus the few concept schemes that are ours
(marked ``OURS``: the EU has a list for them whose concept URIs we are not sure of, so we do not guess them).

Also the default English labels of the specification's choices, used when a caller gives no labels.
"""

from __future__ import annotations

from typing import Any

from babel import Locale

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

# --- Default English labels (element names and choices), used when the caller gives none -------------------
DEFAULT_LABELS_EN: dict[str, str] = {
    "document_title": "Micro-credential specification",
    "annex_heading": "Elements (Council Recommendation 2022/C 243/02, Annex I)",
    "optional_heading": "Optional elements",
    "outcomes_below": "{count} (listed below)",
    "title": "Title of the micro-credential",
    "countries": "Country(ies)/Region(s) of the issuer",
    "region": "Region",
    "awarding_body": "Awarding body(ies)",
    "learner_identification": "Identification of the learner",
    "date_of_issuing": "Date of issuing",
    "outcomes": "Learning outcomes",
    "workload": "Notional workload",
    "eqf_level": "Level (EQF)",
    "assessment": "Type of assessment",
    "participation": "Form of participation in the learning activity",
    "quality_assurance": "Type of quality assurance",
    "prerequisites": "Prerequisites needed to enrol",
    "supervision": "Supervision and identity verification during assessment",
    "grading": "Grade achieved",
    "stackability": "Integration/stackability options",
    "stackable_towards": "Stackable towards",
    "further_information": "Further information",
    "esco_skills": "ESCO skills",
    "hours": "{hours} hours",
    "ects": "{ects} ECTS credits",
    "eqf_value": "EQF level {level}",
    "not_applicable": "Not applicable",
    "not_specified": "—",
    "filled_at_award": "Filled in at award time by the school's credential platform",
    "completeness": "Completeness",
    "completeness_blank": "",
    "learning_activity": "Learning activity",
    "date": "Date",
    "page": "Page {page}/{pages}",
    "issuer": "Issuer",
    "unsigned": "Unsigned specification: the school's credential platform issues and signs the credentials.",
    "footer": "Specification (not a credential): unsigned; issued and signed by the school's credential platform",
    "assessment.written_test": "Written test",
    "assessment.oral_exam": "Oral exam",
    "assessment.practical_demonstration": "Practical demonstration",
    "assessment.project": "Project",
    "assessment.portfolio": "Portfolio",
    "assessment.online_quiz": "Online quiz",
    "participation.online": "Online",
    "participation.onsite": "On site",
    "participation.blended": "Blended",
    "supervision.unsupervised_no_id": "Unsupervised, no identity verification",
    "supervision.supervised_no_id": "Supervised, no identity verification",
    "supervision.supervised_with_id": "Supervised (online or on site) with identity verification",
    "stackability.standalone": "Stand-alone, independent micro-credential",
    "stackability.stackable": "Integrated, stackable towards another credential",
}


def label(labels: dict[str, str] | None, key: str, **values: Any) -> str:
    """``labels[key]`` (falling back to the English default, then to the key), formatted with ``values``."""
    text = (labels or {}).get(key) or DEFAULT_LABELS_EN.get(key, key)
    return text.format(**values) if values else text


def country_alpha3(code: str) -> str:
    """The authority table's code of ISO 3166-1 alpha-2 ``code``; ValueError for a code we do not list."""
    try:
        return COUNTRY_CODES[code.strip().upper()]
    except KeyError:
        raise ValueError(f"unsupported country code {code!r}: one of {', '.join(sorted(COUNTRY_CODES))}") from None


def country_name(code: str, language: str) -> str:
    """The name of country ``code`` (alpha-2) in ``language``, from the CLDR data Babel carries."""
    alpha2 = "GR" if code.strip().upper() == "EL" else code.strip().upper()
    return Locale.parse(language).territories.get(alpha2, alpha2)


def language_name(code: str, language: str) -> str:
    """The name of language ``code`` in ``language``."""
    return Locale.parse(language).languages.get(code, code)


def format_number(value: float) -> str:
    """1.5 -> "1.5", 2.0 -> "2"."""
    return f"{value:g}"
