"""Human handoff end to end, with the trained model, the channel stand-ins and the console in a real browser:

- a Spanish Telegram user asks for a person -> consents -> the ticket appears in the console -> an agent logs in,
  takes it, replies -> the reply reaches the Bot API stand-in -> the user answers -> the agent sees it without
  reloading -> closes -> the bot answers the next message again, with the menu;
- a WhatsApp user outside the 24-hour window: the agent is warned, the template goes out, the text follows when
  the user writes;
- safeguarding words in each language show 112 at once and open an urgent ticket.
Screenshots go to the assistant's var dir (paths printed).
"""

from __future__ import annotations

import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.db.engine import make_engine, session_scope
from lmi4vet.handoff.safeguarding import CATEGORIES
from lmi4vet.i18n import t
from tests.integration.conftest import HANDOFF_TEMPLATE_SID
from tests.integration.test_telegram import callback, chat, post, texts, update
from tests.integration.test_whatsapp import bodies, fields, number
from tests.integration.test_whatsapp import post as whatsapp_post
from tests.support.browser import browser_page, screenshot, served

pytestmark = pytest.mark.integration
PASSWORD = "a long agent password"
CASES = Path(__file__).resolve().parents[1] / "safeguarding_cases"


def db_path(assistant) -> Path:
    return assistant.var_dir / "lmi4vet.db"


def query(assistant, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(db_path(assistant)) as db:
        return db.execute(sql, args).fetchall()


def wait_rows(assistant, sql: str, *args, timeout: float = 30) -> list[tuple]:
    """Poll until ``sql`` returns rows (the worker writes in the background)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = query(assistant, sql, *args)
        if rows:
            return rows
        time.sleep(0.05)
    raise AssertionError(f"no rows for {sql} {args}")


def ticket_of(assistant, address: str) -> tuple:
    """``(id, status, urgent, risk, topic, language, channel)`` of the latest ticket of the user at ``address``."""
    return wait_rows(assistant, "select t.id, t.status, t.urgent, t.risk, t.topic, t.language, t.channel "
                                "from handoff_tickets t join channel_users u on u.sender_id = t.sender_id "
                                "where u.address = ? order by t.id desc limit 1", address)[0]


def opened_text(lang: str) -> str:
    return "\n\n".join([t(lang, "handoff.opened", team=t(lang, "handoff.team_default")),
                        t(lang, "handoff.when_open", minutes="30"), t(lang, "handoff.waiting"),
                        t(lang, "handoff.how_to_end", end_word=t(lang, "handoff.end_word"))])


@pytest.fixture(scope="module")
def console_app(assistant):
    from admin.app import create_app
    from admin.security import create_user

    db_url = f"sqlite:///{db_path(assistant)}"
    with session_scope(make_engine(db_url)) as session:
        create_user(session, "maria", PASSWORD, "agent", deployment="default")
    return create_app(db_url, f"sqlite:///{assistant.var_dir / 'tracker.db'}", secret_key="handoff",
                      assistant_url=assistant.url)


def test_a_telegram_user_talks_to_an_agent_in_the_console(chromium, assistant, telegram_api, console_app) -> None:
    shots = assistant.var_dir / "screenshots" / "handoff"
    user = chat()
    post(assistant, update(user, "es", text="hola, busco trabajo de soldador"))
    texts(telegram_api, user, 1)
    post(assistant, update(user, "es", text="quiero hablar con una persona"))
    offer = telegram_api.wait_for("sendMessage", 2, chat_id=user)[1]
    assert offer.params["text"] == t("es", "handoff.offer", team=t("es", "handoff.team_default"), channel="Telegram")
    assert [row[0]["callback_data"] for row in offer.params["reply_markup"]["inline_keyboard"]] == ["/affirm", "/deny"]
    post(assistant, callback(user, "/affirm", "es"))
    opened = telegram_api.wait_for("sendMessage", 3, chat_id=user)[2]
    assert opened.params["text"] == opened_text("es")
    assert [row[0]["callback_data"] for row in opened.params["reply_markup"]["inline_keyboard"]] == ["/handoff_end"]
    ticket_id, status, urgent, _, _, language, channel = ticket_of(assistant, str(user))
    assert (status, urgent, language, channel) == ("open", 0, "es", "telegram")

    with served(console_app) as url, browser_page(chromium) as page:
        page.goto(f"{url}/tickets")
        page.fill("input[name=username]", "maria")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/tickets")
        row = page.locator(".ticket-row", has=page.locator(f"a[href$='/tickets/{ticket_id}']"))
        assert row.count() == 1 and "telegram" in row.inner_text() and "es" in row.inner_text()
        screenshot(page, shots, "1-open-tickets")
        row.locator(f"a[href$='/tickets/{ticket_id}']").click()
        page.wait_for_url(f"**/tickets/{ticket_id}")
        page.click("#assign")
        assert page.locator("#status").inner_text().strip().lower().startswith("assigned")
        reply = "Hola, soy María, trabajadora social. ¿En qué ciudad buscas trabajo de soldador?"
        page.fill("#reply-text", reply)
        page.click("#reply-send")
        sent = telegram_api.wait_for("sendMessage", 4, chat_id=user)[3]
        assert sent.params["text"] == reply and "reply_markup" not in sent.params  # no bot menu under it
        page.locator(".msg.agent .delivery", has_text="sent").wait_for(timeout=15_000)

        post(assistant, update(user, "es", text="En Valencia. ¿Me ayudas con el CV?"))
        page.locator(".msg.user", has_text="En Valencia. ¿Me ayudas con el CV?").wait_for(timeout=15_000)  # no reload
        screenshot(page, shots, "2-conversation")
        assert len(telegram_api.calls_of("sendMessage", chat_id=user)) == 4  # the bot stayed silent

        page.fill("#close-note", "Cita concertada para revisar el CV")
        page.click("#close")
        back = telegram_api.wait_for("sendMessage", 5, chat_id=user)[4]
        assert back.params["text"] == "\n\n".join([t("es", "handoff.ended_by_agent"),
                                                   t("es", "handoff.recap", messages="2"), t("es", "menu.prompt")])
        screenshot(page, shots, "3-closed")

    post(assistant, update(user, "es", text="hola"))
    greeting = telegram_api.wait_for("sendMessage", 6, chat_id=user)[5]
    assert greeting.params["text"].startswith(t("es", "greet.hello"))
    assert "/request_human" in [r[0]["callback_data"] for r in greeting.params["reply_markup"]["inline_keyboard"]]
    assert query(assistant, "select status, closed_by, close_note, resumed_at is not null, first_reply_at is not null "
                            "from handoff_tickets where id = ?", ticket_id) == [
        ("closed", "maria", "Cita concertada para revisar el CV", 1, 1)]
    [(sender_id,)] = query(assistant, "select sender_id from handoff_tickets where id = ?", ticket_id)
    with sqlite3.connect(assistant.var_dir / "tracker.db") as tracker:
        events = [row[0] for row in tracker.execute("select type_name from events where sender_id = ? order by id",
                                                    (sender_id,))]
    assert events.count("pause") == 1 and events.count("resume") == 1 and events.index("pause") < events.index("resume")


def test_a_whatsapp_reply_outside_the_window_sends_the_template(assistant, twilio_api, console_app) -> None:
    sender = number("+34")
    whatsapp_post(assistant, fields(sender, "necesito hablar con alguien de la oficina"))
    [offer] = bodies(twilio_api, sender, 1)
    assert offer.startswith(t("es", "handoff.offer", team=t("es", "handoff.team_default"), channel="WhatsApp"))
    whatsapp_post(assistant, fields(sender, "1"))  # the numbered option "yes"
    assert bodies(twilio_api, sender, 2)[1].startswith(opened_text("es"))
    ticket_id = ticket_of(assistant, sender)[0]
    with sqlite3.connect(db_path(assistant)) as db:  # the person's last message was 25 hours ago
        db.execute("update channel_users set last_inbound_at = ? where address = ?",
                   (datetime.utcnow() - timedelta(hours=25), sender))

    client = console_app.test_client()
    login = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"username": "maria", "password": PASSWORD, "csrf_token": csrf(login)})
    page = client.get(f"/tickets/{ticket_id}").get_data(as_text=True)
    assert 'id="window-warning" role="alert">' in page  # shown (not hidden)
    token = csrf(page)
    reply = "Hola, soy Jorge. ¿Puedes venir el lunes a las 10?"
    client.post(f"/tickets/{ticket_id}/reply", data={"csrf_token": token, "text": reply})
    template = twilio_api.wait_for("Messages.create", 3, To=sender)[2]
    assert template.params.get("ContentSid") == HANDOFF_TEMPLATE_SID and not template.params.get("Body")
    assert wait_rows(assistant, "select delivery from handoff_messages where ticket_id = ? and direction = 'agent' "
                                "and delivery = 'held'", ticket_id) == [("held",)]

    whatsapp_post(assistant, fields(sender, "sí, dime"))  # the window opens again: the held text follows
    assert bodies(twilio_api, sender, 4)[3] == reply
    assert wait_rows(assistant, "select delivery from handoff_messages where ticket_id = ? and direction = 'agent' "
                                "and delivery = 'sent'", ticket_id) == [("sent",)]
    assert len(twilio_api.calls_of("Messages.create", To=sender)) == 4  # the bot said nothing itself


def csrf(page: str) -> str:
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def _one_case(lang: str, category: str) -> str:
    return yaml.safe_load((CASES / f"{lang}.yml").read_text(encoding="utf-8"))[category][0]


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_safeguarding_words_show_112_and_open_an_urgent_ticket(lang: str, assistant, telegram_api) -> None:
    category = CATEGORIES[SUPPORTED_LANGUAGES.index(lang) % len(CATEGORIES)]
    user = chat()
    post(assistant, update(user, lang, text=_one_case(lang, category)))
    first, second = texts(telegram_api, user, 2)
    assert first == t(lang, f"handoff.safeguarding_{category}") and "112" in first
    assert second.startswith(t(lang, "handoff.safeguarding_alerted", team=t(lang, "handoff.team_default")))
    _, status, urgent, risk, topic, language, _ = ticket_of(assistant, str(user))
    assert (status, urgent, risk, topic, language) == ("open", 1, category, "safeguarding", lang)


@pytest.mark.parametrize(("lang", "text"), [
    ("en", "I want to talk to someone"), ("es", "hablar con una persona"), ("ro", "vreau sa vorbesc cu cineva"),
    ("fr", "parler à un conseiller"), ("de", "mit einem Menschen sprechen")])
def test_asking_for_a_person_in_each_language_gets_the_offer(lang: str, text: str, assistant, telegram_api) -> None:
    user = chat()
    post(assistant, update(user, lang, text=text))
    [offer] = texts(telegram_api, user, 1)
    assert offer == t(lang, "handoff.offer", team=t(lang, "handoff.team_default"), channel="Telegram")
    post(assistant, update(user, lang, text="/human"))  # the command: the same offer again
    assert texts(telegram_api, user, 2)[1] == offer
