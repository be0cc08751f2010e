"""The guide and the course end to end through the REST channel: navigation, quiz scoring and feedback, and
course progress surviving a restart of the servers."""

from __future__ import annotations

import uuid

import pytest

from lmi4vet.content import load, section
from lmi4vet.i18n import t
from tests.integration.conftest import RunningAssistant

pytestmark = pytest.mark.integration


def sender() -> str:
    return f"gc-{uuid.uuid4().hex[:10]}"


def only(messages: list[dict]) -> dict:
    assert len(messages) == 1, messages
    return messages[0]


@pytest.mark.parametrize(("lang", "greeting"), [("en", "hello"), ("ro", "bună ziua"), ("de", "guten tag")])
def test_contents_section_next_and_back(assistant, lang: str, greeting: str) -> None:
    user = sender()
    assistant.say(user, greeting)
    contents = only(assistant.say(user, "/ask_guide"))
    assert contents["text"] == t(lang, "guide.contents", page="1", pages="2")
    second = contents["buttons"][1]
    opened = only(assistant.say(user, second["payload"]))
    sections = load("guide", lang)["sections"]
    assert opened["text"].startswith(f"📘 {sections[1]['title']}")
    following = next(b for b in opened["buttons"] if b["title"] == t(lang, "guide.next"))
    assert only(assistant.say(user, following["payload"]))["text"].startswith(f"📘 {sections[2]['title']}")
    back = only(assistant.say(user, following["payload"]))
    previous = next(b for b in back["buttons"] if b["title"] == t(lang, "guide.previous"))
    assert only(assistant.say(user, previous["payload"]))["text"].startswith(f"📘 {sections[1]['title']}")


@pytest.mark.parametrize(("lang", "question", "term", "section_id"), [  # term None: the section opens
    ("en", "what is NEET?", "neet", "youth-and-neet"),
    ("fr", "comment construire une offre de formation avec les employeurs ?", None, "method-design"),
    ("es", "como planifico un curso para parados", None, "method-design"),
])
def test_free_text_questions_reach_the_guide(assistant, lang: str, question: str, term: str | None,
                                             section_id: str) -> None:
    reply = only(assistant.say(sender(), question))
    if term is None:
        found = section(lang, section_id)
        assert reply["text"] == f"📘 {found['title']}\n\n{found['summary']}"
        assert reply["buttons"][0]["payload"] == f'/ask_guide{{"section":"{section_id}","page":"1"}}'
    else:  # the term's definition, with a first button to the section that explains more
        entry = next(g for g in load("guide", lang)["glossary"] if g["id"] == term)
        assert reply["text"] == f"🔤 {entry['term']}\n\n{entry['definition']}"
        assert reply["buttons"][0]["payload"] == f'/ask_guide{{"section":"{section_id}"}}'


def test_switching_language_keeps_the_section(assistant) -> None:
    user = sender()
    assistant.say(user, "hello")
    assistant.say(user, '/ask_guide{"section":"wages"}')
    replies = assistant.say(user, "auf deutsch bitte")
    assert replies[0]["text"] == t("de", "language.changed")
    assert replies[1]["text"].startswith(f"📘 {section('de', 'wages')['title']}")


def test_quiz_scoring_and_feedback(assistant) -> None:
    user = sender()
    assistant.say(user, "hola")
    module = load("course", "es")["modules"][1]
    lessons, quiz = module["lessons"], module["quiz"]
    first = only(assistant.say(user, f'/start_course{{"module":"{module["id"]}"}}'))
    assert lessons[0]["text"] in first["text"]
    question = only(assistant.say(user, f'/start_course{{"module":"{module["id"]}","step":"{len(lessons) + 1}"}}'))
    right = quiz[0]["answer"]
    feedback = only(assistant.say(user, question["buttons"][right]["payload"]))
    assert feedback["text"].startswith(t("es", "course.right")) and quiz[0]["explanation"] in feedback["text"]
    for number, q in enumerate(quiz[1:], start=2):
        wrong = (q["answer"] + 1) % len(q["options"])
        reply = only(assistant.say(user, f'/start_course{{"module":"{module["id"]}","answer":"{number}:{wrong}"}}'))
    assert t("es", "course.result", module=module["title"], score="1", total=str(len(quiz))) in reply["text"]


def test_progress_survives_a_restart(tmp_path) -> None:
    user = sender()
    first = RunningAssistant(tmp_path)
    try:
        first.assistant.say(user, "bonjour")
        first.assistant.say(user, '/start_course{"module":"m4","step":"3"}')
    finally:
        assert first.stop() == 0
    second = RunningAssistant(tmp_path)
    try:
        welcome = only(second.assistant.say(user, "/start_course"))
        module = load("course", "fr")["modules"][3]
        assert welcome["text"] == t("fr", "course.welcome_back", module=module["title"], step="3",
                                    steps=str(len(module["lessons"]) + len(module["quiz"])))
        resumed = only(second.assistant.say(user, welcome["buttons"][0]["payload"]))
        assert module["lessons"][2]["text"] in resumed["text"]
        menu = only(second.assistant.say(user, "menu"))
        assert t("fr", "menu.continue_course") in [b["title"] for b in menu["buttons"]]
    finally:
        assert second.stop() == 0
