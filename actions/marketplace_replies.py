"""The marketplace's replies in the chat, shared by its action and its form (``actions/marketplace.py``,
``actions/marketplace_form.py``): the search results, an offer's card, a request's card, the user's requests,
and the school's pages (its offers, requests, an offer as its school sees it); the places kept in buttons."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from babel.numbers import get_territory_currencies
from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from sqlalchemy.orm import Session

from actions.base import Button, Reply
from lmi4vet.countries import CLDR_CODES
from lmi4vet.inbox import wake
from lmi4vet.marketplace import categories, finder, store
from lmi4vet.marketplace import quote_requests as qr
from lmi4vet.marketplace import wording as w
from lmi4vet.marketplace.checks import MarketplaceError
from lmi4vet.marketplace.models import Offer, Request
from lmi4vet.marketplace.places import Place
from lmi4vet.marketplace.search import SearchResult
from lmi4vet.marketplace.understanding import (
    parse_query,
)
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


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def sme_button(do: str, **entities: Any) -> str:
    return w.button(do, w.SME_INTENT, **entities)


def school_button(do: str, **entities: Any) -> str:
    return w.button(do, w.PROVIDER_INTENT, **entities)


def error_text(reply: Reply, error: MarketplaceError) -> str:
    params = {name: (w.moment(value, reply.language) if isinstance(value, datetime) else
                     w.day(value, reply.language) if isinstance(value, date) else str(value))
              for name, value in error.params.items()}
    return w.say(reply.language, f"errors.{error.code}", **params)


def wake_workers(channels: set[str]) -> None:
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
    buttons: list[Button] = [(w.group_title(g, lang), sme_button("group", cat=g.id, place=place_key(place)))
                             for g in categories.groups()]
    if qr.requests_of(session, reply.sender_id):
        buttons.append((w.say(lang, "chat.mine_button"), sme_button("mine")))
    else:
        buttons.append((w.say(lang, "chat.provider_button"), school_button("provider")))
    reply.send("\n\n".join(lines), buttons[:10])
    return [SlotSet("last_topic", TOPIC)]


def group_menu(reply: Reply, group_id: str, place: Place | None) -> list[EventType]:
    """The subcategories of a group, as buttons (and "everything in the group")."""
    lang = reply.language
    group = next((g for g in categories.groups() if g.id == group_id), None)
    if group is None:
        return []
    buttons: list[Button] = [(w.category_name(c, lang), sme_button("search", cat=c, place=place_key(place)))
                             for c in group.categories][:9]
    buttons.append((w.say(lang, "chat.whole_group_button"), sme_button("search", cat=group.id, place=place_key(place))))
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
                                       today=utc_now().date(), limit=MAX_HITS)
    name = w.category_name(category, lang)
    events: list[EventType] = [SlotSet("last_topic", TOPIC)]
    if place is not None:
        events.append(SlotSet(PLACE_SLOT, place_key(place)))
    others = (w.say(lang, "chat.other_services_button"), sme_button("home", place=place_key(place)))
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
    buttons: list[Button] = [(f"{number}. {w.short(hit.card.title, 40)}", sme_button("offer", id=hit.card.id,
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
    today = utc_now().date()
    busy = [p for p in offer.unavailable if p.ends_on >= today]
    if busy:
        lines.append(w.say(lang, "card.busy", periods="; ".join(
            f"{w.day(p.starts_on, lang)} – {w.day(p.ends_on, lang)}" for p in busy[:3])))
    if offer.skills:
        lines.append(w.say(lang, "card.skills", skills=", ".join(s.label for s in offer.skills)))
    if offer.teacher:
        lines.append(w.say(lang, "card.teacher", teacher=offer.teacher))
    lines.append(w.say(lang, "card.how"))
    buttons: list[Button] = [(w.say(lang, "chat.request_button"), sme_button("request", id=offer.id)),
                             (w.say(lang, "chat.report_button"), sme_button("report", id=offer.id))]
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
            buttons.append((w.say(lang, _button_key(move)), w.button(move, intent, req=row.id)))
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
    buttons: list[Button] = [(f"#{r.id} {w.short(w.title(r.offer, lang), 18)}", sme_button("request_card", req=r.id))
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
        reply.send("\n\n".join(lines), [(w.say(lang, "provider.code_button"), school_button("code")),
                                        (w.say(lang, "chat.find_button"), sme_button("home"))])
        return [SlotSet("last_topic", TOPIC)]
    buttons: list[Button] = []
    for member in members:
        provider_id = member.provider_id
        offers = store.provider_offers(session, provider_id, reply.sender_id)
        waiting = qr.provider_requests(session, provider_id, reply.sender_id, ("requested",))
        lines.append(w.say(lang, "provider.status", provider=member.provider.name, published=str(
            sum(1 for o in offers if o.state == "published")), offers=str(len(offers)), waiting=str(len(waiting))))
        buttons += [(w.say(lang, "provider.requests_button", waiting=str(len(waiting))),
                     school_button("requests", id=provider_id)),
                    (w.say(lang, "provider.offers_button"), school_button("offers", id=provider_id)),
                    (w.say(lang, "provider.new_offer_button"), school_button("new_offer", id=provider_id))]
    buttons.append((w.say(lang, "provider.code_button"), school_button("code")))
    reply.send("\n\n".join(lines), buttons[:10])
    return [SlotSet("last_topic", TOPIC)]


def provider_requests(reply: Reply, session: Session, provider_id: int) -> None:
    lang = reply.language
    rows = [r for r in qr.provider_requests(session, provider_id, reply.sender_id) if r.state not in
            ("cancelled", "expired", "declined")][-9:]
    if not rows:
        reply.send(w.say(lang, "provider.no_requests"),
                   [(w.say(lang, "provider.home_button"), school_button("provider"))])
        return
    lines = [w.say(lang, "provider.requests_heading")]
    lines += [f"#{r.id} · {w.short(w.title(r.offer, lang), 40)} · {w.state_name(r.state, lang)} · "
              f"{w.day(r.wanted_by, lang)}" for r in rows]
    reply.send("\n".join(lines), [(f"#{r.id} {w.short(w.title(r.offer, lang), 18)}",
                                   school_button("request_card", req=r.id)) for r in rows])


def provider_offers(reply: Reply, session: Session, provider_id: int) -> None:
    lang = reply.language
    offers = store.provider_offers(session, provider_id, reply.sender_id)[:9]
    if not offers:
        reply.send(w.say(lang, "provider.no_offers"), [(w.say(lang, "provider.new_offer_button"),
                                                        school_button("new_offer", id=provider_id))])
        return
    lines = [w.say(lang, "provider.offers_heading")]
    lines += [f"{n}. {w.short(w.title(o, lang), 45)} · {w.say(lang, f'offer_states.{o.state}')}"
              for n, o in enumerate(offers, start=1)]
    reply.send("\n".join(lines), [(f"{n}. {w.short(w.title(o, lang), 20)}", school_button("my_offer", id=o.id))
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
    buttons: list[Button] = [(w.say(lang, f"provider.{move}_button"), school_button(move, id=offer.id))
                             for move in moves]
    buttons.append((w.say(lang, "provider.home_button"), school_button("provider")))
    reply.send("\n".join(lines), buttons)
