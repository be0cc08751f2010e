"""Providers, their members and link codes, and offers, in the caller's session (nothing outside its
transaction); requests for a quote are in :mod:`lmi4vet.marketplace.quote_requests`, reports and the
moderation queue in :mod:`lmi4vet.marketplace.moderation`. Refusals raise
:class:`~lmi4vet.marketplace.checks.MarketplaceError` (a ValueError) with a code.

**Link codes.** A console admin issues a one-time code for a provider (:func:`issue_code`: 8 characters of
an alphabet without 0/O, 1/I/L, shown once; only its SHA-256 is stored). A chat user who redeems it
(:func:`redeem_code`) becomes a member of the provider. Wrong, used and expired codes count as failed tries:
:data:`MAX_CODE_TRIES` per user in :data:`CODE_TRIES_WINDOW`, then every code is refused until the hour is over.

**Offers.** Only members of the provider create and change its offers; the console reviews them. Moves
(:data:`OFFER_MOVES`): draft -submit-> pending -approve-> published, pending -reject-> draft, published
-pause-> paused -resume-> published, and archive from any state but archived (final). An offer is edited
(fields, texts, skills) only as a draft or paused; editing a paused offer makes it a draft again, so that it
is reviewed before it is shown again. Its term calendar can change in any state but archived.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, contains_eager, lazyload

from lmi4vet.events.catalogue import utc
from lmi4vet.marketplace import categories
from lmi4vet.marketplace.checks import (
    MarketplaceError,
    Move,
    cents,
    check_admin,
    check_country,
    check_currency,
    check_email,
    check_language,
    check_languages,
    clean_text,
    optional_text,
    target_state,
)
from lmi4vet.marketplace.models import (
    CodeAttempt,
    LinkCode,
    Offer,
    OfferSkill,
    OfferText,
    OfferUnavailable,
    Provider,
    ProviderMember,
)
from lmi4vet.marketplace.search import OfferCard

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
CODE_LENGTH = 8
CODE_LIFETIME = timedelta(days=7)
MAX_CODE_TRIES = 5
CODE_TRIES_WINDOW = timedelta(hours=1)
COORDINATOR = "coordinator"

MEMBER, ADMIN = "member", "admin"
OFFER_STATES = ("draft", "pending", "published", "paused", "archived")
OFFER_MOVES: dict[str, Move] = {
    "submit": Move(("draft",), "pending", (MEMBER,)),
    "approve": Move(("pending",), "published", (ADMIN,)),
    "reject": Move(("pending",), "draft", (ADMIN,)),
    "pause": Move(("published",), "paused", (MEMBER,)),
    "resume": Move(("paused",), "published", (MEMBER,)),
    "archive": Move(("draft", "pending", "published", "paused"), "archived", (MEMBER, ADMIN)),
}
EDITABLE = ("draft", "paused")
PRICE_KINDS = ("free", "cost_only", "fixed", "quote")
OFFER_FIELDS = ("category", "country", "region", "city", "remote", "latitude", "longitude", "price_kind",
                "price", "currency", "lead_time_days", "teacher", "languages")
TITLE_LIMIT, DESCRIPTION_LIMIT = 120, 2000
LEAD_TIME_LIMIT = 365
ESCO_SKILL = "http://data.europa.eu/esco/skill/"
MAX_SKILLS, MAX_PERIODS = 12, 24


# -- providers and members ------------------------------------------------------------------------------------
def create_provider(session: Session, *, name: str, country: str, city: str, contact_email: str,
                    now: datetime) -> Provider:
    """A new, active provider organisation (the console)."""
    row = Provider(name=clean_text(name, 200, "name_empty", "name_too_long"), country=check_country(country),
                   city=clean_text(city, 100, "place_missing", "place_too_long"),
                   contact_email=check_email(contact_email), created_at=utc(now), active=True)
    session.add(row)
    session.flush()
    return row


def set_provider_active(session: Session, provider_id: int, active: bool) -> Provider:
    """Switch a provider on or off (off: its offers are not shown and its members cannot act)."""
    provider = _provider(session, provider_id)
    provider.active = bool(active)
    return provider


def _provider(session: Session, provider_id: int) -> Provider:
    provider = session.get(Provider, provider_id)
    if provider is None:
        raise MarketplaceError("provider_not_found", provider_id=provider_id)
    return provider


def membership(session: Session, provider_id: int, sender_id: str) -> ProviderMember | None:
    """The user's membership of the provider, or None."""
    return session.execute(select(ProviderMember).where(ProviderMember.provider_id == provider_id,
                                                        ProviderMember.sender_id == sender_id)).scalar_one_or_none()


def memberships(session: Session, sender_id: str) -> list[ProviderMember]:
    """The providers the user acts for (their memberships, oldest first)."""
    return list(session.execute(select(ProviderMember).where(ProviderMember.sender_id == sender_id)
                                .order_by(ProviderMember.id)).scalars())


def members(session: Session, provider_id: int) -> list[ProviderMember]:
    return list(session.execute(select(ProviderMember).where(ProviderMember.provider_id == provider_id)
                                .order_by(ProviderMember.id)).scalars())


def remove_member(session: Session, provider_id: int, sender_id: str) -> bool:
    """Unlink a user from a provider (the console); whether they were a member."""
    row = membership(session, provider_id, sender_id)
    if row is not None:
        session.delete(row)
        session.flush()
    return row is not None


def require_member(session: Session, provider_id: int, sender_id: str) -> ProviderMember:
    """The user's membership of an active provider; MarketplaceError("not_member") or ("provider_inactive")."""
    row = membership(session, provider_id, sender_id)
    if row is None:
        raise MarketplaceError("not_member")
    if not _provider(session, provider_id).active:
        raise MarketplaceError("provider_inactive")
    return row


# -- link codes -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Redemption:
    """What redeeming a code gave: the membership, or an error code (code_wrong, code_used, code_expired,
    too_many_tries, provider_inactive) and how many tries are left this hour."""

    member: ProviderMember | None
    error: str | None
    tries_left: int


def normalise_code(text: str) -> str:
    """A code as typed ("abcd efgh", "ABCD-EFGH") as issued."""
    return "".join(ch for ch in (text or "").upper() if not ch.isspace() and ch != "-")


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def issue_code(session: Session, provider_id: int, admin: str, now: datetime,
               lifetime: timedelta = CODE_LIFETIME) -> str:
    """A new one-time code linking a chat user to the provider, valid for ``lifetime``: returned once, in
    plain text; only its hash is stored."""
    _provider(session, provider_id)
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        digest = code_hash(code)
        if session.execute(select(LinkCode.id).where(LinkCode.code_hash == digest)).first() is None:
            break
    now = utc(now)
    session.add(LinkCode(code_hash=digest, provider_id=provider_id, issued_by=check_admin(admin), issued_at=now,
                         expires_at=now + lifetime))
    session.flush()
    return code


def failed_tries(session: Session, sender_id: str, now: datetime) -> int:
    """The user's failed tries in the last :data:`CODE_TRIES_WINDOW`."""
    return session.execute(select(func.count()).select_from(CodeAttempt).where(
        CodeAttempt.sender_id == sender_id, CodeAttempt.at > utc(now) - CODE_TRIES_WINDOW)).scalar_one()


def redeem_code(session: Session, code: str, sender_id: str, now: datetime) -> Redemption:
    """Link the user to the code's provider. Never raises for a bad code: a failed try is a row to be
    committed with the caller's transaction, so the outcome is returned (see :class:`Redemption`). A member
    of the provider already stays one (the code stays unused), also when they redeem their own code again."""
    now = utc(now)
    failures = failed_tries(session, sender_id, now)
    if failures >= MAX_CODE_TRIES:
        return Redemption(None, "too_many_tries", 0)
    row = session.execute(select(LinkCode).where(LinkCode.code_hash == code_hash(code))).scalar_one_or_none()
    error = ("code_wrong" if row is None else "code_used" if row.used_at is not None
             else "code_expired" if now >= row.expires_at else None)
    if error is None and not _provider(session, row.provider_id).active:
        return Redemption(None, "provider_inactive", MAX_CODE_TRIES - failures)
    existing = None if row is None else membership(session, row.provider_id, sender_id)
    if existing is not None and (error is None or row.used_by == sender_id):  # already linked, a double tap
        return Redemption(existing, None, MAX_CODE_TRIES - failures)
    if error is None:
        claimed = session.execute(update(LinkCode).where(LinkCode.id == row.id, LinkCode.used_at.is_(None))
                                  .values(used_at=now, used_by=sender_id).execution_options(
                                      synchronize_session="fetch")).rowcount
        error = None if claimed == 1 else "code_used"  # another user redeemed it a moment ago
    if error is not None:
        session.add(CodeAttempt(sender_id=sender_id, at=now))
        session.flush()
        return Redemption(None, error, MAX_CODE_TRIES - failures - 1)
    member = ProviderMember(provider_id=row.provider_id, sender_id=sender_id, role=COORDINATOR, linked_at=now)
    session.add(member)
    session.flush()
    return Redemption(member, None, MAX_CODE_TRIES - failures)


# -- offers ---------------------------------------------------------------------------------------------------
def _coordinates(latitude: Any, longitude: Any) -> tuple[float | None, float | None]:
    if latitude is None and longitude is None:
        return None, None
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError) as exc:
        raise MarketplaceError("coordinates_invalid") from exc
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise MarketplaceError("coordinates_invalid")
    return lat, lon


def _lead_time(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= LEAD_TIME_LIMIT:
        raise MarketplaceError("lead_time_invalid", limit=LEAD_TIME_LIMIT)
    return value


def check_offer_fields(values: dict[str, Any]) -> dict[str, Any]:
    """The validated columns of an offer from its fields (:data:`OFFER_FIELDS`; a form can check them before
    saving)."""
    if categories.category(values["category"]) is None:
        raise MarketplaceError("category_unknown", category=values["category"])
    region = optional_text(values.get("region"), 100, "place_too_long")
    city = optional_text(values.get("city"), 100, "place_too_long")
    remote = bool(values.get("remote"))
    if not remote and region is None and city is None:
        raise MarketplaceError("place_missing")
    kind = values.get("price_kind")
    if kind not in PRICE_KINDS:
        raise MarketplaceError("price_kind_invalid", price_kind=kind)
    amount = cents(values.get("price"), "price")
    if amount is not None and kind in ("free", "quote"):
        raise MarketplaceError("price_unexpected", price_kind=kind)
    if amount is None and kind == "fixed":
        raise MarketplaceError("price_missing")
    latitude, longitude = _coordinates(values.get("latitude"), values.get("longitude"))
    return {"category": values["category"], "country": check_country(values["country"]), "region": region,
            "city": city, "remote": remote, "latitude": latitude, "longitude": longitude, "price_kind": kind,
            "price_cents": amount,
            "currency": None if amount is None else check_currency(values.get("currency") or "EUR"),
            "lead_time_days": _lead_time(values.get("lead_time_days")),
            "teacher": optional_text(values.get("teacher"), 120, "teacher_too_long"),
            "languages": check_languages(values.get("languages") or ())}


def _fields_of(offer: Offer) -> dict[str, Any]:
    """An offer's fields as :func:`create_offer` takes them."""
    values = {name: getattr(offer, name) for name in OFFER_FIELDS if name != "price"}
    values["price"] = None if offer.price_cents is None else Decimal(offer.price_cents) / 100
    return values


def check_text(language: str, title: str, description: str) -> tuple[str, str, str]:
    """An offer text's language, title and description, checked and stripped."""
    return (check_language(language), clean_text(title, TITLE_LIMIT, "title_empty", "title_too_long"),
            clean_text(description, DESCRIPTION_LIMIT, None, "description_too_long"))


def create_offer(session: Session, provider_id: int, sender_id: str, *, language: str, title: str,
                 description: str = "", now: datetime, **fields: Any) -> Offer:
    """A new draft offer of the provider, written in ``language``, by one of its members. ``fields``: category,
    country, region, city, remote, latitude, longitude, price_kind, price, currency, lead_time_days, teacher,
    languages (default: ``language``)."""
    require_member(session, provider_id, sender_id)
    _unknown_fields(fields)
    language, title, description = check_text(language, title, description)
    columns = check_offer_fields({"languages": [language], **fields})
    now = utc(now)
    offer = Offer(provider_id=provider_id, state="draft", created_at=now, updated_at=now, **columns)
    offer.texts.append(OfferText(language=language, title=title, description=description))
    session.add(offer)
    session.flush()
    return offer


def _unknown_fields(fields: dict[str, Any]) -> None:
    unknown = sorted(set(fields) - set(OFFER_FIELDS))
    if unknown:
        raise TypeError(f"unknown offer fields: {', '.join(unknown)}")


def get_offer(session: Session, offer_id: int) -> Offer | None:
    return session.get(Offer, offer_id)


def _offer(session: Session, offer_id: int) -> Offer:
    offer = session.get(Offer, offer_id)
    if offer is None:
        raise MarketplaceError("offer_not_found", offer_id=offer_id)
    return offer


def _members_offer(session: Session, offer_id: int, sender_id: str) -> Offer:
    offer = _offer(session, offer_id)
    require_member(session, offer.provider_id, sender_id)
    return offer


def _editable(session: Session, offer_id: int, sender_id: str) -> Offer:
    """The member's offer, if its content may change now (a draft or paused); nothing is changed yet."""
    offer = _members_offer(session, offer_id, sender_id)
    if offer.state not in EDITABLE:
        raise MarketplaceError("offer_not_editable", state=offer.state)
    return offer


def _edited(offer: Offer, now: datetime) -> Offer:
    """An offer whose content changed: a draft (again), to be reviewed before it is shown."""
    offer.state, offer.updated_at = "draft", utc(now)
    return offer


def edit_offer(session: Session, offer_id: int, sender_id: str, *, now: datetime, **changes: Any) -> Offer:
    """Change some of an offer's fields (see :func:`create_offer`); a price kind without a price drops the
    price it had."""
    _unknown_fields(changes)
    offer = _editable(session, offer_id, sender_id)
    values = _fields_of(offer)
    if "price_kind" in changes and "price" not in changes:
        values["price"] = None
    for name, value in check_offer_fields({**values, **changes}).items():
        setattr(offer, name, value)
    return _edited(offer, now)


def set_text(session: Session, offer_id: int, sender_id: str, language: str, title: str, description: str = "",
             *, now: datetime) -> OfferText:
    """Write (or rewrite) the offer's title and description in ``language``."""
    language, title, description = check_text(language, title, description)
    offer = _editable(session, offer_id, sender_id)
    text = next((t for t in offer.texts if t.language == language), None)
    if text is None:
        text = OfferText(language=language)
        offer.texts.append(text)
    text.title, text.description = title, description
    _edited(offer, now)
    session.flush()
    return text


def remove_text(session: Session, offer_id: int, sender_id: str, language: str, *, now: datetime) -> bool:
    """Delete the offer's text in ``language`` (never the last one: "text_last"); whether there was one."""
    offer = _editable(session, offer_id, sender_id)
    text = next((t for t in offer.texts if t.language == language), None)
    if text is None:
        return False
    if len(offer.texts) == 1:
        raise MarketplaceError("text_last")
    offer.texts.remove(text)
    _edited(offer, now)
    session.flush()
    return True


def check_skills(skills: Iterable[tuple[str, str]]) -> dict[str, str]:
    """ESCO skills as ``{uri: label}`` (a URI once, its first label), checked: "skill_invalid", "too_many"."""
    chosen: dict[str, str] = {}
    for uri, label in skills:
        uri, label = (uri or "").strip(), (label or "").strip()
        if not uri.startswith(ESCO_SKILL) or len(uri) > 255 or not label or len(label) > 255:
            raise MarketplaceError("skill_invalid", uri=uri)
        chosen.setdefault(uri, label)
    if len(chosen) > MAX_SKILLS:
        raise MarketplaceError("too_many", limit=MAX_SKILLS)
    return chosen


def set_skills(session: Session, offer_id: int, sender_id: str, skills: Iterable[tuple[str, str]], *,
               now: datetime) -> list[OfferSkill]:
    """The ESCO skills learners practise (``(uri, label)`` pairs; replaces the list, a URI once)."""
    chosen = check_skills(skills)
    offer = _edited(_editable(session, offer_id, sender_id), now)
    offer.skills.clear()
    session.flush()  # the old rows go before the new ones come (one URI per offer)
    offer.skills.extend(OfferSkill(uri=uri, label=label) for uri, label in chosen.items())
    session.flush()
    return list(offer.skills)


def check_periods(periods: Iterable[tuple[date, date] | tuple[date, date, str]]) -> list[OfferUnavailable]:
    """Periods without capacity as new rows in start order, checked: "period_invalid", "note_too_long",
    "too_many"."""
    rows: list[OfferUnavailable] = []
    for period in periods:
        start, end = period[0], period[1]
        if not (isinstance(start, date) and isinstance(end, date)) or end < start:
            raise MarketplaceError("period_invalid")
        note = clean_text(period[2] if len(period) > 2 else "", 200, None, "note_too_long")
        rows.append(OfferUnavailable(starts_on=start, ends_on=end, note=note))
    if len(rows) > MAX_PERIODS:
        raise MarketplaceError("too_many", limit=MAX_PERIODS)
    return sorted(rows, key=lambda r: r.starts_on)


def set_unavailable(session: Session, offer_id: int, sender_id: str,
                    periods: Iterable[tuple[date, date] | tuple[date, date, str]], *,
                    now: datetime) -> list[OfferUnavailable]:
    """The periods without capacity (``(start, end)`` or ``(start, end, note)``, both days included; replaces
    the calendar). Any state but archived; the offer stays in its state."""
    rows = check_periods(periods)
    offer = _members_offer(session, offer_id, sender_id)
    if offer.state == "archived":
        raise MarketplaceError("offer_not_editable", state=offer.state)
    offer.unavailable = rows
    offer.updated_at = utc(now)
    session.flush()
    return list(offer.unavailable)


def _move_offer(offer: Offer, move: str, party: str, now: datetime) -> Offer:
    offer.state = target_state(OFFER_MOVES, move, offer.state, party)
    offer.updated_at = utc(now)
    if offer.state == "published" and offer.published_at is None:
        offer.published_at = offer.updated_at
    return offer


def submit_offer(session: Session, offer_id: int, sender_id: str, *, now: datetime) -> Offer:
    """Send a draft for review."""
    return _move_offer(_members_offer(session, offer_id, sender_id), "submit", MEMBER, now)


def pause_offer(session: Session, offer_id: int, sender_id: str, *, now: datetime) -> Offer:
    """Take a published offer out of the search for a while (no new requests)."""
    return _move_offer(_members_offer(session, offer_id, sender_id), "pause", MEMBER, now)


def resume_offer(session: Session, offer_id: int, sender_id: str, *, now: datetime) -> Offer:
    """Show a paused (and unchanged) offer again."""
    return _move_offer(_members_offer(session, offer_id, sender_id), "resume", MEMBER, now)


def _review(session: Session, offer_id: int, admin: str, move: str, note: str, now: datetime) -> Offer:
    name = check_admin(admin)
    offer = _move_offer(_offer(session, offer_id), move, ADMIN, now)
    offer.reviewed_by, offer.reviewed_at = name, offer.updated_at
    offer.review_note = optional_text(note, 500, "note_too_long")
    return offer


def approve_offer(session: Session, offer_id: int, admin: str, *, now: datetime, note: str = "") -> Offer:
    """Publish a pending offer (the console's moderation)."""
    return _review(session, offer_id, admin, "approve", note, now)


def reject_offer(session: Session, offer_id: int, admin: str, note: str = "", *, now: datetime) -> Offer:
    """Send a pending offer back to its provider as a draft, with what to change."""
    return _review(session, offer_id, admin, "reject", note, now)


def archive_offer(session: Session, offer_id: int, *, now: datetime, sender_id: str | None = None,
                  admin: str | None = None) -> Offer:
    """Close an offer for good: by a member of its provider (``sender_id``) or the console (``admin``)."""
    if (sender_id is None) == (admin is None):
        raise TypeError("archive_offer needs a sender_id or an admin")
    if admin is not None:
        return _review(session, offer_id, admin, "archive", "", now)
    return _move_offer(_members_offer(session, offer_id, sender_id), "archive", MEMBER, now)


def provider_offers(session: Session, provider_id: int, sender_id: str) -> list[Offer]:
    """The provider's offers (every state but archived), for one of its members."""
    require_member(session, provider_id, sender_id)
    return list(session.execute(select(Offer).where(Offer.provider_id == provider_id, Offer.state != "archived")
                                .order_by(Offer.id)).scalars())


def offer_title(offer: Offer, language: str) -> str:
    """The offer's title in ``language``, else in English, else the first one written."""
    texts = {t.language: t.title for t in offer.texts}
    return texts.get(language) or texts.get("en") or (offer.texts[0].title if offer.texts else "")


# -- what the search reads ------------------------------------------------------------------------------------
def cards(session: Session, language: str) -> list[OfferCard]:
    """Every published offer of an active provider as the search reads it (:class:`lmi4vet.marketplace.search.
    OfferCard`; no region or city: ""), its title in ``language`` (or the fallback of :func:`offer_title`), in
    offer id order."""
    offers = session.execute(select(Offer).join(Offer.provider)
                             .where(Offer.state == "published", Provider.active.is_(True))
                             .options(contains_eager(Offer.provider), lazyload(Offer.skills))
                             .order_by(Offer.id)).scalars().unique().all()
    return [OfferCard(o.id, o.category, offer_title(o, language), o.country, o.region or "", o.city or "", o.remote,
                      o.latitude, o.longitude, tuple(o.languages),
                      tuple((p.starts_on, p.ends_on) for p in o.unavailable), o.provider.name) for o in offers]
