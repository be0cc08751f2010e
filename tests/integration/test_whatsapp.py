"""WhatsApp (Twilio) webhook, table-driven, through the real assistant to the Messages API stand-in."""

from __future__ import annotations

import itertools
import time
from urllib.parse import urlencode

import pytest
import requests
from twilio.request_validator import RequestValidator

from actions.menu import MAIN_MENU
from lmi4vet.content import pages, section
from lmi4vet.i18n import t
from tests.integration.conftest import TWILIO_FROM, TWILIO_PUBLIC_URL, TWILIO_SID, TWILIO_TOKEN

pytestmark = pytest.mark.integration
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
_numbers = itertools.count(int(time.time()) % 10_000_000)
_sids = itertools.count(1)


def number(prefix: str = "+40") -> str:
    return f"whatsapp:{prefix}7{next(_numbers):08d}"


def fields(sender: str, body: str = "", **extra: str) -> dict[str, str]:
    """The form Twilio posts for an inbound WhatsApp message (blank fields included)."""
    base = {"SmsMessageSid": "", "NumMedia": "0", "ProfileName": "Ana", "MessageType": "text",
            "SmsSid": "", "WaId": sender.split("+")[1], "SmsStatus": "received", "Body": body, "To": TWILIO_FROM,
            "NumSegments": "1", "ReferralNumMedia": "0", "MessageSid": f"SM{next(_sids):032x}",
            "AccountSid": TWILIO_SID, "From": sender, "ApiVersion": "2010-04-01"}
    base["SmsMessageSid"] = base["SmsSid"] = base["MessageSid"]
    base.update(extra)
    return base


def post(assistant, form: dict[str, str], signature: str | None = "valid", route: str = "webhook",
         public_url: str = TWILIO_PUBLIC_URL) -> requests.Response:
    """POST ``form`` to ``/webhooks/whatsapp/<route>``, signed for ``public_url`` (or with ``signature``)."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature == "valid":
        headers["X-Twilio-Signature"] = RequestValidator(TWILIO_TOKEN).compute_signature(public_url, form)
    elif signature is not None:
        headers["X-Twilio-Signature"] = signature
    return requests.post(f"{assistant.url}/webhooks/whatsapp/{route}", data=urlencode(form), headers=headers,
                         timeout=30)


class WhatsAppUser:
    """One WhatsApp number talking to the assistant through the stand-in: :meth:`send` returns the Messages API
    calls of the turn, up to the first whose body starts with what is expected (waited for, with a deadline);
    messages that arrive without a turn (a notice from the other side of a request) are read with :meth:`wait`."""

    def __init__(self, assistant, api, prefix: str = "+40") -> None:
        self.assistant, self.api = assistant, api
        self.sender = number(prefix)
        self.seen = 0

    def wait(self, expect: str, timeout: float = 60) -> list[dict]:
        """The calls since the last one seen, up to the first whose body starts with ``expect``."""
        deadline = time.monotonic() + timeout
        while True:
            calls = [c.params for c in self.api.calls_of("Messages.create", To=self.sender)][self.seen:]
            found = [n for n, c in enumerate(calls) if c.get("Body", "").startswith(expect)]
            if found:
                self.seen += found[0] + 1
                return calls[:found[0] + 1]
            assert time.monotonic() < deadline, f"no message starting {expect!r}: {[c.get('Body') for c in calls]}"
            time.sleep(0.05)

    def send(self, text: str, expect: str) -> list[dict]:
        assert post(self.assistant, fields(self.sender, text)).status_code == 200
        return self.wait(expect)


def number_of(body: str, title: str) -> str:
    """The number of ``title`` in a numbered menu."""
    return next(line.split(". ", 1)[0] for line in body.splitlines() if line.endswith(f". {title}"))


def bodies(api, sender: str, count: int = 1) -> list[str]:
    return [c.params.get("Body", "") for c in api.wait_for("Messages.create", count, To=sender)]


def test_text_gets_empty_twiml_then_a_reply_with_a_numbered_menu(assistant, twilio_api) -> None:
    sender = number("+40")
    reply = post(assistant, fields(sender, "Bună ziua"))
    assert reply.status_code == 200 and reply.text == EMPTY_TWIML
    [body] = bodies(twilio_api, sender)
    assert body.startswith(t("ro", "greet.hello"))
    assert f"1. {t('ro', 'menu.indicators')}" in body
    assert body.endswith(t("ro", "channels.numbered_menu_hint", last=str(len(MAIN_MENU))))
    assert twilio_api.calls_of("Messages.create", To=sender)[0].params["From"] == TWILIO_FROM


def test_a_digit_and_an_option_title_pick_from_the_menu(assistant, twilio_api) -> None:
    sender = number("+34")
    post(assistant, fields(sender, "hola"))
    bodies(twilio_api, sender)
    post(assistant, fields(sender, "1"))
    assert bodies(twilio_api, sender, 2)[1] == t("es", "figures.which_indicator", place="UE-27") + \
        "\n\n" + "\n".join(f"{n}. {t('es', f'indicators.{code}')}" for n, code in enumerate(
            ["unemployment_rate", "youth_unemployment_rate", "employment_rate", "neet_rate", "job_vacancy_rate"],
            start=1)) + "\n\n" + t("es", "channels.numbered_menu_hint", last="5")  # the EU-27 has no minimum wage
    post(assistant, fields(sender, "tasa de paro juvenil (15-24 años)"))
    assert bodies(twilio_api, sender, 3)[2].startswith("Tasa de paro juvenil (15-24 años), UE-27, 2025:")


@pytest.mark.parametrize("signature", [None, "", "forged+signature=", "valid-but-for-other-fields"])
def test_unsigned_or_forged_requests_are_refused(assistant, twilio_api, signature) -> None:
    sender = number()
    form = fields(sender, "hello")
    if signature == "valid-but-for-other-fields":
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(TWILIO_PUBLIC_URL, {**form, "Body": "other"})
    assert post(assistant, form, signature=signature).status_code == 403
    # the sender's next, signed message is answered; the refused one, had it gone through, would have been
    # answered first (a sender's messages are handled in order)
    assert post(assistant, fields(sender, "hello")).status_code == 200
    bodies(twilio_api, sender)
    assert len(twilio_api.calls_of("Messages.create", To=sender)) == 1


def test_blank_body_is_signed_and_answered(assistant, twilio_api) -> None:
    sender = number("+33")
    assert post(assistant, fields(sender, "")).status_code == 200
    assert bodies(twilio_api, sender)[0]


def test_media_only_messages_get_a_polite_answer(assistant, twilio_api) -> None:
    sender = number("+49")
    form = fields(sender, "", NumMedia="1", MediaContentType0="image/jpeg", MessageType="image",
                  MediaUrl0="https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME")
    post(assistant, form)
    assert bodies(twilio_api, sender)[0].startswith(t("de", "fallback.media"))


def test_a_duplicate_message_sid_gets_one_reply(assistant, twilio_api) -> None:
    sender = number("+44")  # no language from +44: English
    form = fields(sender, "hello")
    assert post(assistant, form).status_code == 200
    assert post(assistant, form).status_code == 200
    bodies(twilio_api, sender)
    post(assistant, fields(sender, "thank you"))  # answered after anything the duplicate could cause
    replies = bodies(twilio_api, sender, 2)
    assert replies[1].startswith(t("en", "thank"))
    assert len(twilio_api.calls_of("Messages.create", To=sender)) == 2


def test_long_replies_are_split_at_1600_characters(assistant, twilio_api) -> None:
    sender = number("+44")  # no language from +44: English
    seen = 0

    def turn(text: str, count: int) -> list[str]:
        """The bodies sent for one message: exactly ``count`` of them."""
        nonlocal seen
        post(assistant, fields(sender, text))
        replies = bodies(twilio_api, sender, seen + count)[seen:]
        assert len(replies) == count, (text, replies)  # (one more than expected shows in the next turn)
        seen += count
        return replies

    turn("hello", 1)
    assert turn("the guide", 1)[0].startswith(t("en", "guide.contents", page="1", pages="2"))
    found = section("en", "unemployment-vs-employment")  # third in the contents; its first page is long
    assert turn("3", 1)[0].startswith(f"📘 {found['title']}\n\n{found['summary']}")
    assert len(pages(found["body"])) == 2
    menu = [t("en", key) for key in ("guide.more", "guide.next", "guide.previous", "guide.to_contents")]
    full = (f"📘 {t('en', 'guide.section_page', title=found['title'], page='1', pages='2')}\n\n"
            f"{pages(found['body'])[0]}\n\n" + "\n".join(f"{n}. {title}" for n, title in enumerate(menu, start=1))
            + "\n\n" + t("en", "channels.numbered_menu_hint", last="4"))
    assert len(full) > 1600
    replies = turn("1", 2)  # "1. Read the full text"
    assert all(len(body) <= 1600 for body in replies), [len(body) for body in replies]
    assert "\n\n".join(replies) == full  # in order, split between paragraphs, nothing lost
    assert turn("thank you", 1)[0].startswith(t("en", "thank"))  # and nothing more came after the last turn
    assert len(twilio_api.calls_of("Messages.create", To=sender)) == seen


def test_phone_numbers_never_reach_the_tracker_or_the_logs(assistant, twilio_api) -> None:
    sender = number("+40")
    post(assistant, fields(sender, "salut, ce meserii se cauta"))
    bodies(twilio_api, sender)
    digits = sender.split("+")[1]
    assert digits not in (assistant.var_dir / "serve.log").read_text(errors="replace")
    import sqlite3

    with sqlite3.connect(assistant.var_dir / "tracker.db") as db:
        ids = [row[0] for row in db.execute("select distinct sender_id from events")]
    assert not any(digits in i for i in ids)


STATUS_URL = TWILIO_PUBLIC_URL.rsplit("/", 1)[0] + "/status"


def post_status(assistant, form: dict[str, str], signature: str | None = "valid") -> requests.Response:
    return post(assistant, form, signature, route="status", public_url=STATUS_URL)


def test_delivery_status_callbacks_are_recorded_per_reply(assistant, twilio_api) -> None:
    import sqlite3

    sender = number("+34")
    assert post(assistant, fields(sender, "hola")).status_code == 200
    [reply] = twilio_api.wait_for("Messages.create", To=sender)
    assert reply.params["StatusCallback"] == STATUS_URL
    sid = next(m["sid"] for m in twilio_api.created if m["to"] == sender)

    def callback(state: str, **extra: str) -> dict[str, str]:
        return {"MessageSid": sid, "SmsSid": sid, "MessageStatus": state, "SmsStatus": state,
                "AccountSid": TWILIO_SID, "From": TWILIO_FROM, "To": sender, "ApiVersion": "2010-04-01", **extra}

    def delivery() -> str | None:
        with sqlite3.connect(assistant.var_dir / "lmi4vet.db") as db:
            return db.execute("select delivery from outbox where provider_id = ?", (sid,)).fetchone()[0]

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the reply's id is recorded right after the provider answered
        with sqlite3.connect(assistant.var_dir / "lmi4vet.db") as db:
            if db.execute("select count(*) from outbox where provider_id = ?", (sid,)).fetchone()[0]:
                break
        time.sleep(0.02)
    assert post_status(assistant, callback("sent")).json() == {"recorded": True}
    assert post_status(assistant, callback("read")).json() == {"recorded": True}
    assert post_status(assistant, callback("delivered")).json() == {"recorded": True}  # late: ignored
    assert delivery() == "read"
    assert post_status(assistant, callback("failed", ErrorCode="63016"), signature="forged").status_code == 403
    assert post_status(assistant, {"MessageSid": sid}).status_code == 400
    assert post_status(assistant, callback("delivered", MessageSid="SM" + "0" * 32)).json() == {"recorded": False}
    assert delivery() == "read"
    # the same callback posted to the message URL by mistake is not taken for a message from our own number
    assert post(assistant, callback("read")).status_code == 200
    with sqlite3.connect(assistant.var_dir / "lmi4vet.db") as db:  # stored before the 200 if it were taken
        assert db.execute("select count(*) from inbox where address = ?", (TWILIO_FROM,)).fetchone()[0] == 0
