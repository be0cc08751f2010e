"""The marketplace's form ``marketplace_form``: what must be typed (the request's brief, a link code, a price
and date, a message to the other side, a rating's comment, a new offer's fields), one field at a time, with the
reason and the question again for an answer that is not taken (see ``actions/marketplace.py``)."""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecutionRejected, EventType, SlotSet
from sqlalchemy.orm import Session

from actions.base import Button, LocalizedAction, Reply, end_form
from actions.data import entity_value, kb_session
from actions.marketplace_replies import (
    ANSWER_SLOT,
    CHOICES,
    END,
    FLOWS,
    FORM,
    PRICE_KINDS,
    SKIPPABLE,
    STEP_SLOT,
    error_text,
    local_currency,
    my_offer,
    provider_home,
    sme_button,
    utc_now,
    wake_workers,
)
from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.i18n import t
from lmi4vet.marketplace import notify, store
from lmi4vet.marketplace import quote_requests as qr
from lmi4vet.marketplace import wording as w
from lmi4vet.marketplace.checks import MarketplaceError, cents
from lmi4vet.marketplace.models import Offer
from lmi4vet.marketplace.places import find_place
from lmi4vet.marketplace.understanding import (
    looks_like_code,
    parse_amount,
    parse_date,
    parse_days,
    parse_quantity,
)
from lmi4vet.text import fold


# -- the form ---------------------------------------------------------------------------------------------------
def read_step(tracker: Tracker) -> dict[str, Any]:
    try:
        step = json.loads(tracker.get_slot(STEP_SLOT) or "{}")
    except (TypeError, ValueError):
        return {}
    return step if isinstance(step, dict) and step.get("flow") in FLOWS else {}


class FormAction(LocalizedAction):
    """A form action: it answers in the language the flow started in."""

    def fixed_language(self, tracker: Tracker) -> str | None:
        value = read_step(tracker).get("lang")
        return value if isinstance(value, str) and value else None


def question(reply: Reply, step: dict[str, Any]) -> tuple[str, list[Button]]:
    """The current field's question and its buttons (choices, skip, cancel)."""
    lang, flow, field = reply.language, step["flow"], step["field"]
    data = step.get("data") or {}
    params = {name: str(value) for name, value in data.items()}
    if flow == "brief" and field == "review":
        text = w.say(lang, "brief.review", what=data.get("what", ""), quantity=str(data.get("quantity", "")),
                     date=w.day(date.fromisoformat(data["wanted_by"]), lang),
                     budget=w.money(data["budget"], data.get("currency"), lang) if data.get("budget") is not None
                     else w.say(lang, "no_budget"),
                     contact=" ".join(part for part in (w.say(lang, f"brief.contact_{data.get('contact', 'chat')}"),
                                                        data.get("address") or "") if part))
        return text, [(w.say(lang, "brief.send_button"), sme_button("form", v="send")),
                      (w.say(lang, "brief.restart_button"), sme_button("form", v="restart")),
                      (w.say(lang, "cancel_button"), sme_button("form", v="cancel"))]
    text = w.say(lang, f"{flow}.{field}", **params)
    buttons: list[Button] = [(w.say(lang, f"{flow}.{field}_{choice}"), sme_button("form", v=choice))
                             for choice in CHOICES.get(field, ())]
    if field == "place":
        buttons.append((w.say(lang, "offer.remote_button"), sme_button("form", v="remote")))
    if field in SKIPPABLE and not (flow == "offer" and field == "price" and data.get("price_kind") == "fixed"):
        buttons.append((w.say(lang, f"{flow}.{field}_skip" if field == "budget" else "skip_button"),
                        sme_button("form", v="skip")))
    if field in NUMERIC:  # a typed number must not pick a WhatsApp menu's option: "cancel" is typed
        return text, []
    buttons.append((w.say(lang, "cancel_button"), sme_button("form", v="cancel")))
    return text, buttons


NUMERIC = ("quantity", "lead_time")  # fields answered with a small number: no buttons


@cache
def cancel_words() -> frozenset[str]:
    """The words that, typed alone, cancel the flow ("cancel", "anulează", "abbrechen"...), in every language:
    on WhatsApp a digit answers a numbered menu, so a number typed as an answer must not land on "Cancel"."""
    return frozenset(fold(word).strip() for lang in SUPPORTED_LANGUAGES
                     for word in t(lang, "marketplace.cancel_words").split(","))


class ActionAskMarketplaceAnswer(FormAction):
    """The form's question: the current field of the flow."""

    def name(self) -> str:
        return "action_ask_marketplace_answer"

    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        step = read_step(tracker)
        if not step:
            return end_form()
        text, buttons = question(reply, step)
        reply.send(text, buttons)
        return []


class ValidateMarketplaceForm(FormAction):
    """Reads each message of a typed flow (see the module docstring)."""

    def name(self) -> str:
        return "validate_marketplace_form"

    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        raw = tracker.get_slot(ANSWER_SLOT)
        step = read_step(tracker)
        if raw is None or raw == END:
            return []
        if not step:
            return self.finish(step)
        text = str(raw).strip()
        if text.startswith("/"):
            if entity_value(tracker, "mp") != "form":
                return self.hand_over()  # a button of something else: answered as usual
            text, choice = "", entity_value(tracker, "mp_v")
        else:
            choice = ""
        if choice == "cancel" or fold(text).strip(" .!") in cancel_words():
            reply.send(w.say(reply.language, "cancelled"))
            return self.finish({})
        channels: set[str] = set()
        try:
            with kb_session() as session:
                events = self.take(reply, session, step, text, choice, channels)
        finally:
            wake_workers(channels)
        return events

    # -- what comes next ---------------------------------------------------------------------------------------
    @staticmethod
    def again(step: dict[str, Any]) -> list[EventType]:
        return [SlotSet(STEP_SLOT, json.dumps(step, ensure_ascii=False)), SlotSet(ANSWER_SLOT, None)]

    @staticmethod
    def finish(step: dict[str, Any]) -> list[EventType]:
        """End the form; ``action_marketplace_end`` shows what comes next (``step["next"]``)."""
        return [SlotSet(STEP_SLOT, json.dumps(step, ensure_ascii=False) if step else None), SlotSet(ANSWER_SLOT, END)]

    @staticmethod
    def hand_over() -> list[EventType]:
        return [SlotSet(ANSWER_SLOT, None), SlotSet(STEP_SLOT, None), *end_form(), ActionExecutionRejected(FORM)]

    def advance(self, step: dict[str, Any]) -> list[EventType]:
        """The next field of the flow (the brief asks an address only for email or phone)."""
        fields = FLOWS[step["flow"]]
        index = fields.index(step["field"]) + 1
        data = step["data"]
        while index < len(fields) and (
                (fields[index] == "address" and data.get("contact") == "chat")
                or (step["flow"] == "offer" and fields[index] == "price"
                    and data.get("price_kind") in ("free", "quote"))):
            index += 1
        if index >= len(fields):
            return []
        step["field"] = fields[index]
        return self.again(step)

    def retry(self, reply: Reply, step: dict[str, Any], error: MarketplaceError | str) -> list[EventType]:
        """Say why the answer was not taken; the question is asked again."""
        reply.send(error_text(reply, error) if isinstance(error, MarketplaceError) else w.say(reply.language, error))
        return self.again(step)

    # -- the answers -------------------------------------------------------------------------------------------
    def take(self, reply: Reply, session: Session, step: dict[str, Any], text: str, choice: str,
             channels: set[str]) -> list[EventType]:
        flow = step["flow"]
        taker = {"brief": self.brief, "code": self.code, "price": self.price, "write": self.write,
                 "comment": self.comment, "offer": self.offer}[flow]
        try:
            return taker(reply, session, step, text, choice, channels)
        except MarketplaceError as error:
            return self.retry(reply, step, error)

    def brief(self, reply: Reply, session: Session, step: dict[str, Any], text: str, choice: str,
              channels: set[str]) -> list[EventType]:
        lang, field, data, today = reply.language, step["field"], step["data"], utc_now().date()
        offer = session.get(Offer, int(data["offer"]))
        if offer is None:
            reply.send(w.say(lang, "errors.offer_unavailable"))
            return self.finish({})
        if field == "what":
            data["what"] = qr.check_what(text)
        elif field == "quantity":
            number = parse_quantity(text, lang)
            data["quantity"] = qr.check_quantity(number if number is not None else text)
        elif field == "wanted_by":
            day = parse_date(text, lang, today)
            data["wanted_by"] = qr.check_wanted_by(day, today, offer.lead_time_days).isoformat()
        elif field == "budget":
            if choice == "skip":
                data["budget"], data["currency"] = None, None
            else:
                amount = parse_amount(text)
                if amount is None:
                    raise MarketplaceError("budget_invalid")
                data["budget"] = qr.check_budget(amount.value)
                data["currency"] = amount.currency or local_currency(offer.country)
        elif field == "contact":
            if choice not in qr.CONTACT_PREFERENCES:
                return self.retry(reply, step, "brief.contact_choose")
            data["contact"] = choice
        elif field == "address":
            data["address"] = qr.check_contact(data["contact"], text)[1]
        elif field == "review":
            if choice == "restart":
                return self.again({**step, "field": "what", "data": {"offer": data["offer"]}})
            if choice != "send":
                return self.retry(reply, step, "not_a_choice")
            row = qr.request_offer(session, offer.id, reply.sender_id, language=lang, what=data["what"],
                                   wanted_by=date.fromisoformat(data["wanted_by"]), quantity=data["quantity"],
                                   budget=None if data.get("budget") is None else data["budget"] / 100,
                                   currency=data.get("currency") or "EUR",
                                   contact_preference=data["contact"], contact=data.get("address"),
                                   now=utc_now())
            channels |= notify.notify(session, row, "requested", utc_now(), actor=reply.sender_id)
            reply.send(w.say(lang, "brief.sent", provider=offer.provider.name, number=str(row.id)),
                       [(w.say(lang, "see_request_button"), sme_button("request_card", req=row.id)),
                        (w.say(lang, "chat.mine_button"), sme_button("mine"))])
            return self.finish({})
        return self.advance(step)

    def code(self, reply: Reply, session: Session, step: dict[str, Any], text: str, choice: str,
             channels: set[str]) -> list[EventType]:
        code = looks_like_code(text)
        if code is None:
            return self.retry(reply, step, "errors.code_format")
        found = store.redeem_code(session, code, reply.sender_id, utc_now())
        if found.member is None:
            reply.send(w.say(reply.language, f"errors.{found.error}", tries=str(found.tries_left)))
            return self.finish({}) if found.error in ("too_many_tries", "provider_inactive") else self.again(step)
        notify.remember_language(session, reply.sender_id, reply.language)
        reply.send(w.say(reply.language, "provider.linked", provider=found.member.provider.name))
        return self.finish({"flow": "code", "field": "code", "lang": reply.language, "next": "provider",
                            "data": {}})

    def price(self, reply: Reply, session: Session, step: dict[str, Any], text: str, choice: str,
              channels: set[str]) -> list[EventType]:
        data, lang = step["data"], reply.language
        if step["field"] == "price":
            amount = parse_amount(text)
            if amount is None:
                raise MarketplaceError("price_invalid")
            cents(amount.value, "price")  # a negative price is refused here already
            data["price"], data["currency"] = str(amount.value), amount.currency or data.get("currency") or "EUR"
            return self.advance(step)
        today = utc_now().date()
        day = parse_date(text, lang, today)
        row = qr.offer_price(session, int(data["req"]), reply.sender_id, price=data["price"],
                             day=day if day is not None else None, currency=data["currency"], now=utc_now())
        channels |= notify.notify(session, row, "offered", utc_now(), actor=reply.sender_id)
        reply.send(w.say(lang, "price.sent", offered=w.offered(row, lang)))
        return self.finish({})

    def write(self, reply: Reply, session: Session, step: dict[str, Any], text: str, choice: str,
              channels: set[str]) -> list[EventType]:
        row = qr.get_request(session, int(step["data"]["req"]), reply.sender_id)
        if row is None or not text:
            return self.retry(reply, step, "write.empty")
        body = qr.check_message(text)
        channels |= notify.notify(session, row, "message", utc_now(), actor=reply.sender_id, text=body,
                                  serial=int(utc_now().timestamp() * 1000))
        reply.send(w.say(reply.language, "write.sent"))
        return self.finish({})

    def comment(self, reply: Reply, session: Session, step: dict[str, Any], text: str, choice: str,
                channels: set[str]) -> list[EventType]:
        if choice != "skip":
            qr.comment_rating(session, int(step["data"]["req"]), reply.sender_id, text)
            reply.send(w.say(reply.language, "rate.comment_saved"))
        return self.finish({})

    def offer(self, reply: Reply, session: Session, step: dict[str, Any], text: str, choice: str,
              channels: set[str]) -> list[EventType]:
        lang, field, data = reply.language, step["field"], step["data"]
        skip = choice == "skip"
        if field == "title":
            data["title"] = store.check_text(lang, text, "")[1]
        elif field == "description":
            data["description"] = "" if skip else store.check_text(lang, "-", text)[2]
        elif field == "place":
            if choice == "remote":
                data.update(remote=True, city=None, region=None)
            else:
                found = find_place(text, asked=True)
                if found is None or found.kind != "city":
                    return self.retry(reply, step, "offer.place_unknown")
                data.update(remote=False, city=found.city, region=found.region, country=found.country)
        elif field == "price_kind":
            if choice not in PRICE_KINDS:
                return self.retry(reply, step, "not_a_choice")
            data["price_kind"] = choice
        elif field == "price":
            if skip:
                data["price"] = None
            else:
                amount = parse_amount(text)
                if amount is None:
                    raise MarketplaceError("price_invalid")
                cents(amount.value, "price")
                data["price"], data["currency"] = str(amount.value), amount.currency
        elif field == "lead_time":
            number = None if skip else parse_days(text, lang)
            if not skip and number is None:
                return self.retry(reply, step, "offer.lead_time_invalid")
            data["lead_time"] = number
        elif field == "teacher":
            data["teacher"] = None if skip else text
            return self.create_offer(reply, session, step)
        return self.advance(step)

    def create_offer(self, reply: Reply, session: Session, step: dict[str, Any]) -> list[EventType]:
        data, lang = step["data"], reply.language
        provider = store.require_member(session, int(data["provider"]), reply.sender_id).provider
        country = data.get("country") or provider.country
        fields = {"category": data["category"], "country": country, "region": data.get("region"),
                  "city": data.get("city"), "remote": bool(data.get("remote")), "price_kind": data["price_kind"],
                  "lead_time_days": data.get("lead_time"), "teacher": data.get("teacher"), "languages": [lang]}
        if data.get("price") is not None:
            fields.update(price=data["price"], currency=data.get("currency") or local_currency(country))
        offer = store.create_offer(session, provider.id, reply.sender_id, language=lang, title=data["title"],
                                   description=data.get("description") or "", now=utc_now(), **fields)
        return self.finish({"flow": "offer", "field": "teacher", "lang": lang, "next": "my_offer",
                            "data": {"offer": offer.id}})


class ActionMarketplaceEnd(FormAction):
    """After the form: what comes next (the provider's home after linking, the new offer's card)."""

    def name(self) -> str:
        return "action_marketplace_end"

    def respond(self, reply: Reply, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        step = read_step(tracker)
        events: list[EventType] = [SlotSet(ANSWER_SLOT, None), SlotSet(STEP_SLOT, None)]
        with kb_session() as session:
            if step.get("next") == "provider":
                provider_home(reply, session)
            elif step.get("next") == "my_offer":
                offer = store.get_offer(session, int(step["data"]["offer"]))
                if offer is not None:
                    my_offer(reply, session, offer, w.say(reply.language, "offer.created"))
        return events
