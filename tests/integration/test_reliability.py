"""Nothing lost, nothing twice, erasure that holds — against the real assistant, with real crashes.

Each test runs its own assistant (``python -m lmi4vet.launcher serve``) with the Telegram and WhatsApp
channels on the stand-ins, kills what it needs with SIGKILL, and restarts on the same var directory.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from twilio.request_validator import RequestValidator

from bot.store import sender_id_for
from lmi4vet.i18n import t
from tests.integration.conftest import (
    TELEGRAM_SECRET,
    TELEGRAM_TOKEN,
    TWILIO_FROM,
    TWILIO_PUBLIC_URL,
    TWILIO_SID,
    TWILIO_TOKEN,
    RunningAssistant,
)
from tests.integration.test_telegram import post, update

pytestmark = pytest.mark.integration
_numbers = itertools.count(int(time.time()) % 10_000_000)
SLOW_STORE = {"TRACKER_STORE_CLASS": "tests.support.slow_store.SlowTrackerStore", "SLOW_SAVE_SECONDS": "4"}


def channel_env(telegram_api, twilio_api, **extra: str) -> dict[str, str]:
    extra.setdefault("APOLOGY_AFTER_SECONDS", "15")  # a slow first turn on a busy machine is no fault here
    return dict(TELEGRAM_TOKEN=TELEGRAM_TOKEN, TELEGRAM_SECRET_TOKEN=TELEGRAM_SECRET, TELEGRAM_MODE="webhook",
                TELEGRAM_API_BASE_URL=telegram_api.base_url, TELEGRAM_PUBLIC_URL="",
                TWILIO_ACCOUNT_SID=TWILIO_SID, TWILIO_AUTH_TOKEN=TWILIO_TOKEN, TWILIO_WHATSAPP_FROM=TWILIO_FROM,
                TWILIO_WEBHOOK_URL=TWILIO_PUBLIC_URL, TWILIO_API_BASE_URL=twilio_api.base_url,
                TWILIO_QUICK_REPLY_SID="", TWILIO_LIST_PICKER_SID="", TWILIO_REENGAGE_SID="", CHANNEL_REDIS_URL="",
                **extra)


def child(running: RunningAssistant, marker: str) -> int:
    """The pid of the launcher's child whose command line contains ``marker`` ("rasa run", "rasa_sdk")."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == running.process.pid and marker in cmdline:
            return int(entry.name)
    raise AssertionError(f"no child process {marker!r} of the launcher")


def kill(pid: int) -> None:
    """SIGKILL, and wait until the process is gone."""
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        try:
            if (Path(f"/proc/{pid}") / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                break  # a zombie: dead, waiting for its parent
        except OSError:
            break
        time.sleep(0.05)


def inbox_rows(var_dir: Path) -> list[tuple]:
    with sqlite3.connect(var_dir / "lmi4vet.db") as db:
        return db.execute("select id, channel, status, outcome, attempts from inbox order by id").fetchall()


def wait_done(var_dir: Path, count: int, timeout: float = 60) -> list[tuple]:
    """Wait until ``count`` inbox messages are done; return the inbox."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = inbox_rows(var_dir)
        if sum(1 for row in rows if row[2] == "done") >= count:
            return rows
        time.sleep(0.05)
    raise AssertionError(f"expected {count} done messages, inbox: {inbox_rows(var_dir)}")


def outbox_sent(var_dir: Path, count: int, timeout: float = 30) -> None:
    """Wait until ``count`` replies are recorded as sent (with the provider's id) in the outbox."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sqlite3.connect(var_dir / "lmi4vet.db") as db:
            if db.execute("select count(*) from outbox where status = 'sent' and provider_id is not null"
                          ).fetchone()[0] >= count:
                return
        time.sleep(0.01)
    raise AssertionError(f"fewer than {count} replies recorded as sent")


def user_turns(var_dir: Path, sender_id: str) -> list[str]:
    with sqlite3.connect(var_dir / "tracker.db") as db:
        rows = db.execute("select data from events where sender_id = ? and type_name = 'user' order by id",
                          (sender_id,)).fetchall()
    return [json.loads(row[0]).get("message_id") for row in rows]


def post_whatsapp(assistant, number: str, body: str, sid: str) -> requests.Response:
    fields = {"MessageSid": sid, "SmsMessageSid": sid, "AccountSid": TWILIO_SID, "From": number, "To": TWILIO_FROM,
              "Body": body, "NumMedia": "0", "ProfileName": "Ana", "WaId": number.split("+")[1]}
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(TWILIO_PUBLIC_URL, fields)
    return requests.post(f"{assistant.url}/webhooks/whatsapp/webhook", data=fields,
                         headers={"X-Twilio-Signature": signature}, timeout=30)


@pytest.fixture
def started(tmp_path: Path) -> Iterator[list[RunningAssistant]]:
    """Assistants a test starts; whatever still runs at the end is stopped."""
    running: list[RunningAssistant] = []
    yield running
    for assistant in running:
        if assistant.process.poll() is None:
            assistant.stop()


def test_a_reply_sent_before_a_crash_is_not_sent_again(tmp_path, started, telegram_api, twilio_api) -> None:
    """Rasa is killed after the reply went out but before the turn was saved: after the restart the turn is
    run again, and the reply it already sent is not sent a second time."""
    env = channel_env(telegram_api, twilio_api, **SLOW_STORE)
    first = RunningAssistant(tmp_path, env)
    started.append(first)
    chat_id = 900_000_000 + next(_numbers)
    assert post(first.assistant, update(chat_id, "es", text="hola buenas")).status_code == 200
    [reply] = telegram_api.wait_for("sendMessage", chat_id=chat_id, timeout=60)
    outbox_sent(tmp_path, 1)
    kill(child(first, "rasa run"))  # the save takes 4 s: the turn is not in the tracker yet
    assert first.stop() is not None
    sender = sender_id_for("telegram", str(chat_id), (tmp_path / "secret.key").read_text().encode())
    assert user_turns(tmp_path, sender) == []
    second = RunningAssistant(tmp_path, channel_env(telegram_api, twilio_api))
    started.append(second)
    [(inbox_id, channel, status, outcome, attempts)] = wait_done(tmp_path, 1)
    assert (channel, status, outcome, attempts) == ("telegram", "done", "answered", 2)
    assert user_turns(tmp_path, sender) == [f"inbox-telegram-{inbox_id}"]  # saved once, by the second attempt
    assert telegram_api.calls_of("sendMessage", chat_id=chat_id) == [reply]
    assert reply.params["text"].startswith(t("es", "greet.hello"))


def test_a_message_acknowledged_before_a_crash_is_answered_once_after_restart(tmp_path, started, telegram_api,
                                                                            twilio_api) -> None:
    """The action server hangs (SIGSTOP), so Rasa cannot answer; Rasa is killed. The provider got its 200
    already and will not send the message again: the restarted assistant answers it, exactly once."""
    first = RunningAssistant(tmp_path, channel_env(telegram_api, twilio_api, APOLOGY_AFTER_SECONDS="30"))
    started.append(first)
    number = f"whatsapp:+4079{next(_numbers):07d}"
    actions = child(first, "rasa_sdk")
    os.kill(actions, signal.SIGSTOP)
    try:
        response = post_whatsapp(first.assistant, number, "salut, ce faci?", "SM" + "c" * 32)
        assert response.status_code == 200
        assert [row[2] for row in inbox_rows(tmp_path)] == ["pending"]  # stored before the 200
        kill(child(first, "rasa run"))
    finally:
        os.kill(actions, signal.SIGCONT)
    first.stop()
    assert twilio_api.calls_of("Messages.create", To=number) == []
    second = RunningAssistant(tmp_path, channel_env(telegram_api, twilio_api))
    started.append(second)
    [(_, _, status, outcome, _)] = wait_done(tmp_path, 1)
    assert (status, outcome) == ("done", "answered")
    [reply] = twilio_api.wait_for("Messages.create", To=number)
    assert reply.params["Body"].startswith(t("ro", "greet.hello"))
    # the same delivery again (Twilio retrying) changes nothing
    assert post_whatsapp(second.assistant, number, "salut, ce faci?", "SM" + "c" * 32).status_code == 200
    assert len(inbox_rows(tmp_path)) == 1 and len(twilio_api.calls_of("Messages.create", To=number)) == 1


def test_the_action_server_down_gets_a_localized_apology(tmp_path, started, telegram_api, twilio_api) -> None:
    running = RunningAssistant(tmp_path, channel_env(telegram_api, twilio_api))
    started.append(running)
    kill(child(running, "rasa_sdk"))
    chat_id = 910_000_000 + next(_numbers)
    posted = time.monotonic()
    assert post(running.assistant, update(chat_id, "de", text="hallo zusammen")).status_code == 200
    [apology] = telegram_api.wait_for("sendMessage", chat_id=chat_id, timeout=10)
    print(f"apology {apology.at - posted:.2f} s after the webhook")
    assert apology.params["text"] == t("de", "errors.unavailable")
    assert [row[2:4] for row in wait_done(tmp_path, 1)] == [("done", "apology")]


def test_a_hanging_action_server_gets_an_apology_within_two_seconds(tmp_path, started, telegram_api,
                                                                    twilio_api) -> None:
    running = RunningAssistant(tmp_path, channel_env(telegram_api, twilio_api, TURN_TIMEOUT_SECONDS="6",
                                                     APOLOGY_AFTER_SECONDS="2"))
    started.append(running)
    actions = child(running, "rasa_sdk")
    os.kill(actions, signal.SIGSTOP)
    chat_id = 920_000_000 + next(_numbers)
    try:
        posted = time.monotonic()
        assert post(running.assistant, update(chat_id, "fr", text="bonjour")).status_code == 200
        [apology] = telegram_api.wait_for("sendMessage", chat_id=chat_id, timeout=10)
        print(f"apology {apology.at - posted:.2f} s after the webhook")
        assert apology.params["text"] == t("fr", "errors.slow")
        assert apology.at - posted < 2.0 + 1.0  # 2 s as configured, plus the turn's own start
        [(_, _, status, outcome, _)] = wait_done(tmp_path, 1, timeout=30)
        assert (status, outcome) == ("done", "timeout")
    finally:
        os.kill(actions, signal.SIGCONT)
    assert [c.params["text"] for c in telegram_api.calls_of("sendMessage", chat_id=chat_id)] == \
        [t("fr", "errors.slow"), t("fr", "errors.unavailable")]


def test_forget_me_holds_when_the_tracker_save_is_slow(tmp_path, started, telegram_api, twilio_api) -> None:
    """The turn that says "yes, forget me" is saved 4 s late; the erasure follows the save, so nothing comes
    back, and the request stays recorded (without the sender id) as verified."""
    running = RunningAssistant(tmp_path, channel_env(telegram_api, twilio_api, **SLOW_STORE))
    started.append(running)
    assistant = running.assistant
    chat_id = 930_000_000 + next(_numbers)
    post(assistant, update(chat_id, "en", text="hello there"))
    telegram_api.wait_for("sendMessage", chat_id=chat_id, timeout=60)
    post(assistant, update(chat_id, "en", text="please forget me"))
    [_, question] = telegram_api.wait_for("sendMessage", 2, chat_id=chat_id, timeout=60)
    assert question.params["text"] == t("en", "forget.confirm")
    yes = question.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    post(assistant, {"update_id": 10**12 + chat_id, "callback_query": {
        "id": "77", "from": {"id": chat_id, "is_bot": False, "first_name": "Ana", "language_code": "en"},
        "chat_instance": "1", "data": yes,
        "message": {"message_id": 5, "date": 0, "chat": {"id": chat_id, "type": "private"}, "text": "?"}}})
    [*_, done] = telegram_api.wait_for("sendMessage", 3, chat_id=chat_id, timeout=60)
    assert done.params["text"] == t("en", "forget.done")
    deadline = time.monotonic() + 30  # the erasure follows the (slow) save of that turn; wait until it is done
    while time.monotonic() < deadline:
        with sqlite3.connect(tmp_path / "lmi4vet.db") as db:
            if db.execute("select count(*) from erasures where status = 'verified'").fetchone()[0]:
                break
        time.sleep(0.05)
    sender = sender_id_for("telegram", str(chat_id), (tmp_path / "secret.key").read_text().encode())
    with sqlite3.connect(tmp_path / "tracker.db") as db:
        assert db.execute("select count(*) from events where sender_id = ?", (sender,)).fetchone()[0] == 0
    with sqlite3.connect(tmp_path / "lmi4vet.db") as db:
        for table in ("channel_users", "inbox", "outbox", "numbered_menus", "course_progress"):
            assert db.execute(f"select count(*) from {table} where sender_id = ?", (sender,)).fetchone()[0] == 0
        assert db.execute("select status, source, sender_id from erasures").fetchall() == [("verified", "chat",
                                                                                            None)]


def test_database_down_the_message_waits_and_is_answered_when_it_is_back(tmp_path, started, telegram_api,
                                                                         twilio_api) -> None:
    """Our database (PostgreSQL here) goes away: the webhook still answers 200, the message goes to the local
    spool, the person is told once that we answer soon; when the database is back they get the answer."""
    from sqlalchemy.engine import make_url

    from tests.db_support import POSTGRES_URL, drop_postgres_schema, postgres_schema_url
    from tests.support.tcp_proxy import TcpProxy

    url, schema = postgres_schema_url()
    parsed = make_url(url)
    proxy = TcpProxy((parsed.host or "127.0.0.1", parsed.port or 5432)).start()
    proxied = url.replace(f"{parsed.host}:{parsed.port or 5432}", f"127.0.0.1:{proxy.port}", 1) \
        if parsed.port else url.replace(f"@{parsed.host}/", f"@127.0.0.1:{proxy.port}/", 1)
    assert f":{proxy.port}/" in proxied, POSTGRES_URL
    try:
        running = RunningAssistant(tmp_path, channel_env(telegram_api, twilio_api, DATABASE_URL=proxied))
        started.append(running)
        chat_id = 940_000_000 + next(_numbers)
        proxy.cut()
        hello = update(chat_id, "ro", text="buna ziua")
        first = post(running.assistant, hello)
        assert (first.status_code, first.json()["outcome"]) == (200, "spooled")
        again = post(running.assistant, hello)  # Telegram retrying the same update during the outage
        assert (again.status_code, again.json()["outcome"]) == (200, "duplicate")
        [notice] = telegram_api.wait_for("sendMessage", chat_id=chat_id, timeout=10)
        assert notice.params["text"] == t("ro", "errors.database_wait")
        assert (tmp_path / "spool" / "telegram.jsonl").read_text().count("buna ziua") == 1
        proxy.restore()
        [_, answer] = telegram_api.wait_for("sendMessage", 2, chat_id=chat_id, timeout=60)
        assert answer.params["text"].startswith(t("ro", "greet.hello"))
        assert (tmp_path / "spool" / "telegram.jsonl").read_text() == ""
        running.stop()
    finally:
        proxy.stop()
        drop_postgres_schema(schema)
    assert len(telegram_api.calls_of("sendMessage", chat_id=chat_id)) == 2
