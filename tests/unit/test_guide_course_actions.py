"""The guide and the course through their actions: navigation, quiz scoring and feedback, progress kept in
the database and shown again after a language switch."""

from __future__ import annotations

import uuid

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import Reply
from actions.course import ActionCourse
from actions.guide import ActionGuide
from actions.language import ActionChooseLanguage
from actions.menu import main_menu
from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.content import load, pages, section
from lmi4vet.i18n import t
from tests.conftest import ents, make_tracker
from tests.conftest import run_action as run


def guide(lang: str, text: str = "/ask_guide", sender: str = "g", **entities: str):
    return run(ActionGuide(), make_tracker(text, intent="ask_guide", entities=ents(**entities),
                                           slots={"language": lang}, sender_id=sender))


def course(lang: str, sender: str, **entities: str):
    return run(ActionCourse(), make_tracker("/start_course", intent="start_course", entities=ents(**entities),
                                            slots={"language": lang}, sender_id=sender))


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_contents_are_paged_buttons(kb_url, lang: str) -> None:
    [first], _ = guide(lang)
    sections = load("guide", lang)["sections"]
    assert first["text"] == t(lang, "guide.contents", page="1", pages="2")
    assert [b["title"] for b in first["buttons"][:10]] == [s["title"] for s in sections[:10]]
    assert first["buttons"][10]["payload"] == '/ask_guide{"contents":"2"}'
    [second], _ = guide(lang, contents="2")
    assert [b["title"] for b in second["buttons"][:5]] == [s["title"] for s in sections[10:15]]


def test_section_summary_then_full_text_then_next_and_back(kb_url) -> None:
    [summary], events = guide("en", section="pitfalls")
    found = section("en", "pitfalls")
    assert summary["text"] == f"📘 {found['title']}\n\n{found['summary']}"
    assert [b["payload"] for b in summary["buttons"]] == [
        '/ask_guide{"section":"pitfalls","page":"1"}', '/ask_guide{"section":"method-diagnose"}',
        '/ask_guide{"section":"wages"}', '/ask_guide{"contents":"1"}']
    assert SlotSet("guide_section", "pitfalls") in events
    full = pages(found["body"])
    [page], _ = guide("en", section="pitfalls", page="1")
    assert len(full) == 2
    assert page["text"] == f"📘 {t('en', 'guide.section_page', title=found['title'], page='1', pages='2')}\n\n{full[0]}"
    assert page["buttons"][0]["payload"] == '/ask_guide{"section":"pitfalls","page":"2"}'


@pytest.mark.parametrize(("lang", "question", "term", "section_id"), [  # term None: the section opens
    ("en", "what is NEET?", "neet", "youth-and-neet"), ("es", "qué es un nini", "neet", "youth-and-neet"),
    ("ro", "cum planific un curs de formare", None, "method-design"),
    ("de", "wie lese ich die quote der offenen stellen", None, "vacancies-shortages"),
])
def test_free_text_questions_find_the_guide(kb_url, lang: str, question: str, term: str | None,
                                            section_id: str) -> None:
    [message], events = guide(lang, text=question)
    if term is None:
        found = section(lang, section_id)
        assert message["text"] == f"📘 {found['title']}\n\n{found['summary']}"
        assert SlotSet("guide_section", section_id) in events
    else:  # the term's definition, with a first button to the section that explains more
        entry = next(g for g in load("guide", lang)["glossary"] if g["id"] == term)
        assert message["text"] == f"🔤 {entry['term']}\n\n{entry['definition']}"
        assert message["buttons"][0]["payload"] == f'/ask_guide{{"section":"{section_id}"}}'


def test_switching_language_shows_the_same_section(kb_url) -> None:
    slots = {"language": "en", "last_topic": "guide", "guide_section": "wages", "guide_page": "0"}
    tracker = make_tracker("en español", intent="choose_language", entities=ents(language="español"), slots=slots)
    messages, _ = run(ActionChooseLanguage(), tracker)
    assert messages[0]["text"] == t("es", "language.changed")
    assert messages[1]["text"].startswith(f"📘 {section('es', 'wages')['title']}")


def test_the_course_from_lessons_to_the_score(kb_url) -> None:
    sender = f"c-{uuid.uuid4().hex[:8]}"
    [intro], _ = course("fr", sender)
    assert intro["text"] == t("fr", "course.intro") and len(intro["buttons"]) == 6
    module = load("course", "fr")["modules"][0]
    [lesson], _ = course("fr", sender, module="m1")
    assert module["lessons"][0]["text"] in lesson["text"]
    lessons = len(module["lessons"])
    [question], _ = course("fr", sender, module="m1", step=str(lessons + 1))
    first = module["quiz"][0]
    assert first["question"] in question["text"] and [b["title"] for b in question["buttons"]] == first["options"]
    wrong = (first["answer"] + 1) % len(first["options"])
    [feedback], _ = course("fr", sender, module="m1", answer=f"1:{wrong}")
    assert feedback["text"].startswith(t("fr", "course.wrong", answer=first["options"][first["answer"]]))
    assert first["explanation"] in feedback["text"]
    [again], _ = course("fr", sender, module="m1", answer=f"1:{first['answer']}")
    assert t("fr", "course.already_answered") in again["text"]
    for number, q in enumerate(module["quiz"][1:], start=2):
        [feedback], _ = course("fr", sender, module="m1", answer=f"{number}:{q['answer']}")
    total = len(module["quiz"])
    assert t("fr", "course.result", module=module["title"], score=str(total - 1), total=str(total)) in feedback["text"]
    [modules], _ = course("fr", sender, module="list")
    assert modules["buttons"][0]["title"] == t("fr", "course.module_done", title=module["title"],
                                                score=str(total - 1), total=str(total))


def test_progress_is_kept_and_offered_in_the_menu(kb_url) -> None:
    sender = f"p-{uuid.uuid4().hex[:8]}"
    course("de", sender, module="m3", step="2")
    [welcome], _ = course("de", sender)
    assert welcome["buttons"][0]["payload"] == '/start_course{"module":"m3","step":"2"}'
    dispatcher = CollectingDispatcher()
    titles = [title for title, _ in main_menu(Reply(dispatcher, "de", sender))]
    assert titles[4] == t("de", "menu.continue_course") and t("de", "menu.course") not in titles
    assert len(titles) == 10  # "continue" takes the course's place: WhatsApp's list picker holds 10
    assert t("de", "menu.continue_course") not in [title for title, _ in main_menu(Reply(dispatcher, "de", "new"))]
    [continued], _ = course("ro", sender, module="continue")  # another language, same place
    assert load("course", "ro")["modules"][2]["lessons"][1]["text"] in continued["text"]


def test_completing_every_module_congratulates_with_all_scores(kb_url) -> None:
    sender = f"all-{uuid.uuid4().hex[:8]}"
    for module in load("course", "en")["modules"]:
        for number, q in enumerate(module["quiz"], start=1):
            [message], _ = course("en", sender, module=module["id"], answer=f"{number}:{q['answer']}")
    assert t("en", "course.completed") in message["text"]
    assert message["text"].count("/") >= 6


def test_bad_payloads_fall_back_to_the_module_list(kb_url) -> None:
    [message], _ = course("en", "bad", module="m1", answer="99:0")
    assert message["text"] == t("en", "course.intro")
    [message], _ = course("en", "bad", module="zz")
    assert message["text"] == t("en", "course.intro")
