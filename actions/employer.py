"""Employer engagement in the chat (JOBS4ALL): the self-assessment on the two-level pathway, its result with the
radar chart, the action plan and its PDF, the CPD learning-outcomes matrix, the opt-in reminder after six
months, and the employer-encounter log with its count per term.

One action answers the intent ``ask_employer_engagement``, typed (the overview) or from its buttons, whose
entity ``ee`` says what to do (``start``, ``answer``, ``result``, ``log``...; see ``domain/employer.yml``).
Every button carries what it needs (the assessment id, the question, the score; the encounter log's choices so
far in ``ee_log``), and the answers are in the database: an old button still does what it says, and a button
of someone else's assessment finds nothing. The logic is in :mod:`lmi4vet.employer`.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal
from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from sqlalchemy.orm import Session

from actions.base import Button, LocalizedAction, Reply, payload
from actions.course import course_payload
from actions.data import entity_value, kb_session
from lmi4vet.content import section
from lmi4vet.employer import files, store
from lmi4vet.employer.assessment import (
    ANSWER_SCORES,
    areas,
    compare,
    content,
    next_question,
    plan,
    question_text,
    questions,
    score,
)
from lmi4vet.employer.models import Assessment
from lmi4vet.employer.pdf import lesson_title
from lmi4vet.events.consent import is_unsubscribed
from lmi4vet.settings import Settings

INTENT = "ask_employer_engagement"
COHORT_SLOT = "employer_cohort"
TOPIC = "employer"  # last_topic
GUIDE_SECTION = "employer-partnerships"
REMINDER_CHANNELS = ("telegram", "whatsapp")  # the local chat cannot be written to later
LEARNER_CHOICES = (1, 3, 5, 8, 10, 12, 15, 20, 25, 30)
COHORT_CHOICES = (10, 15, 20, 25, 30, 40, 50, 75, 100, 200)
YES, NO = "1", "0"


def ee(do: str, **entities: str) -> str:
    """A button's payload: ``/ask_employer_engagement{"ee":"answer","ee_id":"3",...}``."""
    return payload(INTENT, ee=do, **{f"ee_{name}": value for name, value in entities.items()})


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _say(reply: Reply, key: str, **params: Any) -> str:
    return reply.text(f"employer.chat.{key}", **params)


def _day(reply: Reply, moment: datetime | date) -> str:
    day = moment.date() if isinstance(moment, datetime) else moment
    return format_date(day, "long", locale=reply.language)


def _level(reply: Reply, level: int | None) -> str:
    return reply.text("employer.pdf.level_short", level=level) if level else reply.text("employer.pdf.not_assessed")


def _channel(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or ""


def _link(tracker: Tracker, session: Session, row: Assessment, kind: str) -> str:
    """The public URL of an expiring link to the assessment's chart or PDF, under this channel's webhooks."""
    route = "whatsapp" if _channel(tracker) == "whatsapp" else "rest"
    token = files.create_link(session, row, kind, _now())
    return f"{Settings.from_env().public_base}/webhooks/{route}/employer/{token}"


# -- the overview -----------------------------------------------------------------------------------------------
def overview(reply: Reply, session: Session, lead: str = "") -> list[EventType]:
    """What the self-assessment is, where the user stands, and every way in."""
    lines = [lead] if lead else []
    lines.append(_say(reply, "intro", areas=str(len(areas())), questions=str(len(questions()))))
    unfinished = store.in_progress(session, reply.sender_id)
    last = store.latest_completed(session, reply.sender_id)
    buttons: list[Button] = []
    if unfinished is not None and unfinished.answers:
        lines.append(_say(reply, "in_progress", answered=str(len(unfinished.answers)), total=str(len(questions()))))
        buttons += [(_say(reply, "continue_button"), ee("continue")), (_say(reply, "restart_button"), ee("start"))]
    else:
        buttons.append((_say(reply, "start_button" if last is None else "again_button"), ee("start")))
    if last is not None:
        lines.append(_say(reply, "last_done", date=_day(reply, last.completed_at)))
        buttons.append((_say(reply, "result_button"), ee("result", id=str(last.id))))
    buttons += [(_say(reply, "log_button"), ee("log")), (_say(reply, "term_button"), ee("term")),
                (_say(reply, "outcomes_button"), ee("outcomes")),
                (_say(reply, "guide_button"), payload("ask_guide", section=GUIDE_SECTION))]
    reply.send("\n\n".join(lines), buttons)
    return [SlotSet("last_topic", TOPIC)]


# -- the questions ----------------------------------------------------------------------------------------------
def ask(reply: Reply, row: Assessment, question_id: str, lead: str = "") -> list[EventType]:
    """One question, with the four answers as buttons, "previous question" and "continue later"."""
    lang = reply.language
    order = [q for _, q in questions()]
    area = question_id.rsplit("_", 1)[0]
    in_area = [q for a, q in questions() if a == area]
    heading = _say(reply, "question_heading", area=content(lang)["areas"][area]["name"],
                   area_number=str(areas().index(area) + 1), areas=str(len(areas())),
                   number=str(order.index(question_id) + 1), total=str(len(order)))
    if in_area.index(question_id) == 0:
        heading += "\n" + _say(reply, "area_intro", references=content(lang)["areas"][area]["references"])
    lines = [lead] if lead else []
    lines += [heading, question_text(lang, question_id)]
    if question_id in row.answers:
        lines.append(_say(reply, "answered_before", answer=content(lang)["answers"][row.answers[question_id]]))
    ident = str(row.id)
    buttons: list[Button] = [(text, ee("answer", id=ident, q=question_id, v=str(value)))
                             for value, text in zip(ANSWER_SCORES, content(lang)["answers"], strict=True)]
    if order.index(question_id) > 0:
        buttons.append((_say(reply, "back_button"), ee("back", id=ident, q=question_id)))
    buttons.append((_say(reply, "later_button"), ee("later", id=ident)))
    reply.send("\n\n".join(lines), buttons)
    return [SlotSet("last_topic", TOPIC)]


def start(reply: Reply, session: Session) -> list[EventType]:
    """A new assessment (an unfinished one is replaced) and its first question."""
    store.discard_unfinished(session, reply.sender_id)
    row = store.start(session, reply.sender_id, reply.language, now=_now())
    before = store.previous(session, row)
    lead = _say(reply, "start_again" if before else "start", date=_day(reply, before.completed_at) if before else "",
                total=str(len(questions())))
    return ask(reply, row, questions()[0][1], lead)


def answer(reply: Reply, tracker: Tracker, session: Session, row: Assessment) -> list[EventType]:
    """Record a tapped answer, then the next question or, after the last, the result."""
    question_id, value = entity_value(tracker, "ee_q"), entity_value(tracker, "ee_v")
    if row.completed_at is not None:
        return result(reply, tracker, session, row, _say(reply, "already_done"))
    try:
        store.answer(session, row.id, reply.sender_id, question_id, int(value), now=_now())
    except ValueError:
        following = next_question(row.answers)
        return ask(reply, row, following, _say(reply, "not_an_answer")) if following else overview(reply, session)
    following = next_question(row.answers)
    if following is None:
        return result(reply, tracker, session, row)
    return ask(reply, row, following)


def back(reply: Reply, tracker: Tracker, row: Assessment) -> list[EventType]:
    """The question before the one shown (its answer is kept until it is changed)."""
    order = [q for _, q in questions()]
    current = entity_value(tracker, "ee_q")
    index = order.index(current) if current in order else 1
    return ask(reply, row, order[max(index - 1, 0)])


# -- the result, chart, plan and PDF ----------------------------------------------------------------------------
def send_chart(reply: Reply, tracker: Tracker, session: Session, row: Assessment) -> None:
    """The radar chart: a photo on Telegram, elsewhere an image behind an expiring link (WhatsApp media)."""
    caption = _say(reply, "chart_caption")
    if _channel(tracker) == "telegram":
        made = files.render(session, row, "chart", now=_now())
        reply.dispatcher.utter_message(json_message={"photo": {
            "filename": made.filename, "content_base64": base64.b64encode(made.body).decode("ascii"),
            "caption": caption}})
        return
    reply.dispatcher.utter_message(text=caption, image=_link(tracker, session, row, "chart"), language=reply.language)


def result(reply: Reply, tracker: Tracker, session: Session, row: Assessment, lead: str = "") -> list[EventType]:
    """The level of every area with its why, the change since the previous assessment, the chart, and what
    next (plan, PDF, reminder, learning outcomes)."""
    lang = reply.language
    results, previous = files.results_with_previous(session, row)
    data = content(lang)["areas"]
    lines = [lead] if lead else []
    lines.append(_say(reply, "result_heading", date=_day(reply, row.completed_at)))
    lines += [_say(reply, "result_line", area=data[r.area]["name"], level=_level(reply, r.level),
                   why=data[r.area]["why"][r.level]) for r in results if r.level]
    strong = sum(1 for r in results if r.level == 2)
    lines.append(_say(reply, "result_summary", strong=str(strong), areas=str(len(results))))
    if previous is not None:
        before = store.previous(session, row)
        changed = [c for c in compare(previous, results) if c.before != c.now]
        lines.append(_say(reply, "since", date=_day(reply, before.completed_at)) + "\n" + (
            "\n".join(_say(reply, "change_line", area=data[c.area]["short"], before=_level(reply, c.before),
                           now=_level(reply, c.now)) for c in changed) or _say(reply, "no_change")))
    send_chart(reply, tracker, session, row)
    ident = str(row.id)
    buttons: list[Button] = [(_say(reply, "plan_button"), ee("plan", id=ident)),
                             (_say(reply, "pdf_button"), ee("pdf", id=ident))]
    if row.remind_at is None:
        buttons.append((_say(reply, "remind_button"), ee("remind", id=ident)))
    buttons += [(_say(reply, "outcomes_button"), ee("outcomes")), (_say(reply, "again_button"), ee("start"))]
    reply.send("\n\n".join(lines), buttons)
    return [SlotSet("last_topic", TOPIC)]


def action_plan(reply: Reply, session: Session, row: Assessment) -> list[EventType]:
    """One message per area of the plan (Level 1 areas: what to build; Level 2: how to keep it), with its
    next steps, what to read and the matching CPD learning outcomes; the reading as buttons."""
    lang = reply.language
    items = plan(score(row.answers), lang)
    weak = [item for item in items if item.level == 1]
    shown = weak or items
    reply.send(_say(reply, "plan_intro_weak" if weak else "plan_intro_strong", areas=str(len(weak))))
    buttons: list[Button] = []
    for item in shown:
        guide = section(lang, item.guide)
        guide_title = guide["title"] if guide else item.guide
        course_title = lesson_title(lang, item.course)
        lines = [_say(reply, "plan_area", area=item.name, level=_level(reply, item.level)),
                 _say(reply, "plan_steps") + "\n" + "\n".join(f"• {step}" for step in item.steps),
                 _say(reply, "plan_read", guide=guide_title, course=course_title),
                 _say(reply, "plan_outcomes") + "\n" + "\n".join(f"• {line}" for line in item.outcomes)]
        reply.send("\n\n".join(lines))
        for title, target in ((f"📘 {guide_title}", payload("ask_guide", section=item.guide)),
                              (f"🎓 {course_title}", course_payload(module=item.course.split("-")[0],
                                                                    step=item.course.split("-l")[1]))):
            if len(buttons) < 8 and target not in [p for _, p in buttons]:
                buttons.append((title, target))
    buttons += [(_say(reply, "pdf_button"), ee("pdf", id=str(row.id))),
                (_say(reply, "result_button"), ee("result", id=str(row.id)))]
    reply.send(_say(reply, "plan_end"), buttons)
    return [SlotSet("last_topic", TOPIC)]


def pdf(reply: Reply, tracker: Tracker, session: Session, row: Assessment) -> list[EventType]:
    """The result and plan as a PDF: a document on Telegram, elsewhere an expiring link."""
    if _channel(tracker) == "telegram":
        made = files.render(session, row, "pdf", now=_now())
        reply.dispatcher.utter_message(json_message={"document": {
            "filename": made.filename, "content_base64": base64.b64encode(made.body).decode("ascii"),
            "caption": _say(reply, "pdf_caption")}})
        return []
    reply.send(_say(reply, "pdf_link", url=_link(tracker, session, row, "pdf"), days=str(files.LINK_LIFETIME.days)),
               [(_say(reply, "plan_button"), ee("plan", id=str(row.id)))])
    return []


def remind(reply: Reply, tracker: Tracker, session: Session, row: Assessment) -> list[EventType]:
    """Opt in to (or, with ``ee_v`` "0", out of) a reminder six months after the assessment."""
    ident = str(row.id)
    if entity_value(tracker, "ee_v") == NO:
        store.cancel_reminder(session, row.id, reply.sender_id)
        reply.send(_say(reply, "remind_off"), [(_say(reply, "remind_button"), ee("remind", id=ident))])
        return []
    if _channel(tracker) not in REMINDER_CHANNELS:
        reply.send(_say(reply, "remind_no_channel"))
        return []
    if is_unsubscribed(session, reply.sender_id):
        reply.send(_say(reply, "remind_stopped"))
        return []
    when = store.remind_me(session, row.id, reply.sender_id)
    reply.send(_say(reply, "remind_on", date=_day(reply, when)),
               [(_say(reply, "remind_off_button"), ee("remind", id=ident, v=NO)),
                (_say(reply, "result_button"), ee("result", id=ident))])
    return []


# -- the learning-outcomes matrix -------------------------------------------------------------------------------
def outcomes(reply: Reply, tracker: Tracker) -> list[EventType]:
    """The CPD learning outcomes: the areas as buttons, or one area's outcomes at both levels."""
    lang = reply.language
    data = content(lang)["areas"]
    area = entity_value(tracker, "ee_area")
    area_buttons = [(data[a]["name"], ee("outcomes", area=a)) for a in areas()]
    if area not in data:
        reply.send(_say(reply, "outcomes_intro"), [*area_buttons, (_say(reply, "menu_button"), ee("menu"))])
        return [SlotSet("last_topic", TOPIC)]
    levels = content(lang)["levels"]
    lines = [_say(reply, "outcomes_heading", area=data[area]["name"])]
    for level in (1, 2):
        lines.append(f"{levels[level]['name']}\n" + "\n".join(f"• {line}" for line in data[area]["outcomes"][level]))
    following = areas()[(areas().index(area) + 1) % len(areas())]
    reply.send("\n\n".join(lines), [(_say(reply, "next_area_button", area=data[following]["short"]),
                                     ee("outcomes", area=following)),
                                    (_say(reply, "all_areas_button"), ee("outcomes")),
                                    (_say(reply, "menu_button"), ee("menu"))])
    return [SlotSet("last_topic", TOPIC)]


# -- the encounter log ------------------------------------------------------------------------------------------
def _yes_no(reply: Reply, log: str) -> list[Button]:
    return [(_say(reply, "yes_button"), ee("log", log=log, v=YES)),
            (_say(reply, "no_button"), ee("log", log=log, v=NO))]


def log_step(reply: Reply, tracker: Tracker, session: Session) -> list[EventType]:
    """One tap of the encounter log: type, employer size, learners, two-way, reflection; then it is logged
    (dated today) and the term's count shown. The choices so far travel in ``ee_log``."""
    kinds, sizes, (low, high) = store.KINDS, store.SIZES, store.LEARNERS_RANGE
    words = content(reply.language)["encounters"]
    chosen = [part for part in entity_value(tracker, "ee_log").split("|") if part]
    value = entity_value(tracker, "ee_v")
    if value:
        chosen.append(value)
    checks: list[Callable[[str], bool]] = [lambda v: v in kinds, lambda v: v in sizes,
                                           lambda v: v.isdigit() and low <= int(v) <= high,
                                           lambda v: v in (YES, NO), lambda v: v in (YES, NO)]
    lead = ""
    if len(chosen) > len(checks) or not all(check(v) for check, v in zip(checks, chosen, strict=False)):
        chosen, lead = [], _say(reply, "log_not_understood")
    log = "|".join(chosen)
    step = len(chosen)

    def send(key: str, buttons: list[Button]) -> list[EventType]:
        text = _say(reply, key)
        reply.send(f"{lead}\n\n{text}" if lead else text, buttons)
        return [SlotSet("last_topic", TOPIC)]

    if step == 0:
        return send("log_kind", [(words["types"][k], ee("log", v=k)) for k in kinds])
    if step == 1:
        return send("log_size", [(words["sizes"][s], ee("log", log=log, v=s)) for s in sizes])
    if step == 2:
        return send("log_learners", [(str(n), ee("log", log=log, v=str(n))) for n in LEARNER_CHOICES])
    if step == 3:
        return send("log_two_way", _yes_no(reply, log))
    if step == 4:
        return send("log_reflection", _yes_no(reply, log))
    kind, size, learners, two_way, reflection = chosen
    today = _now().date()
    row = store.log_encounter(session, reply.sender_id, kind=kind, size=size, learners=int(learners),
                              two_way=two_way == YES, reflection=reflection == YES, occurred_on=today, now=_now())
    meaningful = row.two_way and row.reflection
    lines = [_say(reply, "logged", kind=words["types"][kind], size=words["sizes"][size], learners=learners,
                  date=_day(reply, today)),
             _say(reply, "logged_meaningful" if meaningful else "logged_not_meaningful")]
    return term(reply, tracker, session, "\n".join(lines))


def term(reply: Reply, tracker: Tracker, session: Session, lead: str = "") -> list[EventType]:
    """The term's encounters against the target (one meaningful encounter per learner per term, two a year);
    asks first how many learners the person follows."""
    chosen = entity_value(tracker, "ee_v") if entity_value(tracker, "ee") == "cohort" else ""
    cohort = chosen or str(tracker.get_slot(COHORT_SLOT) or "")
    events: list[EventType] = [SlotSet("last_topic", TOPIC)]
    if chosen.isdigit() and int(chosen) > 0:
        events.append(SlotSet(COHORT_SLOT, chosen))
    if not (cohort.isdigit() and int(cohort) > 0):
        text = _say(reply, "cohort_question")
        reply.send(f"{lead}\n\n{text}" if lead else text,
                   [(str(n), ee("cohort", v=str(n))) for n in COHORT_CHOICES])
        return events
    count = store.term_count(session, reply.sender_id, _now().date(), int(cohort))
    per_learner = count.learner_encounters / int(cohort)
    lines = [lead] if lead else []
    lines.append(_say(reply, "term_count", start=_day(reply, count.start),
                      end=_day(reply, count.end - timedelta(days=1)), encounters=str(count.encounters),
                      meaningful=str(count.meaningful), learner_encounters=str(count.learner_encounters),
                      cohort=cohort, per_learner=format_decimal(per_learner, "0.0", locale=reply.language)))
    missing = count.target - count.learner_encounters
    lines.append(_say(reply, "term_on_track") if missing <= 0 else _say(reply, "term_missing", missing=str(missing)))
    lines.append(content(reply.language)["encounters"]["target"])
    reply.send("\n\n".join(lines), [(_say(reply, "log_button"), ee("log")),
                                    (_say(reply, "meaningful_button"), ee("meaningful")),
                                    (_say(reply, "cohort_button"), ee("cohort")),
                                    (_say(reply, "menu_button"), ee("menu"))])
    return events


def meaningful(reply: Reply) -> list[EventType]:
    """What makes an encounter meaningful (Gatsby benchmark 5)."""
    reply.send(content(reply.language)["encounters"]["meaningful"],
               [(_say(reply, "log_button"), ee("log")), (_say(reply, "term_button"), ee("term"))])
    return [SlotSet("last_topic", TOPIC)]


def ask_cohort(reply: Reply) -> list[EventType]:
    """How many learners the person follows (to change the number used by the term's count)."""
    reply.send(_say(reply, "cohort_question"), [(str(n), ee("cohort", v=str(n))) for n in COHORT_CHOICES])
    return [SlotSet("last_topic", TOPIC)]


class ActionEmployer(LocalizedAction):
    """Everything about employer engagement (see the module docstring)."""

    def name(self) -> str:
        return "action_employer"

    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        do = entity_value(tracker, "ee")
        with kb_session() as session:
            if do == "start":
                return start(reply, session)
            if do == "log":
                return log_step(reply, tracker, session)
            if do == "term" or (do == "cohort" and entity_value(tracker, "ee_v")):
                return term(reply, tracker, session)
            if do == "cohort":
                return ask_cohort(reply)
            if do == "meaningful":
                return meaningful(reply)
            if do == "outcomes":
                return outcomes(reply, tracker)
            if do == "continue":
                row = store.in_progress(session, reply.sender_id)
                following = next_question(row.answers) if row is not None else None
                return ask(reply, row, following) if row is not None and following else overview(reply, session)
            ident = entity_value(tracker, "ee_id")
            row = store.get(session, int(ident), reply.sender_id) if ident.isdigit() else None
            if do == "result" and row is None and not ident:
                row = store.latest_completed(session, reply.sender_id)
            if row is None:
                return overview(reply, session, _say(reply, "not_found") if ident else "")
            row.language = reply.language  # the chart, PDF and reminder follow the person's language
            return self.on_assessment(reply, tracker, session, row, do)

    def on_assessment(self, reply: Reply, tracker: Tracker, session: Session, row: Assessment,
                      do: str) -> list[EventType]:
        """A button about one of the user's assessments."""
        if do == "answer":
            return answer(reply, tracker, session, row)
        if do == "back" and row.completed_at is None:
            return back(reply, tracker, row)
        if do == "later":
            reply.send(_say(reply, "saved", answered=str(len(row.answers)), total=str(len(questions()))),
                       [(_say(reply, "continue_button"), ee("continue")),
                        (_say(reply, "main_menu_button"), "/help")])
            return []
        if row.completed_at is None:  # the result, plan... of an assessment not finished yet: go on with it
            return ask(reply, row, next_question(row.answers) or questions()[0][1], _say(reply, "not_finished"))
        if do == "plan":
            return action_plan(reply, session, row)
        if do == "pdf":
            return pdf(reply, tracker, session, row)
        if do == "remind":
            return remind(reply, tracker, session, row)
        return result(reply, tracker, session, row)
