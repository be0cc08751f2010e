"""The micro-credential designer in the chat (LAB4microVET): a worksheet that follows Annex I of the Council
Recommendation on micro-credentials (2022/C 243/02) one element at a time, several drafts per user (resume,
change any element, duplicate, delete), a review against the ten principles, and the exports (PDF, ELM v3
JSON-LD, Open Badges 3.0): documents on Telegram, expiring links elsewhere.

How a message travels:

* ``action_microcred`` answers the intent ``design_microcredential`` (typed, or a button with ``mc``: what to
  do, and ``mc_draft``, ``mc_element``, ``mc_value``...): the drafts, one draft's menu, the review, exports,
  duplicate, delete; to fill in the worksheet it starts the form ``microcred_form``.
* While the form is active every message fills its one slot ``microcred_answer`` (from the text, whatever the
  intent, except the safeguarding words); ``validate_microcred_form`` reads it: an answer to the current
  element, or one of the worksheet's buttons (skip, back, save and leave, link an ESCO skill...). It empties
  the slot to go on (the form then asks again, through ``action_ask_microcred_answer``) or sets it to
  :data:`END` to finish; a button of something else (an old menu) leaves the worksheet and is answered as
  usual, and a typed question gets the guide's answer before the question is asked again.
* ``action_microcred_end`` runs when the form ends: the review once every element has been through, else "your
  draft is saved".

The worksheet answers in its draft's language (``microcred_language``), whatever language an answer is typed in.
The logic is in :mod:`lmi4vet.microcred`.
"""

from __future__ import annotations

import base64
from datetime import datetime, timezone
from functools import cache
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecutionRejected, EventType, FollowupAction, SlotSet
from sqlalchemy.orm import Session

from actions.base import Button, LocalizedAction, Reply, end_form, payload
from actions.data import entity_value, kb_session
from actions.guide import guide_text
from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.microcred import checks, drafts, files, wording
from lmi4vet.microcred import elements as el
from lmi4vet.microcred.models import Draft
from lmi4vet.microcred.skills import preferred_labels, suggest
from lmi4vet.microcred.spec import Spec
from lmi4vet.microcred.values import choice_text
from lmi4vet.settings import Settings
from lmi4vet.text import fold

INTENT = "design_microcredential"
FORM = "microcred_form"
DRAFT_SLOT, LANGUAGE_SLOT, ANSWER_SLOT, SUB_SLOT = ("microcred_draft", "microcred_language", "microcred_answer",
                                                   "microcred_sub")
END = "end"  # the answer slot's value that ends the form
GUIDE_SECTION = "micro-credentials"
ESCO_SKILL = "http://data.europa.eu/esco/skill/"
MAX_BUTTONS = 10  # WhatsApp's list picker
LIST_LIMIT = 8  # drafts listed
TOPIC = "microcred"  # last_topic
TITLE_ROOM = 40  # characters of a title on a button


def mc(do: str, **entities: str) -> str:
    """A worksheet button's payload: ``/design_microcredential{"mc":"open","mc_draft":"3"}``."""
    return payload(INTENT, mc=do, **{f"mc_{name}": value for name, value in entities.items()})


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _short(title: str) -> str:
    return title if len(title) <= TITLE_ROOM else title[:TITLE_ROOM - 1].rstrip() + "…"


def _intent(tracker: Tracker) -> str:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""


def _draft_from_slot(session: Session, tracker: Tracker, reply: Reply) -> Draft | None:
    value = str(tracker.get_slot(DRAFT_SLOT) or "")
    return drafts.get(session, int(value), reply.sender_id) if value.isdigit() else None


# -- outside the worksheet: drafts, review, exports ------------------------------------------------------------
def overview(reply: Reply, session: Session) -> list[EventType]:
    """The user's drafts as buttons (or, without drafts, what the worksheet is), with "new" and the guide."""
    found = drafts.list_drafts(session, reply.sender_id)
    more: list[Button] = [(reply.text("microcred.chat.new_button"), mc("new")),
                          (reply.text("microcred.chat.about_button"), payload("ask_guide", section=GUIDE_SECTION))]
    if not found:
        reply.send(reply.text("microcred.chat.intro"), more)
        return [SlotSet("last_topic", TOPIC)]
    shown = found[:LIST_LIMIT]
    specs = [drafts.spec_of(draft) for draft in shown]
    lines = [wording.draft_line(number, draft, spec, reply.language)
             for number, (draft, spec) in enumerate(zip(shown, specs, strict=True), start=1)]
    buttons = [(f"✏️ {_short(wording.title_of(spec))}", mc("open", draft=str(draft.id)))
               for draft, spec in zip(shown, specs, strict=True)]
    reply.send("\n".join([reply.text("microcred.chat.drafts_heading"), *lines]), [*buttons, *more])
    return [SlotSet("last_topic", TOPIC)]


def draft_menu(reply: Reply, draft: Draft, lead: str = "") -> list[EventType]:
    """Where a draft stands, with continue / review / duplicate / delete."""
    spec = drafts.spec_of(draft)
    ident = str(draft.id)
    status = wording.draft_status(draft, spec, reply.language)
    buttons: list[Button] = []
    if draft.step != drafts.REVIEW:
        buttons.append((reply.text("microcred.chat.continue_button"), mc("resume", draft=ident)))
    buttons += [(reply.text("microcred.chat.review_button"), mc("review", draft=ident)),
                (reply.text("microcred.chat.duplicate_button"), mc("duplicate", draft=ident)),
                (reply.text("microcred.chat.delete_button"), mc("delete", draft=ident)),
                (reply.text("microcred.chat.list_button"), mc("list"))]
    reply.send(f"{lead}\n\n{status}" if lead else status, buttons)
    return [SlotSet("last_topic", TOPIC)]


def open_worksheet(draft: Draft) -> list[EventType]:
    """Start (or go back to) the form at the draft's current element."""
    return [SlotSet(DRAFT_SLOT, str(draft.id)), SlotSet(LANGUAGE_SLOT, draft.language), SlotSet(ANSWER_SLOT, None),
            SlotSet(SUB_SLOT, None), SlotSet("last_topic", TOPIC), FollowupAction(FORM)]


def review_buttons(reply: Reply, draft: Draft, spec: Spec) -> list[Button]:
    ident = str(draft.id)
    buttons: list[Button] = []
    if not checks.missing_for_export(spec):
        buttons += [(reply.text("microcred.chat.pdf_button"), mc("export", draft=ident, fmt="pdf")),
                    (reply.text("microcred.chat.elm_button"), mc("export", draft=ident, fmt="elm")),
                    (reply.text("microcred.chat.badge_button"), mc("export", draft=ident, fmt="ob3")),
                    (reply.text("microcred.chat.all_button"), mc("export", draft=ident, fmt="all"))]
    buttons += [(reply.text("microcred.chat.edit_button"), mc("edit", draft=ident)),
                (reply.text("microcred.chat.list_button"), mc("list")),
                (reply.text("microcred.chat.about_button"), payload("ask_guide", section=GUIDE_SECTION))]
    return buttons


def show_review(reply: Reply, draft: Draft) -> list[EventType]:
    """Completeness, the review against the ten principles and the export buttons (texts in the draft's
    language)."""
    spec = drafts.spec_of(draft)
    parts = [wording.review(spec)]
    missing = checks.missing_for_export(spec)
    if missing:
        names = ", ".join(wording.element_name(spec.language, e) for e in missing)
        parts.append(wording.say(spec.language, "not_exportable", elements=names))
    else:
        parts.append(wording.say(spec.language, "export_intro"))
    reply.send("\n\n".join(parts), review_buttons(reply, draft, spec))
    return [SlotSet("last_topic", TOPIC), SlotSet(DRAFT_SLOT, str(draft.id))]


def edit_menu(reply: Reply, draft: Draft) -> list[EventType]:
    """Every element as a button, to change it."""
    lang = draft.language
    buttons = [(f"{number}. {wording.element_name(lang, element)}", mc("edit", draft=str(draft.id), element=element))
               for number, element in enumerate(el.IDS, start=1)]
    reply.send(wording.say(lang, "edit_prompt"), buttons)
    return []


def export(reply: Reply, tracker: Tracker, session: Session, draft: Draft, fmt: str) -> list[EventType]:
    """The files: documents on Telegram; elsewhere links under unguessable tokens that expire."""
    spec = drafts.spec_of(draft)
    lang = spec.language
    missing = checks.missing_for_export(spec)
    if missing:
        names = ", ".join(wording.element_name(lang, e) for e in missing)
        reply.send(wording.say(lang, "not_exportable", elements=names), review_buttons(reply, draft, spec))
        return []
    formats = files.FORMATS if fmt == "all" else (fmt,) if fmt in files.FORMATS else files.FORMATS
    title = wording.title_of(spec)
    captions = {"pdf": "caption_pdf", "elm": "caption_elm", "ob3": "caption_badge"}
    channel = tracker.get_latest_input_channel() or ""
    if channel == "telegram":
        for name in formats:
            made = files.render(draft, name, now=_now())
            reply.dispatcher.utter_message(json_message={"document": {
                "filename": made.filename, "content_base64": base64.b64encode(made.body).decode("ascii"),
                "caption": wording.say(lang, captions[name], title=title)}})
        return []
    route = "whatsapp" if channel == "whatsapp" else "rest"
    base = f"{Settings.from_env().public_base}/webhooks/{route}/microcred"
    names = {"pdf": "pdf_button", "elm": "elm_button", "ob3": "badge_button"}
    lines = [wording.say(lang, "links", title=title, days=str(files.LINK_LIFETIME.days))]
    for name in formats:
        token = files.create_link(session, draft, name, _now())
        label = wording.say(lang, names[name]).split(" ", 1)[-1]  # without the button's emoji
        lines.append(wording.say(lang, "link_line", name=label, url=f"{base}/{token}"))
    reply.send("\n".join(lines), [(reply.text("microcred.chat.edit_button"), mc("edit", draft=str(draft.id))),
                                  (reply.text("microcred.chat.list_button"), mc("list"))])
    return []


def delete(reply: Reply, session: Session, draft: Draft, sure: bool) -> list[EventType]:
    title = wording.title_of(drafts.spec_of(draft))
    if not sure:
        reply.send(reply.text("microcred.chat.delete_confirm", title=title), [
            (reply.text("microcred.chat.delete_yes"), mc("delete", draft=str(draft.id), value="yes")),
            (reply.text("microcred.chat.delete_no"), mc("open", draft=str(draft.id)))])
        return []
    drafts.delete(session, draft.id, reply.sender_id)
    reply.say("microcred.chat.deleted", title=title)
    return [*overview(reply, session), SlotSet(DRAFT_SLOT, None)]


class ActionMicrocred(LocalizedAction):
    """The designer outside the worksheet (see the module docstring); ``mc`` says what a button asks."""

    def name(self) -> str:
        return "action_microcred"

    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        do = entity_value(tracker, "mc")
        ident = entity_value(tracker, "mc_draft")
        with kb_session() as session:
            if do == "new":
                draft = drafts.create(session, reply.sender_id, reply.language, now=_now())
                reply.send(wording.say(draft.language, "started"))
                return open_worksheet(draft)
            if do in ("", "list") or not ident.isdigit():
                return overview(reply, session)
            draft = drafts.get(session, int(ident), reply.sender_id)
            if draft is None:
                reply.say("microcred.chat.not_found")
                return overview(reply, session)
            if do == "resume":
                return show_review(reply, draft) if draft.step == drafts.REVIEW else open_worksheet(draft)
            if do == "edit":
                element = entity_value(tracker, "mc_element")
                if element not in el.IDS:
                    return edit_menu(reply, draft)
                drafts.go_to(session, draft.id, reply.sender_id, element, now=_now())
                return open_worksheet(draft)
            if do == "review":
                drafts.go_to(session, draft.id, reply.sender_id, drafts.REVIEW, now=_now())
                return show_review(reply, draft)
            if do == "export":
                return export(reply, tracker, session, draft, entity_value(tracker, "mc_fmt"))
            if do == "duplicate":
                copy = drafts.duplicate(session, draft.id, reply.sender_id, now=_now())
                lead = reply.text("microcred.chat.duplicated", title=wording.title_of(drafts.spec_of(copy)))
                return draft_menu(reply, copy, lead)
            if do == "delete":
                return delete(reply, session, draft, entity_value(tracker, "mc_value") == "yes")
            return draft_menu(reply, draft)


# -- the worksheet (the form) ----------------------------------------------------------------------------------
def saved_notice(reply: Reply, draft: Draft, *more: Button) -> None:
    """"Your draft ... is saved (n % complete)", with a button to continue it (and ``more``)."""
    spec = drafts.spec_of(draft)
    title = wording.title_of(spec)
    reply.send(wording.say(draft.language, "left", title=title, score=str(checks.completeness(spec)[0])),
               [(wording.say(draft.language, "resume_button", title=_short(title)), mc("resume", draft=str(draft.id))),
                *more])


class WorksheetAction(LocalizedAction):
    """A form action: it answers in the draft's language."""

    def fixed_language(self, tracker: Tracker) -> str | None:
        value = tracker.get_slot(LANGUAGE_SLOT)
        return value if isinstance(value, str) and value else None


def worksheet_buttons(reply: Reply, spec: Spec, step: str, sub: str) -> list[Button]:
    """The answers to tap (choices, EQF levels, "done with the outcomes") and the way around: keep / skip,
    save and leave, back, help; at most :data:`MAX_BUTTONS` (help, then back, give way first)."""
    element = el.element(step)
    lang = spec.language
    buttons: list[Button] = []
    if sub != wording.TOWARDS and element.kind == el.CHOICE:
        for code in element.choices:
            title = wording.say(lang, "eqf_button", level=str(code)) if step == "eqf_level" else \
                choice_text(lang, step, str(code))
            buttons.append((title, mc("answer", value=str(code))))
    if sub != wording.TOWARDS and step == "outcomes" and spec.outcomes:
        buttons += [(wording.say(lang, "outcomes_done_button"), mc("done")),
                    (wording.say(lang, "outcomes_clear_button"), mc("clear"))]
    elif sub != wording.TOWARDS and checks.is_filled(spec, step):
        buttons.append((wording.say(lang, "keep_button"), mc("keep")))
    else:
        buttons.append((wording.say(lang, "skip_button"), mc("skip")))
    buttons.append((wording.say(lang, "leave_button"), mc("leave")))
    if el.previous_id(step) is not None or sub == wording.TOWARDS:
        buttons.append((wording.say(lang, "back_button"), mc("back")))
    buttons.append((wording.say(lang, "help_button"), mc("help")))
    return buttons[:MAX_BUTTONS]


class ActionAskMicrocredAnswer(WorksheetAction):
    """The form's question: the current element of the draft."""

    def name(self) -> str:
        return "action_ask_microcred_answer"

    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        with kb_session() as session:
            draft = _draft_from_slot(session, tracker, reply)
            if draft is None or draft.step not in el.IDS:  # deleted meanwhile, or at the review
                return end_form()
            spec = drafts.spec_of(draft)
            sub = str(tracker.get_slot(SUB_SLOT) or "")
            reply.send(wording.question(spec, draft.step, sub), worksheet_buttons(reply, spec, draft.step, sub))
        return []


@cache
def _leave_words() -> frozenset[str]:
    """The words that, alone, save and leave the worksheet ("menu", "salir", "ieșire"...), in every language."""
    return frozenset(" ".join(fold(word).split()) for lang in SUPPORTED_LANGUAGES
                     for word in el.content(lang)["leave_words"])


class ValidateMicrocredForm(WorksheetAction):
    """Reads each message of the worksheet (see the module docstring)."""

    def name(self) -> str:
        return "validate_microcred_form"

    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        raw = tracker.get_slot(ANSWER_SLOT)
        if raw is None or raw == END:  # the form starting: nothing to read yet
            return []
        text = str(raw)
        with kb_session() as session:
            draft = _draft_from_slot(session, tracker, reply)
            if draft is None:
                reply.say("microcred.chat.not_found")
                return self.finish()
            sub = str(tracker.get_slot(SUB_SLOT) or "")
            if text.startswith("/"):
                do = entity_value(tracker, "mc")
                if _intent(tracker) == INTENT and do:
                    return self.command(reply, tracker, session, draft, sub, do)
                return self.leave_for_other(reply, draft)
            if " ".join(fold(text).strip(" .!").split()) in _leave_words():
                return self.finish()
            if text.rstrip().endswith("?") and _intent(tracker) == "ask_guide":
                answer = guide_text(draft.language, question=text)
                if answer:
                    reply.send(f"{wording.say(draft.language, 'question_answer')}\n\n{answer}")
                    return self.again(sub)
            return self.take_answer(reply, session, draft, sub, text)

    # -- what comes next -----------------------------------------------------------------------------------
    @staticmethod
    def again(sub: str = "") -> list[EventType]:
        """Ask the (new) current element."""
        return [SlotSet(ANSWER_SLOT, None), SlotSet(SUB_SLOT, sub or None)]

    @staticmethod
    def finish() -> list[EventType]:
        """End the form (action_microcred_end then says what comes next)."""
        return [SlotSet(ANSWER_SLOT, END), SlotSet(SUB_SLOT, None)]

    @staticmethod
    def hand_over() -> list[EventType]:
        """End the form and reject its turn, so that the rules answer the message as if no form were open."""
        return [SlotSet(ANSWER_SLOT, None), SlotSet(SUB_SLOT, None), *end_form(), ActionExecutionRejected(FORM)]

    def leave_for_other(self, reply: Reply, draft: Draft) -> list[EventType]:
        """A button of something else: the draft is kept, the form ends, and the button is answered as usual."""
        saved_notice(reply, draft)
        return self.hand_over()

    def after_step(self, session: Session, draft: Draft) -> list[EventType]:
        return self.finish() if draft.step == drafts.REVIEW else self.again()

    # -- buttons -------------------------------------------------------------------------------------------
    def command(self, reply: Reply, tracker: Tracker, session: Session, draft: Draft, sub: str,
                do: str) -> list[EventType]:
        lang, step, now = draft.language, draft.step, _now()
        if do == "answer":
            return self.take_answer(reply, session, draft, sub, entity_value(tracker, "mc_value"))
        if do in ("skip", "keep"):
            if do == "skip":
                reply.send(wording.say(lang, "skipped", element=wording.element_name(lang, step)))
            if sub == wording.TOWARDS:
                drafts.go_to(session, draft.id, reply.sender_id, "stackability", now=now)
            drafts.go_next(session, draft.id, reply.sender_id, now=now)
            return self.after_step(session, draft)
        if do == "back":
            if sub != wording.TOWARDS:
                drafts.go_previous(session, draft.id, reply.sender_id, now=now)
            return self.again()
        if do == "leave":
            return self.finish()
        if do == "help":
            reply.send(guide_text(lang, section_id=GUIDE_SECTION))
            return self.again(sub)
        if do == "done" and step == "outcomes":
            if not checks.is_filled(drafts.spec_of(draft), "outcomes"):
                reply.send(wording.issue_text(lang, "errors", checks.Issue("outcomes_none")))
                return self.again()
            drafts.go_next(session, draft.id, reply.sender_id, now=now)
            return self.after_step(session, draft)
        if do == "clear" and step == "outcomes":
            drafts.clear_outcomes(session, draft.id, reply.sender_id, now=now)
            reply.send(wording.say(lang, "outcomes_cleared"))
            return self.again()
        if do == "skill":
            return self.link(reply, tracker, session, draft)
        if do == "review":
            drafts.go_to(session, draft.id, reply.sender_id, drafts.REVIEW, now=now)
            return self.finish()
        if do == "edit" and entity_value(tracker, "mc_element") in el.IDS:
            drafts.go_to(session, draft.id, reply.sender_id, entity_value(tracker, "mc_element"), now=now)
            return self.again()
        # a designer button from outside the worksheet (the drafts, an export...): leave it for action_microcred
        return self.hand_over()

    def link(self, reply: Reply, tracker: Tracker, session: Session, draft: Draft) -> list[EventType]:
        number, skill = entity_value(tracker, "mc_n"), entity_value(tracker, "mc_skill")
        spec = drafts.spec_of(draft)
        uri = ESCO_SKILL + skill
        label = preferred_labels(session, [uri], draft.language).get(uri)
        if not number.isdigit() or not 1 <= int(number) <= len(spec.outcomes) or label is None:
            return self.again()  # an outdated button: the outcome or the skill is gone
        drafts.link_skill(session, draft.id, reply.sender_id, int(number), uri, label, now=_now())
        reply.send(wording.say(draft.language, "linked", number=number, label=label))
        return self.again()

    # -- typed answers -------------------------------------------------------------------------------------
    def take_answer(self, reply: Reply, session: Session, draft: Draft, sub: str,
                    text: str) -> list[EventType]:
        lang, step, now = draft.language, draft.step, _now()
        if sub == wording.TOWARDS:
            result = drafts.save_towards(session, draft.id, reply.sender_id, text, now=now)
        elif step == "outcomes":
            return self.outcomes(reply, session, draft, text)
        else:
            stackable = step == "stackability" and \
                checks.choice_code(el.element(step), text, lang) == "stackable"
            result = drafts.save_answer(session, draft.id, reply.sender_id, step, text, now=now,
                                        advance=not stackable)
            if result.ok and stackable:
                reply.send(wording.saved_text(drafts.spec_of(draft), step))
                return self.again(wording.TOWARDS)
        feedback = wording.answer_feedback(lang, result)
        if not result.ok:
            reply.send("\n".join(feedback))
            return self.again(sub if sub == wording.TOWARDS else wording.RETRY)
        reply.send("\n".join([wording.saved_text(drafts.spec_of(draft), step), *feedback]))
        return self.after_step(session, draft)

    def outcomes(self, reply: Reply, session: Session, draft: Draft, text: str) -> list[EventType]:
        """New outcomes are added to those there are; each gets its ESCO suggestions, as buttons."""
        lang = draft.language
        before = [o.text for o in drafts.spec_of(draft).outcomes]
        new = [line for line in text.splitlines() if line.strip()] or [text]
        result = drafts.save_answer(session, draft.id, reply.sender_id, "outcomes", [*before, *new], now=_now())
        if not result.ok:
            reply.send("\n".join(wording.answer_feedback(lang, result)))
            return self.again(wording.RETRY)
        spec = drafts.spec_of(draft)
        for number in range(len(before) + 1, len(spec.outcomes) + 1):
            saved = wording.say(lang, "outcome_saved", number=str(number))
            found = suggest(session, spec.outcomes[number - 1].text, lang)
            if not found:
                reply.send(f"{saved} {wording.say(lang, 'no_suggestions', number=str(number))}")
                continue
            buttons = [(f"🔗 {s.label}", mc("skill", n=str(number), skill=s.uri.removeprefix(ESCO_SKILL)))
                       for s in found]
            reply.send(f"{saved} {wording.say(lang, 'suggestions', number=str(number))}", buttons)
        return self.again()


class ActionMicrocredEnd(WorksheetAction):
    """After the form: the review when every element has been through, else "your draft is saved"."""

    def name(self) -> str:
        return "action_microcred_end"

    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        events: list[EventType] = [SlotSet(ANSWER_SLOT, None), SlotSet(SUB_SLOT, None)]
        with kb_session() as session:
            draft = _draft_from_slot(session, tracker, reply)
            if draft is None:
                return [*events, *overview(reply, session)]
            if draft.step == drafts.REVIEW:
                return [*events, *show_review(reply, draft)]
            saved_notice(reply, draft, (wording.say(draft.language, "list_button"), mc("list")))
        return events
