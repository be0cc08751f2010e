"""A specification's values as people read them, in the draft's language: the PDF sheet's table and the chat's
"Saved: ..." both say "50 hours · 2 ECTS credits", "EQF level 4", "Blended", "Romania, Germany"."""

from __future__ import annotations

from lmi4vet.i18n import country_name, format_number
from lmi4vet.microcred.exports import vocab
from lmi4vet.microcred.spec import Spec


def number_text(value: float, lang: str) -> str:
    """``value`` as ``lang`` writes it, with the decimals it has (at most two) and no trailing zeros: 2 -> "2",
    1.5 -> "1,5" (fr/de/es/ro) or "1.5" (en)."""
    decimals = 0 if float(value).is_integer() else min(len(f"{value:g}".partition(".")[2]), 2)
    return format_number(value, lang, decimals)


def countries_text(spec: Spec) -> str:
    """The issuer's countries by name, then the region: "Rumänien, Deutschland – Region Köln"."""
    countries = ", ".join(country_name(c.strip(), spec.language) for c in spec.countries if c.strip())
    return " – ".join(p for p in (countries, spec.region.strip()) if p)


def workload_text(spec: Spec) -> str:
    """"50 hours · 2 ECTS credits" (either part alone when only one is known; "" when neither)."""
    lang = spec.language
    parts = []
    if spec.workload_hours:
        parts.append(vocab.label(lang, "hours", quantity=spec.workload_hours,
                                 hours=number_text(spec.workload_hours, lang)))
    if spec.ects:
        parts.append(vocab.label(lang, "ects", quantity=spec.ects, ects=number_text(spec.ects, lang)))
    return " · ".join(parts)


def choice_text(lang: str, element: str, code: str) -> str:
    """A choice's name ("practical_demonstration" -> "Practical demonstration"); "" for no choice."""
    return vocab.label(lang, f"{element}.{code}") if code else ""


def eqf_text(spec: Spec) -> str:
    """"EQF level 4", or "Not applicable" when no level is given."""
    lang = spec.language
    return vocab.label(lang, "eqf_value", level=spec.eqf_level) if spec.eqf_level else \
        vocab.label(lang, "not_applicable")


def stackability_text(spec: Spec, separator: str = "\n") -> str:
    """The stackability choice and, for a stackable one, what it stacks towards."""
    text = choice_text(spec.language, "stackability", spec.stackability)
    if spec.stackability == "stackable" and spec.stackable_towards.strip():
        text += separator + vocab.field(spec.language, "stackable_towards", spec.stackable_towards.strip())
    return text


def value_text(spec: Spec, element: str) -> str:
    """The value of a worksheet element as one line of text ("" when it is not filled in); the outcomes as
    "1. ... 2. ..."."""
    lang = spec.language
    if element == "countries":
        return countries_text(spec)
    if element == "workload":
        return workload_text(spec)
    if element == "eqf_level":
        return eqf_text(spec) if spec.eqf_level else ""
    if element == "stackability":
        return stackability_text(spec, separator=" · ")
    if element in ("assessment", "participation", "supervision"):
        return choice_text(lang, element, getattr(spec, element))
    if element == "outcomes":
        return " ".join(f"{n}. {o.text}" for n, o in enumerate((o for o in spec.outcomes if o.text.strip()), 1))
    return str(getattr(spec, element) or "").strip()
