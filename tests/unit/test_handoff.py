"""Human handoff without Rasa: office hours, safeguarding phrases, tickets, erasure and export, the actions (with
hand-built trackers) and the channel worker relaying both ways (Rasa stood in by a function, the Bot API by its
stand-in). tests/integration/test_handoff.py runs the whole flow with the trained model and a browser."""

from __future__ import annotations

import asyncio
import html
import json
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml
from rasa_sdk.events import ConversationPaused, SlotSet

from actions.conversation import ActionAffirm, ActionBotChallenge, ActionDeny, ActionFallback
from actions.handoff import ActionHandoffOffer, ActionHandoffResumed, ActionSafeguarding
from actions.menu import MAIN_MENU
from bot.text import split_message
from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.db.engine import make_engine, session_scope, upgrade
from lmi4vet.db.models import ChannelUser, InboxMessage
from lmi4vet.handoff import tickets
from lmi4vet.handoff.hours import OfficeHours, when_text
from lmi4vet.handoff.models import Ticket, TicketMessage
from lmi4vet.handoff.safeguarding import detect
from lmi4vet.handoff.summary import summarise, topic_of
from lmi4vet.i18n import t
from lmi4vet.privacy import erase_user, export_user, row_counts
from tests.conftest import ents, make_tracker, run_action
from tests.support.channels import TOKEN, run_worker_scenario, telegram_channel

TELEGRAM_CHUNK = 4096 - 96  # bot/telegram.py: room for the HTML escapes
CASES = Path(__file__).resolve().parents[1] / "safeguarding_cases"
AGENT = tickets.Agent("maria", "agent", "default")


# -- office hours ---------------------------------------------------------------------------------------------
HOURS = OfficeHours.parse("mon-thu 09:00-17:00; fri 09:00-13:00", "Europe/Madrid")


@pytest.mark.parametrize(("utc", "is_open", "opening"), [
    (datetime(2026, 12, 3, 8, 30), True, None),  # Thursday 09:30 in Madrid
    (datetime(2026, 12, 3, 16, 0), False, "2026-12-04T09:00:00+01:00"),  # Thursday 17:00: closed
    (datetime(2026, 12, 4, 12, 30), False, "2026-12-07T09:00:00+01:00"),  # Friday 13:30: after Friday's end
    (datetime(2026, 12, 5, 10, 0), False, "2026-12-07T09:00:00+01:00"),  # Saturday
    (datetime(2026, 3, 30, 6, 30), False, "2026-03-30T09:00:00+02:00"),  # Monday after the switch to summer time
])
def test_office_hours(utc: datetime, is_open: bool, opening: str | None) -> None:
    assert HOURS.is_open(utc) is is_open
    if opening:
        assert HOURS.next_opening(utc).isoformat() == opening


def test_24_00_ends_the_day() -> None:
    always = OfficeHours.parse("mon-sun 00:00-24:00", "Europe/Brussels")
    assert always.is_open(datetime(2026, 12, 3, 22, 59, 59)) and always.is_open(datetime(2026, 12, 3, 23, 0, 0))
    assert always.describe("en") == "Monday to Sunday 00:00–24:00"


def test_the_user_is_told_when_in_their_language() -> None:
    assert when_text(HOURS, "en", datetime(2026, 12, 3, 8, 30), 25) == t("en", "handoff.when_open", minutes="25")
    closed = when_text(HOURS, "de", datetime(2026, 12, 5, 10, 0), 25)
    assert closed == t("de", "handoff.when_closed", hours="Montag bis Donnerstag von 09:00 bis 17:00 Uhr; Freitag von "
                       "09:00 bis 13:00 Uhr", zone="Madrid", next_opening="Montag, 7. Dezember 2026 um 09:00 Uhr")
    assert "Monday" not in closed


@pytest.mark.parametrize("spec", ["", "weekdays 9-5", "mon-fri 17:00-09:00", "fri-mon 09:00-17:00"])
def test_unreadable_office_hours_are_refused(spec: str) -> None:
    with pytest.raises(ValueError, match="HANDOFF_HOURS"):
        OfficeHours.parse(spec, "Europe/Brussels")


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="HANDOFF_TIMEZONE"):
        OfficeHours.parse("mon-fri 09:00-17:00", "Europe/Atlantis")


# -- safeguarding ---------------------------------------------------------------------------------------------
def _cases() -> list[tuple[str, str, str | None]]:
    found = []
    for lang in SUPPORTED_LANGUAGES:
        for category, texts in (yaml.safe_load((CASES / f"{lang}.yml").read_text(encoding="utf-8")) or {}).items():
            found += [(lang, text, None if category == "none" else category) for text in texts]
    return found


@pytest.mark.parametrize(("lang", "text", "category"), _cases())
def test_safeguarding_phrases(lang: str, text: str, category: str | None) -> None:
    risk = detect(text)
    assert (risk.category if risk else None) == category, f"{lang}: {text!r} matched {risk}"


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_every_language_has_cases_of_each_kind(lang: str) -> None:
    cases = yaml.safe_load((CASES / f"{lang}.yml").read_text(encoding="utf-8"))
    assert {k: len(v) >= 6 for k, v in cases.items()} == {k: True for k in
                                                          ("self_harm", "violence", "exploitation", "none")}


def test_safeguarding_ignores_case_accents_and_button_payloads() -> None:
    assert detect("QUIERO SUICIDARME").category == "self_harm"
    assert detect("/ask_guide") is None and detect("") is None


# -- tickets --------------------------------------------------------------------------------------------------
@pytest.fixture
def db(db_url):  # SQLite, and PostgreSQL when it answers (CI=true: it must)
    upgrade(db_url)
    return make_engine(db_url)


def a_user(db, channel: str = "telegram", last_inbound: datetime | None = None) -> str:
    sender_id = uuid.uuid4().hex
    with session_scope(db) as session:
        session.add(ChannelUser(sender_id=sender_id, channel=channel, address=f"addr-{sender_id[:6]}",
                                last_inbound_at=last_inbound or datetime.utcnow()))
    return sender_id


def a_ticket(db, sender_id: str, channel: str = "telegram", deployment: str = "default", **kwargs) -> int:
    with session_scope(db) as session:
        ticket, created = tickets.open_ticket(session, sender_id=sender_id, channel=channel, language="es",
                                              topic=kwargs.pop("topic", "figures"), reason="asked",
                                              summary={"intents": ["ask_indicator"]}, deployment=deployment,
                                              **kwargs)
        assert created
        return ticket.id


def user_says(db, sender_id: str, text: str, n: int) -> tickets.Relayed | None:
    """The person's message number ``n`` arrives in the inbox and the worker relays it."""
    with session_scope(db) as session:
        row = InboxMessage(channel="telegram", delivery_id=f"u{n}-{sender_id[:8]}", sender_id=sender_id,
                           address="a", text=text, status="pending", attempts=0, meta="{}",
                           received_at=datetime.utcnow())
        session.add(row)
        session.flush()
        inbox_id = row.id
    with session_scope(db) as session:
        return tickets.relay_from_user(session, sender_id, inbox_id, text)


def test_one_active_ticket_per_user_made_urgent_by_safeguarding(db) -> None:
    sender = a_user(db)
    first = a_ticket(db, sender)
    with session_scope(db) as session:
        again, created = tickets.open_ticket(session, sender_id=sender, channel="telegram", language="es",
                                             topic="general", reason="safeguarding", summary={},
                                             deployment="default", risk="violence")
        assert (again.id, created, again.urgent, again.risk, again.topic) == (first, False, True, "violence",
                                                                              "safeguarding")


def test_relaying_stores_the_message_once_and_the_end_word_closes(db) -> None:
    sender = a_user(db)
    ticket_id = a_ticket(db, sender)
    relayed = user_says(db, sender, "¿me podéis ayudar con el CV?", 9001)
    assert (relayed.ticket_id, relayed.ended, relayed.risk, relayed.released) == (ticket_id, False, None, [])
    ended = user_says(db, sender, "fin", 9002)
    assert ended.ended
    with session_scope(db) as session:
        ticket = session.get(Ticket, ticket_id)
        assert (ticket.status, ticket.closed_by) == ("closed", "user")
        rows = session.query(InboxMessage.id, InboxMessage.kind, InboxMessage.status, InboxMessage.text).filter(
            InboxMessage.sender_id == sender).order_by(InboxMessage.id).all()
        resume = rows[-1]
        assert [r[1:] for r in rows] == [("user", "answered", "¿me podéis ayudar con el CV?"),
                                         ("user", "answered", "fin"),
                                         ("resume", "pending", '/handoff_resumed{"ended_by":"user"}')]
        assert ended.released == [resume[0]]
        assert [(m.direction, m.text) for m in tickets.messages(session, ticket_id) if m.direction != "event"] == \
            [("user", "¿me podéis ayudar con el CV?"), ("user", "fin")]
        assert tickets.exchanged(session, ticket_id) == 2
    assert user_says(db, sender, "hola otra vez", 9003) is None  # the bot answers again


def test_safeguarding_words_during_a_handoff_mark_it_urgent(db) -> None:
    sender = a_user(db)
    ticket_id = a_ticket(db, sender)
    relayed = user_says(db, sender, "mi jefe me quitó el pasaporte", 9011)
    assert relayed.risk.category == "exploitation"
    with session_scope(db) as session:
        ticket = session.get(Ticket, ticket_id)
        assert (ticket.urgent, ticket.risk, ticket.topic) == (True, "exploitation", "safeguarding")


@pytest.mark.parametrize("text", ["END", "Fin.", "gata", "ende!", "/handoff_end", "/end"])
def test_end_words_of_every_language(text: str) -> None:
    assert tickets.is_end_request(text)


@pytest.mark.parametrize("text", ["the end of my contract", "fin de mes", "gata de lucru?", "1"])
def test_other_messages_do_not_end_the_handoff(text: str) -> None:
    assert not tickets.is_end_request(text)


def test_an_agent_reply_is_queued_for_the_users_channel(db) -> None:
    sender = a_user(db, "whatsapp")
    ticket_id = a_ticket(db, sender, channel="whatsapp")
    with session_scope(db) as session:
        message = tickets.reply(session, ticket_id, AGENT, "  Hola, soy María. ¿En qué te ayudo?  ")
        message_id = message.id
    with session_scope(db) as session:
        ticket = session.get(Ticket, ticket_id)
        assert (ticket.status, ticket.assigned_to, ticket.first_reply_at is not None) == ("assigned", "maria", True)
        row = session.query(InboxMessage).filter(InboxMessage.kind == "agent", InboxMessage.sender_id == sender).one()
        assert (row.channel, row.address, row.text, row.status, json.loads(row.meta)) == (
            "whatsapp", f"addr-{sender[:6]}", "Hola, soy María. ¿En qué te ayudo?", "pending",
            {"ticket": ticket_id, "ticket_message": message_id})
        assert session.get(TicketMessage, message_id).delivery == "queued"


def test_held_replies_follow_when_the_user_writes(db) -> None:
    sender = a_user(db, "whatsapp", last_inbound=datetime.utcnow() - timedelta(hours=30))
    ticket_id = a_ticket(db, sender, channel="whatsapp")
    with session_scope(db) as session:
        assert tickets.window_open(session, session.get(Ticket, ticket_id)) is False
        message_id = tickets.reply(session, ticket_id, AGENT, "¿Sigues ahí?").id
        tickets.delivered(session, message_id, "held")
    relayed = user_says(db, sender, "sí, aquí estoy", 9021)
    with session_scope(db) as session:
        [row] = session.query(InboxMessage).filter(InboxMessage.id.in_(relayed.released)).all()
        assert (row.kind, row.text, row.status) == ("agent", "¿Sigues ahí?", "pending")
        assert session.get(TicketMessage, message_id).delivery == "queued"


def test_agents_see_their_deployment_and_reviewers_cannot_act(db) -> None:
    sender, other = a_user(db), a_user(db)
    mine, theirs = a_ticket(db, sender), a_ticket(db, other, deployment="valencia")
    reviewer = tickets.Agent("rita", "reviewer", None)
    with session_scope(db) as session:
        listed = {t.id for t in tickets.list_tickets(session, AGENT)}
        assert mine in listed and theirs not in listed
        with pytest.raises(tickets.HandoffError, match="no such ticket"):
            tickets.reply(session, theirs, AGENT, "hola")
        for act in (lambda: tickets.reply(session, mine, reviewer, "hola"),
                    lambda: tickets.assign(session, mine, reviewer),
                    lambda: tickets.close(session, mine, "rita", "", agent=reviewer)):
            with pytest.raises(tickets.HandoffError, match="reviewers cannot"):
                act()
        with pytest.raises(tickets.HandoffError, match="empty"):
            tickets.reply(session, mine, AGENT, "   ")


def test_the_queue_is_urgent_first_then_oldest_first(db) -> None:
    start = datetime(2026, 1, 1, 9, 0)
    ids = [a_ticket(db, a_user(db), deployment="queue", now=start + timedelta(minutes=n)) for n in range(3)]
    urgent = a_ticket(db, a_user(db), deployment="queue", risk="self_harm", topic="safeguarding",
                      now=start + timedelta(minutes=9))
    with session_scope(db) as session:
        queue = tickets.list_tickets(session, tickets.Agent("q", "agent", "queue"))
        assert [t.id for t in queue] == [urgent, *ids]
        spanish = tickets.list_tickets(session, tickets.Agent("q", "agent", "queue"), topic="safeguarding")
        assert [t.id for t in spanish] == [urgent]


def test_first_reply_and_resolution_times_and_their_medians(db) -> None:
    start = datetime(2026, 2, 2, 10, 0)
    agent = tickets.Agent("m", "agent", "medians")
    for minutes in (2, 4, 30):
        sender = a_user(db)
        ticket_id = a_ticket(db, sender, deployment="medians", now=start)
        with session_scope(db) as session:
            tickets.reply(session, ticket_id, agent, "hola", now=start + timedelta(minutes=minutes))
            tickets.close(session, ticket_id, "m", "done", agent=agent, now=start + timedelta(minutes=2 * minutes))
    with session_scope(db) as session:
        assert tickets.medians(session, agent) == {"tickets": 3, "answered": 3, "closed": 3, "first_reply": 240.0,
                                                   "resolution": 480.0}
        assert tickets.expected_minutes(session, "medians", 30) == 30  # 3 answered tickets: too few to measure
        newest_closed = tickets.list_tickets(session, agent, status="closed")[0]
        assert tickets.durations(newest_closed) == (1800.0, 3600.0)


def test_the_expected_time_is_measured_once_there_are_enough_tickets(db) -> None:
    start = datetime(2026, 3, 3, 10, 0)
    agent = tickets.Agent("m", "agent", "measured")
    for minutes in (5, 6, 7, 8, 50):
        ticket_id = a_ticket(db, a_user(db), deployment="measured", now=start)
        with session_scope(db) as session:
            tickets.reply(session, ticket_id, agent, "hola", now=start + timedelta(minutes=minutes))
    with session_scope(db) as session:
        assert tickets.expected_minutes(session, "measured", 30) == 7


def test_tickets_are_exported_and_erased_with_the_user(db, tmp_path) -> None:
    tracker = make_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    sender = a_user(db)
    ticket_id = a_ticket(db, sender)
    user_says(db, sender, "necesito ayuda", 9031)
    with session_scope(db) as session:
        tickets.reply(session, ticket_id, AGENT, "claro")
    exported = export_user(sender, db, tracker)
    assert [t["id"] for t in exported["handoff_tickets"]] == [ticket_id]
    assert [m["text"] for m in exported["handoff_messages"] if m["direction"] != "event"] == ["necesito ayuda",
                                                                                               "claro"]
    counts = erase_user(sender, db, tracker)
    assert counts["handoff_tickets"] == 1 and counts["handoff_messages"] == 4  # opened, user, assigned, agent
    assert sum(row_counts(sender, db, tracker).values()) == 0


# -- the summary ----------------------------------------------------------------------------------------------
def test_the_summary_keeps_intents_slots_and_what_was_shown() -> None:
    events = [
        {"event": "user", "text": "paro en españa", "parse_data": {"intent": {"name": "ask_indicator"}}},
        {"event": "action", "name": "action_indicator"},
        {"event": "bot", "text": "Tasa de paro, España, 2024: 11,4 %\nFuente: Eurostat"},
        {"event": "user", "text": "/ask_guide", "parse_data": {"intent": {"name": "ask_guide"}}},
        {"event": "action", "name": "action_guide"},
        {"event": "bot", "text": "Qué es la información del mercado laboral (1/3)\n..."},
        {"event": "user", "text": "quiero hablar con alguien", "parse_data": {"intent": {"name": "request_human"}}},
    ]
    summary = summarise(events, {"country": "ES", "language": "es", "pending_action": "handoff", "year": None})
    assert summary == {"intents": ["ask_indicator", "ask_guide", "request_human"], "messages": 2,
                       "slots": {"country": "ES", "language": "es"},
                       "shown": [{"kind": "figure", "text": "Tasa de paro, España, 2024: 11,4 %"},
                                 {"kind": "guide", "text": "Qué es la información del mercado laboral (1/3)"}]}
    assert topic_of(summary["intents"]) == "training"
    assert topic_of(["greet", "request_human"]) == "general"
    assert topic_of(["ask_occupation_skills", "out_of_scope", "nlu_fallback"]) == "jobs_skills"


# -- the actions ----------------------------------------------------------------------------------------------
def handoff_tracker(text: str, intent: str, channel: str | None = "telegram", **kwargs):
    kwargs.setdefault("sender_id", uuid.uuid4().hex)
    return make_tracker(text, intent=intent, channel=channel, **kwargs)


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_the_offer_says_what_is_shared_and_asks(lang: str, kb_url: str) -> None:
    messages, events = run_action(ActionHandoffOffer(), handoff_tracker("/request_human", "request_human",
                                                                        channel="whatsapp", slots={"language": lang}))
    [offer] = messages
    assert offer["text"] == t(lang, "handoff.offer", team=t(lang, "handoff.team_default"), channel="WhatsApp")
    assert [(b["title"], b["payload"]) for b in offer["buttons"]] == [
        (t(lang, "handoff.offer_yes"), "/affirm"), (t(lang, "handoff.offer_no"), "/deny")]
    assert events[-1] == SlotSet("pending_action", "handoff:asked")


def test_the_local_chat_cannot_hand_over(kb_url: str) -> None:
    messages, events = run_action(ActionHandoffOffer(), handoff_tracker("/request_human", "request_human",
                                                                        channel="rest", slots={"language": "en"}))
    assert messages[0]["text"].startswith(t("en", "handoff.other_channel"))
    assert not any(e.get("event") == "pause" for e in events)


def test_yes_opens_the_ticket_and_pauses_the_bot(kb_url: str, kb_session, monkeypatch) -> None:
    monkeypatch.setenv("HANDOFF_HOURS", "mon-sun 00:00-23:59")  # always open: the "when" is the minutes
    monkeypatch.setenv("HANDOFF_TEAM", "el equipo de Cáritas Valencia")
    sender = uuid.uuid4().hex
    history = [{"event": "user", "text": "paro españa", "input_channel": "telegram",
                "parse_data": {"intent": {"name": "ask_indicator"}}},
               {"event": "action", "name": "action_indicator"}, {"event": "bot", "text": "Tasa de paro, España"}]
    tracker = handoff_tracker("sí", "affirm", sender_id=sender, events=history,
                              slots={"language": "es", "pending_action": "handoff:asked", "country": "ES"})
    messages, events = run_action(ActionAffirm(), tracker)
    [message] = messages
    assert message["text"].split("\n\n") == [
        t("es", "handoff.opened", team="el equipo de Cáritas Valencia"), t("es", "handoff.when_open", minutes="30"),
        t("es", "handoff.waiting"), t("es", "handoff.how_to_end", end_word="FIN")]
    assert [b["payload"] for b in message["buttons"]] == ["/handoff_end"]
    assert events[-2:] == [SlotSet("pending_action", None), ConversationPaused()]
    ticket = tickets.active_ticket(kb_session, sender)
    assert (ticket.channel, ticket.language, ticket.topic, ticket.reason, ticket.urgent) == (
        "telegram", "es", "figures", "asked", False)
    assert json.loads(ticket.summary)["slots"] == {"country": "ES", "language": "es"}


def test_no_keeps_the_bot(kb_url: str) -> None:
    tracker = handoff_tracker("no", "deny", slots={"language": "fr", "pending_action": "handoff:asked"})
    messages, events = run_action(ActionDeny(), tracker)
    assert messages[0]["text"].startswith(t("fr", "handoff.declined"))
    assert SlotSet("pending_action", None) in events and not any(e.get("event") == "pause" for e in events)


@pytest.mark.parametrize("risk", ["self_harm", "violence", "exploitation"])
def test_safeguarding_shows_112_first_and_opens_an_urgent_ticket(risk: str, kb_url: str, kb_session) -> None:
    sender = uuid.uuid4().hex
    tracker = handoff_tracker("...", "safeguarding", entities=ents(risk=risk), sender_id=sender,
                              slots={"language": "ro"})
    messages, events = run_action(ActionSafeguarding(), tracker)
    assert messages[0]["text"] == t("ro", f"handoff.safeguarding_{risk}") and "112" in messages[0]["text"]
    assert messages[1]["text"].startswith(t("ro", "handoff.safeguarding_alerted", team=t("ro", "handoff.team_default")))
    assert events[-1] == ConversationPaused()
    ticket = tickets.active_ticket(kb_session, sender)
    assert (ticket.reason, ticket.urgent, ticket.risk, ticket.topic) == ("safeguarding", True, risk, "safeguarding")


def test_the_second_fallback_in_a_row_offers_a_person(kb_url: str) -> None:
    first = make_tracker("asdf qwer", intent="nlu_fallback", slots={"language": "de"})
    [once], _ = run_action(ActionFallback(), first)
    assert once["text"].startswith(t("de", "fallback.not_understood"))
    again = make_tracker("zxcv", intent="nlu_fallback", slots={"language": "de"},
                         events=[{"event": "action", "name": "action_fallback"}, {"event": "action",
                                                                                  "name": "action_listen"}])
    [twice], _ = run_action(ActionFallback(), again)
    assert twice["text"].startswith(t("de", "handoff.fallback_hint"))
    assert twice["buttons"][0] == {"title": t("de", "menu.human"), "payload": "/request_human"}
    assert [b["payload"] for b in twice["buttons"]].count("/request_human") == 1


def test_the_menu_and_the_bot_challenge_offer_a_person(kb_url: str) -> None:
    assert ("menu.human", "/request_human") in MAIN_MENU
    [message], _ = run_action(ActionBotChallenge(), make_tracker("are you human", "bot_challenge",
                                                                 slots={"language": "en"}))
    assert message["buttons"] == [{"title": t("en", "menu.human"), "payload": "/request_human"}]


@pytest.mark.parametrize(("by", "key"), [("agent", "handoff.ended_by_agent"), ("user", "handoff.ended_by_user")])
def test_the_bot_comes_back_with_a_recap_and_the_menu(by: str, key: str, kb_url: str, kb_session) -> None:
    sender = uuid.uuid4().hex
    kb_session.add(ChannelUser(sender_id=sender, channel="telegram", address="1", last_inbound_at=datetime.utcnow()))
    ticket, _ = tickets.open_ticket(kb_session, sender_id=sender, channel="telegram", language="es", topic="general",
                                    reason="asked", summary={}, deployment="default")
    kb_session.add(TicketMessage(ticket_id=ticket.id, sender_id=sender, direction="user", text="hola",
                                 created_at=datetime.utcnow()))
    tickets.reply(kb_session, ticket.id, AGENT, "buenas")
    tickets.close(kb_session, ticket.id, "maria", "")
    kb_session.commit()
    tracker = handoff_tracker(f'/handoff_resumed{{"ended_by":"{by}"}}', "handoff_resumed",
                              entities=ents(ended_by=by), sender_id=sender, slots={"language": "es"})
    [message], _ = run_action(ActionHandoffResumed(), tracker)
    assert message["text"].split("\n\n") == [t("es", key), t("es", "handoff.recap", messages="2"),
                                             t("es", "menu.prompt")]
    assert [b["payload"] for b in message["buttons"]] == [p for _, p in MAIN_MENU]


# -- the worker relaying both ways ----------------------------------------------------------------------------
REPLY = "Hola & bienvenido. <Te ayudo con el CV>\n\n" + "x" * 5000
CHUNKS = split_message(REPLY, TELEGRAM_CHUNK)


def test_the_worker_relays_both_ways_and_gives_the_chat_back(tmp_path) -> None:
    """A Telegram user with an open ticket: their messages go to the ticket (Rasa is not asked), an adviser's
    long reply goes out split and escaped, closing resumes the tracker and Rasa answers the resume payload."""
    from lmi4vet.inbox import Inbound
    from tests.standins.servers import TelegramStandIn

    api = TelegramStandIn(TOKEN).start()
    channel = telegram_channel(tmp_path, api)
    engine = channel.store.engine
    asked: list[str] = []
    resumed: list[str] = []

    async def rasa(message) -> None:
        asked.append(message.text)
        if message.text == "quiero una persona":
            with session_scope(engine) as session:
                tickets.open_ticket(session, sender_id=message.sender_id, channel="telegram", language="es",
                                    topic="general", reason="asked", summary={}, deployment="default")
        await message.output_channel.send_text_message(message.sender_id, f"bot: {message.text}")

    async def resume(sender_id: str) -> None:
        resumed.append(sender_id)

    async def body(worker) -> None:
        for n, text in enumerate(["quiero una persona", "hola, <necesito> ayuda"]):
            await channel.receive(Inbound("telegram", str(n), "4242", text, "es"))
            await worker.drain()
        sender = channel.store.sender_id("telegram", "4242")
        with session_scope(engine) as session:
            ticket_id = tickets.active_ticket(session, sender).id
            tickets.reply(session, ticket_id, AGENT, REPLY)
        worker.wake()
        await asyncio.to_thread(api.wait_for, "sendMessage", 1 + len(CHUNKS))
        with session_scope(engine) as session:
            tickets.close(session, ticket_id, "maria", "resuelto")
        worker.wake()
        await asyncio.to_thread(api.wait_for, "sendMessage", 2 + len(CHUNKS))

    run_worker_scenario(channel, api, rasa, body, resume=resume)
    texts = [c.params["text"] for c in api.calls if c.method == "sendMessage"]
    assert len(CHUNKS) == 3  # the reply was long enough to be split
    assert texts == ["bot: quiero una persona", *(html.escape(c, quote=False) for c in CHUNKS),
                     'bot: /handoff_resumed{"ended_by":"agent"}']
    assert asked == ["quiero una persona", '/handoff_resumed{"ended_by":"agent"}']  # the relayed one never
    assert resumed == [channel.store.sender_id("telegram", "4242")]
    with session_scope(engine) as session:
        assert [m.delivery for m in session.query(TicketMessage).filter(TicketMessage.direction == "agent")] == ["sent"]
        assert session.query(Ticket.resumed_at.is_not(None)).scalar()
        assert [(m.kind, m.status, m.outcome) for m in session.query(InboxMessage).order_by(InboxMessage.id)] == [
            ("user", "done", "answered"), ("user", "done", "relayed"), ("agent", "done", "sent"),
            ("resume", "done", "answered")]
