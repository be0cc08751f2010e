"""The console's network events and broadcasts (issue 11): admins create, edit, publish and cancel events and
compose, preview, schedule, send and interrupt broadcasts; reviewers read both; agents see neither.

Sending never happens here: "Send now" schedules the broadcast and enqueues the task queue's
``send_broadcast`` (:mod:`lmi4vet.events.tasks`), which queues the messages into the durable inbox for the
channel workers; a scheduled one is started by the queue's periodic tick.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from admin.security import admin_required, staff_required
from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.db.engine import session_scope
from lmi4vet.events import audience, catalogue, dispatch, reminders
from lmi4vet.events.models import Broadcast, BroadcastRecipient, Event, Registration
from lmi4vet.inbox import wake as wake_worker
from lmi4vet.settings import Settings

events = Blueprint("events", __name__)

#: Offered in the time-zone field (any IANA name may be typed).
ZONES = ("Europe/Lisbon", "Europe/London", "Europe/Dublin", "Europe/Madrid", "Europe/Paris", "Europe/Brussels",
         "Europe/Amsterdam", "Europe/Berlin", "Europe/Vienna", "Europe/Rome", "Europe/Warsaw", "Europe/Prague",
         "Europe/Budapest", "Europe/Stockholm", "Europe/Copenhagen", "Europe/Helsinki", "Europe/Athens",
         "Europe/Bucharest", "Europe/Sofia", "Europe/Vilnius", "Europe/Riga", "Europe/Tallinn", "UTC")
EVENT_FIELDS = ("language", "start", "end", "timezone", "place", "online_url", "country", "topic", "capacity")


def _db():
    from admin.app import db

    return db()


def deployment() -> str:
    """The installation whose events and broadcasts the console shows."""
    return Settings.from_env().deployment


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else ""


def _local(event: Event) -> dict[str, str]:
    """The event's start and end as the organisers entered them, with the zone's name and abbreviation."""
    start, end = catalogue.local_times(event)
    return {"start": f"{start:%Y-%m-%d %H:%M} {event.timezone} ({start:%Z})",
            "end": f"{end:%H:%M}" if end.date() == start.date() else f"{end:%Y-%m-%d %H:%M}",
            "start_input": f"{start:%Y-%m-%dT%H:%M}", "end_input": f"{end:%Y-%m-%dT%H:%M}"}


def _event(s: Session, event_id: int) -> Event:
    found = s.get(Event, event_id)
    if found is None or found.deployment != deployment():
        abort(404)
    return found


def _taken(s: Session, event_ids: list[int]) -> dict[int, int]:
    """Active registrations per event."""
    if not event_ids:
        return {}
    return dict(s.execute(select(Registration.event_id, func.count()).where(
        Registration.event_id.in_(event_ids), Registration.status == catalogue.REGISTERED)
        .group_by(Registration.event_id)).all())


def _row(event: Event, taken: int, now: datetime) -> dict[str, Any]:
    title, _, _, _ = catalogue.text_for(event, event.language)
    return {"id": event.id, "title": title, "status": event.status, "topic": event.topic, "country": event.country,
            "language": event.language, "written": sorted(t.lang for t in event.texts), "taken": taken,
            "capacity": event.capacity, "past": event.starts_at <= now, **_local(event)}


# -- events ---------------------------------------------------------------------------------------------------
@events.route("/events")
@staff_required
def event_list() -> Any:
    now = datetime.utcnow()
    with session_scope(_db()) as s:
        found = catalogue.list_events(s, deployment=deployment(), limit=1000)
        taken = _taken(s, [e.id for e in found])
        rows = [_row(e, taken.get(e.id, 0), now) for e in found]
    upcoming = [r for r in rows if not r["past"]]
    past = [r for r in rows if r["past"]][::-1]  # the latest past first
    return render_template("events.html", upcoming=upcoming, past=past)


def _form_of(event: Event) -> dict[str, str]:
    """An event's values as the form shows them."""
    local = _local(event)
    form = {"language": event.language, "start": local["start_input"], "end": local["end_input"],
            "timezone": event.timezone, "place": event.place or "", "online_url": event.online_url or "",
            "country": event.country, "topic": event.topic,
            "capacity": "" if event.capacity is None else str(event.capacity)}
    for text in event.texts:
        form[f"title_{text.lang}"], form[f"description_{text.lang}"] = text.title, text.description
    return form


def _entered() -> dict[str, str]:
    """What the organiser typed (kept when the form is shown again with an error)."""
    form = {name: request.form.get(name, "").strip() for name in EVENT_FIELDS}
    for lang in SUPPORTED_LANGUAGES:
        form[f"title_{lang}"] = request.form.get(f"title_{lang}", "").strip()
        form[f"description_{lang}"] = request.form.get(f"description_{lang}", "").strip()
    return form


def _moment(value: str, what: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"the {what} {value!r} is not a date and time (YYYY-MM-DD HH:MM)") from None


def _fields(form: dict[str, str]) -> dict[str, Any]:
    """The catalogue's arguments from the form (ValueError for what cannot even be parsed)."""
    capacity = form["capacity"]
    if capacity and not capacity.isdigit():
        raise ValueError(f"the capacity {capacity!r} is not a whole number (empty: unlimited)")
    return {"start": _moment(form["start"], "start"), "end": _moment(form["end"], "end"),
            "timezone": form["timezone"], "place": form["place"] or None, "online_url": form["online_url"] or None,
            "country": form["country"], "topic": form["topic"], "capacity": int(capacity) if capacity else None}


def _texts(form: dict[str, str]) -> dict[str, tuple[str, str]]:
    """The languages written (a title or a description given)."""
    return {lang: (form[f"title_{lang}"], form[f"description_{lang}"]) for lang in SUPPORTED_LANGUAGES
            if form[f"title_{lang}"] or form[f"description_{lang}"]}


def _event_page(form: dict[str, str], event: dict[str, Any] | None = None, error: str = "",
                registrations: list[dict[str, Any]] | None = None, status: int = 200) -> Any:
    may_edit = g.user["role"] == "admin" and (event is None or event["status"] != catalogue.CANCELLED)
    return render_template("event.html", form=form, event=event, error=error, registrations=registrations or [],
                           topics=catalogue.TOPICS, zones=ZONES, may_edit=may_edit,
                           is_admin=g.user["role"] == "admin"), status


@events.route("/events/new", methods=["GET", "POST"])
@admin_required
def new_event() -> Any:
    if request.method == "GET":
        return _event_page({"language": SUPPORTED_LANGUAGES[0], "timezone": "Europe/Brussels", "country": "EU",
                            "topic": catalogue.TOPICS[0]})
    form = _entered()
    try:
        fields, texts = _fields(form), _texts(form)
        language = form["language"]
        own_title, own_description = texts.pop(language, ("", ""))
        with session_scope(_db()) as s:
            created = catalogue.create_event(s, deployment=deployment(), language=language, title=own_title,
                                             description=own_description, created_by=g.user["username"],
                                             now=datetime.utcnow(), texts=texts, **fields)
            event_id = created.id
    except ValueError as exc:
        return _event_page(form, error=str(exc), status=400)
    flash("Saved as a draft: publish it to show it in the chat.")
    return redirect(url_for("events.event", event_id=event_id))


def _event_view(s: Session, found: Event) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    taken = _taken(s, [found.id]).get(found.id, 0)
    view = {**_row(found, taken, datetime.utcnow()), "sequence": found.sequence, "created_by": found.created_by,
            "created": _when(found.created_at), "updated": _when(found.updated_at)}
    rows = s.execute(select(Registration).where(Registration.event_id == found.id)
                     .order_by(Registration.registered_at, Registration.id)).scalars()
    registrations = [{"sender_id": r.sender_id, "status": r.status, "registered": _when(r.registered_at),
                      "language": r.language or "", "reminded": _when(r.reminder_sent_at) if r.reminder_sent_at
                      else "", "feedback": "" if r.feedback is None else r.feedback} for r in rows]
    scores = [r["feedback"] for r in registrations if r["feedback"] != ""]
    view["feedback"] = ({"count": len(scores), "mean": f"{sum(scores) / len(scores):.1f}",
                         "by_score": {score: scores.count(score) for score in range(1, 6)}} if scores else None)
    return view, registrations


@events.route("/events/<int:event_id>", methods=["GET", "POST"])
@staff_required
def event(event_id: int) -> Any:
    if request.method == "POST" and g.user["role"] != "admin":
        abort(403, description="only administrators may do this")
    with session_scope(_db()) as s:
        found = _event(s, event_id)
        view, registrations = _event_view(s, found)
        current = _form_of(found)
    if request.method == "GET":
        return _event_page(current, view, registrations=registrations)
    form = {**_entered(), "language": current["language"]}  # the event's own language stays
    try:
        fields = _fields(form)
        with session_scope(_db()) as s:
            _update(s, event_id, current, form, fields)
    except ValueError as exc:
        return _event_page(form, view, error=str(exc), registrations=registrations, status=400)
    flash("Saved.")
    return redirect(url_for("events.event", event_id=event_id))


def _update(s: Session, event_id: int, current: dict[str, str], form: dict[str, str], fields: dict[str, Any]) -> None:
    """Apply what changed (each change bumps the calendar revision, so nothing unchanged is written)."""
    now = datetime.utcnow()
    if {**fields, "country": fields["country"].upper()} != _fields(current):
        catalogue.update_event(s, event_id, now=now, **fields)
    language = current["language"]
    if not form[f"title_{language}"]:
        raise ValueError(f"the title in the event's language ({language}) is needed")
    for lang in SUPPORTED_LANGUAGES:
        title, description = form[f"title_{lang}"], form[f"description_{lang}"]
        before = (current.get(f"title_{lang}", ""), current.get(f"description_{lang}", ""))
        if (title, description) == before:
            continue
        if title or description:
            catalogue.set_text(s, event_id, lang, title, description, now=now)
        else:
            catalogue.remove_text(s, event_id, lang, now=now)


@events.route("/events/<int:event_id>/publish", methods=["POST"])
@admin_required
def publish_event(event_id: int) -> Any:
    try:
        with session_scope(_db()) as s:
            catalogue.publish(s, _event(s, event_id).id, now=datetime.utcnow())
    except ValueError as exc:
        flash(f"Not done: {exc}.")
    else:
        flash("Published: the event is listed in the chat.")
    return redirect(url_for("events.event", event_id=event_id))


@events.route("/events/<int:event_id>/cancel", methods=["POST"])
@admin_required
def cancel_event(event_id: int) -> Any:
    try:
        with session_scope(_db()) as s:
            registrations = catalogue.cancel_event(s, _event(s, event_id).id, now=datetime.utcnow())
            affected = len(registrations)
            told = reminders.queue_cancellations(s, registrations, datetime.utcnow())
    except ValueError as exc:
        flash(f"Not done: {exc}.")
    else:
        for channel in told:
            wake_worker(current_app.config["ASSISTANT_URL"], channel)
        flash(f"Cancelled. It affects {affected} registration{'' if affected == 1 else 's'}: "
              f"{sum(told.values())} of them are being told in the chat, and their calendar files now say cancelled.")
    return redirect(url_for("events.event", event_id=event_id))


# -- broadcasts -----------------------------------------------------------------------------------------------
def _broadcast(s: Session, broadcast_id: int) -> Broadcast:
    found = s.get(Broadcast, broadcast_id)
    if found is None or found.deployment != deployment():
        abort(404)
    return found


def _summary(broadcast: Broadcast, totals: dict[str, int]) -> dict[str, Any]:
    return {"id": broadcast.id, "status": broadcast.status, "topic": broadcast.topic,
            "country": broadcast.country or "any", "languages": list(audience.languages_of(broadcast)),
            "all_languages": not broadcast.languages, "fallback": audience.fallback_language(broadcast) or "",
            "template_sid": broadcast.template_sid or "", "created_by": broadcast.created_by,
            "created": _when(broadcast.created_at), "scheduled": _when(broadcast.scheduled_at),
            "started": _when(broadcast.started_at), "finished": _when(broadcast.finished_at), "totals": totals,
            "recipients": sum(totals.values())}


@events.route("/broadcasts")
@staff_required
def broadcast_list() -> Any:
    with session_scope(_db()) as s:
        found = s.execute(select(Broadcast).where(Broadcast.deployment == deployment())
                          .order_by(Broadcast.created_at.desc(), Broadcast.id.desc()).limit(500)).scalars().all()
        rows = [_summary(b, audience.totals(s, b.id)) for b in found]
    return render_template("broadcasts.html", broadcasts=rows, statuses=audience.RECIPIENT_STATUSES)


def _broadcast_form() -> dict[str, Any]:
    form: dict[str, Any] = {name: request.form.get(name, "").strip()
                            for name in ("topic", "country", "fallback", "template_sid")}
    form["languages"] = [lang for lang in SUPPORTED_LANGUAGES if request.form.get(f"lang_{lang}")]
    for lang in SUPPORTED_LANGUAGES:
        form[f"text_{lang}"] = request.form.get(f"text_{lang}", "").strip()
    return form


def _new_broadcast_page(form: dict[str, Any], error: str = "", status: int = 200) -> Any:
    return render_template("broadcast.html", broadcast=None, form=form,
                           error=error, topics=catalogue.TOPICS, limit=audience.TEXT_LIMIT, preview=None,
                           texts=[], zones=ZONES, reasons={}), status


@events.route("/broadcasts/new", methods=["GET", "POST"])
@admin_required
def new_broadcast() -> Any:
    if request.method == "GET":
        return _new_broadcast_page({"topic": catalogue.TOPICS[0], "country": "", "fallback": SUPPORTED_LANGUAGES[0],
                                    "languages": [], "template_sid": ""})
    form = _broadcast_form()
    chosen = form["languages"]
    if chosen and form["fallback"] in SUPPORTED_LANGUAGES:  # the fallback language goes first
        chosen = [form["fallback"], *(lang for lang in chosen if lang != form["fallback"])]
    texts = {lang: form[f"text_{lang}"] for lang in SUPPORTED_LANGUAGES if form[f"text_{lang}"]}
    try:
        with session_scope(_db()) as s:
            created = audience.create_broadcast(s, deployment=deployment(), topic=form["topic"],
                                                country=form["country"], languages=chosen, texts=texts,
                                                created_by=g.user["username"], now=datetime.utcnow(),
                                                template_sid=form["template_sid"])
            broadcast_id = created.id
    except ValueError as exc:
        return _new_broadcast_page(form, error=str(exc), status=400)
    flash("Saved as a draft: check the preview, then send or schedule it.")
    return redirect(url_for("events.broadcast", broadcast_id=broadcast_id))


@events.route("/broadcasts/<int:broadcast_id>")
@staff_required
def broadcast(broadcast_id: int) -> Any:
    now = datetime.utcnow()
    with session_scope(_db()) as s:
        found = _broadcast(s, broadcast_id)
        view = _summary(found, audience.totals(s, found.id))
        preview = audience.preview(s, found, now) if found.status in (audience.DRAFT, audience.SCHEDULED) else None
        texts = []
        for lang in audience.languages_of(found):
            try:
                text, used, fell_back = audience.broadcast_text(found, lang)
            except ValueError:
                continue
            texts.append({"lang": lang, "text": text, "used": used, "fell_back": fell_back, "length": len(text)})
        reasons = dict(s.execute(select(BroadcastRecipient.reason, func.count()).where(
            BroadcastRecipient.broadcast_id == found.id, BroadcastRecipient.status == audience.SKIPPED)
            .group_by(BroadcastRecipient.reason)).all())
        by_route = dict(s.execute(select(BroadcastRecipient.route, func.count()).where(
            BroadcastRecipient.broadcast_id == found.id).group_by(BroadcastRecipient.route)).all())
    return render_template("broadcast.html", broadcast=view, preview=preview, texts=texts, zones=ZONES,
                           reasons={k or "": v for k, v in reasons.items()}, by_route=by_route, routes=audience.ROUTES,
                           statuses=audience.RECIPIENT_STATUSES, form={}, error="", topics=catalogue.TOPICS,
                           limit=audience.TEXT_LIMIT, is_admin=g.user["role"] == "admin")


def _enqueue(broadcast_id: int) -> None:
    """Hand the broadcast to the task queue (imported late: the queue's storage opens on import)."""
    from lmi4vet.events import tasks

    tasks.send_broadcast(broadcast_id)


@events.route("/broadcasts/<int:broadcast_id>/send", methods=["POST"])
@admin_required
def send_broadcast(broadcast_id: int) -> Any:
    try:
        with session_scope(_db()) as s:
            dispatch.schedule(s, _broadcast(s, broadcast_id).id, None, datetime.utcnow())
    except ValueError as exc:  # DispatchError included
        flash(f"Not done: {exc}.")
        return redirect(url_for("events.broadcast", broadcast_id=broadcast_id))
    try:
        _enqueue(broadcast_id)
    except Exception as exc:  # the queue is down: the periodic tick starts it once it is back
        flash(f"Scheduled for now, but the task queue could not be reached ({exc}); it starts when it is back.")
    else:
        flash("Sending: the task queue is queueing the messages. Reload for the totals.")
    return redirect(url_for("events.broadcast", broadcast_id=broadcast_id))


@events.route("/broadcasts/<int:broadcast_id>/schedule", methods=["POST"])
@admin_required
def schedule_broadcast(broadcast_id: int) -> Any:
    try:
        zone = catalogue.zone(request.form.get("timezone", "").strip())
        at = _moment(request.form.get("at", "").strip(), "time").replace(tzinfo=zone)
        with session_scope(_db()) as s:
            done = dispatch.schedule(s, _broadcast(s, broadcast_id).id, at, datetime.utcnow())
            when = _when(done.scheduled_at)
    except ValueError as exc:
        flash(f"Not done: {exc}.")
    else:
        flash(f"Scheduled for {at:%Y-%m-%d %H:%M} {zone.key} ({when}); the task queue starts it then.")
    return redirect(url_for("events.broadcast", broadcast_id=broadcast_id))


@events.route("/broadcasts/<int:broadcast_id>/interrupt", methods=["POST"])
@admin_required
def interrupt_broadcast(broadcast_id: int) -> Any:
    try:
        with session_scope(_db()) as s:
            left_out = dispatch.interrupt(s, _broadcast(s, broadcast_id).id, datetime.utcnow())
    except ValueError as exc:
        flash(f"Not done: {exc}.")
    else:
        flash(f"Interrupted: {left_out} recipient{'' if left_out == 1 else 's'} not sent to.")
    return redirect(url_for("events.broadcast", broadcast_id=broadcast_id))
