"""What the marketplace refuses, and why: :class:`MarketplaceError` carries a code from :data:`CODES` and its
parameters, for a localized answer or re-ask (``marketplace.errors.<code>`` in the locales); plus the checks
of single values that offers and requests share."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.countries import CLDR_CODES, EU27, OTHER_EUROPEAN

CODES = frozenset({
    # link codes and membership
    "code_wrong", "code_used", "code_expired", "too_many_tries", "provider_inactive", "provider_not_found",
    "not_member", "email_invalid", "name_empty", "name_too_long",
    # offers
    "offer_not_found", "offer_not_editable", "transition_forbidden", "category_unknown", "country_unknown",
    "place_missing", "coordinates_invalid", "price_kind_invalid", "price_missing", "price_unexpected",
    "price_invalid", "price_negative", "currency_invalid", "lead_time_invalid", "language_invalid",
    "title_empty", "title_too_long", "description_too_long", "text_last", "skill_invalid", "too_many",
    "period_invalid", "note_too_long", "teacher_too_long", "place_too_long", "admin_missing",
    # requests
    "request_not_found", "not_allowed", "offer_unavailable", "own_offer", "already_requested", "rate_limited",
    "what_empty", "what_too_long", "quantity_invalid", "date_past", "date_too_soon", "date_invalid",
    "budget_invalid", "budget_negative", "contact_invalid", "phone_invalid", "not_due", "not_completed",
    "already_rated", "stars_invalid", "comment_too_long", "not_rated", "not_confirmed", "message_empty",
    "message_too_long",
    # reports
    "reason_empty", "reason_too_long",
})
AMOUNT_LIMIT = Decimal("1000000")  # in the currency's units: above is a typo, not a price
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
PHONE = re.compile(r"^\+?[\d\s().-]+$")
ISO_4217 = re.compile(r"^[A-Z]{3}$")
ISO_639_1 = re.compile(r"^[a-z]{2}$")


@dataclass(frozen=True)
class Move:
    """One move of a state machine: the states it starts from, the state it leads to, who may make it."""

    sources: tuple[str, ...]
    target: str
    by: tuple[str, ...]


class MarketplaceError(ValueError):
    """A refusal: ``code`` (one of :data:`CODES`) and ``params`` (values for the message, e.g. ``limit=5``)."""

    def __init__(self, code: str, **params: Any) -> None:
        if code not in CODES:
            raise ValueError(f"unknown marketplace error code {code!r}")
        self.code, self.params = code, params
        super().__init__(code if not params else f"{code} {params}")


def target_state(moves: dict[str, Move], move: str, state: str, party: str | None) -> str:
    """The state ``move`` leads to from ``state`` when ``party`` makes it; MarketplaceError("not_allowed") for
    the wrong party, ("transition_forbidden") from any other state."""
    step = moves[move]
    if party not in step.by:
        raise MarketplaceError("not_allowed", move=move)
    if state not in step.sources:
        raise MarketplaceError("transition_forbidden", state=state, move=move)
    return step.target


def clean_text(value: str | None, limit: int, empty: str | None, too_long: str) -> str:
    """``value`` stripped; MarketplaceError(``empty``) when blank (unless ``empty`` is None), (``too_long``)
    above ``limit`` characters."""
    text = (value or "").strip()
    if not text and empty is not None:
        raise MarketplaceError(empty)
    if len(text) > limit:
        raise MarketplaceError(too_long, limit=limit)
    return text


def optional_text(value: str | None, limit: int, too_long: str) -> str | None:
    """``value`` stripped, None when blank; MarketplaceError(``too_long``) above ``limit`` characters."""
    return clean_text(value, limit, None, too_long) or None


def check_language(lang: str) -> str:
    """One of the five languages the chat speaks."""
    if lang not in SUPPORTED_LANGUAGES:
        raise MarketplaceError("language_invalid", language=lang)
    return lang


def check_languages(values: list[str] | tuple[str, ...]) -> list[str]:
    """Languages learners can work in: ISO 639-1 codes, lower case, each once, in the given order."""
    result: list[str] = []
    for value in values:
        code = str(value or "").strip().lower()
        if not ISO_639_1.match(code):
            raise MarketplaceError("language_invalid", language=value)
        if code not in result:
            result.append(code)
    return result


def check_country(code: str) -> str:
    """A European country as :mod:`lmi4vet.countries` writes it (Eurostat's EL and UK; GR and GB accepted)."""
    value = str(code or "").strip().upper()
    value = {iso: eurostat for eurostat, iso in CLDR_CODES.items()}.get(value, value)
    if value not in EU27 + OTHER_EUROPEAN:
        raise MarketplaceError("country_unknown", country=code)
    return value


def check_email(value: str | None) -> str:
    text = (value or "").strip()
    if not EMAIL.match(text) or len(text) > 254:
        raise MarketplaceError("email_invalid")
    return text


def check_phone(value: str | None) -> str:
    """A phone number as typed (7-15 digits, an optional leading +, spaces, dots, dashes, brackets)."""
    text = (value or "").strip()
    digits = sum(ch.isdigit() for ch in text)
    if not PHONE.match(text) or not 7 <= digits <= 15:
        raise MarketplaceError("phone_invalid")
    return text


def check_currency(value: str | None) -> str:
    code = str(value or "").strip().upper()
    if not ISO_4217.match(code):
        raise MarketplaceError("currency_invalid", currency=value)
    return code


def cents(value: Any, what: str) -> int | None:
    """An amount (int, float, Decimal or a string like "12.50" or "12,50") in cents, None for None;
    MarketplaceError(``<what>_invalid``) for anything else or a huge amount, (``<what>_negative``) below 0."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise MarketplaceError(f"{what}_invalid")
    try:
        amount = Decimal(value.strip().replace(",", ".")) if isinstance(value, str) else Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise MarketplaceError(f"{what}_invalid") from exc
    if not amount.is_finite() or (isinstance(value, float) and math.isnan(value)) or abs(amount) >= AMOUNT_LIMIT:
        raise MarketplaceError(f"{what}_invalid")
    if amount < 0:
        raise MarketplaceError(f"{what}_negative")
    return int((amount * 100).quantize(Decimal(1)))


def check_future_date(day: Any, today: date) -> date:
    """A date today or later: MarketplaceError("date_invalid") for no date, ("date_past") before today."""
    if not isinstance(day, date):
        raise MarketplaceError("date_invalid")
    if isinstance(day, datetime):
        day = day.date()
    if day < today:
        raise MarketplaceError("date_past", date=day, today=today)
    return day


def check_admin(admin: str) -> str:
    """The console user acting (kept with what they did)."""
    name = (admin or "").strip()
    if not name:
        raise MarketplaceError("admin_missing")
    return name[:80]
