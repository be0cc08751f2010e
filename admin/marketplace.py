"""The console's VET2B marketplace pages (issue 14): providers (create, switch on and off, members, one-time link
codes), offers (list, details, a new offer entered for a provider, approve / reject / archive), the moderation
queue, requests for a quote with their timeline and ratings, and the marketplace's analytics.

Admins change things; reviewers read; agents see nothing. An SME's contact data is never in a list: the
request page shows it to admins once the request is confirmed (:func:`lmi4vet.marketplace.console.sme_contact`).
Refusals of the core (:class:`~lmi4vet.marketplace.checks.MarketplaceError`) are shown as a sentence next to the
form or as a flash, never as an error page.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from admin.security import admin_required, staff_required
from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.db.engine import session_scope
from lmi4vet.i18n import country_name
from lmi4vet.marketplace import analytics, categories, console, moderation, store
from lmi4vet.marketplace.checks import MarketplaceError
from lmi4vet.marketplace.models import (
    LinkCode,
    Offer,
    OfferReport,
    Provider,
    ProviderMember,
    Rating,
    Request,
    RequestEvent,
)
from lmi4vet.marketplace.quote_requests import STATES as REQUEST_STATES

marketplace = Blueprint("marketplace", __name__, url_prefix="/marketplace")

LIST_LIMIT = 500
PROVIDER_FIELDS = ("name", "country", "city", "contact_email")
OFFER_FORM_FIELDS = ("provider_id", "language", "title", "description", "category", "country", "region", "city",
                     "price_kind", "price", "currency", "lead_time_days", "teacher", "languages", "skills", "periods",
                     "submit")
PRICE_KINDS = {"free": "Free", "cost_only": "Cost of materials only", "fixed": "Fixed price", "quote": "On quote"}
PERIOD = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*(?:–|—|-|to|\.\.)?\s*(\d{4}-\d{2}-\d{2})\s*(.*)$")

#: The core's refusals as the console says them (the codes a console form or button can meet).
MESSAGES = {
    "name_empty": "the name is empty", "name_too_long": "the name is longer than {limit} characters",
    "country_unknown": "{country!r} is not a European country code (ES, RO, DE, EL, UK...)",
    "place_missing": "a place is needed: a city or region, or tick remote",
    "place_too_long": "a place name is longer than {limit} characters",
    "email_invalid": "the contact email is not an email address",
    "category_unknown": "choose a category", "price_kind_invalid": "choose a price indication",
    "price_missing": "a fixed price needs its amount", "price_unexpected": "a {price_kind} offer has no amount",
    "price_invalid": "the price is not an amount (like 150 or 12.50)", "price_negative": "the price is below 0",
    "currency_invalid": "the currency is not a three-letter code (EUR, RON...)",
    "lead_time_invalid": "the lead time is a whole number of days from 0 to {limit}",
    "language_invalid": "{language!r} is not a language code (en, es, ro, fr, de...)",
    "title_empty": "the title is empty", "title_too_long": "the title is longer than {limit} characters",
    "description_too_long": "the description is longer than {limit} characters",
    "skill_invalid": "{uri!r} is not an ESCO skill URI followed by its label",
    "too_many": "at most {limit} of them", "period_invalid": "a period ends before it starts",
    "note_too_long": "the note is longer than {limit} characters",
    "teacher_too_long": "the teacher's name is longer than {limit} characters",
    "transition_forbidden": "a {state} offer cannot be moved that way ({move})",
    "not_allowed": "the console may not {move} an offer", "provider_not_found": "there is no such provider",
    "provider_inactive": "the provider is switched off: switch it on first", "admin_missing": "no console user",
    "offer_not_found": "there is no such offer",
}


class FormError(ValueError):
    """A form value the core's functions cannot even take (a period line without two dates)."""


def _db():
    from admin.app import db

    return db()


def describe(exc: ValueError) -> str:
    """A refusal as a sentence for the page (the code itself when no text is known)."""
    if isinstance(exc, MarketplaceError):
        text = MESSAGES.get(exc.code)
        try:
            return text.format(**exc.params) if text else f"{exc.code} {exc.params or ''}".strip()
        except (KeyError, IndexError):
            return text
    return str(exc)


def money(amount_cents: int | None, currency: str | None) -> str:
    """``15000, "EUR"`` -> "150.00 EUR"; "" for no amount."""
    return "" if amount_cents is None else f"{Decimal(amount_cents) / 100:,.2f} {currency or ''}".strip()


def when(moment: datetime | date | None) -> str:
    if moment is None:
        return ""
    return f"{moment:%Y-%m-%d %H:%M}" if isinstance(moment, datetime) else f"{moment:%Y-%m-%d}"


def is_admin() -> bool:
    return g.user["role"] == "admin"


@marketplace.context_processor
def helpers() -> dict[str, Any]:
    """What every marketplace template may call."""
    return {"money": money, "when": when, "category_name": analytics.category_name,
            "country_name": lambda code: country_name(code, "en") if code else "", "price_kinds": PRICE_KINDS,
            "offer_states": store.OFFER_STATES, "request_states": REQUEST_STATES, "is_admin": is_admin,
            "title_of": lambda offer: store.offer_title(offer, "en"), "queue_size": _queue_size}


def _queue_size() -> int:
    """The moderation queue's length (the sub-navigation shows it)."""
    with session_scope(_db()) as s:
        return len(moderation.moderation_queue(s))


def _provider(s: Session, provider_id: int) -> Provider:
    found = s.get(Provider, provider_id)
    if found is None:
        abort(404)
    return found


def _offer(s: Session, offer_id: int) -> Offer:
    found = s.get(Offer, offer_id)
    if found is None:
        abort(404)
    return found


@marketplace.route("/")
@staff_required
def index() -> Any:
    return redirect(url_for("marketplace.providers"))


# -- providers ------------------------------------------------------------------------------------------------
def _providers_page(form: dict[str, str], error: str = "", status: int = 200) -> Any:
    with session_scope(_db()) as s:
        found = s.execute(select(Provider).order_by(Provider.name, Provider.id)).scalars().all()
        members = dict(s.execute(select(ProviderMember.provider_id, func.count())
                                 .group_by(ProviderMember.provider_id)).all())
        offers: dict[int, Counter[str]] = {}
        for provider_id, state, count in s.execute(select(Offer.provider_id, Offer.state, func.count())
                                                   .group_by(Offer.provider_id, Offer.state)).all():
            offers.setdefault(provider_id, Counter())[state] = count
        return render_template("marketplace_providers.html", providers=found, members=members, offers=offers,
                               form=form, error=error), status


@marketplace.route("/providers")
@staff_required
def providers() -> Any:
    return _providers_page({})


@marketplace.route("/providers/new", methods=["POST"])
@admin_required
def new_provider() -> Any:
    form = {name: request.form.get(name, "").strip() for name in PROVIDER_FIELDS}
    try:
        with session_scope(_db()) as s:
            created = store.create_provider(s, now=datetime.utcnow(), **form)
            provider_id = created.id
    except MarketplaceError as exc:
        return _providers_page(form, error=describe(exc), status=400)
    flash("Provider created. Issue a link code for its VET coordinator.")
    return redirect(url_for("marketplace.provider", provider_id=provider_id))


def _provider_page(provider_id: int, code: str = "", expires: datetime | None = None) -> Any:
    with session_scope(_db()) as s:
        found = _provider(s, provider_id)
        codes = s.execute(select(LinkCode).where(LinkCode.provider_id == provider_id)
                          .order_by(LinkCode.issued_at.desc(), LinkCode.id.desc())).scalars().all()
        offers = s.execute(select(Offer).where(Offer.provider_id == provider_id).order_by(Offer.id)).scalars().all()
        return render_template("marketplace_provider.html", provider=found, members=store.members(s, provider_id),
                               codes=codes, offers=offers, code=code, expires=expires, now=datetime.utcnow())


@marketplace.route("/providers/<int:provider_id>")
@staff_required
def provider(provider_id: int) -> Any:
    return _provider_page(provider_id)


@marketplace.route("/providers/<int:provider_id>/active", methods=["POST"])
@admin_required
def provider_active(provider_id: int) -> Any:
    active = request.form.get("active") == "1"
    with session_scope(_db()) as s:
        store.set_provider_active(s, _provider(s, provider_id).id, active)
    flash("Switched on: its published offers are shown." if active else
          "Switched off: its offers are hidden and its members cannot act.")
    return redirect(url_for("marketplace.provider", provider_id=provider_id))


@marketplace.route("/providers/<int:provider_id>/members/remove", methods=["POST"])
@admin_required
def remove_member(provider_id: int) -> Any:
    with session_scope(_db()) as s:
        removed = store.remove_member(s, _provider(s, provider_id).id, request.form.get("sender_id", ""))
    flash("Member removed: they no longer act for the provider." if removed else "Not a member (any more).")
    return redirect(url_for("marketplace.provider", provider_id=provider_id))


@marketplace.route("/providers/<int:provider_id>/code", methods=["POST"])
@admin_required
def issue_code(provider_id: int) -> Any:
    """Issue a link code and show it on this response only (never stored in plain text, never in a cookie)."""
    with session_scope(_db()) as s:
        code = store.issue_code(s, _provider(s, provider_id).id, g.user["username"], datetime.utcnow())
        expires = s.execute(select(LinkCode.expires_at).where(LinkCode.code_hash == store.code_hash(code))).scalar_one()
    return _provider_page(provider_id, code=code, expires=expires)


# -- offers ---------------------------------------------------------------------------------------------------
def _offer_filters() -> dict[str, Any]:
    """The list's filters from the query string; unknown values are dropped."""
    state, category, country = (request.args.get(k, "").strip() for k in ("state", "category", "country"))
    return {"state": state if state in store.OFFER_STATES else "",
            "category": category if categories.category(category) else "",
            "country": country.upper()[:2] if country.isalpha() else "",
            "provider": request.args.get("provider", 0, type=int) or 0}


@marketplace.route("/offers")
@staff_required
def offers() -> Any:
    filters = _offer_filters()
    query = select(Offer).order_by(Offer.updated_at.desc(), Offer.id.desc()).limit(LIST_LIMIT)
    for column, value in ((Offer.state, filters["state"]), (Offer.category, filters["category"]),
                          (Offer.country, filters["country"]), (Offer.provider_id, filters["provider"])):
        if value:
            query = query.where(column == value)
    with session_scope(_db()) as s:
        found = s.execute(query).scalars().all()
        ids = [o.id for o in found]
        reports = dict(s.execute(select(OfferReport.offer_id, func.count()).where(
            OfferReport.offer_id.in_(ids), OfferReport.resolved_at.is_(None)).group_by(OfferReport.offer_id)).all())
        requests = dict(s.execute(select(Request.offer_id, func.count()).where(Request.offer_id.in_(ids))
                                  .group_by(Request.offer_id)).all())
        countries = s.execute(select(Offer.country).distinct().order_by(Offer.country)).scalars().all()
        return render_template("marketplace_offers.html", offers=found, reports=reports, requests=requests,
                               filters=filters, groups=categories.groups(), countries=countries)


@marketplace.route("/offers/<int:offer_id>")
@staff_required
def offer(offer_id: int) -> Any:
    with session_scope(_db()) as s:
        found = _offer(s, offer_id)
        reports = s.execute(select(OfferReport).where(OfferReport.offer_id == offer_id)
                            .order_by(OfferReport.reported_at, OfferReport.id)).scalars().all()
        requests = dict(s.execute(select(Request.state, func.count()).where(Request.offer_id == offer_id)
                                  .group_by(Request.state)).all())
        return render_template("marketplace_offer.html", offer=found, reports=reports, requests=requests,
                               open_reports=sum(r.resolved_at is None for r in reports))


def _back(offer_id: int) -> Any:
    """Where a moderation button returns: the queue it was pressed in, or the offer's page."""
    if request.form.get("back") == "moderation":
        return redirect(url_for("marketplace.moderation_page"))
    return redirect(url_for("marketplace.offer", offer_id=offer_id))


#: The moderation buttons: ``move -> (action(session, offer_id, admin, note, now), what was done)``; the text
#: is formatted with the action's result (``{result}``: how many reports were resolved).
REVIEW_MOVES: dict[str, tuple[Callable[[Session, int, str, str, datetime], Any], str]] = {
    "approve": (lambda s, oid, admin, note, now: store.approve_offer(s, oid, admin, now=now, note=note),
                "Approved: the offer is published."),
    "reject": (lambda s, oid, admin, note, now: store.reject_offer(s, oid, admin, note, now=now),
               "Rejected: the offer is a draft again, with your note for its provider."),
    "archive": (lambda s, oid, admin, note, now: store.archive_offer(s, oid, admin=admin, now=now),
                "Archived: the offer is closed for good."),
    "resolve": (lambda s, oid, admin, note, now: moderation.resolve_reports(s, oid, admin, now=now),
                "Reports resolved: {result}; the offer stays as it is."),
}


@marketplace.route("/offers/<int:offer_id>/<any(approve, reject, archive, resolve):move>", methods=["POST"])
@admin_required
def review(offer_id: int, move: str) -> Any:
    """A moderation button, in one transaction: what was done is flashed, or the refusal (nothing changed)."""
    action, done = REVIEW_MOVES[move]
    try:
        with session_scope(_db()) as s:
            result = action(s, _offer(s, offer_id).id, g.user["username"], request.form.get("note", ""),
                            datetime.utcnow())
    except MarketplaceError as exc:
        flash(f"Not done: {describe(exc)}.")
    else:
        flash(done.format(result=result))
    return _back(offer_id)


# -- a new offer ----------------------------------------------------------------------------------------------
def parse_skills(text: str) -> list[tuple[str, str]]:
    """ "URI label" lines (a "|", ",", ";" or dash after the URI is allowed)."""
    skills = []
    for line in text.splitlines():
        uri, _, label = line.strip().partition(" ")
        if uri:
            skills.append((uri, label.strip().lstrip("|,;–—-").strip()))
    return skills


def parse_periods(text: str) -> list[tuple[date, date, str]]:
    """ "YYYY-MM-DD – YYYY-MM-DD note" lines (FormError naming the line otherwise)."""
    periods = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        found = PERIOD.match(line.strip())
        try:
            if found is None:
                raise ValueError
            periods.append((date.fromisoformat(found[1]), date.fromisoformat(found[2]), found[3].strip()))
        except ValueError:
            raise FormError(f"unavailable periods, line {number}: write it as 2026-07-01 – 2026-08-31 "
                            f"(and a note if you like), not {line.strip()!r}") from None
    return periods


def _offer_arguments(form: dict[str, str]) -> dict[str, Any]:
    """:func:`lmi4vet.marketplace.console.create_offer`'s arguments from the form (blank: not given)."""
    lead = form["lead_time_days"]
    fields: dict[str, Any] = {
        "category": form["category"], "country": form["country"], "region": form["region"], "city": form["city"],
        "remote": form.get("remote") == "1", "price_kind": form["price_kind"], "price": form["price"] or None,
        "currency": form["currency"] or "EUR", "teacher": form["teacher"],
        "lead_time_days": (int(lead) if lead.isdecimal() else lead) if lead else None}
    languages = [code for code in re.split(r"[\s,;]+", form["languages"]) if code]
    if languages:
        fields["languages"] = languages
    return {"language": form["language"], "title": form["title"], "description": form["description"],
            "skills": parse_skills(form["skills"]), "periods": parse_periods(form["periods"]),
            "submit": form["submit"] != "draft", **fields}


def _new_offer_page(form: dict[str, str], error: str = "", status: int = 200) -> Any:
    with session_scope(_db()) as s:
        active = s.execute(select(Provider).where(Provider.active.is_(True)).order_by(Provider.name)).scalars().all()
        return render_template("marketplace_offer_new.html", form=form, error=error, providers=active,
                               groups=categories.groups(), languages=SUPPORTED_LANGUAGES), status


@marketplace.route("/offers/new", methods=["GET", "POST"])
@admin_required
def new_offer() -> Any:
    if request.method == "GET":
        provider_id = request.args.get("provider", 0, type=int) or 0
        with session_scope(_db()) as s:
            chosen = s.get(Provider, provider_id)
            country = chosen.country if chosen is not None else ""
        return _new_offer_page({"provider_id": str(provider_id or ""), "language": "en", "country": country,
                                "price_kind": "cost_only", "currency": "EUR", "submit": "review"})
    form = {name: request.form.get(name, "").strip() for name in OFFER_FORM_FIELDS}
    form["remote"] = "1" if request.form.get("remote") else ""
    try:
        arguments = _offer_arguments(form)
        provider_id = int(form["provider_id"]) if form["provider_id"].isdecimal() else 0
        with session_scope(_db()) as s:
            created = console.create_offer(s, provider_id, g.user["username"], now=datetime.utcnow(), **arguments)
            offer_id, state = created.id, created.state
    except (MarketplaceError, FormError) as exc:
        return _new_offer_page(form, error=describe(exc), status=400)
    flash("Saved and sent to review: approve it to publish it." if state == "pending" else
          "Saved as a draft: the provider's coordinator submits it for review in the chat.")
    return redirect(url_for("marketplace.offer", offer_id=offer_id))


# -- moderation -----------------------------------------------------------------------------------------------
@marketplace.route("/moderation")
@staff_required
def moderation_page() -> Any:
    with session_scope(_db()) as s:
        items = moderation.moderation_queue(s, "en")
    return render_template("marketplace_moderation.html", items=items)


# -- requests for a quote -------------------------------------------------------------------------------------
@marketplace.route("/requests")
@staff_required
def requests_page() -> Any:
    state = request.args.get("state", "")
    state = state if state in REQUEST_STATES else ""
    offer_id = request.args.get("offer", 0, type=int) or 0
    query = select(Request).order_by(Request.id.desc()).limit(LIST_LIMIT)
    if state:
        query = query.where(Request.state == state)
    if offer_id:
        query = query.where(Request.offer_id == offer_id)
    with session_scope(_db()) as s:
        found = s.execute(query).scalars().all()
        counts = dict(s.execute(select(Request.state, func.count()).group_by(Request.state)).all())
        return render_template("marketplace_requests.html", rows=found, state=state, offer_id=offer_id,
                               counts=counts)


def actor(event: RequestEvent, row: Request) -> str:
    """Who made a step: the SME, the provider (a member's pseudonymous id) or the system (an expiry)."""
    if event.sender_id is None:
        return "system (expiry)" if event.to_state == "expired" else "unknown (erased)"
    if event.sender_id == row.sender_id:
        return "SME"
    return f"provider member {event.sender_id[:12]}"


@marketplace.route("/requests/<int:request_id>")
@staff_required
def request_detail(request_id: int) -> Any:
    with session_scope(_db()) as s:
        row = s.get(Request, request_id)
        if row is None:
            abort(404)
        events = s.execute(select(RequestEvent).where(RequestEvent.request_id == row.id)
                           .order_by(RequestEvent.at, RequestEvent.id)).scalars().all()
        ratings = s.execute(select(Rating).where(Rating.request_id == row.id).order_by(Rating.id)).scalars().all()
        return render_template("marketplace_request.html", row=row, events=[(e, actor(e, row)) for e in events],
                               ratings=ratings, contact=console.sme_contact(row) if is_admin() else None)


# -- analytics ------------------------------------------------------------------------------------------------
@marketplace.route("/analytics")
@staff_required
def analytics_page() -> Any:
    with session_scope(_db()) as s:
        figures = analytics.figures(s)
    return render_template("marketplace_analytics.html", figures=figures)
