"""The VET2B marketplace through the running assistant (trained model, action server, both channels), end to end:
a Romanian small business on WhatsApp finds a catering offer in Cluj and asks for a quote (a past date and a
negative budget are re-asked); the school's coordinator on Telegram, linked with a one-time code, gets the
request and offers a price; the business confirms and both see each other's contact; after the due date both
are asked whether it was done, the school marks it done and the business rates it. Every step is a state with
its event in the database. A French search with no offer near Lyon says so and shows the nearest."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests
from sqlalchemy import select

from actions.marketplace_replies import place_key
from lmi4vet.db.engine import make_engine, session_scope
from lmi4vet.i18n import t
from lmi4vet.marketplace import notify, store
from lmi4vet.marketplace import wording as w
from lmi4vet.marketplace.models import Offer, Rating, Request, RequestEvent
from lmi4vet.marketplace.places import find_place
from tests.integration.test_telegram import TelegramUser, buttons_of, callback_data
from tests.integration.test_whatsapp import WhatsAppUser, number_of

pytestmark = pytest.mark.integration
SCHOOL = "Liceul Tehnologic de Turism și Alimentație Cluj"


def say(lang: str, key: str, **params: Any) -> str:
    return t(lang, f"marketplace.{key}", **params)


def database(assistant):
    return make_engine(f"sqlite:///{assistant.var_dir / 'lmi4vet.db'}")


@pytest.fixture(scope="module")
def school(assistant) -> dict[str, Any]:
    """A school in Cluj-Napoca with a published catering offer (no lead time), and a link code for its
    coordinator; the catalogue has no other catering offer."""
    now = datetime.now(timezone.utc)
    with session_scope(database(assistant)) as session:
        provider = store.create_provider(session, name=SCHOOL, country="RO", city="Cluj-Napoca",
                                         contact_email="secretariat@turism-cluj.example.ro", now=now)
        staff = "console-setup"
        code = store.issue_code(session, provider.id, "admin", now)
        store.redeem_code(session, store.issue_code(session, provider.id, "admin", now), staff, now)
        offer = store.create_offer(session, provider.id, staff, language="ro", title="Catering pentru evenimente",
                                   description="Elevii de la gastronomie pregătesc bufete reci și calde.",
                                   now=now, category="catering", country="RO", city="Cluj-Napoca", region="Cluj",
                                   price_kind="quote", teacher="Prof. Ioana Mureșan", languages=["ro", "en"])
        store.submit_offer(session, offer.id, staff, now=now)
        store.approve_offer(session, offer.id, "admin", now=now)
        store.remove_member(session, provider.id, staff)
        return {"id": provider.id, "code": code, "offer": offer.id}


def telegram_wait(api, chat_id: int, expect: str, after: int, timeout: float = 60) -> tuple[Any, int]:
    """The first sendMessage to ``chat_id`` after the ``after`` first ones whose text starts with ``expect``."""
    deadline = time.monotonic() + timeout
    while True:
        calls = api.calls_of("sendMessage", chat_id=chat_id)
        found = [n for n, c in enumerate(calls) if n >= after and c.params["text"].startswith(expect)]
        if found:
            return calls[found[0]], found[0] + 1
        assert time.monotonic() < deadline, f"no message starting {expect!r}: {[c.params['text'] for c in calls]}"
        time.sleep(0.05)


def wake(assistant, channel: str) -> None:
    assert requests.post(f"{assistant.url}/webhooks/{channel}/wake", timeout=10).ok


def test_a_romanian_business_on_whatsapp_and_a_school_on_telegram_to_the_rating(
        assistant, telegram_api, twilio_api, school) -> None:
    today = datetime.now(timezone.utc).date()
    # the coordinator links their Telegram chat with the code
    teacher = TelegramUser(assistant, telegram_api, "ro")
    tools = teacher.send(t("ro", "menu.tools_prompt"), tap='/help{"menu":"tools"}')
    assert callback_data("/offer_services") in buttons_of(tools[-1])
    intro = teacher.send(say("ro", "provider.intro"), tap="/offer_services")
    assert buttons_of(intro[-1])[0] == callback_data(w.button("code", w.PROVIDER_INTENT))
    teacher.send(say("ro", "provider.code_ask"), tap=w.button("code", w.PROVIDER_INTENT))
    teacher.send(say("ro", "errors.code_wrong", tries="4"), "ZZZZ-ZZZZ")
    linked = teacher.send(say("ro", "provider.linked", provider=SCHOOL), school["code"][:4] + "-" + school["code"][4:])
    assert linked[-1].params["text"] == say("ro", "provider.linked", provider=SCHOOL)

    # the business searches, opens the offer and asks for a quote
    sme = WhatsAppUser(assistant, twilio_api, "+40")
    found = sme.send("caut catering in Cluj pentru deschiderea magazinului",
                     say("ro", "chat.found_near", count="1", category="Catering pentru evenimente",
                         place="Cluj-Napoca"))[-1]["Body"]
    assert "1. Catering pentru evenimente · " + SCHOOL in found
    card = sme.send("1", "🏷️ Catering pentru evenimente")[-1]["Body"]
    assert say("ro", "card.teacher", teacher="Prof. Ioana Mureșan") in card
    sme.send(number_of(card, say("ro", "chat.request_button")), say("ro", "brief.what"))
    sme.send("Bufet cald pentru 40 de invitați, și opțiuni vegetariene", say("ro", "brief.quantity"))
    sme.send("40", say("ro", "brief.wanted_by"))
    past = sme.send("01.02.2025", say("ro", "brief.wanted_by"))
    assert past[0]["Body"] == say("ro", "errors.date_past", date=w.day(datetime(2025, 2, 1).date(), "ro"),
                                  today=w.day(today, "ro"))
    wanted = today + timedelta(days=14)
    sme.send(wanted.strftime("%d.%m.%Y"), say("ro", "brief.budget").split("\n")[0][:30])
    negative = sme.send("-200 lei", say("ro", "brief.budget")[:30])
    assert negative[0]["Body"] == say("ro", "errors.budget_negative")
    contact = sme.send("2500 lei", say("ro", "brief.contact"))[-1]["Body"]
    review = sme.send(number_of(contact, say("ro", "brief.contact_phone")), say("ro", "brief.address"))
    assert review
    review = sme.send("+40 722 123 456", say("ro", "brief.review").split("\n")[0])[-1]["Body"]
    assert w.money(250000, "RON", "ro") in review
    assert say("ro", "brief.contact_phone") + " +40 722 123 456" in review
    sent = sme.send(number_of(review, say("ro", "brief.send_button")), "📨")[-1]["Body"]
    with session_scope(database(assistant)) as session:
        row = session.execute(select(Request).where(Request.offer_id == school["offer"])).scalar_one()
        number, sme_id = row.id, row.sender_id
        assert (row.state, row.quantity, row.wanted_by, row.budget_cents, row.currency, row.contact) == \
            ("requested", 40, wanted, 250000, "RON", "+40 722 123 456")
    assert sent.split("\n\n")[0] == say("ro", "brief.sent", provider=SCHOOL, number=str(number))

    # the school is told on Telegram, without the business's phone, and offers a price for today
    notice, seen = telegram_wait(telegram_api, teacher.chat_id, "📥", teacher.seen)
    assert "Bufet cald pentru 40 de invitați" in notice.params["text"]
    assert "722" not in notice.params["text"]
    assert buttons_of(notice) == [callback_data(w.button(m, w.PROVIDER_INTENT, req=number))
                                  for m in ("accept", "price", "decline")]
    teacher.seen = seen
    teacher.send(say("ro", "price.price"), tap=w.button("price", w.PROVIDER_INTENT, req=number))
    teacher.send(say("ro", "price.date"), "2300 lei")
    offered = teacher.send(say("ro", "price.sent", offered="").split("{")[0][:8], today.strftime("%d.%m.%Y"))
    line = say("ro", "offered_line", price=w.money(230000, "RON", "ro"), date=w.day(today, "ro"))
    assert offered[-1].params["text"] == say("ro", "price.sent", offered=line)

    # the business is told on WhatsApp and confirms: both see the other's contact
    told = sme.wait("💶")[-1]["Body"]
    assert line in told
    confirmed = sme.send(number_of(told, say("ro", "confirm_button")), "📄")[-1]["Body"]
    assert say("ro", "card.contact_provider", name=SCHOOL, email="secretariat@turism-cluj.example.ro",
               city="Cluj-Napoca") in confirmed
    confirmation, seen = telegram_wait(telegram_api, teacher.chat_id, "✅", teacher.seen)
    assert confirmation.params["text"].startswith(say("ro", "notify.confirmed", title="Catering pentru evenimente",
                                                      date=w.day(today, "ro"), brief="").split("\n")[0])
    teacher.seen = seen
    card = teacher.send("📄", tap=w.button("request_card", w.PROVIDER_INTENT, req=number))[-1].params["text"]
    assert say("ro", "card.contact_sme", address="+40 722 123 456") in card

    # after the due date (today) the periodic job asks both once; the school marks it done, the business rates
    with session_scope(database(assistant)) as session:
        queued = notify.queue_due(session, datetime.now(timezone.utc) + timedelta(hours=1))
    assert queued == {"whatsapp": 1, "telegram": 1}
    wake(assistant, "whatsapp")
    wake(assistant, "telegram")
    due = sme.wait("📅")[-1]["Body"]
    assert number_of(due, say("ro", "done_button")) == "1"
    question, seen = telegram_wait(telegram_api, teacher.chat_id, "📅", teacher.seen)
    teacher.seen = seen
    assert buttons_of(question)[0] == callback_data(w.button("complete", w.PROVIDER_INTENT, req=number))
    teacher.send(say("ro", "rate.ask"), tap=w.button("complete", w.PROVIDER_INTENT, req=number))
    stars = sme.wait("✅")[-1]["Body"]
    assert number_of(stars, "⭐⭐⭐⭐⭐") == "1"
    thanks = sme.send(number_of(stars, "⭐⭐⭐⭐"), say("ro", "rate.thanks"))[-1]["Body"]
    sme.send(number_of(thanks, say("ro", "rate.comment_button")), say("ro", "rate.comment_ask"))
    sme.send("Mâncare foarte bună, elevii au fost punctuali", say("ro", "rate.comment_saved"))
    with session_scope(database(assistant)) as session:
        row = session.get(Request, number)
        events = session.execute(select(RequestEvent.to_state, RequestEvent.sender_id).where(
            RequestEvent.request_id == number).order_by(RequestEvent.id)).all()
        ratings = session.execute(select(Rating.role, Rating.stars, Rating.comment).where(
            Rating.request_id == number)).all()
        assert row.state == "completed" and row.completed_at is not None and row.completion_asked_at is not None
        assert [e.to_state for e in events] == ["requested", "offered", "confirmed", "completed"]
        assert [e.sender_id == sme_id for e in events] == [True, False, True, False]
        assert ratings == [("sme", 4, "Mâncare foarte bună, elevii au fost punctuali")]


def test_a_french_search_with_nothing_near_lyon_says_so_and_shows_the_nearest(assistant, telegram_api,
                                                                              school) -> None:
    person = TelegramUser(assistant, telegram_api, "fr")
    turn = person.send(say("fr", "chat.none_near", category="Traiteur pour événements", place="Lyon"),
                       "je cherche un traiteur à Lyon pour un séminaire")
    text = turn[-1].params["text"]
    assert say("fr", "chat.nearest") in text
    assert "1. Catering pentru evenimente · " + SCHOOL in text
    lyon = place_key(find_place("Lyon"))
    assert buttons_of(turn[-1])[0] == callback_data(w.button("offer", id=school["offer"], cat="catering", place=lyon))
    with session_scope(database(assistant)) as session:
        assert session.get(Offer, school["offer"]).state == "published"
