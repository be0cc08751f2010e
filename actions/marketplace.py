"""The VET2B marketplace in the chat: small businesses find services that VET learners deliver and ask for a
quote; VET providers' coordinators link their chat with a one-time code, manage their offers and answer.

How a message travels:

* ``action_marketplace`` answers the intents ``find_service`` and ``offer_services``, typed or from their
  buttons, whose entity ``mp`` says what to do (``search``, ``offer``, ``request``, ``accept``...; see
  ``domain/marketplace.yml``), with ``mp_id`` (an offer), ``mp_req`` (a request), ``mp_cat`` (a category or
  group id), ``mp_place`` (a place key, :func:`place_key`) and ``mp_v`` (a value). A typed search is read by
  :func:`lmi4vet.marketplace.understanding.parse_query` (category and place, in any of the five languages).
* What has to be typed (the request's brief, a link code, a price, a message to the other side, a new offer's
  fields) goes through the form ``marketplace_form``: its one slot ``marketplace_answer`` takes every message
  while it is open (except the safeguarding words) and ``validate_marketplace_form`` reads it for the step in
  ``marketplace_step`` (JSON: the flow, its field, what was answered so far, the language). A wrong answer (a
  past date, a negative budget) gets the reason and the question again; a button of something else leaves the
  form and is answered as usual; "✖️ Cancel" leaves it.
* Each move of a request is a state in the database (:mod:`lmi4vet.marketplace.quote_requests`) and queues the
  other side's notice in the same transaction (:mod:`lmi4vet.marketplace.notify`); the channel worker is woken
  after the commit.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Any

from babel.numbers import get_territory_currencies
from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecutionRejected, EventType, FollowupAction, SlotSet
from sqlalchemy.orm import Session

from actions.base import Button, LocalizedAction, Reply, end_form
from actions.data import entity_value, kb_session, latest_text
from lmi4vet.countries import CLDR_CODES
from lmi4vet.inbox import wake
from lmi4vet.marketplace import categories, finder, moderation, notify, store
from lmi4vet.marketplace import quote_requests as qr
from lmi4vet.marketplace import wording as w
from lmi4vet.marketplace.checks import MarketplaceError
from lmi4vet.marketplace.models import Offer, Request
from lmi4vet.marketplace.places import Place, find_place
from lmi4vet.marketplace.search import SearchResult
from lmi4vet.marketplace.understanding import looks_like_code, parse_amount, parse_date, parse_quantity, parse_query
from lmi4vet.settings import Settings

FORM = "marketplace_form"
ANSWER_SLOT, STEP_SLOT, PLACE_SLOT = "marketplace_answer", "marketplace_step", "marketplace_place"
END = "end"  # the answer slot's value that ends the form
TOPIC = "marketplace"  # last_topic
MAX_HITS = 9  # results as buttons, with "other services": WhatsApp's list picker takes 10
REPORT_REASONS = ("misleading", "not_vet", "inappropriate", "other")
PRICE_KINDS = ("free", "cost_only", "fixed", "quote")
#: the fields each typed flow asks, in order (the brief's contact address only for email or phone)
FLOWS = {"brief": ("what", "quantity", "wanted_by", "budget", "contact", "address", "review"),
         "code": ("code",), "price": ("price", "date"), "write": ("text",), "comment": ("comment",),
         "offer": ("title", "description", "place", "price_kind", "price", "lead_time", "teacher")}
CHOICES = {"contact": qr.CONTACT_PREFERENCES, "price_kind": PRICE_KINDS}
SKIPPABLE = ("budget", "lead_time", "teacher", "comment", "description", "price")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _sme(do: str, **entities: Any) -> str:
    return w.button(do, w.SME_INTENT, **entities)


def _pro(do: str, **entities: Any) -> str:
    return w.button(do, w.PROVIDER_INTENT, **entities)


def _error(reply: Reply, error: MarketplaceError) -> str:
    params = {name: (w.moment(value, reply.language) if isinstance(value, datetime) else
                     w.day(value, reply.language) if isinstance(value, date) else str(value))
              for name, value in error.params.items()}
    return w.say(reply.language, f"errors.{error.code}", **params)


def _wake(channels: set[str]) -> None:
    """Ask the workers of ``channels`` to send the queued notices now (they also look every few seconds)."""
    settings = Settings.from_env()
    for channel in channels:
        wake(settings.rasa_url, channel)


# -- places in payloads -----------------------------------------------------------------------------------------
def place_key(place: Place | None) -> str:
    """``city|RO|Cluj|Cluj-Napoca``: what a button keeps of a place ("" for none)."""
    if place is None:
        return ""
    return "|".join((place.kind, place.country, place.region or "", place.city or ""))


def place_from_key(value: str | None) -> Place | None:
    parts = (value or "").split("|")
    if len(parts) != 4 or parts[0] not in ("city", "region", "country") or not parts[1]:
        return None
    return Place(parts[0], parts[1], parts[2] or None, parts[3] or None)


def place_name(place: Place, lang: str) -> str:
    from lmi4vet.i18n import country_name

    return place.city or place.region or country_name(place.country, lang)


def local_currency(country: str) -> str:
    """The currency of the offer's country (RON in Romania, EUR in most of the others)."""
    found = get_territory_currencies(CLDR_CODES.get(country, country), tender=True)
    return found[0] if found else "EUR"


# -- the small business's side ----------------------------------------------------------------------------------
def home(reply: Reply, session: Session, place: Place | None = None, lead: str = "") -> list[EventType]:
    """What the marketplace is, with its service groups as buttons (and the user's requests)."""
    lang = reply.language
    lines = [lead] if lead else []
    lines.append(w.say(lang, "chat.intro") if place is None else
                 w.say(lang, "chat.which_service", place=place_name(place, lang)))
    buttons: list[Button] = [(w.group_title(g, lang), _sme("group", cat=g.id, place=place_key(place)))
                             for g in categories.groups()]
    if qr.requests_of(session, reply.sender_id):
        buttons.append((w.say(lang, "chat.mine_button"), _sme("mine")))
    else:
        buttons.append((w.say(lang, "chat.provider_button"), _pro("provider")))
    reply.send("\n\n".join(lines), buttons[:10])
    return [SlotSet("last_topic", TOPIC)]


def group_menu(reply: Reply, group_id: str, place: Place | None) -> list[EventType]:
    """The subcategories of a group, as buttons (and "everything in the group")."""
    lang = reply.language
    group = next((g for g in categories.groups() if g.id == group_id), None)
    if group is None:
        return []
    buttons: list[Button] = [(w.category_name(c, lang), _sme("search", cat=c, place=place_key(place)))
                             for c in group.categories][:9]
    buttons.append((w.say(lang, "chat.whole_group_button"), _sme("search", cat=group.id, place=place_key(place))))
    reply.send(w.say(lang, "chat.choose_category", group=group.name(lang)), buttons)
    return [SlotSet("last_topic", TOPIC)]


def hit_line(reply: Reply, number: int, hit: Any, session: Session) -> str:
    """"1. Catering for 20–200 people · Liceul ..., Cluj-Napoca (4 km) · price" for a result list."""
    lang = reply.language
    offer = session.get(Offer, hit.card.id)
    where = w.where(offer, lang)
    if hit.distance_km is not None and hit.proximity not in (None, "same_city", "remote"):
        where += " " + w.say(lang, "chat.km", km=str(round(hit.distance_km)))
    line = f"{number}. {w.short(w.title(offer, lang))} · {offer.provider.name} · {where} · {w.price(offer, lang)}"
    if hit.availability == "busy" and hit.busy_until:
        line += " · " + w.say(lang, "chat.busy_until", date=w.day(hit.busy_until, lang))
    return line


def show_results(reply: Reply, session: Session, category: str, place: Place | None) -> list[EventType]:
    """The best offers for the category near the place, as a list and buttons; when nothing matches both, it
    says so and shows the nearest alternatives."""
    lang = reply.language
    result: SearchResult = finder.find(session, category=category, place=place, language=lang,
                                       today=_now().date(), limit=MAX_HITS)
    name = w.category_name(category, lang)
    events: list[EventType] = [SlotSet("last_topic", TOPIC)]
    if place is not None:
        events.append(SlotSet(PLACE_SLOT, place_key(place)))
    others = (w.say(lang, "chat.other_services_button"), _sme("home", place=place_key(place)))
    if not result.hits:
        reply.send(w.say(lang, "chat.none_at_all", category=name), [others])
        return events
    where = place_name(place, lang) if place is not None else ""
    same = [hit for hit in result.hits if hit.category_match != "group"]
    if result.exact and same:
        near = "chat.found" if place is None else "chat.found_near" if place.kind == "city" else "chat.found_in"
        heading = w.say(lang, near, category=name, place=where, count=str(len(same)))
    else:
        heading = w.say(lang, "chat.none_near", category=name, place=where) + "\n" + w.say(lang, "chat.nearest")
        same = list(result.hits)
    lines = [hit_line(reply, number, hit, session) for number, hit in enumerate(same, start=1)]
    related = [hit for hit in result.hits if hit not in same]
    if related:
        lines.append("\n" + w.say(lang, "chat.related"))
        lines += [hit_line(reply, number, hit, session) for number, hit in enumerate(related, start=len(same) + 1)]
    buttons: list[Button] = [(f"{number}. {w.short(hit.card.title, 40)}", _sme("offer", id=hit.card.id,
                                                                              cat=category, place=place_key(place)))
                             for number, hit in enumerate([*same, *related], start=1)]
    reply.send("\n\n".join([heading, "\n".join(lines), w.say(lang, "chat.tap_for_details")]), [*buttons, others])
    return events


def search_text(reply: Reply, tracker: Tracker, session: Session, text: str) -> list[EventType]:
    """A typed search: category and place recognised in the text (the place of the last search when none is
    named); neither: what the marketplace is."""
    query = parse_query(text, reply.language)
    place = query.place or place_from_key(tracker.get_slot(PLACE_SLOT))
    category = query.category or query.group
    if category:
        return show_results(reply, session, category, place)
    return home(reply, session, query.place)


def offer_card(reply: Reply, session: Session, offer: Offer, back: str = "") -> None:
    """Everything about one published offer, with "request a quote" and "report this offer"."""
    lang = reply.language
    lines = [f"🏷️ {w.title(offer, lang)}", w.say(lang, "card.provider", provider=offer.provider.name),
             w.say(lang, "card.category", category=w.category_name(offer.category, lang)),
             w.say(lang, "card.where", where=w.where(offer, lang)),
             w.say(lang, "card.price", price=w.price(offer, lang))]
    text = w.description(offer, lang)
    if text:
        lines.insert(1, text)
    if offer.lead_time_days:
        lines.append(w.say(lang, "card.lead_time", days=str(offer.lead_time_days)))
    lines.append(w.say(lang, "card.languages", languages=w.languages(offer, lang)))
    today = _now().date()
    busy = [p for p in offer.unavailable if p.ends_on >= today]
    if busy:
        lines.append(w.say(lang, "card.busy", periods="; ".join(
            f"{w.day(p.starts_on, lang)} – {w.day(p.ends_on, lang)}" for p in busy[:3])))
    if offer.skills:
        lines.append(w.say(lang, "card.skills", skills=", ".join(s.label for s in offer.skills)))
    if offer.teacher:
        lines.append(w.say(lang, "card.teacher", teacher=offer.teacher))
    lines.append(w.say(lang, "card.how"))
    buttons: list[Button] = [(w.say(lang, "chat.request_button"), _sme("request", id=offer.id)),
                             (w.say(lang, "chat.report_button"), _sme("report", id=offer.id))]
    if back:
        buttons.append((w.say(lang, "chat.back_to_results_button"), back))
    reply.send("\n".join(lines), buttons)


def published(session: Session, reply: Reply, offer_id: str) -> Offer | None:
    offer = store.get_offer(session, int(offer_id)) if offer_id.isdigit() else None
    if offer is None or offer.state != "published" or not offer.provider.active:
        reply.send(w.say(reply.language, "errors.offer_unavailable"))
        return None
    return offer


def request_card(reply: Reply, session: Session, row: Request) -> None:
    """One request as its party sees it: the offer, the brief, the state and what they can do now."""
    lang = reply.language
    who = qr.party(session, row, reply.sender_id)
    offer = row.offer
    intent = w.SME_INTENT if who == qr.SME else w.PROVIDER_INTENT
    lines = [w.say(lang, "card.request_heading", number=str(row.id), title=w.title(offer, lang),
                   provider=offer.provider.name),
             w.say(lang, "card.state", state=w.state_name(row.state, lang)), w.brief(row, lang)]
    if w.offered(row, lang):
        lines.append(w.offered(row, lang))
    found = qr.contact(session, row.id, reply.sender_id)
    if found is not None:
        lines.append(contact_text(lang, found))
    buttons: list[Button] = []
    moves = {"sme": {"accepted": ("confirm", "cancel"), "offered": ("confirm", "cancel"),
                     "requested": ("cancel",), "confirmed": ("complete", "write", "cancel"),
                     "completed": ("rate",)},
             "provider": {"requested": ("accept", "price", "decline"), "accepted": ("price", "decline"),
                          "offered": ("decline",), "confirmed": ("complete", "write"), "completed": ("rate",)}}
    for move in moves.get(who or "", {}).get(row.state, ()):
        if move == "rate":
            buttons += w.rating_buttons(lang, intent, row.id)
        else:
            buttons.append((w.say(lang, f"{_button_key(move)}"), w.button(move, intent, req=row.id)))
    reply.send("\n".join(lines), buttons)


def _button_key(move: str) -> str:
    return {"cancel": "cancel_request_button", "complete": "done_button", "price": "price_button"}.get(
        move, f"{move}_button")


def contact_text(lang: str, found: qr.Contact) -> str:
    """The other party's contact data, once the request is confirmed."""
    if found.name:
        return w.say(lang, "card.contact_provider", name=found.name, email=found.email or "", city=found.city or "")
    if found.preference == "chat":
        return w.say(lang, "card.contact_chat")
    return w.say(lang, "card.contact_sme", address=found.email or found.phone or "")


def my_requests(reply: Reply, session: Session) -> list[EventType]:
    """The user's requests, newest first, as buttons."""
    lang = reply.language
    rows = qr.requests_of(session, reply.sender_id)[:9]
    if not rows:
        return home(reply, session, lead=w.say(lang, "chat.no_requests"))
    lines = [w.say(lang, "chat.mine_heading")]
    lines += [f"#{r.id} · {w.short(w.title(r.offer, lang), 40)} · {w.state_name(r.state, lang)}" for r in rows]
    buttons: list[Button] = [(f"#{r.id} {w.short(w.title(r.offer, lang), 18)}", _sme("request_card", req=r.id))
                             for r in rows]
    reply.send("\n".join(lines), buttons)
    return [SlotSet("last_topic", TOPIC)]


# -- the provider's side ----------------------------------------------------------------------------------------
def provider_home(reply: Reply, session: Session, lead: str = "") -> list[EventType]:
    """A linked coordinator: their provider, offers and waiting requests; anyone else: how to link with a code."""
    lang = reply.language
    members = store.memberships(session, reply.sender_id)
    lines = [lead] if lead else []
    if not members:
        lines.append(w.say(lang, "provider.intro"))
        reply.send("\n\n".join(lines), [(w.say(lang, "provider.code_button"), _pro("code")),
                                        (w.say(lang, "chat.find_button"), _sme("home"))])
        return [SlotSet("last_topic", TOPIC)]
    buttons: list[Button] = []
    for member in members:
        provider_id = member.provider_id
        offers = store.provider_offers(session, provider_id, reply.sender_id)
        waiting = qr.provider_requests(session, provider_id, reply.sender_id, ("requested",))
        lines.append(w.say(lang, "provider.status", provider=member.provider.name, published=str(
            sum(1 for o in offers if o.state == "published")), offers=str(len(offers)), waiting=str(len(waiting))))
        buttons += [(w.say(lang, "provider.requests_button", waiting=str(len(waiting))),
                     _pro("requests", id=provider_id)),
                    (w.say(lang, "provider.offers_button"), _pro("offers", id=provider_id)),
                    (w.say(lang, "provider.new_offer_button"), _pro("new_offer", id=provider_id))]
    buttons.append((w.say(lang, "provider.code_button"), _pro("code")))
    reply.send("\n\n".join(lines), buttons[:10])
    return [SlotSet("last_topic", TOPIC)]


def provider_requests(reply: Reply, session: Session, provider_id: int) -> None:
    lang = reply.language
    rows = [r for r in qr.provider_requests(session, provider_id, reply.sender_id) if r.state not in
            ("cancelled", "expired", "declined")][-9:]
    if not rows:
        reply.send(w.say(lang, "provider.no_requests"), [(w.say(lang, "provider.home_button"), _pro("provider"))])
        return
    lines = [w.say(lang, "provider.requests_heading")]
    lines += [f"#{r.id} · {w.short(w.title(r.offer, lang), 40)} · {w.state_name(r.state, lang)} · "
              f"{w.day(r.wanted_by, lang)}" for r in rows]
    reply.send("\n".join(lines), [(f"#{r.id} {w.short(w.title(r.offer, lang), 18)}", _pro("request_card", req=r.id))
                                  for r in rows])


def provider_offers(reply: Reply, session: Session, provider_id: int) -> None:
    lang = reply.language
    offers = store.provider_offers(session, provider_id, reply.sender_id)[:9]
    if not offers:
        reply.send(w.say(lang, "provider.no_offers"), [(w.say(lang, "provider.new_offer_button"),
                                                        _pro("new_offer", id=provider_id))])
        return
    lines = [w.say(lang, "provider.offers_heading")]
    lines += [f"{n}. {w.short(w.title(o, lang), 45)} · {w.say(lang, f'offer_states.{o.state}')}"
              for n, o in enumerate(offers, start=1)]
    reply.send("\n".join(lines), [(f"{n}. {w.short(w.title(o, lang), 20)}", _pro("my_offer", id=o.id))
                                  for n, o in enumerate(offers, start=1)])


def my_offer(reply: Reply, session: Session, offer: Offer, lead: str = "") -> None:
    """An offer as its provider sees it: state, what it says, and the moves it allows."""
    lang = reply.language
    lines = [lead] if lead else []
    lines += [f"🏷️ {w.title(offer, lang)}",
              w.say(lang, "card.state", state=w.say(lang, f"offer_states.{offer.state}")),
              w.say(lang, "card.category", category=w.category_name(offer.category, lang)),
              w.say(lang, "card.where", where=w.where(offer, lang)),
              w.say(lang, "card.price", price=w.price(offer, lang))]
    if offer.review_note:
        lines.append(w.say(lang, "provider.review_note", note=offer.review_note))
    moves = {"draft": ("submit", "archive"), "published": ("pause", "archive"), "paused": ("resume", "archive"),
             "pending": ()}.get(offer.state, ())
    buttons: list[Button] = [(w.say(lang, f"provider.{move}_button"), _pro(move, id=offer.id)) for move in moves]
    buttons.append((w.say(lang, "provider.home_button"), _pro("provider")))
    reply.send("\n".join(lines), buttons)


# -- the action -------------------------------------------------------------------------------------------------
class ActionMarketplace(LocalizedAction):
    """The marketplace outside the form (see the module docstring)."""

    def name(self) -> str:
        return "action_marketplace"

    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        do = entity_value(tracker, "mp")
        channels: set[str] = set()
        try:
            with kb_session() as session:
                notify.remember_language(session, reply.sender_id, reply.language)
                events = self.dispatch(reply, tracker, session, do, channels)
        finally:
            _wake(channels)
        return events

    def dispatch(self, reply: Reply, tracker: Tracker, session: Session, do: str,
                 channels: set[str]) -> list[EventType]:
        lang = reply.language
        ident, req = entity_value(tracker, "mp_id"), entity_value(tracker, "mp_req")
        place = place_from_key(entity_value(tracker, "mp_place"))
        category = entity_value(tracker, "mp_cat")
        if not do:
            text = latest_text(tracker)
            code = looks_like_code(text)
            intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
            if intent == w.PROVIDER_INTENT:  # "my code is K7QX2M9P", or the school's side
                return self.redeem(reply, session, code) if code else provider_home(reply, session)
            return search_text(reply, tracker, session, text)
        if do == "home":
            return home(reply, session, place)
        if do == "group":
            return group_menu(reply, category, place)
        if do == "search" and category:
            return show_results(reply, session, category, place or place_from_key(tracker.get_slot(PLACE_SLOT)))
        if do == "offer":
            offer = published(session, reply, ident)
            if offer is not None:
                back = _sme("search", cat=category, place=place_key(place)) if category else ""
                offer_card(reply, session, offer, back)
            return [SlotSet("last_topic", TOPIC)]
        if do == "request":
            return self.start_brief(reply, session, ident)
        if do == "report":
            return self.report(reply, session, ident, entity_value(tracker, "mp_v"))
        if do == "mine":
            return my_requests(reply, session)
        if do in ("provider", "code", "offers", "requests", "new_offer", "offer_group", "offer_category", "my_offer",
                  "submit", "pause", "resume", "archive"):
            return self.provider(reply, session, do, ident, category)
        if do in ("request_card", "accept", "decline", "confirm", "cancel", "complete", "rate", "price", "write",
                  "comment"):
            return self.on_request(reply, tracker, session, do, req, channels)
        return home(reply, session, place) if lang else []

    # -- typed flows -------------------------------------------------------------------------------------------
    @staticmethod
    def open_form(flow: str, lang: str, **data: Any) -> list[EventType]:
        step = {"flow": flow, "field": FLOWS[flow][0], "lang": lang, "data": data}
        return [SlotSet(STEP_SLOT, json.dumps(step, ensure_ascii=False)), SlotSet(ANSWER_SLOT, None),
                FollowupAction(FORM)]

    def start_brief(self, reply: Reply, session: Session, ident: str) -> list[EventType]:
        offer = published(session, reply, ident)
        if offer is None:
            return []
        try:
            qr.can_request(session, offer.id, reply.sender_id, _now())
        except MarketplaceError as error:
            buttons = [(w.say(reply.language, "see_request_button"), _sme("request_card",
                                                                          req=error.params["request_id"]))] \
                if error.code == "already_requested" else []
            reply.send(_error(reply, error), buttons)
            return []
        reply.send(w.say(reply.language, "brief.start", title=w.title(offer, reply.language),
                         provider=offer.provider.name))
        return self.open_form("brief", reply.language, offer=offer.id)

    def redeem(self, reply: Reply, session: Session, code: str) -> list[EventType]:
        found = store.redeem_code(session, code, reply.sender_id, _now())
        if found.member is None:
            reply.send(w.say(reply.language, f"errors.{found.error}", tries=str(found.tries_left)))
            return []
        notify.remember_language(session, reply.sender_id, reply.language)
        return provider_home(reply, session, w.say(reply.language, "provider.linked",
                                                   provider=found.member.provider.name))

    def report(self, reply: Reply, session: Session, ident: str, reason: str) -> list[EventType]:
        lang = reply.language
        offer = published(session, reply, ident)
        if offer is None:
            return []
        if reason not in REPORT_REASONS:
            reply.send(w.say(lang, "report.ask", title=w.title(offer, lang)),
                       [(w.say(lang, f"report.{r}"), _sme("report", id=offer.id, v=r)) for r in REPORT_REASONS])
            return []
        # the moderators' console is in English: the reason as they read it
        moderation.report_offer(session, offer.id, reply.sender_id, w.say("en", f"report.{reason}"), now=_now())
        reply.send(w.say(lang, "report.thanks"))
        return []

    def provider(self, reply: Reply, session: Session, do: str, ident: str, category: str) -> list[EventType]:
        lang = reply.language
        if do == "code":
            reply.send(w.say(lang, "provider.code_ask"))
            return self.open_form("code", lang)
        if do == "provider" or not ident.isdigit():
            return provider_home(reply, session)
        number = int(ident)
        try:
            if do == "requests":
                provider_requests(reply, session, number)
            elif do == "offers":
                provider_offers(reply, session, number)
            elif do == "new_offer":
                store.require_member(session, number, reply.sender_id)
                return self.choose_category(reply, number)
            elif do == "offer_group":
                return self.choose_category(reply, number, category)
            elif do == "offer_category":
                store.require_member(session, number, reply.sender_id)
                if categories.category(category) is None:
                    return self.choose_category(reply, number)
                reply.send(w.say(lang, "offer.start", category=w.category_name(category, lang)))
                return self.open_form("offer", lang, provider=number, category=category)
            else:
                offer = store.get_offer(session, number)
                if offer is None or store.membership(session, offer.provider_id, reply.sender_id) is None:
                    reply.send(w.say(lang, "errors.offer_not_found"))
                    return provider_home(reply, session)
                moved = {"submit": store.submit_offer, "pause": store.pause_offer, "resume": store.resume_offer,
                         "archive": lambda s, i, u, now: store.archive_offer(s, i, sender_id=u, now=now)}.get(do)
                if moved is not None:
                    moved(session, offer.id, reply.sender_id, now=_now())
                    my_offer(reply, session, offer, w.say(lang, f"provider.{do}_done"))
                else:
                    my_offer(reply, session, offer)
        except MarketplaceError as error:
            reply.send(_error(reply, error))
        return [SlotSet("last_topic", TOPIC)]

    def choose_category(self, reply: Reply, provider_id: int, group_id: str = "") -> list[EventType]:
        """A new offer starts with its category: the groups, then the subcategories of the group chosen."""
        lang = reply.language
        group = next((g for g in categories.groups() if g.id == group_id), None)
        if group is None:
            reply.send(w.say(lang, "offer.group_ask"),
                       [(w.group_title(g, lang), _pro("offer_group", id=provider_id, cat=g.id))
                        for g in categories.groups()])
        else:
            reply.send(w.say(lang, "offer.category_ask", group=group.name(lang)),
                       [(w.category_name(c, lang), _pro("offer_category", id=provider_id, cat=c))
                        for c in group.categories][:10])
        return []

    def on_request(self, reply: Reply, tracker: Tracker, session: Session, do: str, req: str,
                   channels: set[str]) -> list[EventType]:
        lang, now = reply.language, _now()
        row = qr.get_request(session, int(req), reply.sender_id) if req.isdigit() else None
        if row is None:
            reply.send(w.say(lang, "errors.request_not_found"))
            return []
        try:
            if do == "price":
                reply.send(w.say(lang, "price.ask", brief=w.brief(row, lang)))
                return self.open_form("price", lang, req=row.id, currency=local_currency(row.offer.country))
            if do == "write":
                if qr.contact(session, row.id, reply.sender_id) is None:
                    raise MarketplaceError("not_confirmed")
                reply.send(w.say(lang, "write.ask"))
                return self.open_form("write", lang, req=row.id)
            if do == "comment":
                reply.send(w.say(lang, "rate.comment_ask"))
                return self.open_form("comment", lang, req=row.id)
            moves = {"accept": qr.accept_request, "decline": qr.decline_request, "confirm": qr.confirm_request,
                     "cancel": qr.cancel_request, "complete": qr.complete_request}
            if do in moves:
                before = row.state
                moves[do](session, row.id, reply.sender_id, now=now)
                if row.state != before:
                    channels |= notify.notify(session, row, row.state, now, actor=reply.sender_id)
                reply.send(w.say(lang, f"moves.{do}_done", title=w.title(row.offer, lang)))
                if do == "complete":
                    reply.send(w.say(lang, "rate.ask"), w.rating_buttons(lang, tracker_intent(tracker), row.id))
                    return []
            if do == "rate":
                stars = entity_value(tracker, "mp_v")
                qr.rate(session, row.id, reply.sender_id, int(stars) if stars.isdigit() else stars, now=now)
                reply.send(w.say(lang, "rate.thanks"), [(w.say(lang, "rate.comment_button"),
                                                         w.button("comment", tracker_intent(tracker), req=row.id))])
                return []
        except MarketplaceError as error:
            reply.send(_error(reply, error))
        request_card(reply, session, row)
        return [SlotSet("last_topic", TOPIC)]


def tracker_intent(tracker: Tracker) -> str:
    name = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    return name if name in (w.SME_INTENT, w.PROVIDER_INTENT) else w.SME_INTENT


# -- the form ---------------------------------------------------------------------------------------------------
def read_step(tracker: Tracker) -> dict[str, Any]:
    try:
        step = json.loads(tracker.get_slot(STEP_SLOT) or "{}")
    except (TypeError, ValueError):
        return {}
    return step if isinstance(step, dict) and step.get("flow") in FLOWS else {}


class FormAction(LocalizedAction):
    """A form action: it answers in the language the flow started in."""

    def fixed_language(self, tracker: Tracker) -> str | None:
        value = read_step(tracker).get("lang")
        return value if isinstance(value, str) and value else None


def question(reply: Reply, step: dict[str, Any]) -> tuple[str, list[Button]]:
    """The current field's question and its buttons (choices, skip, cancel)."""
    lang, flow, field = reply.language, step["flow"], step["field"]
    data = step.get("data") or {}
    params = {name: str(value) for name, value in data.items()}
    if flow == "brief" and field == "review":
        text = w.say(lang, "brief.review", what=data.get("what", ""), quantity=str(data.get("quantity", "")),
                     date=w.day(date.fromisoformat(data["wanted_by"]), lang),
                     budget=w.money(data["budget"], data.get("currency"), lang) if data.get("budget") is not None
                     else w.say(lang, "no_budget"),
                     contact=w.say(lang, f"brief.contact_{data.get('contact', 'chat')}",
                                   address=data.get("address", "")))
        return text, [(w.say(lang, "brief.send_button"), _sme("form", v="send")),
                      (w.say(lang, "brief.restart_button"), _sme("form", v="restart")),
                      (w.say(lang, "cancel_button"), _sme("form", v="cancel"))]
    text = w.say(lang, f"{flow}.{field}", **params)
    buttons: list[Button] = [(w.say(lang, f"{flow}.{field}_{choice}"), _sme("form", v=choice))
                             for choice in CHOICES.get(field, ())]
    if field == "place":
        buttons.append((w.say(lang, "offer.remote_button"), _sme("form", v="remote")))
    if field in SKIPPABLE and not (flow == "offer" and field == "price" and data.get("price_kind") == "fixed"):
        buttons.append((w.say(lang, f"{flow}.{field}_skip" if field == "budget" else "skip_button"),
                        _sme("form", v="skip")))
    buttons.append((w.say(lang, "cancel_button"), _sme("form", v="cancel")))
    return text, buttons


class ActionAskMarketplaceAnswer(FormAction):
    """The form's question: the current field of the flow."""

    def name(self) -> str:
        return "action_ask_marketplace_answer"

    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        step = read_step(tracker)
        if not step:
            return end_form()
        text, buttons = question(reply, step)
        reply.send(text, buttons)
        return []


class ValidateMarketplaceForm(FormAction):
    """Reads each message of a typed flow (see the module docstring)."""

    def name(self) -> str:
        return "validate_marketplace_form"

    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        raw = tracker.get_slot(ANSWER_SLOT)
        step = read_step(tracker)
        if raw is None or raw == END:
            return []
        if not step:
            return self.finish(step)
        text = str(raw).strip()
        if text.startswith("/"):
            if entity_value(tracker, "mp") != "form":
                return self.hand_over()  # a button of something else: answered as usual
            text, choice = "", entity_value(tracker, "mp_v")
        else:
            choice = ""
        if choice == "cancel":
            reply.send(w.say(reply.language, "cancelled"))
            return self.finish({})
        channels: set[str] = set()
        try:
            with kb_session() as session:
                events = self.take(reply, session, step, text, choice, channels)
        finally:
            _wake(channels)
        return events

    # -- what comes next ---------------------------------------------------------------------------------------
    @staticmethod
    def again(step: dict[str, Any]) -> list[EventType]:
        return [SlotSet(STEP_SLOT, json.dumps(step, ensure_ascii=False)), SlotSet(ANSWER_SLOT, None)]

    @staticmethod
    def finish(step: dict[str, Any]) -> list[EventType]:
        """End the form; ``action_marketplace_end`` shows what comes next (``step["next"]``)."""
        return [SlotSet(STEP_SLOT, json.dumps(step, ensure_ascii=False) if step else None), SlotSet(ANSWER_SLOT, END)]

    @staticmethod
    def hand_over() -> list[EventType]:
        return [SlotSet(ANSWER_SLOT, None), SlotSet(STEP_SLOT, None), *end_form(), ActionExecutionRejected(FORM)]

    def advance(self, step: dict[str, Any]) -> list[EventType]:
        """The next field of the flow (the brief asks an address only for email or phone)."""
        fields = FLOWS[step["flow"]]
        index = fields.index(step["field"]) + 1
        data = step["data"]
        while index < len(fields) and (
                (fields[index] == "address" and data.get("contact") == "chat")
                or (step["flow"] == "offer" and fields[index] == "price"
                    and data.get("price_kind") in ("free", "quote"))):
            index += 1
        if index >= len(fields):
            return []
        step["field"] = fields[index]
        return self.again(step)

    def retry(self, reply: Reply, step: dict[str, Any], error: MarketplaceError | str) -> list[EventType]:
        """Say why the answer was not taken; the question is asked again."""
        reply.send(_error(reply, error) if isinstance(error, MarketplaceError) else w.say(reply.language, error))
        return self.again(step)

    # -- the answers -------------------------------------------------------------------------------------------
    def take(self, reply: Reply, session: Session, step: dict[str, Any], text: str, choice: str,
             channels: set[str]) -> list[EventType]:
        flow = step["flow"]
        taker = {"brief": self.brief, "code": self.code, "price": self.price, "write": self.write,
                 "comment": self.comment, "offer": self.offer}[flow]
        try:
            return taker(reply, session, step, text, choice, channels)
        except MarketplaceError as error:
            return self.retry(reply, step, error)

    def brief(self, reply: Reply, session: Session, step: dict[str, Any], text: str, choice: str,
              channels: set[str]) -> list[EventType]:
        lang, field, data, today = reply.language, step["field"], step["data"], _now().date()
        offer = session.get(Offer, int(data["offer"]))
        if offer is None:
            reply.send(w.say(lang, "errors.offer_unavailable"))
            return self.finish({})
        if field == "what":
            data["what"] = qr.check_what(text)
        elif field == "quantity":
            number = parse_quantity(text, lang)
            data["quantity"] = qr.check_quantity(number if number is not None else text)
        elif field == "wanted_by":
            day = parse_date(text, lang, today)
            data["wanted_by"] = qr.check_wanted_by(day, today, offer.lead_time_days).isoformat()
        elif field == "budget":
            if choice == "skip":
                data["budget"], data["currency"] = None, None
            else:
                amount = parse_amount(text)
                if amount is None:
                    raise MarketplaceError("budget_invalid")
                data["budget"] = qr.check_budget(amount.value)
                data["currency"] = amount.currency or local_currency(offer.country)
        elif field == "contact":
            if choice not in qr.CONTACT_PREFERENCES:
                return self.retry(reply, step, "brief.contact_choose")
            data["contact"] = choice
        elif field == "address":
            data["address"] = qr.check_contact(data["contact"], text)[1]
        elif field == "review":
            if choice == "restart":
                return self.again({**step, "field": "what", "data": {"offer": data["offer"]}})
            if choice != "send":
                return self.retry(reply, step, "not_a_choice")
            row = qr.request_offer(session, offer.id, reply.sender_id, language=lang, what=data["what"],
                                   wanted_by=date.fromisoformat(data["wanted_by"]), quantity=data["quantity"],
                                   budget=None if data.get("budget") is None else data["budget"] / 100,
                                   currency=data.get("currency") or "EUR",
                                   contact_preference=data["contact"], contact=data.get("address"),
                                   now=_now())
            channels |= notify.notify(session, row, "requested", _now(), actor=reply.sender_id)
            reply.send(w.say(lang, "brief.sent", provider=offer.provider.name, number=str(row.id)),
                       [(w.say(lang, "see_request_button"), _sme("request_card", req=row.id)),
                        (w.say(lang, "chat.mine_button"), _sme("mine"))])
            return self.finish({})
        return self.advance(step)

    def code(self, reply: Reply, session: Session, step: dict[str, Any], text: str, choice: str,
             channels: set[str]) -> list[EventType]:
        code = looks_like_code(text)
        if code is None:
            return self.retry(reply, step, "errors.code_format")
        found = store.redeem_code(session, code, reply.sender_id, _now())
        if found.member is None:
            reply.send(w.say(reply.language, f"errors.{found.error}", tries=str(found.tries_left)))
            return self.finish({}) if found.error in ("too_many_tries", "provider_inactive") else self.again(step)
        notify.remember_language(session, reply.sender_id, reply.language)
        reply.send(w.say(reply.language, "provider.linked", provider=found.member.provider.name))
        return self.finish({"flow": "code", "field": "code", "lang": reply.language, "next": "provider",
                            "data": {}})

    def price(self, reply: Reply, session: Session, step: dict[str, Any], text: str, choice: str,
              channels: set[str]) -> list[EventType]:
        data, lang = step["data"], reply.language
        if step["field"] == "price":
            amount = parse_amount(text)
            if amount is None:
                raise MarketplaceError("price_invalid")
            qr.check_budget(amount.value)  # the same checks: a negative price is refused here already
            data["price"], data["currency"] = str(amount.value), amount.currency or data.get("currency") or "EUR"
            return self.advance(step)
        today = _now().date()
        day = parse_date(text, lang, today)
        row = qr.offer_price(session, int(data["req"]), reply.sender_id, price=data["price"],
                             day=day if day is not None else None, currency=data["currency"], now=_now())
        channels |= notify.notify(session, row, "offered", _now(), actor=reply.sender_id)
        reply.send(w.say(lang, "price.sent", offered=w.offered(row, lang)))
        return self.finish({})

    def write(self, reply: Reply, session: Session, step: dict[str, Any], text: str, choice: str,
              channels: set[str]) -> list[EventType]:
        row = qr.get_request(session, int(step["data"]["req"]), reply.sender_id)
        if row is None or not text:
            return self.retry(reply, step, "write.empty")
        body = qr.check_message(text)
        channels |= notify.notify(session, row, "message", _now(), actor=reply.sender_id, text=body,
                                  serial=int(_now().timestamp() * 1000))
        reply.send(w.say(reply.language, "write.sent"))
        return self.finish({})

    def comment(self, reply: Reply, session: Session, step: dict[str, Any], text: str, choice: str,
                channels: set[str]) -> list[EventType]:
        if choice != "skip":
            qr.comment_rating(session, int(step["data"]["req"]), reply.sender_id, text)
            reply.send(w.say(reply.language, "rate.comment_saved"))
        return self.finish({})

    def offer(self, reply: Reply, session: Session, step: dict[str, Any], text: str, choice: str,
              channels: set[str]) -> list[EventType]:
        lang, field, data = reply.language, step["field"], step["data"]
        skip = choice == "skip"
        if field == "title":
            data["title"] = store.check_text(lang, text, "")[1]
        elif field == "description":
            data["description"] = "" if skip else store.check_text(lang, "-", text)[2]
        elif field == "place":
            if choice == "remote":
                data.update(remote=True, city=None, region=None)
            else:
                found = find_place(text, asked=True)
                if found is None or found.kind != "city":
                    return self.retry(reply, step, "offer.place_unknown")
                data.update(remote=False, city=found.city, region=found.region, country=found.country)
        elif field == "price_kind":
            if choice not in PRICE_KINDS:
                return self.retry(reply, step, "not_a_choice")
            data["price_kind"] = choice
        elif field == "price":
            if skip:
                data["price"] = None
            else:
                amount = parse_amount(text)
                if amount is None:
                    raise MarketplaceError("price_invalid")
                data["price"], data["currency"] = str(amount.value), amount.currency
        elif field == "lead_time":
            number = None if skip else parse_quantity(text, lang)
            if not skip and number is None:
                return self.retry(reply, step, "offer.lead_time_invalid")
            data["lead_time"] = number
        elif field == "teacher":
            data["teacher"] = None if skip else text
            return self.create_offer(reply, session, step)
        return self.advance(step)

    def create_offer(self, reply: Reply, session: Session, step: dict[str, Any]) -> list[EventType]:
        data, lang = step["data"], reply.language
        provider = store.require_member(session, int(data["provider"]), reply.sender_id).provider
        country = data.get("country") or provider.country
        fields = {"category": data["category"], "country": country, "region": data.get("region"),
                  "city": data.get("city"), "remote": bool(data.get("remote")), "price_kind": data["price_kind"],
                  "lead_time_days": data.get("lead_time"), "teacher": data.get("teacher"), "languages": [lang]}
        if data.get("price") is not None:
            fields.update(price=data["price"], currency=data.get("currency") or local_currency(country))
        offer = store.create_offer(session, provider.id, reply.sender_id, language=lang, title=data["title"],
                                   description=data.get("description") or "", now=_now(), **fields)
        return self.finish({"flow": "offer", "field": "teacher", "lang": lang, "next": "my_offer",
                            "data": {"offer": offer.id}})


class ActionMarketplaceEnd(FormAction):
    """After the form: what comes next (the provider's home after linking, the new offer's card)."""

    def name(self) -> str:
        return "action_marketplace_end"

    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        step = read_step(tracker)
        events: list[EventType] = [SlotSet(ANSWER_SLOT, None), SlotSet(STEP_SLOT, None)]
        with kb_session() as session:
            if step.get("next") == "provider":
                provider_home(reply, session)
            elif step.get("next") == "my_offer":
                offer = store.get_offer(session, int(step["data"]["offer"]))
                if offer is not None:
                    my_offer(reply, session, offer, w.say(reply.language, "offer.created"))
        return events
