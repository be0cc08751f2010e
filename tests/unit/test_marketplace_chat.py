"""The VET2B marketplace in the chat, without Rasa: action_marketplace and the typed flows of marketplace_form
run turn by turn as Rasa would run them, on the default database. Checked: a typed search (category and place)
and its results as buttons, the nearest alternatives when nothing matches, the detail card, the report, the
request's brief with its localized re-asks (a past date, a negative budget), the provider's notice in its own
language, linking a provider by code, the provider's price, the business's confirmation and the contact data,
the completion question after the due date, the rating and its comment, the rate limit, and someone else's
request. tests/integration/test_marketplace.py runs it with the model and the channels."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select

from actions import marketplace_replies as chat
from actions.marketplace import ActionMarketplace
from actions.marketplace_form import ActionAskMarketplaceAnswer, ActionMarketplaceEnd, ValidateMarketplaceForm
from lmi4vet.db.engine import session_scope, shared_engine
from lmi4vet.db.models import ChannelUser, InboxMessage
from lmi4vet.i18n import t
from lmi4vet.marketplace import notify, store
from lmi4vet.marketplace import quote_requests as qr
from lmi4vet.marketplace import wording as w
from lmi4vet.marketplace.models import OfferReport, Provider, Rating, Request
from lmi4vet.marketplace.places import find_place
from tests.conftest import ents, make_tracker, run_action

TODAY = datetime.now(timezone.utc).date()
_URL: list[str] = []


@pytest.fixture(autouse=True)
def _db(kb_url: str) -> None:
    _URL[:] = [kb_url]


def session():
    return session_scope(shared_engine(_URL[0]))


def say(lang: str, key: str, **params: Any) -> str:
    return t(lang, f"marketplace.{key}", **params)


def titles(message: dict[str, Any]) -> list[str]:
    return [b["title"] for b in message.get("buttons") or []]


def payloads(message: dict[str, Any]) -> list[str]:
    return [b["payload"] for b in message.get("buttons") or []]


@dataclass
class Chat:
    """One user's turns, with the slots carried from turn to turn and the form run as Rasa runs it."""

    sender: str
    lang: str = "en"
    channel: str = "telegram"
    slots: dict[str, Any] = field(default_factory=dict)
    form: bool = False

    def _apply(self, events: list[dict[str, Any]]) -> bool:
        """Carry the slots; True when the action started the form."""
        started = False
        for event in events:
            if event.get("event") == "slot":
                self.slots[event["name"]] = event["value"]
            elif event.get("event") == "followup" and event.get("name") == chat.FORM:
                started = True
            elif event.get("event") == "active_loop" and event.get("name") is None:
                self.form = False
        return started

    def _run(self, action: Any, text: str, intent: str, entities: list[dict[str, str]]) -> list[dict[str, Any]]:
        tracker = make_tracker(text, intent, entities, slots={"language": self.lang, **self.slots},
                               sender_id=self.sender, channel=self.channel)
        messages, events = run_action(action, tracker)
        if self._apply(events):
            self.form = True
            messages += self._run(ActionAskMarketplaceAnswer(), text, intent, entities)
        return messages

    def tap(self, payload: str) -> list[dict[str, Any]]:
        """A button: its payload's intent and entities."""
        intent = payload[1:].split("{", 1)[0]
        values = json.loads("{" + payload.split("{", 1)[1]) if "{" in payload else {}
        if self.form:
            return self.answer(payload, intent, ents(**values))
        return self._run(ActionMarketplace(), payload, intent, ents(**values))

    def type(self, text: str, intent: str = w.SME_INTENT) -> list[dict[str, Any]]:
        if self.form:
            return self.answer(text, intent, [])
        return self._run(ActionMarketplace(), text, intent, [])

    def answer(self, text: str, intent: str, entities: list[dict[str, str]]) -> list[dict[str, Any]]:
        """A message while the form is open: validated; then the next question, or the form's end."""
        self.slots[chat.ANSWER_SLOT] = text
        tracker = make_tracker(text, intent, entities, slots={"language": self.lang, **self.slots},
                               sender_id=self.sender, channel=self.channel)
        messages, events = run_action(ValidateMarketplaceForm(), tracker)
        self._apply(events)
        if any(e.get("event") == "action_execution_rejected" for e in events):
            self.form = False
            return messages + self._run(ActionMarketplace(), text, intent, entities)
        if self.slots.get(chat.ANSWER_SLOT) == chat.END:
            self.form = False
            tracker = make_tracker(text, intent, entities, slots={"language": self.lang, **self.slots},
                                   sender_id=self.sender, channel=self.channel)
            more, events = run_action(ActionMarketplaceEnd(), tracker)
            self._apply(events)
            return messages + more
        return messages + self._run(ActionAskMarketplaceAnswer(), text, intent, entities)


def button(message: dict[str, Any], title: str) -> str:
    for entry in message.get("buttons") or []:
        if entry["title"] == title:
            return entry["payload"]
    raise AssertionError(f"no button {title!r} in {titles(message)}")


@dataclass
class World:
    provider: int
    coordinator: str
    cluj: int  # the catering offer in Cluj-Napoca
    iasi: int  # catering in Iași (the nearest other one)
    web: int  # websites in Valencia


def _user(session, sender: str, channel: str = "telegram") -> None:
    session.add(ChannelUser(sender_id=sender, channel=channel, address=f"addr-{sender[:8]}", language_hint=None))


def _publish(session, provider: int, member: str, *, title: str, category: str, city: str, region: str,
             country: str = "RO", lang: str = "ro", lead: int | None = 3) -> int:
    now = datetime.now(timezone.utc)
    offer = store.create_offer(session, provider, member, language=lang, title=title, description="Elevii...",
                               now=now, category=category, country=country, city=city, region=region,
                               price_kind="quote", lead_time_days=lead, teacher="Prof. Ana Pop")
    store.submit_offer(session, offer.id, member, now=now)
    store.approve_offer(session, offer.id, "admin", now=now)
    return offer.id


@pytest.fixture
def world() -> World:
    """A Romanian school with catering in Cluj-Napoca and Iași, and a Spanish one with websites in Valencia;
    earlier tests' offers are archived so that each test's search sees only these."""
    with session() as s:
        for offer in s.execute(select(store.Offer).where(store.Offer.state == "published")).scalars():
            offer.state = "archived"
        now = datetime.now(timezone.utc)
        school = store.create_provider(s, name=f"Liceul Tehnologic {uuid.uuid4().hex[:4]}", country="RO",
                                       city="Cluj-Napoca", contact_email="contact@liceu.example.ro", now=now)
        coordinator = uuid.uuid4().hex
        _user(s, coordinator)
        found = store.redeem_code(s, store.issue_code(s, school.id, "admin", now), coordinator, now)
        assert found.member is not None
        notify.remember_language(s, coordinator, "ro")
        cluj = _publish(s, school.id, coordinator, title="Catering pentru evenimente", category="catering",
                        city="Cluj-Napoca", region="Cluj")
        iasi = _publish(s, school.id, coordinator, title="Bufet pentru petreceri", category="catering",
                        city="Iași", region="Iași")
        spain = store.create_provider(s, name="IES Valencia", country="ES", city="Valencia",
                                      contact_email="info@ies.example.es", now=now)
        other = uuid.uuid4().hex
        store.redeem_code(s, store.issue_code(s, spain.id, "admin", now), other, now)
        web = _publish(s, spain.id, other, title="Páginas web para comercios", category="websites",
                       city="Valencia", region="Comunidad Valenciana", country="ES", lang="es")
        return World(school.id, coordinator, cluj, iasi, web)


def sme(lang: str = "ro", channel: str = "whatsapp") -> Chat:
    sender = uuid.uuid4().hex
    with session() as s:
        _user(s, sender, channel)
    return Chat(sender, lang, channel)


def inbox_rows(sender: str) -> list[InboxMessage]:
    with session() as s:
        rows = s.execute(select(InboxMessage).where(InboxMessage.sender_id == sender)
                         .order_by(InboxMessage.id)).scalars().all()
        s.expunge_all()
        return rows


def request_brief(user: Chat, offer_id: int, wanted: date) -> list[dict[str, Any]]:
    """Ask for a quote and answer the five questions with good answers; the messages after "send"."""
    user.tap(w.button("request", id=offer_id))
    user.type("Bufet pentru deschiderea magazinului")
    user.type("50 de persoane")
    user.type(wanted.strftime("%d.%m.%Y"))
    user.type("2000 lei")
    user.tap(w.button("form", v="chat"))
    return user.tap(w.button("form", v="send"))


# -- search -----------------------------------------------------------------------------------------------------
def test_a_typed_search_finds_the_category_near_the_place_as_buttons(world: World) -> None:
    seen = sme().type("caut catering in Cluj")
    assert len(seen) == 1
    text = seen[0]["text"]
    assert text.startswith(say("ro", "chat.found_near", count="2", category="Catering pentru evenimente",
                               place="Cluj-Napoca"))
    lines = text.split("\n\n")[1].split("\n")
    assert lines[0].startswith("1. Catering pentru evenimente · Liceul Tehnologic")
    assert lines[1].startswith("2. Bufet pentru petreceri")
    place = chat.place_key(find_place("Cluj"))
    assert payloads(seen[0]) == [w.button("offer", id=world.cluj, cat="catering", place=place),
                                 w.button("offer", id=world.iasi, cat="catering", place=place),
                                 w.button("home", place=place)]


def test_a_french_search_with_no_offer_near_says_so_and_offers_the_nearest(world: World) -> None:
    seen = sme("fr", "telegram").type("je cherche un traiteur à Lyon")
    heading = seen[0]["text"].split("\n\n")[0]
    assert heading == say("fr", "chat.none_near", category="Traiteur pour événements", place="Lyon") + "\n" + \
        say("fr", "chat.nearest")
    lyon = chat.place_key(find_place("Lyon"))
    assert lyon.startswith("city|FR|")
    assert payloads(seen[0]) == [w.button("offer", id=world.cluj, cat="catering", place=lyon),
                                 w.button("offer", id=world.iasi, cat="catering", place=lyon),
                                 w.button("home", place=lyon)]


def test_no_category_shows_what_the_marketplace_is_with_its_groups(world: World) -> None:
    seen = sme("en", "telegram").type("VET2B")
    assert seen[0]["text"] == say("en", "chat.intro")
    assert len(seen[0]["buttons"]) == 10
    assert titles(seen[0])[0] == "🍽️ Food and catering"
    assert titles(seen[0])[-1] == say("en", "chat.provider_button")


def test_the_detail_card_and_a_report_that_reaches_the_moderation_queue(world: World) -> None:
    user = sme()
    card = user.tap(w.button("offer", id=world.cluj))[0]
    assert card["text"].split("\n")[0] == "🏷️ Catering pentru evenimente"
    assert say("ro", "card.teacher", teacher="Prof. Ana Pop") in card["text"]
    assert say("ro", "card.lead_time", days="3") in card["text"]
    assert titles(card) == [say("ro", "chat.request_button"), say("ro", "chat.report_button")]
    reasons = user.tap(payloads(card)[1])[0]
    assert payloads(reasons) == [w.button("report", id=world.cluj, v=r) for r in chat.REPORT_REASONS]
    assert user.tap(payloads(reasons)[0])[0]["text"] == say("ro", "report.thanks")
    with session() as s:
        reports = s.execute(select(OfferReport).where(OfferReport.offer_id == world.cluj)).scalars().all()
        assert [(r.sender_id, r.reason) for r in reports] == [(user.sender, "Misleading or wrong")]


# -- the brief --------------------------------------------------------------------------------------------------
def test_the_brief_re_asks_a_past_date_and_a_negative_budget_then_sends(world: World) -> None:
    user = sme()
    seen = user.tap(w.button("request", id=world.cluj))
    assert seen[0]["text"].startswith("📝")
    assert seen[1]["text"] == say("ro", "brief.what")
    assert user.type("Bufet pentru deschiderea magazinului")[0]["text"] == say("ro", "brief.quantity")
    assert user.type("0")[0]["text"] == say("ro", "errors.quantity_invalid", limit=str(qr.QUANTITY_LIMIT))
    assert user.type("50 de persoane")[0]["text"] == say("ro", "brief.wanted_by")
    past = date(2025, 2, 1)
    seen = user.type("01.02.2025")
    assert seen[0]["text"] == say("ro", "errors.date_past", date=w.day(past, "ro"), today=w.day(TODAY, "ro"))
    assert seen[1]["text"] == say("ro", "brief.wanted_by")
    wanted = TODAY + timedelta(days=20)
    assert user.type(wanted.strftime("%d.%m.%Y"))[0]["text"] == say("ro", "brief.budget")
    seen = user.type("-50 lei")
    assert seen[0]["text"] == say("ro", "errors.budget_negative")
    assert seen[1]["text"] == say("ro", "brief.budget")
    assert user.type("2000 lei")[0]["text"] == say("ro", "brief.contact")
    review = user.tap(w.button("form", v="chat"))[0]
    assert review["text"] == say("ro", "brief.review", what="Bufet pentru deschiderea magazinului",
                                 quantity="50", date=w.day(wanted, "ro"), budget=w.money(200000, "RON", "ro"),
                                 contact=say("ro", "brief.contact_chat"))
    sent = user.tap(w.button("form", v="send"))
    with session() as s:
        row = s.execute(select(Request).where(Request.sender_id == user.sender)).scalar_one()
        assert (row.state, row.quantity, row.wanted_by, row.budget_cents, row.currency, row.contact_preference) == \
            ("requested", 50, wanted, 200000, "RON", "chat")
        number = row.id
    assert sent[0]["text"] == say("ro", "brief.sent", provider=store_name(world), number=str(number))
    assert not user.form
    notices = inbox_rows(world.coordinator)
    assert len(notices) == 1
    meta = json.loads(notices[0].meta)
    assert meta["what"] == notify.WHAT and meta["request"] == number
    assert [b["payload"] for b in meta["buttons"]] == [w.button(m, w.PROVIDER_INTENT, req=number)
                                                       for m in ("accept", "price", "decline")]
    assert notices[0].text.startswith("📥") and "Bufet pentru deschiderea magazinului" in notices[0].text
    assert notices[0].kind == "reminder" and notices[0].channel == "telegram"


def store_name(world: World) -> str:
    with session() as s:
        return s.get(Provider, world.provider).name


def test_cancel_in_the_middle_of_the_brief_sends_nothing(world: World) -> None:
    user = sme()
    user.tap(w.button("request", id=world.cluj))
    user.type("Tort")
    assert user.tap(w.button("form", v="cancel"))[0]["text"] == say("ro", "cancelled")
    assert not user.form
    with session() as s:
        assert s.execute(select(Request).where(Request.sender_id == user.sender)).first() is None


def test_a_button_of_something_else_leaves_the_brief_and_is_answered(world: World) -> None:
    user = sme()
    user.tap(w.button("request", id=world.cluj))
    seen = user.tap(w.button("offer", id=world.iasi))
    assert not user.form
    assert seen[-1]["text"].split("\n")[0] == "🏷️ Bufet pentru petreceri"


# -- both sides, to the end -------------------------------------------------------------------------------------
def test_price_confirmation_contact_completion_and_rating(world: World) -> None:
    user = sme()
    request_brief(user, world.cluj, TODAY + timedelta(days=10))
    with session() as s:
        number = s.execute(select(Request.id).where(Request.sender_id == user.sender)).scalar_one()
    school = Chat(world.coordinator, "ro", "telegram")
    ask = school.tap(w.button("price", w.PROVIDER_INTENT, req=number))
    assert ask[1]["text"] == say("ro", "price.price")
    assert school.type("-5")[0]["text"] == say("ro", "errors.price_negative")
    assert school.type("1800 lei")[0]["text"] == say("ro", "price.date")
    ready = TODAY + timedelta(days=8)
    done = school.type(ready.strftime("%d.%m.%Y"))
    with session() as s:
        row = s.get(Request, number)
        assert (row.state, row.offered_price_cents, row.offered_currency, row.offered_date) == \
            ("offered", 180000, "RON", ready)
    assert done[0]["text"] == say("ro", "price.sent", offered=say("ro", "offered_line", price=w.money(
        180000, "RON", "ro"), date=w.day(ready, "ro")))
    offered = inbox_rows(user.sender)[-1]
    assert [b["payload"] for b in json.loads(offered.meta)["buttons"]] == [
        w.button("confirm", req=number), w.button("cancel", req=number)]
    confirmed = user.tap(w.button("confirm", req=number))
    assert confirmed[0]["text"] == say("ro", "moves.confirm_done", title="Catering pentru evenimente")
    assert say("ro", "card.contact_provider", name=store_name(world), email="contact@liceu.example.ro",
               city="Cluj-Napoca") in confirmed[1]["text"]
    told = inbox_rows(world.coordinator)[-1]
    assert told.text.startswith("✅") and json.loads(told.meta)["request"] == number
    # before the due date: not yet
    early = user.tap(w.button("complete", req=number))
    assert early[0]["text"] == say("ro", "errors.not_due", due=w.day(ready, "ro"))
    # the periodic job, after the due date: both are asked once
    with session() as s:
        queued = notify.queue_due(s, datetime.combine(ready + timedelta(days=1), datetime.min.time()))
        again = notify.queue_due(s, datetime.combine(ready + timedelta(days=1), datetime.min.time()))
    assert queued == {"whatsapp": 1, "telegram": 1} and again == {}
    due = inbox_rows(user.sender)[-1]
    assert json.loads(due.meta)["buttons"][0]["payload"] == w.button("complete", req=number)
    with session() as s:  # the due date has passed (as the tick saw it)
        s.get(Request, number).offered_date = TODAY
    finished = school.tap(w.button("complete", w.PROVIDER_INTENT, req=number))
    assert finished[1]["text"] == say("ro", "rate.ask")
    assert payloads(finished[1]) == [w.button("rate", w.PROVIDER_INTENT, req=number, v=v) for v in (5, 4, 3, 2, 1)]
    rate_now = inbox_rows(user.sender)[-1]
    assert [b["title"] for b in json.loads(rate_now.meta)["buttons"]] == ["⭐" * v for v in (5, 4, 3, 2, 1)]
    thanks = user.tap(w.button("rate", req=number, v=4))
    assert thanks[0]["text"] == say("ro", "rate.thanks")
    user.tap(payloads(thanks[0])[0])
    assert user.type("Mâncare bună, elevi foarte politicoși")[0]["text"] == say("ro", "rate.comment_saved")
    twice = user.tap(w.button("rate", req=number, v=5))
    assert twice[0]["text"] == say("ro", "errors.already_rated")
    with session() as s:
        ratings = s.execute(select(Rating).where(Rating.request_id == number)).scalars().all()
        assert [(r.role, r.stars, r.comment) for r in ratings] == [
            ("sme", 4, "Mâncare bună, elevi foarte politicoși")]


def test_linking_by_a_typed_code_and_a_wrong_code(world: World) -> None:
    with session() as s:
        code = store.issue_code(s, world.provider, "admin", datetime.now(timezone.utc))
    teacher = Chat(uuid.uuid4().hex, "de", "telegram")
    home = teacher.type("ich habe einen Anbieter-Code", w.PROVIDER_INTENT)
    assert home[0]["text"] == say("de", "provider.intro")
    teacher.tap(w.button("code", w.PROVIDER_INTENT))
    wrong = teacher.type("AAAA-BBBB")
    assert wrong[0]["text"] == say("de", "errors.code_wrong", tries="4")
    linked = teacher.type(code[:4].lower() + " " + code[4:])
    assert linked[0]["text"] == say("de", "provider.linked", provider=store_name(world))
    assert linked[1]["text"].startswith("🏫 " + store_name(world))
    with session() as s:
        assert store.membership(s, world.provider, teacher.sender) is not None


def test_the_rate_limit_and_someone_elses_request(world: World) -> None:
    user = sme()
    request_brief(user, world.cluj, TODAY + timedelta(days=10))
    with session() as s:
        number = s.execute(select(Request.id).where(Request.sender_id == user.sender)).scalar_one()
        for _ in range(qr.MAX_REQUESTS_PER_DAY - 1):  # four more, on other offers
            offer = _publish(s, world.provider, world.coordinator, title="Tort", category="bakery",
                             city="Cluj-Napoca", region="Cluj")
            qr.request_offer(s, offer, user.sender, language="ro", what="tort", wanted_by=TODAY + timedelta(days=9),
                             now=datetime.now(timezone.utc))
        first = s.get(Request, number).created_at
    refused = user.tap(w.button("request", id=world.iasi))
    assert refused[0]["text"] == say("ro", "errors.rate_limited", limit="5",
                                     retry_at=w.moment(first + qr.RATE_WINDOW, "ro"))
    stranger = sme()
    assert stranger.tap(w.button("request_card", req=number))[0]["text"] == say("ro", "errors.request_not_found")


def test_a_notice_is_checked_right_before_it_goes(world: World) -> None:
    user = sme()
    request_brief(user, world.cluj, TODAY + timedelta(days=10))
    with session() as s:
        number = s.execute(select(Request.id).where(Request.sender_id == user.sender)).scalar_one()
        assert notify.still_due(s, number, world.coordinator) == ""
        s.get(ChannelUser, world.coordinator).stopped_at = datetime.now(timezone.utc).replace(tzinfo=None)
        assert notify.still_due(s, number, world.coordinator) == "the contact is stopped"
        s.get(ChannelUser, world.coordinator).stopped_at = None
        s.delete(s.get(Request, number))
        s.flush()
        assert notify.still_due(s, number, world.coordinator) == "the request was erased"


def test_the_local_chat_gets_no_notice_and_sees_the_news_in_my_requests(world: World) -> None:
    user = sme("en", "rest")
    request_brief(user, world.cluj, TODAY + timedelta(days=10))
    with session() as s:
        number = s.execute(select(Request.id).where(Request.sender_id == user.sender)).scalar_one()
        qr.accept_request(s, number, world.coordinator, now=datetime.now(timezone.utc))
        assert notify.notify(s, s.get(Request, number), "accepted", datetime.now(timezone.utc)) == set()
    assert inbox_rows(user.sender) == []
    mine = user.tap(w.button("mine"))[0]
    assert mine["text"].split("\n")[1] == f"#{number} · Catering pentru evenimente · {say('en', 'states.accepted')}"
    card = user.tap(payloads(mine)[0])[0]
    assert titles(card) == [say("en", "confirm_button"), say("en", "cancel_request_button")]


def test_a_school_creates_an_offer_in_the_chat_and_sends_it_for_review(world: World) -> None:
    school = Chat(world.coordinator, "ro", "telegram")
    home = school.type("ofertele scolii mele", w.PROVIDER_INTENT)[0]
    assert home["text"].startswith(f"🏫 {store_name(world)}\n")
    assert titles(home)[:3] == [say("ro", "provider.requests_button", waiting="0"), say("ro", "provider.offers_button"),
                                say("ro", "provider.new_offer_button")]
    groups = school.tap(payloads(home)[2])[0]
    assert groups["text"] == say("ro", "offer.group_ask") and len(groups["buttons"]) == 9
    subs = school.tap(w.button("offer_group", w.PROVIDER_INTENT, id=world.provider, cat="food"))[0]
    assert payloads(subs)[1] == w.button("offer_category", w.PROVIDER_INTENT, id=world.provider, cat="bakery")
    asked = school.tap(payloads(subs)[1])
    assert asked[-1]["text"] == say("ro", "offer.title")
    assert school.type("Torturi pentru aniversări")[0]["text"] == say("ro", "offer.description")
    assert school.tap(w.button("form", v="skip"))[0]["text"] == say("ro", "offer.place")
    assert school.type("Atlantida")[0]["text"] == say("ro", "offer.place_unknown")
    assert school.type("Iasi")[0]["text"] == say("ro", "offer.price_kind")
    assert school.tap(w.button("form", v="fixed"))[0]["text"] == say("ro", "offer.price")
    assert school.type("-3")[0]["text"] == say("ro", "errors.price_negative")
    assert school.type("180 lei")[0]["text"] == say("ro", "offer.lead_time")
    assert school.type("cat mai repede")[0]["text"] == say("ro", "offer.lead_time_invalid")
    assert school.type("o saptamana")[0]["text"] == say("ro", "offer.teacher")
    made = school.type("prof. Elena Rusu")
    assert made[0]["text"].startswith(say("ro", "offer.created"))
    assert titles(made[0]) == [say("ro", "provider.submit_button"), say("ro", "provider.archive_button"),
                               say("ro", "provider.home_button")]
    with session() as s:
        offer = s.execute(select(store.Offer).where(store.Offer.provider_id == world.provider,
                                                    store.Offer.category == "bakery")).scalar_one()
        assert (offer.state, offer.city, offer.price_kind, offer.price_cents, offer.currency, offer.lead_time_days,
                offer.teacher, offer.languages) == ("draft", "Iași", "fixed", 18000, "RON", 7, "prof. Elena Rusu",
                                                    ["ro"])
        ident = offer.id
    sent = school.tap(payloads(made[0])[0])[0]
    assert sent["text"].startswith(say("ro", "provider.submit_done"))
    with session() as s:
        assert s.get(store.Offer, ident).state == "pending"


@pytest.mark.parametrize(("lang", "word"), [("en", "cancel"), ("ro", "anuleaza"), ("de", "Abbrechen")])
def test_numbers_have_no_buttons_and_a_typed_cancel_word_stops(world: World, lang: str, word: str) -> None:
    user = sme(lang)
    user.tap(w.button("request", id=world.cluj))
    asked = user.type("Bufet")
    assert asked[0]["text"] == say(lang, "brief.quantity") and not asked[0].get("buttons")
    assert user.type(word)[0]["text"] == say(lang, "cancelled")
    assert not user.form
