"""Scoring the self-assessment: answers 0-3 per question ("Not yet" ... "Yes, and we review it"), a level per
area, the action plan, and what changed since the previous assessment.

An area is at **Level 2** when its answers average 2 or more (on the whole, "Yes, in most programmes" or
better) and none of them is "Not yet"; otherwise at **Level 1**. An area with no answer has no level.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.settings import PROJECT_ROOT

CONTENT_DIR = PROJECT_ROOT / "content" / "employer"
ANSWER_SCORES = (0, 1, 2, 3)
LEVEL_2_MEAN = 2.0
LEVELS = (1, 2)


@cache
def content(lang: str) -> dict[str, Any]:
    """``content/employer/<lang>.yml``; ValueError for a language we do not support."""
    if lang not in SUPPORTED_LANGUAGES:
        raise ValueError(f"unknown language {lang!r}: one of {', '.join(SUPPORTED_LANGUAGES)}")
    with (CONTENT_DIR / f"{lang}.yml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def areas(lang: str = "en") -> list[str]:
    """The area ids, in order."""
    return list(content(lang)["areas"])


def questions(lang: str = "en") -> list[tuple[str, str]]:
    """``(area id, question id)`` of every question, in the order they are asked."""
    return [(area, q["id"]) for area, data in content(lang)["areas"].items() for q in data["questions"]]


def question_text(lang: str, question_id: str) -> str:
    """A question's text in ``lang``; KeyError for an unknown id."""
    area = question_id.rsplit("_", 1)[0]
    for question in content(lang)["areas"][area]["questions"]:
        if question["id"] == question_id:
            return question["text"]
    raise KeyError(question_id)


@dataclass(frozen=True)
class AreaResult:
    """One area: the mean of its answers (0-3), its level (1 or 2; None without answers), answers given."""

    area: str
    mean: float | None
    level: int | None
    answered: int


def check_answers(answers: dict[str, int]) -> dict[str, int]:
    """The answers with known question ids and scores 0-3; ValueError for anything else."""
    known = {question for _, question in questions()}
    for question, score in answers.items():
        if question not in known:
            raise ValueError(f"unknown question {question!r}")
        if isinstance(score, bool) or score not in ANSWER_SCORES:
            raise ValueError(f"answer to {question} must be 0-3, not {score!r}")
    return dict(answers)


def score(answers: dict[str, int]) -> list[AreaResult]:
    """Each area's mean and level from the answers so far (see the module docstring), in area order."""
    answers = check_answers(answers)
    results = []
    for area in areas():
        given = [answers[q] for a, q in questions() if a == area and q in answers]
        if not given:
            results.append(AreaResult(area, None, None, 0))
            continue
        mean = sum(given) / len(given)
        level = 2 if mean >= LEVEL_2_MEAN and min(given) > 0 else 1
        results.append(AreaResult(area, round(mean, 2), level, len(given)))
    return results


def next_question(answers: dict[str, int]) -> str | None:
    """The first question not answered yet (None when all are)."""
    return next((q for _, q in questions() if q not in answers), None)


@dataclass(frozen=True)
class PlanItem:
    """The plan for one area, in ``lang``: its level's name and reason, the next steps, what to read (guide
    section and course lesson ids) and the CPD learning outcomes that match."""

    area: str
    name: str
    level: int
    why: str
    steps: list[str]
    guide: str
    course: str
    outcomes: list[str]


def plan(results: list[AreaResult], lang: str) -> list[PlanItem]:
    """The action plan: the areas at Level 1 first (what to build), then those at Level 2 (how to keep it),
    each in area order; areas without answers are left out."""
    data = content(lang)["areas"]
    items = [PlanItem(r.area, data[r.area]["name"], r.level, data[r.area]["why"][r.level],
                      list(data[r.area]["steps"][r.level]), data[r.area]["guide"], data[r.area]["course"],
                      list(data[r.area]["outcomes"][r.level]))
             for r in results if r.level is not None]
    return sorted(items, key=lambda item: item.level)


@dataclass(frozen=True)
class Change:
    """An area's level before and now (``before`` None: not assessed then)."""

    area: str
    before: int | None
    now: int | None


def compare(previous: list[AreaResult], current: list[AreaResult]) -> list[Change]:
    """Each area's level in the previous and the current assessment, in area order."""
    before = {r.area: r.level for r in previous}
    return [Change(r.area, before.get(r.area), r.level) for r in current]
