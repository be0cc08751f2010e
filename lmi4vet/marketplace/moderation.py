"""Reports of offers ("report this offer" in the chat) and the console's moderation queue: offers pending
review and offers with reports not yet resolved, the longest waiting first. The console then approves or
rejects a pending offer, archives a reported one (:mod:`lmi4vet.marketplace.store`) and resolves its reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lmi4vet.events.catalogue import utc
from lmi4vet.marketplace.checks import MarketplaceError, check_admin, clean_text
from lmi4vet.marketplace.models import Offer, OfferReport
from lmi4vet.marketplace.store import offer_title

REASON_LIMIT = 300
REPORTABLE = ("published", "paused")  # what users can see or have seen


def report_offer(session: Session, offer_id: int, sender_id: str, reason: str, *, now: datetime) -> OfferReport:
    """A user's report of an offer they saw ("offer_unavailable" for one nobody sees, "reason_empty",
    "reason_too_long"). Reporting the same offer again while the first report is open changes nothing."""
    text = clean_text(reason, REASON_LIMIT, "reason_empty", "reason_too_long")
    offer = session.get(Offer, offer_id)
    if offer is None or offer.state not in REPORTABLE:
        raise MarketplaceError("offer_unavailable", offer_id=offer_id)
    existing = session.execute(select(OfferReport).where(OfferReport.offer_id == offer_id,
                                                         OfferReport.sender_id == sender_id,
                                                         OfferReport.resolved_at.is_(None))).scalar_one_or_none()
    if existing is not None:
        return existing
    row = OfferReport(offer_id=offer_id, sender_id=sender_id, reason=text, reported_at=utc(now))
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class ModerationItem:
    """An offer waiting for the console: ``pending`` review and/or open ``reports`` (their reasons), since
    when (submitted, or first reported)."""

    offer_id: int
    state: str
    category: str
    title: str
    provider: str
    pending: bool
    reports: int
    reasons: tuple[str, ...]
    since: datetime


def moderation_queue(session: Session, language: str = "en") -> list[ModerationItem]:
    """Pending offers and offers with open reports, the longest waiting first."""
    reports: dict[int, list[OfferReport]] = {}
    for report in session.execute(select(OfferReport).where(OfferReport.resolved_at.is_(None))
                                  .order_by(OfferReport.reported_at, OfferReport.id)).scalars():
        reports.setdefault(report.offer_id, []).append(report)
    offers = session.execute(select(Offer).where((Offer.state == "pending") | Offer.id.in_(list(reports)))
                             ).scalars().all()
    items = []
    for offer in offers:
        open_reports = reports.get(offer.id, [])
        pending = offer.state == "pending"
        since = min([r.reported_at for r in open_reports] + ([offer.updated_at] if pending else []))
        items.append(ModerationItem(offer.id, offer.state, offer.category, offer_title(offer, language),
                                    offer.provider.name, pending, len(open_reports),
                                    tuple(r.reason for r in open_reports), since))
    return sorted(items, key=lambda item: (item.since, item.offer_id))


def resolve_reports(session: Session, offer_id: int, admin: str, *, now: datetime) -> int:
    """Close the offer's open reports (the console looked at them); how many."""
    name = check_admin(admin)
    return session.execute(update(OfferReport).where(OfferReport.offer_id == offer_id,
                                                     OfferReport.resolved_at.is_(None))
                           .values(resolved_at=utc(now), resolved_by=name)
                           .execution_options(synchronize_session="fetch")).rowcount or 0
