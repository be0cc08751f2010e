"""The admin console in a real browser (Playwright driving Debian's chromium, headless), on the tracker store
and database of the running assistant after scripted conversations on both channels in several languages:
log in, filter, open a transcript, annotate, correct two misunderstood messages, export them into NLU files,
erase one user. Screenshots go to the test's var dir (paths printed)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

from lmi4vet.db.engine import make_engine, session_scope
from tests.integration.test_telegram import post as telegram_post
from tests.integration.test_telegram import update as telegram_update
from tests.integration.test_whatsapp import fields as whatsapp_fields
from tests.integration.test_whatsapp import number as whatsapp_number
from tests.integration.test_whatsapp import post as whatsapp_post
from tests.support.browser import browser_page, screenshot, served

pytestmark = pytest.mark.integration
PASSWORD = "a long admin password"


@pytest.fixture(scope="module")
def console(chromium, assistant, telegram_api, twilio_api, tmp_path_factory):  # chromium first: no server start
    from admin.app import create_app
    from admin.security import create_user

    # scripted conversations: Telegram in Spanish, WhatsApp in Romanian and German, REST in English
    chat = int(time.time() * 1000) % 10**9
    for text in ("hola", "cuál es el paro en españa", "asdkjh qwe zzz"):
        telegram_post(assistant, telegram_update(chat, "es", text=text))
    telegram_api.wait_for("sendMessage", 3, chat_id=chat)
    ro, de = whatsapp_number("+40"), whatsapp_number("+49")
    for sender, texts in ((ro, ("buna ziua", "ce meserii se cauta")), (de, ("hallo", "xqzv plmk")),):
        for text in texts:
            whatsapp_post(assistant, whatsapp_fields(sender, text))
        twilio_api.wait_for("Messages.create", len(texts), To=sender)
    rest_user = f"browser-{uuid.uuid4().hex[:8]}"
    for text in ("hello", "what is the weather in paris tomorrow", "tell me a joke"):
        assistant.say(rest_user, text)

    db_url = f"sqlite:///{assistant.var_dir / 'lmi4vet.db'}"
    with session_scope(make_engine(db_url)) as session:
        create_user(session, "admin", PASSWORD, "admin")
    nlu_dir = tmp_path_factory.mktemp("nlu")
    app = create_app(db_url, f"sqlite:///{assistant.var_dir / 'tracker.db'}", nlu_dir=nlu_dir, secret_key="browser")
    with served(app) as url, browser_page(chromium) as page:
        yield {"page": page, "url": url, "shots": assistant.var_dir / "screenshots", "nlu": nlu_dir,
               "rest_user": rest_user, "assistant": assistant}


def shot(console, name: str) -> Path:
    return screenshot(console["page"], console["shots"], name)


def test_1_login(console) -> None:
    page = console["page"]
    page.goto(console["url"] + "/conversations")
    assert "/login" in page.url
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit]")
    assert page.locator(".error").inner_text().startswith("Wrong user name or password")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/conversations")
    assert page.locator("h1").inner_text().startswith("Conversations")
    shot(console, "1-conversations")


def test_2_filtering(console) -> None:
    page = console["page"]
    page.select_option("select[name=channel]", "whatsapp")
    page.click("#filters button[type=submit]")
    rows = page.locator("table.list tbody tr")
    assert rows.count() >= 2 and all("whatsapp" in rows.nth(i).inner_text() for i in range(rows.count()))
    page.goto(console["url"] + "/conversations?q=weather")
    assert page.locator("table.list tbody tr").count() >= 1
    assert console["rest_user"][:12] in page.locator("table.list").inner_text()
    shot(console, "2-filtered")


def test_3_transcript_and_annotation(console) -> None:
    page = console["page"]
    page.click(f"text={console['rest_user'][:12]}")
    assert "what is the weather in paris tomorrow" in page.locator(".transcript").inner_text()
    assert page.locator(".transcript .nlu").count() >= 3 and page.locator(".transcript .button").count() >= 1
    page.check("input[name=reviewed]")
    page.fill("input[name=tags]", "weather, smalltalk")
    page.fill("textarea[name=note]", "users ask about the weather: add a clear out-of-scope answer")
    page.click("form.review button[type=submit]")
    assert page.locator(".flash").inner_text() == "Saved."
    assert page.locator("input[name=tags]").input_value() == "smalltalk,weather"
    shot(console, "3-transcript")


def test_4_correct_two_misunderstood_messages_and_export(console) -> None:
    page = console["page"]
    page.goto(console["url"] + "/inbox")
    rows = page.locator("table.inbox tbody tr")
    assert rows.count() >= 3  # gibberish and off-topic questions got the fallback
    assert "what is the weather in paris tomorrow" in page.locator("table.inbox").inner_text()
    shot(console, "4-inbox")
    for _ in range(2):
        page.goto(console["url"] + "/inbox")
        row = page.locator("table.inbox tbody tr").first
        row.locator("select[name=intent]").select_option("out_of_scope")
        row.locator("button[type=submit]").click()
        assert page.locator(".flash").inner_text() == "Correction saved."
    assert "Corrections not exported yet (2)" in page.content()
    page.click("button[value=nlu]")
    assert "Exported to" in page.locator(".flash").inner_text()
    written = list(console["nlu"].glob("*/corrections.yml"))
    assert written and all("- intent: out_of_scope" in p.read_text() for p in written)
    shot(console, "5-exported")


def test_5_analytics(console) -> None:
    page = console["page"]
    page.goto(console["url"] + "/analytics")
    assert page.locator("svg").count() == 5
    shot(console, "6-analytics")


def test_6_erase_one_user(console) -> None:
    import sqlite3

    page = console["page"]
    user = console["rest_user"]
    page.goto(console["url"] + f"/conversations/{user}")
    with page.expect_download() as download:
        page.click("text=Export the user's data (JSON)")
    assert user in download.value.path().read_text()
    page.click("form.danger button")
    assert page.locator(".flash").inner_text().startswith("Erased:")
    with sqlite3.connect(console["assistant"].var_dir / "tracker.db") as db:
        assert db.execute("select count(*) from events where sender_id = ?", (user,)).fetchone()[0] == 0
    shot(console, "7-erased")
