"""The micro-credential worksheet in the chat, without Rasa: the actions run as the form runs them (the answer
slot filled from the text, the validation action, then the question), with the default knowledge base for the
ESCO suggestions. Checked: every element asked in turn with its buttons, answers saved and echoed, bad input
re-asked in the draft's language, ESCO skills linked, leaving and resuming, duplicate and delete, the review,
the exports as Telegram documents and as expiring links, and what leaves the form (another menu's button, a
leave word, a question). tests/integration/test_microcred.py runs it with the trained model."""

from __future__ import annotations

import base64
import io
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from pypdf import PdfReader

from actions import microcred as chat
from actions.microcred import (
    ActionAskMicrocredAnswer,
    ActionMicrocred,
    ActionMicrocredEnd,
    ValidateMicrocredForm,
)
from lmi4vet.db.engine import session_scope, shared_engine
from lmi4vet.i18n import t
from lmi4vet.microcred import checks, drafts, files
from lmi4vet.microcred import elements as el
from lmi4vet.microcred.exports.validate import validate
from lmi4vet.microcred.models import Draft, ExportLink
from lmi4vet.microcred.skills import suggest
from tests.conftest import ents, make_tracker, run_action


def chat_text(lang: str, key: str, **params: Any) -> str:
    return t(lang, f"microcred.chat.{key}", **params)


@dataclass
class Worksheet:
    """One user's conversation with the designer: slots carried from turn to turn as Rasa would."""

    sender: str
    channel: str = "rest"
    slots: dict[str, Any] = field(default_factory=lambda: {"language": "en"})
    form_active: bool = False
    log: list[list[dict[str, Any]]] = field(default_factory=list)

    def _apply(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            if event.get("event") == "slot":
                self.slots[event["name"]] = event["value"]
            if event.get("event") == "active_loop":
                self.form_active = event.get("name") is not None

    def _tracker(self, text: str, intent: str, entities: list[dict[str, str]] | None) -> Any:
        return make_tracker(text, intent, entities, slots=self.slots, sender_id=self.sender, channel=self.channel)

    def say(self, text: str, intent: str = "design_microcredential", entities: list[dict[str, str]] | None = None,
            ) -> list[dict[str, Any]]:
        """One message: to action_microcred outside the form; inside it, as the form: the slot, the validation,
        then the question (or action_microcred_end when the form ends). The messages the user sees."""
        seen: list[dict[str, Any]] = []
        if not self.form_active:
            messages, events = run_action(ActionMicrocred(), self._tracker(text, intent, entities))
            seen += messages
            self._apply(events)
            if any(e.get("event") == "followup" and e.get("name") == "microcred_form" for e in events):
                self.form_active = True
                seen += self._ask()
            self.log.append(seen)
            return seen
        self.slots["microcred_answer"] = text
        messages, events = run_action(ValidateMicrocredForm(), self._tracker(text, intent, entities))
        seen += messages
        self._apply(events)
        if any(e.get("event") == "action_execution_rejected" for e in events):
            self.form_active = False
            seen.append({"rejected": True})
        elif self.slots.get("microcred_answer") == chat.END:
            self.form_active = False
            messages, events = run_action(ActionMicrocredEnd(), self._tracker(text, intent, entities))
            seen += messages
            self._apply(events)
        else:
            seen += self._ask()
        self.log.append(seen)
        return seen

    def tap(self, do: str, **values: str) -> list[dict[str, Any]]:
        entities = ents(mc=do, **{f"mc_{k}": v for k, v in values.items()})
        return self.say(chat.mc(do, **values), entities=entities)

    def _ask(self) -> list[dict[str, Any]]:
        messages, events = run_action(ActionAskMicrocredAnswer(), self._tracker("", "design_microcredential", []))
        self._apply(events)
        return messages

    def draft(self) -> Draft:
        with session_scope(shared_engine(_url())) as session:
            draft = session.get(Draft, int(self.slots["microcred_draft"]))
            session.expunge(draft)
            return draft


_URL: list[str] = []


def _url() -> str:
    return _URL[0]


@pytest.fixture(autouse=True)
def _kb(kb_url: str) -> None:
    _URL[:] = [kb_url]


def texts(messages: list[dict[str, Any]]) -> list[str]:
    return [m.get("text") or "" for m in messages]


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    return [(b["title"], b["payload"]) for b in message.get("buttons") or []]


def question(lang: str, step: str, spec_lang: str | None = None) -> str:
    """The first line of the question for ``step``."""
    return chat.wording.step_heading(spec_lang or lang, step)


def new_sheet(sender: str, lang: str = "fr", channel: str = "rest") -> Worksheet:
    sheet = Worksheet(sender, channel, slots={"language": lang})
    return sheet


# -- typed choices and ESCO suggestions ------------------------------------------------------------------------
@pytest.mark.parametrize(("element", "text", "lang", "code"), [
    ("participation", "blended", "en", "blended"),
    ("participation", "3", "en", "blended"),  # its number in the list shown
    ("participation", "On site", "en", "onsite"),
    ("assessment", "practical", "en", "practical_demonstration"),  # the start of a name
    ("assessment", "Démonstration pratique", "fr", "practical_demonstration"),
    ("supervision", "supervised", "en", None),  # could be two of them
    ("participation", "9", "en", None),
    ("participation", "en présentiel", "fr", "onsite"),  # the content's other words for a choice
    ("participation", "mixte", "fr", "blended"),
    ("participation", "semipresencial", "es", "blended"),  # not "presencial": whole words
    ("participation", "cu prezență fizică", "ro", "onsite"),
    ("participation", "in Präsenz vor Ort", "de", "onsite"),
    ("participation", "présentiel et distanciel", "fr", None),  # two choices: asked again
    ("participation", "sometimes", "en", None),
])
def test_a_typed_choice_is_read_by_code_number_or_name(element: str, text: str, lang: str, code: str | None) -> None:
    assert checks.choice_code(el.element(element), text, lang) == code


@pytest.mark.parametrize(("outcome", "lang", "labels"), [
    ("The learner can weld metal parts with arc welding equipment", "en",
     ["use welding equipment", "operate welding equipment", "assemble metal parts"]),
    ("L'apprenant est capable de monter des panneaux photovoltaïques sur une toiture", "fr",
     ["monter des panneaux photovoltaïques"]),
    ("Cursantul poate utiliza echipamentele de sudură în siguranță", "ro",
     ["utilizarea echipamentelor de sudură", "operarea echipamentelor de sudură"]),
    ("Die Lernenden können Photovoltaikanlagen installieren", "de", ["Photovoltaikanlagen installieren"]),
    ("El alumno es capaz de atender a personas mayores en su domicilio", "es", ["cuidar a las personas mayores"]),
    ("L'apprenant est capable de vérifier le câblage électrique", "fr",
     ["plans de câblage électrique", "schémas de câblage électrique"]),  # not "électronique": one word, a typo off
    ("The learner can", "en", []),  # nothing but the prefix
])
def test_esco_skills_are_suggested_from_an_outcomes_words(kb_session, outcome: str, lang: str,
                                                          labels: list[str]) -> None:
    found = suggest(kb_session, outcome, lang)
    assert [s.label for s in found] == labels
    assert all(s.uri.startswith("http://data.europa.eu/esco/skill/") for s in found)


# -- the worksheet ---------------------------------------------------------------------------------------------
def test_a_whole_worksheet_in_french_with_bad_input_re_asked(kb_url) -> None:
    sheet = new_sheet("mc-fr-1", "fr")
    first = sheet.say("je veux créer une microcertification")
    assert first[0]["text"] == chat_text("fr", "intro")  # no drafts yet
    assert next(p for _, p in buttons(first[0])) == chat.mc("new")
    started = sheet.tap("new")
    assert texts(started)[0] == chat_text("fr", "started")
    assert texts(started)[1].startswith(question("fr", "title"))
    assert sheet.slots["microcred_language"] == "fr"

    saved = sheet.say("Installation de systèmes photovoltaïques en toiture")
    assert texts(saved)[0] == chat_text("fr", "saved", value="Installation de systèmes photovoltaïques en toiture")
    assert texts(saved)[1].startswith(question("fr", "countries"))
    assert texts(sheet.say("Roumanie, France"))[0] == chat_text("fr", "saved", value="Roumanie, France")
    assert texts(sheet.say("Lycée professionnel Jean Moulin, Lyon"))[1].startswith(question("fr", "outcomes"))

    # an empty outcome, then one without an action verb: re-asked, nothing saved
    assert texts(sheet.say("-"))[0] == chat_text("fr", "errors.outcome_empty", index=1)
    assert texts(sheet.say("Les panneaux solaires"))[0] == chat_text("fr", "errors.outcome_no_action_verb", index=1)
    assert sheet.draft().spec["outcomes"] == []
    added = sheet.say("L'apprenant est capable de monter des panneaux photovoltaïques sur une toiture\n"
                      "L'apprenant est capable de vérifier le câblage électrique")
    assert texts(added)[0].startswith(chat_text("fr", "outcome_saved", number="1"))
    assert texts(added)[1].startswith(chat_text("fr", "outcome_saved", number="2"))
    asked = added[-1]
    assert asked["text"].startswith(question("fr", "outcomes"))
    assert "1. L'apprenant est capable de monter des panneaux photovoltaïques sur une toiture" in asked["text"]
    assert texts(added)[0] == " ".join([chat_text("fr", "outcome_saved", number="1"),
                                        chat_text("fr", "suggestions", number="1")])
    assert [title for title, _ in buttons(added[0])] == ["🔗 monter des panneaux photovoltaïques"]
    tapped = buttons(added[0])[0][1]
    payload = json.loads(tapped[tapped.index("{"):])
    assert (payload["mc"], payload["mc_n"]) == ("skill", "1")
    linked = sheet.tap("skill", n="1", skill=payload["mc_skill"])
    assert texts(linked)[0] == chat_text("fr", "linked", number="1", label="monter des panneaux photovoltaïques")
    assert chat_text("fr", "outcome_skills", skills="monter des panneaux photovoltaïques") in texts(linked)[1]
    uri = "http://data.europa.eu/esco/skill/" + payload["mc_skill"]
    assert sheet.draft().spec["outcomes"][0]["esco"] == [{"uri": uri, "label": "monter des panneaux photovoltaïques"}]
    assert texts(sheet.tap("done"))[0].startswith(question("fr", "workload"))

    again = texts(sheet.say("abc"))
    assert again[0] == chat_text("fr", "errors.not_a_number", value="abc")
    assert again[1] == f"{question('fr', 'workload')}\n\n{chat_text('fr', 'type_answer')}"  # short: no example again
    workload = texts(sheet.say("60 heures, 2 ECTS"))
    assert workload[0].startswith(chat_text("fr", "saved", value="60 heures · 2 crédits ECTS"))
    assert workload[1].startswith(question("fr", "eqf_level"))
    eqf_question = sheet.log[-1][-1]
    assert [title for title, _ in buttons(eqf_question)][:8] == [chat_text("fr", "eqf_button", level=str(n))
                                                                 for n in range(1, 9)]
    assert texts(sheet.say("9"))[0] == chat_text("fr", "errors.eqf_out_of_range", value=9, min=1, max=8)
    assert texts(sheet.tap("answer", value="4"))[1].startswith(question("fr", "assessment"))
    assert texts(sheet.tap("answer", value="practical_demonstration"))[1].startswith(question("fr", "participation"))
    assert texts(sheet.say("mixte"))[1].startswith(question("fr", "quality_assurance"))
    assert texts(sheet.say("Démarche qualité interne conforme à Qualiopi"))[1].startswith(
        question("fr", "prerequisites"))
    for _ in ("prerequisites", "supervision", "grading"):
        sheet.tap("skip")
    stack = sheet.tap("answer", value="stackable")
    assert stack[-1]["text"].endswith(chat_text("fr", "towards_prompt"))
    assert texts(sheet.say("Bloc de compétences 2 du bac pro MELEC"))[1].startswith(
        question("fr", "further_information"))
    review = sheet.say("Conçu avec trois installateurs locaux")
    assert texts(review)[0].startswith(chat_text("fr", "saved", value="Conçu avec trois installateurs locaux"))
    assert review[1]["text"].startswith(chat_text("fr", "review_heading",
                                                  title="Installation de systèmes photovoltaïques en toiture",
                                                  score="88"))
    assert chat_text("fr", "export_intro") in review[1]["text"]
    assert not sheet.form_active and sheet.draft().step == drafts.REVIEW
    spec = drafts.spec_of(sheet.draft())
    assert (spec.countries, spec.workload_hours, spec.ects, spec.eqf_level, spec.participation,
            spec.stackability, spec.stackable_towards) == (["RO", "FR"], 60, 2.0, 4, "blended", "stackable",
                                                           "Bloc de compétences 2 du bac pro MELEC")


def test_a_german_draft_answers_in_german_whatever_the_answer_is_typed_in(kb_url) -> None:
    sheet = new_sheet("mc-de-1", "de")
    sheet.tap("new")
    sheet.slots["language"] = "en"  # the conversation moved to English meanwhile
    reply = sheet.say("Solar panel installation")
    assert texts(reply)[0] == chat_text("de", "saved", value="Solar panel installation")
    assert texts(reply)[1].startswith(question("de", "countries"))


def test_leaving_and_resuming_keeps_the_draft_where_it_was(kb_url) -> None:
    sheet = new_sheet("mc-leave", "en")
    sheet.tap("new")
    sheet.say("Welding basics")
    left = sheet.tap("leave")
    assert texts(left)[0] == chat_text("en", "left", title="Welding basics", score="9")
    assert not sheet.form_active
    listed = sheet.say("my micro-credentials")
    assert listed[0]["text"].splitlines()[0] == chat_text("en", "drafts_heading")
    opened = sheet.tap("open", draft=sheet.slots["microcred_draft"])
    assert opened[0]["text"] == chat_text("en", "draft_status", title="Welding basics", score="9", step="2",
                                          steps="14", element="Country of the issuer")
    resumed = sheet.tap("resume", draft=sheet.slots["microcred_draft"])
    assert resumed[0]["text"].startswith(question("en", "countries"))
    # a leave word typed alone saves and leaves too
    assert texts(sheet.say("menu", intent="help"))[0].startswith(chat_text("en", "left", title="Welding basics",
                                                                           score="9"))


def test_another_menus_button_leaves_the_worksheet_for_that_answer(kb_url) -> None:
    sheet = new_sheet("mc-other", "en")
    sheet.tap("new")
    reply = sheet.say("/ask_indicator", intent="ask_indicator")
    assert reply[-1] == {"rejected": True}  # the form's turn is rejected: the rules answer /ask_indicator
    assert texts(reply)[0].startswith(chat_text("en", "left", title=chat_text("en", "untitled"), score="0"))
    assert sheet.slots["microcred_answer"] is None


def test_a_question_gets_the_guides_answer_and_the_element_again(kb_url) -> None:
    sheet = new_sheet("mc-question", "en")
    sheet.tap("new")
    reply = sheet.say("what is stackability?", intent="ask_guide")
    assert texts(reply)[0].startswith(chat_text("en", "question_answer"))
    assert texts(reply)[1].startswith(question("en", "title"))
    assert drafts.spec_of(sheet.draft()).title == ""


def test_back_skip_and_the_buttons_of_each_element(kb_url) -> None:
    sheet = new_sheet("mc-nav", "en")
    first = sheet.tap("new")[-1]
    titles = [title for title, _ in buttons(first)]
    assert titles == [chat_text("en", "skip_button"), chat_text("en", "leave_button"), chat_text("en", "help_button")]
    sheet.tap("skip")
    assert texts(sheet.tap("back"))[0].startswith(question("en", "title"))
    sheet.say("Care at home")
    again = sheet.tap("back")[0]
    assert chat_text("en", "current", value="Care at home") in again["text"]
    assert next(title for title, _ in buttons(again)) == chat_text("en", "keep_button")
    assert texts(sheet.tap("keep"))[0].startswith(question("en", "countries"))


def test_duplicate_and_delete(kb_url) -> None:
    sheet = new_sheet("mc-dup", "en")
    sheet.tap("new")
    sheet.say("Forklift safety")
    sheet.tap("leave")
    original = sheet.slots["microcred_draft"]
    copy = sheet.tap("duplicate", draft=original)
    assert copy[0]["text"].startswith(chat_text("en", "duplicated", title="Forklift safety (copy)"))
    confirm = sheet.tap("delete", draft=original)
    assert confirm[0]["text"] == chat_text("en", "delete_confirm", title="Forklift safety")
    gone = sheet.tap("delete", draft=original, value="yes")
    assert gone[0]["text"] == chat_text("en", "deleted", title="Forklift safety")
    assert "Forklift safety (copy)" in gone[1]["text"] and "1. Forklift safety (copy)" in gone[1]["text"]
    # another user's draft is not found
    stranger = new_sheet("mc-stranger", "en")
    assert texts(stranger.tap("open", draft=original))[0] == chat_text("en", "not_found")


# -- exports ---------------------------------------------------------------------------------------------------
def filled_draft(sender: str, lang: str = "ro") -> int:
    with session_scope(shared_engine(_url())) as session:
        draft = drafts.create(session, sender, lang, now=datetime.now(timezone.utc))
        answers = {"title": "Instalarea sistemelor fotovoltaice pe acoperiș", "countries": "România",
                   "awarding_body": "Liceul Tehnologic „Ștefan Procopiu”, Iași",
                   "outcomes": "Cursantul poate instala panouri fotovoltaice pe acoperiș", "workload": "50 de ore",
                   "eqf_level": "4", "assessment": "practical_demonstration", "participation": "onsite",
                   "quality_assurance": "Asigurarea internă a calității, conform ARACIP"}
        for element, value in answers.items():
            assert drafts.save_answer(session, draft.id, sender, element, value, now=datetime.now(timezone.utc)).ok
        return draft.id


def test_exports_on_telegram_are_three_documents_that_read_back(kb_url) -> None:
    draft_id = filled_draft("mc-export-tg")
    sheet = Worksheet("mc-export-tg", "telegram", slots={"language": "ro"})
    sent = sheet.tap("export", draft=str(draft_id), fmt="all")
    documents = [m["custom"]["document"] for m in sent]
    assert [d["filename"] for d in documents] == [
        "instalarea-sistemelor-fotovoltaice-pe-acoperis.pdf",
        "instalarea-sistemelor-fotovoltaice-pe-acoperis-elm.jsonld",
        "instalarea-sistemelor-fotovoltaice-pe-acoperis-openbadge.json"]
    pdf = PdfReader(io.BytesIO(base64.b64decode(documents[0]["content_base64"])))
    text = " ".join(page.extract_text() for page in pdf.pages)
    assert "Instalarea sistemelor fotovoltaice pe acoperiș" in text and "„Ștefan Procopiu”" in text
    assert validate(json.loads(base64.b64decode(documents[1]["content_base64"])), "elm") == []
    assert validate(json.loads(base64.b64decode(documents[2]["content_base64"])), "ob3") == []
    assert documents[0]["caption"] == chat_text("ro", "caption_pdf",
                                                title="Instalarea sistemelor fotovoltaice pe acoperiș")


def test_exports_elsewhere_are_expiring_links_to_the_draft_as_it_is(kb_url) -> None:
    from bot.common import microcred_file

    draft_id = filled_draft("mc-export-wa")
    sheet = Worksheet("mc-export-wa", "whatsapp", slots={"language": "ro"})
    message = sheet.tap("export", draft=str(draft_id), fmt="pdf")[0]
    lines = message["text"].splitlines()
    assert lines[0] == chat_text("ro", "links", title="Instalarea sistemelor fotovoltaice pe acoperiș", days="7")
    url = lines[1].rsplit(" ", 1)[-1]
    assert "/webhooks/whatsapp/microcred/" in url
    token = url.rsplit("/", 1)[-1]
    engine = shared_engine(_url())
    found = microcred_file(engine, token)
    assert found.content_type == "application/pdf" and found.body.startswith(b"%PDF")
    with session_scope(engine) as session:
        link = session.get(ExportLink, token)
        link.expires_at = datetime.utcnow() - timedelta(seconds=1)
    assert microcred_file(engine, token) is None  # expired
    assert microcred_file(engine, "not-a-token") is None
    with session_scope(engine) as session:
        assert drafts.delete(session, draft_id, "mc-export-wa")
    with session_scope(engine) as session:
        assert session.get(ExportLink, token) is None  # the draft's links went with it


def test_a_draft_that_cannot_be_exported_yet_says_what_is_missing(kb_url) -> None:
    sheet = new_sheet("mc-empty", "es")
    sheet.tap("new")
    sheet.tap("leave")
    reply = sheet.tap("export", draft=sheet.slots["microcred_draft"], fmt="pdf")
    names = ", ".join(chat.wording.element_name("es", e) for e in checks.EXPORT_NEEDS)
    assert reply[0]["text"] == chat_text("es", "not_exportable", elements=names)


def test_erasure_takes_the_drafts_and_their_links(kb_url) -> None:
    from lmi4vet.privacy import erase_user

    draft_id = filled_draft("mc-erase")
    engine = shared_engine(_url())
    with session_scope(engine) as session:
        files.create_link(session, session.get(Draft, draft_id), "elm", datetime.now(timezone.utc))
    from sqlalchemy import create_engine

    counts = erase_user("mc-erase", db=engine, tracker=create_engine("sqlite://"))
    assert (counts["microcred_drafts"], counts["microcred_links"]) == (1, 1)
