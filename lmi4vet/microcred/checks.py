"""Checks of a micro-credential specification: answers parsed and validated element by element, the
completeness score, and a review against the ten principles of Annex II. Pure functions, no database.

Results are localizable: codes with parameters (:class:`Issue`, e.g. ``("workload_outside_ects", {"hours": 45,
"ects": 1, "per_ects": 45})``), never sentences; the chat words them in the user's language.

Error codes: ``empty``, ``too_short`` / ``too_long`` (length, min / max), ``not_a_number`` (value),
``hours_out_of_range`` (hours, min, max), ``ects_out_of_range`` (ects, min, max), ``eqf_out_of_range`` (value,
min, max), ``unknown_choice`` (value, choices), ``unknown_country`` (value), ``outcomes_none``,
``outcomes_too_many`` (count, max), ``outcome_empty`` (index), ``outcome_too_long`` (index, max),
``outcome_no_action_verb`` (index, position: start, or end in German). Warnings: ``workload_outside_ects``
(hours, ects, per_ects, min, max). Notes: ``ects_computed`` (hours, ects, ects_min, ects_max),
``hours_from_ects`` (ects, hours_min, hours_max). Indexes count from 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache
from typing import Any, NamedTuple

from lmi4vet.countries import resolve_country
from lmi4vet.events.catalogue import EUROPE, country_code
from lmi4vet.microcred import elements as el
from lmi4vet.microcred.exports.vocab import label
from lmi4vet.microcred.spec import EQF_LEVELS, HOURS_PER_ECTS, Outcome, Spec
from lmi4vet.text import fold, words

TITLE_LENGTH = (3, 120)
TEXT_LIMIT = 1000  # free-text elements
AWARDING_BODY_LIMIT = 300
OUTCOME_LIMIT = 500
MAX_OUTCOMES = 12
HOURS_RANGE = (1, 2000)
ECTS_RANGE = (0.1, 80)
MANDATORY_SHARE, OPTIONAL_SHARE = 80, 20  # completeness points (see completeness)
MET, ATTENTION = "met", "attention"
# What an export needs (ELM v3 and Open Badges 3.0 have no document without them).
EXPORT_NEEDS = ("title", "countries", "awarding_body", "outcomes")

_BULLET = re.compile(r"^\s*(?:[-*•·–—]+|\d{1,2}[.)])\s*")
_NUMBER = r"-?\d+(?:[.,]\d+)?"
_ECTS_WORDS = r"ects|ecvet|credits?|creditos?|credite|credit|kp|leistungspunkte|lp|cp"
_WORKLOAD = re.compile(rf"({_NUMBER})(?:\s*({_ECTS_WORDS})(?![a-z]))?")
_COUNTRY_SPLIT = re.compile(r"\s*[,;/+&]\s*|\s+(?:and|y|e|et|și|şi|si|und)\s+", re.IGNORECASE)
_DE_MODALS = frozenset({"kann", "konnen", "konnte", "konnten"})
_DE_SEPARABLE = ("an", "auf", "aus", "ab", "bei", "dar", "durch", "ein", "fest", "her", "mit", "nach", "um", "vor",
                 "weiter", "zu", "zusammen", "zuruck")


class Issue(NamedTuple):
    """A localizable finding: a code and its parameters."""

    code: str
    params: dict[str, Any] = {}  # noqa: RUF012  (never mutated)


class Finding(NamedTuple):
    """One Annex II principle: ``met`` or ``attention``, and the reason's key."""

    principle: str
    status: str
    reason: str


@dataclass(frozen=True)
class Answer:
    """A parsed answer: ``value`` maps Spec fields to their new values (None when there are errors)."""

    value: dict[str, Any] | None = None
    errors: tuple[Issue, ...] = ()
    warnings: tuple[Issue, ...] = ()
    notes: tuple[Issue, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


def _error(code: str, **params: Any) -> Answer:
    return Answer(errors=(Issue(code, params),))


def _num(value: float) -> int | float:
    """A number as shown to the user: whole numbers as int, else one decimal."""
    value = round(float(value), 1)
    return int(value) if value.is_integer() else value


# -- answers --------------------------------------------------------------------------------------------------
def check_answer(element_id: str, raw: Any, lang: str) -> Answer:
    """Parse and validate the answer ``raw`` (text as typed, a button's code, or a list for list elements) to
    the element ``element_id`` of a specification written in ``lang``."""
    element = el.element(element_id)
    if element.id == "title":
        return _text(raw, "title", *TITLE_LENGTH)
    if element.id == "countries":
        return check_countries(raw)
    if element.id == "outcomes":
        return check_outcomes(raw, lang)
    if element.id == "workload":
        return check_workload(raw)
    if element.id == "eqf_level":
        return check_eqf(raw)
    if element.kind == el.CHOICE:
        return _choice(raw, element, lang)
    limit = AWARDING_BODY_LIMIT if element.id == "awarding_body" else TEXT_LIMIT
    return _text(raw, element.id, 1 if element.mandatory else 0, limit)


def _text(raw: Any, field: str, minimum: int, maximum: int) -> Answer:
    text = " ".join(str(raw or "").split())
    if not text and minimum:
        return _error("empty")
    if len(text) < minimum:
        return _error("too_short", length=len(text), min=minimum)
    if len(text) > maximum:
        return _error("too_long", length=len(text), max=maximum)
    return Answer({field: text})


def _choice(raw: Any, element: el.Element, lang: str) -> Answer:
    value = str(raw or "").strip()
    if not value:
        return _error("empty")
    code = choice_code(element, value, lang)
    if code is None:
        return _error("unknown_choice", value=value, choices=list(element.choices))
    return Answer({element.id: code})


def choice_code(element: el.Element, text: str, lang: str) -> str | None:
    """The choice ``text`` stands for: its code ("blended"), its number in the list shown ("3"), or its name
    in ``lang`` or the start of it, or one of the content's ``choice_words`` for it, as whole words ("en
    présentiel", "semipresencial"), all without case and accents; None when it is none of them or could be
    several."""
    folded = " ".join(fold(text).strip(" .!").split())
    codes = [str(code) for code in element.choices]
    if folded in codes:
        return folded
    if folded.isdigit() and 1 <= int(folded) <= len(codes):
        return codes[int(folded) - 1]
    names = {code: " ".join(fold(label(lang, f"{element.id}.{code}")).split()) for code in codes}
    exact = [code for code, name in names.items() if name == folded]
    if exact:
        return exact[0]
    starting = [code for code, name in names.items() if len(folded) >= 4 and name.startswith(folded)]
    if len(starting) == 1:
        return starting[0]
    tokens = words(folded)
    said = {code for code, phrases in (el.content(lang).get("choice_words") or {}).get(element.id, {}).items()
            if any(_contains(tokens, words(fold(phrase))) for phrase in phrases)}
    return said.pop() if len(said) == 1 else None


def _contains(tokens: list[str], phrase: list[str]) -> bool:
    """Whether ``phrase`` occurs in ``tokens`` as whole words, in order."""
    size = len(phrase)
    return size > 0 and any(tokens[i:i + size] == phrase for i in range(len(tokens) - size + 1))


def check_towards(raw: Any) -> Answer:
    """What a stackable micro-credential stacks towards (free text, 1-1000 characters)."""
    return _text(raw, "stackable_towards", 1, TEXT_LIMIT)


def check_eqf(raw: Any) -> Answer:
    """An EQF level 1-8: ``4``, ``"4"``, ``"EQF 4"``, ``"nivel 4"``, ``"Niveau 4"``..."""
    if isinstance(raw, bool):
        return _error("not_a_number", value=str(raw))
    if isinstance(raw, int):
        level = raw
    else:
        text = str(raw or "").strip()
        if not text:
            return _error("empty")
        found = re.findall(r"-?\d+", text)
        if len(found) != 1:
            return _error("not_a_number", value=text)
        level = int(found[0])
    if level not in EQF_LEVELS:
        return _error("eqf_out_of_range", value=level, min=EQF_LEVELS[0], max=EQF_LEVELS[-1])
    return Answer({"eqf_level": level})


def check_countries(raw: Any) -> Answer:
    """Issuer countries as ISO 3166-1 codes ("FR", "ro") or names in our languages ("Rumänien", "España"),
    several separated by commas or "and"; stored as ISO codes (GR, GB), without repeats."""
    parts = raw if isinstance(raw, list | tuple) else _COUNTRY_SPLIT.split(str(raw or ""))
    parts = [str(p).strip(" .") for p in parts if str(p).strip(" .")]
    if not parts:
        return _error("empty")
    codes: list[str] = []
    for part in parts:
        code = _country(part)
        if code is None:
            return _error("unknown_country", value=part)
        if code not in codes:
            codes.append(code)
    return Answer({"countries": codes})


def _country(text: str) -> str | None:
    candidates = [text] if len(text) == 2 and text.isalpha() else []
    name = resolve_country(text)
    candidates += [name] if name else []
    for candidate in candidates:
        try:
            code = country_code(candidate)
        except ValueError:
            continue
        if code != EUROPE:
            return code
    return None


def check_workload(raw: Any) -> Answer:
    """Notional workload: hours ("40", "40 h", "40 Stunden"), ECTS ("2 ECTS", "1,5 créditos"), or both
    ("50 h, 2 ECTS"; or a dict with ``hours`` and ``ects``). Hours 1-2000; without ECTS they are computed at
    25-30 h per credit (the midpoint, one decimal); with both, a warning when hours/ECTS is outside 25-30."""
    if isinstance(raw, dict):
        try:
            hours, ects = (None if raw.get(k) in (None, "") else float(str(raw[k]).replace(",", "."))
                           for k in ("hours", "ects"))
        except ValueError:
            return _error("not_a_number", value=f"{raw.get('hours')} / {raw.get('ects')}")
    elif isinstance(raw, int | float) and not isinstance(raw, bool):
        hours, ects = raw, None
    else:
        parsed = _parse_workload(str(raw or ""))
        if isinstance(parsed, Answer):
            return parsed
        hours, ects = parsed
    return _workload(hours, ects)


def _parse_workload(text: str) -> tuple[float | None, float | None] | Answer:
    folded = fold(text).strip()
    if not folded:
        return _error("empty")
    hours = ects = None
    for number, unit in _WORKLOAD.findall(folded):
        value = float(number.replace(",", "."))
        if unit:
            ects = value if ects is None else ects
        else:
            hours = value if hours is None else hours
    if hours is None and ects is None:
        return _error("not_a_number", value=text.strip())
    return hours, ects


def _workload(hours: float | None, ects: float | None) -> Answer:
    low, high = HOURS_PER_ECTS
    if hours is None and ects is None:
        return _error("empty")
    if hours is not None and not HOURS_RANGE[0] <= round(hours) <= HOURS_RANGE[1]:
        return _error("hours_out_of_range", hours=_num(hours), min=HOURS_RANGE[0], max=HOURS_RANGE[1])
    if ects is not None and not ECTS_RANGE[0] <= ects <= ECTS_RANGE[1]:
        return _error("ects_out_of_range", ects=_num(ects), min=ECTS_RANGE[0], max=ECTS_RANGE[1])
    if hours is None:
        note = Issue("hours_from_ects", {"ects": _num(ects), "hours_min": _num(ects * low),
                                         "hours_max": _num(ects * high)})
        return Answer({"workload_hours": None, "ects": float(ects)}, notes=(note,))
    hours = round(hours)
    if ects is None:
        ects = round(hours * 2 / (low + high), 1)
        note = Issue("ects_computed", {"hours": hours, "ects": _num(ects), "ects_min": _num(hours / high),
                                       "ects_max": _num(hours / low)})
        return Answer({"workload_hours": hours, "ects": ects}, notes=(note,))
    warnings = ()
    if not low <= hours / ects <= high:
        warnings = (Issue("workload_outside_ects", {"hours": hours, "ects": _num(ects),
                                                    "per_ects": _num(hours / ects), "min": low, "max": high}),)
    return Answer({"workload_hours": hours, "ects": float(ects)}, warnings=warnings)


# -- learning outcomes ----------------------------------------------------------------------------------------
def check_outcomes(raw: Any, lang: str) -> Answer:
    """Learning outcomes: a list, or text with one outcome per line (bullets and numbers dropped). 1-12,
    each starting with an action verb (German: ending with one), "The learner can ..." prefixes allowed."""
    items = list(raw) if isinstance(raw, list | tuple) else [line for line in str(raw or "").splitlines()
                                                           if line.strip()]
    if not items:
        return _error("outcomes_none")
    if len(items) > MAX_OUTCOMES:
        return _error("outcomes_too_many", count=len(items), max=MAX_OUTCOMES)
    errors: list[Issue] = []
    texts: list[str] = []
    for index, item in enumerate(items, start=1):
        text = _BULLET.sub("", " ".join(str(item or "").split()))
        issue = outcome_issue(text, lang, index)
        if issue is not None:
            errors.append(issue)
        texts.append(text)
    if errors:
        return Answer(errors=tuple(errors))
    return Answer({"outcomes": [Outcome(text) for text in texts]})


def outcome_issue(text: str, lang: str, index: int = 1) -> Issue | None:
    """What is wrong with one outcome (None: nothing)."""
    if len(text) > OUTCOME_LIMIT:
        return Issue("outcome_too_long", {"index": index, "max": OUTCOME_LIMIT})
    rest, modal = _strip_prefix(_BULLET.sub("", text), lang)
    tokens = words(rest)
    if not tokens:
        return Issue("outcome_empty", {"index": index})
    position = _verbs(lang)[2]
    found = _verb_at_end(tokens, lang, modal) if position == "end" else _verb_at_start(tokens, lang)
    return None if found else Issue("outcome_no_action_verb", {"index": index, "position": position})


def has_action_verb(text: str, lang: str) -> bool:
    """Whether an outcome is stated with an action verb where the language puts it."""
    return outcome_issue(text, lang) is None


@cache
def _verbs(lang: str) -> tuple[frozenset[str], frozenset[str], str, tuple[str, ...]]:
    """(infinitives, other forms, position, prefixes longest first), folded, from the content file."""
    data = el.content(lang)
    infinitives = {fold(v) for v in data["verbs"]}
    forms = {fold(v) for v in data.get("verb_forms") or ()}
    if data.get("verb_position") == "end":  # German zu-infinitives: anzuwenden, durchzuführen
        forms |= {p + "zu" + v[len(p):] for v in infinitives for p in _DE_SEPARABLE
                  if v.startswith(p) and len(v) > len(p) + 4}
    prefixes = tuple(sorted({" ".join(fold(p).replace("’", "'").split()) for p in data["prefixes"]},
                            key=len, reverse=True))
    return frozenset(infinitives), frozenset(forms), data.get("verb_position", "start"), prefixes


def outcome_body(text: str, lang: str) -> str:
    """The outcome, folded, without "The learner can" and the like (what the ESCO skill search matches)."""
    return _strip_prefix(text, lang)[0]


def _strip_prefix(text: str, lang: str) -> tuple[str, bool]:
    """The outcome, folded, without "The learner can" and the like; whether the prefix ends in a modal verb
    (German "kann", "können", "ist in der Lage": the infinitive then closes the clause)."""
    folded = " ".join(fold(text).replace("’", "'").split())
    stripped = next((p for p in _verbs(lang)[3] if folded == p or folded.startswith((p + " ", p + ","))
                     or (p.endswith("'") and folded.startswith(p))), "")
    modal = any(w in _DE_MODALS for w in stripped.split()) or stripped.endswith("in der lage")
    return folded[len(stripped):].lstrip(" ,:"), modal


def _verb_at_start(tokens: list[str], lang: str) -> bool:
    infinitives, forms, _, _ = _verbs(lang)
    first = tokens[0]
    if first in {"to", "sa", "de"} and len(tokens) > 1:  # "is able to install", "poate să", "capable de"
        first = tokens[1]
    if lang == "fr" and first[:2] in {"d'", "l'"}:
        first = first[2:]
    return first in infinitives or first in forms


def _verb_at_end(tokens: list[str], lang: str, modal: bool) -> bool:
    """German: the infinitive closes the clause ("... Schweißnähte prüfen (können)"); without a modal verb the
    finite verb may also come first ("prüft Schweißnähte", "Die Lernenden prüfen ...")."""
    infinitives, forms, _, _ = _verbs(lang)
    rest = list(tokens)
    while len(rest) > 1 and rest[-1] in _DE_MODALS | {"zu"}:
        rest.pop()
    if rest[-1] in infinitives or rest[-1] in forms:
        return True
    return not modal and (tokens[0] in infinitives or tokens[0] in forms)


def link_skill(spec: Spec, index: int, uri: str, label: str) -> Spec:
    """The spec with an ESCO skill linked to outcome ``index`` (from 1); linking it again changes nothing."""
    if not 1 <= index <= len(spec.outcomes):
        raise ValueError(f"no outcome {index}: the specification has {len(spec.outcomes)}")
    if not uri.startswith("http"):
        raise ValueError(f"an ESCO skill URI is needed, got {uri!r}")
    outcomes = [Outcome(o.text, [dict(s) for s in o.esco]) for o in spec.outcomes]
    target = outcomes[index - 1]
    if all(s.get("uri") != uri for s in target.esco):
        target.esco.append({"uri": uri, "label": label})
    return replace(spec, outcomes=outcomes)


def apply_answer(spec: Spec, answer: Answer) -> Spec:
    """The spec with a valid answer's values; outcomes whose text is unchanged keep their ESCO skills."""
    if not answer.ok or answer.value is None:
        raise ValueError(f"the answer has errors: {[issue.code for issue in answer.errors]}")
    values = dict(answer.value)
    if "outcomes" in values:
        linked = {o.text: o.esco for o in spec.outcomes}
        values["outcomes"] = [Outcome(o.text, [dict(s) for s in linked.get(o.text, o.esco)])
                              for o in values["outcomes"]]
    return replace(spec, **values)


# -- completeness and review ----------------------------------------------------------------------------------
def is_filled(spec: Spec, element_id: str) -> bool:
    """Whether the element has an answer (not whether it is good: see :func:`review`)."""
    element = el.element(element_id)
    if element.id == "workload":
        return spec.workload_hours is not None or spec.ects is not None
    if element.id == "outcomes":
        return any(o.text.strip() for o in spec.outcomes)
    value = getattr(spec, element.id)
    return value is not None and value not in ("", [])


def completeness(spec: Spec) -> tuple[int, list[str], list[str]]:
    """``(score, missing mandatory ids, missing optional ids)``, ids in worksheet order.

    score = round(80 x filled mandatory / 9 + 20 x filled optional / 5): the nine mandatory elements carry
    80 points, the five optional ones 20; every mandatory element filled gives 80, everything 100.
    """
    missing = [e for e in el.MANDATORY if not is_filled(spec, e)]
    missing_optional = [e for e in el.OPTIONAL if not is_filled(spec, e)]
    filled, filled_optional = len(el.MANDATORY) - len(missing), len(el.OPTIONAL) - len(missing_optional)
    score = MANDATORY_SHARE * filled / len(el.MANDATORY) + OPTIONAL_SHARE * filled_optional / len(el.OPTIONAL)
    return round(score), missing, missing_optional


def review(spec: Spec) -> list[Finding]:
    """The ten principles of Annex II, in its order, each decided only from what was entered; a "met" means
    the specification says what the principle asks for, not that the course lives up to it.

    - quality: a type of quality assurance is described (whether it is adequate is for the QA body to judge).
    - transparency: every mandatory Annex I element is filled in.
    - relevance: at least one outcome is linked to an ESCO skill (labour-market demand itself is not checked).
    - valid_assessment: an assessment type and the supervision are given, and every outcome starts (German:
      ends) with an action verb, so it can be assessed; the assessment's validity itself is not judged.
    - learning_pathways: stackability is given, and a stackable credential says what it stacks towards.
    - recognition: an EQF level is given (actual recognition is decided by those who receive the credential).
    - portable: the elements an ELM v3 / Open Badges export needs are present (title, countries, awarding
      body, outcomes); issuing to the learner's wallet is the credential platform's job.
    - learner_centred: the prerequisites (who the course is for) and the form of participation are given.
    - authentic: the issuer is identified (awarding body and country); the learner and the date of issuing
      are added at award time.
    - information_guidance: further information (where to learn more, guidance contacts) is given.
    """
    return [Finding(principle, *_RULES[principle](spec)) for principle in el.PRINCIPLES]


def _quality(spec: Spec) -> tuple[str, str]:
    return (MET, "quality_assurance_described") if spec.quality_assurance.strip() \
        else (ATTENTION, "quality_assurance_missing")


def _transparency(spec: Spec) -> tuple[str, str]:
    return (MET, "all_mandatory_present") if not completeness(spec)[1] else (ATTENTION, "mandatory_missing")


def _relevance(spec: Spec) -> tuple[str, str]:
    if not is_filled(spec, "outcomes"):
        return ATTENTION, "outcomes_missing"
    linked = any(s.get("uri") for o in spec.outcomes for s in o.esco)
    return (MET, "outcomes_linked_to_esco") if linked else (ATTENTION, "no_esco_links")


def _valid_assessment(spec: Spec) -> tuple[str, str]:
    if not spec.assessment:
        return ATTENTION, "assessment_missing"
    if not spec.supervision:
        return ATTENTION, "supervision_missing"
    if not is_filled(spec, "outcomes") or not all(has_action_verb(o.text, spec.language) for o in spec.outcomes):
        return ATTENTION, "outcomes_not_assessable"
    return MET, "assessment_and_supervision_given"


def _learning_pathways(spec: Spec) -> tuple[str, str]:
    if not spec.stackability:
        return ATTENTION, "stackability_missing"
    if spec.stackability == "stackable" and not spec.stackable_towards.strip():
        return ATTENTION, "stackable_towards_missing"
    return MET, "stackability_given"


def _recognition(spec: Spec) -> tuple[str, str]:
    return (MET, "eqf_level_given") if spec.eqf_level is not None else (ATTENTION, "eqf_level_missing")


def missing_for_export(spec: Spec) -> list[str]:
    """The elements an ELM v3 or Open Badges export still needs (:data:`EXPORT_NEEDS`), in worksheet order."""
    return [element for element in EXPORT_NEEDS if not is_filled(spec, element)]


def _portable(spec: Spec) -> tuple[str, str]:
    return (ATTENTION, "not_exportable_yet") if missing_for_export(spec) else (MET, "exportable")


def _learner_centred(spec: Spec) -> tuple[str, str]:
    if not spec.prerequisites.strip():
        return ATTENTION, "prerequisites_missing"
    if not spec.participation:
        return ATTENTION, "participation_missing"
    return MET, "target_group_and_format_given"


def _authentic(spec: Spec) -> tuple[str, str]:
    identified = spec.awarding_body.strip() and spec.countries
    return (MET, "issuer_identified") if identified else (ATTENTION, "issuer_missing")


def _information_guidance(spec: Spec) -> tuple[str, str]:
    return (MET, "further_information_given") if spec.further_information.strip() \
        else (ATTENTION, "further_information_missing")


_RULES = {"quality": _quality, "transparency": _transparency, "relevance": _relevance,
          "valid_assessment": _valid_assessment, "learning_pathways": _learning_pathways,
          "recognition": _recognition, "portable": _portable, "learner_centred": _learner_centred,
          "authentic": _authentic, "information_guidance": _information_guidance}
