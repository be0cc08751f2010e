"""Opt-ins to updates per topic and country, their record, and the global STOP / START.

Every change of a consent is appended to :class:`ConsentLog` with its time, method, language and the version
of the wording the user answered, so the record of what someone agreed to survives later changes. STOP
(:func:`unsubscribe`) silences everything at once without touching the per-topic choices; START
(:func:`resubscribe`) brings them back as they were.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.db.models import ChannelUser
from lmi4vet.events.catalogue import check_language, check_topic, country_code, utc
from lmi4vet.events.models import Consent, ConsentLog, Subscriber
from lmi4vet.settings import PROJECT_ROOT
from lmi4vet.text import fold

#: Version of the opt-in wording (the text lives in the locales): bump it whenever that text changes, so the
#: record says which wording each consent answered.
WORDING_VERSION = "1"
METHODS = ("button", "command", "keyword", "console")
KINDS = ("stop", "start")
ALL = "*"  # topic and country of a global STOP / START in the log
KEYWORDS_FILE = PROJECT_ROOT / "content" / "events" / "keywords.yml"
_NON_WORD = re.compile(r"[^0-9a-z]+")


def _check_method(method: str) -> str:
    if method not in METHODS:
        raise ValueError(f"unknown consent method {method!r}: one of {', '.join(METHODS)}")
    return method


def _log(session: Session, sender_id: str, topic: str, country: str, opted_in: bool, method: str,
         language: str, wording_version: str, now: datetime) -> None:
    session.add(ConsentLog(sender_id=sender_id, topic=topic, country=country, opted_in=opted_in, changed_at=now,
                           method=method, wording_version=wording_version, language=language))


def set_consent(session: Session, sender_id: str, topic: str, country: str, opted_in: bool, method: str,
                language: str, wording_version: str, now: datetime) -> Consent:
    """Opt a user in to (or out of) updates on ``topic`` in ``country`` ("EU": Europe-wide, which also counts
    for every country), answered in ``language`` to the wording ``wording_version``. Logged when something
    changed (a repeated tap changes nothing, the first time stays on record)."""
    topic, country = check_topic(topic), country_code(country)
    _check_method(method)
    check_language(language)
    if not wording_version:
        raise ValueError("the wording version is needed")
    now = utc(now)
    consent = session.execute(select(Consent).where(Consent.sender_id == sender_id, Consent.topic == topic,
                                                    Consent.country == country)).scalar_one_or_none()
    if consent is None:
        consent = Consent(sender_id=sender_id, topic=topic, country=country)
        session.add(consent)
    elif (consent.opted_in, consent.language, consent.wording_version) == (opted_in, language, wording_version):
        return consent
    consent.opted_in, consent.changed_at, consent.method = bool(opted_in), now, method
    consent.language, consent.wording_version = language, wording_version
    _log(session, sender_id, topic, country, bool(opted_in), method, language, wording_version, now)
    session.flush()
    return consent


def consents_of(session: Session, sender_id: str) -> list[Consent]:
    """A user's consents (in and out), by topic then country, for ``/preferences``."""
    return list(session.execute(select(Consent).where(Consent.sender_id == sender_id)
                                .order_by(Consent.topic, Consent.country)).scalars())


def history(session: Session, sender_id: str) -> list[ConsentLog]:
    """Every change a user made, oldest first (STOP and START included, with topic "*")."""
    return list(session.execute(select(ConsentLog).where(ConsentLog.sender_id == sender_id)
                                .order_by(ConsentLog.id)).scalars())


# -- STOP / START ---------------------------------------------------------------------------------------------
def normalise(text: str) -> str:
    """Lower case, no accents, every run of punctuation or spaces one space, none at either end."""
    return " ".join(_NON_WORD.sub(" ", fold(text)).split())


@cache
def keywords() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Normalised word -> ``(kind, languages that list it)``, from ``content/events/keywords.yml``.
    ValueError if a word means stop in one place and start in another."""
    lists = yaml.safe_load(KEYWORDS_FILE.read_text(encoding="utf-8")) or {}
    table: dict[str, tuple[str, tuple[str, ...]]] = {}
    for lang in SUPPORTED_LANGUAGES:
        by_kind = lists.get(lang) or {}
        unknown = set(by_kind) - set(KINDS)
        if unknown:
            raise ValueError(f"{KEYWORDS_FILE}: {lang}: unknown kinds {sorted(unknown)}")
        for kind in KINDS:
            for word in by_kind.get(kind) or []:
                key = normalise(str(word))
                if not key:
                    raise ValueError(f"{KEYWORDS_FILE}: {lang}: empty {kind} word {word!r}")
                known_kind, langs = table.get(key, (kind, ()))
                if known_kind != kind:
                    raise ValueError(f"{KEYWORDS_FILE}: {word!r} means both stop and start")
                table[key] = (kind, langs if lang in langs else (*langs, lang))
    return table


def keyword(text: str, prefer: str | None = None) -> tuple[str, str] | None:
    """``("stop" | "start", language)`` when the whole message is a STOP or START word of any language, else
    None ("stop smoking tips" is not STOP; button payloads and commands, starting with "/", never are). A word
    of several languages (STOP) gives ``prefer`` (the conversation's language) when it is one of them.

    A START from someone who is not unsubscribed changes nothing (:func:`resubscribe` returns False): the
    caller may then let the message go on to the NLU (German "anmelden" also means registering)."""
    if not text or text.lstrip().startswith("/") or len(text) > 60:
        return None
    found = keywords().get(normalise(text))
    if found is None:
        return None
    kind, langs = found
    return kind, prefer if prefer in langs else langs[0]


def is_unsubscribed(session: Session, sender_id: str) -> bool:
    subscriber = session.get(Subscriber, sender_id)
    return subscriber is not None and subscriber.unsubscribed_at is not None


def unreachable(session: Session, sender_id: str) -> str:
    """Why nothing may be sent to a user now ("" = it may): STOP since, or the contact blocked the bot (or was
    erased)."""
    if is_unsubscribed(session, sender_id):
        return "unsubscribed since"
    user = session.get(ChannelUser, sender_id)
    if user is None or user.stopped_at is not None:
        return "the contact is stopped"
    return ""


def _set_subscriber(session: Session, sender_id: str, stopped: bool, method: str, language: str,
                    now: datetime) -> bool:
    _check_method(method)
    check_language(language)
    now = utc(now)
    subscriber = session.get(Subscriber, sender_id)
    if subscriber is None:
        if not stopped:
            return False  # never unsubscribed: nothing to resume
        subscriber = Subscriber(sender_id=sender_id)
        session.add(subscriber)
    elif (subscriber.unsubscribed_at is not None) == stopped:
        return False
    subscriber.unsubscribed_at = now if stopped else None
    subscriber.method, subscriber.language = method, language
    _log(session, sender_id, ALL, ALL, not stopped, method, language, WORDING_VERSION, now)
    session.flush()
    return True


def unsubscribe(session: Session, sender_id: str, method: str, language: str, now: datetime) -> bool:
    """STOP: nothing more is sent to the user (no updates, no reminders) until START; logged with topic "*".
    Whether it changed anything (False: already unsubscribed; confirm anyway)."""
    return _set_subscriber(session, sender_id, True, method, language, now)


def resubscribe(session: Session, sender_id: str, method: str, language: str, now: datetime) -> bool:
    """START: the user's consents apply again, as they were before STOP. Whether it changed anything."""
    return _set_subscriber(session, sender_id, False, method, language, now)
