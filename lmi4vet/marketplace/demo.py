"""Example data for trying the VET2B marketplace out (``content/marketplace/demo.yml``): invented VET schools and
published offers, never loaded by default, removed in one command.

``lmi4vet marketplace demo load`` (:func:`load`) creates what is missing, through the store's functions as a
school and the console would: the provider, a one-time link code redeemed by a demo coordinator, each offer
with its texts, ESCO skills and term calendar, submitted and approved; then the demo coordinator is unlinked,
so that nobody real or invented is notified of requests (a console admin can link a tester to a demo school
with a code). What is already there is left as it is, so a second load changes nothing.

``lmi4vet marketplace demo remove`` (:func:`remove`) deletes the demo providers and every row that hangs off
them: offers with their texts, skills and calendars, members and link codes, and the requests (with their
events and ratings) and reports made on demo offers; nothing else.

**The marks.** A demo provider's name starts with :data:`PREFIX` and its contact email is
``<key>@`` :data:`EMAIL_DOMAIN` (a reserved ``.example`` domain); only a provider with both is demo data.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lmi4vet.marketplace import store
from lmi4vet.marketplace.models import (
    LinkCode,
    Offer,
    OfferReport,
    OfferSkill,
    OfferText,
    OfferUnavailable,
    Provider,
    ProviderMember,
    Rating,
    Request,
    RequestEvent,
)
from lmi4vet.marketplace.places import gazetteer
from lmi4vet.settings import PROJECT_ROOT

DEMO_FILE = PROJECT_ROOT / "content" / "marketplace" / "demo.yml"
PREFIX = "[DEMO] "
EMAIL_DOMAIN = "demo.vet2b.example"
ADMIN = "demo-data"  # who issues the demo link codes and approves the demo offers
REVIEW_NOTE = "example data (lmi4vet marketplace demo load)"


@dataclass(frozen=True)
class DemoOffer:
    """One offer of the file: its texts (the school's language first), store fields, skills and calendar."""

    category: str
    texts: tuple[tuple[str, str, str], ...]  # (language, title, description)
    fields: dict[str, Any]
    skills: tuple[tuple[str, str], ...]
    unavailable: tuple[tuple[date, date, str], ...]

    @property
    def title(self) -> str:
        """The title in the school's language: with the category, what tells a demo offer from the others."""
        return self.texts[0][1]


@dataclass(frozen=True)
class DemoProvider:
    key: str
    name: str
    country: str
    city: str
    language: str
    offers: tuple[DemoOffer, ...]

    @property
    def contact_email(self) -> str:
        return f"{self.key}@{EMAIL_DOMAIN}"


@dataclass
class LoadReport:
    """What a load found and created."""

    providers: int = 0
    offers: int = 0
    new_providers: int = 0
    new_offers: int = 0
    skipped: list[str] = field(default_factory=list)  # offers of a demo provider switched off in the console

    def summary(self) -> str:
        text = (f"demo data: {self.providers} providers ({self.new_providers} new), {self.offers} offers "
                f"({self.new_offers} new, published)")
        return text + "".join(f"\n  skipped (provider inactive): {title}" for title in self.skipped)


def _offer(entry: dict[str, Any], provider: dict[str, Any]) -> DemoOffer:
    country = entry.get("country", provider["country"])
    fields = {name: entry[name] for name in store.OFFER_FIELDS if name in entry}
    fields["country"] = country
    if entry.get("city"):
        city = gazetteer().city(country, entry["city"])
        if city is None:
            raise ValueError(f"demo offer {entry['category']!r}: {entry['city']!r} is not in places.yml")
        fields.update(city=city.name, region=city.region, latitude=city.latitude, longitude=city.longitude)
    texts = tuple((language, title, description) for language, (title, description) in entry["texts"].items())
    if texts[0][0] != provider["language"]:
        raise ValueError(f"demo offer {entry['category']!r}: the first text must be in {provider['language']!r}")
    return DemoOffer(entry["category"], texts, fields, tuple((uri, label) for uri, label in entry["skills"]),
                     tuple((start, end, note) for start, end, note in entry.get("unavailable") or ()))


def catalogue(path: Path = DEMO_FILE) -> tuple[DemoProvider, ...]:
    """The demo providers and offers of ``path``; ValueError for one without the name prefix."""
    return _catalogue(Path(path))


@cache
def _catalogue(path: Path) -> tuple[DemoProvider, ...]:
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    providers = []
    for entry in data["providers"]:
        if not entry["name"].startswith(PREFIX):
            raise ValueError(f"demo provider {entry['name']!r} must start with {PREFIX!r}")
        providers.append(DemoProvider(entry["key"], entry["name"], entry["country"], entry["city"],
                                      entry["language"], tuple(_offer(o, entry) for o in entry["offers"])))
    return tuple(providers)


def is_demo(provider: Provider) -> bool:
    """Whether the provider carries both demo marks."""
    return provider.name.startswith(PREFIX) and provider.contact_email.endswith("@" + EMAIL_DOMAIN)


def demo_providers(session: Session) -> list[Provider]:
    """Every provider with both demo marks, by id."""
    rows = session.execute(select(Provider).where(Provider.name.startswith(PREFIX, autoescape=True),
                                                  Provider.contact_email.endswith("@" + EMAIL_DOMAIN,
                                                                                  autoescape=True))
                           .order_by(Provider.id)).scalars()
    return [row for row in rows if is_demo(row)]  # LIKE ignores case on SQLite


def _create(session: Session, provider_id: int, sender: str, offer: DemoOffer, now: datetime) -> Offer:
    """One demo offer, written, submitted and approved as a school and the console would."""
    language, title, description = offer.texts[0]
    row = store.create_offer(session, provider_id, sender, language=language, title=title,
                             description=description, now=now, **offer.fields)
    for language, title, description in offer.texts[1:]:
        store.set_text(session, row.id, sender, language, title, description, now=now)
    store.set_skills(session, row.id, sender, offer.skills, now=now)
    store.set_unavailable(session, row.id, sender, offer.unavailable, now=now)
    store.submit_offer(session, row.id, sender, now=now)
    return store.approve_offer(session, row.id, ADMIN, now=now, note=REVIEW_NOTE)


def load(session: Session, now: datetime, path: Path = DEMO_FILE) -> LoadReport:
    """Create the demo providers and offers that are missing (an offer is its provider, category and title in
    the school's language, in any state); the rest is left as it is."""
    report = LoadReport()
    for demo in catalogue(path):
        provider = session.execute(select(Provider).where(Provider.name == demo.name,
                                                          Provider.contact_email == demo.contact_email)
                                   ).scalar_one_or_none()
        if provider is None:
            provider = store.create_provider(session, name=demo.name, country=demo.country, city=demo.city,
                                             contact_email=demo.contact_email, now=now)
            report.new_providers += 1
        report.providers += 1
        there = {(o.category, store.offer_title(o, demo.language)) for o in session.execute(
            select(Offer).where(Offer.provider_id == provider.id)).scalars()}
        missing = [offer for offer in demo.offers if (offer.category, offer.title) not in there]
        report.offers += len(demo.offers) - len(missing)
        if missing and not provider.active:
            report.skipped.extend(offer.title for offer in missing)
            continue
        if missing:
            sender = f"{ADMIN}-{demo.key}"
            code = store.issue_code(session, provider.id, ADMIN, now)
            redemption = store.redeem_code(session, code, sender, now)
            if redemption.error is not None:
                raise RuntimeError(f"{demo.name}: the demo link code was refused ({redemption.error})")
            for offer in missing:
                _create(session, provider.id, sender, offer, now)
            store.remove_member(session, provider.id, sender)
            report.offers += len(missing)
            report.new_offers += len(missing)
    session.flush()
    return report


def remove(session: Session) -> dict[str, int]:
    """Delete the demo providers and every row on them (see the module); how many rows of each kind went."""
    providers = [p.id for p in demo_providers(session)]
    offers = select(Offer.id).where(Offer.provider_id.in_(providers))
    requests = select(Request.id).where(Request.offer_id.in_(offers))
    steps = [("ratings", delete(Rating).where(Rating.request_id.in_(requests))),
             ("request events", delete(RequestEvent).where(RequestEvent.request_id.in_(requests))),
             ("requests", delete(Request).where(Request.offer_id.in_(offers))),
             ("reports", delete(OfferReport).where(OfferReport.offer_id.in_(offers))),
             ("offer texts", delete(OfferText).where(OfferText.offer_id.in_(offers))),
             ("offer skills", delete(OfferSkill).where(OfferSkill.offer_id.in_(offers))),
             ("unavailable periods", delete(OfferUnavailable).where(OfferUnavailable.offer_id.in_(offers))),
             ("offers", delete(Offer).where(Offer.provider_id.in_(providers))),
             ("members", delete(ProviderMember).where(ProviderMember.provider_id.in_(providers))),
             ("link codes", delete(LinkCode).where(LinkCode.provider_id.in_(providers))),
             ("providers", delete(Provider).where(Provider.id.in_(providers)))]
    counts = {name: session.execute(statement.execution_options(synchronize_session=False)).rowcount
              for name, statement in steps} if providers else {name: 0 for name, _ in steps}
    session.expire_all()
    return counts


def main(url: str, action: str, now: datetime | None = None) -> int:
    """``lmi4vet marketplace demo load|remove`` on the database at ``url`` (upgraded first); prints the counts."""
    from lmi4vet.db.engine import make_engine, session_scope, upgrade
    from lmi4vet.marketplace.checks import MarketplaceError

    upgrade(url)
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            if action == "load":
                print(load(session, now or datetime.utcnow()).summary())
            else:
                counts = remove(session)
                print("demo data removed: " + ", ".join(f"{n} {name}" for name, n in counts.items() if n)
                      if counts["providers"] else "no demo data found")
        return 0
    except (MarketplaceError, ValueError) as exc:
        print(f"demo data not {'loaded' if action == 'load' else 'removed'}, database unchanged: {exc}",
              file=sys.stderr)
        return 1
    finally:
        engine.dispose()
