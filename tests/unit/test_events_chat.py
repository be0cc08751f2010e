"""Network events in the chat, without Rasa: reading a request ("Veranstaltungen im März in Rumänien"), the
events action (list, details, register within capacity, cancel, calendar file on Telegram and link elsewhere,
feedback, my registrations), /preferences (opt-in per topic x country with its record), reminders and follow-ups
queued by the task queue and sent by the channel worker (buttons on Telegram, templates outside WhatsApp's
window), and sendDocument through the Bot API stand-in. tests/integration/test_events.py runs it with the model."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import select

from actions.events import ActionEvents, ActionPreferences
from lmi4vet.db.engine import session_scope, shared_engine
from lmi4vet.db.models import ChannelUser, InboxMessage
from lmi4vet.events import catalogue as cat
from lmi4vet.events import consent as con
from lmi4vet.events import reminders
from lmi4vet.events.calendar import resolve_link
from lmi4vet.events.models import ConsentLog, Event, Registration
from lmi4vet.events.query import parse, period_bounds
from lmi4vet.events.wording import payload, short_when, when
from lmi4vet.i18n import t
from tests.conftest import ents, make_tracker, run_action

BRUSSELS = ZoneInfo("Europe/Brussels")
QUERY_NOW = datetime(2026, 12, 3, 14, 0, tzinfo=timezone.utc)  # a Thursday


# -- reading a request ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "lang", "country", "topic", "period", "mine"), [
    ("events in Spain", "en", "ES", None, None, False),
    ("what's on next month", "en", None, None, "next_month", False),
    ("workshops about green skills", "en", None, "green", None, False),
    ("Veranstaltungen im März in Rumänien", "de", "RO", None, "month:3", False),
    ("evenimente în mai", "ro", None, None, "month:5", False),
    ("may I register?", "en", None, None, None, False),  # "may" alone is not the month
    ("ce evenimente sunt saptamana viitoare", "ro", None, None, "next_week", False),
    ("talleres de inclusión esta semana", "es", None, "inclusion", "this_week", False),
    ("webinaire numérique demain", "fr", None, "digital", "tomorrow", False),
    ("guten Morgen, gibt es Events?", "de", None, None, None, False),  # a greeting, not "tomorrow"
    ("Events morgen?", "de", None, None, "tomorrow", False),
    ("events in Europe", "en", "EU", None, None, False),
    ("eventos en Grecia", "es", "GR", None, None, False),  # Eurostat's EL is stored as ISO GR
    ("my registrations", "en", None, None, None, True),
    ("workshops verde in Spania", "en", "ES", "green", None, False),  # mixed languages
])
def test_a_request_is_read_into_country_topic_and_period(text, lang, country, topic, period, mine) -> None:
    query = parse(text, lang, QUERY_NOW, BRUSSELS)
    assert (query.country, query.topic, query.period, query.mine) == (country, topic, period, mine)


@pytest.mark.parametrize(("period", "start", "end"), [
    ("today", "2026-12-03T15:00", "2026-12-04T00:00"),
    ("tomorrow", "2026-12-04T00:00", "2026-12-05T00:00"),
    ("this_week", "2026-12-03T15:00", "2026-12-07T00:00"),
    ("next_week", "2026-12-07T00:00", "2026-12-14T00:00"),
    ("this_month", "2026-12-03T15:00", "2027-01-01T00:00"),
    ("next_month", "2027-01-01T00:00", "2027-02-01T00:00"),
    ("month:3", "2027-03-01T00:00", "2027-04-01T00:00"),  # March is next year's
    ("month:12", "2026-12-03T15:00", "2027-01-01T00:00"),  # this December: from now
])
def test_periods_are_bounded_in_the_networks_time_zone(period, start, end) -> None:
    found = period_bounds(period, QUERY_NOW, BRUSSELS)
    assert tuple(moment.isoformat()[:16] for moment in found) == (start, end)
    assert all(moment.tzinfo is not None for moment in found)


# -- the events action ----------------------------------------------------------------------------------------
def _soon(days: float, hour: int = 10) -> datetime:
    """A local wall-clock time in Madrid ``days`` from now (the actions use the real clock)."""
    day = (datetime.now(ZoneInfo("Europe/Madrid")) + timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, hour, 0)


@pytest.fixture
def db(kb_url):
    """The actions' database (the session-wide SQLite file with the default dataset)."""
    return shared_engine(kb_url)


@pytest.fixture
def events(db):
    """Three published events (Spain: German only; Europe-wide online; Romania) and a draft, all in the future;
    removed afterwards so that tests do not see each other's."""
    now = datetime.utcnow()
    with session_scope(db) as session:
        ids = _make_events(session, now)
    yield ids
    with session_scope(db) as session:
        for event_id in ids.values():
            session.delete(session.get(Event, event_id))


def _make_events(kb_session, now: datetime) -> dict[str, int]:
    def make(**values):
        base = {"deployment": "default", "language": "de", "title": "Werkstatt Grüne Kompetenzen",
                "description": "Wie Berufsschulen grüne Kompetenzen lehren.", "start": _soon(10),
                "end": _soon(10, 12), "timezone": "Europe/Madrid", "country": "ES", "topic": "green",
                "place": "Cámara de Comercio, Madrid", "created_by": "ada", "now": now}
        base.update(values)
        event = cat.create_event(kb_session, **base)
        return event

    spain = make(capacity=1)
    europe = make(language="en", title="Digital skills in VET: webinar", description="", place=None,
                  online_url="https://meet.example.org/dig", country="EU", topic="digital", start=_soon(20),
                  end=_soon(20, 11), texts={"es": ("Competencias digitales en la FP: seminario web", "")})
    romania = make(language="ro", title="Învățare la locul de muncă", description="", country="RO",
                   topic="work_based_learning", place="Camera de Comerț, București", timezone="Europe/Bucharest",
                   start=_soon(5), end=_soon(5, 13))
    draft = make(title="Entwurf", start=_soon(3), end=_soon(3, 11))
    for event in (spain, europe, romania):
        cat.publish(kb_session, event.id, now=now)
    return {"spain": spain.id, "europe": europe.id, "romania": romania.id, "draft": draft.id}


def _event(session, event_id: int) -> Event:
    return session.get(Event, event_id)


def ask(text: str, lang: str, sender: str = "", channel: str = "telegram", **entities: str):
    tracker = make_tracker(text, "ask_events", ents(**entities), slots={"language": lang, "language_pinned": True},
                           sender_id=sender or uuid.uuid4().hex, channel=channel)
    return run_action(ActionEvents(), tracker)


def test_events_in_spain_asked_in_german_list_spains_and_europe_wide_events_soonest_first(events, kb_session):
    messages, events_ = ask("Veranstaltungen in Spanien", "de")
    assert {"event": "slot", "name": "country", "value": "ES"} in [
        {key: e.get(key) for key in ("event", "name", "value")} for e in events_]  # for figures and preferences
    spain, europe = _event(kb_session, events["spain"]), _event(kb_session, events["europe"])
    assert [m["text"] for m in messages] == ["\n\n".join([
        t("de", "events.list_filtered", filters="Spanien"),
        "\n".join([t("de", "events.list_line", number="1", when=short_when(spain, "de"),
                     title="Werkstatt Grüne Kompetenzen", place="Cámara de Comercio, Madrid",
                     topic=t("de", "events.topics.green")),
                   t("de", "events.list_line", number="2", when=short_when(europe, "de"),
                     title="Digital skills in VET: webinar", place=t("de", "events.online_short"),
                     topic=t("de", "events.topics.digital"))]),
        t("de", "events.pick")])]
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        payload("details", spain.id), payload("details", europe.id), payload("mine"), "/manage_preferences"]


def test_a_filter_that_finds_nothing_says_which_and_offers_all_events(events):
    messages, _ = ask("green skills workshops in Romania next week", "en")
    filters = f"Romania · {t('en', 'events.topics.green')} · {t('en', 'events.periods.next_week')}"
    assert messages[0]["text"] == t("en", "events.none_filtered", filters=filters)
    assert messages[0]["buttons"][0] == {"title": t("en", "events.all_button"), "payload": payload("list")}


def test_a_draft_is_never_shown_and_its_id_is_not_found(events):
    messages, _ = ask("events", "en")
    assert payload("details", events["draft"]) not in [b["payload"] for b in messages[0]["buttons"]]
    messages, _ = ask("", "en", do="register", event=str(events["draft"]))
    assert messages[0]["text"] == t("en", "events.not_found")


def test_details_in_spanish_of_an_event_written_in_german_say_so(events, kb_session):
    messages, _ = ask("", "es", do="details", event=str(events["spain"]))
    spain = _event(kb_session, events["spain"])
    text = messages[0]["text"]
    assert text.startswith("Werkstatt Grüne Kompetenzen\n" + when(spain, "es"))
    assert t("es", "events.seats_left", left="1", capacity="1") in text
    assert text.endswith(t("es", "events.fallback", language="alemán"))
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        payload("register", spain.id), payload("calendar", spain.id), payload("list")]


def test_register_within_capacity_then_full_then_cancel_frees_the_seat(events, kb_session):
    first, second = uuid.uuid4().hex, uuid.uuid4().hex
    spain = _event(kb_session, events["spain"])
    messages, _ = ask("", "de", first, do="register", event=str(spain.id))
    assert messages[0]["text"] == "\n\n".join([
        t("de", "events.registered", title="Werkstatt Grüne Kompetenzen", when=when(spain, "de")),
        t("de", "events.reminder_promise")])
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        payload("calendar", spain.id), payload("cancel", spain.id), payload("list")]
    kb_session.expire_all()
    registration = kb_session.execute(select(Registration).where(Registration.sender_id == first)).scalar_one()
    assert (registration.status, registration.language) == ("registered", "de")
    messages, _ = ask("", "en", second, do="register", event=str(spain.id))
    assert messages[0]["text"] == t("en", "events.full", title="Werkstatt Grüne Kompetenzen")
    messages, _ = ask("", "de", first, do="register", event=str(spain.id))
    assert messages[0]["text"].startswith(t("de", "events.already", title="Werkstatt Grüne Kompetenzen",
                                            when=when(spain, "de")))
    messages, _ = ask("", "de", first, do="cancel", event=str(spain.id))
    assert messages[0]["text"] == t("de", "events.registration_cancelled", title="Werkstatt Grüne Kompetenzen")
    messages, _ = ask("", "de", first, do="cancel", event=str(spain.id))
    assert messages[0]["text"] == t("de", "events.not_registered", title="Werkstatt Grüne Kompetenzen")
    messages, _ = ask("", "en", second, do="register", event=str(spain.id))
    assert messages[0]["text"].startswith(t("en", "events.registered", title="Werkstatt Grüne Kompetenzen",
                                            when=when(spain, "en")))


def test_the_local_chat_is_not_promised_a_reminder(events, kb_session):
    spain = _event(kb_session, events["spain"])
    messages, _ = ask("", "en", channel="rest", do="register", event=str(spain.id))
    assert messages[0]["text"] == t("en", "events.registered", title="Werkstatt Grüne Kompetenzen",
                                    when=when(spain, "en"))


def test_my_registrations_list_them_with_their_details_buttons(events, kb_session):
    sender = uuid.uuid4().hex
    ask("", "en", sender, do="register", event=str(events["europe"]))
    ask("", "en", sender, do="register", event=str(events["romania"]))
    messages, _ = ask("which events am I registered for", "en", sender)
    assert messages[0]["text"].startswith(t("en", "events.mine") + "\n\n1. ")
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        payload("details", events["romania"]), payload("details", events["europe"]), payload("list")]
    messages, _ = ask("my registrations", "en")
    assert messages[0]["text"] == t("en", "events.mine_none")


def test_the_calendar_is_a_document_on_telegram_that_calendars_read(events, kb_session):
    messages, _ = ask("", "es", do="calendar", event=str(events["europe"]))
    document = messages[0]["custom"]["document"]
    assert document["filename"] == f"event-{events['europe']}.ics"
    assert document["caption"] == t("es", "events.calendar_caption",
                                    title="Competencias digitales en la FP: seminario web")
    calendar = icalendar.Calendar.from_ical(base64.b64decode(document["content_base64"]))
    vevent = calendar.walk("VEVENT")[0]
    assert str(vevent["SUMMARY"]) == "Competencias digitales en la FP: seminario web"
    assert str(vevent["UID"]) == f"event-{events['europe']}@default.lmi4vet"
    assert vevent["DTSTART"].params["TZID"] == "Europe/Madrid"
    assert str(vevent["URL"]) == "https://meet.example.org/dig"


def test_the_calendar_is_an_expiring_link_on_whatsapp(events, kb_session, monkeypatch):
    monkeypatch.setenv("PUBLIC_URL", "https://bot.example.org/")
    messages, _ = ask("", "ro", channel="whatsapp", do="calendar", event=str(events["romania"]))
    text = messages[0]["text"]
    prefix = "https://bot.example.org/webhooks/whatsapp/calendar/"
    url = text.rsplit("\n", 1)[1]
    assert url.startswith(prefix) and url.endswith("?lang=ro")
    assert text == t("ro", "events.calendar_link", title="Învățare la locul de muncă", url=url, days="30")
    token = url[len(prefix):-len("?lang=ro")]
    assert len(token) >= 43
    kb_session.expire_all()
    assert resolve_link(kb_session, token, datetime.utcnow()).id == events["romania"]
    assert resolve_link(kb_session, token, datetime.utcnow() + timedelta(days=31)) is None


def test_feedback_is_recorded_for_people_who_registered(events, kb_session):
    sender = uuid.uuid4().hex
    ask("", "fr", sender, do="register", event=str(events["europe"]))
    messages, _ = ask("", "fr", sender, do="feedback", event=str(events["europe"]), score="4")
    assert messages[0]["text"].startswith(t("fr", "events.feedback_thanks", score="4",
                                            title="Digital skills in VET: webinar"))
    kb_session.expire_all()
    registration = kb_session.execute(select(Registration).where(Registration.sender_id == sender)).scalar_one()
    assert registration.feedback == 4
    messages, _ = ask("", "fr", do="feedback", event=str(events["europe"]), score="5")
    assert messages[0]["text"] == t("fr", "events.feedback_not_registered", title="Digital skills in VET: webinar")
    messages, _ = ask("", "fr", sender, do="feedback", event=str(events["europe"]), score="9")
    assert messages[0]["text"].startswith("Digital skills in VET: webinar")  # not a score: the details again


# -- /preferences ---------------------------------------------------------------------------------------------
def prefs(text: str, lang: str, sender: str, slots: dict | None = None, **entities: str):
    tracker = make_tracker(text, "manage_preferences", ents(**entities),
                           slots={"language": lang, "language_pinned": True, **(slots or {})}, sender_id=sender,
                           channel="telegram")
    return run_action(ActionPreferences(), tracker)


def test_preferences_show_the_wording_and_a_button_per_topic_for_the_users_country(kb_url):
    sender = uuid.uuid4().hex
    messages, _ = prefs("/preferences", "ro", sender, slots={"country": "RO"}, via="command")
    assert messages[0]["text"] == "\n\n".join([t("ro", "prefs.none"), t("ro", "prefs.wording"),
                                               t("ro", "prefs.choose", country="România")])
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        *(f'/manage_preferences{{"topic":"{topic}","country":"RO","opt":"in"}}' for topic in cat.TOPICS),
        payload("list")]


def test_opting_in_by_button_records_time_method_language_and_wording_then_stop_and_resume(kb_url, kb_session):
    sender = uuid.uuid4().hex
    messages, _ = prefs("", "es", sender, topic="green", country="ES", opt="in")
    assert messages[0]["text"].startswith(t("es", "prefs.opted_in", topic=t("es", "events.topics.green"),
                                            country="España") + "\n\n" + t("es", "prefs.current"))
    assert messages[0]["buttons"][3] == {"title": t("es", "prefs.topic_on", topic=t("es", "events.topics.green")),
                                         "payload": '/manage_preferences{"topic":"green","country":"ES","opt":"out"}'}
    assert messages[0]["buttons"][-2]["payload"] == '/manage_preferences{"opt":"stop"}'
    kb_session.expire_all()
    [log] = kb_session.execute(select(ConsentLog).where(ConsentLog.sender_id == sender)).scalars()
    assert (log.topic, log.country, log.opted_in, log.method, log.language, log.wording_version) == (
        "green", "ES", True, "button", "es", con.WORDING_VERSION)
    assert abs((log.changed_at - datetime.utcnow()).total_seconds()) < 60
    messages, _ = prefs("", "es", sender, opt="stop")
    assert messages[0]["text"] == t("es", "updates.stopped")
    kb_session.expire_all()
    assert con.is_unsubscribed(kb_session, sender)
    messages, _ = prefs("preferencias", "es", sender)
    assert messages[0]["text"] == t("es", "prefs.stopped")
    messages, _ = prefs("", "es", sender, opt="resume")
    assert messages[0]["text"].startswith(t("es", "updates.started") + "\n\n" + t("es", "prefs.current"))
    kb_session.expire_all()
    assert not con.is_unsubscribed(kb_session, sender)
    assert [(row.topic, row.opted_in) for row in con.history(kb_session, sender)] == [
        ("green", True), ("*", False), ("*", True)]


def test_the_stop_command_unsubscribes_and_is_recorded_as_a_command(kb_url, kb_session):
    from bot.common import COMMANDS

    sender = uuid.uuid4().hex
    assert COMMANDS["stop"] == '/manage_preferences{"opt":"stop","via":"command"}'
    messages, _ = prefs(COMMANDS["stop"], "fr", sender, opt="stop", via="command")
    assert messages[0]["text"] == t("fr", "updates.stopped")
    [log] = con.history(kb_session, sender)
    assert (log.topic, log.opted_in, log.method, log.language) == ("*", False, "command", "fr")


def test_a_typed_topic_and_country_comes_first_as_a_yes_button(kb_url):
    sender = uuid.uuid4().hex
    messages, _ = prefs("ich möchte Neuigkeiten über Inklusion in Spanien", "de", sender)
    assert messages[0]["buttons"][0] == {
        "title": t("de", "prefs.suggest_on", topic=t("de", "events.topics.inclusion"), country="Spanien"),
        "payload": '/manage_preferences{"topic":"inclusion","country":"ES","opt":"in"}'}


# -- reminders and follow-ups ---------------------------------------------------------------------------------
def _user(session, channel: str = "telegram", last_inbound: datetime | None = None) -> str:
    sender = uuid.uuid4().hex
    session.add(ChannelUser(sender_id=sender, channel=channel, address=f"{uuid.uuid4().int % 10**9}",
                            last_inbound_at=last_inbound or datetime.utcnow(), language_hint="en"))
    session.flush()
    return sender


def test_reminders_then_follow_ups_are_queued_once_in_the_registration_language(events, db):
    with session_scope(db) as kb_session:
        _reminders_then_follow_ups(events, kb_session)


def _reminders_then_follow_ups(events, kb_session):
    romania = _event(kb_session, events["romania"])
    sender, erased_later = _user(kb_session), _user(kb_session)
    cat.register(kb_session, romania.id, sender, datetime.utcnow(), language="ro")
    cat.register(kb_session, romania.id, erased_later, datetime.utcnow(), language="de")
    kb_session.flush()
    before = romania.starts_at - timedelta(hours=24, minutes=1)
    assert reminders.queue_due(kb_session, before) == {}
    at = romania.starts_at - timedelta(hours=23)
    assert reminders.queue_due(kb_session, at) == {"telegram": 2}
    assert reminders.queue_due(kb_session, at + timedelta(minutes=1)) == {}  # once
    rows = kb_session.execute(select(InboxMessage).where(InboxMessage.kind == reminders.REMINDER,
                                                         InboxMessage.sender_id == sender)).scalars().all()
    [row] = rows
    meta = json.loads(row.meta)
    assert row.language_hint == "ro" and row.delivery_id == f"reminder-{meta['registration']}"
    assert row.text == "\n\n".join([
        t("ro", "events.reminder", title="Învățare la locul de muncă", when=when(romania, "ro")),
        t("ro", "events.place", place="Camera de Comerț, București", country="România"),
        t("ro", "events.reminder_cancel_hint")])
    assert [b["payload"] for b in meta["buttons"]] == [payload("details", romania.id), payload("cancel", romania.id)]
    assert meta["variables"] == {"1": "Învățare la locul de muncă", "2": short_when(romania, "ro")}
    after = romania.ends_at + timedelta(hours=1)
    assert reminders.queue_due(kb_session, after) == {"telegram": 2}
    followup = kb_session.execute(select(InboxMessage).where(
        InboxMessage.delivery_id == f"followup-{meta['registration']}")).scalar_one()
    assert followup.text == t("ro", "events.followup", title="Învățare la locul de muncă")
    assert [b["payload"] for b in json.loads(followup.meta)["buttons"]] == [
        payload("feedback", romania.id, score=str(score)) for score in (1, 2, 3, 4, 5)]


def test_a_reminder_is_not_sent_after_a_cancellation_a_stop_or_the_start(events, db):
    with session_scope(db) as kb_session:
        _not_sent_after(events, kb_session)


def _not_sent_after(events, kb_session):
    romania = _event(kb_session, events["romania"])
    sender = _user(kb_session)
    registration = cat.register(kb_session, romania.id, sender, datetime.utcnow()).registration
    now = datetime.utcnow()
    assert reminders.still_due(kb_session, registration.id, "reminder", now) == ""
    assert reminders.still_due(kb_session, registration.id, "reminder", romania.starts_at) == "the event has started"
    assert reminders.still_due(kb_session, registration.id, "followup", romania.ends_at) == ""
    con.unsubscribe(kb_session, sender, "keyword", "en", now)
    assert reminders.still_due(kb_session, registration.id, "reminder", now) == "unsubscribed since"
    con.resubscribe(kb_session, sender, "keyword", "en", now)
    cat.cancel_registration(kb_session, romania.id, sender, now)
    assert reminders.still_due(kb_session, registration.id, "reminder", now) == "the registration was cancelled"


def test_the_worker_sends_a_reminder_with_its_buttons_and_skips_a_cancelled_one(tmp_path) -> None:
    from tests.standins.servers import TelegramStandIn
    from tests.support.channels import TOKEN, run_worker_scenario, telegram_channel

    api = TelegramStandIn(TOKEN).start()
    channel = telegram_channel(tmp_path, api)
    engine = channel.store.engine
    start = datetime.utcnow() + timedelta(hours=30)
    with session_scope(engine) as session:
        event = cat.create_event(session, deployment="default", language="en", title="Green skills workshop",
                                 start=start, end=start + timedelta(hours=2), timezone="Europe/Madrid",
                                 country="ES", topic="green", place="Madrid", created_by="ada",
                                 now=datetime.utcnow())
        cat.publish(session, event.id, now=datetime.utcnow())
        people = []
        for chat in (1001, 1002):
            sender = channel.store.sender_id("telegram", str(chat))
            session.add(ChannelUser(sender_id=sender, channel="telegram", address=str(chat),
                                    last_inbound_at=datetime.utcnow()))
            session.flush()
            cat.register(session, event.id, sender, datetime.utcnow() - timedelta(days=2), language="en")
            people.append(sender)
        event_id = event.id
    with session_scope(engine) as session:
        assert reminders.queue_due(session, start - timedelta(hours=23)) == {"telegram": 2}
        cat.cancel_registration(session, event_id, people[1], datetime.utcnow())

    async def nothing(_message) -> None:
        raise AssertionError("a reminder never goes to Rasa")

    async def body(worker) -> None:
        worker.wake()
        deadline = asyncio.get_running_loop().time() + 20
        while asyncio.get_running_loop().time() < deadline:
            with session_scope(engine) as session:
                done = session.execute(select(InboxMessage.outcome).where(
                    InboxMessage.kind == reminders.REMINDER, InboxMessage.status == "done")).scalars().all()
            if len(done) == 2:
                return
            await asyncio.sleep(0.1)
        raise AssertionError("the reminders were not handled")

    run_worker_scenario(channel, api, nothing, body)
    [call] = api.calls_of("sendMessage")
    assert call.params["chat_id"] in (1001, "1001")
    assert call.params["text"].startswith("⏰ Reminder: \"Green skills workshop\" starts in 24 hours")
    keyboard = call.params["reply_markup"]["inline_keyboard"]
    assert [row[0]["callback_data"] for row in keyboard] == [payload("details", event_id), payload("cancel", event_id)]
    with session_scope(engine) as session:
        outcomes = sorted(session.execute(select(InboxMessage.outcome).where(
            InboxMessage.kind == reminders.REMINDER)).scalars())
    assert outcomes == ["sent", "skipped"]


# -- sendDocument ---------------------------------------------------------------------------------------------
def test_a_calendar_document_reaches_the_bot_api_as_a_file_upload(tmp_path) -> None:
    from bot.telegram import call_bot_api, document_call, make_bot
    from tests.standins.servers import TelegramStandIn
    from tests.support.channels import TOKEN

    api = TelegramStandIn(TOKEN).start()
    body = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    call = document_call("4242", "event-7.ics", base64.b64encode(body).decode(), "\"Green\" & more")
    assert call["caption"] == "\"Green\" &amp; more"

    async def send() -> str:
        from bot.telegram import TelegramSettings

        bot = make_bot(TelegramSettings(token=TOKEN, mode="polling", api_base_url=api.base_url))
        await bot.initialize()
        try:
            return await call_bot_api(bot, json.loads(json.dumps(call)))  # as the outbox keeps it
        finally:
            await bot.shutdown()

    try:
        assert asyncio.run(send()).isdigit()
    finally:
        api.stop()
    [sent] = api.calls_of("sendDocument")
    assert sent.params["document"]["filename"] == "event-7.ics"
    assert sent.params["document"]["content"] == body
    assert sent.params["caption"] == "\"Green\" &amp; more"



def test_a_cancellation_notice_goes_only_while_the_event_is_cancelled(events, db):
    with session_scope(db) as session:
        sender = _user(session)
        registration = cat.register(session, events["europe"], sender, datetime.utcnow()).registration
        now = datetime.utcnow()
        assert reminders.still_due(session, registration.id, "cancelled", now) == "the event is not cancelled"
        [affected] = cat.cancel_event(session, events["europe"], now=now)
        assert reminders.queue_cancellations(session, [affected], now) == {"telegram": 1}
        assert reminders.still_due(session, registration.id, "cancelled", now) == ""
        assert reminders.still_due(session, registration.id, "reminder", now) == "the event is cancelled"
