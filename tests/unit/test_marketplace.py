"""The VET2B marketplace's core without the chat: the category list (and its NACE classes against the shared
code list), the migration against the models, link codes, offers and their moves, requests for a quote and
their moves (who may make each, every one recorded), the brief's checks, the rate limit, contact data,
ratings, reports and moderation, the cards the search reads, and export and erasure of an SME and of a
provider member. Database tests run on SQLite and PostgreSQL (the db_url fixture; CI=true: it must answer)."""

from __future__ import annotations

import csv
import hashlib
import uuid
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, inspect, select

from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.db.engine import downgrade, make_engine, session_scope, upgrade
from lmi4vet.marketplace import categories as cat
from lmi4vet.marketplace import moderation as mod
from lmi4vet.marketplace import quote_requests as rq
from lmi4vet.marketplace import store
from lmi4vet.marketplace.checks import MarketplaceError
from lmi4vet.marketplace.models import (
    CodeAttempt,
    LinkCode,
    Offer,
    OfferReport,
    ProviderMember,
    Rating,
    Request,
    RequestEvent,
)
from lmi4vet.marketplace.search import OfferCard
from lmi4vet.privacy import PER_USER, erase_user, export_user, remaining_rows, row_counts
from lmi4vet.settings import PROJECT_ROOT
from tests.services import in_ci

NOW = datetime(2026, 12, 4, 9, 0)
TODAY = NOW.date()
DUE = NOW + timedelta(days=10)  # the requests' wanted-by day
NACE_FILE = PROJECT_ROOT.parent / "shared" / "data" / "codelists" / "nace" / "nace_rev2_en_naceconverter.csv"
SKILL = "http://data.europa.eu/esco/skill/0b1b0d1e-0000-4000-8000-000000000001"  # made-up, ESCO-shaped
TABLES = {"marketplace_providers", "marketplace_provider_members", "marketplace_link_codes",
          "marketplace_code_attempts", "marketplace_offers", "marketplace_offer_texts", "marketplace_offer_skills",
          "marketplace_offer_unavailable", "marketplace_requests", "marketplace_request_events",
          "marketplace_ratings", "marketplace_offer_reports"}


def user() -> str:
    return uuid.uuid4().hex


def refused(code: str):
    """``pytest.raises`` for a MarketplaceError with ``code``."""
    return pytest.raises(MarketplaceError, match=rf"^{code}\b")


@pytest.fixture
def db(db_url):  # SQLite, and PostgreSQL when it answers (CI=true: it must)
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


# -- helpers --------------------------------------------------------------------------------------------------
def a_provider(session, name: str = "Colegiul Tehnic Napoca", country: str = "RO", city: str = "Cluj-Napoca"):
    return store.create_provider(session, name=name, country=country, city=city,
                                 contact_email="vet2b@colegiul-napoca.example", now=NOW)


def a_member(session, provider_id: int) -> str:
    sender = user()
    code = store.issue_code(session, provider_id, "admin", NOW)
    assert store.redeem_code(session, code, sender, NOW).error is None
    return sender


def an_offer(session, provider_id: int, member: str, state: str = "published", **fields) -> Offer:
    """An offer of the provider walked to ``state``."""
    values = {"category": "catering", "country": "RO", "city": "Cluj-Napoca", "region": "Nord-Vest",
              "price_kind": "cost_only", "price": "150", "lead_time_days": 2, "languages": ["ro", "en"], **fields}
    offer = store.create_offer(session, provider_id, member, language="ro", title="Catering pentru evenimente",
                               description="Elevii de la bucătărie pregătesc platouri reci și calde.", now=NOW,
                               **values)
    path = {"draft": [], "pending": ["submit"], "published": ["submit", "approve"],
            "paused": ["submit", "approve", "pause"], "archived": ["archive"]}[state]
    for move in path:
        if move == "approve":
            store.approve_offer(session, offer.id, "admin", now=NOW)
        elif move == "archive":
            store.archive_offer(session, offer.id, sender_id=member, now=NOW)
        else:
            getattr(store, f"{move}_offer")(session, offer.id, member, now=NOW)
    assert offer.state == state
    return offer


def a_request(session, offer_id: int, sme: str | None = None, **fields) -> Request:
    values = {"language": "ro", "what": "Platouri pentru 40 de persoane, inaugurarea magazinului",
              "wanted_by": DUE.date(), "quantity": 40, "budget": "800", "contact_preference": "phone",
              "contact": "+40 712 345 678", **fields}
    return rq.request_offer(session, offer_id, sme or user(), now=NOW, **values)


def request_in(session, offer: Offer, member: str, state: str) -> Request:
    """A new request on ``offer`` brought to ``state`` by the right parties."""
    row = a_request(session, offer.id)
    sme = row.sender_id
    steps = {"requested": [], "accepted": ["accept"], "declined": ["decline"], "offered": ["offer"],
             "confirmed": ["offer", "confirm"], "cancelled": ["cancel"],
             "completed": ["offer", "confirm", "complete"], "expired": ["expire"]}[state]
    for step in steps:
        if step == "accept":
            rq.accept_request(session, row.id, member, now=NOW)
        elif step == "decline":
            rq.decline_request(session, row.id, member, now=NOW)
        elif step == "offer":
            rq.offer_price(session, row.id, member, price="750", day=DUE.date(), now=NOW)
        elif step == "confirm":
            rq.confirm_request(session, row.id, sme, now=NOW)
        elif step == "cancel":
            rq.cancel_request(session, row.id, sme, now=NOW)
        elif step == "complete":
            rq.complete_request(session, row.id, sme, now=DUE)
        else:
            rq.expire_requests(session, DUE + timedelta(days=1))
    assert row.state == state
    return row


# -- categories -----------------------------------------------------------------------------------------------
def test_the_categories_are_a_fixed_two_level_list_in_five_languages() -> None:
    groups = cat.groups()
    assert [g.id for g in groups] == ["food", "design_web", "marketing", "laboratory", "manufacturing", "repairs",
                                      "care", "construction", "office"]
    assert all(3 <= len(g.categories) <= 6 for g in groups)
    ids = [c.id for c in cat.categories()]
    assert len(ids) == len(set(ids)) == sum(len(g.categories) for g in groups) == 46
    for category in cat.categories():
        assert set(category.names) == set(SUPPORTED_LANGUAGES) and all(category.names.values())
        assert all(3 <= len(category.words[lang]) <= 8 for lang in SUPPORTED_LANGUAGES), category.id
        assert cat.group_of(category.id).id == category.group
    assert cat.category("catering").name("fr") == "Traiteur pour événements"
    assert cat.category("catering").name("xx") == "Catering for events"
    assert cat.group_of("bakery").name("de") == "Essen und Catering"
    assert "tort" in cat.category("bakery").words["ro"] and "Schweißen" in cat.category("welding").words["de"]
    assert "logo" in cat.category("logo_branding").words["en"] and cat.category("catering").nace == ("56.21",
                                                                                                    "56.22")
    assert cat.category("plumbing") is None and cat.group_of("plumbing") is None


def test_every_nace_code_is_a_class_of_the_shared_code_list() -> None:
    if not NACE_FILE.is_file():
        if in_ci():
            pytest.fail(f"{NACE_FILE} is required with CI=true")
        pytest.skip(f"{NACE_FILE} not present")
    with NACE_FILE.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    classes = {row["code"]: row["name"] for row in rows if row["level"] == "4"}
    assert sorted(cat.nace_codes() - set(classes)) == []
    assert classes["56.21"] == "Event catering activities" and classes["74.12"].startswith("Graphic design")
    assert classes["95.31"] == "Repair and maintenance of motor vehicles"  # NACE Rev. 2.1: no division 45


# -- schema ---------------------------------------------------------------------------------------------------
def test_the_migration_matches_the_models_and_goes_down_and_up(db, db_url) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from lmi4vet.db.models import Base

    with db.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    assert set(inspect(db).get_table_names()) >= TABLES
    assert {i["name"] for i in inspect(db).get_indexes("marketplace_requests")} == {
        "ix_marketplace_requests_offer_id", "ix_marketplace_requests_sender_id", "ix_marketplace_requests_state"}
    downgrade(db_url, "0012")
    assert TABLES.isdisjoint(inspect(db).get_table_names())
    upgrade(db_url)
    assert set(inspect(db).get_table_names()) >= TABLES


def test_the_per_user_tables_are_erased_children_first() -> None:
    marketplace = [m for m in PER_USER if m.__tablename__.startswith("marketplace_")]
    assert marketplace == [Rating, RequestEvent, Request, OfferReport, LinkCode, CodeAttempt, ProviderMember]


# -- link codes -----------------------------------------------------------------------------------------------
def test_a_code_links_once_and_only_its_hash_is_kept(db) -> None:
    with session_scope(db) as session:
        provider = a_provider(session)
        code = store.issue_code(session, provider.id, "ana.admin", NOW)
        assert len(code) == 8 and set(code) <= set(store.CODE_ALPHABET) and not set(code) & set("01ILO")
        row = session.execute(select(LinkCode)).scalar_one()
        assert row.code_hash == hashlib.sha256(code.encode()).hexdigest()
        assert code not in {str(getattr(row, c.name)) for c in LinkCode.__table__.columns}
        assert (row.issued_by, row.expires_at, row.used_at) == ("ana.admin", NOW + timedelta(days=7), None)
        coordinator, other = user(), user()
        typed = f" {code[:4].lower()}-{code[4:]} "  # as typed on a phone
        result = store.redeem_code(session, typed, coordinator, NOW + timedelta(hours=1))
        assert (result.error, result.member.role, result.member.provider_id) == (None, "coordinator", provider.id)
        assert (row.used_at, row.used_by) == (NOW + timedelta(hours=1), coordinator)
        again = store.redeem_code(session, code, coordinator, NOW + timedelta(hours=2))  # a double tap
        assert (again.error, again.member.id) == (None, result.member.id)
        reused = store.redeem_code(session, code, other, NOW + timedelta(hours=2))
        assert (reused.error, reused.member, reused.tries_left) == ("code_used", None, 4)
        assert [m.sender_id for m in store.members(session, provider.id)] == [coordinator]
        assert [m.provider_id for m in store.memberships(session, coordinator)] == [provider.id]


def test_an_expired_code_and_an_inactive_provider_link_nobody(db) -> None:
    with session_scope(db) as session:
        provider = a_provider(session)
        code = store.issue_code(session, provider.id, "admin", NOW, lifetime=timedelta(hours=48))
        late = store.redeem_code(session, code, user(), NOW + timedelta(hours=48))
        assert (late.error, late.member) == ("code_expired", None)
        fresh = store.issue_code(session, provider.id, "admin", NOW)
        store.set_provider_active(session, provider.id, False)
        assert store.redeem_code(session, fresh, user(), NOW).error == "provider_inactive"
        store.set_provider_active(session, provider.id, True)
        just_in_time = store.redeem_code(session, fresh, user(), NOW + timedelta(days=7, seconds=-1))
        assert just_in_time.error is None
        with refused("provider_not_found"):
            store.issue_code(session, 999, "admin", NOW)
        with refused("admin_missing"):
            store.issue_code(session, provider.id, " ", NOW)


def test_five_failed_tries_an_hour_then_every_code_is_refused(db) -> None:
    with session_scope(db) as session:
        provider = a_provider(session)
        code = store.issue_code(session, provider.id, "admin", NOW)
        sender = user()
        tries = [store.redeem_code(session, wrong, sender, NOW + timedelta(minutes=n))
                 for n, wrong in enumerate(["AAAAAAAA", "", "ABCD", "ZZZZ-ZZZZ", "23456789"])]
        assert [(t.error, t.tries_left) for t in tries] == [("code_wrong", 4), ("code_wrong", 3), ("code_wrong", 2),
                                                            ("code_wrong", 1), ("code_wrong", 0)]
        blocked = store.redeem_code(session, code, sender, NOW + timedelta(minutes=59))
        assert (blocked.error, blocked.member) == ("too_many_tries", None)
        assert store.redeem_code(session, code, user(), NOW).error is None  # others are not blocked
        assert session.execute(select(func.count()).select_from(CodeAttempt)).scalar_one() == 5
        provider_id = provider.id
    with session_scope(db) as session:  # committed: an hour after the first try, one try is back
        assert store.failed_tries(session, sender, NOW + timedelta(minutes=60)) == 4
        second = store.issue_code(session, provider_id, "admin", NOW)
        assert store.redeem_code(session, second, sender, NOW + timedelta(minutes=60)).error is None


# -- offers ---------------------------------------------------------------------------------------------------
OFFER_RESULTS = {  # state -> move -> the state it leads to; every other pair is refused
    "draft": {"submit": "pending", "archive": "archived"},
    "pending": {"approve": "published", "reject": "draft", "archive": "archived"},
    "published": {"pause": "paused", "archive": "archived"},
    "paused": {"resume": "published", "archive": "archived"},
    "archived": {},
}


def test_every_offer_move_from_every_state(db) -> None:
    with session_scope(db) as session:
        provider = a_provider(session)
        member = a_member(session, provider.id)
        results = {}
        for state in store.OFFER_STATES:
            for move in ("submit", "approve", "reject", "pause", "resume", "archive"):
                offer = an_offer(session, provider.id, member, state)
                try:
                    if move in ("approve", "reject"):
                        getattr(store, f"{move}_offer")(session, offer.id, "admin", now=DUE)
                    elif move == "archive":
                        store.archive_offer(session, offer.id, sender_id=member, now=DUE)
                    else:
                        getattr(store, f"{move}_offer")(session, offer.id, member, now=DUE)
                    results[(state, move)] = offer.state
                except MarketplaceError as error:
                    assert (error.code, error.params, offer.state) == ("transition_forbidden",
                                                                       {"state": state, "move": move}, state)
                    results[(state, move)] = None
        expected = {(state, move): OFFER_RESULTS[state].get(move) for state, move in results}
        assert results == expected
        published = an_offer(session, provider.id, member, "published")
        assert published.published_at == NOW and published.reviewed_by == "admin"
        rejected = an_offer(session, provider.id, member, "pending")
        store.reject_offer(session, rejected.id, "admin", "Add what the price includes.", now=DUE)
        assert (rejected.state, rejected.review_note, rejected.reviewed_at) == ("draft",
                                                                                "Add what the price includes.", DUE)
        store.archive_offer(session, published.id, admin="moderator", now=DUE)
        assert (published.state, published.reviewed_by) == ("archived", "moderator")


def test_only_members_change_their_providers_offers(db) -> None:
    with session_scope(db) as session:
        school, other_school = a_provider(session), a_provider(session, "IES Politécnico", "ES", "Valencia")
        member, outsider = a_member(session, school.id), a_member(session, other_school.id)
        with refused("not_member"):
            an_offer(session, school.id, outsider, "draft")
        offer = an_offer(session, school.id, member, "published")
        for attempt in (lambda: store.pause_offer(session, offer.id, outsider, now=NOW),
                        lambda: store.archive_offer(session, offer.id, sender_id=outsider, now=NOW),
                        lambda: store.set_unavailable(session, offer.id, outsider, [], now=NOW),
                        lambda: store.edit_offer(session, offer.id, outsider, now=NOW, city="Turda"),
                        lambda: store.provider_offers(session, school.id, outsider)):
            with refused("not_member"):
                attempt()
        with refused("admin_missing"):
            store.approve_offer(session, offer.id, "", now=NOW)
        store.set_provider_active(session, school.id, False)
        with refused("provider_inactive"):
            store.pause_offer(session, offer.id, member, now=NOW)
        assert offer.state == "published"
        with refused("offer_not_found"):
            store.submit_offer(session, 999, member, now=NOW)


@pytest.mark.parametrize(("fields", "code"), [
    ({"category": "plumbing"}, "category_unknown"),
    ({"country": "US"}, "country_unknown"),
    ({"city": None, "region": None}, "place_missing"),
    ({"city": "x" * 101}, "place_too_long"),
    ({"price_kind": "cheap"}, "price_kind_invalid"),
    ({"price_kind": "fixed", "price": None}, "price_missing"),
    ({"price_kind": "free", "price": "10"}, "price_unexpected"),
    ({"price": "-5"}, "price_negative"),
    ({"price": "ten"}, "price_invalid"),
    ({"currency": "euro"}, "currency_invalid"),
    ({"latitude": 46.77, "longitude": None}, "coordinates_invalid"),
    ({"latitude": 91, "longitude": 23.6}, "coordinates_invalid"),
    ({"lead_time_days": -1}, "lead_time_invalid"),
    ({"languages": ["romanian"]}, "language_invalid"),
    ({"teacher": "x" * 121}, "teacher_too_long"),
])
def test_an_offer_with_a_bad_field_is_refused_with_its_code(fields, code) -> None:
    values = {"category": "catering", "country": "RO", "city": "Cluj-Napoca", "region": None,
              "price_kind": "cost_only", "price": "150", **fields}
    with refused(code):
        store.check_offer_fields(values)


def test_an_offers_fields_are_kept_as_given(db) -> None:
    with session_scope(db) as session:
        provider = a_provider(session)
        member = a_member(session, provider.id)
        offer = an_offer(session, provider.id, member, "draft", category="logo_branding", country="el",
                         city=None, region=None, remote=True, price_kind="fixed", price="49,90",
                         teacher="Maria Pop", latitude="46.77", longitude=23.59, languages=["RO", "en", "ro"])
        assert (offer.country, offer.remote, offer.city, offer.price_cents, offer.currency) == ("EL", True, None,
                                                                                                4990, "EUR")
        assert (offer.latitude, offer.longitude, offer.languages, offer.teacher) == (46.77, 23.59, ["ro", "en"],
                                                                                      "Maria Pop")
        store.edit_offer(session, offer.id, member, price_kind="quote", now=NOW)  # the price goes with the kind
        assert (offer.price_kind, offer.price_cents, offer.currency) == ("quote", None, None)
        with refused("title_empty"):
            store.create_offer(session, provider.id, member, language="ro", title=" ", now=NOW,
                               category="catering", country="RO", city="Cluj", price_kind="free")
        with refused("language_invalid"):
            store.set_text(session, offer.id, member, "it", "Catering", now=NOW)
        with pytest.raises(TypeError, match="unknown offer fields: colour"):
            store.edit_offer(session, offer.id, member, colour="red", now=NOW)


def test_an_offer_is_edited_as_a_draft_and_reviewed_again_after_a_pause(db) -> None:
    with session_scope(db) as session:
        provider = a_provider(session)
        member = a_member(session, provider.id)
        offer = an_offer(session, provider.id, member, "draft")
        store.set_text(session, offer.id, member, "en", "Event catering", "Cold and hot platters.", now=NOW)
        store.set_text(session, offer.id, member, "ro", "Catering pentru evenimente corporate", now=NOW)
        assert sorted((t.language, t.title) for t in offer.texts) == [
            ("en", "Event catering"), ("ro", "Catering pentru evenimente corporate")]
        assert store.remove_text(session, offer.id, member, "en", now=NOW) is True
        assert store.remove_text(session, offer.id, member, "de", now=NOW) is False
        with refused("text_last"):
            store.remove_text(session, offer.id, member, "ro", now=NOW)
        skills = store.set_skills(session, offer.id, member, [(SKILL, "prepare cold dishes"), (SKILL, "again")],
                                  now=NOW)
        assert [(s.uri, s.label) for s in skills] == [(SKILL, "prepare cold dishes")]
        assert store.set_skills(session, offer.id, member, [(SKILL, "prepare cold dishes")], now=NOW)[0].uri == SKILL
        with refused("skill_invalid"):
            store.set_skills(session, offer.id, member, [("http://example.org/skill", "cooking")], now=NOW)
        for move in ("submit", "approve", "pause"):
            if move == "approve":
                store.approve_offer(session, offer.id, "admin", now=NOW)
            else:
                getattr(store, f"{move}_offer")(session, offer.id, member, now=NOW)
        store.set_unavailable(session, offer.id, member, [(date(2027, 4, 14), date(2027, 4, 22), "Paște")], now=NOW)
        assert offer.state == "paused"  # the calendar is no content to review
        store.edit_offer(session, offer.id, member, lead_time_days=5, now=NOW + timedelta(hours=1))
        assert (offer.state, offer.lead_time_days, offer.updated_at) == ("draft", 5, NOW + timedelta(hours=1))
        for state in ("pending", "published", "archived"):
            other = an_offer(session, provider.id, member, state)
            with refused("offer_not_editable"):
                store.edit_offer(session, other.id, member, city="Turda", now=NOW)
            with refused("offer_not_editable"):
                store.set_text(session, other.id, member, "en", "Catering", now=NOW)
            assert (other.state, other.city) == (state, "Cluj-Napoca")
        published = an_offer(session, provider.id, member, "published")
        store.set_unavailable(session, published.id, member, [(date(2027, 7, 1), date(2027, 8, 31))], now=NOW)
        assert published.state == "published"
        with refused("period_invalid"):
            store.set_unavailable(session, published.id, member, [(date(2027, 8, 31), date(2027, 7, 1))], now=NOW)
        with refused("offer_not_editable"):
            store.set_unavailable(session, other.id, member, [], now=NOW)  # the archived one


# -- what the search reads ------------------------------------------------------------------------------------
def test_cards_are_the_published_offers_of_active_providers(db) -> None:
    with session_scope(db) as session:
        school, closed = a_provider(session), a_provider(session, "Closed school", "DE", "Köln")
        member, closed_member = a_member(session, school.id), a_member(session, closed.id)
        shown = an_offer(session, school.id, member, "published", latitude=46.77, longitude=23.59)
        store.set_unavailable(session, shown.id, member, [(date(2027, 7, 1), date(2027, 8, 31)),
                                                          (date(2026, 12, 21), date(2027, 1, 6), "Crăciun")],
                              now=NOW)
        for state in ("draft", "pending", "paused", "archived"):
            an_offer(session, school.id, member, state)
        an_offer(session, closed.id, closed_member, "published", country="DE", city="Köln")
        store.set_provider_active(session, closed.id, False)
        assert store.cards(session, "fr") == [OfferCard(
            shown.id, "catering", "Catering pentru evenimente", "RO", "Nord-Vest", "Cluj-Napoca", False, 46.77,
            23.59, ("ro", "en"), ((date(2026, 12, 21), date(2027, 1, 6)), (date(2027, 7, 1), date(2027, 8, 31))),
            "Colegiul Tehnic Napoca")]
        english = an_offer(session, school.id, member, "draft")
        store.set_text(session, english.id, member, "en", "Event catering", now=NOW)
        store.submit_offer(session, english.id, member, now=NOW)
        store.approve_offer(session, english.id, "admin", now=NOW)
        titles = {c.id: c.title for c in store.cards(session, "de")}
        assert titles == {shown.id: "Catering pentru evenimente", english.id: "Event catering"}  # English first
        assert {c.id: c.title for c in store.cards(session, "ro")}[english.id] == "Catering pentru evenimente"


# -- requests -------------------------------------------------------------------------------------------------
REQUEST_RESULTS = {  # state -> move -> the state it leads to; every other pair is refused
    "requested": {"accept": "accepted", "decline": "declined", "offer": "offered", "cancel": "cancelled"},
    "accepted": {"decline": "declined", "offer": "offered", "confirm": "confirmed", "cancel": "cancelled"},
    "declined": {},
    "offered": {"decline": "declined", "confirm": "confirmed", "cancel": "cancelled"},
    "confirmed": {"cancel": "cancelled", "complete": "completed"},
    "cancelled": {},
    "completed": {"complete": "completed"},  # the other side's tap: nothing changes
    "expired": {},
}


def make_move(session, row: Request, move: str, sender: str, when: datetime = DUE) -> Request:
    if move == "offer":
        return rq.offer_price(session, row.id, sender, price="700", day=DUE.date(), now=when)
    return getattr(rq, f"{move}_request")(session, row.id, sender, now=when)


def test_every_request_move_from_every_state_by_the_right_party(db) -> None:
    with session_scope(db) as session:
        provider = a_provider(session)
        member = a_member(session, provider.id)
        offer = an_offer(session, provider.id, member)
        results = {}
        for state in rq.STATES:
            for move in ("accept", "decline", "offer", "confirm", "cancel", "complete"):
                row = request_in(session, offer, member, state)
                events = len(rq.history(session, row.id, member))
                sender = member if move in ("accept", "decline", "offer") else row.sender_id
                try:
                    make_move(session, row, move, sender)
                    results[(state, move)] = row.state
                except MarketplaceError as error:
                    assert (error.code, error.params, row.state) == ("transition_forbidden",
                                                                     {"state": state, "move": move}, state)
                    results[(state, move)] = None
                moved = results[(state, move)] is not None and state != "completed"
                assert len(rq.history(session, row.id, row.sender_id)) == events + moved
        assert results == {(s, m): REQUEST_RESULTS[s].get(m) for s, m in results}


def test_each_move_is_the_right_partys_and_strangers_see_nothing(db) -> None:
    with session_scope(db) as session:
        provider = a_provider(session)
        member = a_member(session, provider.id)
        offer = an_offer(session, provider.id, member)
        stranger = a_member(session, a_provider(session, "Another school").id)
        for move, wrong in (("accept", "sme"), ("decline", "sme"), ("offer", "sme"), ("confirm", "provider"),
                            ("cancel", "provider")):
            row = request_in(session, offer, member, "offered" if move == "confirm" else "requested")
            with refused("not_allowed"):
                make_move(session, row, move, row.sender_id if wrong == "sme" else member)
            with refused("request_not_found"):
                make_move(session, row, move, stranger)
            assert row.state in ("requested", "offered")
        assert rq.get_request(session, row.id, stranger) is None and rq.get_request(session, row.id, member) is row
        with refused("request_not_found"):
            rq.history(session, row.id, stranger)
        with refused("not_member"):
            rq.provider_requests(session, provider.id, stranger)
        assert [r.id for r in rq.provider_requests(session, provider.id, member, ("requested",))] == [
            r.id for r in session.execute(select(Request).where(Request.state == "requested")
                                          .order_by(Request.id)).scalars()]


def test_a_request_from_brief_to_ratings_with_every_step_recorded(db) -> None:
    with session_scope(db) as session:
        provider = a_provider(session)
        member = a_member(session, provider.id)
        offer = an_offer(session, provider.id, member)
        sme = user()
        row = a_request(session, offer.id, sme)
        assert (row.state, row.quantity, row.budget_cents, row.currency, row.contact) == (
            "requested", 40, 80000, "EUR", "+40 712 345 678")
        rq.offer_price(session, row.id, member, price=720.5, day=DUE.date(), now=NOW + timedelta(hours=3),
                       note="Include și băuturile.")
        assert (row.offered_price_cents, row.offered_currency, row.offered_date) == (72050, "EUR", DUE.date())
        rq.confirm_request(session, row.id, sme, now=NOW + timedelta(days=1))
        with refused("not_due"):
            rq.complete_request(session, row.id, member, now=DUE - timedelta(days=1))
        rq.complete_request(session, row.id, member, now=DUE)
        rq.complete_request(session, row.id, sme, now=DUE + timedelta(hours=1))  # the other side's tap
        assert (row.created_at, row.offered_at, row.confirmed_at, row.completed_at) == (
            NOW, NOW + timedelta(hours=3), NOW + timedelta(days=1), DUE)
        assert row.accepted_at is None and row.updated_at == DUE
        assert [(e.from_state, e.to_state, e.sender_id, e.at, e.note) for e in rq.history(session, row.id, sme)] == [
            (None, "requested", sme, NOW, None),
            ("requested", "offered", member, NOW + timedelta(hours=3), "Include și băuturile."),
            ("offered", "confirmed", sme, NOW + timedelta(days=1), None),
            ("confirmed", "completed", member, DUE, None)]
        assert [r.id for r in rq.requests_of(session, sme)] == [row.id]


def test_open_requests_expire_after_their_due_date_or_two_weeks_untouched(db) -> None:
    with session_scope(db) as session:
        provider = a_provider(session)
        member = a_member(session, provider.id)
        offer = an_offer(session, provider.id, member)
        late = a_request(session, offer.id, wanted_by=TODAY + timedelta(days=3))
        quoted = a_request(session, offer.id, wanted_by=TODAY + timedelta(days=3))
        rq.offer_price(session, quoted.id, member, price=90, day=TODAY + timedelta(days=6), now=NOW)
        agreed = request_in(session, offer, member, "confirmed")
        slow = a_request(session, offer.id, wanted_by=TODAY + timedelta(days=60))
        assert rq.expire_requests(session, NOW + timedelta(days=3)) == []
        assert rq.expire_requests(session, NOW + timedelta(days=4)) == [late]  # the provider's later date holds
        assert rq.expire_requests(session, NOW + timedelta(days=7)) == [quoted]
        assert [r.id for r in rq.expire_requests(session, NOW + timedelta(days=14, minutes=1))] == [slow.id]
        assert (agreed.state, late.expired_at, slow.state) == ("confirmed", NOW + timedelta(days=4), "expired")
        assert rq.history(session, late.id, late.sender_id)[-1].sender_id is None


@pytest.mark.parametrize(("fields", "code", "params"), [
    ({"what": "   "}, "what_empty", {}),
    ({"what": "x" * 1001}, "what_too_long", {"limit": 1000}),
    ({"quantity": 0}, "quantity_invalid", {"limit": 100000}),
    ({"quantity": "douăzeci"}, "quantity_invalid", {"limit": 100000}),
    ({"wanted_by": TODAY - timedelta(days=1)}, "date_past", {"date": TODAY - timedelta(days=1), "today": TODAY}),
    ({"wanted_by": TODAY + timedelta(days=1)}, "date_too_soon", {"earliest": TODAY + timedelta(days=2),
                                                                  "lead_time_days": 2}),
    ({"wanted_by": "next week"}, "date_invalid", {}),
    ({"budget": -50}, "budget_negative", {}),
    ({"budget": "a lot"}, "budget_invalid", {}),
    ({"contact_preference": "fax"}, "contact_invalid", {"preference": "fax"}),
    ({"contact_preference": "email", "contact": "ion.popescu"}, "email_invalid", {}),
    ({"contact_preference": "phone", "contact": "0712"}, "phone_invalid", {}),
    ({"language": "it"}, "language_invalid", {"language": "it"}),
])
def test_a_bad_brief_is_refused_with_a_code_to_reask_and_nothing_is_stored(db, fields, code, params) -> None:
    with session_scope(db) as session:
        provider = a_provider(session)
        offer = an_offer(session, provider.id, a_member(session, provider.id))
        with pytest.raises(MarketplaceError) as refusal:
            a_request(session, offer.id, **fields)
        assert (refusal.value.code, refusal.value.params) == (code, params)
        assert isinstance(refusal.value, ValueError)
        assert session.execute(select(func.count()).select_from(Request)).scalar_one() == 0
        assert session.execute(select(func.count()).select_from(RequestEvent)).scalar_one() == 0


def test_the_briefs_answers_are_checked_one_at_a_time() -> None:
    assert rq.check_what("  logo pentru brutărie ") == "logo pentru brutărie"
    assert rq.check_quantity(" 12 ") == 12 and rq.check_budget("49,90") == 4990 and rq.check_budget(None) is None
    assert rq.check_wanted_by(TODAY, TODAY) == TODAY
    assert rq.check_contact("email", " ana@brutaria.example ") == ("email", "ana@brutaria.example")
    assert rq.check_contact("chat", "ignored") == ("chat", None)
    with refused("quantity_invalid"):
        rq.check_quantity(True)
    with pytest.raises(ValueError, match="unknown marketplace error code"):
        MarketplaceError("oops")


def test_the_rate_limit_own_offers_and_one_open_request_per_offer(db) -> None:
    with session_scope(db) as session:
        provider = a_provider(session)
        member = a_member(session, provider.id)
        offers = [an_offer(session, provider.id, member) for _ in range(6)]
        sme = user()
        first = a_request(session, offers[0].id, sme)
        with refused("already_requested"):
            a_request(session, offers[0].id, sme)
        rq.cancel_request(session, first.id, sme, now=NOW)
        for offer in offers[1:5]:
            rq.request_offer(session, offer.id, sme, language="ro", what="Tort aniversar", wanted_by=DUE.date(),
                             now=NOW + timedelta(hours=1))
        with pytest.raises(MarketplaceError) as limited:  # the cancelled one counts too
            a_request(session, offers[5].id, sme)
        assert (limited.value.code, limited.value.params) == ("rate_limited", {"limit": 5,
                                                                               "retry_at": NOW + timedelta(days=1)})
        assert rq.MAX_REQUESTS_PER_DAY == 5
        rq.request_offer(session, offers[5].id, sme, language="ro", what="Tort aniversar", wanted_by=DUE.date(),
                         now=NOW + timedelta(days=1))  # 24 hours after the first
        assert a_request(session, offers[5].id).state == "requested"  # another SME is not limited
        with refused("own_offer"):
            a_request(session, offers[1].id, member)
        with refused("offer_unavailable"):
            a_request(session, an_offer(session, provider.id, member, "paused").id)
        with refused("offer_unavailable"):
            a_request(session, 999)


def test_contact_data_is_shared_only_once_the_request_is_confirmed(db) -> None:
    with session_scope(db) as session:
        provider = a_provider(session)
        member = a_member(session, provider.id)
        offer = an_offer(session, provider.id, member)
        for state in ("requested", "accepted", "offered", "declined", "cancelled", "expired"):
            row = request_in(session, offer, member, state)
            assert rq.contact(session, row.id, row.sender_id) is None
            assert rq.contact(session, row.id, member) is None
        row = request_in(session, offer, member, "confirmed")
        assert rq.contact(session, row.id, row.sender_id) == rq.Contact(
            "email", "Colegiul Tehnic Napoca", "vet2b@colegiul-napoca.example", None, "Cluj-Napoca")
        assert rq.contact(session, row.id, member) == rq.Contact("phone", None, None, "+40 712 345 678", None)
        by_chat = a_request(session, offer.id, contact_preference="chat", contact=None)
        rq.accept_request(session, by_chat.id, member, now=NOW)
        rq.confirm_request(session, by_chat.id, by_chat.sender_id, now=NOW)
        assert rq.contact(session, by_chat.id, member) == rq.Contact("chat", None, None, None, None)
        with refused("request_not_found"):
            rq.contact(session, row.id, user())


def test_each_side_rates_a_completed_request_once(db) -> None:
    with session_scope(db) as session:
        provider = a_provider(session)
        member, colleague = a_member(session, provider.id), a_member(session, provider.id)
        offer = an_offer(session, provider.id, member)
        pending = request_in(session, offer, member, "confirmed")
        with refused("not_completed"):
            rq.rate(session, pending.id, pending.sender_id, 5, now=DUE)
        row = request_in(session, offer, member, "completed")
        for stars in (0, 6, True, "5"):
            with refused("stars_invalid"):
                rq.rate(session, row.id, row.sender_id, stars, now=DUE)
        with refused("comment_too_long"):
            rq.rate(session, row.id, row.sender_id, 4, "x" * 501, now=DUE)
        mine = rq.rate(session, row.id, row.sender_id, 5, " Platouri excelente! ", now=DUE)
        assert (mine.role, mine.stars, mine.comment) == ("sme", 5, "Platouri excelente!")
        with refused("already_rated"):
            rq.rate(session, row.id, row.sender_id, 1, now=DUE)
        assert rq.rate(session, row.id, member, 4, now=DUE).role == "provider"
        with refused("already_rated"):  # once per side: the provider has rated
            rq.rate(session, row.id, colleague, 2, now=DUE)
        with refused("request_not_found"):
            rq.rate(session, row.id, user(), 3, now=DUE)


# -- reports and moderation -----------------------------------------------------------------------------------
def test_reports_and_pending_offers_make_the_moderation_queue(db) -> None:
    with session_scope(db) as session:
        provider = a_provider(session)
        member = a_member(session, provider.id)
        reported = an_offer(session, provider.id, member)
        waiting = an_offer(session, provider.id, member, "draft")
        store.submit_offer(session, waiting.id, member, now=NOW + timedelta(hours=2))
        an_offer(session, provider.id, member)  # published, not reported: not in the queue
        ana, ion = user(), user()
        first = mod.report_offer(session, reported.id, ana, " Not a school service ", now=NOW + timedelta(hours=1))
        assert mod.report_offer(session, reported.id, ana, "again", now=NOW + timedelta(hours=3)).id == first.id
        mod.report_offer(session, reported.id, ion, "Asks for payment upfront", now=NOW + timedelta(hours=4))
        with refused("reason_empty"):
            mod.report_offer(session, reported.id, ion, "  ", now=NOW)
        with refused("offer_unavailable"):
            mod.report_offer(session, an_offer(session, provider.id, member, "draft").id, ion, "spam", now=NOW)
        assert mod.moderation_queue(session) == [
            mod.ModerationItem(reported.id, "published", "catering", "Catering pentru evenimente",
                               "Colegiul Tehnic Napoca", False, 2,
                               ("Not a school service", "Asks for payment upfront"), NOW + timedelta(hours=1)),
            mod.ModerationItem(waiting.id, "pending", "catering", "Catering pentru evenimente",
                               "Colegiul Tehnic Napoca", True, 0, (), NOW + timedelta(hours=2))]
        assert mod.resolve_reports(session, reported.id, "moderator", now=NOW + timedelta(days=1)) == 2
        store.approve_offer(session, waiting.id, "moderator", now=NOW + timedelta(days=1))
        assert mod.moderation_queue(session) == []
        assert first.resolved_by == "moderator"


# -- privacy --------------------------------------------------------------------------------------------------
def a_market(session) -> tuple[str, str, str, int]:
    """A provider member, two SMEs, and a rated, reported request of the first SME: ``(member, sme, other_sme,
    request id)``."""
    provider = a_provider(session)
    member = a_member(session, provider.id)
    offer = an_offer(session, provider.id, member)
    rows = [request_in(session, offer, member, "completed") for _ in range(2)]
    for row in rows:
        rq.rate(session, row.id, row.sender_id, 5, "Mulțumim!", now=DUE)
        rq.rate(session, row.id, member, 4, now=DUE)
        mod.report_offer(session, offer.id, row.sender_id, "Preț neclar", now=NOW)
    store.redeem_code(session, "WRONGONE", rows[0].sender_id, NOW)
    return member, rows[0].sender_id, rows[1].sender_id, rows[0].id


def erased(sender: str, db, tracker) -> dict[str, int]:
    """Erase the user; the marketplace's rows deleted per table (nothing of theirs may be left)."""
    counts = erase_user(sender, db, tracker)
    assert remaining_rows(sender, db, tracker) == 0
    return {table: count for table, count in counts.items() if table.startswith("marketplace_")}


def test_erasing_an_sme_removes_their_requests_with_both_sides_rows_about_them(db, tmp_path) -> None:
    tracker = make_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    with session_scope(db) as session:
        member, sme, other_sme, request_id = a_market(session)
    exported = export_user(sme, db, tracker)
    assert [r["what"] for r in exported["marketplace_requests"]] == [
        "Platouri pentru 40 de persoane, inaugurarea magazinului"]
    assert [(r["role"], r["stars"]) for r in exported["marketplace_ratings"]] == [("sme", 5)]
    assert [r["to_state"] for r in exported["marketplace_request_events"]] == ["requested", "confirmed",
                                                                               "completed"]
    assert len(exported["marketplace_offer_reports"]) == len(exported["marketplace_code_attempts"]) == 1
    assert erased(sme, db, tracker) == {
        "marketplace_ratings": 1, "marketplace_request_events": 3, "marketplace_requests": 1,
        "marketplace_offer_reports": 1, "marketplace_link_codes": 0, "marketplace_code_attempts": 1,
        "marketplace_provider_members": 0}
    with session_scope(db) as session:
        assert session.get(Request, request_id) is None
        # the provider's event and rating of that request went with it (cascade); the other SME's stay
        assert session.execute(select(func.count()).select_from(RequestEvent)
                               .where(RequestEvent.request_id == request_id)).scalar_one() == 0
        assert [(r.role, r.sender_id) for r in session.execute(select(Rating).order_by(Rating.id)).scalars()] == [
            ("sme", other_sme), ("provider", member)]
        assert row_counts(other_sme, db, tracker)["marketplace_requests"] == 1
        assert len(store.memberships(session, member)) == 1
    tracker.dispose()


def test_erasing_a_provider_member_keeps_the_organisations_offers_and_the_smes_requests(db, tmp_path) -> None:
    tracker = make_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    with session_scope(db) as session:
        member, sme, other_sme, request_id = a_market(session)
        provider_id = store.memberships(session, member)[0].provider_id
    exported = export_user(member, db, tracker)
    assert len(exported["marketplace_provider_members"]) == len(exported["marketplace_link_codes"]) == 1
    assert exported["marketplace_link_codes"][0]["used_by"] == member
    assert erased(member, db, tracker) == {
        "marketplace_ratings": 2, "marketplace_request_events": 2, "marketplace_requests": 0,
        "marketplace_offer_reports": 0, "marketplace_link_codes": 1, "marketplace_code_attempts": 0,
        "marketplace_provider_members": 1}
    with session_scope(db) as session:
        assert store.members(session, provider_id) == []
        assert [o.state for o in session.execute(select(Offer)).scalars()] == ["published"]
        row = session.get(Request, request_id)
        assert (row.state, row.offered_price_cents, row.completed_at) == ("completed", 75000, DUE)
        assert [(e.to_state, e.sender_id) for e in rq.history(session, request_id, sme)] == [
            ("requested", sme), ("confirmed", sme), ("completed", sme)]  # the offer's event was the member's
        assert [(r.role, r.sender_id) for r in session.execute(select(Rating).order_by(Rating.id)).scalars()] == [
            ("sme", sme), ("sme", other_sme)]
        assert session.execute(select(func.count()).select_from(OfferReport)).scalar_one() == 2
    tracker.dispose()
