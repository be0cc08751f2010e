"""The worksheet's elements, in order: Annex I of the Council Recommendation on micro-credentials
(2022/C 243/02), mandatory b, c, d, f, g, h, i, j, k, then optional o1-o5. Elements a (identification of the
learner) and e (date of issuing) are filled in at award time by the school's credential platform: they are
listed in :data:`AWARD_TIME` and not asked.

Ids are the :class:`~lmi4vet.microcred.spec.Spec` field names (``workload`` fills ``workload_hours`` and
``ects``). Explanations, examples, action verbs, the Annex II principles and the EQF descriptors, per language,
are in ``content/microcred/<lang>.yml`` (:func:`content`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.microcred.spec import ASSESSMENTS, EQF_LEVELS, PARTICIPATION, STACKABILITY, SUPERVISION
from lmi4vet.settings import PROJECT_ROOT

CONTENT_DIR = PROJECT_ROOT / "content" / "microcred"
TEXT, CHOICE, NUMBER, LIST = "text", "choice", "number", "list"


@dataclass(frozen=True)
class Element:
    """One worksheet element. ``annex``: its letter in Annex I (o1-o5: the optional elements, in order);
    ``choices``: the codes a choice stores (buttons)."""

    id: str
    annex: str
    mandatory: bool
    kind: str
    choices: tuple[Any, ...] = ()


ELEMENTS: tuple[Element, ...] = (
    Element("title", "b", True, TEXT),
    Element("countries", "c", True, LIST),
    Element("awarding_body", "d", True, TEXT),
    Element("outcomes", "f", True, LIST),
    Element("workload", "g", True, NUMBER),
    Element("eqf_level", "h", True, CHOICE, EQF_LEVELS),
    Element("assessment", "i", True, CHOICE, ASSESSMENTS),
    Element("participation", "j", True, CHOICE, PARTICIPATION),
    Element("quality_assurance", "k", True, TEXT),
    Element("prerequisites", "o1", False, TEXT),
    Element("supervision", "o2", False, CHOICE, SUPERVISION),
    Element("grading", "o3", False, TEXT),
    Element("stackability", "o4", False, CHOICE, STACKABILITY),
    Element("further_information", "o5", False, TEXT),
)
BY_ID: dict[str, Element] = {e.id: e for e in ELEMENTS}
IDS: tuple[str, ...] = tuple(BY_ID)
MANDATORY: tuple[str, ...] = tuple(e.id for e in ELEMENTS if e.mandatory)
OPTIONAL: tuple[str, ...] = tuple(e.id for e in ELEMENTS if not e.mandatory)
# Annex I mandatory elements that belong to an issued credential, not to its specification.
AWARD_TIME: dict[str, str] = {"learner_identification": "a", "date_of_issuing": "e"}
# Annex II: the ten European principles for the design and issuance of micro-credentials, in its order.
PRINCIPLES: tuple[str, ...] = ("quality", "transparency", "relevance", "valid_assessment", "learning_pathways",
                               "recognition", "portable", "learner_centred", "authentic", "information_guidance")


def element(element_id: str) -> Element:
    """The element ``element_id``; ValueError if there is none."""
    try:
        return BY_ID[element_id]
    except KeyError:
        raise ValueError(f"unknown element {element_id!r}: one of {', '.join(IDS)}") from None


def next_id(element_id: str) -> str | None:
    """The element after ``element_id`` (None after the last)."""
    index = IDS.index(element(element_id).id)
    return IDS[index + 1] if index + 1 < len(IDS) else None


def previous_id(element_id: str) -> str | None:
    """The element before ``element_id`` (None before the first)."""
    index = IDS.index(element(element_id).id)
    return IDS[index - 1] if index > 0 else None


@cache
def content(lang: str) -> dict[str, Any]:
    """``content/microcred/<lang>.yml``: ``elements`` (name, explanation, example per element id),
    ``award_time``, ``verbs`` (action verbs), ``verb_forms`` (their third-person forms), ``verb_position``
    (start, or end for German), ``prefixes`` ("the learner can"), ``principles``, ``eqf`` (level ->
    descriptor) and ``copy_suffix``. ValueError for a language we do not support."""
    if lang not in SUPPORTED_LANGUAGES:
        raise ValueError(f"unknown language {lang!r}: one of {', '.join(SUPPORTED_LANGUAGES)}")
    with (CONTENT_DIR / f"{lang}.yml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def explanation(lang: str, element_id: str) -> dict[str, str]:
    """An element's ``name``, ``explanation`` and ``example`` in ``lang``."""
    return content(lang)["elements"][element(element_id).id]
