"""What someone looking for events asks for, read from their message: a country, a topic, a time period ("next
month", "im März") and whether they mean their own registrations ("my events").

The words live in ``content/events/query.yml`` (per language; matched on folded text at the start of a word,
entries of 3 letters or fewer as whole words); month names come from CLDR (Babel). Every language's words are
tried, the message's language first, because people mix languages ("events in mai", "workshops verde").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import yaml
from babel import Locale

from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.countries import EU_AGGREGATE, resolve_country
from lmi4vet.events.catalogue import EUROPE, TOPICS, country_code
from lmi4vet.settings import PROJECT_ROOT
from lmi4vet.text import fold

QUERY_FILE = PROJECT_ROOT / "content" / "events" / "query.yml"
PERIODS = ("today", "tomorrow", "this_week", "next_week", "this_month", "next_month")
# Month names that are also common words ("may I", Romanian "mai" = more): only after one of these words.
_AMBIGUOUS_MONTHS = {"may", "mai"}
_MONTH_LEADS = ("in", "en", "im", "au", "de", "din", "luna", "month", "mes", "mois", "monat", "of", "el", "le",
                "ab", "from", "until", "till", "bis", "hasta", "pana", "jusqu")
_NON_WORD = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True)
class EventQuery:
    """A request for events. ``start``/``end`` bound the start time (aware), with the ``period`` they came
    from ("next_month", or "month:3"); ``country``: ISO code or "EU"."""

    country: str | None = None
    topic: str | None = None
    period: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    mine: bool = False

    @property
    def filtered(self) -> bool:
        return bool(self.country or self.topic or self.period)


def normalise(text: str) -> str:
    """Folded, every run of non-letters one space, with a space at both ends (for whole-word searches)."""
    return " " + " ".join(_NON_WORD.sub(" ", fold(text).replace("ß", "ss")).split()) + " "


def _pattern(entry: str) -> str:
    words = " ".join(_NON_WORD.sub(" ", fold(entry)).split())
    return rf" {re.escape(words)} " if len(words) <= 3 else rf" {re.escape(words)}"


@cache
def _vocabulary() -> dict[str, dict[str, list[tuple[str, re.Pattern[str]]]]]:
    """language -> {"topics" | "periods" | "mine" | "ignore": [(value, pattern)]}, longest entries first."""
    raw = yaml.safe_load(QUERY_FILE.read_text(encoding="utf-8")) or {}
    table: dict[str, dict[str, list[tuple[str, re.Pattern[str]]]]] = {}
    for lang in SUPPORTED_LANGUAGES:
        words = raw.get(lang) or {}
        entries: dict[str, list[tuple[str, str]]] = {"topics": [], "periods": [], "mine": [], "ignore": []}
        for topic, listed in (words.get("topics") or {}).items():
            if topic not in TOPICS:
                raise ValueError(f"{QUERY_FILE}: {lang}: unknown topic {topic!r}")
            entries["topics"] += [(topic, str(entry)) for entry in listed or []]
        for period, listed in (words.get("periods") or {}).items():
            if period not in PERIODS:
                raise ValueError(f"{QUERY_FILE}: {lang}: unknown period {period!r}")
            entries["periods"] += [(period, str(entry)) for entry in listed or []]
        entries["mine"] = [("mine", str(entry)) for entry in words.get("mine") or []]
        entries["ignore"] = [("ignore", str(entry)) for entry in words.get("ignore") or []]
        table[lang] = {kind: [(value, re.compile(_pattern(entry))) for value, entry in
                              sorted(found, key=lambda pair: -len(pair[1]))]
                       for kind, found in entries.items()}
    return table


@cache
def _months() -> list[tuple[int, str]]:
    """(month number, folded name) over the five languages' CLDR names (format and stand-alone), longest first."""
    names: set[tuple[int, str]] = set()
    for lang in SUPPORTED_LANGUAGES:
        months = Locale.parse(lang).months
        for context in ("format", "stand-alone"):
            for number, name in months[context]["wide"].items():
                names.add((number, " ".join(_NON_WORD.sub(" ", fold(name)).split())))
    return sorted(names, key=lambda pair: -len(pair[1]))


def _find(text: str, kind: str, language: str) -> str | None:
    order = (language, *(lang for lang in SUPPORTED_LANGUAGES if lang != language))
    for lang in order:
        for value, pattern in _vocabulary()[lang][kind]:
            if pattern.search(text):
                return value
    return None


def _month(text: str) -> int | None:
    for number, name in _months():
        if name in _AMBIGUOUS_MONTHS:
            leads = "|".join(_MONTH_LEADS)
            if re.search(rf" (?:{leads}) {re.escape(name)} ", text):
                return number
        elif re.search(rf" {re.escape(name)} ", text):
            return number
    return None


def _month_start(year: int, month: int, tz: ZoneInfo) -> datetime:
    return datetime(year + (month - 1) // 12, (month - 1) % 12 + 1, 1, tzinfo=tz)


def period_bounds(period: str, now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """``[start, end)`` of a period in ``tz`` ("this_week": from now to Monday next week 00:00; "month:3": the
    next March, this year's if it has not ended)."""
    local = now.astimezone(tz)
    today = datetime(local.year, local.month, local.day, tzinfo=tz)
    monday = today - timedelta(days=today.weekday())
    if period == "today":
        return local, today + timedelta(days=1)
    if period == "tomorrow":
        return today + timedelta(days=1), today + timedelta(days=2)
    if period == "this_week":
        return local, monday + timedelta(days=7)
    if period == "next_week":
        return monday + timedelta(days=7), monday + timedelta(days=14)
    if period == "this_month":
        return local, _month_start(local.year, local.month + 1, tz)
    if period == "next_month":
        return _month_start(local.year, local.month + 1, tz), _month_start(local.year, local.month + 2, tz)
    if period.startswith("month:"):
        month = int(period.partition(":")[2])
        year = local.year if month >= local.month else local.year + 1
        start = _month_start(year, month, tz)
        return max(start, local), _month_start(year, month + 1, tz)
    raise ValueError(f"unknown period {period!r}")


def parse(text: str, language: str, now: datetime, tz: ZoneInfo, countries: list[str] | None = None) -> EventQuery:
    """The events a message asks for. ``countries``: the NLU's country entities (tried before the text);
    ``now``: aware. Europe ("EU", "Europa") gives Europe-wide events only."""
    folded = normalise(text)
    for lang in SUPPORTED_LANGUAGES:
        for _, pattern in _vocabulary()[lang]["ignore"]:
            folded = pattern.sub(" ", folded + " ")
    country = None
    for candidate in [*(countries or []), text]:
        code = resolve_country(candidate) or (candidate if candidate.upper() in (EUROPE, EU_AGGREGATE) else None)
        if code:
            country = EUROPE if code.upper() in (EUROPE, EU_AGGREGATE) else country_code(code)
            break
    period = _find(folded, "periods", language)
    if period is None:
        month = _month(folded)
        period = f"month:{month}" if month else None
    start, end = period_bounds(period, now, tz) if period else (None, None)
    return EventQuery(country=country, topic=_find(folded, "topics", language), period=period, start=start,
                      end=end, mine=_find(folded, "mine", language) is not None)

