"""The console's events and broadcasts pages with Flask's test client: creating, editing, publishing and
cancelling events (local times, validation keeping the form), roles, CSRF; a broadcast's preview for a prepared
audience, "Send now" through the task queue (in memory) into the durable inbox, and interrupting it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from admin.security import create_user
from lmi4vet.db.engine import session_scope
from lmi4vet.db.models import ChannelUser, InboxMessage
from lmi4vet.events import audience, catalogue
from lmi4vet.events.consent import WORDING_VERSION, set_consent
from lmi4vet.events.models import Broadcast, BroadcastRecipient, Event
from lmi4vet.events.wording import when
from lmi4vet.i18n import t
from tests.unit.test_admin import PASSWORD, login, make_console, token

EVENT_FORM = {"language": "es", "title_es": "Taller de competencias verdes", "description_es": "Para centros de FP.",
              "title_de": "Workshop grüne Kompetenzen", "description_de": "", "start": "2030-06-15T10:00",
              "end": "2030-06-15T12:30", "timezone": "Europe/Madrid", "place": "Valencia, CIPFP", "online_url": "",
              "country": "es", "topic": "green", "capacity": "20"}


@pytest.fixture
def console(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("DEPLOYMENT", raising=False)
    app, engine, _, _ = make_console(tmp_path)
    with session_scope(engine) as session:
        create_user(session, "agnes", PASSWORD, "agent", deployment="default")
    return app, engine, f"sqlite:///{tmp_path / 'db.sqlite'}"


def client_for(app, username: str):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def post(client, path: str, data: dict | None = None, page: str = "/events"):
    return client.post(path, data={**(data or {}), "csrf_token": token(client, page)})


def new_event(client, **changes: str) -> int:
    response = post(client, "/events/new", {**EVENT_FORM, **changes})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


# -- events ---------------------------------------------------------------------------------------------------
def test_an_event_in_two_languages_is_listed_with_its_local_time(console) -> None:
    app, engine, _ = console
    ada = client_for(app, "ada")
    event_id = new_event(ada)
    with session_scope(engine) as session:
        event = session.get(Event, event_id)
        assert (event.status, event.language, event.country, event.capacity) == ("draft", "es", "ES", 20)
        assert event.starts_at == datetime(2030, 6, 15, 8, 0)  # 10:00 in Madrid (CEST) is 08:00 UTC
        assert {t.lang: t.title for t in event.texts} == {"es": "Taller de competencias verdes",
                                                          "de": "Workshop grüne Kompetenzen"}
        catalogue.create_event(session, deployment="default", language="en", title="Last year's meeting",
                               start=datetime(2020, 1, 10, 9), end=datetime(2020, 1, 10, 11), timezone="Europe/Berlin",
                               country="EU", topic="digital", online_url="https://example.org/meet",
                               created_by="ada", now=datetime(2019, 12, 1))
        catalogue.create_event(session, deployment="elsewhere", language="en", title="Not ours", place="Rome",
                               start=datetime(2030, 1, 10, 9), end=datetime(2030, 1, 10, 11), timezone="Europe/Rome",
                               country="IT", topic="digital", created_by="x", now=datetime(2029, 12, 1))
    page = ada.get("/events").get_data(as_text=True)
    upcoming, past = page.split('id="past"')
    assert "Taller de competencias verdes" in upcoming and "2030-06-15 10:00 Europe/Madrid (CEST)–12:30" in upcoming
    assert "es, de" not in upcoming and "de, es" in upcoming  # the languages written
    assert "0 / 20" in upcoming and "draft" in upcoming
    assert "Last year&#39;s meeting" in past and "2020-01-10 09:00 Europe/Berlin (CET)" in past
    assert "Not ours" not in page  # another deployment's
    detail = ada.get(f"/events/{event_id}").get_data(as_text=True)
    assert 'value="2030-06-15T10:00"' in detail and 'value="Workshop grüne Kompetenzen"' in detail
    assert "not written: falls back to es" in detail  # en, fr, ro
    assert "affects 0 registrations" in detail


def test_a_validation_error_keeps_what_was_entered(console) -> None:
    app, engine, _ = console
    ada = client_for(app, "ada")
    response = post(ada, "/events/new", {**EVENT_FORM, "end": "2030-06-15T09:00", "title_de": "Bleibt stehen"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Not saved: the end must be after the start." in page
    assert 'value="Bleibt stehen"' in page and 'value="Valencia, CIPFP"' in page and 'value="2030-06-15T09:00"' in page
    for changes, message in (({"timezone": "Europe/Atlantis"}, "unknown time zone"),
                             ({"capacity": "ten"}, "not a whole number"), ({"country": "XX"}, "unknown country"),
                             ({"place": ""}, "a place or an online link is needed"),
                             ({"title_es": ""}, "a title in the event&#39;s language (es) is needed")):
        response = post(ada, "/events/new", {**EVENT_FORM, **changes})
        assert response.status_code == 400 and message in response.get_data(as_text=True), changes
    with session_scope(engine) as session:
        assert session.execute(select(Event)).first() is None


def test_editing_an_event_changes_only_what_changed(console) -> None:
    app, engine, _ = console
    ada = client_for(app, "ada")
    event_id = new_event(ada)
    with session_scope(engine) as session:
        before = session.get(Event, event_id).sequence
    response = post(ada, f"/events/{event_id}", {**EVENT_FORM, "capacity": "", "title_de": "", "title_fr": "Atelier",
                                                 "timezone": "Europe/Paris"})
    assert response.status_code == 302
    with session_scope(engine) as session:
        event = session.get(Event, event_id)
        assert event.capacity is None and event.timezone == "Europe/Paris"
        assert sorted(t.lang for t in event.texts) == ["es", "fr"]
        assert event.sequence > before
        after = event.sequence
    assert post(ada, f"/events/{event_id}", {**EVENT_FORM, "capacity": "", "title_de": "", "title_fr": "Atelier",
                                             "timezone": "Europe/Paris"}).status_code == 302
    with session_scope(engine) as session:
        assert session.get(Event, event_id).sequence == after  # nothing changed: no new calendar revision
    response = post(ada, f"/events/{event_id}", {**EVENT_FORM, "capacity": "0"})
    assert response.status_code == 400 and "the capacity must be at least 1" in response.get_data(as_text=True)
    assert 'value="0"' in response.get_data(as_text=True)


def test_the_event_page_sums_up_the_feedback_and_shows_each_registrations_language(console) -> None:
    app, engine, _ = console
    ada = client_for(app, "ada")
    event_id = new_event(ada)
    post(ada, f"/events/{event_id}/publish")
    assert "No feedback yet: it is asked for after the event." in ada.get(f"/events/{event_id}").get_data(
        as_text=True)
    with session_scope(engine) as session:
        for n, (lang, score) in enumerate((("ro", 5), ("de", 4), ("es", 4), ("fr", None))):
            catalogue.register(session, event_id, f"person-{n}", datetime.utcnow(), language=lang)
            if score:
                catalogue.record_feedback(session, (event_id, f"person-{n}"), score, datetime.utcnow())
    page = ada.get(f"/events/{event_id}").get_data(as_text=True)
    summary = re.search(r'<p id="feedback">(.*?)</p>', page, re.S).group(1)
    assert " ".join(re.sub(r"<[^>]+>", "", summary).split()) == \
        "Feedback: 4.3 on average from 3 answers (1: 0, 2: 0, 3: 0, 4: 2, 5: 1)."
    assert "<td>person-0</td>" not in page and "<td>ro</td>" in page and "<td>fr</td>" in page


def test_publish_and_cancel(console) -> None:
    app, engine, _ = console
    ada = client_for(app, "ada")
    event_id = new_event(ada)
    post(ada, f"/events/{event_id}/publish")
    with session_scope(engine) as session:
        assert session.get(Event, event_id).status == "published"
        for n, channel in enumerate(("telegram", "whatsapp", None)):  # the third: the local chat
            if channel:
                session.add(ChannelUser(sender_id=f"person-{n}", channel=channel, address=f"addr-{n}",
                                        last_inbound_at=datetime.utcnow()))
            catalogue.register(session, event_id, f"person-{n}", datetime.utcnow(), language=("ro", "de", "es")[n])
    page = ada.get(f"/events/{event_id}").get_data(as_text=True)
    assert "affects 3 registrations" in page and "3 / 20" in page and "person-2" in page
    response = post(ada, f"/events/{event_id}/cancel")
    page = ada.get(response.headers["Location"]).get_data(as_text=True)
    assert ("Cancelled. It affects 3 registrations: 2 of them are being told in the chat, and their calendar "
            "files now say cancelled.") in page
    with session_scope(engine) as session:
        event = session.get(Event, event_id)
        told = session.execute(select(InboxMessage.sender_id, InboxMessage.channel, InboxMessage.kind,
                                      InboxMessage.text).order_by(InboxMessage.id)).all()
        expected = [
            ("person-0", "telegram", "reminder", t("ro", "events.cancelled_notice",
                                                   title="Taller de competencias verdes", when=when(event, "ro"))),
            ("person-1", "whatsapp", "reminder", t("de", "events.cancelled_notice",
                                                   title="Workshop grüne Kompetenzen", when=when(event, "de")))]
    assert [tuple(row) for row in told] == expected
    assert 'id="save"' not in page and 'id="publish"' not in page  # a cancelled event is read only
    post(ada, f"/events/{event_id}/publish")
    assert "Not done: a cancelled event cannot be published again." in ada.get(f"/events/{event_id}").get_data(
        as_text=True)
    with session_scope(engine) as session:
        assert session.get(Event, event_id).status == "cancelled"


def test_reviewers_read_and_agents_are_refused(console) -> None:
    app, engine, _ = console
    event_id = new_event(client_for(app, "ada"))
    rev = client_for(app, "rev")
    assert rev.get("/events").status_code == 200 and rev.get("/broadcasts").status_code == 200
    page = rev.get(f"/events/{event_id}").get_data(as_text=True)
    assert "Taller de competencias verdes" in page and 'id="save"' not in page and "<fieldset disabled>" in page
    assert 'id="new-event"' not in rev.get("/events").get_data(as_text=True)
    assert rev.get("/events/new").status_code == 403 and rev.get("/broadcasts/new").status_code == 403
    for path in ("/events/new", f"/events/{event_id}", f"/events/{event_id}/publish", f"/events/{event_id}/cancel",
                 "/broadcasts/new"):
        assert post(rev, path, EVENT_FORM).status_code == 403, path
    with session_scope(engine) as session:
        assert session.get(Event, event_id).status == "draft"
    agnes = client_for(app, "agnes")
    for path in ("/events", f"/events/{event_id}", "/broadcasts", "/broadcasts/new"):
        assert agnes.get(path).status_code == 403, path
    nav = agnes.get("/tickets").get_data(as_text=True)
    assert 'id="nav-events"' not in nav and 'id="nav-broadcasts"' not in nav
    assert 'id="nav-events"' in rev.get("/tickets").get_data(as_text=True)
    assert app.test_client().get("/events").status_code == 302  # anonymous: the login page


def test_every_post_needs_the_csrf_token(console) -> None:
    app, engine, _ = console
    ada = client_for(app, "ada")
    event_id = new_event(ada)
    with session_scope(engine) as session:
        broadcast_id = audience.create_broadcast(session, deployment="default", topic="green", texts={"en": "Hi"},
                                                 languages=["en"], created_by="ada", now=datetime.utcnow()).id
    for path in ("/events/new", f"/events/{event_id}", f"/events/{event_id}/publish", f"/events/{event_id}/cancel",
                 "/broadcasts/new", f"/broadcasts/{broadcast_id}/send", f"/broadcasts/{broadcast_id}/schedule",
                 f"/broadcasts/{broadcast_id}/interrupt"):
        assert ada.post(path, data=EVENT_FORM).status_code == 400, path
        assert ada.post(path, data={**EVENT_FORM, "csrf_token": "forged"}).status_code == 400, path
    with session_scope(engine) as session:
        assert session.get(Event, event_id).status == "draft"
        assert session.get(Broadcast, broadcast_id).status == "draft"


# -- broadcasts -----------------------------------------------------------------------------------------------
def people(engine, now: datetime) -> dict[str, str]:
    """Two on Telegram (es, de), WhatsApp inside (es) and outside (ro) the 24-hour window, all opted in to green
    updates in Spain; one on Telegram who opted in to digital only; one stopped."""
    who = {"tg_es": ("telegram", "101", now, "es", "green"), "tg_de": ("telegram", "102", now, "de", "green"),
           "wa_in": ("whatsapp", "whatsapp:+34600000001", now - timedelta(hours=1), "es", "green"),
           "wa_out": ("whatsapp", "whatsapp:+40700000002", now - timedelta(hours=30), "ro", "green"),
           "tg_digital": ("telegram", "103", now, "es", "digital"),
           "tg_stopped": ("telegram", "104", now, "es", "green")}
    with session_scope(engine) as session:
        for sender, (channel, address, last, lang, topic) in who.items():
            session.add(ChannelUser(sender_id=sender, channel=channel, address=address, last_inbound_at=last,
                                    stopped_at=now if sender == "tg_stopped" else None))
            session.flush()
            set_consent(session, sender, topic, "ES", True, "button", lang, WORDING_VERSION, now)
    return {name: name for name in who}


BROADCAST_FORM = {"topic": "green", "country": "ES", "fallback": "es", "lang_es": "1", "lang_de": "1",
                  "lang_ro": "1", "text_es": "Nuevo taller verde en Valencia.",
                  "text_de": "Neuer Workshop in Valencia.",
                  "template_sid": "HX0123456789abcdef0123456789abcdef"}


def new_broadcast(client, **changes: str) -> int:
    response = post(client, "/broadcasts/new", {**BROADCAST_FORM, **changes}, page="/broadcasts/new")
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def cells(page: str, row: str) -> list[str]:
    """The cells of the preview row for ``row`` (a language)."""
    found = re.search(rf'<tr data-lang="{row}">(.*?)</tr>', page, re.S)
    assert found, row
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", found.group(1), re.S)]


def test_a_draft_shows_the_preview_of_its_audience(console) -> None:
    app, engine, _ = console
    people(engine, datetime.utcnow())
    ada = client_for(app, "ada")
    broadcast_id = new_broadcast(ada)
    with session_scope(engine) as session:
        broadcast = session.get(Broadcast, broadcast_id)
        # the fallback first, then the others in the usual order
        assert (broadcast.status, broadcast.languages, broadcast.country) == ("draft", "es,ro,de", "ES")
    page = ada.get(f"/broadcasts/{broadcast_id}").get_data(as_text=True)
    assert "<b>4</b> of 4 people in the audience receive it" in page
    assert "(3 free-form, 1 by the WhatsApp template); skipped: 0." in page
    assert cells(page, "es") == ["es", "2", "2", "0", "0", "es"]
    assert cells(page, "de") == ["de", "1", "1", "0", "0", "de"]
    assert cells(page, "ro") == ["ro", "1", "0", "1", "0", "no text: gets es"]
    assert re.search(r'data-channel="telegram"><td>telegram</td><td>2<', page)
    assert re.search(r'data-channel="whatsapp"><td>whatsapp</td><td>2<', page)
    assert "(no text in ro: the es text)" in page and "Neuer Workshop in Valencia." in page
    assert 'id="send-now"' in page and 'id="schedule"' in page
    # without a template, WhatsApp outside the window is skipped, with the reason
    other = new_broadcast(ada, template_sid="", fallback="de")
    page = ada.get(f"/broadcasts/{other}").get_data(as_text=True)
    assert cells(page, "ro") == ["ro", "1", "0", "0", "1", "no text: gets de"]
    assert "<b>3</b> of 4 people" in page and "outside the 24-hour window, no template" in page
    listing = ada.get("/broadcasts").get_data(as_text=True)
    assert f"#{broadcast_id}" in listing and "es, ro, de" in listing
    rev_page = client_for(app, "rev").get(f"/broadcasts/{broadcast_id}").get_data(as_text=True)
    assert "<b>4</b> of 4" in rev_page and 'id="send-now"' not in rev_page


def test_a_broadcast_form_error_keeps_the_texts(console) -> None:
    app, engine, _ = console
    ada = client_for(app, "ada")
    response = post(ada, "/broadcasts/new", {**BROADCAST_FORM, "text_es": "", "text_de": "Bleibt."},
                    page="/broadcasts/new")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "the first language (es) needs a text" in page
    assert ">Bleibt.</textarea>" in page
    response = post(ada, "/broadcasts/new", {**BROADCAST_FORM, "text_de": "x" * 1601}, page="/broadcasts/new")
    assert response.status_code == 400 and "longer than 1600 characters" in response.get_data(as_text=True)
    with session_scope(engine) as session:
        assert session.execute(select(Broadcast)).first() is None


@pytest.fixture
def memory_queue(console, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The task queue in memory, on the console's database; the channels woken are recorded."""
    _, _, db_url = console
    monkeypatch.setenv("TASK_QUEUE_URL", "memory")
    monkeypatch.setenv("DATABASE_URL", db_url)
    from lmi4vet.events import tasks
    from lmi4vet.settings import Settings

    monkeypatch.setattr(tasks, "huey", tasks.make_huey(Settings.from_env()))
    task = tasks.send_broadcast
    monkeypatch.setattr(tasks, "send_broadcast", lambda broadcast_id: task.call_local(broadcast_id))
    woken: list[str] = []
    monkeypatch.setattr(tasks, "wake", lambda url, channel: woken.append(channel) or True)
    return woken


def test_send_now_queues_the_messages_through_the_task_queue_and_interrupt_stops_it(console, memory_queue) -> None:
    app, engine, _ = console
    people(engine, datetime.utcnow())
    ada = client_for(app, "ada")
    broadcast_id = new_broadcast(ada)
    response = post(ada, f"/broadcasts/{broadcast_id}/send", page=f"/broadcasts/{broadcast_id}")
    page = ada.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sending: the task queue is queueing the messages." in page
    assert sorted(set(memory_queue)) == ["telegram", "whatsapp"]
    with session_scope(engine) as session:
        assert session.get(Broadcast, broadcast_id).status == "sending"
        rows = session.execute(select(InboxMessage).where(InboxMessage.kind == "broadcast")).scalars().all()
        assert sorted((r.sender_id, r.channel, r.text) for r in rows) == [
            ("tg_de", "telegram", "Neuer Workshop in Valencia."),
            ("tg_es", "telegram", "Nuevo taller verde en Valencia."),
            ("wa_in", "whatsapp", "Nuevo taller verde en Valencia."),
            ("wa_out", "whatsapp", "Nuevo taller verde en Valencia.")]
        routes = dict(session.execute(select(BroadcastRecipient.sender_id, BroadcastRecipient.route)).all())
        assert routes == {"tg_es": "free", "tg_de": "free", "wa_in": "free", "wa_out": "template"}
        session.execute(BroadcastRecipient.__table__.update().where(BroadcastRecipient.sender_id == "tg_es")
                        .values(status="sent"))
    assert 'id="preview"' not in page and 'id="totals"' in page and 'id="interrupt"' in page
    page = ada.get(f"/broadcasts/{broadcast_id}").get_data(as_text=True)  # reload: the totals as they are now
    assert re.search(r'class="total queued">3<', page) and re.search(r'class="total sent">1<', page)
    assert "free 3, template 1, skip 0" in page
    post(ada, f"/broadcasts/{broadcast_id}/send", page=f"/broadcasts/{broadcast_id}")
    assert "Not done: this broadcast is sending" in ada.get(f"/broadcasts/{broadcast_id}").get_data(as_text=True)
    response = post(ada, f"/broadcasts/{broadcast_id}/interrupt", page=f"/broadcasts/{broadcast_id}")
    page = ada.get(response.headers["Location"]).get_data(as_text=True)
    assert "Interrupted: 3 recipients not sent to." in page
    assert re.search(r'class="total skipped">3<', page) and "<td>interrupted</td><td>3</td>" in page
    with session_scope(engine) as session:
        assert session.get(Broadcast, broadcast_id).status == "interrupted"
    listing = ada.get("/broadcasts").get_data(as_text=True)
    assert "interrupted" in listing and re.search(r'class="total sent">1<', listing)


def test_schedule_converts_the_local_time(console, memory_queue) -> None:
    app, engine, _ = console
    ada = client_for(app, "ada")
    broadcast_id = new_broadcast(ada)
    path = f"/broadcasts/{broadcast_id}"
    post(ada, f"{path}/schedule", {"at": "2030-01-15T09:30", "timezone": "Europe/Bucharest"}, page=path)
    page = ada.get(path).get_data(as_text=True)
    assert "Scheduled for 2030-01-15 09:30 Europe/Bucharest (2030-01-15 07:30 UTC)" in page
    with session_scope(engine) as session:
        broadcast = session.get(Broadcast, broadcast_id)
        assert (broadcast.status, broadcast.scheduled_at) == ("scheduled", datetime(2030, 1, 15, 7, 30))
    for form, message in (({"at": "2001-01-01T10:00", "timezone": "UTC"}, "Not done: the time is in the past."),
                          ({"at": "2030-01-15T09:30", "timezone": "Mars/Olympus"}, "Not done: unknown time zone"),
                          ({"at": "soon", "timezone": "UTC"}, "is not a date and time")):
        post(ada, f"{path}/schedule", form, page=path)
        assert message in ada.get(path).get_data(as_text=True), form
    assert memory_queue == []  # scheduling enqueues nothing: the periodic tick starts it
    post(ada, f"{path}/interrupt", page=path)
    with session_scope(engine) as session:
        assert session.get(Broadcast, broadcast_id).status == "interrupted"
