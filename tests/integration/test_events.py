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
    assert requests.get(f"{url}/not-a-token", timeout=10).status_code == 404
