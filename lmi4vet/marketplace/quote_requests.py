"""Requests for a quote: an SME asks a provider for a published offer, the provider answers, the SME confirms,
and after the due date either side completes it and both rate it. Every move is a state change with its own
timestamp and a :class:`~lmi4vet.marketplace.models.RequestEvent`; only the right party may make it
(:data:`MOVES`): the SME requests, confirms and cancels; a member of the offer's provider accepts, declines
and offers a price and date; either completes; :func:`expire_requests` ends requests nobody moved.

    requested -accept-> accepted -offer-> offered        requested -offer-> offered
    requested | accepted | offered -decline-> declined   (the provider)
    accepted | offered -confirm-> confirmed -complete-> completed (on or after the due date)
    requested | accepted | offered | confirmed -cancel-> cancelled   (the SME)
    requested | accepted | offered -expire-> expired     (due date passed, or no move for 14 days)

Rate limit: at most :data:`MAX_REQUESTS_PER_DAY` requests per SME in any 24 hours, cancelled or not (so that
requesting and cancelling cannot get round it), and one open request per SME and offer. The other party's
contact data is given (:func:`contact`) only once the request is confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lmi4vet.events.catalogue import utc
from lmi4vet.marketplace.checks import (
    MarketplaceError,
    Move,
    cents,
    check_currency,
    check_email,
    check_future_date,
    check_language,
    check_phone,
    clean_text,
    optional_text,
    target_state,
)
from lmi4vet.marketplace.models import Offer, Provider, Rating, Request, RequestEvent
from lmi4vet.marketplace.store import membership

SME, PROVIDER, SYSTEM = "sme", "provider", "system"
MAX_REQUESTS_PER_DAY = 5  # per SME, in any 24 hours
RATE_WINDOW = timedelta(hours=24)
EXPIRE_AFTER = timedelta(days=14)  # an open request nobody moved for this long expires
WHAT_LIMIT, NOTE_LIMIT, COMMENT_LIMIT, MESSAGE_LIMIT = 1000, 500, 500, 1000
QUANTITY_LIMIT = 100000
CONTACT_PREFERENCES = ("chat", "email", "phone")
STATES = ("requested", "accepted", "declined", "offered", "confirmed", "cancelled", "completed", "expired")
OPEN = ("requested", "accepted", "offered")
AGREED = ("confirmed", "completed")
MOVES: dict[str, Move] = {
    "accept": Move(("requested",), "accepted", (PROVIDER,)),
    "decline": Move(OPEN, "declined", (PROVIDER,)),
    "offer": Move(("requested", "accepted"), "offered", (PROVIDER,)),
    "confirm": Move(("accepted", "offered"), "confirmed", (SME,)),
    "cancel": Move((*OPEN, "confirmed"), "cancelled", (SME,)),
    "complete": Move(("confirmed",), "completed", (SME, PROVIDER)),
    "expire": Move(OPEN, "expired", (SYSTEM,)),
}


# -- the brief's checks, one answer at a time (the chat re-asks with the code) --------------------------------
def check_what(text: str | None) -> str:
    return clean_text(text, WHAT_LIMIT, "what_empty", "what_too_long")


def check_message(text: str | None) -> str:
    """A message one side sends the other through the chat once the request is confirmed."""
    return clean_text(text, MESSAGE_LIMIT, "message_empty", "message_too_long")


def check_quantity(value: Any) -> int:
    """A whole number of 1 or more ("12" as typed too)."""
    if isinstance(value, str) and value.strip().isdecimal():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= QUANTITY_LIMIT:
        raise MarketplaceError("quantity_invalid", limit=QUANTITY_LIMIT)
    return value


def check_wanted_by(day: Any, today: date, lead_time_days: int | None = None) -> date:
    """Today or later ("date_past"), and not before the offer's lead time allows ("date_too_soon")."""
    day = check_future_date(day, today)
    earliest = today + timedelta(days=lead_time_days or 0)
    if day < earliest:
        raise MarketplaceError("date_too_soon", earliest=earliest, lead_time_days=lead_time_days)
    return day


def check_budget(value: Any) -> int | None:
    """A budget in cents, or None for none: "budget_invalid", "budget_negative"."""
    return cents(value, "budget")


def check_contact(preference: str, contact: str | None = None) -> tuple[str, str | None]:
    """``(preference, email or phone)``: chat needs nothing, email an address, phone a number."""
    if preference not in CONTACT_PREFERENCES:
        raise MarketplaceError("contact_invalid", preference=preference)
    if preference == "email":
        return preference, check_email(contact)
    if preference == "phone":
        return preference, check_phone(contact)
    return preference, None


# -- making a request -----------------------------------------------------------------------------------------
def can_request(session: Session, offer_id: int, sender_id: str, now: datetime) -> Offer:
    """The offer, if the user may request it now (before asking them for the brief): it is published by an
    active provider ("offer_unavailable"), not their own provider's ("own_offer"), they have no open request
    on it ("already_requested") and are within the rate limit ("rate_limited")."""
    offer = session.get(Offer, offer_id)
    if offer is None or offer.state != "published" or not offer.provider.active:
        raise MarketplaceError("offer_unavailable", offer_id=offer_id)
    if membership(session, offer.provider_id, sender_id) is not None:
        raise MarketplaceError("own_offer")
    open_one = session.execute(select(Request.id).where(Request.offer_id == offer_id, Request.sender_id == sender_id,
                                                        Request.state.in_(OPEN)).limit(1)).scalar_one_or_none()
    if open_one is not None:
        raise MarketplaceError("already_requested", request_id=open_one)
    since = utc(now) - RATE_WINDOW
    recent = session.execute(select(func.count(), func.min(Request.created_at)).where(
        Request.sender_id == sender_id, Request.created_at > since)).one()
    if recent[0] >= MAX_REQUESTS_PER_DAY:
        raise MarketplaceError("rate_limited", limit=MAX_REQUESTS_PER_DAY, retry_at=recent[1] + RATE_WINDOW)
    return offer


def request_offer(session: Session, offer_id: int, sender_id: str, *, language: str, what: str, wanted_by: date,
                  quantity: Any = 1, budget: Any = None, currency: str = "EUR", contact_preference: str = "chat",
                  contact: str | None = None, now: datetime) -> Request:
    """The SME's request for a quote on a published offer (state requested), after :func:`can_request` and the
    brief's checks."""
    offer = can_request(session, offer_id, sender_id, now)
    now = utc(now)
    budget_cents = check_budget(budget)
    preference, address = check_contact(contact_preference, contact)
    row = Request(offer_id=offer.id, sender_id=sender_id, language=check_language(language), what=check_what(what),
                  quantity=check_quantity(quantity),
                  wanted_by=check_wanted_by(wanted_by, now.date(), offer.lead_time_days),
                  budget_cents=budget_cents, currency=None if budget_cents is None else check_currency(currency),
                  contact_preference=preference, contact=address, state="requested", created_at=now,
                  updated_at=now)
    session.add(row)
    session.flush()
    session.add(RequestEvent(request_id=row.id, from_state=None, to_state="requested", sender_id=sender_id, at=now))
    session.flush()
    return row


# -- the parties and their moves ------------------------------------------------------------------------------
def party(session: Session, row: Request, sender_id: str) -> str | None:
    """``sme``, ``provider`` (a member of the offer's provider) or None."""
    if row.sender_id == sender_id:
        return SME
    return PROVIDER if membership(session, row.offer.provider_id, sender_id) is not None else None


def get_request(session: Session, request_id: int, sender_id: str) -> Request | None:
    """The request, if the user is one of its parties."""
    row = session.get(Request, request_id)
    return row if row is not None and party(session, row, sender_id) is not None else None


def _party_request(session: Session, request_id: int, sender_id: str) -> tuple[Request, str]:
    row = session.get(Request, request_id)
    who = None if row is None else party(session, row, sender_id)
    if who is None:
        raise MarketplaceError("request_not_found", request_id=request_id)
    return row, who


def _move(session: Session, row: Request, move: str, who: str, actor: str | None, now: datetime,
          note: str | None = None) -> Request:
    """Make ``move`` on the request: state, the step's timestamp and its event."""
    before = row.state
    row.state = target_state(MOVES, move, before, who)
    now = utc(now)
    setattr(row, f"{row.state}_at", now)
    row.updated_at = now
    session.add(RequestEvent(request_id=row.id, from_state=before, to_state=row.state, sender_id=actor, at=now,
                             note=optional_text(note, NOTE_LIMIT, "note_too_long")))
    session.flush()
    return row


def _check_active(row: Request, who: str) -> None:
    """A provider switched off in the console answers no more requests."""
    if who == PROVIDER and not row.offer.provider.active:
        raise MarketplaceError("provider_inactive")


def _by_party(session: Session, request_id: int, sender_id: str, move: str, now: datetime,
              note: str | None = None) -> Request:
    row, who = _party_request(session, request_id, sender_id)
    _check_active(row, who)
    return _move(session, row, move, who, sender_id, now, note)


def accept_request(session: Session, request_id: int, sender_id: str, *, now: datetime,
                   note: str | None = None) -> Request:
    """The provider takes the request on as it stands."""
    return _by_party(session, request_id, sender_id, "accept", now, note)


def decline_request(session: Session, request_id: int, sender_id: str, *, now: datetime,
                    note: str | None = None) -> Request:
    """The provider cannot do it (also after accepting or offering, until the SME confirms)."""
    return _by_party(session, request_id, sender_id, "decline", now, note)


def offer_price(session: Session, request_id: int, sender_id: str, *, price: Any, day: date, currency: str = "EUR",
                now: datetime, note: str | None = None) -> Request:
    """The provider's price and delivery date ("price_missing", "price_invalid", "price_negative",
    "date_past")."""
    row, who = _party_request(session, request_id, sender_id)
    amount = cents(price, "price")
    if amount is None:
        raise MarketplaceError("price_missing")
    offered_currency = check_currency(currency)
    offered_date = check_future_date(day, utc(now).date())
    _check_active(row, who)
    _move(session, row, "offer", who, sender_id, now, note)
    row.offered_price_cents, row.offered_currency, row.offered_date = amount, offered_currency, offered_date
    return row


def confirm_request(session: Session, request_id: int, sender_id: str, *, now: datetime) -> Request:
    """The SME agrees (to the offered price and date, when there are some): contact data is shared now."""
    return _by_party(session, request_id, sender_id, "confirm", now)


def cancel_request(session: Session, request_id: int, sender_id: str, *, now: datetime,
                   note: str | None = None) -> Request:
    """The SME withdraws the request (also after confirming, until it is completed)."""
    return _by_party(session, request_id, sender_id, "cancel", now, note)


def due_date(row: Request) -> date:
    """When the work is due: the provider's date, else the SME's wanted-by date."""
    return row.offered_date or row.wanted_by


def complete_request(session: Session, request_id: int, sender_id: str, *, now: datetime) -> Request:
    """Either side marks a confirmed request done, on or after its due date ("not_due" before). The other
    side's tap on a completed request changes nothing (one-tap completion for both)."""
    row, who = _party_request(session, request_id, sender_id)
    if row.state == "completed":
        return row
    if row.state == "confirmed" and utc(now).date() < due_date(row):
        raise MarketplaceError("not_due", due=due_date(row))
    return _move(session, row, "complete", who, sender_id, now)


def expire_requests(session: Session, now: datetime) -> list[Request]:
    """End the open requests whose due date (:func:`due_date`) has passed or that nobody moved for :data:`EXPIRE_AFTER`
    (a periodic job); the requests expired."""
    now = utc(now)
    rows = session.execute(select(Request).where(Request.state.in_(OPEN),
                                                 (func.coalesce(Request.offered_date, Request.wanted_by)
                                                  < now.date()) | (Request.updated_at < now - EXPIRE_AFTER))
                           .order_by(Request.id)).scalars().all()
    return [_move(session, row, "expire", SYSTEM, None, now) for row in rows]


# -- ratings and contact --------------------------------------------------------------------------------------
def rate(session: Session, request_id: int, sender_id: str, stars: Any, comment: str | None = None, *,
         now: datetime) -> Rating:
    """One side's rating of a completed request, once per side ("not_completed", "stars_invalid",
    "comment_too_long", "already_rated")."""
    row, who = _party_request(session, request_id, sender_id)
    if row.state != "completed":
        raise MarketplaceError("not_completed")
    if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
        raise MarketplaceError("stars_invalid")
    text = optional_text(comment, COMMENT_LIMIT, "comment_too_long")
    if session.execute(select(Rating.id).where(Rating.request_id == row.id, Rating.role == who)).first():
        raise MarketplaceError("already_rated")
    rating = Rating(request_id=row.id, sender_id=sender_id, role=who, stars=stars, comment=text,
                    created_at=utc(now))
    session.add(rating)
    session.flush()
    return rating


def comment_rating(session: Session, request_id: int, sender_id: str, comment: str) -> Rating:
    """Add the optional comment to the user's own rating of the request, given with the stars a moment before
    ("not_rated", "comment_too_long"; an empty comment is none)."""
    row, who = _party_request(session, request_id, sender_id)
    rating = session.execute(select(Rating).where(Rating.request_id == row.id, Rating.role == who)).scalar_one_or_none()
    if rating is None:
        raise MarketplaceError("not_rated")
    rating.comment = optional_text(comment, COMMENT_LIMIT, "comment_too_long")
    session.flush()
    return rating


@dataclass(frozen=True)
class Contact:
    """How to reach the other party: the provider's organisation and email (for the SME), or the SME's chosen
    way (for the provider: ``chat`` means through this chat, with no address)."""

    preference: str
    name: str | None
    email: str | None
    phone: str | None
    city: str | None


def contact(session: Session, request_id: int, sender_id: str) -> Contact | None:
    """The other party's contact data once the request is confirmed (or completed); None before."""
    row, who = _party_request(session, request_id, sender_id)
    if row.state not in AGREED:
        return None
    if who == SME:
        provider: Provider = row.offer.provider
        return Contact("email", provider.name, provider.contact_email, None, provider.city)
    preference = row.contact_preference
    return Contact(preference, None, row.contact if preference == "email" else None,
                   row.contact if preference == "phone" else None, None)


# -- lists ----------------------------------------------------------------------------------------------------
def requests_of(session: Session, sender_id: str) -> list[Request]:
    """The SME's requests, newest first."""
    return list(session.execute(select(Request).where(Request.sender_id == sender_id)
                                .order_by(Request.id.desc())).scalars())


def provider_requests(session: Session, provider_id: int, sender_id: str,
                      states: tuple[str, ...] = STATES) -> list[Request]:
    """The requests made to the provider's offers (in ``states``), oldest first, for one of its members."""
    if membership(session, provider_id, sender_id) is None:
        raise MarketplaceError("not_member")
    return list(session.execute(select(Request).join(Offer, Request.offer_id == Offer.id)
                                .where(Offer.provider_id == provider_id, Request.state.in_(states))
                                .order_by(Request.id)).scalars())


def history(session: Session, request_id: int, sender_id: str) -> list[RequestEvent]:
    """The request's events in order, for one of its parties."""
    row, _ = _party_request(session, request_id, sender_id)
    return list(session.execute(select(RequestEvent).where(RequestEvent.request_id == row.id)
                                .order_by(RequestEvent.id)).scalars())
