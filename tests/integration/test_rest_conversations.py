"""End-to-end conversations through the REST channel with the real trained model, in all five languages."""

from __future__ import annotations

import hashlib
import uuid

import pytest

from actions.menu import MAIN_MENU
from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.i18n import t

pytestmark = pytest.mark.integration

MENU_PAYLOADS = [payload for _, payload in MAIN_MENU]

GREETINGS = {"en": "hello there", "es": "hola buenas", "ro": "buna ziua", "fr": "bonjour", "de": "guten morgen"}
HELP = {"en": "what can you do?", "es": "que puedes hacer?", "ro": "ce poti face?", "fr": "tu peux faire quoi ?",
        "de": "was kannst du alles?"}
SWITCH = {"en": "in english please", "es": "en español por favor", "ro": "pe română te rog",
          "fr": "en français s'il vous plaît", "de": "auf deutsch bitte"}
OFF_TOPIC = {"en": "who will win the football match tonight", "es": "quien gana el partido de futbol esta noche",
             "ro": "cine castiga meciul de fotbal diseara", "fr": "qui va gagner le match de foot ce soir",
             "de": "wer gewinnt heute abend das fussballspiel"}


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:10]}"


def only(messages: list[dict]) -> dict:
    assert len(messages) == 1, messages
    return messages[0]


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_greeting_answers_in_the_users_language_with_the_menu(assistant, lang: str) -> None:
    reply = only(assistant.say(new_sender(), GREETINGS[lang]))
    assert reply["text"].startswith(t(lang, "greet.hello"))
    assert [b["payload"] for b in reply["buttons"]] == MENU_PAYLOADS
    assert [b["title"] for b in reply["buttons"]] == [t(lang, key) for key, _ in MAIN_MENU]


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_help_shows_the_menu(assistant, lang: str) -> None:
    sender = new_sender()
    assistant.say(sender, GREETINGS[lang])
    reply = only(assistant.say(sender, HELP[lang]))
    assert reply["text"].startswith(t(lang, "help.intro"))
    assert [b["payload"] for b in reply["buttons"]] == MENU_PAYLOADS


@pytest.mark.parametrize("target", SUPPORTED_LANGUAGES)
def test_switching_language_by_asking_in_that_language(assistant, target: str) -> None:
    start = "de" if target == "en" else "en"
    sender = new_sender()
    assistant.say(sender, GREETINGS[start])
    reply = only(assistant.say(sender, SWITCH[target]))
    assert reply["text"].startswith(t(target, "language.changed"))
    follow_up = only(assistant.say(sender, "ok"))
    assert follow_up["text"].startswith(t(target, "ack.affirm"))
    assert assistant.tracker(sender)["slots"]["language"] == target


def test_switching_language_from_the_menu(assistant) -> None:
    sender = new_sender()
    assistant.say(sender, GREETINGS["en"])
    choices = only(assistant.say(sender, "/choose_language"))
    assert choices["text"] == t("en", "language.ask")
    romanian = next(b for b in choices["buttons"] if b["title"] == "Română")
    reply = only(assistant.say(sender, romanian["payload"]))
    assert reply["text"].startswith(t("ro", "language.changed"))


def test_asking_for_german_in_english(assistant) -> None:
    sender = new_sender()
    assistant.say(sender, GREETINGS["en"])
    reply = only(assistant.say(sender, "can you speak German please"))
    assert reply["text"].startswith(t("de", "language.changed"))


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_off_topic_gets_a_polite_localized_fallback_with_the_menu(assistant, lang: str) -> None:
    sender = new_sender()
    assistant.say(sender, GREETINGS[lang])
    reply = only(assistant.say(sender, OFF_TOPIC[lang]))
    assert reply["text"] == f"{t(lang, 'fallback.out_of_scope')}\n\n{t(lang, 'menu.prompt')}"  # not "not understood"
    assert [b["payload"] for b in reply["buttons"]] == MENU_PAYLOADS


@pytest.mark.parametrize("text", ["🙂🙂", "qwrtzp xkcd vbnm", "x" * 5000, "?!", "1"])
def test_nonsense_never_goes_unanswered_and_never_flips_the_language(assistant, text: str) -> None:
    sender = new_sender()
    assistant.say(sender, GREETINGS["fr"])
    replies = assistant.say(sender, text)
    assert replies and all(r.get("text") for r in replies)
    assert assistant.tracker(sender)["slots"]["language"] == "fr"


def test_language_is_sticky_across_short_messages(assistant) -> None:
    sender = new_sender()
    assistant.say(sender, "ce meserii se cauta in romania")
    for text in ("ok", "👍", "Rumänien", "2"):
        replies = assistant.say(sender, text)
        assert replies
        assert assistant.tracker(sender)["slots"]["language"] == "ro"


def test_forget_me_confirms_then_erases_the_conversation(assistant) -> None:
    sender = new_sender()
    assistant.say(sender, GREETINGS["de"])
    question = only(assistant.say(sender, "lösch bitte meine daten"))
    assert question["text"] == t("de", "forget.confirm")
    done = only(assistant.say(sender, question["buttons"][0]["payload"]))
    assert done["text"] == t("de", "forget.done")
    import sqlite3

    # The REST channel answers after Rasa has saved the turn, and the erasure follows that save: no waiting.
    with sqlite3.connect(assistant.var_dir / "tracker.db") as db:
        assert db.execute("select count(*) from events where sender_id = ?", (sender,)).fetchone()[0] == 0
    with sqlite3.connect(assistant.var_dir / "lmi4vet.db") as db:
        assert db.execute("select status, source from erasures where sender_digest = ?",
                          (hashlib.sha256(sender.encode()).hexdigest(),)).fetchall() == [("verified", "chat")]


def test_conversations_are_stored_in_the_sqlite_tracker_store(assistant) -> None:
    import sqlite3

    sender = new_sender()
    assistant.say(sender, GREETINGS["en"])
    with sqlite3.connect(assistant.var_dir / "tracker.db") as db:
        count = db.execute("select count(*) from events where sender_id = ?", (sender,)).fetchone()[0]
    assert count >= 3


def test_built_menu_entries_answer_in_the_users_language(assistant) -> None:
    sender = new_sender()
    assistant.say(sender, GREETINGS["ro"])
    figures = only(assistant.say(sender, "/ask_indicator"))
    assert figures["text"] == t("ro", "figures.which_indicator", place="UE-27")
    jobs = only(assistant.say(sender, "/ask_in_demand_occupations"))
    assert "EURES" in jobs["text"] and jobs["text"].endswith(t("ro", "in_demand.tap_for_skills"))
    skills = only(assistant.say(sender, "/ask_occupation_skills"))
    assert skills["text"] == t("ro", "skills.ask")
