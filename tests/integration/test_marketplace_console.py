"""The console's marketplace pages in a real browser (Playwright driving Debian's chromium, headless) on a real
console server over a fresh database with the unit tests' marketplace (two providers, four offers, six requests
for a quote at known times): providers, issuing a link code, an offer, a new offer refused then saved, the
moderation queue (approving), requests and a request's timeline, analytics. No Rasa model is needed.

Screenshots go to the test's tmp dir and are copied to /tmp/marketplace_shots/ for a person to look at."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from lmi4vet.db.engine import make_engine, session_scope, upgrade
from tests.support.browser import browser_page, screenshot, served
from tests.unit.test_marketplace_console import NEW_OFFER, PHONE, populate

pytestmark = pytest.mark.integration
PASSWORD = "a long admin password"
SHOTS = Path("/tmp/marketplace_shots")


@pytest.fixture(scope="module")
def console(chromium, tmp_path_factory):  # chromium first: skipped before anything starts
    from admin.app import create_app
    from admin.security import create_user
    from lmi4vet.privacy import _metadata

    folder = tmp_path_factory.mktemp("marketplace_console")
    db_url, tracker_url = f"sqlite:///{folder / 'db.sqlite'}", f"sqlite:///{folder / 'tracker.sqlite'}"
    upgrade(db_url)
    _metadata.create_all(make_engine(tracker_url))
    with session_scope(make_engine(db_url)) as session:
        create_user(session, "admin", PASSWORD, "admin")
        ids = populate(session)
    app = create_app(db_url, tracker_url, nlu_dir=folder / "nlu", secret_key="browser")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with served(app) as url, browser_page(chromium) as page:
        yield {"page": page, "url": url, "shots": folder / "screenshots", "ids": ids}


def shot(console, name: str) -> Path:
    path = screenshot(console["page"], console["shots"], name)
    shutil.copy(path, SHOTS / path.name)
    return path


def go(console, path: str):
    page = console["page"]
    page.goto(console["url"] + path)
    return page


def test_1_providers(console) -> None:
    page = go(console, "/marketplace/providers")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/marketplace/providers")
    assert page.locator("h1").inner_text() == "Marketplace: VET providers"
    assert page.locator("#marketplace-tabs .tab.current").inner_text() == "Providers"
    rows = page.locator("#providers tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).inner_text().split("\t")[:5] == ["CIPFP Valencia", "Spain ES", "Valencia", "active", "1"]
    assert rows.nth(1).locator("td").first.inner_text() == "Colegiul Tehnic <Napoca>"  # shown as typed, escaped
    assert rows.nth(1).locator(".offer-counts").inner_text().split() == ["pending", "1", "published", "1"]
    shot(console, "1-providers")


def test_2_issue_a_link_code(console) -> None:
    page = go(console, f"/marketplace/providers/{console['ids']['valencia']}")
    page.click("#issue-code")
    code = page.locator("#code").inner_text()
    assert re.fullmatch(r"[A-HJKMNP-Z2-9]{8}", code)
    assert "shown only now" in page.locator("#new-code").inner_text()
    assert "“tengo un código de centro”" in page.locator("#code-help").inner_text()
    assert page.locator("#codes tbody tr").first.inner_text().endswith("waiting to be used")
    shot(console, "2-provider-code")
    go(console, f"/marketplace/providers/{console['ids']['valencia']}")  # the page again: no code
    assert page.locator("#new-code").count() == 0 and code not in page.content()


def test_3_offers_and_an_offer(console) -> None:
    page = go(console, "/marketplace/offers?category=catering")
    assert page.locator("#offers tbody tr").count() == 2
    assert page.locator("select[name=category]").input_value() == "catering"
    shot(console, "3-offers")
    page.click(f"#offers a[href='/marketplace/offers/{console['ids']['catering']}']")
    assert page.locator("h1").inner_text().startswith("Catering for events")
    fields = page.locator("#offer-fields").inner_text()
    assert "Cost of materials only: 150.00 EUR" in fields and "Romania (RO)" in fields
    assert page.locator("#skills").inner_text().startswith("prepare cold dishes")
    assert page.locator("#unavailable").inner_text() == "2027-07-01 – 2027-08-31: summer holidays"
    assert "The photos are not theirs" in page.locator("#reports").inner_text()
    assert page.locator("button.resolve").inner_text() == "Resolve 1 report (keep the offer)"
    shot(console, "3-offer-page")


def test_4_new_offer_refused_then_saved(console) -> None:
    page = go(console, f"/marketplace/offers/new?provider={console['ids']['valencia']}")
    page.fill("input[name=title]", NEW_OFFER["title"])
    page.fill("textarea[name=description]", NEW_OFFER["description"])
    page.select_option("select[name=category]", NEW_OFFER["category"])
    page.fill("input[name=city]", NEW_OFFER["city"])
    page.select_option("select[name=price_kind]", "fixed")
    page.fill("textarea[name=skills]", NEW_OFFER["skills"])
    page.fill("textarea[name=periods]", "all of August")
    page.click("#save")
    assert page.locator("#form-error").inner_text().startswith(
        "Not saved: unavailable periods, line 1: write it as 2026-07-01 – 2026-08-31")
    assert page.locator("input[name=title]").input_value() == NEW_OFFER["title"]
    shot(console, "4-new-offer-refused")
    page.fill("textarea[name=periods]", NEW_OFFER["periods"])
    page.fill("input[name=price]", NEW_OFFER["price"])
    page.click("#save")
    assert page.locator(".flash").inner_text() == "Saved and sent to review: approve it to publish it."
    assert page.locator("#status").inner_text() == "pending"
    assert page.locator("#price").inner_text() == "Fixed price: 25.50 EUR"


def test_5_moderation(console) -> None:
    page = go(console, "/marketplace/moderation")
    rows = page.locator("#queue tbody tr")
    assert rows.count() == 3  # two pending offers, one reported
    assert page.locator("#queue-size").inner_text() == "3"
    shot(console, "5-moderation")
    rows.first.locator("button.approve").click()
    assert page.locator(".flash").inner_text() == "Approved: the offer is published."
    assert page.locator("#queue tbody tr").count() == 2


def test_6_requests(console) -> None:
    page = go(console, "/marketplace/requests")
    assert page.locator("#requests tbody tr").count() == 6
    assert PHONE not in page.content()
    shot(console, "6-requests")
    page.click(f"#requests a[href='/marketplace/requests/{console['ids']['r3']}']")
    timeline = page.locator("#timeline tbody tr")
    assert timeline.count() == 4
    assert timeline.nth(1).inner_text().split("\t")[:3] == ["2026-12-04 10:00", "requested → offered",
                                                           "provider member member-valen"]
    assert page.locator("#ratings tbody tr").count() == 2
    shot(console, "7-request")


def test_7_analytics(console) -> None:
    page = go(console, "/marketplace/analytics")
    assert page.locator("#acceptance-rate").inner_text() == "75 %"
    assert page.locator("#median-response").inner_text() == "1 h 30 min"
    assert page.locator("#per-category tbody tr").count() == 2 and page.locator("#per-country tbody tr").count() == 2
    assert page.locator("#definitions").is_visible()
    shot(console, "8-analytics")
