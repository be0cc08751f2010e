"""The employer-engagement self-assessment without the chat: levels per area from the answers, the action plan
from the content, the comparison with an earlier assessment, and the radar chart (rendered and read back)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from lmi4vet.employer import assessment as a
from lmi4vet.employer.chart import radar_png


def answers_for(scores: dict[str, list[int]]) -> dict[str, int]:
    """``{"strategy": [3, 3, 2, 2]}`` -> ``{"strategy_1": 3, ...}``."""
    return {f"{area}_{n}": s for area, values in scores.items() for n, s in enumerate(values, start=1)}


def test_the_questions_are_asked_area_by_area_in_the_contents_order() -> None:
    asked = a.questions()
    assert [area for area, _ in asked][:1] == ["strategy"]
    assert a.areas() == ["strategy", "partnerships", "curriculum", "placements", "recognition", "quality"]
    assert asked[0] == ("strategy", "strategy_1") and a.next_question({}) == "strategy_1"
    assert a.next_question({"strategy_1": 0}) == "strategy_2"
    assert a.next_question({q: 1 for _, q in asked}) is None
    assert a.question_text("es", "strategy_1").endswith("?")


@pytest.mark.parametrize(("given", "mean", "level"), [
    ([3, 3, 2, 2], 2.5, 2),
    ([2, 2, 2, 2], 2.0, 2),  # "yes, in most programmes" throughout: Level 2
    ([3, 3, 3, 0], 2.25, 1),  # one "not yet" keeps an area at Level 1, whatever the mean
    ([1, 2, 2, 2], 1.75, 1),
    ([0, 0, 0, 0], 0.0, 1),
])
def test_an_areas_level_follows_the_mean_and_no_not_yet(given: list[int], mean: float, level: int) -> None:
    count = len([q for area, q in a.questions() if area == "strategy"])
    result = a.score(answers_for({"strategy": given[:count]}))[0]
    assert (result.area, result.mean, result.level, result.answered) == ("strategy", mean, level, count)


def test_unanswered_areas_have_no_level_and_bad_answers_are_refused() -> None:
    results = a.score({"strategy_1": 3})
    assert [(r.area, r.level) for r in results][1:] == [(area, None) for area in a.areas()[1:]]
    with pytest.raises(ValueError, match="unknown question"):
        a.score({"strategy_99": 1})
    with pytest.raises(ValueError, match="must be 0-3"):
        a.score({"strategy_1": 4})
    with pytest.raises(ValueError, match="must be 0-3"):
        a.score({"strategy_1": True})


def test_the_plan_puts_what_to_build_first_with_steps_reading_and_outcomes() -> None:
    results = a.score(answers_for({"strategy": [3, 3, 3, 3], "partnerships": [1, 0, 1, 1]}))
    plan = a.plan(results, "de")
    assert [(item.area, item.level) for item in plan] == [("partnerships", 1), ("strategy", 2)]
    data = a.content("de")["areas"]["partnerships"]
    first = plan[0]
    assert (first.name, first.why, first.steps, first.outcomes) == (
        data["name"], data["why"][1], data["steps"][1], data["outcomes"][1])
    assert len(first.steps) == 3 and len(plan[1].steps) == 2
    assert (first.guide, first.course) == (data["guide"], data["course"])


def test_a_reassessment_says_what_changed() -> None:
    before = a.score(answers_for({"strategy": [1, 1, 1, 1], "partnerships": [3, 3, 3, 3]}))
    now = a.score(answers_for({"strategy": [2, 2, 3, 3], "partnerships": [3, 3, 3, 3], "curriculum": [0, 1, 1]}))
    changes = {c.area: (c.before, c.now) for c in a.compare(before, now)}
    assert changes["strategy"] == (1, 2) and changes["partnerships"] == (2, 2)
    assert changes["curriculum"] == (None, 1) and changes["quality"] == (None, None)


@pytest.mark.parametrize("lang", ["ro", "de"])
def test_the_radar_chart_is_a_square_png_with_the_previous_assessment(lang: str) -> None:
    now = a.score(answers_for({area: [2, 3, 2] for area in a.areas()}))
    before = a.score(answers_for({area: [1, 1, 0] for area in a.areas()}))
    png = radar_png(now, lang, title="Ț ș ă î â ß ü", labels=("now", "before", "Level 2"), previous=before)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (720, 720)
    colours = {pixel[:3] for pixel in image.convert("RGB").getdata()}
    assert (0, 82, 147) in colours  # the current assessment's line
    assert len(colours) > 50  # drawn, not blank
