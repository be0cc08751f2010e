"""What the console reads: conversations from the tracker store's events, reviews and corrections from our
database, analytics over both. Filters use bound parameters only."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from lmi4vet.db.models import ConversationReview, ModuleResult, NluCorrection
from lmi4vet.language import detect
from lmi4vet.privacy import EVENTS, has_events_table
from lmi4vet.settings import PROJECT_ROOT

FALLBACK_ACTIONS = {"action_fallback"}
FALLBACK_INTENTS = {"nlu_fallback", "out_of_scope"}  # both are answered by the fallback


def utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).replace(tzinfo=None)


@dataclass
class Turn:
    """One line of a transcript."""

    kind: str  # user | bot | action | slot
    when: datetime
    text: str = ""
    intent: str = ""
    confidence: float | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    buttons: list[dict[str, Any]] = field(default_factory=list)
    name: str = ""
    message_id: str = ""
    channel: str = ""


@dataclass
class Conversation:
    """A summary of one user's conversation."""

    sender_id: str
    first: datetime
    last: datetime
    channel: str = ""
    language: str = ""
    messages: int = 0
    intents: Counter = field(default_factory=Counter)
    fallbacks: int = 0
    lowest: float | None = None
    reviewed: bool = False
    tags: list[str] = field(default_factory=list)
    note: str = ""


def read_events(tracker: Engine, sender_id: str | None = None, text: str = "") -> list[tuple[str, dict]]:
    """``(sender_id, event)`` in order; ``text`` keeps only the conversations where a user wrote it."""
    if not has_events_table(tracker):
        return []
    query = select(EVENTS.c.sender_id, EVENTS.c.data).order_by(EVENTS.c.id)
    if sender_id is not None:
        query = query.where(EVENTS.c.sender_id == sender_id)
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        senders = select(EVENTS.c.sender_id).where(EVENTS.c.type_name == "user",
                                                   EVENTS.c.data.like(pattern, escape="\\"))
        query = query.where(EVENTS.c.sender_id.in_(senders))
    with tracker.connect() as connection:
        return [(row.sender_id, json.loads(row.data)) for row in connection.execute(query)]


def by_sender(tracker: Engine, text: str = "") -> dict[str, list[dict]]:
    """Every conversation's events, grouped by sender (see :func:`read_events` for ``text``)."""
    grouped: dict[str, list[dict]] = defaultdict(list)
    for sender_id, event in read_events(tracker, text=text):
        grouped[sender_id].append(event)
    return grouped


def turns(events: list[dict]) -> list[Turn]:
    """A transcript: user messages with NLU results, bot replies with buttons, actions and slots."""
    result = []
    for event in events:
        kind, when = event.get("event"), utc(event.get("timestamp", 0))
        if kind == "user":
            parse = event.get("parse_data") or {}
            intent = parse.get("intent") or {}
            result.append(Turn("user", when, event.get("text") or "", intent.get("name", ""),
                               intent.get("confidence"), parse.get("entities") or [],
                               message_id=event.get("message_id") or "", channel=event.get("input_channel") or ""))
        elif kind == "bot":
            result.append(Turn("bot", when, event.get("text") or "",
                               buttons=(event.get("data") or {}).get("buttons") or []))
        elif kind == "action" and event.get("name") not in (None, "action_listen", "action_session_start"):
            result.append(Turn("action", when, name=event["name"]))
        elif kind == "slot" and event.get("name") == "language" and event.get("value"):
            result.append(Turn("slot", when, name="language", text=str(event["value"])))
    return result


def summarise(tracker: Engine, db: Session, text: str = "") -> list[Conversation]:
    """One summary per conversation, newest first."""
    grouped = by_sender(tracker, text)
    reviews = {r.sender_id: r for r in db.execute(select(ConversationReview)).scalars()}
    summaries = []
    for sender_id, events in grouped.items():
        stamps = [e.get("timestamp", 0) for e in events]
        conversation = Conversation(sender_id, utc(min(stamps)), utc(max(stamps)))
        for turn in turns(events):
            if turn.kind == "user":
                conversation.messages += 1
                conversation.channel = turn.channel or conversation.channel
                conversation.intents[turn.intent] += 1
                if turn.intent == "nlu_fallback":
                    conversation.fallbacks += 1
                if turn.confidence is not None and turn.intent != "nlu_fallback":
                    low = conversation.lowest
                    conversation.lowest = turn.confidence if low is None else min(low, turn.confidence)
            elif turn.kind == "slot":
                conversation.language = turn.text
            elif turn.kind == "action" and turn.name in FALLBACK_ACTIONS:
                conversation.fallbacks += 1
        review = reviews.get(sender_id)
        if review:
            conversation.reviewed, conversation.note = review.reviewed, review.note or ""
            conversation.tags = [t for t in review.tags.split(",") if t]
        if conversation.messages:
            summaries.append(conversation)
    return sorted(summaries, key=lambda c: c.last, reverse=True)


@dataclass
class Filters:
    """The conversation list's filters (all optional)."""

    start: date | None = None
    end: date | None = None
    channel: str = ""
    language: str = ""
    intent: str = ""
    fallback: bool = False
    below: float | None = None
    reviewed: str = ""  # "", "yes", "no"
    tag: str = ""
    text: str = ""

    def keep(self, c: Conversation) -> bool:
        return all((
            self.start is None or c.last.date() >= self.start,
            self.end is None or c.first.date() <= self.end,
            not self.channel or c.channel == self.channel,
            not self.language or c.language == self.language,
            not self.intent or self.intent in c.intents,
            not self.fallback or c.fallbacks > 0,
            self.below is None or (c.lowest is not None and c.lowest < self.below) or c.fallbacks > 0,
            not self.reviewed or c.reviewed == (self.reviewed == "yes"),
            not self.tag or self.tag in c.tags,
        ))


@dataclass
class Misunderstood:
    sender_id: str
    message_id: str
    when: datetime
    text: str
    intent: str
    confidence: float | None
    language: str


def misunderstood(tracker: Engine, db: Session, threshold: float) -> list[Misunderstood]:
    """User messages that hit the fallback (low confidence or out of scope) or scored below ``threshold``, and
    have no correction yet."""
    done = {(c.sender_id, c.message_id) for c in db.execute(select(NluCorrection)).scalars()}
    grouped = by_sender(tracker)
    found = []
    for sender_id, events in grouped.items():
        language = ""
        for turn in turns(events):
            if turn.kind == "slot":
                language = turn.text
            if turn.kind != "user" or turn.text.startswith("/") or (sender_id, turn.message_id) in done:
                continue
            if turn.intent in FALLBACK_INTENTS or (turn.confidence is not None and turn.confidence < threshold):
                guess = language or detect(turn.text).language or "en"
                found.append(Misunderstood(sender_id, turn.message_id, turn.when, turn.text, turn.intent,
                                           turn.confidence, guess))
    return sorted(found, key=lambda m: m.when, reverse=True)


def domain_intents() -> list[str]:
    intents: list[str] = []
    for path in sorted((PROJECT_ROOT / "domain").glob("*.yml")):
        intents += [i if isinstance(i, str) else next(iter(i)) for i in
                    (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("intents", [])]
    return intents


def annotate(text: str, entities: list[dict[str, str]]) -> str:
    """Rasa's inline entity markup: ``unemployment in [Romania](country)``."""
    for entity in sorted(entities, key=lambda e: -len(e["value"])):
        value = entity["value"]
        position = text.find(value)
        if value and position >= 0 and "[" not in text[position:position + len(value)]:
            text = f"{text[:position]}[{value}]({entity['entity']}){text[position + len(value):]}"
    return text


def corrections_yaml(corrections: list[NluCorrection]) -> dict[str, str]:
    """``{language: Rasa NLU YAML}`` of the corrected examples."""
    by_lang: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for correction in corrections:
        example = annotate(correction.text.replace("\n", " ").strip(), json.loads(correction.entities or "[]"))
        by_lang[correction.language][correction.intent].append(example)
    files = {}
    for lang, intents in by_lang.items():
        blocks = [f"- intent: {intent}\n  examples: |\n" + "".join(f"    - {e}\n" for e in examples)
                  for intent, examples in sorted(intents.items())]
        files[lang] = 'version: "3.1"\n# Corrections exported from the admin console.\nnlu:\n' + "".join(blocks)
    return files


def merge_into_nlu(corrections: list[NluCorrection], nlu_dir: Path) -> list[Path]:
    """Append the corrections to ``nlu/<lang>/corrections.yml`` (Rasa format); returns the files written."""
    written = []
    for lang, _ in corrections_yaml(corrections).items():
        path = nlu_dir / lang / "corrections.yml"
        existing = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
        merged: dict[str, list[str]] = defaultdict(list)
        for block in (existing or {}).get("nlu", []):
            merged[block["intent"]] += [line[2:].strip() for line in block["examples"].splitlines()
                                        if line.strip().startswith("- ")]
        for correction in corrections:
            if correction.language == lang:
                example = annotate(correction.text.replace("\n", " ").strip(), json.loads(correction.entities))
                if example not in merged[correction.intent]:
                    merged[correction.intent].append(example)
        blocks = [f"- intent: {intent}\n  examples: |\n" + "".join(f"    - {e}\n" for e in examples)
                  for intent, examples in sorted(merged.items())]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('version: "3.1"\n# Corrections exported from the admin console.\nnlu:\n' + "".join(blocks),
                        encoding="utf-8")
        written.append(path)
    return written


def test_story(sender_id: str, events: list[dict]) -> str:
    """The conversation as a Rasa end-to-end test story (tests/test_<...>.yml format)."""
    lines = ["stories:", f"- story: conversation {sender_id[:12]}", "  steps:"]
    for turn in turns(events):
        if turn.kind == "user":
            text = turn.text.replace('"', '\\"')
            lines += ["  - user: |", f"      {annotate(text, turn.entities) if turn.entities else text}",
                      f"    intent: {turn.intent}"]
        elif turn.kind == "action":
            lines.append(f"  - action: {turn.name}")
    return "\n".join(lines) + "\n"


def analytics(tracker: Engine, db: Session) -> dict[str, Any]:
    """Counts for the charts: per day, channel, language, intent; fallback rate; course completions."""
    per_day: Counter = Counter()
    users_per_day: dict[date, set[str]] = defaultdict(set)
    channels: Counter = Counter()
    languages: dict[str, str] = {}
    intents: Counter = Counter()
    messages = fallbacks = 0
    for sender_id, event in read_events(tracker):
        if event.get("event") == "user" and not (event.get("text") or "").startswith("/"):
            day = utc(event.get("timestamp", 0)).date()
            per_day[day] += 1
            users_per_day[day].add(sender_id)
            channels[event.get("input_channel") or "?"] += 1
            name = ((event.get("parse_data") or {}).get("intent") or {}).get("name", "")
            intents[name] += 1
            messages += 1
            fallbacks += name in FALLBACK_INTENTS
        elif event.get("event") == "slot" and event.get("name") == "language" and event.get("value"):
            languages[sender_id] = event["value"]
    completions = db.execute(select(ModuleResult)).scalars().all()
    by_user = Counter(r.sender_id for r in completions)
    return {
        "messages_per_day": sorted(per_day.items()),
        "users_per_day": sorted((d, len(u)) for d, u in users_per_day.items()),
        "channels": channels.most_common(),
        "languages": Counter(languages.values()).most_common(),
        "top_intents": intents.most_common(10),
        "fallback_rate": fallbacks / messages if messages else 0.0,
        "messages": messages,
        "modules_completed": len(completions),
        "courses_completed": sum(1 for n in by_user.values() if n >= 6),
    }


def data_as_of(db: Session) -> list:
    """The "data as of" lines: per dataset, the source's last update, our last successful refresh, staleness."""
    from lmi4vet.importers.update import freshness
    from lmi4vet.settings import Settings

    return freshness(db, Settings.from_env().data_stale_days)
