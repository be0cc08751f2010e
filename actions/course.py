"""The self-training course in the chat: modules, lessons, quizzes with buttons, immediate feedback, scores,
and progress kept per user in our database ("continue where I left off", across restarts and languages)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from sqlalchemy.orm import Session

from actions.base import Button, LocalizedAction, Reply, payload
from actions.data import entity_values, kb_session
from lmi4vet import course
from lmi4vet.content import load, module, module_ids


def course_payload(**parts: str) -> str:
    return payload("start_course", **parts)


def steps_of(found: dict[str, Any]) -> int:
    return len(found["lessons"]) + len(found["quiz"])


def show_modules(reply: Reply, session: Session, intro: str | None = None) -> list[EventType]:
    done = course.results(session, reply.sender_id)
    buttons: list[Button] = []
    for found in load("course", reply.language)["modules"]:
        if found["id"] in done:
            score, total = done[found["id"]]
            title = reply.text("course.module_done", title=found["title"], score=str(score), total=str(total))
        else:
            title = found["title"]
        buttons.append((title, course_payload(module=found["id"])))
    reply.send(intro or reply.text("course.intro"), buttons)
    return [SlotSet("last_topic", "course")]


def show_step(reply: Reply, session: Session, module_id: str, step: int) -> list[EventType]:
    """Show lesson or quiz question ``step`` of a module (1-based) and remember it as the user's place."""
    found = module(reply.language, module_id)
    if found is None:
        return show_modules(reply, session)
    lessons, quiz = found["lessons"], found["quiz"]
    step = min(max(step, 1), steps_of(found))
    course.save_progress(session, reply.sender_id, module_id, step)
    if step <= len(lessons):
        lesson = lessons[step - 1]
        heading = reply.text("course.lesson", module=found["title"], number=str(step), lessons=str(len(lessons)),
                             title=lesson["title"])
        reply.send(f"{heading}\n\n{lesson['text']}",
                   [(reply.text("course.next"), course_payload(module=module_id, step=str(step + 1)))])
    else:
        number = step - len(lessons)
        question = quiz[number - 1]
        text = reply.text("course.question", number=str(number), questions=str(len(quiz)),
                          question=question["question"])
        reply.send(text, [(option, course_payload(module=module_id, answer=f"{number}:{index}"))
                          for index, option in enumerate(question["options"])])
    return [SlotSet("last_topic", "course"), SlotSet("course_module", module_id), SlotSet("course_step", str(step))]


def check_answer(reply: Reply, session: Session, module_id: str, value: str) -> list[EventType]:
    """Feedback on a quiz answer ("<question number>:<option index>"), then the next question or the result."""
    found = module(reply.language, module_id)
    try:
        number, chosen = (int(part) for part in value.split(":"))
        question = found["quiz"][number - 1] if found else None
    except (ValueError, IndexError):
        question = None
    if found is None or question is None or not 0 <= chosen < len(question["options"]):
        return show_modules(reply, session)
    correct = chosen == question["answer"]
    counted = course.answer(session, reply.sender_id, module_id, question["id"], chosen, correct)
    lines = [reply.text("course.right") if correct else
             reply.text("course.wrong", answer=question["options"][question["answer"]]), question["explanation"]]
    if not counted:
        lines.append(reply.text("course.already_answered"))
    step = len(found["lessons"]) + number
    if number < len(found["quiz"]):
        course.save_progress(session, reply.sender_id, module_id, step + 1)
        reply.send("\n\n".join(lines), [(reply.text("course.next"), course_payload(module=module_id,
                                                                                   step=str(step + 1)))])
        return [SlotSet("last_topic", "course"), SlotSet("course_module", module_id),
                SlotSet("course_step", str(step + 1))]
    return finish_module(reply, session, found, lines)


def finish_module(reply: Reply, session: Session, found: dict[str, Any], lines: list[str]) -> list[EventType]:
    total = len(found["quiz"])
    score = course.complete(session, reply.sender_id, found["id"], total)
    lines.append(reply.text("course.result", module=found["title"], score=str(score), total=str(total)))
    order = module_ids(reply.language)
    done = course.results(session, reply.sender_id)
    buttons: list[Button] = []
    if len(done) == len(order):
        titles = {m["id"]: m["title"] for m in load("course", reply.language)["modules"]}
        lines.append(reply.text("course.completed") + "\n" + "\n".join(
            reply.text("course.score_line", module=titles[m], score=str(done[m][0]), total=str(done[m][1]))
            for m in order))
    following = order.index(found["id"]) + 1
    if following < len(order):
        course.save_progress(session, reply.sender_id, order[following], 1)
        buttons.append((reply.text("course.next_module"), course_payload(module=order[following])))
    buttons += [(reply.text("course.restart"), course_payload(module=found["id"], restart="1")),
                (reply.text("course.modules"), course_payload(module="list"))]
    reply.send("\n\n".join(lines), buttons)
    return [SlotSet("last_topic", "course"), SlotSet("course_module", None), SlotSet("course_step", None)]


def welcome(reply: Reply, session: Session) -> list[EventType]:
    """Offer to continue where the user left off, or list the modules."""
    place = course.progress(session, reply.sender_id)
    found = module(reply.language, place[0]) if place else None
    if found is None:
        return show_modules(reply, session)
    text = reply.text("course.welcome_back", module=found["title"], step=str(place[1]),
                      steps=str(steps_of(found)))
    reply.send(text, [(reply.text("course.continue"), course_payload(module=place[0], step=str(place[1]))),
                      (reply.text("course.modules"), course_payload(module="list"))])
    return [SlotSet("last_topic", "course")]


class ActionCourse(LocalizedAction):
    """Everything about the course (see the module docstring)."""

    def name(self) -> str:
        return "action_course"

    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        module_id = next(iter(entity_values(tracker, "module")), "")
        step = next(iter(entity_values(tracker, "step")), "")
        answer = next(iter(entity_values(tracker, "answer")), "")
        with kb_session() as session:
            if not module_id:
                return welcome(reply, session)
            if module_id == "list":
                return show_modules(reply, session)
            if module_id == "continue":
                place = course.progress(session, reply.sender_id)
                return show_step(reply, session, *place) if place else show_modules(reply, session)
            if answer:
                return check_answer(reply, session, module_id, answer)
            if entity_values(tracker, "restart"):
                course.restart_module(session, reply.sender_id, module_id)
            return show_step(reply, session, module_id, int(step) if step.isdigit() else 1)
