"""Guide and course content: complete and identically structured in all five languages, written in the right
language, within chat limits, and the guide's question matching reaches 90 % top-1 in every language."""

from __future__ import annotations

import re

import pytest
import yaml

from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.content import CONTENT_DIR, guide_index, load, paragraphs, structure
from lmi4vet.language import detect
from lmi4vet.settings import PROJECT_ROOT

OTHERS = [lang for lang in SUPPORTED_LANGUAGES if lang != "en"]
TOP1_GOAL = 0.90  # top-1 in every language
QUESTIONS = PROJECT_ROOT / "tests" / "guide_questions"


@pytest.mark.parametrize("kind", ["guide", "course"])
def test_every_language_has_the_content(kind: str) -> None:
    assert sorted(p.stem for p in (CONTENT_DIR / kind).glob("*.yml")) == sorted(SUPPORTED_LANGUAGES)


@pytest.mark.parametrize("kind", ["guide", "course"])
@pytest.mark.parametrize("lang", OTHERS)
def test_same_structure_as_english(kind: str, lang: str) -> None:
    assert structure(kind, lang) == structure(kind, "en")


def test_guide_has_what_the_issue_asks_for() -> None:
    guide = load("guide", "en")
    assert len(guide["sections"]) >= 12 and len(guide["glossary"]) >= 30
    course = load("course", "en")
    assert len(course["modules"]) >= 6
    for module in course["modules"]:
        assert 3 <= len(module["lessons"]) <= 5 and len(module["quiz"]) >= 4
        assert set(module["guide_sections"]) <= {s["id"] for s in guide["sections"]}


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_chat_limits_and_nothing_empty(lang: str) -> None:
    guide, course = load("guide", lang), load("course", lang)
    for section in guide["sections"]:
        assert section["title"].strip() and section["summary"].strip()
        assert len(section["summary"]) <= 500, section["id"]
        assert all(len(p) <= 900 for p in paragraphs(section["body"])), section["id"]
    for entry in guide["glossary"]:
        assert entry["term"].strip() and entry["definition"].strip()
    for module in course["modules"]:
        for lesson in module["lessons"]:
            assert lesson["title"].strip() and 0 < len(lesson["text"]) <= 1000, lesson["id"]
        for question in module["quiz"]:
            assert all(0 < len(option) <= 64 for option in question["options"]), question["id"]
            assert 0 <= question["answer"] < len(question["options"]) and question["explanation"].strip()


def _texts(lang: str) -> list[tuple[str, str]]:
    guide, course = load("guide", lang), load("course", lang)
    texts = [(s["id"], p) for s in guide["sections"] for p in [s["summary"], *paragraphs(s["body"])]]
    texts += [(g["id"], g["definition"]) for g in guide["glossary"]]
    for module in course["modules"]:
        texts += [(lesson["id"], lesson["text"]) for lesson in module["lessons"]]
        texts += [(q["id"], f"{q['question']} {q['explanation']}") for q in module["quiz"]]
    return texts


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_paragraphs_are_written_in_their_language(lang: str) -> None:
    """An offline detector (lingua, our five languages) reads each paragraph as the file's language."""
    wrong = []
    for place, text in _texts(lang):
        found = detect(re.sub(r"\([^)]*\)", " ", text))  # acronyms spelled out in brackets are often English
        if found.words >= 6 and found.language != lang:
            wrong.append((place, found.language, text[:60]))
    assert not wrong, wrong


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_questions_find_the_right_section_or_term(lang: str, capsys) -> None:
    questions = yaml.safe_load((QUESTIONS / f"{lang}.yml").read_text(encoding="utf-8"))["questions"]
    index = guide_index(lang)
    ids = {s["id"] for s in load("guide", lang)["sections"]} | {g["id"] for g in load("guide", lang)["glossary"]}
    assert len(questions) >= 40 and all(q["expect"] in ids for q in questions)
    misses = []
    for question in questions:
        hits = index.search(question["text"])
        if not hits or hits[0].id != question["expect"]:
            misses.append((question["text"], question["expect"], hits[0].id if hits else None))
    top1 = 1 - len(misses) / len(questions)
    with capsys.disabled():
        print(f"\nguide question matching, {lang}: top-1 {top1:.1%} over {len(questions)} questions")
    assert top1 >= TOP1_GOAL, misses


@pytest.mark.parametrize(("lang", "question", "expected"), [  # the README's examples: exactly this entry first
    ("en", "how do I read the vacancy rate?", ("section", "vacancies-shortages")),
    ("en", "what is NEET?", ("glossary", "neet")),
    ("ro", "cum planific un curs?", ("section", "method-design")),
])
def test_readme_questions_find_their_entry(lang: str, question: str, expected: tuple[str, str]) -> None:
    hits = guide_index(lang).search(question)
    assert (hits[0].kind, hits[0].id) == expected, [(h.kind, h.id, round(h.score, 1)) for h in hits[:3]]
