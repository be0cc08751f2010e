"""What the console does in the marketplace that the chat's functions do not: an admin enters a provider's
offer (a provider may send it by email rather than type it in the chat), and reads an SME's contact data.

The offer gets exactly the checks of :func:`lmi4vet.marketplace.store.create_offer`, :func:`~lmi4vet.marketplace.
store.set_skills` and :func:`~lmi4vet.marketplace.store.set_unavailable` (the same check functions are called),
without the membership the chat requires: the console's access control stands for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from lmi4vet.events.catalogue import utc
from lmi4vet.marketplace import store
from lmi4vet.marketplace.checks import MarketplaceError, check_admin
from lmi4vet.marketplace.models import Offer, OfferSkill, OfferText, Provider, Request
from lmi4vet.marketplace.quote_requests import AGREED


def create_offer(session: Session, provider_id: int, admin: str, *, language: str, title: str,
                 description: str = "", skills: Iterable[tuple[str, str]] = (),
                 periods: Iterable[tuple[date, date] | tuple[date, date, str]] = (), submit: bool = True,
                 now: datetime, **fields: Any) -> Offer:
    """A new offer of an active provider entered by the console user ``admin``: ``fields`` as
    :func:`store.create_offer <lmi4vet.marketplace.store.create_offer>` takes them, with its ESCO skills
    (``(uri, label)``) and periods without capacity. ``submit``: straight into review (pending, in the
    moderation queue) rather than a draft its provider's coordinator finishes in the chat."""
    check_admin(admin)
    provider = session.get(Provider, provider_id)
    if provider is None:
        raise MarketplaceError("provider_not_found", provider_id=provider_id)
    if not provider.active:
        raise MarketplaceError("provider_inactive")
    store._unknown_fields(fields)  # the same refusal as store.create_offer's
    language, title, description = store.check_text(language, title, description)
    columns = store.check_offer_fields({"languages": [language], **fields})
    chosen, rows = store.check_skills(skills), store.check_periods(periods)
    now = utc(now)
    offer = Offer(provider_id=provider_id, state="pending" if submit else "draft", created_at=now, updated_at=now,
                  **columns)
    offer.texts.append(OfferText(language=language, title=title, description=description))
    offer.skills.extend(OfferSkill(uri=uri, label=label) for uri, label in chosen.items())
    offer.unavailable.extend(rows)
    session.add(offer)
    session.flush()
    return offer


@dataclass(frozen=True)
class SmeContact:
    """How the SME asked to be reached: ``preference`` chat | email | phone, and the address (None for chat)."""

    preference: str
    address: str | None


def sme_contact(row: Request) -> SmeContact | None:
    """The SME's contact data once the request is confirmed or completed, None before: the rule of
    :func:`lmi4vet.marketplace.quote_requests.contact` for the provider's side."""
    if row.state not in AGREED:
        return None
    return SmeContact(row.contact_preference, row.contact if row.contact_preference != "chat" else None)
