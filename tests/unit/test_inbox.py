"""The durable inbox, the outbox ledger and the provider error policy, against the Bot API and Messages API
stand-ins (no Rasa: these are the pieces under the channels; tests/integration/test_reliability.py runs
them with the real assistant and real crashes)."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

import pytest

from bot.delivery import Blocked, Rejected, Transient, Turn, send_with_policy
from bot.telegram import TelegramInput, TelegramSettings
from bot.whatsapp import WhatsAppInput, WhatsAppSettings
from lmi4vet.db.engine import make_engine, session_scope
from lmi4vet.db.models import ChannelEvent, ChannelUser, InboxMessage, OutboxMessage
from lmi4vet.inbox import Inbound, Inbox, Spool
from tests.standins.servers import TelegramStandIn, TwilioStandIn
from tests.support.channels import run_worker_scenario, telegram_channel

TOKEN = "123456:stand-in"
SID, AUTH = "AC" + "e" * 32, "auth"


@pytest.fixture
def inbox(db_url) -> Inbox:  # SQLite, and PostgreSQL when it answers (CI=true: it must)
    return Inbox(make_engine(db_url))


def unfinished(inbox: Inbox, channel: str) -> list:
    """The stored messages of ``channel`` not yet done, oldest first (what the worker's full look finds)."""
    return [inbox.get(inbox_id) for inbox_id, _, _ in inbox.waiting(channel)]


def message(n: int = 1, address: str = "555", channel: str = "telegram") -> Inbound:
    return Inbound(channel, f"{n}", address, f"hello {n}", "de", {"media": "photo"} if n == 99 else {})


def test_a_message_is_stored_once_with_its_delivery_id_and_address(inbox) -> None:
    first = inbox.accept(message(1), "s1")
    assert isinstance(first, int)
    assert inbox.accept(message(1), "s1") is None  # the provider's retry
    second = inbox.accept(message(2), "s1")
    with session_scope(inbox.engine) as session:
        assert session.query(ChannelEvent).count() == 2
        user = session.get(ChannelUser, "s1")
        assert (user.address, user.language_hint, user.stopped_at) == ("555", "de", None)
    assert [(m.id, m.text, m.status, m.attempts) for m in unfinished(inbox, "telegram")] == \
        [(first, "hello 1", "pending", 0), (second, "hello 2", "pending", 0)]
    assert unfinished(inbox, "whatsapp") == []
    stored = inbox.get(first)
    assert stored.message_id == f"inbox-telegram-{first}" and stored.language_hint == "de"


def test_a_known_delivery_id_stores_nothing(inbox) -> None:
    with session_scope(inbox.engine) as session:
        session.add(ChannelEvent(channel="telegram", event_id="7", seen_at=datetime.utcnow()))
    assert inbox.accept(message(7), "s1") is None  # delivery id known: no inbox row, no user
    with session_scope(inbox.engine) as session:
        assert session.query(InboxMessage).count() == 0 and session.get(ChannelUser, "s1") is None


def test_writing_again_lifts_a_stop(inbox) -> None:
    inbox.accept(message(1), "s1")
    inbox.stop_contact("s1", "telegram 403: Forbidden: bot was blocked by the user")
    assert inbox.is_stopped("s1")
    inbox.accept(message(2), "s1")
    assert not inbox.is_stopped("s1")


def test_delivery_reports_never_move_a_reply_back(inbox) -> None:
    inbox_id = inbox.accept(message(1), "s1")
    inbox.record_call(inbox_id, "s1", 1, {"to": "x", "body": "hi"})
    inbox.finish_call(inbox_id, 1, "sent", "SM1")
    assert inbox.record_delivery("SM1", "delivered") and inbox.record_delivery("SM1", "read")
    assert inbox.record_delivery("SM1", "sent")  # late and out of order
    assert not inbox.record_delivery("SMunknown", "read")
    with session_scope(inbox.engine) as session:
        assert session.query(OutboxMessage.delivery).scalar() == "read"


def test_handled_messages_are_purged_after_the_retry_horizon(inbox) -> None:
    old, new = inbox.accept(message(1), "s1"), inbox.accept(message(2), "s1")
    inbox.record_call(old, "s1", 1, {"x": 1})
    for inbox_id in (old, new):
        inbox.mark(inbox_id, "done", "answered")
    with session_scope(inbox.engine) as session:
        session.get(InboxMessage, old).handled_at = datetime.utcnow() - timedelta(days=3)
    assert inbox.purge_done(timedelta(hours=48)) == 1
    assert [m.id for m in unfinished(inbox, "telegram")] == [] and inbox.get(new) is not None


def test_the_spool_keeps_order_and_what_the_database_refused(tmp_path) -> None:
    spool = Spool(tmp_path / "spool" / "telegram.jsonl")
    for n in (1, 2, 3):
        spool.append(message(n, address="7"))
    assert len(spool) == 3
    stored: list[str] = []

    def refuse_second(m: Inbound) -> None:
        if m.delivery_id == "2":
            raise ConnectionError("still down")
        stored.append(m.delivery_id)

    assert [m.delivery_id for m in spool.drain(refuse_second)] == ["1"]
    assert stored == ["1"] and len(spool) == 2  # 3 waits behind 2: the order holds
    assert [m.delivery_id for m in spool.drain(lambda m: stored.append(m.delivery_id))] == ["2", "3"]
    assert stored == ["1", "2", "3"] and len(spool) == 0


# -- the ledger ---------------------------------------------------------------------------------------------
def test_a_retried_turn_sends_nothing_twice(inbox) -> None:
    inbox_id = inbox.accept(message(1), "s1")
    made: list[str] = []

    async def deliver(call):
        made.append(call["text"])
        return f"m{len(made)}"

    async def turn(texts: list[str]) -> Turn:
        current = Turn(inbox, inbox.get(inbox_id), deliver)
        for text in texts:
            await current.send({"text": text})
        return current

    asyncio.run(turn(["one", "two"]))
    asyncio.run(turn(["one", "two", "three"]))  # the same turn after a crash: only the new call is made
    assert made == ["one", "two", "three"]
    with session_scope(inbox.engine) as session:
        rows = session.query(OutboxMessage).order_by(OutboxMessage.seq).all()
        assert [(r.seq, r.status, r.provider_id) for r in rows] == [(1, "sent", "m1"), (2, "sent", "m2"),
                                                                    (3, "sent", "m3")]


def test_a_paced_call_is_recorded_only_once_its_turn_has_come_and_paced_again_on_a_retry(inbox) -> None:
    """A bulk send waits for its rate limit before its call is recorded as "sending", so a crash during the
    wait leaves nothing uncertain (a call recorded as sending is never made again after a restart)."""
    inbox_id = inbox.accept(message(1), "s1")
    paced: list[str] = []
    made: list[str] = []
    answers = [Transient("429", retry_after=0.0), "m1"]

    async def scenario() -> None:
        gate = asyncio.Event()

        async def pace(call) -> None:
            paced.append(call["text"])
            await gate.wait()

        async def deliver(call) -> str:
            made.append(call["text"])
            answer = answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer

        async def no_sleep(_seconds) -> None:
            return None

        turn = Turn(inbox, inbox.get(inbox_id), deliver, no_sleep, pace=pace)
        sending = asyncio.ensure_future(turn.send({"text": "news"}))
        await asyncio.sleep(0.2)
        assert paced == ["news"] and made == []
        assert await asyncio.to_thread(inbox.ledger, inbox_id) == {}  # waiting: nothing recorded yet
        gate.set()
        await sending

    asyncio.run(scenario())
    assert made == ["news", "news"] and paced == ["news", "news"]  # the retry after the 429 waited its turn too
    with session_scope(inbox.engine) as session:
        [row] = session.query(OutboxMessage).all()
        assert (row.seq, row.status, row.provider_id) == (1, "sent", "m1")


def test_the_policy_waits_out_429_and_backs_off_on_5xx() -> None:
    answers = [Transient("429", retry_after=3.0), Transient("502"), Transient("503"), "ok"]
    waited: list[float] = []

    async def deliver(call):
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def sleep(seconds: float) -> None:
        waited.append(seconds)

    assert asyncio.run(send_with_policy(deliver, {}, sleep)) == "ok"
    assert waited == [3.0, 0.5, 1.0]

    async def always_down(call):
        raise Transient("500")

    waited.clear()
    with pytest.raises(Transient):
        asyncio.run(send_with_policy(always_down, {}, sleep))
    assert waited == [0.5, 1.0, 2.0, 4.0]


# -- provider errors, table-driven, against the stand-ins ---------------------------------------------------
TELEGRAM_ROWS = [
    # (stand-in answers, outbox status, contact stopped, sendMessage calls made, waits)
    ([], "sent", False, ["sendMessage"], []),
    ([(403, "Forbidden: bot was blocked by the user")], "skipped", True, ["sendMessage:403"], []),
    ([(400, "Bad Request: chat not found")], "failed", False, ["sendMessage:400"], []),
    ([(500, "Internal Server Error"), (502, "Bad Gateway")], "sent", False,
     ["sendMessage:500", "sendMessage:502", "sendMessage"], [0.5, 1.0]),
    ([(500, "Internal Server Error")] * 5, "pending", False, ["sendMessage:500"] * 5, [0.5, 1.0, 2.0, 4.0]),
]


@pytest.mark.parametrize(("answers", "status", "stopped", "calls", "waits"), TELEGRAM_ROWS,
                         ids=["ok", "blocked", "bad-request", "server-error-then-ok", "server-down"])
def test_telegram_errors(tmp_path, answers, status, stopped, calls, waits, caplog) -> None:
    api = TelegramStandIn(TOKEN).start()
    api.fail_next = list(answers)
    inbox = Inbox(make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}"))
    _migrate(inbox)
    channel = TelegramInput(TelegramSettings(token=TOKEN, mode="polling", api_base_url=api.base_url))
    inbox_id = inbox.accept(message(1, address="4242"), "s1")
    caplog.set_level(logging.WARNING)
    try:
        _, waited = _run(channel, inbox, inbox_id, [channel.text_call("4242", "Hallo"),
                                                        channel.text_call("4242", "Noch etwas")])
    finally:
        api.stop()
    with session_scope(inbox.engine) as session:
        rows = [r.status for r in session.query(OutboxMessage).order_by(OutboxMessage.seq)]
    assert rows[0] == status and inbox.is_stopped("s1") is stopped
    made = [c.method for c in api.calls if c.method.startswith("sendMessage")]
    if stopped:  # nothing more goes to a person who blocked the bot
        assert made == calls and rows[1] == "skipped"
    else:
        assert made[:len(calls)] == calls
    assert waited == waits
    if status == "failed":
        assert caplog.text.count("refused a reply") == 1 and "4242" not in caplog.text


TWILIO_ROWS = [
    ([], "sent", False, ["Messages.create"], []),
    ([(400, 21610)], "skipped", True, ["Messages.create:400"], []),
    ([(400, 21211)], "failed", False, ["Messages.create:400"], []),
    ([(429, 20429), (429, 20429)], "sent", False,
     ["Messages.create:429", "Messages.create:429", "Messages.create"], [1.0, 1.0]),
    ([(500, 20500)], "sent", False, ["Messages.create:500", "Messages.create"], [0.5]),
]


@pytest.mark.parametrize(("answers", "status", "stopped", "calls", "waits"), TWILIO_ROWS,
                         ids=["ok", "unsubscribed", "invalid-number", "throttled", "server-error-then-ok"])
def test_twilio_errors(tmp_path, answers, status, stopped, calls, waits) -> None:
    api = TwilioStandIn(SID, AUTH).start()
    api.fail_next = list(answers)
    inbox = Inbox(make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}"))
    _migrate(inbox)
    settings = WhatsAppSettings(account_sid=SID, auth_token=AUTH, from_number="whatsapp:+14155238886",
                                public_url="https://x.example/webhooks/whatsapp/webhook", api_base_url=api.base_url,
                                status_url="https://x.example/webhooks/whatsapp/status")
    channel = WhatsAppInput(settings)
    number = "whatsapp:+34600000001"
    inbox_id = inbox.accept(message(1, address=number, channel="whatsapp"), "s1")
    try:
        _, waited = _run(channel, inbox, inbox_id, [channel.text_call(number, "Hola")], close=True)
    finally:
        api.stop()
    with session_scope(inbox.engine) as session:
        [(row_status, provider_id)] = session.query(OutboxMessage.status, OutboxMessage.provider_id).all()
    assert (row_status, inbox.is_stopped("s1")) == (status, stopped)
    assert [c.method for c in api.calls] == calls and waited == waits
    assert api.calls[-1].params["StatusCallback"] == "https://x.example/webhooks/whatsapp/status"
    assert (provider_id or "").startswith("SM") is (status == "sent")


def _migrate(inbox: Inbox) -> None:
    from lmi4vet.db.engine import upgrade

    upgrade(str(inbox.engine.url))


def _run(channel, inbox: Inbox, inbox_id: int, calls: list[dict], close: bool = False):
    waited: list[float] = []

    async def sleep(seconds: float) -> None:  # no real waiting: the waits asked for are the evidence
        waited.append(seconds)

    async def scenario():
        if hasattr(channel, "bot"):
            await channel.bot.initialize()
        turn = Turn(inbox, inbox.get(inbox_id), channel.deliver, sleep, reconcile=channel.reconcile)
        try:
            for call in calls:
                await turn.send(call)
        finally:
            if close:
                await channel.client.http_client.close()
            if hasattr(channel, "bot"):
                await channel.bot.shutdown()
        return turn

    return asyncio.run(scenario()), waited


def test_error_kinds_are_distinct() -> None:
    assert not issubclass(Blocked, Rejected) and not issubclass(Rejected, Transient)


# -- the worker, with Rasa stood in by a function -----------------------------------------------------------
def run_worker(tmp_path, rasa, messages: list[str], settings: dict | None = None) -> tuple[list[str], Inbox]:
    """Feed ``messages`` from one Telegram chat to a worker whose Rasa is ``rasa(message, attempt)``; return
    the texts that reached the Bot API stand-in."""
    api = TelegramStandIn(TOKEN).start()
    channel = telegram_channel(tmp_path, api)
    attempts: dict[str, int] = {}

    async def on_new_message(message) -> None:
        attempts[message.text] = attempts.get(message.text, 0) + 1
        await rasa(message, attempts[message.text])

    async def body(worker) -> None:
        for n, text in enumerate(messages):
            await channel.receive(Inbound("telegram", str(n), "31337", text, "es"))

    run_worker_scenario(channel, api, on_new_message, body, settings)
    return [c.params["text"] for c in api.calls if c.method == "sendMessage"], channel.worker.inbox


def test_a_turn_without_a_reply_gets_the_apology(tmp_path) -> None:
    from lmi4vet.i18n import t

    async def silent(message, attempt) -> None:  # what Rasa does when the action server is down
        return None

    sent, inbox = run_worker(tmp_path, silent, ["hola"])
    assert sent == [t("es", "errors.unavailable")]
    with session_scope(inbox.engine) as session:
        assert session.query(InboxMessage.status, InboxMessage.outcome).all() == [("done", "apology")]


def test_a_turn_rasa_cannot_run_waits_and_is_answered_in_order(tmp_path) -> None:
    from lmi4vet.i18n import t

    async def flaky(message, attempt) -> None:  # the tracker store is down for the first attempt
        if message.text == "uno" and attempt == 1:
            raise ConnectionError("tracker store down")
        await message.output_channel.send_text_message(message.sender_id, f"re: {message.text}")

    sent, inbox = run_worker(tmp_path, flaky, ["uno", "dos"])
    assert sent == [t("es", "errors.database_wait"), "re: uno", "re: dos"]  # "dos" waited behind "uno"
    with session_scope(inbox.engine) as session:
        assert session.query(InboxMessage.outcome, InboxMessage.attempts).order_by(InboxMessage.id).all() == \
            [("answered", 2), ("answered", 1)]


# -- a call cut short by a crash ----------------------------------------------------------------------------
def interrupted(inbox: Inbox, address: str, call: dict, channel: str = "telegram") -> int:
    """A message whose first reply was being sent when the process died (outbox row left ``sending``)."""
    inbox_id = inbox.accept(message(1, address=address, channel=channel), "s1")
    inbox.begin_attempt(inbox_id)
    inbox.record_call(inbox_id, "s1", 1, call)
    return inbox_id


def outbox_rows(inbox: Inbox) -> list[tuple]:
    with session_scope(inbox.engine) as session:
        return session.query(OutboxMessage.seq, OutboxMessage.status, OutboxMessage.provider_id,
                             OutboxMessage.error).order_by(OutboxMessage.seq).all()


def test_an_interrupted_telegram_reply_is_not_sent_again(tmp_path, caplog) -> None:
    api = TelegramStandIn(TOKEN).start()
    inbox = Inbox(make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}"))
    _migrate(inbox)
    channel = TelegramInput(TelegramSettings(token=TOKEN, mode="polling", api_base_url=api.base_url))
    inbox_id = interrupted(inbox, "4242", channel.text_call("4242", "Hallo"))
    caplog.set_level(logging.INFO)
    try:
        _run(channel, inbox, inbox_id, [channel.text_call("4242", "Hallo"), channel.text_call("4242", "Und?")])
    finally:
        api.stop()
    assert [c.params["text"] for c in api.calls if c.method == "sendMessage"] == ["Und?"]
    assert outbox_rows(inbox) == [(1, "sent", None, "uncertain: interrupted by a restart, not sent again"),
                                  (2, "sent", "1", None)]
    assert [r for r in caplog.records if r.name == "httpx"] == []  # its INFO lines hold the URL with the token


@pytest.mark.parametrize("case", ["arrived", "did-not-arrive", "same-text-sent-before"])
def test_an_interrupted_whatsapp_reply_is_settled_with_twilios_list(tmp_path, case: str) -> None:
    api = TwilioStandIn(SID, AUTH).start()
    inbox = Inbox(make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}"))
    _migrate(inbox)
    settings = WhatsAppSettings(account_sid=SID, auth_token=AUTH, from_number="whatsapp:+14155238886",
                                public_url="https://x.example/webhooks/whatsapp/webhook", api_base_url=api.base_url)
    number = "whatsapp:+34600000002"
    call = {"to": number, "body": "Hola"}
    try:
        if case == "same-text-sent-before":  # an earlier reply with the same text, recorded as ours
            _run(WhatsAppInput(settings), inbox, inbox.accept(message(2, number, "whatsapp"), "s1"), [call],
                 close=True)
        inbox_id = interrupted(inbox, number, call, "whatsapp")
        if case == "arrived":  # Twilio took it, then the process died before recording its SID

            async def create() -> None:
                from bot.whatsapp import call_messages_api

                channel = WhatsAppInput(settings)
                await call_messages_api(channel.client, settings, call)
                await channel.client.http_client.close()

            asyncio.run(create())
        before = len(api.calls_of("Messages.create"))
        _run(WhatsAppInput(settings), inbox, inbox_id, [call], close=True)
    finally:
        api.stop()
    made = len(api.calls_of("Messages.create")) - before
    assert len(api.calls_of("Messages.list", To=number)) == 1
    [row] = [row for row in outbox_rows(inbox) if row[0] == 1 and row[2] != api.created[0]["sid"]] \
        if case == "same-text-sent-before" else [row for row in outbox_rows(inbox) if row[0] == 1]
    if case == "arrived":
        assert made == 0 and row == (1, "sent", api.created[0]["sid"], "interrupted by a restart; the provider has it")
    else:
        assert made == 1 and row == (1, "sent", api.created[-1]["sid"], None)


def test_odd_webhook_fields_are_ignored_or_read_safely(tmp_path) -> None:
    from bot.store import ChannelStore

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    from lmi4vet.db.engine import upgrade

    upgrade(url)
    settings = WhatsAppSettings(account_sid=SID, auth_token=AUTH, from_number="whatsapp:+14155238886",
                                public_url="https://x.example/webhooks/whatsapp/webhook")
    channel = WhatsAppInput(settings, ChannelStore(make_engine(url), key=b"k"))

    async def scenario() -> list[str]:
        return [await channel.handle_fields(fields) for fields in (
            {"MessageSid": "SM1", "From": "whatsapp:+14155238886", "To": "whatsapp:+34600000003",
             "MessageStatus": "delivered", "SmsStatus": "delivered"},  # a status callback at the message URL
            {"MessageSid": "SM2", "From": "whatsapp:+34600000003", "Body": "", "NumMedia": "²"},
        )]

    assert asyncio.run(scenario()) == ["ignored", "media"]
    [stored] = unfinished(channel.worker.inbox, "whatsapp")
    assert (stored.text, stored.meta) == ("/out_of_scope", {"media": "empty"})


def test_bulk_messages_go_through_a_bounded_lane_outside_the_senders_order(tmp_path) -> None:
    """20,000 broadcast rows must not become 20,000 tasks at once: at most BULK_LANE are worked on together,
    and a person's own message does not wait behind their broadcast message."""
    from bot import worker as worker_module
    from tests.standins.servers import TelegramStandIn

    api = TelegramStandIn(TOKEN).start()
    channel = telegram_channel(tmp_path, api)
    running, peak, order = 0, 0, []

    async def scenario() -> None:
        nonlocal running, peak
        worker = channel.worker
        gate = asyncio.Event()

        async def process(inbox_id: int) -> None:
            nonlocal running, peak
            running += 1
            peak = max(peak, running)
            if inbox_id < 1000:
                await gate.wait()
            order.append(inbox_id)
            running -= 1

        worker.process = process
        await worker.start(lambda _message: None)
        for inbox_id in range(1, 301):
            worker.submit(inbox_id, "the-same-person", bulk=True)
        worker.submit(5000, "the-same-person")  # their own message: not behind the 300
        deadline = asyncio.get_running_loop().time() + 10
        while 5000 not in order and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.01)
        assert order == [5000] and running == worker_module.BULK_LANE
        gate.set()
        await worker.drain()
        await worker.stop()

    try:
        asyncio.run(scenario())
    finally:
        api.stop()
    assert peak == worker_module.BULK_LANE + 1  # the lane, plus the person's message beside it
    assert sorted(order) == [*range(1, 301), 5000]


def test_the_workers_looks_read_only_new_rows_and_now_and_then_all_of_them(tmp_path, monkeypatch) -> None:
    """The poll must not read 20,000 rows every 5 s while a broadcast is queued: a look reads the rows above
    the newest one seen, and every FULL_LOOK_EVERY-th look all of them (a message whose work ended without
    finishing it is picked up again there)."""
    from bot import worker as worker_module
    from tests.standins.servers import TelegramStandIn

    monkeypatch.setattr(worker_module, "POLL_INTERVAL", 3600.0)  # looks come from wakes only
    monkeypatch.setattr(worker_module, "FULL_LOOK_EVERY", 4)
    api = TelegramStandIn(TOKEN).start()
    channel = telegram_channel(tmp_path, api)
    inbox = channel.worker.inbox
    looks: list[tuple[int, list[int]]] = []
    processed: list[int] = []
    real_waiting = inbox.waiting

    def waiting(name: str, after: int = 0) -> list[tuple[int, str, str]]:
        rows = real_waiting(name, after)
        looks.append((after, [row[0] for row in rows]))
        return rows

    inbox.waiting = waiting
    first, second = inbox.accept(message(1), "s1"), inbox.accept(message(2), "s2")
    third = 0

    async def scenario() -> None:
        nonlocal third
        worker = channel.worker
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10

        async def process(inbox_id: int) -> None:  # leaves the row pending, like work that ended in an error
            processed.append(inbox_id)

        submitted = 0  # looks whose rows have been submitted (the look itself is recorded in its thread, before)
        real_submit = worker._submit_unfinished

        async def submit(full: bool) -> int:
            nonlocal submitted
            count = await real_submit(full)
            submitted += 1
            return count

        async def look() -> None:
            count = submitted
            worker.wake()
            while submitted == count and loop.time() < deadline:
                await asyncio.sleep(0.005)
            await worker.drain()

        worker._submit_unfinished = submit
        worker.process = process
        await worker.start(lambda _message: None)
        await worker.drain()
        await look()
        third = await asyncio.to_thread(inbox.accept, message(3), "s3")  # queued without a wake
        for _ in range(3):
            await look()
        await worker.stop()

    try:
        asyncio.run(scenario())
    finally:
        api.stop()
    assert looks == [(0, [first, second]),  # start-up: everything
                     (second, []),  # then only what is newer than the newest row seen
                     (second, [third]),
                     (third, []),
                     (0, [first, second, third])]  # the 4th look: everything still not done
    assert processed == [first, second, third, first, second, third]
