"""Telling the other party of a request what happened, on their own channel, through the durable inbox.

A move in the chat (the SME requests or confirms, the provider accepts, offers a price or declines...) queues
one inbox row per person to tell (kind :data:`lmi4vet.events.reminders.REMINDER`, ``what`` "marketplace") in
the same transaction as the move, so the move and its notice are kept or lost together. The channel worker
sends it with its buttons; right before, it asks :func:`still_due`. On WhatsApp outside the 24-hour window the
re-engagement template goes instead, and the request waits in the person's "My requests" (the state is in the
database, so nothing is lost while a party is offline). The local chat cannot be written to later: its users
see the news in "My requests".

The periodic tick (:func:`queue_due`) expires requests nobody moved, and after a confirmed request's due date
asks both sides once whether it was done, with the one-tap completion.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from lmi4vet.db.models import ChannelUser
from lmi4vet.events.catalogue import claim_once, utc
from lmi4vet.events.consent import unreachable
from lmi4vet.events.reminders import CHANNELS, REMINDER
from lmi4vet.i18n import normalise_language
from lmi4vet.inbox import enqueue
from lmi4vet.marketplace import wording
from lmi4vet.marketplace.models import ProviderMember, Request
from lmi4vet.marketplace.quote_requests import PROVIDER, SME, expire_requests
from lmi4vet.marketplace.store import members

WHAT = "marketplace"  # the inbox rows' meta "what"
#: what happened -> who is told
TOLD = {"requested": PROVIDER, "accepted": SME, "offered": SME, "declined": SME, "confirmed": PROVIDER,
        "cancelled": PROVIDER, "completed": "other", "expired": "both", "due": "both", "message": "other"}


@dataclass(frozen=True)
class Recipient:
    sender_id: str
    language: str
    role: str


def remember_language(session: Session, sender_id: str, language: str) -> None:
    """Keep the language a provider's member uses the marketplace in: their notices are written in it."""
    session.execute(update(ProviderMember).where(ProviderMember.sender_id == sender_id,
                                                 ProviderMember.language.is_distinct_from(language))
                    .values(language=language).execution_options(synchronize_session=False))


def recipients(session: Session, row: Request, role: str) -> list[Recipient]:
    """The SME (in the request's language) or every member of the offer's provider (in the language they last
    used the marketplace in, else the request's)."""
    if role == SME:
        return [Recipient(row.sender_id, normalise_language(row.language), SME)]
    return [Recipient(m.sender_id, normalise_language(m.language or row.language), PROVIDER)
            for m in members(session, row.offer.provider_id)]


def _told(session: Session, row: Request, event: str, actor: str | None) -> list[Recipient]:
    told = TOLD[event]
    if told in (SME, PROVIDER):
        people = recipients(session, row, told)
    else:
        people = recipients(session, row, SME) + recipients(session, row, PROVIDER)
    if told == "other":  # everybody but the one who did it (and, for a provider member, their colleagues too)
        actor_role = SME if actor == row.sender_id else PROVIDER
        people = [p for p in people if p.role != actor_role]
    return [p for p in people if p.sender_id != actor]


def message(row: Request, event: str, recipient: Recipient, text: str = "") -> tuple[str, list[dict[str, str]]]:
    """``(text, buttons)`` of the notice of ``event`` for ``recipient``, in their language."""
    lang = recipient.language
    offer = row.offer
    params = {"title": wording.title(offer, lang), "provider": offer.provider.name,
              "brief": wording.brief(row, lang), "offered": wording.offered(row, lang), "text": text,
              "date": wording.day(row.offered_date or row.wanted_by, lang)}
    role = recipient.role
    intent = wording.SME_INTENT if role == SME else wording.PROVIDER_INTENT
    key = f"notify.{event}_{role}" if event in ("completed", "expired", "due", "message") else f"notify.{event}"
    body = wording.say(lang, key, **params)
    see = (wording.say(lang, "see_request_button"), wording.button("request_card", intent, req=row.id))
    buttons: list[tuple[str, str]]
    if event == "requested":
        buttons = [(wording.say(lang, "accept_button"), wording.button("accept", intent, req=row.id)),
                   (wording.say(lang, "price_button"), wording.button("price", intent, req=row.id)),
                   (wording.say(lang, "decline_button"), wording.button("decline", intent, req=row.id))]
    elif event in ("accepted", "offered"):
        buttons = [(wording.say(lang, "confirm_button"), wording.button("confirm", intent, req=row.id)),
                   (wording.say(lang, "cancel_request_button"), wording.button("cancel", intent, req=row.id))]
    elif event == "due":
        buttons = [(wording.say(lang, "done_button"), wording.button("complete", intent, req=row.id)), see]
    elif event == "completed":
        buttons = wording.rating_buttons(lang, intent, row.id)
    elif event == "declined":
        buttons = [(wording.say(lang, "similar_button"), wording.button("search", cat=offer.category)), see]
    elif event == "message" or event == "confirmed":
        buttons = [(wording.say(lang, "write_button"), wording.button("write", intent, req=row.id)), see]
    else:
        buttons = [see]
    return body, [{"title": title, "payload": payload} for title, payload in buttons]


def notify(session: Session, row: Request, event: str, now: datetime, *, actor: str | None = None,
           text: str = "", serial: int | None = None) -> set[str]:
    """Queue the notice of ``event`` (a key of :data:`TOLD`) for each person to tell who can be written to
    later; returns the channels to wake. ``serial`` makes a repeated event (a relayed message) a new row."""
    channels: set[str] = set()
    for person in _told(session, row, event, actor):
        user = session.get(ChannelUser, person.sender_id)
        if user is None or user.channel not in CHANNELS or unreachable(session, person.sender_id):
            continue
        body, buttons = message(row, event, person, text)
        suffix = f"-{serial}" if serial is not None else ""
        enqueue(session, channel=user.channel, key=f"mp-{row.id}-{event}{suffix}-{person.sender_id[:16]}",
                sender_id=person.sender_id, address=user.address, kind=REMINDER, text=body,
                language=person.language, now=utc(now).replace(tzinfo=None),
                meta={"what": WHAT, "request": row.id, "buttons": buttons, "variables": {}})
        channels.add(user.channel)
    return channels


def still_due(session: Session, request_id: int | None, sender_id: str) -> str:
    """Checked right before a notice goes out: "" if it should, else why not (the request was erased, the person
    said STOP or blocked the bot, or was erased)."""
    if request_id is None or session.get(Request, request_id) is None:
        return "the request was erased"
    return unreachable(session, sender_id)


def queue_due(session: Session, now: datetime) -> dict[str, int]:
    """The periodic job: expire the open requests nobody moved (both sides are told) and ask both sides of each
    confirmed request whose due date has passed whether it was done (once: ``completion_asked_at``).
    ``{channel: rows queued}``."""
    now = utc(now)
    queued: dict[str, int] = {}

    def count(channels: set[str]) -> None:
        for channel in channels:
            queued[channel] = queued.get(channel, 0) + 1

    for row in expire_requests(session, now):
        count(notify(session, row, "expired", now))
    due = session.execute(select(Request.id).where(
        Request.state == "confirmed", Request.completion_asked_at.is_(None),
        func.coalesce(Request.offered_date, Request.wanted_by) <= now.date()).order_by(Request.id)).scalars().all()
    for request_id in due:
        if claim_once(session, Request, request_id, "completion_asked_at", now):
            count(notify(session, session.get(Request, request_id), "due", now))
    return queued
