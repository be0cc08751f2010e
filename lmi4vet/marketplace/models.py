"""The VET2B marketplace's tables (migration 0013): VET providers and the chat users linked to them, the one-time
link codes, offers (texts per language, ESCO skills, the school's term calendar), requests for a quote with
their events, ratings and reports of offers. Times are naive UTC; money is kept in cents (``*_cents``) with an
ISO 4217 currency, exact on SQLite and PostgreSQL alike.

**Whose rows are whose.** An offer belongs to its provider organisation, never to a person: offers, their
texts, skills and calendar, and the provider itself (name, city, contact email, the supervising teacher's name
on an offer) are the organisation's and are managed in the console. Rows about one chat user carry the
pseudonymous ``sender_id`` and are exported and erased through ``lmi4vet.privacy.PER_USER``:

- an **SME** (any chat user) erased: their requests go, and with them (``ON DELETE CASCADE``) every event and
  rating of those requests, the provider's included; their reports of offers and failed link-code tries go;
- a **provider member** erased: their membership, the request events they made (the request keeps its state
  and the timestamp of every step), the ratings they gave, their reports, their failed tries and the link
  code they redeemed go (a used code's row gone, the code is unknown, as a wrong one). The organisation's offers
  and the requests SMEs made to it stay: they belong to the organisation and to those SMEs.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship, synonym

from lmi4vet.db.models import Base
from lmi4vet.microcred.models import JSONText


class Provider(Base):
    """A VET provider organisation (a school, a training centre), created in the console. ``country``: the code
    of :mod:`lmi4vet.countries` (Eurostat's: EL, UK). An inactive provider's offers are not shown."""

    __tablename__ = "marketplace_providers"
    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False)
    country = Column(String(2), nullable=False)
    city = Column(String(100), nullable=False)
    contact_email = Column(String(254), nullable=False)
    created_at = Column(DateTime, nullable=False)
    active = Column(Boolean, nullable=False, default=True)


class ProviderMember(Base):
    """A chat user who acts for a provider (linked with a one-time code): ``role`` is ``coordinator``;
    ``language`` the one they last used the marketplace in (their notifications are written in it)."""

    __tablename__ = "marketplace_provider_members"
    id = Column(Integer, primary_key=True)
    provider_id = Column(Integer, ForeignKey("marketplace_providers.id", ondelete="CASCADE"), nullable=False,
                         index=True)
    sender_id = Column(String(64), nullable=False, index=True)
    role = Column(String(16), nullable=False)
    linked_at = Column(DateTime, nullable=False)
    language = Column(String(5), nullable=True)  # the language they last used the marketplace in
    provider = relationship("Provider", lazy="joined")
    __table_args__ = (UniqueConstraint("provider_id", "sender_id", name="uq_marketplace_member"),)


class LinkCode(Base):
    """A one-time code a console admin (``issued_by``) gives a provider's coordinator to link their chat. Only
    the SHA-256 of the code is kept; ``used_by`` is the chat user who redeemed it (``sender_id`` for
    ``lmi4vet.privacy``)."""

    __tablename__ = "marketplace_link_codes"
    id = Column(Integer, primary_key=True)
    code_hash = Column(String(64), nullable=False, unique=True)
    provider_id = Column(Integer, ForeignKey("marketplace_providers.id", ondelete="CASCADE"), nullable=False,
                         index=True)
    issued_by = Column(String(80), nullable=False)
    issued_at = Column(DateTime, nullable=False)
    expires_at = Column(DateTime, nullable=False)
    used_at = Column(DateTime, nullable=True)
    used_by = Column(String(64), nullable=True, index=True)
    sender_id = synonym("used_by")


class CodeAttempt(Base):
    """A failed try at redeeming a link code (wrong, used or expired), counted per user and hour."""

    __tablename__ = "marketplace_code_attempts"
    id = Column(Integer, primary_key=True)
    sender_id = Column(String(64), nullable=False)
    at = Column(DateTime, nullable=False)
    __table_args__ = (Index("ix_marketplace_code_attempts_sender", "sender_id", "at"),)


class Offer(Base):
    """A service a provider offers. ``state``: draft -> pending (review) -> published -> paused | archived
    (see :data:`lmi4vet.marketplace.store.OFFER_MOVES`). ``category``: a subcategory id of
    ``content/marketplace/categories.yml``. Place: ``country`` always, ``region``/``city`` unless ``remote``
    only; coordinates when known. Price: ``price_kind`` free | cost_only | fixed | quote, ``price_cents`` with
    ``currency`` (fixed: required; cost_only: optional estimate). ``languages``: the languages the learners
    can work in (ISO 639-1). ``teacher``: the supervising teacher's name."""

    __tablename__ = "marketplace_offers"
    id = Column(Integer, primary_key=True)
    provider_id = Column(Integer, ForeignKey("marketplace_providers.id", ondelete="CASCADE"), nullable=False,
                         index=True)
    category = Column(String(40), nullable=False)
    state = Column(String(16), nullable=False)
    country = Column(String(2), nullable=False)
    region = Column(String(100), nullable=True)
    city = Column(String(100), nullable=True)
    remote = Column(Boolean, nullable=False, default=False)
    latitude = Column(Float, nullable=True)
    longitude = Column(Float, nullable=True)
    price_kind = Column(String(16), nullable=False)
    price_cents = Column(Integer, nullable=True)
    currency = Column(String(3), nullable=True)
    lead_time_days = Column(Integer, nullable=True)
    teacher = Column(String(120), nullable=True)
    languages = Column(JSONText(), nullable=False)
    review_note = Column(String(500), nullable=True)
    reviewed_by = Column(String(80), nullable=True)
    reviewed_at = Column(DateTime, nullable=True)
    created_at = Column(DateTime, nullable=False)
    updated_at = Column(DateTime, nullable=False)
    published_at = Column(DateTime, nullable=True)
    provider = relationship("Provider", lazy="joined")
    texts = relationship("OfferText", lazy="selectin", order_by="OfferText.id", cascade="all, delete-orphan",
                         passive_deletes=True)
    skills = relationship("OfferSkill", lazy="selectin", order_by="OfferSkill.id", cascade="all, delete-orphan",
                          passive_deletes=True)
    unavailable = relationship("OfferUnavailable", lazy="selectin",
                               order_by="(OfferUnavailable.starts_on, OfferUnavailable.id)",
                               cascade="all, delete-orphan", passive_deletes=True)
    __table_args__ = (Index("ix_marketplace_offers_state", "state", "category"),)


class OfferText(Base):
    """An offer's title and description in one language (one row per language written)."""

    __tablename__ = "marketplace_offer_texts"
    id = Column(Integer, primary_key=True)
    offer_id = Column(Integer, ForeignKey("marketplace_offers.id", ondelete="CASCADE"), nullable=False)
    language = Column(String(5), nullable=False)
    title = Column(String(120), nullable=False)
    description = Column(Text, nullable=False, default="")
    __table_args__ = (UniqueConstraint("offer_id", "language", name="uq_marketplace_offer_text"),)


class OfferSkill(Base):
    """An ESCO skill the learners practise when delivering the offer (URI and the label shown)."""

    __tablename__ = "marketplace_offer_skills"
    id = Column(Integer, primary_key=True)
    offer_id = Column(Integer, ForeignKey("marketplace_offers.id", ondelete="CASCADE"), nullable=False)
    uri = Column(String(255), nullable=False)
    label = Column(String(255), nullable=False)
    __table_args__ = (UniqueConstraint("offer_id", "uri", name="uq_marketplace_offer_skill"),)


class OfferUnavailable(Base):
    """A period without capacity (the school's term calendar: holidays, exams), both days included."""

    __tablename__ = "marketplace_offer_unavailable"
    id = Column(Integer, primary_key=True)
    offer_id = Column(Integer, ForeignKey("marketplace_offers.id", ondelete="CASCADE"), nullable=False,
                      index=True)
    starts_on = Column(Date, nullable=False)
    ends_on = Column(Date, nullable=False)
    note = Column(String(200), nullable=False, default="")


class Request(Base):
    """An SME's request for a quote on an offer (``sender_id``: the SME). ``state``: requested -> accepted |
    declined | offered -> confirmed -> completed, or cancelled / expired (see
    :data:`lmi4vet.marketplace.quote_requests.MOVES`); each step's time in its own column. ``contact``: the
    SME's email or phone when that is their ``contact_preference`` (chat: none), shown to the provider only
    once the request is confirmed. ``offered_*``: the provider's price and date."""

    __tablename__ = "marketplace_requests"
    id = Column(Integer, primary_key=True)
    offer_id = Column(Integer, ForeignKey("marketplace_offers.id", ondelete="CASCADE"), nullable=False,
                      index=True)
    sender_id = Column(String(64), nullable=False, index=True)
    language = Column(String(5), nullable=False)
    what = Column(Text, nullable=False)
    quantity = Column(Integer, nullable=False)
    wanted_by = Column(Date, nullable=False)
    budget_cents = Column(Integer, nullable=True)
    currency = Column(String(3), nullable=True)
    contact_preference = Column(String(8), nullable=False)
    contact = Column(String(254), nullable=True)
    state = Column(String(16), nullable=False, index=True)
    offered_price_cents = Column(Integer, nullable=True)
    offered_currency = Column(String(3), nullable=True)
    offered_date = Column(Date, nullable=True)
    created_at = Column(DateTime, nullable=False)
    accepted_at = Column(DateTime, nullable=True)
    declined_at = Column(DateTime, nullable=True)
    offered_at = Column(DateTime, nullable=True)
    confirmed_at = Column(DateTime, nullable=True)
    cancelled_at = Column(DateTime, nullable=True)
    completed_at = Column(DateTime, nullable=True)
    expired_at = Column(DateTime, nullable=True)
    completion_asked_at = Column(DateTime, nullable=True)  # "was it done?" sent to both sides (once)
    updated_at = Column(DateTime, nullable=False)
    offer = relationship("Offer", lazy="joined")


class RequestEvent(Base):
    """One step of a request: ``from_state`` (None when it was made) -> ``to_state``, by ``sender_id`` (the
    actor: the SME or a provider member; None for an expiry)."""

    __tablename__ = "marketplace_request_events"
    id = Column(Integer, primary_key=True)
    request_id = Column(Integer, ForeignKey("marketplace_requests.id", ondelete="CASCADE"), nullable=False,
                        index=True)
    from_state = Column(String(16), nullable=True)
    to_state = Column(String(16), nullable=False)
    sender_id = Column(String(64), nullable=True, index=True)
    at = Column(DateTime, nullable=False)
    note = Column(String(500), nullable=True)


class Rating(Base):
    """A rating of a completed request by one side (``role`` sme | provider; ``sender_id``: the rater), once
    per side: 1-5 stars and an optional comment."""

    __tablename__ = "marketplace_ratings"
    id = Column(Integer, primary_key=True)
    request_id = Column(Integer, ForeignKey("marketplace_requests.id", ondelete="CASCADE"), nullable=False)
    sender_id = Column(String(64), nullable=False, index=True)
    role = Column(String(8), nullable=False)
    stars = Column(Integer, nullable=False)
    comment = Column(String(500), nullable=True)
    created_at = Column(DateTime, nullable=False)
    __table_args__ = (UniqueConstraint("request_id", "role", name="uq_marketplace_rating"),
                      CheckConstraint("stars >= 1 AND stars <= 5", name="ck_marketplace_rating_stars"))


class OfferReport(Base):
    """A user's report of an offer ("report this offer"), in the moderation queue until resolved."""

    __tablename__ = "marketplace_offer_reports"
    id = Column(Integer, primary_key=True)
    offer_id = Column(Integer, ForeignKey("marketplace_offers.id", ondelete="CASCADE"), nullable=False,
                      index=True)
    sender_id = Column(String(64), nullable=False, index=True)
    reason = Column(String(300), nullable=False)
    reported_at = Column(DateTime, nullable=False)
    resolved_at = Column(DateTime, nullable=True)
    resolved_by = Column(String(80), nullable=True)
