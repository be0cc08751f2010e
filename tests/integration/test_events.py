"""Network events and updates through the running assistant (the launcher's servers, its task-queue consumer
and the channel stand-ins): STOP and START in the chat, a broadcast queued on the real task queue and sent
by the channel workers (Telegram free-form, WhatsApp outside the window by template), and calendar links."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timedelta

import icalendar
import pytest
import requests

from lmi4vet.db.engine import make_engine, session_scope
from lmi4vet.db.models import ChannelUser
from lmi4vet.events import audience, catalogue, consent, dispatch
from lmi4vet.events.calendar import calendar_link
from lmi4vet.events.models import Broadcast, BroadcastRecipient, Event
from lmi4vet.events.wording import when
from lmi4vet.i18n import t
from lmi4vet.settings import Settings
from tests.integration.test_telegram import chat, post, texts, update
from tests.integration.test_whatsapp import bodies, fields, number
from tests.integration.test_whatsapp import post as whatsapp_post

pytestmark = pytest.mark.integration
TEMPLATE = "HX" + "b2" * 16


@pytest.fixture(scope="module")
def db(assistant):
    return make_engine(f"sqlite:///{assistant.var_dir / 'lmi4vet.db'}")


def sender_of(db, address: str) -> str:
    with session_scope(db) as session:
        return session.query(ChannelUser.sender_id).filter(ChannelUser.address == address).one()[0]


def test_stop_and_start_in_romanian_on_whatsapp(assistant, twilio_api, db) -> None:
    user = number("+40")
    whatsapp_post(assistant, fields(user, "DEZABONARE"))
    assert bodies(twilio_api, user, 1) == [t("ro", "updates.stopped")]
    with session_scope(db) as session:
        assert consent.is_unsubscribed(session, sender_of(db, user))
    whatsapp_post(assistant, fields(user, "pornire"))
    assert bodies(twilio_api, user, 2)[1] == t("ro", "updates.started")
    with session_scope(db) as session:
        assert not consent.is_unsubscribed(session, sender_of(db, user))


def test_a_broadcast_goes_through_the_task_queue_to_both_channels(assistant, telegram_api, twilio_api, db) -> None:
    from lmi4vet.events import tasks

    de_user, ro_user, stopped_user = chat(), number("+40"), chat()
    post(assistant, update(de_user, "de", text="hallo"))
    post(assistant, update(stopped_user, "de", text="hallo"))
    whatsapp_post(assistant, fields(ro_user, "buna"))
    texts(telegram_api, de_user, 1)
    texts(telegram_api, stopped_user, 1)
    bodies(twilio_api, ro_user, 1)
    post(assistant, update(stopped_user, "de", text="STOPP"))
    assert texts(telegram_api, stopped_user, 2)[1] == t("de", "updates.stopped")
    now = datetime.utcnow()
    with session_scope(db) as session:
        for address, lang in ((str(de_user), "de"), (ro_user, "ro"), (str(stopped_user), "de")):
            consent.set_consent(session, sender_of(db, address), "digital", "EU", True, "button", lang,
                                consent.WORDING_VERSION, now)
        session.query(ChannelUser).filter(ChannelUser.address == ro_user).update(
            {"last_inbound_at": now - timedelta(hours=30)})  # outside WhatsApp's window: the template goes
        broadcast = audience.create_broadcast(
            session, deployment="default", topic="digital", country="", languages=["de", "ro"],
            texts={"de": "Neu im Netzwerk: Online-Seminar zu digitalen Kompetenzen in der Ausbildung.",
                   "ro": "Nou în rețea: seminar online despre competențe digitale în formarea profesională."},
            created_by="ada", now=now, template_sid=TEMPLATE)
        dispatch.schedule(session, broadcast.id, None, now)
        broadcast_id = broadcast.id
    # the assistant's queue (its var dir's SQLite file): its consumer runs the task
    queue = tasks.make_huey(replace(Settings.from_env(), var_dir=assistant.var_dir, task_queue_url=""))
    queue.task(name=tasks.send_broadcast.name)(tasks.send_broadcast.func)(broadcast_id)

    sent = texts(telegram_api, de_user, 2)[1]
    assert sent == "Neu im Netzwerk: Online-Seminar zu digitalen Kompetenzen in der Ausbildung."
    template = twilio_api.wait_for("Messages.create", 2, To=ro_user)[1]
    assert template.params.get("ContentSid") == TEMPLATE and not template.params.get("Body")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with session_scope(db) as session:
            totals = audience.totals(session, broadcast_id)
        if totals["queued"] == 0:
            break
        time.sleep(0.1)
    assert totals == {"queued": 0, "sent": 2, "delivered": 0, "failed": 0, "skipped": 0}
    assert len(telegram_api.calls_of("sendMessage", chat_id=stopped_user)) == 2  # STOPP: not in the audience


def test_calendar_links_serve_the_ics_until_they_expire(assistant, db) -> None:
    now = datetime.utcnow()
    with session_scope(db) as session:
        event = catalogue.create_event(
            session, deployment="default", language="es", title="Taller de FP dual en Valencia",
            description="Empresas y centros de FP.", start=datetime(2030, 3, 5, 10, 0), end=datetime(2030, 3, 5, 12, 0),
            timezone="Europe/Madrid", place="Valencia", country="ES", topic="work_based_learning",
            created_by="ada", now=now, texts={"de": ("Workshop zur dualen Ausbildung in Valencia", "")})
        catalogue.publish(session, event.id, now=now)
        token = calendar_link(session, event.id, None, now)
        expired = calendar_link(session, event.id, None, now - timedelta(days=60))
    url = f"{assistant.url}/webhooks/whatsapp/calendar"
    answer = requests.get(f"{url}/{token}?lang=de", timeout=10)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/calendar")
    [vevent] = icalendar.Calendar.from_ical(answer.content).walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Workshop zur dualen Ausbildung in Valencia"
    assert vevent["DTSTART"].dt.isoformat() == "2030-03-05T10:00:00+01:00"
    assert str(vevent["DTSTART"].params["TZID"]) == "Europe/Madrid"
    assert str(icalendar.Calendar.from_ical(requests.get(f"{url}/{token}", timeout=10).content)
               .walk("VEVENT")[0]["SUMMARY"]) == "Taller de FP dual en Valencia"  # no language: the event's own
    assert requests.get(f"{url}/{expired}", timeout=10).status_code == 404
    local = requests.get(f"{assistant.url}/webhooks/rest/calendar/{token}", timeout=10)  # the local chat's links
    assert local.status_code == 200 and local.content.startswith(b"BEGIN:VCALENDAR")
    assert requests.get(f"{url}/not-a-token", timeout=10).status_code == 404


# -- the whole path of issue 11 -------------------------------------------------------------------------------
def _console(assistant, tmp_path):
    """The console on the assistant's database, logged in as an admin."""
    from admin.app import create_app
    from admin.security import create_user
    from tests.unit.test_admin import PASSWORD, login

    db_url = f"sqlite:///{assistant.var_dir / 'lmi4vet.db'}"
    username = "events-admin"
    with session_scope(make_engine(db_url)) as session:
        create_user(session, username, PASSWORD, "admin")  # (or reset)
    app = create_app(db_url, f"sqlite:///{tmp_path / 'tracker.sqlite'}", nlu_dir=tmp_path / "nlu",
                     secret_key="test", assistant_url=assistant.url)
    app.config["TESTING"] = True
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def _form(client, path: str, data: dict, page: str) -> str:
    """POST a console form with its CSRF token; the redirect target."""
    from tests.unit.test_admin import token

    response = client.post(path, data={**data, "csrf_token": token(client, page)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def _wait_totals(db, broadcast_id: int, timeout: float = 60) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while True:
        with session_scope(db) as session:
            found = audience.totals(session, broadcast_id)
            status = session.get(Broadcast, broadcast_id).status
        if (found["queued"] == 0 and status != "scheduled" and sum(found.values())) or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_an_event_found_in_german_registered_put_in_a_calendar_then_updates_in_three_languages(
        assistant, telegram_api, twilio_api, db, tmp_path, monkeypatch) -> None:
    from lmi4vet.events import tasks
    from lmi4vet.events.wording import payload
    from tests.integration.test_telegram import callback

    console = _console(assistant, tmp_path)
    # 1. the network's staff create an event in the console (German, with a Spanish text) and publish it
    start = (datetime.utcnow() + timedelta(days=30)).replace(hour=9, minute=30, second=0, microsecond=0)
    location = _form(console, "/events/new", {
        "language": "de", "title_de": "Digitale Kompetenzen in der Berufsbildung",
        "description_de": "Austausch zwischen Berufsschulen und Betrieben.",
        "title_es": "Competencias digitales en la FP", "description_es": "", "start": f"{start:%Y-%m-%dT%H:%M}",
        "end": f"{start + timedelta(hours=2):%Y-%m-%dT%H:%M}", "timezone": "Europe/Berlin", "place": "IHK Köln",
        "online_url": "", "country": "de", "topic": "digital", "capacity": "25"}, "/events/new")
    event_id = int(location.rsplit("/", 1)[1])
    _form(console, f"/events/{event_id}/publish", {}, f"/events/{event_id}")

    # 2. a German Telegram user finds it, registers and gets the calendar file
    de_user = chat()
    post(assistant, update(de_user, "de", text="Welche Veranstaltungen gibt es in Deutschland?"))
    [listing] = telegram_api.wait_for("sendMessage", chat_id=de_user)
    assert listing.params["text"].startswith(t("de", "events.list_filtered", filters="Deutschland"))
    assert "Digitale Kompetenzen in der Berufsbildung · IHK Köln" in listing.params["text"]
    buttons = [row[0]["callback_data"] for row in listing.params["reply_markup"]["inline_keyboard"]]
    assert buttons[0] == payload("details", event_id)
    post(assistant, callback(de_user, payload("register", event_id), "de"))
    with session_scope(db) as session:
        starts = when(session.get(Event, event_id), "de")
    assert texts(telegram_api, de_user, 2)[1] == "\n\n".join([
        t("de", "events.registered", title="Digitale Kompetenzen in der Berufsbildung", when=starts),
        t("de", "events.reminder_promise")])
    with session_scope(db) as session:
        assert catalogue.seats_left(session, event_id) == 24
    post(assistant, callback(de_user, payload("calendar", event_id), "de"))
    [document] = telegram_api.wait_for("sendDocument", chat_id=de_user)
    assert document.params["document"]["filename"] == f"event-{event_id}.ics"
    [vevent] = icalendar.Calendar.from_ical(document.params["document"]["content"]).walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Digitale Kompetenzen in der Berufsbildung"
    assert str(vevent["DTSTART"].params["TZID"]) == "Europe/Berlin"
    assert vevent["DTSTART"].dt.replace(tzinfo=None) == start and str(vevent["LOCATION"]) == "IHK Köln"

    # 3. opt in to updates on inclusion (no other test of this module uses it): German on Telegram
    # (/preferences), Spanish and Romanian on WhatsApp
    post(assistant, update(de_user, "de", text="/preferences",
                           entities=[{"type": "bot_command", "offset": 0, "length": 12}]))
    prefs = telegram_api.wait_for("sendMessage", 3, chat_id=de_user)[2]
    assert prefs.params["text"].startswith(t("de", "prefs.none"))
    assert prefs.params["text"].endswith(t("de", "prefs.choose", country="Deutschland"))  # the country asked about
    [inclusion_de] = [row[0]["callback_data"] for row in prefs.params["reply_markup"]["inline_keyboard"]
                    if row[0]["text"] == t("de", "events.topics.inclusion")]  # (a short key: the payload is 64 bytes)
    post(assistant, callback(de_user, inclusion_de, "de"))
    assert texts(telegram_api, de_user, 4)[3].startswith(
        t("de", "prefs.opted_in", topic=t("de", "events.topics.inclusion"), country="Deutschland"))
    people = {}
    for lang, prefix, word in (("es", "+34", "preferencias"), ("ro", "+40", "preferinte")):
        user = number(prefix)
        whatsapp_post(assistant, fields(user, word))
        menu = bodies(twilio_api, user, 1)[0]
        topic = t(lang, "events.topics.inclusion")
        line = next(line for line in menu.splitlines() if line.endswith(f". {topic}"))
        whatsapp_post(assistant, fields(user, line.split(".")[0]))
        assert bodies(twilio_api, user, 2)[1].startswith(
            t(lang, "prefs.opted_in", topic=topic, country=t(lang, "events.europe")))
        people[lang] = user
    with session_scope(db) as session:
        logged = [(log.topic, log.country, log.method, log.language)
                  for address in (str(de_user), people["es"], people["ro"])
                  for log in consent.history(session, sender_of(db, address))]
    assert logged == [("inclusion", "DE", "button", "de"), ("inclusion", "EU", "button", "es"),
                      ("inclusion", "EU", "button", "ro")]
    with session_scope(db) as session:  # the Spanish number last wrote 30 hours ago: outside WhatsApp's window
        session.query(ChannelUser).filter(ChannelUser.address == people["es"]).update(
            {"last_inbound_at": datetime.utcnow() - timedelta(hours=30)})

    # 4. a broadcast in three languages from the console, sent by the assistant's task queue
    queue = tasks.make_huey(replace(Settings.from_env(), var_dir=assistant.var_dir, task_queue_url=""))
    monkeypatch.setattr(tasks, "send_broadcast", queue.task(name=tasks.send_broadcast.name)(tasks.send_broadcast.func))
    texts_by_lang = {"de": "Neu: Online-Seminar zur Inklusion in der Ausbildung am Donnerstag.",
                     "es": "Novedad: seminario en línea sobre inclusión en la FP el jueves.",
                     "ro": "Noutate: seminar online despre incluziune în formarea profesională, joi."}

    def broadcast(number_: int) -> int:
        form = {"topic": "inclusion", "country": "", "fallback": "de", "template_sid": TEMPLATE,
                **{f"lang_{lang}": "1" for lang in texts_by_lang},
                **{f"text_{lang}": f"{text} ({number_})" for lang, text in texts_by_lang.items()}}
        broadcast_id = int(_form(console, "/broadcasts/new", form, "/broadcasts/new").rsplit("/", 1)[1])
        _form(console, f"/broadcasts/{broadcast_id}/send", {}, f"/broadcasts/{broadcast_id}")
        return broadcast_id

    first = broadcast(1)
    assert texts(telegram_api, de_user, 5)[4] == f"{texts_by_lang['de']} (1)"
    assert bodies(twilio_api, people["ro"], 3)[2] == f"{texts_by_lang['ro']} (1)"
    template = twilio_api.wait_for("Messages.create", 3, To=people["es"])[2]
    assert template.params.get("ContentSid") == TEMPLATE and not template.params.get("Body")
    assert _wait_totals(db, first) == {"queued": 0, "sent": 3, "delivered": 0, "failed": 0, "skipped": 0}

    # 5. STOP in Romanian; the next broadcast leaves that person out
    whatsapp_post(assistant, fields(people["ro"], "DEZABONARE"))
    assert bodies(twilio_api, people["ro"], 4)[3] == t("ro", "updates.stopped")
    second = broadcast(2)
    assert texts(telegram_api, de_user, 6)[5] == f"{texts_by_lang['de']} (2)"
    assert twilio_api.wait_for("Messages.create", 4, To=people["es"])[3].params.get("ContentSid") == TEMPLATE
    assert _wait_totals(db, second) == {"queued": 0, "sent": 2, "delivered": 0, "failed": 0, "skipped": 0}
    with session_scope(db) as session:
        reached = {sender for sender, in session.query(BroadcastRecipient.sender_id).filter_by(broadcast_id=second)}
    assert sender_of(db, people["ro"]) not in reached and len(reached) == 2
    assert len(twilio_api.calls_of("Messages.create", To=people["ro"])) == 4  # nothing after the confirmation
