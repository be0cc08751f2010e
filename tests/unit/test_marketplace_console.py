"""The console's marketplace pages with Flask's test client: every page renders with data and escapes it, roles
(reviewers read, agents see nothing, only admins approve, reject, archive, create and issue codes), CSRF, 404s,
a link code shown once that then redeems, a new offer entered for a provider (with its checks' messages), the
SME's contact data kept out of the list, and the analytics on requests with known timestamps."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from admin.security import create_user
from lmi4vet.db.engine import session_scope
from lmi4vet.marketplace import analytics, console, moderation, store
from lmi4vet.marketplace import quote_requests as rq
from lmi4vet.marketplace.checks import MarketplaceError
from lmi4vet.marketplace.models import Offer, Provider
from tests.unit.test_admin import PASSWORD, login, make_console, token

T = datetime(2026, 12, 4, 9, 0)  # when the fixture's requests are made
DUE = T + timedelta(days=10)
SKILL = "http://data.europa.eu/esco/skill/0b1b0d1e-0000-4000-8000-000000000001"  # made-up, ESCO-shaped
PHONE = "+40 712 345 678"
EMAIL = "owner@bakery-sme.example"


def populate(session) -> dict[str, int]:
    """Two providers (one with a member each), four offers (published, published, published, pending; one
    reported) and six requests for a quote whose provider moves are at known times after ``T``:

    ====  =======================  ========  =====================================  ================
    req   offer (category, land)   answered  first provider move                    state
    ====  =======================  ========  =====================================  ================
    r1    catering RO              yes       accept +2 h                            confirmed (phone)
    r2    catering RO              yes       decline +6 h                           declined
    r3    websites ES              yes       offer +1 h, confirmed, completed       completed, rated
    r4    websites ES              no        -                                      requested (email)
    r5    websites ES              no        - (the SME cancels)                    cancelled
    r6    catering ES              yes       accept +30 min, decline +3 h           declined
    ====  =======================  ========  =====================================  ================
    """
    napoca = store.create_provider(session, name="Colegiul Tehnic <Napoca>", country="RO", city="Cluj-Napoca",
                                   contact_email="vet2b@napoca.example", now=T - timedelta(days=30))
    valencia = store.create_provider(session, name="CIPFP Valencia", country="ES", city="Valencia",
                                     contact_email="vet2b@cipfp.example", now=T - timedelta(days=30))
    members = {}
    for provider, sender in ((napoca, "member-napoca-0001"), (valencia, "member-valencia-001")):
        code = store.issue_code(session, provider.id, "ada", T - timedelta(days=20))
        assert store.redeem_code(session, code, sender, T - timedelta(days=20)).error is None
        members[provider.id] = sender

    def offer(provider: Provider, title: str, category: str, city: str, publish: bool = True,
              skills: tuple = (), periods: tuple = ()) -> Offer:
        member = members[provider.id]
        row = store.create_offer(session, provider.id, member, language="en", title=title,
                                 description="Learners of the second year, supervised.", category=category,
                                 country=provider.country, city=city, price_kind="cost_only", price="150",
                                 lead_time_days=2, teacher="Ana Pop", now=T - timedelta(days=10))
        store.set_skills(session, row.id, member, skills, now=T - timedelta(days=10))
        store.set_unavailable(session, row.id, member, periods, now=T - timedelta(days=10))
        store.submit_offer(session, row.id, member, now=T - timedelta(days=9))
        if publish:
            store.approve_offer(session, row.id, "ada", now=T - timedelta(days=8))
        return row

    catering = offer(napoca, "Catering for events", "catering", "Cluj-Napoca",
                     skills=((SKILL, "prepare cold dishes"),),
                     periods=((date(2027, 7, 1), date(2027, 8, 31), "summer holidays"),))
    websites = offer(valencia, "Websites for shops", "websites", "Valencia")
    paella = offer(valencia, "Paella for 50", "catering", "Valencia")
    pending = offer(napoca, "Cakes <b>and</b> pastries", "bakery", "Cluj-Napoca", publish=False)
    moderation.report_offer(session, catering.id, "reporter-0001", "The photos are not theirs", now=T)

    def ask(target: Offer, sme: str, **contact: str):
        return rq.request_offer(session, target.id, sme, language="en", what="Platters for 40 people",
                                wanted_by=DUE.date(), quantity=40, now=T, **contact)

    ro, es = members[napoca.id], members[valencia.id]
    r1 = ask(catering, "sme-0001", contact_preference="phone", contact=PHONE)
    rq.accept_request(session, r1.id, ro, now=T + timedelta(hours=2))
    rq.confirm_request(session, r1.id, "sme-0001", now=T + timedelta(hours=3))
    r2 = ask(catering, "sme-0002")
    rq.decline_request(session, r2.id, ro, now=T + timedelta(hours=6), note="Fully booked")
    r3 = ask(websites, "sme-0003")
    rq.offer_price(session, r3.id, es, price="700", day=DUE.date(), now=T + timedelta(hours=1))
    rq.confirm_request(session, r3.id, "sme-0003", now=T + timedelta(hours=4))
    rq.complete_request(session, r3.id, es, now=DUE)
    rq.rate(session, r3.id, "sme-0003", 5, "Quick and <clean>", now=DUE)
    rq.rate(session, r3.id, es, 4, now=DUE)
    r4 = ask(websites, "sme-0004", contact_preference="email", contact=EMAIL)
    r5 = ask(websites, "sme-0005")
    rq.cancel_request(session, r5.id, "sme-0005", now=T + timedelta(hours=1))
    r6 = ask(paella, "sme-0006")
    rq.accept_request(session, r6.id, es, now=T + timedelta(minutes=30))
    rq.decline_request(session, r6.id, es, now=T + timedelta(hours=3))
    return {"napoca": napoca.id, "valencia": valencia.id, "catering": catering.id, "websites": websites.id,
            "paella": paella.id, "pending": pending.id, "r1": r1.id, "r2": r2.id, "r3": r3.id, "r4": r4.id,
            "r5": r5.id, "r6": r6.id}


@pytest.fixture
def site(tmp_path):
    app, engine, _, _ = make_console(tmp_path)
    with session_scope(engine) as session:
        create_user(session, "agnes", PASSWORD, "agent", deployment="default")
        ids = populate(session)
    return app, engine, ids


def client_for(app, username: str):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def post(client, path: str, data: dict | None = None):
    return client.post(path, data={**(data or {}), "csrf_token": token(client, "/marketplace/providers")})


def text(response) -> str:
    return response.get_data(as_text=True)


def pages(ids: dict[str, int]) -> list[str]:
    return ["/marketplace/providers", f"/marketplace/providers/{ids['napoca']}", "/marketplace/offers",
            f"/marketplace/offers/{ids['catering']}", "/marketplace/moderation", "/marketplace/requests",
            f"/marketplace/requests/{ids['r3']}", "/marketplace/analytics"]


# -- access ---------------------------------------------------------------------------------------------------
def test_staff_read_every_page_agents_and_strangers_do_not(site) -> None:
    app, _, ids = site
    for username in ("ada", "rev"):
        client = client_for(app, username)
        for path in pages(ids):
            assert client.get(path).status_code == 200, (username, path)
    agnes = client_for(app, "agnes")
    assert all(agnes.get(path).status_code == 403 for path in pages(ids))
    assert 'id="nav-marketplace"' not in text(agnes.get("/tickets"))
    anonymous = app.test_client()
    assert anonymous.get("/marketplace/offers").headers["Location"].startswith("/login?next=/marketplace/offers")
    assert client_for(app, "rev").get("/marketplace/").headers["Location"] == "/marketplace/providers"


def test_a_missing_id_is_a_404(site) -> None:
    app, _, _ = site
    ada = client_for(app, "ada")
    for path in ("/marketplace/providers/999", "/marketplace/offers/999", "/marketplace/requests/999"):
        assert ada.get(path).status_code == 404, path
    for path in ("/marketplace/offers/999/approve", "/marketplace/offers/999/archive",
                 "/marketplace/providers/999/code", "/marketplace/providers/999/active"):
        assert post(ada, path).status_code == 404, path


def test_a_post_without_the_csrf_token_is_refused(site) -> None:
    app, engine, ids = site
    ada = client_for(app, "ada")
    assert ada.post(f"/marketplace/offers/{ids['pending']}/approve").status_code == 400
    with session_scope(engine) as session:
        assert session.get(Offer, ids["pending"]).state == "pending"


def test_a_reviewer_cannot_approve_an_admin_can(site) -> None:
    app, engine, ids = site
    rev, ada = client_for(app, "rev"), client_for(app, "ada")
    offer_page = f"/marketplace/offers/{ids['pending']}"
    assert 'class="approve"' not in text(rev.get(offer_page)) and 'class="approve"' in text(ada.get(offer_page))
    for action in ("approve", "reject", "archive", "resolve"):
        assert post(rev, f"{offer_page}/{action}").status_code == 403, action
    assert post(rev, f"/marketplace/providers/{ids['napoca']}/code").status_code == 403
    assert post(rev, "/marketplace/providers/new", {"name": "X"}).status_code == 403
    assert rev.get("/marketplace/offers/new").status_code == 403
    with session_scope(engine) as session:
        assert session.get(Offer, ids["pending"]).state == "pending"
    response = post(ada, f"{offer_page}/approve", {"back": "moderation"})
    assert response.headers["Location"] == "/marketplace/moderation"
    assert "Approved: the offer is published." in text(ada.get("/marketplace/moderation"))
    with session_scope(engine) as session:
        offer = session.get(Offer, ids["pending"])
        assert (offer.state, offer.reviewed_by) == ("published", "ada")


def test_reject_with_a_note_archive_and_a_refused_move_is_a_message(site) -> None:
    app, engine, ids = site
    ada = client_for(app, "ada")
    path = f"/marketplace/offers/{ids['pending']}"
    assert post(ada, f"{path}/reject", {"note": "Add the <price> per kilo"}).headers["Location"] == path
    page = text(ada.get(path))
    assert "Rejected: the offer is a draft again" in page
    assert '<td id="review-note">Add the &lt;price&gt; per kilo</td>' in page
    post(ada, f"{path}/approve")  # a draft cannot be approved
    assert "Not done: a draft offer cannot be moved that way (approve)." in text(ada.get(path))
    post(ada, f"{path}/archive")
    with session_scope(engine) as session:
        offer = session.get(Offer, ids["pending"])
        assert (offer.state, offer.review_note) == ("archived", None)


# -- providers ------------------------------------------------------------------------------------------------
def test_the_providers_list_counts_members_and_offers_and_escapes_names(site) -> None:
    app, _, ids = site
    page = text(client_for(app, "rev").get("/marketplace/providers"))
    napoca = page.split(f'data-id="{ids["napoca"]}"')[1].split("</tr>")[0]
    assert "Colegiul Tehnic &lt;Napoca&gt;" in napoca and "<Napoca>" not in page
    assert "Romania" in napoca and "Cluj-Napoca" in napoca and ">active<" in napoca
    assert '<td class="members">1</td>' in napoca
    assert re.findall(r'<span class="status (\w+)">\w+ (\d+)</span>', napoca) == [("pending", "1"),
                                                                                   ("published", "1")]
    valencia = page.split(f'data-id="{ids["valencia"]}"')[1].split("</tr>")[0]
    assert re.findall(r'<span class="status (\w+)">\w+ (\d+)</span>', valencia) == [("published", "2")]
    assert 'id="provider-form"' not in page  # a reviewer creates nothing


def test_an_admin_creates_a_provider_and_a_bad_field_keeps_the_form(site) -> None:
    app, engine, _ = site
    ada = client_for(app, "ada")
    form = {"name": "IES Politécnico", "country": "es", "city": "Vigo", "contact_email": "not an email"}
    response = post(ada, "/marketplace/providers/new", form)
    page = text(response)
    assert response.status_code == 400
    assert "Not saved: the contact email is not an email address." in page and 'value="IES Politécnico"' in page
    response = post(ada, "/marketplace/providers/new", {**form, "country": "XX", "contact_email": "a@b.example"})
    assert "Not saved: &#39;XX&#39; is not a European country code" in text(response)
    response = post(ada, "/marketplace/providers/new", {**form, "contact_email": "vet2b@politecnico.example"})
    assert response.status_code == 302
    with session_scope(engine) as session:
        created = session.execute(select(Provider).where(Provider.name == "IES Politécnico")).scalar_one()
        assert (created.country, created.city, created.active) == ("ES", "Vigo", True)
        assert response.headers["Location"] == f"/marketplace/providers/{created.id}"


def test_a_link_code_is_shown_once_and_redeems(site) -> None:
    app, engine, ids = site
    ada = client_for(app, "ada")
    path = f"/marketplace/providers/{ids['valencia']}"
    before = datetime.utcnow()
    page = text(post(ada, f"{path}/code"))
    code = re.search(r'<p class="code" id="code">([A-Z2-9]{8})</p>', page)[1]
    assert not set(code) & set("01OIL")
    expires = datetime.strptime(re.search(r'id="code-expires">([\d\- :]+) UTC<', page)[1], "%Y-%m-%d %H:%M")
    assert before + store.CODE_LIFETIME - timedelta(minutes=1) <= expires <= datetime.utcnow() + store.CODE_LIFETIME
    assert "types the code in the chat to link their chat account to the provider" in page
    assert "“I have a provider code”" in page and "“tengo un código de centro”" in page
    again = text(ada.get(path))
    assert code not in again and "waiting to be used" in again
    with session_scope(engine) as session:
        redeemed = store.redeem_code(session, code, "coordinator-new-01", datetime.utcnow())
        assert redeemed.error is None and redeemed.member.provider_id == ids["valencia"]
    after = text(ada.get(path))
    assert "<code>coordinator-new-01</code>" in after  # the members
    assert re.search(r"<td>used [\d\- :]+ by <code>coordinator-</code></td>", after)  # the codes issued


def test_switching_a_provider_off_and_removing_a_member(site) -> None:
    app, engine, ids = site
    ada = client_for(app, "ada")
    path = f"/marketplace/providers/{ids['napoca']}"
    post(ada, f"{path}/active", {"active": "0"})
    page = text(ada.get(path))
    assert "Switched off: its offers are hidden" in page and 'value="1"' in page and 'id="new-offer"' not in page
    post(ada, f"{path}/members/remove", {"sender_id": "member-napoca-0001"})
    page = text(ada.get(path))
    assert "Member removed" in page and "Nobody is linked yet" in page
    post(ada, f"{path}/active", {"active": "1"})
    with session_scope(engine) as session:
        assert session.get(Provider, ids["napoca"]).active is True
        assert store.members(session, ids["napoca"]) == []


# -- offers ---------------------------------------------------------------------------------------------------
def test_the_offer_list_filters_by_state_category_and_country(site) -> None:
    app, _, ids = site
    rev = client_for(app, "rev")

    def listed(query: str) -> list[int]:
        page = text(rev.get(f"/marketplace/offers{query}"))
        return [int(i) for i in re.findall(r'class="offer-row \w+" data-id="(\d+)"', page)]

    assert sorted(listed("")) == sorted(ids[k] for k in ("catering", "websites", "paella", "pending"))
    assert listed("?state=pending") == [ids["pending"]]
    assert sorted(listed("?category=catering")) == sorted([ids["catering"], ids["paella"]])
    assert listed("?category=catering&country=ES") == [ids["paella"]]
    assert listed("?state=archived") == []
    assert sorted(listed("?category=nonsense&state=<x>")) == sorted(listed(""))  # unknown filters are dropped
    page = text(rev.get("/marketplace/offers"))
    catering = page.split(f'data-id="{ids["catering"]}"')[1].split("</tr>")[0]
    assert "Catering for events" in catering and "Cost of materials only: 150.00 EUR" in catering
    assert '<span class="badge urgent">1</span>' in catering  # its open report
    assert 'href="/marketplace/requests?offer=' in catering and ">2</a>" in catering
    assert '<optgroup label="Food and catering">' in page


def test_the_offer_page_shows_every_field_text_skill_period_and_report(site) -> None:
    app, _, ids = site
    page = text(client_for(app, "rev").get(f"/marketplace/offers/{ids['catering']}"))
    for expected in ("Catering for events", "Colegiul Tehnic &lt;Napoca&gt;", "Romania (RO)", "Cluj-Napoca",
                     "2 days", "Ana Pop", "Learners of the second year, supervised.", "prepare cold dishes",
                     "2027-07-01 – 2027-08-31: summer holidays", "The photos are not theirs",
                     '<span class="status open">open</span>', "by ada", "declined 1", "confirmed 1"):
        assert expected in page, expected
    assert 'class="approve"' not in page  # a reviewer
    admin_page = text(client_for(app, "ada").get(f"/marketplace/offers/{ids['catering']}"))
    assert 'class="resolve">Resolve 1 report (keep the offer)' in admin_page and 'class="approve"' not in admin_page
    pending = text(client_for(app, "ada").get(f"/marketplace/offers/{ids['pending']}"))
    assert "Cakes &lt;b&gt;and&lt;/b&gt; pastries" in pending and 'class="approve"' in pending


NEW_OFFER = {"language": "es", "title": "Reparación de bicicletas", "description": "En el taller del centro.",
             "category": "vehicles", "country": "", "region": "", "city": "Valencia", "price_kind": "fixed",
             "price": "25,50", "currency": "EUR", "lead_time_days": "3", "teacher": "Luis Gil", "languages": "es, en",
             "skills": f"{SKILL} | repair bicycles\n", "periods": "2027-08-01 – 2027-08-31 agosto\n\n",
             "submit": "review"}


def test_an_admin_enters_an_offer_for_a_provider_into_review(site) -> None:
    app, engine, ids = site
    ada = client_for(app, "ada")
    form_page = text(ada.get(f"/marketplace/offers/new?provider={ids['valencia']}"))
    assert f'<option value="{ids["valencia"]}" selected>' in form_page and 'name="country" value="ES"' in form_page
    assert '<optgroup label="Repairs and maintenance">' in form_page
    response = post(ada, "/marketplace/offers/new", {**NEW_OFFER, "provider_id": ids["valencia"], "country": "ES"})
    assert response.status_code == 302
    offer_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with session_scope(engine) as session:
        offer = session.get(Offer, offer_id)
        assert (offer.provider_id, offer.state, offer.category, offer.country, offer.city, offer.remote) == (
            ids["valencia"], "pending", "vehicles", "ES", "Valencia", False)
        assert (offer.price_kind, offer.price_cents, offer.currency, offer.lead_time_days, offer.teacher,
                offer.languages) == ("fixed", 2550, "EUR", 3, "Luis Gil", ["es", "en"])
        assert [(t.language, t.title) for t in offer.texts] == [("es", "Reparación de bicicletas")]
        assert [(s.uri, s.label) for s in offer.skills] == [(SKILL, "repair bicycles")]
        assert [(p.starts_on, p.ends_on, p.note) for p in offer.unavailable] == [
            (date(2027, 8, 1), date(2027, 8, 31), "agosto")]
        assert offer_id in [item.offer_id for item in moderation.moderation_queue(session)]
    assert "Saved and sent to review" in text(ada.get(f"/marketplace/offers/{offer_id}"))
    draft = post(ada, "/marketplace/offers/new", {**NEW_OFFER, "provider_id": ids["valencia"], "country": "ES",
                                                  "submit": "draft", "price_kind": "quote", "price": "",
                                                  "skills": "", "periods": "", "languages": "", "city": "",
                                                  "remote": "1"})
    with session_scope(engine) as session:
        offer = session.get(Offer, int(draft.headers["Location"].rsplit("/", 1)[1]))
        assert (offer.state, offer.remote, offer.city, offer.languages, offer.price_cents) == (
            "draft", True, None, ["es"], None)


@pytest.mark.parametrize(("changes", "message"), [
    ({"periods": "1 July to 31 August"}, "unavailable periods, line 1: write it as 2026-07-01 – 2026-08-31"),
    ({"periods": "2027-08-31 – 2027-08-01"}, "a period ends before it starts"),
    ({"price": ""}, "a fixed price needs its amount"),
    ({"price_kind": "free"}, "a free offer has no amount"),
    ({"city": "", "region": ""}, "a place is needed: a city or region, or tick remote"),
    ({"title": "  "}, "the title is empty"),
    ({"category": ""}, "choose a category"),
    ({"lead_time_days": "soon"}, "the lead time is a whole number of days from 0 to 365"),
    ({"skills": "http://example.org/skill cooking"}, "&#39;http://example.org/skill&#39; is not an ESCO skill URI"),
    ({"provider_id": ""}, "there is no such provider"),
])
def test_a_refused_offer_says_why_next_to_the_form_and_keeps_it(site, changes, message) -> None:
    app, engine, ids = site
    ada = client_for(app, "ada")
    response = post(ada, "/marketplace/offers/new", {**NEW_OFFER, "provider_id": ids["valencia"], "country": "ES",
                                                     **changes})
    page = text(response)
    assert response.status_code == 400
    assert f'id="form-error" role="alert">Not saved: {message}' in page
    assert 'value="Luis Gil"' in page and "En el taller del centro.</textarea>" in page
    with session_scope(engine) as session:
        assert session.execute(select(Offer).where(Offer.category == "vehicles")).first() is None


def test_the_console_offer_needs_an_admin_an_active_provider_and_known_fields(site) -> None:
    _, engine, ids = site
    fields = {"language": "en", "title": "Bike repairs", "category": "vehicles", "country": "ES", "city": "Valencia",
              "price_kind": "quote", "now": T}
    with session_scope(engine) as session:
        with pytest.raises(MarketplaceError, match=r"^admin_missing$"):
            console.create_offer(session, ids["valencia"], " ", **fields)
        with pytest.raises(MarketplaceError, match=r"^provider_not_found "):
            console.create_offer(session, 999, "ada", **fields)
        with pytest.raises(TypeError, match="unknown offer fields: colour"):
            console.create_offer(session, ids["valencia"], "ada", colour="red", **fields)
        store.set_provider_active(session, ids["valencia"], False)
        with pytest.raises(MarketplaceError, match=r"^provider_inactive$"):
            console.create_offer(session, ids["valencia"], "ada", **fields)


# -- moderation -----------------------------------------------------------------------------------------------
def test_the_moderation_queue_shows_pending_and_reported_offers_and_resolves_reports(site) -> None:
    app, engine, ids = site
    ada = client_for(app, "ada")
    page = text(ada.get("/marketplace/moderation"))
    assert re.findall(r'class="queue-row" data-id="(\d+)"', page) == [str(ids["pending"]), str(ids["catering"])]
    assert '<span class="count" id="queue-size" title="offers waiting">2</span>' in page
    assert "Pending review" in page and "The photos are not theirs" in page and "1 report<" in page
    assert post(ada, f"/marketplace/offers/{ids['catering']}/resolve", {"back": "moderation"}).headers[
        "Location"] == "/marketplace/moderation"
    page = text(ada.get("/marketplace/moderation"))
    assert "Reports resolved: 1; the offer stays as it is." in page
    assert re.findall(r'class="queue-row" data-id="(\d+)"', page) == [str(ids["pending"])]
    with session_scope(engine) as session:
        assert session.get(Offer, ids["catering"]).state == "published"


# -- requests -------------------------------------------------------------------------------------------------
def test_the_request_list_has_states_and_never_the_smes_contact(site) -> None:
    app, _, ids = site
    ada = client_for(app, "ada")
    page = text(ada.get("/marketplace/requests"))
    assert re.findall(r'class="request-row (\w+)" data-id="(\d+)"', page) == [  # the newest first
        ("declined", str(ids["r6"])), ("cancelled", str(ids["r5"])), ("requested", str(ids["r4"])),
        ("completed", str(ids["r3"])), ("declined", str(ids["r2"])), ("confirmed", str(ids["r1"]))]
    for secret in (PHONE, EMAIL, "sme-0001", "sme-0004"):
        assert secret not in page
    assert 'value="declined" selected' not in page and "declined (2)" in page
    declined = text(ada.get("/marketplace/requests?state=declined"))
    assert re.findall(r'data-id="(\d+)"', declined) == [str(ids["r6"]), str(ids["r2"])]
    by_offer = text(ada.get(f"/marketplace/requests?offer={ids['websites']}"))
    assert sorted(re.findall(r'class="request-row \w+" data-id="(\d+)"', by_offer)) == sorted(
        str(ids[k]) for k in ("r3", "r4", "r5"))


def test_the_request_page_has_the_timeline_ratings_and_contact_for_admins_once_confirmed(site) -> None:
    app, _, ids = site
    ada, rev = client_for(app, "ada"), client_for(app, "rev")
    completed = text(ada.get(f"/marketplace/requests/{ids['r3']}"))
    steps = re.findall(r'<tr><td>([\d\- :]+)</td><td>(?:(\w+) → )?<span class="status \w+">(\w+)</span></td>'
                       r'<td>([^<]+)</td>', completed)
    assert steps == [("2026-12-04 09:00", "", "requested", "SME"),
                     ("2026-12-04 10:00", "requested", "offered", "provider member member-valen"),
                     ("2026-12-04 13:00", "offered", "confirmed", "SME"),
                     ("2026-12-14 09:00", "confirmed", "completed", "provider member member-valen")]
    assert "700.00 EUR by 2026-12-14" in completed
    assert "★★★★★" in completed and "Quick and &lt;clean&gt;" in completed and "4/5" in completed
    assert "through the chat only (no address given)" in completed
    declined = text(ada.get(f"/marketplace/requests/{ids['r2']}"))
    assert "Fully booked" in declined and "Not rated (ratings come once it is completed)." in declined
    confirmed = f"/marketplace/requests/{ids['r1']}"
    assert f"phone: <strong>{PHONE}</strong>" in text(ada.get(confirmed))
    assert PHONE not in text(rev.get(confirmed))
    assert "Shown to administrators once the request is confirmed." in text(rev.get(confirmed))
    waiting = text(ada.get(f"/marketplace/requests/{ids['r4']}"))
    assert EMAIL not in waiting and "Shown once the request is confirmed." in waiting


# -- analytics ------------------------------------------------------------------------------------------------
def test_the_analytics_figures_are_exact(site) -> None:
    _, engine, _ = site
    with session_scope(engine) as session:
        figures = analytics.figures(session)
    hour = 3600.0
    assert figures.total == analytics.Figures("", "All requests", 6, 4, 3, 1.5 * hour)
    assert (figures.total.acceptance_rate, figures.total.accepted_share) == (0.75, 0.5)
    assert figures.by_category == (analytics.Figures("catering", "Catering for events", 3, 3, 2, 2 * hour),
                                   analytics.Figures("websites", "Websites and online shops", 3, 1, 1, 1 * hour))
    assert figures.by_country == (analytics.Figures("ES", "Spain", 4, 2, 2, 0.75 * hour),
                                  analytics.Figures("RO", "Romania", 2, 2, 1, 4 * hour))
    assert figures.by_state == {"requested": 1, "accepted": 0, "declined": 2, "offered": 0, "confirmed": 1,
                                "cancelled": 1, "completed": 1, "expired": 0}
    with session_scope(engine) as session:
        assert analytics.figures(session, since=T + timedelta(seconds=1)).total == analytics.Figures(
            "", "All requests", 0, 0, 0, None)
        assert analytics.figures(session, until=T + timedelta(seconds=1)).total.requests == 6


def test_the_analytics_page_shows_the_figures_and_their_definitions(site) -> None:
    app, _, _ = site
    page = text(client_for(app, "rev").get("/marketplace/analytics"))
    assert '<td id="total-requests">6</td>' in page and '<td id="acceptance-rate">75 %</td>' in page
    assert '<td id="accepted-share">50 %</td>' in page and '<td id="median-response">1 h 30 min</td>' in page
    category = page.split('id="per-category"')[1].split("</table>")[0]
    assert re.findall(r'<tr data-key="(\w+)"><td>([^<]+)</td><td class="num">(\d+)</td>', category) == [
        ("catering", "Catering for events", "3"), ("websites", "Websites and online shops", "3")]
    assert re.findall(r'<td class="num rate">([^<]+)</td>\s*<td class="num median">([^<]+)</td>', category) == [
        ("67 %", "2 h"), ("100 %", "1 h")]
    country = page.split('id="per-country"')[1].split("</table>")[0]
    assert re.findall(r'<td class="num median">([^<]+)</td>', country) == ["45 min", "4 h"]
    assert "the provider's first move was to accept or to offer a price and date" in page
