"""The VET2B marketplace's demo data (content/marketplace/demo.yml, lmi4vet/marketplace/demo.py): every offer passes
the store's checks, a second load changes nothing, the Cluj catering offer is found, and remove deletes exactly
the demo rows (with the requests, ratings and reports made on demo offers). Database tests run on SQLite and
PostgreSQL (the db_url fixture; CI=true: it must answer)."""

from __future__ import annotations

import csv
import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from lmi4vet.cli import main as cli_main
from lmi4vet.db.engine import make_engine, session_scope
from lmi4vet.marketplace import categories, demo, store
from lmi4vet.marketplace import models as mm
from lmi4vet.marketplace import moderation as mod
from lmi4vet.marketplace import quote_requests as rq
from lmi4vet.marketplace.places import find_place
from lmi4vet.marketplace.search import search
from lmi4vet.settings import PROJECT_ROOT

NOW = datetime(2026, 12, 4, 9, 0)
ESCO_SKILLS = PROJECT_ROOT.parent / "shared" / "data" / "esco" / "v1.1.1_en" / "skills_en.csv"
MODELS = (mm.Provider, mm.ProviderMember, mm.LinkCode, mm.Offer, mm.OfferText, mm.OfferSkill, mm.OfferUnavailable,
          mm.Request, mm.RequestEvent, mm.Rating, mm.OfferReport)


@pytest.fixture
def db(db_url):  # SQLite, and PostgreSQL when it answers (CI=true: it must)
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def counts(session) -> dict[str, int]:
    return {m.__tablename__: session.execute(select(func.count()).select_from(m)).scalar_one() for m in MODELS}


def cluj_catering(session) -> mm.Offer:
    return session.execute(select(mm.Offer).join(mm.Offer.provider).where(
        mm.Offer.category == "catering", mm.Provider.name == "[DEMO] Liceul Tehnologic de Turism Cluj")).scalar_one()


# -- the file -------------------------------------------------------------------------------------------------
def test_every_demo_offer_passes_the_stores_checks_and_is_written_in_its_schools_language() -> None:
    providers = demo.catalogue()
    offers = [offer for provider in providers for offer in provider.offers]
    assert 6 <= len(providers) <= 8 and 14 <= len(offers) <= 20
    assert {p.country for p in providers} >= {"RO", "ES", "FR", "DE", "IE"}
    assert len({categories.category(o.category).group for o in offers}) >= 6
    assert {o.fields["price_kind"] for o in offers} == set(store.PRICE_KINDS)
    for provider in providers:
        assert provider.name.startswith(demo.PREFIX)
        for offer in provider.offers:
            store.check_offer_fields(offer.fields)
            languages = [store.check_text(*text)[0] for text in offer.texts]
            assert languages[0] == provider.language and len(set(languages)) == len(languages)
            assert 1 <= len(store.check_skills(offer.skills)) == len(offer.skills) <= 3
            assert store.check_periods(offer.unavailable)
            assert offer.fields["teacher"].endswith(("(exemplu)", "(ejemplo)", "(exemple)", "(Beispiel)", "(example)"))
            assert offer.fields["lead_time_days"] > 0
    titles = [(p.key, o.category, o.title) for p in providers for o in p.offers]
    assert len(set(titles)) == len(titles)  # what tells one demo offer from another on a second load


def test_the_demo_skills_are_real_esco_skills() -> None:
    if not ESCO_SKILLS.is_file():
        pytest.skip(f"{ESCO_SKILLS} is not here")
    with ESCO_SKILLS.open(encoding="utf-8") as handle:
        esco = {row["conceptUri"]: row["preferredLabel"] for row in csv.DictReader(handle)}
    for provider in demo.catalogue():
        for offer in provider.offers:
            for uri, label in offer.skills:
                assert esco.get(uri) == label, (offer.title, uri, label)


# -- load and remove ------------------------------------------------------------------------------------------
def test_load_twice_gives_the_same_rows_and_every_offer_is_published(db) -> None:
    expected = sum(len(p.offers) for p in demo.catalogue())
    with session_scope(db) as session:
        first = demo.load(session, NOW)
        assert (first.providers, first.new_providers) == (len(demo.catalogue()), len(demo.catalogue()))
        assert (first.offers, first.new_offers) == (expected, expected)
    with session_scope(db) as session:
        after_first = counts(session)
        second = demo.load(session, NOW + timedelta(days=1))
        assert (second.new_providers, second.new_offers, second.offers) == (0, 0, expected)
    with session_scope(db) as session:
        assert counts(session) == after_first
        assert after_first["marketplace_provider_members"] == 0  # the demo coordinators are unlinked again
        offers = session.execute(select(mm.Offer)).scalars().all()
        assert len(offers) == expected and {o.state for o in offers} == {"published"}
        assert all(o.reviewed_by == demo.ADMIN and o.published_at == NOW for o in offers)
        assert all(demo.is_demo(p) for p in session.execute(select(mm.Provider)).scalars())
        assert len(store.cards(session, "en")) == expected


def test_a_second_load_recreates_only_what_is_missing(db) -> None:
    with session_scope(db) as session:
        demo.load(session, NOW)
        session.delete(cluj_catering(session))
    with session_scope(db) as session:
        report = demo.load(session, NOW)
        assert (report.new_providers, report.new_offers) == (0, 1)
        assert cluj_catering(session).state == "published"


def test_the_cluj_catering_offer_is_found_for_catering_in_cluj(db) -> None:
    with session_scope(db) as session:
        demo.load(session, NOW)
    with session_scope(db) as session:
        groups = {c.id: c.group for c in categories.categories()}
        result = search(store.cards(session, "ro"), category="catering", place=find_place("Cluj"), language="ro",
                        today=NOW.date(), groups=groups)
        assert result.exact
        top = result.hits[0]
        assert top.card.id == cluj_catering(session).id and top.proximity == "same_city"
        assert top.card.title == "Catering pentru evenimente de firmă" and top.speaks_language
        offer = cluj_catering(session)
        assert offer.region == "Nord-Vest" and offer.price_cents == 40000 and offer.currency == "RON"
        assert [t.language for t in offer.texts] == ["ro", "en"] and len(offer.skills) == 3


def test_remove_deletes_the_demo_rows_and_what_was_made_on_them_and_nothing_else(db) -> None:
    with session_scope(db) as session:
        demo.load(session, NOW)
        # a real school, named like a demo one but without the demo email: not demo data
        real = store.create_provider(session, name="[DEMO] Colegiul Tehnic Napoca", country="RO", city="Cluj-Napoca",
                                     contact_email="vet2b@colegiul-napoca.example", now=NOW)
        coordinator = uuid.uuid4().hex
        assert store.redeem_code(session, store.issue_code(session, real.id, "admin", NOW), coordinator,
                                 NOW).error is None
        own = store.create_offer(session, real.id, coordinator, language="ro", title="Catering pentru evenimente",
                                 description="Platouri reci și calde.", category="catering", country="RO",
                                 city="Cluj-Napoca", price_kind="quote", now=NOW)
        store.submit_offer(session, own.id, coordinator, now=NOW)
        store.approve_offer(session, own.id, "admin", now=NOW)
        sme = uuid.uuid4().hex
        on_real = rq.request_offer(session, own.id, sme, language="ro", what="Platouri pentru 20 de persoane",
                                   wanted_by=(NOW + timedelta(days=10)).date(), now=NOW)
        # a tester linked to the demo school (the console's code) serves an SME, who rates and reports
        catering = cluj_catering(session)
        tester = uuid.uuid4().hex
        assert store.redeem_code(session, store.issue_code(session, catering.provider_id, "admin", NOW), tester,
                                 NOW).error is None
        due = NOW + timedelta(days=10)
        on_demo = rq.request_offer(session, catering.id, sme, language="ro", what="Platouri pentru 30 de persoane",
                                   wanted_by=due.date(), now=NOW)
        rq.offer_price(session, on_demo.id, tester, price="350", day=due.date(), now=NOW)
        rq.confirm_request(session, on_demo.id, sme, now=NOW)
        rq.complete_request(session, on_demo.id, sme, now=due)
        rq.rate(session, on_demo.id, sme, 5, "Foarte bune", now=due)
        rq.rate(session, on_demo.id, tester, 4, now=due)
        mod.report_offer(session, catering.id, sme, "Doar un test", now=NOW)
        real_id, own_id, on_real_id = real.id, own.id, on_real.id
    with session_scope(db) as session:
        removed = demo.remove(session)
    expected_offers = sum(len(p.offers) for p in demo.catalogue())
    assert removed["providers"] == len(demo.catalogue()) and removed["offers"] == expected_offers
    assert (removed["requests"], removed["ratings"], removed["reports"], removed["members"]) == (1, 2, 1, 1)
    assert removed["request events"] == 4  # requested, offered, confirmed, completed
    with session_scope(db) as session:
        assert [p.id for p in session.execute(select(mm.Provider)).scalars()] == [real_id]
        assert [o.id for o in session.execute(select(mm.Offer)).scalars()] == [own_id]
        assert [r.id for r in session.execute(select(mm.Request)).scalars()] == [on_real_id]
        left = counts(session)
        assert left["marketplace_offer_texts"] == 1 and left["marketplace_request_events"] == 1
        assert left["marketplace_provider_members"] == 1 and left["marketplace_link_codes"] == 1
        assert left["marketplace_ratings"] == left["marketplace_offer_reports"] == 0
        assert left["marketplace_offer_skills"] == left["marketplace_offer_unavailable"] == 0
        assert demo.remove(session)["providers"] == 0


def test_the_command_loads_and_removes(db_url, capsys) -> None:
    assert cli_main(["--database-url", db_url, "marketplace", "demo", "load"]) == 0
    assert cli_main(["--database-url", db_url, "marketplace", "demo", "load"]) == 0
    loaded = capsys.readouterr().out.splitlines()
    total = sum(len(p.offers) for p in demo.catalogue())
    assert loaded[0] == f"demo data: {len(demo.catalogue())} providers ({len(demo.catalogue())} new), {total} offers " \
                        f"({total} new, published)"
    assert loaded[1] == f"demo data: {len(demo.catalogue())} providers (0 new), {total} offers (0 new, published)"
    assert cli_main(["--database-url", db_url, "marketplace", "demo", "remove"]) == 0
    assert cli_main(["--database-url", db_url, "marketplace", "demo", "remove"]) == 0
    removed = capsys.readouterr().out.splitlines()
    assert removed[0].startswith("demo data removed: ")
    assert f"{total} offers" in removed[0] and f"{len(demo.catalogue())} providers" in removed[0]
    assert removed[1] == "no demo data found"


def test_a_demo_school_switched_off_in_the_console_gets_no_new_offers(db) -> None:
    with session_scope(db) as session:
        demo.load(session, NOW)
        offer = cluj_catering(session)
        store.set_provider_active(session, offer.provider_id, False)
        session.delete(offer)
    with session_scope(db) as session:
        report = demo.load(session, NOW)
        assert report.new_offers == 0 and report.skipped == ["Catering pentru evenimente de firmă"]
        assert "skipped (provider inactive): Catering pentru evenimente de firmă" in report.summary()
