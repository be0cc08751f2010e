"""The admin console with Flask's test client: access control, CSRF, lockout, filters (with injection
attempts), transcript annotations, the misunderstood inbox and its export, analytics, privacy."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from admin.app import create_app
from admin.security import create_user
from lmi4vet.db.engine import make_engine, session_scope, upgrade
from lmi4vet.db.models import ChannelUser, CourseProgress, ModuleResult, NluCorrection
from lmi4vet.privacy import EVENTS, _metadata, enforce_retention

PASSWORD = "correct horse battery"
NOW = time.time()


def user_event(sender: str, text: str, intent: str, confidence: float, when: float, channel: str = "telegram",
               message_id: str = "", entities=None) -> dict:
    return {"event": "user", "timestamp": when, "text": text, "input_channel": channel,
            "message_id": message_id or f"m{int(when * 1000)}",
            "parse_data": {"intent": {"name": intent, "confidence": confidence}, "entities": entities or [],
                           "text": text}}


def conversation(sender: str, lang: str, turns: list[tuple[str, str, float]], start: float,
                 channel: str = "telegram") -> list[tuple[str, dict]]:
    events = [(sender, {"event": "action", "name": "action_session_start", "timestamp": start}),
              (sender, {"event": "slot", "name": "language", "value": lang, "timestamp": start + 0.5})]
    for n, (text, intent, confidence) in enumerate(turns):
        when = start + 1 + n
        events.append((sender, user_event(sender, text, intent, confidence, when, channel)))
        action = "action_fallback" if intent in ("nlu_fallback", "out_of_scope") else "action_greet"
        events.append((sender, {"event": "action", "name": action, "timestamp": when + 0.1}))
        events.append((sender, {"event": "bot", "text": f"reply to {text}", "timestamp": when + 0.2,
                                "data": {"buttons": [{"title": "Menu", "payload": "/help"}]}}))
    return events


def make_console(tmp_path: Path, **options) -> tuple:
    """A console on a fresh migrated database and an empty tracker store, with the accounts ``ada`` (admin) and
    ``rev`` (reviewer): ``(app, engine, tracker, nlu_dir)``; ``options`` go to create_app."""
    db_url, tracker_url = f"sqlite:///{tmp_path / 'db.sqlite'}", f"sqlite:///{tmp_path / 'tracker.sqlite'}"
    upgrade(db_url)
    tracker = make_engine(tracker_url)
    _metadata.create_all(tracker)
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        create_user(session, "ada", PASSWORD, "admin")
        create_user(session, "rev", PASSWORD, "reviewer")
    nlu_dir = tmp_path / "nlu"
    app = create_app(db_url, tracker_url, nlu_dir=nlu_dir, secret_key="test", **options)
    app.config["TESTING"] = True
    return app, engine, tracker, nlu_dir


@pytest.fixture
def console(tmp_path: Path):
    app, engine, tracker, nlu_dir = make_console(tmp_path)
    rows = (conversation("a" * 32, "de", [("hallo", "greet", 0.99), ("wie wird das wetter", "nlu_fallback", 0.31)],
                         NOW - 3600)
            + conversation("b" * 32, "ro", [("buna", "greet", 0.97), ("somaj romania", "ask_indicator", 0.42)],
                           NOW - 7200, channel="whatsapp")
            + conversation("old-user", "en", [("hello", "greet", 0.99)], NOW - 200 * 86400, channel="rest"))
    with tracker.begin() as connection:
        for sender, event in rows:
            connection.execute(EVENTS.insert().values(sender_id=sender, type_name=event["event"],
                                                      timestamp=event["timestamp"], data=json.dumps(event)))
    with session_scope(engine) as session:
        session.add(ChannelUser(sender_id="a" * 32, channel="telegram", address="12345"))
        session.add(CourseProgress(sender_id="a" * 32, module_id="m1", step=2))
        session.add(ModuleResult(sender_id="b" * 32, module_id="m1", score=4, total=5))
    return app, engine, tracker, nlu_dir


def token(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def login(client, username: str, password: str = PASSWORD):
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token(client)})


PAGES = ["/", "/conversations", f"/conversations/{'a' * 32}", f"/conversations/{'a' * 32}/story.yml", "/inbox",
         "/analytics", f"/users/{'a' * 32}/export.json"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_refuses_anonymous_requests(console, path: str) -> None:
    app, *_ = console
    response = app.test_client().get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("path", [f"/conversations/{'a' * 32}/review", "/inbox/correct", "/inbox/export",
                                  f"/users/{'a' * 32}/forget"])
def test_anonymous_posts_are_refused(console, path: str) -> None:
    app, *_ = console
    client = app.test_client()
    csrf = token(client)
    response = client.post(path, data={"csrf_token": csrf})
    assert response.status_code == 302 and response.headers["Location"] == f"/login?next={path}"


def test_login_logout_and_lockout(console) -> None:
    app, *_ = console
    client = app.test_client()
    assert login(client, "ada", "wrong password").status_code == 401
    assert login(client, "ada").status_code == 302
    assert client.get("/conversations").status_code == 200
    client.post("/logout", data={"csrf_token": token(client, "/conversations")})
    assert client.get("/conversations").status_code == 302
    for _ in range(5):
        login(client, "rev", "not the password")
    response = login(client, "rev")  # right password, but locked
    assert response.status_code == 401 and "locked" in response.get_data(as_text=True)


def test_passwords_are_hashed(console) -> None:
    _, engine, *_ = console
    from lmi4vet.db.models import AdminUser

    with session_scope(engine) as session:
        stored = session.execute(select(AdminUser.password_hash)).scalars().all()
    assert all(h.startswith("scrypt:") and PASSWORD not in h for h in stored)


def test_missing_or_wrong_csrf_token_is_refused(console) -> None:
    app, *_ = console
    client = app.test_client()
    login(client, "ada")
    path = f"/conversations/{'a' * 32}/review"
    assert client.post(path, data={"reviewed": "1"}).status_code == 400
    assert client.post(path, data={"reviewed": "1", "csrf_token": "forged"}).status_code == 400
    assert client.post("/login", data={"username": "ada", "password": PASSWORD}).status_code == 400


def test_reviewer_cannot_reach_admin_only_actions(console) -> None:
    app, *_ = console
    client = app.test_client()
    login(client, "rev")
    assert client.get(f"/users/{'a' * 32}/export.json").status_code == 403
    csrf = token(client, "/conversations")
    assert client.post(f"/users/{'a' * 32}/forget", data={"csrf_token": csrf}).status_code == 403
    assert client.get("/inbox").status_code == 200


@pytest.mark.parametrize("attack", ["' OR 1=1 --", "\"; DROP TABLE events; --", "%' UNION SELECT 1 --", "_%\\"])
def test_injection_strings_in_filters_are_harmless(console, attack: str) -> None:
    app, _, tracker, _ = console
    client = app.test_client()
    login(client, "ada")
    for params in ({"q": attack}, {"tag": attack}, {"intent": attack}, {"start": attack}, {"below": attack},
                   {"channel": attack}):
        page = client.get("/conversations", query_string=params)
        assert page.status_code == 200
    with tracker.connect() as connection:
        assert connection.execute(select(func.count()).select_from(EVENTS)).scalar_one() > 0
    assert "aaaaaaaaaaaa" not in client.get("/conversations", query_string={"q": attack}).get_data(as_text=True)


def test_filters_and_text_search(console) -> None:
    app, *_ = console
    client = app.test_client()
    login(client, "rev")

    def senders(**params) -> set[str]:
        page = client.get("/conversations", query_string=params).get_data(as_text=True)
        return set(re.findall(r"/conversations/([0-9a-z-]+)\"", page))

    assert senders() == {"a" * 32, "b" * 32, "old-user"}
    assert senders(channel="whatsapp") == {"b" * 32}
    assert senders(language="de") == {"a" * 32}
    assert senders(fallback="1") == {"a" * 32}
    assert senders(below="0.5") == {"a" * 32, "b" * 32}
    assert senders(intent="ask_indicator") == {"b" * 32}
    assert senders(q="wetter") == {"a" * 32}
    recent = time.strftime("%Y-%m-%d", time.gmtime(NOW - 86400))
    assert senders(start=recent) == {"a" * 32, "b" * 32}


def test_transcript_review_tags_note_and_story(console) -> None:
    app, *_ = console
    client = app.test_client()
    login(client, "rev")
    page = client.get(f"/conversations/{'a' * 32}").get_data(as_text=True)
    assert "wie wird das wetter" in page and "nlu_fallback" in page and "0.31" in page and "Menu" in page
    csrf = token(client, f"/conversations/{'a' * 32}")
    client.post(f"/conversations/{'a' * 32}/review", data={"csrf_token": csrf, "reviewed": "1",
                                                           "tags": "weather, smalltalk", "note": "add weather"})
    assert re.findall(r"/conversations/([0-9a-z-]+)\"", client.get(
        "/conversations", query_string={"reviewed": "yes", "tag": "weather"}).get_data(as_text=True)) == ["a" * 32]
    story = client.get(f"/conversations/{'a' * 32}/story.yml").get_data(as_text=True)
    assert "intent: nlu_fallback" in story and "- action: action_fallback" in story


def test_inbox_correct_and_export_into_the_nlu_files(console) -> None:
    app, engine, _, nlu_dir = console
    client = app.test_client()
    login(client, "rev")
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "wie wird das wetter" in inbox and "somaj romania" in inbox and "hallo" not in inbox
    csrf = token(client, "/inbox")
    client.post("/inbox/correct", data={"csrf_token": csrf, "sender_id": "b" * 32, "message_id": "x1",
                                         "text": "somaj romania", "intent": "ask_indicator", "language": "ro",
                                         "entities": "indicator=somaj\ncountry=romania"})
    client.post("/inbox/correct", data={"csrf_token": csrf, "sender_id": "a" * 32, "message_id": "x2",
                                         "text": "wie wird das wetter", "intent": "out_of_scope", "language": "de"})
    assert client.post("/inbox/correct", data={"csrf_token": csrf, "intent": "no_such_intent", "language": "de",
                                                "text": "x"}).status_code == 400
    download = client.post("/inbox/export", data={"csrf_token": csrf, "target": "download"}).get_data(as_text=True)
    assert "- [somaj](indicator) [romania](country)" in download
    client.post("/inbox/export", data={"csrf_token": csrf, "target": "nlu"})
    written = (nlu_dir / "ro" / "corrections.yml").read_text()
    assert "- intent: ask_indicator" in written and "[somaj](indicator) [romania](country)" in written
    assert "wie wird das wetter" in (nlu_dir / "de" / "corrections.yml").read_text()
    with session_scope(engine) as session:
        assert all(c.exported_at for c in session.execute(select(NluCorrection)).scalars())


def test_analytics_page_has_charts(console) -> None:
    app, *_ = console
    client = app.test_client()
    login(client, "rev")
    page = client.get("/analytics").get_data(as_text=True)
    assert page.count("<svg") == 5 and "fallback rate 20.0 %" in page and "1 course modules completed" in page


def count_rows(engine, tracker, sender: str) -> int:
    with tracker.connect() as connection:
        events = connection.execute(select(func.count()).select_from(EVENTS).where(
            EVENTS.c.sender_id == sender)).scalar_one()
    with session_scope(engine) as session:
        ours = sum(session.execute(select(func.count()).select_from(m).where(m.sender_id == sender)).scalar_one()
                   for m in (ChannelUser, CourseProgress, ModuleResult))
    return events + ours


def test_admin_export_and_erase(console) -> None:
    app, engine, tracker, _ = console
    client = app.test_client()
    login(client, "ada")
    exported = client.get(f"/users/{'a' * 32}/export.json").get_json()
    assert exported["channel_users"][0]["address"] == "12345" and len(exported["events"]) == 8
    assert "wie wird das wetter" in client.get(f"/users/{'a' * 32}/export.csv").get_data(as_text=True)
    before = count_rows(engine, tracker, "a" * 32)
    assert before == 10
    csrf = token(client, "/conversations")
    client.post(f"/users/{'a' * 32}/forget", data={"csrf_token": csrf})
    assert count_rows(engine, tracker, "a" * 32) == 0
    assert count_rows(engine, tracker, "b" * 32) == 9


def test_retention_erases_only_old_users(console) -> None:
    _, engine, tracker, _ = console
    assert count_rows(engine, tracker, "old-user") == 5
    totals = enforce_retention(180, engine, tracker)
    assert totals["users"] == 1 and totals["events"] == 5
    assert count_rows(engine, tracker, "old-user") == 0 and count_rows(engine, tracker, "a" * 32) == 10
