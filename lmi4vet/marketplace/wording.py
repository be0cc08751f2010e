"""How the marketplace reads in a user's language: an offer's place, price and availability, a request's brief
and state, and the button payloads that act on them. Shared by the chat's actions (``actions/marketplace.py``)
and the notifications the other party gets (:mod:`lmi4vet.marketplace.notify`). Texts are in ``locales/``
under ``marketplace.``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from babel.dates import format_date, format_time

from lmi4vet.events.wording import command
from lmi4vet.i18n import country_name, format_money, language_name, normalise_language, t
from lmi4vet.marketplace import categories
from lmi4vet.marketplace.models import Offer, Request
from lmi4vet.marketplace.store import offer_title

SME_INTENT, PROVIDER_INTENT = "find_service", "offer_services"  # the intents every marketplace button carries
TITLE_ROOM = 60  # characters of an offer's title in a list line


def say(lang: str, key: str, **params: Any) -> str:
    """The text of ``marketplace.<key>`` in ``lang``."""
    return t(normalise_language(lang), f"marketplace.{key}", **params)


def button(do: str, intent: str = SME_INTENT, **entities: Any) -> str:
    """A marketplace button's payload: ``/find_service{"mp":"offer","mp_id":"12"}``; entities without a value
    are left out."""
    values = {"mp": do, **{f"mp_{name}": str(value) for name, value in entities.items() if value not in (None, "")}}
    return command(intent, values)


def day(value: date, lang: str) -> str:
    """"15 March 2027" in ``lang``."""
    return format_date(value, "long", locale=normalise_language(lang))


def moment(value: datetime, lang: str) -> str:
    """"5 December 2026, 14:30" in ``lang`` (UTC, as stored)."""
    lang = normalise_language(lang)
    return f"{format_date(value, 'long', locale=lang)}, {format_time(value, 'HH:mm', locale=lang)}"


def money(cents: int, currency: str | None, lang: str) -> str:
    return format_money(cents / 100, currency or "EUR", normalise_language(lang))


def short(text: str, room: int = TITLE_ROOM) -> str:
    return text if len(text) <= room else text[:room - 1].rstrip() + "…"


GROUP_ICONS = {"food": "🍽️", "design_web": "🎨", "marketing": "📣", "laboratory": "🔬", "manufacturing": "🖨️",
               "repairs": "🔧", "care": "💆", "construction": "🏗️", "office": "🗂️"}


def group_title(group: categories.Group, lang: str) -> str:
    """A group's button: its icon and name ("🍽️ Food and catering")."""
    return f"{GROUP_ICONS.get(group.id, '🔹')} {group.name(lang)}"


def category_name(category_id: str, lang: str) -> str:
    """A subcategory's or a group's name in ``lang``."""
    found = categories.category(category_id)
    if found is not None:
        return found.name(lang)
    group = next((g for g in categories.groups() if g.id == category_id), None)
    return group.name(lang) if group is not None else category_id


def where(offer: Offer, lang: str) -> str:
    """"Cluj-Napoca, Romania", "remote, from Romania", or "Cluj-Napoca, Romania, or remote"."""
    country = country_name(offer.country, lang)
    place = offer.city or offer.region  # the city is enough (regions are NUTS regions nobody says)
    local = f"{place}, {country}" if place else country
    if offer.remote and not offer.city:
        return say(lang, "remote_from", country=country)
    return say(lang, "also_remote", place=local) if offer.remote else local


def price(offer: Offer, lang: str) -> str:
    """The price indication: free, cost of materials only (with the estimate), a fixed price, on quote."""
    if offer.price_kind in ("fixed", "cost_only") and offer.price_cents is not None:
        return say(lang, f"price.{offer.price_kind}_amount", amount=money(offer.price_cents, offer.currency, lang))
    return say(lang, f"price.{offer.price_kind}")


def languages(offer: Offer, lang: str) -> str:
    return ", ".join(language_name(code, lang) for code in offer.languages)


def description(offer: Offer, lang: str) -> str:
    texts = {text.language: text.description for text in offer.texts}
    return texts.get(lang) or texts.get("en") or (offer.texts[0].description if offer.texts else "")


def title(offer: Offer, lang: str) -> str:
    return offer_title(offer, lang)


def state_name(state: str, lang: str) -> str:
    return say(lang, f"states.{state}")


def budget(row: Request, lang: str) -> str:
    return money(row.budget_cents, row.currency, lang) if row.budget_cents is not None else say(lang, "no_budget")


def brief(row: Request, lang: str) -> str:
    """The request's brief, as both sides see it (no contact data)."""
    return say(lang, "brief_text", what=row.what, quantity=str(row.quantity), date=day(row.wanted_by, lang),
               budget=budget(row, lang))


def offered(row: Request, lang: str) -> str:
    """The provider's price and date, when it made an offer ("" otherwise)."""
    if row.offered_price_cents is None or row.offered_date is None:
        return ""
    return say(lang, "offered_line", price=money(row.offered_price_cents, row.offered_currency, lang),
               date=day(row.offered_date, lang))


def rating_buttons(lang: str, intent: str, request_id: int) -> list[tuple[str, str]]:
    """Five buttons, 5 stars to 1, rating the request."""
    return [("⭐" * stars, button("rate", intent, req=request_id, v=stars)) for stars in (5, 4, 3, 2, 1)]
