"""The employer-engagement self-assessment content (content/employer/<lang>.yml): one file per language with
the same structure and ids (two levels, four answers, six areas in a fixed order with 3-4 questions each, the
why, steps and CPD outcomes per level, existing guide sections and course lessons, the encounter log's types
and sizes), nothing empty, and labels short enough for buttons and the radar chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.settings import PROJECT_ROOT

CONTENT = PROJECT_ROOT / "content"
EMPLOYER = CONTENT / "employer"
AREAS = ["strategy", "partnerships", "curriculum", "placements", "recognition", "quality"]
AREA_KEYS = {"name", "short", "references", "questions", "why", "steps", "guide", "course", "outcomes"}
TYPES = ["talk", "visit", "workshop", "mentoring", "placement", "mock_interview", "project"]
SIZES = ["micro", "small", "medium", "large"]
OUTCOME_START = {  # French elides "de" before a vowel ("capable d'inscrire")
    "en": ("The VET coordinator can ",),
    "es": ("El/la coordinador/a de FP es capaz de ",),
    "ro": ("Coordonatorul de EFP poate ",),
    "fr": ("Le coordinateur ou la coordinatrice est capable de ", "Le coordinateur ou la coordinatrice est capable d'"),
    "de": ("Die Koordinatorin / der Koordinator kann ",),
}
BUTTON = 24  # answers and encounter labels
RADAR = 16  # an area's short label


def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


FILES = {lang: _load(EMPLOYER / f"{lang}.yml") for lang in SUPPORTED_LANGUAGES}


def _shape(node: Any) -> Any:
    """The document with every string replaced by its type: keys, order and list lengths remain."""
    if isinstance(node, dict):
        return [(key, _shape(value)) for key, value in node.items()]
    if isinstance(node, list):
        return [_shape(item) for item in node]
    return type(node).__name__


def _strings(node: Any, where: str = "") -> list[tuple[str, Any]]:
    if isinstance(node, dict):
        return [leaf for key, value in node.items() for leaf in _strings(value, f"{where}/{key}")]
    if isinstance(node, list):
        return [leaf for index, item in enumerate(node) for leaf in _strings(item, f"{where}/{index}")]
    return [(where, node)]


def _ids(items: list[dict[str, Any]]) -> set[str]:
    return {item["id"] for item in items}


def test_there_is_one_file_per_language() -> None:
    assert sorted(path.stem for path in EMPLOYER.glob("*.yml")) == sorted(SUPPORTED_LANGUAGES)


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_language_matches_the_file_name(lang: str) -> None:
    assert FILES[lang]["language"] == lang


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_top_level_levels_and_answers(lang: str) -> None:
    doc = FILES[lang]
    assert list(doc) == ["language", "levels", "answers", "areas", "encounters"]
    assert list(doc["levels"]) == [1, 2]
    for level in doc["levels"].values():
        assert list(level) == ["name", "description"]
    assert len(doc["answers"]) == 4
    assert all(len(answer) <= BUTTON for answer in doc["answers"]), doc["answers"]
    assert len(set(doc["answers"])) == 4


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_the_six_areas_in_order(lang: str) -> None:
    areas = FILES[lang]["areas"]
    assert list(areas) == AREAS
    for area_id, area in areas.items():
        assert set(area) == AREA_KEYS, area_id
        assert len(area["short"]) <= RADAR, (area_id, area["short"])
        questions = area["questions"]
        assert 3 <= len(questions) <= 4, area_id
        assert [q["id"] for q in questions] == [f"{area_id}_{n}" for n in range(1, len(questions) + 1)]
        assert all(set(q) == {"id", "text"} and q["text"].rstrip().endswith("?") for q in questions), area_id
        assert list(area["why"]) == [1, 2], area_id
        assert list(area["steps"]) == [1, 2], area_id
        assert len(area["steps"][1]) == 3 and len(area["steps"][2]) == 2, area_id
        assert list(area["outcomes"]) == [1, 2], area_id
        assert all(2 <= len(area["outcomes"][level]) <= 3 for level in (1, 2)), area_id


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_outcomes_are_written_for_the_coordinator(lang: str) -> None:
    start = OUTCOME_START[lang]
    for area_id, area in FILES[lang]["areas"].items():
        for level in (1, 2):
            for outcome in area["outcomes"][level]:
                assert outcome.startswith(start) and len(outcome) > len(start[0]) + 10, (area_id, level, outcome)


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_guide_sections_and_course_lessons_exist(lang: str) -> None:
    sections = _ids(_load(CONTENT / "guide" / f"{lang}.yml")["sections"])
    modules = _load(CONTENT / "course" / f"{lang}.yml")["modules"]
    lessons = {lesson["id"] for module in modules for lesson in module["lessons"]}
    for area_id, area in FILES[lang]["areas"].items():
        assert area["guide"] in sections, (area_id, area["guide"])
        assert area["course"] in lessons, (area_id, area["course"])


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_the_encounter_log(lang: str) -> None:
    encounters = FILES[lang]["encounters"]
    assert list(encounters) == ["types", "sizes", "meaningful", "target"]
    assert list(encounters["types"]) == TYPES
    assert list(encounters["sizes"]) == SIZES
    labels = [*encounters["types"].values(), *encounters["sizes"].values()]
    assert all(len(label) <= BUTTON for label in labels), [label for label in labels if len(label) > BUTTON]
    assert len(set(encounters["types"].values())) == len(TYPES)
    assert len(set(encounters["sizes"].values())) == len(SIZES)


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_nothing_is_empty(lang: str) -> None:
    leaves = _strings(FILES[lang])
    assert all(isinstance(value, str) for _, value in leaves), [w for w, v in leaves if not isinstance(v, str)]
    assert [where for where, value in leaves if not value.strip()] == []


@pytest.mark.parametrize("lang", [lang for lang in SUPPORTED_LANGUAGES if lang != "en"])
def test_same_structure_and_ids_as_english(lang: str) -> None:
    english, other = FILES["en"], FILES[lang]
    assert _shape(other) == _shape(english)
    for area_id in AREAS:
        ours, theirs = other["areas"][area_id], english["areas"][area_id]
        assert [q["id"] for q in ours["questions"]] == [q["id"] for q in theirs["questions"]], area_id
        assert (ours["guide"], ours["course"]) == (theirs["guide"], theirs["course"]), area_id


@pytest.mark.parametrize("lang", [lang for lang in SUPPORTED_LANGUAGES if lang != "en"])
def test_written_in_its_own_words(lang: str) -> None:
    """Not left in English: no question, why or step is the English text."""
    english = FILES["en"]["areas"]
    for area_id, area in FILES[lang]["areas"].items():
        texts = [q["text"] for q in area["questions"]] + [*area["why"].values()] + area["steps"][1]
        originals = [q["text"] for q in english[area_id]["questions"]] + [*english[area_id]["why"].values()]
        assert not set(texts) & set(originals + english[area_id]["steps"][1]), area_id
