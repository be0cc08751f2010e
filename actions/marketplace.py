"""The VET2B marketplace in the chat: small businesses find services that VET learners deliver and ask for a
quote; VET providers' coordinators link their chat with a one-time code, manage their offers and answer.

How a message travels:

* ``action_marketplace`` answers the intents ``find_service`` and ``offer_services``, typed or from their
  buttons, whose entity ``mp`` says what to do (``search``, ``offer``, ``request``, ``accept``...; see
  ``domain/marketplace.yml``), with ``mp_id`` (an offer), ``mp_req`` (a request), ``mp_cat`` (a category or
  group id), ``mp_place`` (a place key, :func:`place_key`) and ``mp_v`` (a value). A typed search is read by
  :func:`lmi4vet.marketplace.understanding.parse_query` (category and place, in any of the five languages).
* What has to be typed (the request's brief, a link code, a price, a message to the other side, a new offer's
  fields) goes through the form ``marketplace_form``: its one slot ``marketplace_answer`` takes every message
  while it is open (except the safeguarding words) and ``validate_marketplace_form`` reads it for the step in
  ``marketplace_step`` (JSON: the flow, its field, what was answered so far, the language). A wrong answer (a
  past date, a negative budget) gets the reason and the question again; a button of something else leaves the
  form and is answered as usual; "✖️ Cancel" leaves it. The form's actions are in ``actions/marketplace_form.py``,
  the replies both use in ``actions/marketplace_replies.py``.
* Each move of a request is a state in the database (:mod:`lmi4vet.marketplace.quote_requests`) and queues the
  other side's notice in the same transaction (:mod:`lmi4vet.marketplace.notify`); the channel worker is woken
  after the commit.
"""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from sqlalchemy.orm import Session

from actions.base import LocalizedAction, Reply
from actions.data import entity_value, kb_session, latest_text
from actions.marketplace_replies import (
    ANSWER_SLOT,
    FLOWS,
    FORM,
    PLACE_SLOT,
    REPORT_REASONS,
    STEP_SLOT,
    TOPIC,
    error_text,
    group_menu,
    home,
    local_currency,
    my_offer,
    my_requests,
    offer_card,
    place_from_key,
    place_key,
    provider_home,
    provider_offers,
    provider_requests,
    published,
    request_card,
    school_button,
    search_text,
    show_results,
    sme_button,
    utc_now,
    wake_workers,
)
from lmi4vet.marketplace import categories, moderation, notify, store
from lmi4vet.marketplace import quote_requests as qr
from lmi4vet.marketplace import wording as w
from lmi4vet.marketplace.checks import MarketplaceError
from lmi4vet.marketplace.understanding import (
    looks_like_code,
)


# -- the action -------------------------------------------------------------------------------------------------
class ActionMarketplace(LocalizedAction):
    """The marketplace outside the form (see the module docstring)."""

    def name(self) -> str:
        return "action_marketplace"

    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        do = entity_value(tracker, "mp")
        channels: set[str] = set()
        try:
            with kb_session() as session:
                notify.remember_language(session, reply.sender_id, reply.language)
                events = self.dispatch(reply, tracker, session, do, channels)
        finally:
            wake_workers(channels)
        return events

    def dispatch(self, reply: Reply, tracker: Tracker, session: Session, do: str,
                 channels: set[str]) -> list[EventType]:
        ident, req = entity_value(tracker, "mp_id"), entity_value(tracker, "mp_req")
        place = place_from_key(entity_value(tracker, "mp_place"))
        category = entity_value(tracker, "mp_cat")
        if not do:
            text = latest_text(tracker)
            code = looks_like_code(text)
            intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
            if intent == w.PROVIDER_INTENT:  # "my code is K7QX2M9P", or the school's side
                return self.redeem(reply, session, code) if code else provider_home(reply, session)
            return search_text(reply, tracker, session, text)
        if do == "home":
            return home(reply, session, place)
        if do == "group":
            return group_menu(reply, category, place)
        if do == "search" and category:
            return show_results(reply, session, category, place or place_from_key(tracker.get_slot(PLACE_SLOT)))
        if do == "offer":
            offer = published(session, reply, ident)
            if offer is not None:
                back = sme_button("search", cat=category, place=place_key(place)) if category else ""
                offer_card(reply, session, offer, back)
            return [SlotSet("last_topic", TOPIC)]
        if do == "request":
            return self.start_brief(reply, session, ident)
        if do == "report":
            return self.report(reply, session, ident, entity_value(tracker, "mp_v"))
        if do == "mine":
            return my_requests(reply, session)
        if do in ("provider", "code", "offers", "requests", "new_offer", "offer_group", "offer_category", "my_offer",
                  "submit", "pause", "resume", "archive"):
            return self.provider(reply, session, do, ident, category)
        if do in ("request_card", "accept", "decline", "confirm", "cancel", "complete", "rate", "price", "write",
                  "comment"):
            return self.on_request(reply, tracker, session, do, req, channels)
        return home(reply, session, place)

    # -- typed flows -------------------------------------------------------------------------------------------
    @staticmethod
    def open_form(flow: str, lang: str, **data: Any) -> list[EventType]:
        step = {"flow": flow, "field": FLOWS[flow][0], "lang": lang, "data": data}
        return [SlotSet(STEP_SLOT, json.dumps(step, ensure_ascii=False)), SlotSet(ANSWER_SLOT, None),
                FollowupAction(FORM)]

    def start_brief(self, reply: Reply, session: Session, ident: str) -> list[EventType]:
        offer = published(session, reply, ident)
        if offer is None:
            return []
        try:
            qr.can_request(session, offer.id, reply.sender_id, utc_now())
        except MarketplaceError as error:
            buttons = [(w.say(reply.language, "see_request_button"), sme_button("request_card",
                                                                          req=error.params["request_id"]))] \
                if error.code == "already_requested" else []
            reply.send(error_text(reply, error), buttons)
            return []
        reply.send(w.say(reply.language, "brief.start", title=w.title(offer, reply.language),
                         provider=offer.provider.name))
        return self.open_form("brief", reply.language, offer=offer.id)

    def redeem(self, reply: Reply, session: Session, code: str) -> list[EventType]:
        found = store.redeem_code(session, code, reply.sender_id, utc_now())
        if found.member is None:
            reply.send(w.say(reply.language, f"errors.{found.error}", tries=str(found.tries_left)))
            return []
        notify.remember_language(session, reply.sender_id, reply.language)
        return provider_home(reply, session, w.say(reply.language, "provider.linked",
                                                   provider=found.member.provider.name))

    def report(self, reply: Reply, session: Session, ident: str, reason: str) -> list[EventType]:
        lang = reply.language
        offer = published(session, reply, ident)
        if offer is None:
            return []
        if reason not in REPORT_REASONS:
            reply.send(w.say(lang, "report.ask", title=w.title(offer, lang)),
                       [(w.say(lang, f"report.{r}"), sme_button("report", id=offer.id, v=r)) for r in REPORT_REASONS])
            return []
        # the moderators' console is in English: the reason as they read it
        moderation.report_offer(session, offer.id, reply.sender_id, w.say("en", f"report.{reason}"), now=utc_now())
        reply.send(w.say(lang, "report.thanks"))
        return []

    def provider(self, reply: Reply, session: Session, do: str, ident: str, category: str) -> list[EventType]:
        lang = reply.language
        if do == "code":
            reply.send(w.say(lang, "provider.code_ask"))
            return self.open_form("code", lang)
        if do == "provider" or not ident.isdigit():
            return provider_home(reply, session)
        number = int(ident)
        try:
            if do == "requests":
                provider_requests(reply, session, number)
            elif do == "offers":
                provider_offers(reply, session, number)
            elif do == "new_offer":
                store.require_member(session, number, reply.sender_id)
                return self.choose_category(reply, number)
            elif do == "offer_group":
                return self.choose_category(reply, number, category)
            elif do == "offer_category":
                store.require_member(session, number, reply.sender_id)
                if categories.category(category) is None:
                    return self.choose_category(reply, number)
                reply.send(w.say(lang, "offer.start", category=w.category_name(category, lang)))
                return self.open_form("offer", lang, provider=number, category=category)
            else:
                offer = store.get_offer(session, number)
                if offer is None or store.membership(session, offer.provider_id, reply.sender_id) is None:
                    reply.send(w.say(lang, "errors.offer_not_found"))
                    return provider_home(reply, session)
                moved = {"submit": store.submit_offer, "pause": store.pause_offer, "resume": store.resume_offer,
                         "archive": lambda s, i, u, now: store.archive_offer(s, i, sender_id=u, now=now)}.get(do)
                if moved is not None:
                    moved(session, offer.id, reply.sender_id, now=utc_now())
                    my_offer(reply, session, offer, w.say(lang, f"provider.{do}_done"))
                else:
                    my_offer(reply, session, offer)
        except MarketplaceError as error:
            reply.send(error_text(reply, error))
        return [SlotSet("last_topic", TOPIC)]

    def choose_category(self, reply: Reply, provider_id: int, group_id: str = "") -> list[EventType]:
        """A new offer starts with its category: the groups, then the subcategories of the group chosen."""
        lang = reply.language
        group = next((g for g in categories.groups() if g.id == group_id), None)
        if group is None:
            reply.send(w.say(lang, "offer.group_ask"),
                       [(w.group_title(g, lang), school_button("offer_group", id=provider_id, cat=g.id))
                        for g in categories.groups()])
        else:
            reply.send(w.say(lang, "offer.category_ask", group=group.name(lang)),
                       [(w.category_name(c, lang), school_button("offer_category", id=provider_id, cat=c))
                        for c in group.categories][:10])
        return []

    def on_request(self, reply: Reply, tracker: Tracker, session: Session, do: str, req: str,
                   channels: set[str]) -> list[EventType]:
        lang, now = reply.language, utc_now()
        row = qr.get_request(session, int(req), reply.sender_id) if req.isdigit() else None
        if row is None:
            reply.send(w.say(lang, "errors.request_not_found"))
            return []
        try:
            if do == "price":
                reply.send(w.say(lang, "price.ask", brief=w.brief(row, lang)))
                return self.open_form("price", lang, req=row.id, currency=local_currency(row.offer.country))
            if do == "write":
                if qr.contact(session, row.id, reply.sender_id) is None:
                    raise MarketplaceError("not_confirmed")
                reply.send(w.say(lang, "write.ask"))
                return self.open_form("write", lang, req=row.id)
            if do == "comment":
                reply.send(w.say(lang, "rate.comment_ask"))
                return self.open_form("comment", lang, req=row.id)
            moves = {"accept": qr.accept_request, "decline": qr.decline_request, "confirm": qr.confirm_request,
                     "cancel": qr.cancel_request, "complete": qr.complete_request}
            if do in moves:
                before = row.state
                moves[do](session, row.id, reply.sender_id, now=now)
                if row.state != before:
                    channels |= notify.notify(session, row, row.state, now, actor=reply.sender_id)
                reply.send(w.say(lang, f"moves.{do}_done", title=w.title(row.offer, lang)))
                if do == "complete":
                    reply.send(w.say(lang, "rate.ask"), w.rating_buttons(lang, tracker_intent(tracker), row.id))
                    return []
            if do == "rate":
                stars = entity_value(tracker, "mp_v")
                qr.rate(session, row.id, reply.sender_id, int(stars) if stars.isdigit() else stars, now=now)
                reply.send(w.say(lang, "rate.thanks"), [(w.say(lang, "rate.comment_button"),
                                                         w.button("comment", tracker_intent(tracker), req=row.id))])
                return []
        except MarketplaceError as error:
            reply.send(error_text(reply, error))
        request_card(reply, session, row)
        return [SlotSet("last_topic", TOPIC)]


def tracker_intent(tracker: Tracker) -> str:
    name = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    return name if name in (w.SME_INTENT, w.PROVIDER_INTENT) else w.SME_INTENT
