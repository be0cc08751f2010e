"""The console's handoff pages with Flask's test client: deployments, roles, replying and closing (the inbox
rows they queue and the wake-up call to the chat server), the live JSON, WhatsApp's 24-hour window, analytics."""

from __future__ import annotations

import io
import queue
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from admin.__main__ import main as admin_main
from admin.app import duration
from admin.security import create_user
from lmi4vet.db.engine import make_engine, session_scope
from lmi4vet.db.models import AdminUser, ChannelUser, InboxMessage
from lmi4vet.handoff import tickets
from lmi4vet.handoff.models import Ticket, TicketMessage
from tests.unit.test_admin import PASSWORD, login, make_console, token

SUMMARY = {"intents": ["ask_indicator", "request_human"], "slots": {"country": "Romania", "language": "en"},
           "shown": [{"kind": "figure", "text": "Unemployment in Romania: 5.6 %"}], "messages": 4}


@dataclass
class Recorder:
    """A tiny HTTP server standing in for the chat server: it records every request's method, path and body."""

    url: str = ""
    requests: queue.Queue = field(default_factory=queue.Queue)

    def wait(self, deadline: float = 5.0) -> tuple[str, str, bytes]:
        return self.requests.get(timeout=deadline)


@pytest.fixture
def chat_server() -> Iterator[Recorder]:
    recorder = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            recorder.requests.put(("POST", self.path, body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    recorder.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield recorder
    server.shutdown()
    server.server_close()


def add_ticket(engine, sender: str, deployment: str = "north", channel: str = "telegram", language: str = "en",
               topic: str = "general", risk: str | None = None, now: datetime | None = None,
               last_inbound: datetime | None = None) -> int:
    """A ticket (and the channel user it belongs to); its id."""
    with session_scope(engine) as session:
        address = "whatsapp:+40700000001" if channel == "whatsapp" else "1001"
        session.add(ChannelUser(sender_id=sender, channel=channel, address=address,
                                last_inbound_at=last_inbound or datetime.utcnow()))
        session.flush()
        ticket, _ = tickets.open_ticket(session, sender_id=sender, channel=channel, language=language, topic=topic,
                                        reason="safeguarding" if risk else "asked", summary=SUMMARY,
                                        deployment=deployment, risk=risk, now=now)
        return ticket.id


@dataclass
class Handoff:
    app: Any
    engine: Any
    chat: Recorder
    north: int  # telegram, deployment north
    south: int  # telegram, deployment south
    whatsapp: int  # whatsapp, deployment north

    def client(self, username: str):
        client = self.app.test_client()
        assert login(client, username).status_code == 302
        return client

    def post(self, client, path: str, **form: str):
        return client.post(path, data={"csrf_token": token(client, "/tickets"), **form})


@pytest.fixture
def handoff(tmp_path: Path, chat_server: Recorder) -> Handoff:
    app, engine, _, _ = make_console(tmp_path, assistant_url=chat_server.url + "/")
    with session_scope(engine) as session:
        create_user(session, "sam", PASSWORD, "agent", deployment="north")
        create_user(session, "kim", PASSWORD, "agent", deployment="south")
        create_user(session, "nrev", PASSWORD, "reviewer", deployment="north")
    return Handoff(app, engine, chat_server, north=add_ticket(engine, "n" * 32),
                   south=add_ticket(engine, "s" * 32, deployment="south"),
                   whatsapp=add_ticket(engine, "w" * 32, channel="whatsapp", language="ro"))


def user_says(engine, ticket_id: int, text: str, inbox_id: int) -> None:
    """A person's message relayed into their ticket (as the channel worker stores it)."""
    with session_scope(engine) as session:
        ticket = session.get(Ticket, ticket_id)
        session.add(TicketMessage(ticket_id=ticket_id, sender_id=ticket.sender_id, direction="user", text=text,
                                  inbox_id=inbox_id, created_at=datetime.utcnow()))


def row_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'class="ticket-row[^"]*" data-id="(\d+)"', page)]


def ticket_messages(engine, ticket_id: int, direction: str) -> list[TicketMessage]:
    with session_scope(engine) as session:
        found = session.execute(select(TicketMessage).where(TicketMessage.ticket_id == ticket_id,
                                                            TicketMessage.direction == direction)).scalars().all()
        session.expunge_all()
        return list(found)


def inbox_rows(engine, kind: str) -> list[InboxMessage]:
    with session_scope(engine) as session:
        found = session.execute(select(InboxMessage).where(InboxMessage.kind == kind)).scalars().all()
        session.expunge_all()
        return list(found)


def flashes(page: str) -> list[str]:
    return re.findall(r'<p class="flash" role="status">([^<]*)</p>', page)


@pytest.mark.parametrize("path", ["/tickets", "/tickets.json", "/tickets/1", "/tickets/1/messages.json"])
def test_ticket_pages_refuse_anonymous_requests(handoff: Handoff, path: str) -> None:
    response = handoff.app.test_client().get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_agent_sees_only_their_deployment(handoff: Handoff) -> None:
    sam = handoff.client("sam")
    page = sam.get("/tickets").get_data(as_text=True)
    assert sorted(row_ids(page)) == sorted([handoff.north, handoff.whatsapp])
    assert re.search(r'id="count-open">2<', page) and re.search(r'id="nav-open"[^>]*>2<', page)
    assert sorted(t["id"] for t in sam.get("/tickets.json").get_json()["tickets"]) == sorted(
        [handoff.north, handoff.whatsapp])
    for path in (f"/tickets/{handoff.south}", f"/tickets/{handoff.south}/messages.json", "/tickets/9999"):
        assert sam.get(path).status_code == 404
    for action in ("assign", "reply", "close"):
        assert handoff.post(sam, f"/tickets/{handoff.south}/{action}", text="hello").status_code == 404
    assert ticket_messages(handoff.engine, handoff.south, "agent") == []
    kim = handoff.client("kim")
    assert row_ids(kim.get("/tickets").get_data(as_text=True)) == [handoff.south]
    assert sorted(row_ids(handoff.client("ada").get("/tickets").get_data(as_text=True))) == sorted(
        [handoff.north, handoff.south, handoff.whatsapp])  # an admin without a deployment sees all


def test_agents_may_use_only_the_ticket_pages(handoff: Handoff) -> None:
    sam = handoff.client("sam")
    for path in ("/conversations", f"/conversations/{'n' * 32}", f"/conversations/{'n' * 32}/story.yml", "/inbox",
                 "/analytics", f"/users/{'n' * 32}/export.json"):
        assert sam.get(path).status_code == 403, path
    for path in (f"/users/{'n' * 32}/forget", "/inbox/export", f"/conversations/{'n' * 32}/review"):
        assert handoff.post(sam, path).status_code == 403, path
    assert sam.get("/").headers["Location"] == "/tickets"
    page = sam.get(f"/tickets/{handoff.north}").get_data(as_text=True)
    assert 'href="/tickets"' in page
    assert all(f'href="/{p}"' not in page for p in ("conversations", "inbox", "analytics"))
    assert 'id="full-transcript"' not in page  # the whole chat with the bot is for admins and reviewers


def test_a_reviewer_reads_tickets_but_cannot_act(handoff: Handoff) -> None:
    rev = handoff.client("rev")
    page = rev.get(f"/tickets/{handoff.north}").get_data(as_text=True)
    assert 'id="status"' in page and "Unemployment in Romania" in page
    assert f'href="/conversations/{"n" * 32}"' in page
    for control in ('id="assign"', 'id="reply-text"', 'id="reply-send"', 'id="close-note"', 'id="close"'):
        assert control not in page
    for action in ("assign", "reply", "close"):
        assert handoff.post(rev, f"/tickets/{handoff.north}/{action}", text="hi", note="x").status_code == 403
    with session_scope(handoff.engine) as session:
        ticket = session.get(Ticket, handoff.north)
        assert ticket.status == tickets.OPEN and ticket.assigned_to is None
    assert ticket_messages(handoff.engine, handoff.north, "agent") == [] and inbox_rows(handoff.engine, "agent") == []
    assert rev.get("/conversations").status_code == 200


def test_an_agent_reply_is_queued_for_the_channel_and_wakes_its_worker(handoff: Handoff) -> None:
    sam = handoff.client("sam")
    page = sam.get(f"/tickets/{handoff.north}").get_data(as_text=True)
    assert all(f'id="{i}"' in page for i in ("assign", "reply-text", "reply-send", "close-note", "close"))
    response = handoff.post(sam, f"/tickets/{handoff.north}/reply", text="  Hello, I am Sam from the team.  ")
    assert response.status_code == 302
    assert handoff.chat.wait() == ("POST", "/webhooks/telegram/wake", b"")
    [message] = ticket_messages(handoff.engine, handoff.north, "agent")
    assert (message.author, message.text, message.delivery) == ("sam", "Hello, I am Sam from the team.", "queued")
    [row] = inbox_rows(handoff.engine, "agent")
    assert (row.channel, row.sender_id, row.text, row.id) == ("telegram", "n" * 32, message.text, message.inbox_id)
    with session_scope(handoff.engine) as session:
        ticket = session.get(Ticket, handoff.north)
        assert ticket.status == tickets.ASSIGNED and ticket.assigned_to == "sam" and ticket.first_reply_at
    page = sam.get(f"/tickets/{handoff.north}").get_data(as_text=True)
    assert flashes(page) == ["Sent."]
    assert re.search(r'<li class="msg agent" data-id="\d+">.*?<b class="who">sam:</b>\s*<span class="text">Hello, '
                     r'I am Sam from the team.</span>\s*<span class="delivery queued"', page, re.S)
    assert re.search(r'class="msg event"[^>]*>.*?assigned to sam', page, re.S)
    assert re.search(r'<span id="status" class="status assigned">assigned</span>', page)


def test_closing_queues_the_resume_and_wakes_the_worker(handoff: Handoff) -> None:
    sam = handoff.client("sam")
    assert handoff.post(sam, f"/tickets/{handoff.whatsapp}/close", note="answered on the phone").status_code == 302
    assert handoff.chat.wait() == ("POST", "/webhooks/whatsapp/wake", b"")
    [row] = inbox_rows(handoff.engine, "resume")
    assert (row.channel, row.sender_id) == ("whatsapp", "w" * 32) and '"ended_by":"agent"' in row.text
    with session_scope(handoff.engine) as session:
        ticket = session.get(Ticket, handoff.whatsapp)
        assert (ticket.status, ticket.closed_by, ticket.close_note) == (tickets.CLOSED, "sam", "answered on the phone")
    page = sam.get(f"/tickets/{handoff.whatsapp}").get_data(as_text=True)
    assert flashes(page) == ["Closed: the bot takes the conversation back."]
    assert 'id="reply-text"' not in page and 'id="close"' not in page and "answered on the phone" in page
    assert row_ids(sam.get("/tickets?status=closed").get_data(as_text=True)) == [handoff.whatsapp]


def test_empty_replies_and_actions_on_closed_tickets_are_refused_with_a_message(handoff: Handoff) -> None:
    sam = handoff.client("sam")
    handoff.post(sam, f"/tickets/{handoff.north}/reply", text="   ")
    assert flashes(sam.get(f"/tickets/{handoff.north}").get_data(as_text=True)) == ["Not done: the reply is empty."]
    assert ticket_messages(handoff.engine, handoff.north, "agent") == [] and handoff.chat.requests.empty()
    with session_scope(handoff.engine) as session:  # refused as a whole: not even assigned
        assert session.get(Ticket, handoff.north).assigned_to is None
        tickets.close(session, handoff.north, "user", "")
    handoff.post(sam, f"/tickets/{handoff.north}/reply", text="are you still there?")
    assert flashes(sam.get(f"/tickets/{handoff.north}").get_data(as_text=True)) == ["Not done: this ticket is closed."]
    handoff.post(sam, f"/tickets/{handoff.north}/close", note="")
    assert flashes(sam.get(f"/tickets/{handoff.north}").get_data(as_text=True)) == [
        "Not done: this ticket is already closed."]
    handoff.post(sam, f"/tickets/{handoff.north}/assign")
    assert flashes(sam.get(f"/tickets/{handoff.north}").get_data(as_text=True)) == ["Not done: this ticket is closed."]
    assert ticket_messages(handoff.engine, handoff.north, "agent") == [] and handoff.chat.requests.empty()


def test_messages_json_returns_what_came_after_and_the_delivery_states(handoff: Handoff) -> None:
    user_says(handoff.engine, handoff.north, "I need help with my CV", 101)
    sam = handoff.client("sam")
    url = f"/tickets/{handoff.north}/messages.json"
    everything = sam.get(url).get_json()["messages"]
    assert [(m["direction"], m["text"]) for m in everything] == [("event", "opened (asked)"),
                                                                 ("user", "I need help with my CV")]
    after = everything[-1]["id"]
    handoff.post(sam, f"/tickets/{handoff.north}/reply", text="Send it to me here.")
    data = sam.get(url, query_string={"after": after}).get_json()
    assert [(m["direction"], m["text"]) for m in data["messages"]] == [
        ("event", "assigned to sam"), ("agent", "Send it to me here.")]
    reply = data["messages"][-1]
    assert all(m["id"] > after for m in data["messages"]) and reply["author"] == "sam"
    assert data["deliveries"] == {str(reply["id"]): "queued"}
    assert (data["status"], data["assigned_to"], data["window_open"]) == ("assigned", "sam", None)
    with session_scope(handoff.engine) as session:
        tickets.delivered(session, reply["id"], "sent")
    later = sam.get(url, query_string={"after": reply["id"]}).get_json()
    assert later["messages"] == [] and later["deliveries"] == {str(reply["id"]): "sent"}
    assert len(sam.get(url, query_string={"after": "not a number"}).get_json()["messages"]) == 4


def test_the_whatsapp_window_warning(handoff: Handoff) -> None:
    sam = handoff.client("sam")

    def warning(ticket_id: int) -> str | None:
        found = re.search(r'<p class="warning" id="window-warning"[^>]*>', sam.get(f"/tickets/{ticket_id}").get_data(
            as_text=True))
        return None if found is None else ("hidden" if "hidden" in found.group(0) else "shown")

    def last_wrote(hours: float) -> None:
        with session_scope(handoff.engine) as session:
            session.get(ChannelUser, "w" * 32).last_inbound_at = datetime.utcnow() - timedelta(hours=hours)

    last_wrote(25)
    assert warning(handoff.whatsapp) == "shown"
    assert sam.get(f"/tickets/{handoff.whatsapp}/messages.json").get_json()["window_open"] is False
    handoff.post(sam, f"/tickets/{handoff.whatsapp}/reply", text="Buna ziua!")
    assert flashes(sam.get(f"/tickets/{handoff.whatsapp}").get_data(as_text=True)) == [
        "Queued: WhatsApp gets the template first; your reply follows as soon as they answer."]
    last_wrote(23)
    assert warning(handoff.whatsapp) == "hidden"
    assert sam.get(f"/tickets/{handoff.whatsapp}/messages.json").get_json()["window_open"] is True
    assert warning(handoff.north) is None  # Telegram has no window


def test_the_queue_tabs_filters_and_order(handoff: Handoff) -> None:
    engine = handoff.engine
    old = add_ticket(engine, "o" * 32, language="de", topic="figures", now=datetime.utcnow() - timedelta(hours=3))
    urgent = add_ticket(engine, "u" * 32, topic="safeguarding", risk="self_harm")
    sam = handoff.client("sam")
    page = sam.get("/tickets").get_data(as_text=True)
    assert row_ids(page) == [urgent, old, handoff.north, handoff.whatsapp]  # urgent first, then oldest first
    assert re.search(r'<span class="badge urgent">urgent: self_harm</span>', page) and "(3 h ago)" in page
    assert row_ids(sam.get("/tickets?language=de").get_data(as_text=True)) == [old]
    assert row_ids(sam.get("/tickets?topic=safeguarding").get_data(as_text=True)) == [urgent]
    assert row_ids(sam.get("/tickets?channel=whatsapp").get_data(as_text=True)) == [handoff.whatsapp]
    assert len(row_ids(sam.get("/tickets", query_string={"channel": "' OR 1=1 --"}).get_data(as_text=True))) == 4
    handoff.post(sam, f"/tickets/{old}/assign")
    data = sam.get("/tickets.json?status=assigned").get_json()
    assert data["counts"] == {"open": 3, "assigned": 1, "closed": 0}
    [row] = data["tickets"]
    assert (row["id"], row["assigned_to"], row["topic"], row["language"], row["age"]) == (old, "sam", "figures", "de",
                                                                                          "3 h")
    assert row["url"] == f"/tickets/{old}" and row["messages"] == 0
    assert sam.get("/tickets.json?status=assigned&language=en").get_json()["tickets"] == []


def test_analytics_shows_the_median_ticket_times(handoff: Handoff) -> None:
    t0 = datetime(2026, 5, 4, 9, 0)
    with session_scope(handoff.engine) as session:
        create_user(session, "erev", PASSWORD, "reviewer", deployment="east")
    replier = tickets.Agent("eva", "agent", "east")
    for n, (first, closed) in enumerate(((2, 10), (4, 60), (10, None))):
        ticket_id = add_ticket(handoff.engine, f"east-{n}", deployment="east", now=t0)
        with session_scope(handoff.engine) as session:
            tickets.reply(session, ticket_id, replier, "hello", now=t0 + timedelta(minutes=first))
            if closed:
                tickets.close(session, ticket_id, "eva", "", now=t0 + timedelta(minutes=closed))
    page = handoff.client("erev").get("/analytics").get_data(as_text=True)
    for figure, value in (("tickets", "3"), ("answered", "3"), ("closed", "2"), ("first-reply", "4 min"),
                          ("resolution", "35 min")):
        assert f'<td id="handoff-{figure}">{value}</td>' in page, figure
    everything = handoff.client("ada").get("/analytics").get_data(as_text=True)
    assert '<td id="handoff-tickets">6</td>' in everything  # all deployments
    assert '<td id="handoff-resolution">35 min</td>' in everything


def test_the_ticket_page_shows_the_summary_and_escapes_user_text(handoff: Handoff) -> None:
    user_says(handoff.engine, handoff.north, "<script>alert(1)</script> help", 7)
    page = handoff.client("sam").get(f"/tickets/{handoff.north}").get_data(as_text=True)
    assert "<code>ask_indicator</code> → <code>request_human</code>" in page
    assert "<dt>country</dt><dd>Romania</dd>" in page and "<b>figure</b>: Unemployment in Romania: 5.6 %" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; help" in page
    assert re.search(r'<li class="msg user" data-id="\d+">', page) and 'src="/static/tickets.js"' in page
    assert "<script>" not in page.replace('<script src="/static/tickets.js" defer></script>', "")


def test_durations_read_like_people_say_them() -> None:
    assert [duration(s) for s in (None, 0, 45, 59.4, 240, 3599, 3600, 5400, 86400 + 4 * 3600)] == [
        "", "0 s", "45 s", "59 s", "4 min", "1 h", "1 h", "1 h 30 min", "1 d 4 h"]


def test_agents_need_a_deployment_and_the_command_gives_them_the_configured_one(tmp_path: Path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DEPLOYMENT", "valencia")
    for name, extra in (("agent1", []), ("agent2", ["--deployment", "porto"]), ("boss", ["--role", "admin"])):
        monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
        role = [] if extra[:1] == ["--role"] else ["--role", "agent"]
        assert admin_main(["create-user", name, *role, *extra, "--password-stdin"]) == 0
    with session_scope(make_engine(url)) as session:
        assert {u.username: (u.role, u.deployment) for u in session.execute(select(AdminUser)).scalars()} == {
            "agent1": ("agent", "valencia"), "agent2": ("agent", "porto"), "boss": ("admin", None)}
        with pytest.raises(ValueError, match="deployment"):
            create_user(session, "nobody", PASSWORD, "agent")
