"""Custom actions against a collecting dispatcher and hand-built trackers, in every language."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk.events import AllSlotsReset, Restarted, SlotSet

from actions.base import LocalizedAction, Reply
from actions.conversation import (
    ActionAffirm,
    ActionDeny,
    ActionFallback,
    ActionForgetMe,
    ActionGreet,
    ActionMenu,
)
from actions.language import ActionChooseLanguage
from actions.menu import MAIN_MENU
from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.i18n import t
from tests.conftest import make_tracker


def run(action: Any, dispatcher: Any, tracker: Any) -> list[dict[str, Any]]:
    return asyncio.run(action.run(dispatcher, tracker, {}))


MENU_PAYLOADS = [payload for _, payload in MAIN_MENU]


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_greeting_shows_the_menu_in_the_conversation_language(lang: str, dispatcher) -> None:
    events = run(ActionGreet(), dispatcher, make_tracker("hi", slots={"language": lang}))
    assert events == []
    [message] = dispatcher.messages
    assert message["text"].startswith(t(lang, "greet.hello"))
    assert message["text"].endswith(t(lang, "menu.prompt"))
    assert [b["payload"] for b in message["buttons"]] == MENU_PAYLOADS
    assert [b["title"] for b in message["buttons"]] == [t(lang, key) for key, _ in MAIN_MENU]


@pytest.mark.parametrize(
    ("text", "lang"), [("hola", "es"), ("bună ziua", "ro"), ("bonjour", "fr"), ("guten Tag", "de"), ("hello", "en")]
)
def test_first_message_sets_the_language(text: str, lang: str, dispatcher) -> None:
    events = run(ActionGreet(), dispatcher, make_tracker(text))
    assert SlotSet("language", lang) in events
    assert dispatcher.messages[0]["text"].startswith(t(lang, "greet.hello"))


def test_telegram_language_code_is_the_hint_for_a_payload(dispatcher) -> None:
    events = run(ActionMenu(), dispatcher, make_tracker("/help", intent="help", metadata={"language_hint": "ro"}))
    assert SlotSet("language", "ro") in events
    assert dispatcher.messages[0]["text"].startswith(t("ro", "help.intro"))


@pytest.mark.parametrize(
    ("mention", "code"), [("Deutsch", "de"), ("español", "es"), ("romana", "ro"), ("French", "fr"), ("en", "en")]
)
def test_choose_language_by_name_switches_and_pins(mention: str, code: str, dispatcher) -> None:
    tracker = make_tracker(f"in {mention} please", intent="choose_language",
                           entities=[{"entity": "language", "value": mention}], slots={"language": "en"})
    events = run(ActionChooseLanguage(), dispatcher, tracker)
    assert events[-2:] == [SlotSet("language", code), SlotSet("language_pinned", True)]
    assert dispatcher.messages[0]["text"].startswith(t(code, "language.changed"))


def test_choose_language_without_a_name_offers_the_five_languages(dispatcher) -> None:
    run(ActionChooseLanguage(), dispatcher, make_tracker("change language", intent="choose_language",
                                                         slots={"language": "fr"}))
    [message] = dispatcher.messages
    assert message["text"] == t("fr", "language.ask")
    assert [b["title"] for b in message["buttons"]] == ["English", "Español", "Română", "Français", "Deutsch"]
    assert message["buttons"][4]["payload"] == '/choose_language{"language":"de"}'


def test_unsupported_language_is_named_and_the_choices_offered(dispatcher) -> None:
    tracker = make_tracker("auf Italienisch bitte", intent="choose_language",
                           entities=[{"entity": "language", "value": "Italienisch"}], slots={"language": "de"})
    events = run(ActionChooseLanguage(), dispatcher, tracker)
    assert not [e for e in events if e.get("name") == "language"]
    assert dispatcher.messages[0]["text"] == t("de", "language.unsupported", requested="Italienisch")
    assert len(dispatcher.messages[0]["buttons"]) == 5


@pytest.mark.parametrize("intent", ["nlu_fallback", "out_of_scope"])
@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_fallback_is_polite_and_offers_the_menu(intent: str, lang: str, dispatcher) -> None:
    run(ActionFallback(), dispatcher, make_tracker("xyzzy", intent=intent, slots={"language": lang}))
    key = "fallback.out_of_scope" if intent == "out_of_scope" else "fallback.not_understood"
    [message] = dispatcher.messages
    assert message["text"].startswith(t(lang, key))
    assert [b["payload"] for b in message["buttons"]] == MENU_PAYLOADS


def test_forget_me_asks_then_erases_on_yes(dispatcher, kb_url) -> None:
    events = run(ActionForgetMe(), dispatcher, make_tracker("forget me", intent="forget_me", slots={"language": "es"}))
    assert SlotSet("pending_action", "forget_me") in events
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == ["/affirm", "/deny"]

    yes = dispatcher.__class__()
    events = run(ActionAffirm(), yes, make_tracker("si", intent="affirm",
                                                  slots={"language": "es", "pending_action": "forget_me"}))
    assert events[-2:] == [AllSlotsReset(), Restarted()]
    assert yes.messages[0]["text"] == t("es", "forget.done")
    from lmi4vet.db.engine import session_scope, shared_engine
    from lmi4vet.db.models import ErasureRequest

    with session_scope(shared_engine(kb_url)) as session:  # carried out after the turn's save (test_privacy)
        [request] = session.query(ErasureRequest).filter_by(sender_id="test-user").all()
        assert (request.status, request.source, request.verified_at) == ("pending", "chat", None)


def test_forget_me_cancelled_on_no(dispatcher) -> None:
    events = run(ActionDeny(), dispatcher, make_tracker("no", intent="deny",
                                                       slots={"language": "de", "pending_action": "forget_me"}))
    assert events == [SlotSet("pending_action", None)]
    assert dispatcher.messages[0]["text"] == t("de", "forget.cancelled")


def test_yes_without_a_question_just_continues(dispatcher) -> None:
    events = run(ActionAffirm(), dispatcher, make_tracker("ok", intent="affirm", slots={"language": "fr"}))
    assert events == []
    assert dispatcher.messages[0]["text"].startswith(t("fr", "ack.affirm"))


def test_any_other_action_drops_a_pending_question(dispatcher) -> None:
    events = run(ActionMenu(), dispatcher, make_tracker("menu", intent="help",
                                                       slots={"language": "en", "pending_action": "forget_me"}))
    assert SlotSet("pending_action", None) in events


class _Broken(LocalizedAction):
    def name(self) -> str:
        return "action_broken"

    def respond(self, reply: Reply, tracker, domain) -> list:
        raise RuntimeError("database is down")


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_an_action_error_gets_a_localized_apology(lang: str, dispatcher, caplog) -> None:
    events = run(_Broken(), dispatcher, make_tracker("hi", slots={"language": lang}))
    assert events == []
    assert dispatcher.messages[0]["text"] == t(lang, "errors.generic")
    assert "action_broken failed" in caplog.text


def test_the_action_server_registers_every_domain_action() -> None:
    import yaml
    from rasa_sdk.executor import ActionExecutor

    from lmi4vet.settings import PROJECT_ROOT

    executor = ActionExecutor()
    executor.register_package("actions")
    domain_actions = set()
    for path in (PROJECT_ROOT / "domain").glob("*.yml"):
        domain_actions |= set(yaml.safe_load(path.read_text())["actions"])
    assert domain_actions <= set(executor.actions)
    assert "action_broken" not in domain_actions
