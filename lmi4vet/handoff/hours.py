"""Office hours of a deployment's advisers, and the honest "when" a user is told."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_time, get_day_names, get_timezone_location

from lmi4vet.i18n import t

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"^\s*(?P<first>[a-z]{3})(?:\s*-\s*(?P<last>[a-z]{3}))?\s+"
                   r"(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})\s*$")


@dataclass(frozen=True)
class Span:
    """Days ``first``..``last`` (0 = Monday), from ``start`` to ``end`` local time."""

    first: int
    last: int
    start: time
    end: time


@dataclass(frozen=True)
class OfficeHours:
    spans: tuple[Span, ...]
    zone: ZoneInfo

    @classmethod
    def parse(cls, spec: str, zone: str) -> OfficeHours:
        """``"mon-fri 09:00-17:00; sat 10:00-12:00"`` in time zone ``zone``; ValueError on anything else."""
        try:
            tz = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"HANDOFF_TIMEZONE: unknown time zone {zone!r}") from exc
        spans = []
        for part in filter(str.strip, spec.lower().split(";")):
            match = _SPAN.match(part)
            if not match or match["first"] not in DAYS or (match["last"] or match["first"]) not in DAYS:
                raise ValueError(f"HANDOFF_HOURS: cannot read {part.strip()!r} (write e.g. 'mon-fri 09:00-17:00')")
            first, last = DAYS.index(match["first"]), DAYS.index(match["last"] or match["first"])
            start, end = (_clock(v) for v in (match["start"], match["end"]))
            if last < first or end <= start:
                raise ValueError(f"HANDOFF_HOURS: {part.strip()!r} runs backwards")
            spans.append(Span(first, last, start, end))
        if not spans:
            raise ValueError("HANDOFF_HOURS is empty")
        return cls(tuple(spans), tz)

    def is_open(self, now: datetime) -> bool:
        """Whether advisers work at ``now`` (naive UTC or aware)."""
        local = _aware(now).astimezone(self.zone)
        return any(s.first <= local.weekday() <= s.last and s.start <= local.time() < s.end for s in self.spans)

    def next_opening(self, now: datetime) -> datetime:
        """The next moment (local, aware) the advisers start work after ``now``."""
        local = _aware(now).astimezone(self.zone)
        for offset in range(8):
            day = (local + timedelta(days=offset)).date()
            starts = sorted(datetime.combine(day, s.start, self.zone) for s in self.spans
                            if s.first <= day.weekday() <= s.last)
            for start in starts:
                if start > local:
                    return start
        raise AssertionError("office hours have at least one span a week")  # parse guarantees it

    def describe(self, lang: str) -> str:
        """"Monday to Friday 09:00–17:00" in ``lang``."""
        names = get_day_names("wide", locale=lang)
        lines = []
        for span in self.spans:
            days = names[span.first] if span.first == span.last else t(
                lang, "handoff.hours_range", first=names[span.first], last=names[span.last])
            end = "24:00" if span.end == time.max else format_time(span.end, "HH:mm", locale=lang)
            lines.append(t(lang, "handoff.hours_line", days=days, start=format_time(span.start, "HH:mm", locale=lang),
                           end=end))
        return "; ".join(lines)

    def zone_name(self, lang: str) -> str:
        """The zone's city in ``lang`` ("Brussels", "Bruxelles", "Brüssel")."""
        return get_timezone_location(self.zone.key, locale=lang, return_city=True)


def when_text(hours: OfficeHours, lang: str, now: datetime, minutes: int) -> str:
    """What a user is told about when a person answers: within ``minutes`` during office hours, else the
    hours and the next opening."""
    if hours.is_open(now):
        return t(lang, "handoff.when_open", minutes=str(minutes))
    opening = hours.next_opening(now)
    day = t(lang, "handoff.opening", day=format_date(opening.date(), "full", locale=lang),
            time=format_time(opening.time(), "HH:mm", locale=lang))
    return t(lang, "handoff.when_closed", hours=hours.describe(lang), zone=hours.zone_name(lang), next_opening=day)


def _clock(value: str) -> time:
    """"9:00" -> 09:00; "24:00" is the end of the day."""
    hours, minutes = (int(part) for part in value.split(":"))
    if (hours, minutes) == (24, 0):
        return time.max
    try:
        return time(hours, minutes)
    except ValueError as exc:
        raise ValueError(f"HANDOFF_HOURS: {value!r} is not a time of day") from exc


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
