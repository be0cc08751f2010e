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


# -- storage ---------------------------------------------------------------------------------------------------
@pytest.fixture
def db(db_url):  # SQLite, and PostgreSQL when it answers (CI=true: it must)
    from lmi4vet.db.engine import make_engine

    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def test_the_migration_matches_the_models_and_goes_down_and_up(db, db_url) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import inspect

    from lmi4vet.db.engine import downgrade, upgrade
    from lmi4vet.db.models import Base
    from lmi4vet.employer import models  # noqa: F401  (its tables)

    with db.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    downgrade(db_url, "0010")
    assert {"employer_assessments", "employer_encounters"}.isdisjoint(inspect(db).get_table_names())
    upgrade(db_url)
    assert {"employer_assessments", "employer_encounters"} <= set(inspect(db).get_table_names())


def test_an_assessment_is_kept_completed_compared_and_reminded(db) -> None:
    from datetime import datetime, timedelta

    from lmi4vet.db.engine import session_scope
    from lmi4vet.employer import store

    now = datetime(2026, 12, 3, 10, 0)
    with session_scope(db) as session:
        first = store.start(session, "emp-1", "es", now=now)
        for _, question in a.questions():
            store.answer(session, first.id, "emp-1", question, 1, now=now)
        assert first.completed_at == now and store.in_progress(session, "emp-1") is None
        second = store.start(session, "emp-1", "es", now=now + timedelta(days=200))
        store.answer(session, second.id, "emp-1", "strategy_1", 3, now=now)
        store.answer(session, second.id, "emp-1", "strategy_1", 2, now=now)  # changed
        assert second.answers == {"strategy_1": 2} and second.completed_at is None
        assert store.in_progress(session, "emp-1").id == second.id
        assert store.previous(session, second).id == first.id and store.previous(session, first) is None
        assert store.get(session, first.id, "someone-else") is None
        with pytest.raises(ValueError, match="no assessment"):
            store.answer(session, first.id, "someone-else", "strategy_1", 1, now=now)
        with pytest.raises(ValueError, match="not complete"):
            store.remind_me(session, second.id, "emp-1")
        assert store.remind_me(session, first.id, "emp-1") == now + timedelta(days=182)
        assert store.due_reminders(session, now + timedelta(days=181)) == []
        assert [r.id for r in store.due_reminders(session, now + timedelta(days=183))] == [first.id]


@pytest.mark.parametrize(("day", "start", "end"), [
    ("2026-09-01", "2026-09-01", "2027-03-01"), ("2027-02-28", "2026-09-01", "2027-03-01"),
    ("2027-03-01", "2027-03-01", "2027-09-01"), ("2027-08-31", "2027-03-01", "2027-09-01"),
    ("2026-12-24", "2026-09-01", "2027-03-01"),
])
def test_terms_run_september_to_february_and_march_to_august(day: str, start: str, end: str) -> None:
    from datetime import date

    from lmi4vet.employer.store import term_of

    assert term_of(date.fromisoformat(day)) == (date.fromisoformat(start), date.fromisoformat(end))


def test_encounters_count_per_term_against_one_meaningful_encounter_per_learner(db) -> None:
    from datetime import date, datetime

    from sqlalchemy import create_engine

    from lmi4vet.db.engine import session_scope
    from lmi4vet.employer import store
    from lmi4vet.privacy import erase_user

    now = datetime(2026, 12, 3, 10, 0)
    with session_scope(db) as session:
        log = lambda **kw: store.log_encounter(session, "emp-2", now=now, **kw)  # noqa: E731
        log(kind="talk", size="small", learners=20, two_way=True, reflection=True, occurred_on=date(2026, 10, 5))
        log(kind="visit", size="large", learners=12, two_way=True, reflection=False, occurred_on=date(2026, 11, 9))
        log(kind="mock_interview", size="micro", learners=8, two_way=True, reflection=True,
            occurred_on=date(2027, 1, 20))
        log(kind="project", size="medium", learners=25, two_way=True, reflection=True, occurred_on=date(2027, 4, 2))
        for bad, message in (({"kind": "party"}, "unknown encounter type"), ({"size": "huge"}, "unknown employer"),
                             ({"learners": 0}, "learners must be")):
            with pytest.raises(ValueError, match=message):
                log(**{"kind": "talk", "size": "small", "learners": 5, "two_way": True, "reflection": True,
                       "occurred_on": date(2026, 10, 1), **bad})
        count = store.term_count(session, "emp-2", date(2026, 12, 3), cohort=30)
        assert (count.encounters, count.meaningful, count.learner_encounters, count.target) == (3, 2, 28, 30)
        assert store.term_count(session, "emp-2", date(2027, 5, 1), cohort=30).learner_encounters == 25
    counts = erase_user("emp-2", db=db, tracker=create_engine("sqlite://"))
    assert counts["employer_encounters"] == 4


@pytest.mark.parametrize("lang", ["es", "de"])
def test_the_plan_pdf_reads_back_with_its_areas_levels_steps_and_reading(lang: str) -> None:
    from datetime import datetime

    from pypdf import PdfReader

    from lmi4vet.content import section
    from lmi4vet.employer.pdf import lesson_title, plan_pdf
    from lmi4vet.i18n import t

    now = a.score(answers_for({"strategy": [3, 3, 3, 3], "partnerships": [1, 0, 1, 1]}))
    before = a.score(answers_for({"strategy": [1, 1, 1, 1]}))
    pdf = PdfReader(io.BytesIO(plan_pdf(now, lang, now=datetime(2026, 12, 3), previous=before)))
    text = " ".join(" ".join(page.extract_text() for page in pdf.pages).split())
    data = a.content(lang)["areas"]
    assert " ".join(t(lang, "employer.pdf.title").split()) in text
    for area in ("strategy", "partnerships"):
        assert data[area]["name"] in text
    level = data["partnerships"]
    assert " ".join(level["steps"][1][0].split()) in text  # the first next step, diacritics intact
    assert " ".join(level["outcomes"][1][0].split()) in text
    assert section(lang, level["guide"])["title"] in text and lesson_title(lang, level["course"]) in text
    assert t(lang, "employer.pdf.level_short", level=1) + " → " + t(lang, "employer.pdf.level_short", level=2) \
        in text  # strategy went up
    assert pdf.metadata.title == t(lang, "employer.pdf.title")
