"""The employer-engagement self-assessment in the chat, without Rasa: action_employer run tap by tap as its
buttons would run it, on the default database. Checked: the overview, every question in turn with its buttons,
the result with its levels, why and chart (a Telegram photo; elsewhere an expiring image link), the change
since the previous assessment, the plan, the PDF, the reminder, the learning-outcomes matrix, the encounter log
and the term's count, and old or foreign buttons. tests/integration/test_employer.py runs it with the model."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from babel.dates import format_date
from PIL import Image
from pypdf import PdfReader

from actions import employer as chat
from actions.employer import ActionEmployer
from actions.menu import MAIN_MENU, TOOLS_MENU
from lmi4vet.db.engine import session_scope, shared_engine
from lmi4vet.employer import files, store
from lmi4vet.employer.assessment import content, questions
from lmi4vet.employer.models import Assessment, Encounter, FileLink
from lmi4vet.i18n import t
from tests.conftest import ents, make_tracker, run_action

QUESTIONS = [q for _, q in questions()]
# Strategy and partnerships strong (Level 2), the others Level 1 (curriculum has a "Not yet").
STRONG = {"strategy": 3, "partnerships": 2}


def say(lang: str, key: str, **params: Any) -> str:
    return t(lang, f"employer.chat.{key}", **params)


def day(lang: str, moment: datetime) -> str:
    return format_date(moment.date(), "long", locale=lang)


@dataclass
class Chat:
    """One user's taps, with the slots carried from turn to turn as Rasa would."""

    sender: str
    lang: str = "en"
    channel: str = "rest"
    slots: dict[str, Any] = field(default_factory=dict)

    def tap(self, do: str = "", text: str = "", **values: str) -> list[dict[str, Any]]:
        entities = ents(**({"ee": do} if do else {}), **{f"ee_{k}": v for k, v in values.items()})
        tracker = make_tracker(text or chat.ee(do, **values), "ask_employer_engagement", entities,
                               slots={"language": self.lang, **self.slots}, sender_id=self.sender,
                               channel=self.channel)
        messages, events = run_action(ActionEmployer(), tracker)
        for event in events:
            if event.get("event") == "slot":
                self.slots[event["name"]] = event["value"]
        return messages

    def answer_all(self, answers: dict[str, int]) -> list[dict[str, Any]]:
        """Start and answer every question; the messages of the last answer."""
        seen = self.tap("start")
        ident = button_entity(seen[-1], 0, "ee_id")
        for question in QUESTIONS:
            seen = self.tap("answer", id=ident, q=question, v=str(answers[question]))
        return seen


def button_entity(message: dict[str, Any], number: int, name: str) -> str:
    import json

    body = message["buttons"][number]["payload"].split("{", 1)[1]
    return json.loads("{" + body)[name]


def answers_for(levels: dict[str, int], default: int = 1) -> dict[str, int]:
    found = {}
    for area, question in questions():
        found[question] = levels.get(area, default)
    found["curriculum_1"] = 0
    return found


def titles(message: dict[str, Any]) -> list[str]:
    return [b["title"] for b in message.get("buttons") or []]


def payloads(message: dict[str, Any]) -> list[str]:
    return [b["payload"] for b in message.get("buttons") or []]


@pytest.fixture(autouse=True)
def _db(kb_url: str) -> None:
    _URL[:] = [kb_url]


_URL: list[str] = []


def session():
    return session_scope(shared_engine(_URL[0]))


def test_overview_for_a_new_user_lists_every_way_in() -> None:
    seen = Chat("ee-new", "de").tap(text="Kooperation mit Betrieben aufbauen")
    assert len(seen) == 1
    assert seen[0]["text"] == say("de", "intro", areas="6", questions="24")
    assert titles(seen[0]) == [say("de", k) for k in ("start_button", "log_button", "term_button",
                                                      "outcomes_button", "guide_button")]
    assert payloads(seen[0]) == [chat.ee("start"), chat.ee("log"), chat.ee("term"), chat.ee("outcomes"),
                                 '/ask_guide{"section":"employer-partnerships"}']


def test_every_question_is_asked_in_turn_with_its_answers_as_buttons() -> None:
    user = Chat("ee-order", "es")
    seen = user.tap("start")
    ident = button_entity(seen[-1], 0, "ee_id")
    data = content("es")
    first = seen[-1]["text"].split("\n\n")
    assert first[0] == say("es", "start", date="", total="24")
    assert first[1] == (say("es", "question_heading", area=data["areas"]["strategy"]["name"], area_number="1",
                            areas="6", number="1", total="24") + "\n"
                        + say("es", "area_intro", references=data["areas"]["strategy"]["references"]))
    assert first[2] == data["areas"]["strategy"]["questions"][0]["text"]
    assert titles(seen[-1]) == [*data["answers"], say("es", "later_button")]
    assert payloads(seen[-1])[2] == chat.ee("answer", id=ident, q="strategy_1", v="2")
    for number, question in enumerate(QUESTIONS[:-1], start=1):
        seen = user.tap("answer", id=ident, q=question, v="1")
        following = QUESTIONS[number]
        area = following.rsplit("_", 1)[0]
        assert seen[-1]["text"].startswith(say("es", "question_heading", area=data["areas"][area]["name"],
                                               area_number=str(list(data["areas"]).index(area) + 1), areas="6",
                                               number=str(number + 1), total="24"))
        assert titles(seen[-1]) == [*data["answers"], say("es", "back_button"), say("es", "later_button")]
    with session() as s:
        row = s.get(Assessment, int(ident))
        assert len(row.answers) == 23 and row.completed_at is None


def test_back_shows_the_previous_question_with_its_answer_and_a_bad_score_is_asked_again() -> None:
    user = Chat("ee-back")
    ident = button_entity(user.tap("start")[-1], 0, "ee_id")
    user.tap("answer", id=ident, q="strategy_1", v="3")
    seen = user.tap("back", id=ident, q="strategy_2")
    text = seen[-1]["text"]
    assert content("en")["areas"]["strategy"]["questions"][0]["text"] in text
    assert text.endswith(say("en", "answered_before", answer="Yes, and we review it"))
    seen = user.tap("answer", id=ident, q="strategy_2", v="7")
    assert seen[-1]["text"].startswith(say("en", "not_an_answer"))
    assert content("en")["areas"]["strategy"]["questions"][1]["text"] in seen[-1]["text"]
    with session() as s:
        assert s.get(Assessment, int(ident)).answers == {"strategy_1": 3}


def test_later_keeps_the_answers_and_continue_goes_on_where_it_stopped() -> None:
    user = Chat("ee-later")
    ident = button_entity(user.tap("start")[-1], 0, "ee_id")
    user.tap("answer", id=ident, q="strategy_1", v="2")
    seen = user.tap("later", id=ident)
    assert seen[-1]["text"] == say("en", "saved", answered="1", total="24")
    assert payloads(seen[-1]) == [chat.ee("continue"), "/help"]
    overview = user.tap()
    assert say("en", "in_progress", answered="1", total="24") in overview[-1]["text"]
    assert payloads(overview[-1])[:2] == [chat.ee("continue"), chat.ee("start")]
    seen = user.tap("continue")
    assert content("en")["areas"]["strategy"]["questions"][1]["text"] in seen[-1]["text"]


def test_the_result_on_the_local_chat_levels_why_and_the_chart_behind_a_link() -> None:
    user = Chat("ee-rest")
    seen = user.answer_all(answers_for(STRONG))
    chart_message, summary = seen
    data = content("en")["areas"]
    assert chart_message["text"] == say("en", "chart_caption")
    token = chart_message["image"].rsplit("/", 1)[1]
    assert chart_message["image"].endswith(f"/webhooks/rest/employer/{token}")
    with session() as s:
        made = files.linked_file(s, token, datetime.now(timezone.utc))
        row = store.latest_completed(s, "ee-rest")
        completed = row.completed_at
        ident = str(row.id)
    assert made.content_type == "image/png" and Image.open(io.BytesIO(made.body)).size == (720, 720)
    lines = summary["text"].split("\n\n")
    assert lines[0] == say("en", "result_heading", date=day("en", completed))
    levels = {"strategy": 2, "partnerships": 2, "curriculum": 1, "placements": 1, "recognition": 1, "quality": 1}
    assert lines[1:7] == [say("en", "result_line", area=data[a]["name"], level=f"Level {level}",
                              why=data[a]["why"][level]) for a, level in levels.items()]
    assert lines[7] == say("en", "result_summary", strong="2", areas="6")
    assert len(lines) == 8  # no previous assessment: no comparison
    assert payloads(summary) == [chat.ee("plan", id=ident), chat.ee("pdf", id=ident), chat.ee("remind", id=ident),
                                 chat.ee("outcomes"), chat.ee("start")]


def test_on_telegram_the_chart_is_a_photo_and_the_pdf_a_document_with_diacritics() -> None:
    user = Chat("ee-telegram", "ro", "telegram")
    seen = user.answer_all(answers_for(STRONG))
    photo = seen[0]["custom"]["photo"]
    assert photo["caption"] == say("ro", "chart_caption")
    assert Image.open(io.BytesIO(base64.b64decode(photo["content_base64"]))).format == "PNG"
    ident = button_entity(seen[1], 0, "ee_id")
    document = user.tap("pdf", id=ident)[0]["custom"]["document"]
    assert document["filename"].startswith("employer-engagement-") and document["filename"].endswith(".pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(base64.b64decode(
        document["content_base64"]))).pages)
    assert content("ro")["areas"]["recognition"]["name"] in text  # "Recunoașterea..." with its diacritics
    assert t("ro", "employer.pdf.plan_heading") in text


def test_a_reassessment_shows_what_changed_area_by_area() -> None:
    user = Chat("ee-again", "de")
    user.answer_all(answers_for(STRONG))
    with session() as s:
        first = store.latest_completed(s, "ee-again")
        first.completed_at -= timedelta(days=190)
        before = first.completed_at
    seen = user.tap("start")
    assert seen[-1]["text"].startswith(say("de", "start_again", date=day("de", before), total="24"))
    seen = user.answer_all(answers_for({**STRONG, "placements": 2, "strategy": 1}))
    summary = seen[-1]["text"].split("\n\n")
    short = content("de")["areas"]
    assert summary[8] == say("de", "since", date=day("de", before)) + "\n" + "\n".join([
        say("de", "change_line", area=short["strategy"]["short"], before="Stufe 2", now="Stufe 1"),
        say("de", "change_line", area=short["placements"]["short"], before="Stufe 1", now="Stufe 2")])


def test_the_plan_gives_each_weak_area_its_steps_reading_and_outcomes() -> None:
    user = Chat("ee-plan", "fr")
    ident = button_entity(user.answer_all(answers_for(STRONG))[-1], 0, "ee_id")
    seen = user.tap("plan", id=ident)
    data = content("fr")["areas"]
    weak = ["curriculum", "placements", "recognition", "quality"]
    assert seen[0]["text"] == say("fr", "plan_intro_weak", areas="4")
    assert len(seen) == 1 + len(weak) + 1
    for message, area in zip(seen[1:-1], weak, strict=True):
        parts = message["text"].split("\n\n")
        assert parts[0] == say("fr", "plan_area", area=data[area]["name"], level="Niveau 1")
        assert parts[1].splitlines()[1:] == [f"• {step}" for step in data[area]["steps"][1]]
        assert parts[3].splitlines()[1:] == [f"• {line}" for line in data[area]["outcomes"][1]]
    assert '/ask_guide{"section":"work-based-learning-quality"}' in payloads(seen[-1])
    assert '/start_course{"module":"m4","step":"4"}' in payloads(seen[-1])
    assert payloads(seen[-1])[-2:] == [chat.ee("pdf", id=ident), chat.ee("result", id=ident)]


def test_all_strong_the_plan_says_how_to_keep_it() -> None:
    user = Chat("ee-strong")
    ident = button_entity(user.answer_all({q: 3 for q in QUESTIONS})[-1], 0, "ee_id")
    seen = user.tap("plan", id=ident)
    assert seen[0]["text"] == say("en", "plan_intro_strong", areas="0")
    assert len(seen) == 1 + 6 + 1


def test_the_pdf_on_the_local_chat_is_an_expiring_link() -> None:
    user = Chat("ee-pdf-link")
    ident = button_entity(user.answer_all(answers_for(STRONG))[-1], 0, "ee_id")
    text = user.tap("pdf", id=ident)[0]["text"]
    url = text.rsplit("\n", 1)[1]
    assert text == say("en", "pdf_link", url=url, days="7")
    token = url.rsplit("/", 1)[1]
    now = datetime.now(timezone.utc)
    with session() as s:
        made = files.linked_file(s, token, now)
        assert made.content_type == "application/pdf" and made.body.startswith(b"%PDF")
        assert files.linked_file(s, token, now + timedelta(days=8)) is None
        assert files.linked_file(s, "no-such-token", now) is None


def test_an_old_answer_button_of_a_finished_assessment_changes_nothing() -> None:
    user = Chat("ee-old")
    ident = button_entity(user.answer_all(answers_for(STRONG))[-1], 0, "ee_id")
    seen = user.tap("answer", id=ident, q="strategy_1", v="0")
    assert seen[-1]["text"].startswith(say("en", "already_done"))
    with session() as s:
        assert s.get(Assessment, int(ident)).answers["strategy_1"] == 3


def test_someone_elses_assessment_is_not_found() -> None:
    owner = Chat("ee-owner")
    ident = button_entity(owner.answer_all(answers_for(STRONG))[-1], 0, "ee_id")
    seen = Chat("ee-stranger").tap("result", id=ident)
    assert seen[-1]["text"].startswith(say("en", "not_found"))
    assert chat.ee("start") in payloads(seen[-1])


def test_the_reminder_needs_a_channel_that_can_write_later_and_can_be_cancelled() -> None:
    rest = Chat("ee-remind-rest")
    ident = button_entity(rest.answer_all(answers_for(STRONG))[-1], 0, "ee_id")
    assert rest.tap("remind", id=ident)[-1]["text"] == say("en", "remind_no_channel")
    user = Chat("ee-remind", "es", "whatsapp")
    ident = button_entity(user.answer_all(answers_for(STRONG))[-1], 0, "ee_id")
    seen = user.tap("remind", id=ident)
    with session() as s:
        row = s.get(Assessment, int(ident))
        assert row.remind_at == row.completed_at + timedelta(days=182)
        when = row.remind_at
    assert seen[-1]["text"] == say("es", "remind_on", date=day("es", when))
    assert chat.ee("remind", id=ident) not in payloads(user.tap("result", id=ident)[-1])
    assert user.tap("remind", id=ident, v="0")[-1]["text"] == say("es", "remind_off")
    with session() as s:
        assert s.get(Assessment, int(ident)).remind_at is None


def test_the_learning_outcomes_matrix_can_be_browsed_area_by_area() -> None:
    user = Chat("ee-outcomes", "ro")
    data = content("ro")
    seen = user.tap("outcomes")
    assert titles(seen[0])[:6] == [data["areas"][a]["name"] for a in data["areas"]]
    seen = user.tap("outcomes", area="quality")
    parts = seen[0]["text"].split("\n\n")
    assert parts[0] == say("ro", "outcomes_heading", area=data["areas"]["quality"]["name"])
    assert parts[1] == data["levels"][1]["name"] + "\n" + "\n".join(
        f"• {line}" for line in data["areas"]["quality"]["outcomes"][1])
    assert parts[2].startswith(data["levels"][2]["name"])
    assert payloads(seen[0])[0] == chat.ee("outcomes", area="strategy")  # after the last area, the first


def test_an_encounter_is_logged_in_five_taps_and_counted_against_the_target() -> None:
    user = Chat("ee-log", "de")
    words = content("de")["encounters"]
    seen = user.tap("log")
    assert seen[0]["text"] == say("de", "log_kind")
    assert titles(seen[0]) == list(words["types"].values())
    steps = [("visit", "log_size"), ("small", "log_learners"), ("12", "log_two_way"), ("1", "log_reflection")]
    log = ""
    for value, asked in steps:
        seen = user.tap("log", log=log, v=value)
        assert seen[0]["text"] == say("de", asked)
        log = f"{log}|{value}" if log else value
    seen = user.tap("log", log=log, v="1")
    today = datetime.now(timezone.utc)
    lead = "\n".join([say("de", "logged", kind=words["types"]["visit"], size=words["sizes"]["small"],
                          learners="12", date=day("de", today)), say("de", "logged_meaningful")])
    assert seen[0]["text"] == f"{lead}\n\n{say('de', 'cohort_question')}"
    user.tap("log", log=log, v="1")  # the same tap again (an old keyboard): still one encounter
    with session() as s:
        assert s.query(Encounter).filter_by(sender_id="ee-log").count() == 1
    seen = user.tap("cohort", v="20")
    assert user.slots["employer_cohort"] == "20"
    count = store.term_count
    with session() as s:
        term = count(s, "ee-log", today.date(), 20)
    parts = seen[0]["text"].split("\n\n")
    assert parts[0] == say("de", "term_count", start=format_date(term.start, "long", locale="de"),
                           end=format_date(term.end - timedelta(days=1), "long", locale="de"), encounters="1",
                           meaningful="1", learner_encounters="12", cohort="20", per_learner="0,6")
    assert parts[1] == say("de", "term_missing", missing="8")
    assert parts[2] == words["target"]


def test_a_log_button_that_does_not_fit_starts_the_log_again() -> None:
    seen = Chat("ee-log-bad").tap("log", log="visit|huge", v="12")
    assert seen[0]["text"] == f"{say('en', 'log_not_understood')}\n\n{say('en', 'log_kind')}"
    with session() as s:
        assert s.query(Encounter).filter_by(sender_id="ee-log-bad").count() == 0


def test_the_main_menu_has_ten_entries_and_the_tools_hold_the_employer_assessment() -> None:
    assert len(MAIN_MENU) == 10
    assert ("menu.employer", "/ask_employer_engagement") in TOOLS_MENU
    from actions.conversation import ActionMenu

    messages, _ = run_action(ActionMenu(), make_tracker('/help{"menu":"tools"}', "help", ents(menu="tools"),
                                                        slots={"language": "fr"}))
    assert messages[0]["text"] == t("fr", "menu.tools_prompt")
    assert [b["payload"] for b in messages[0]["buttons"]] == [p for _, p in TOOLS_MENU]


def test_erasing_a_user_removes_their_assessments_encounters_and_links() -> None:
    user = Chat("ee-erase")
    ident = button_entity(user.answer_all(answers_for(STRONG))[-1], 0, "ee_id")
    user.tap("pdf", id=ident)  # the chart's link and the PDF's
    user.tap("log", log="talk|micro|5|1", v="0")
    from lmi4vet.privacy import PER_USER, erase_user

    assert PER_USER.index(FileLink) < PER_USER.index(Assessment)
    with session() as s:
        assert s.query(FileLink).filter_by(sender_id="ee-erase").count() == 2
        assert s.query(Encounter).filter_by(sender_id="ee-erase").count() == 1
    erase_user("ee-erase", shared_engine(_URL[0]), shared_engine(_URL[0]))
    with session() as s:
        for model in (FileLink, Assessment, Encounter):
            assert s.query(model).filter_by(sender_id="ee-erase").count() == 0
