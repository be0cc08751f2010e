"""The admin console (Flask, server-rendered): ``python -m admin serve`` or ``make admin``.

Pages: login; conversations (filters, search, pages); a transcript with intents, confidences, entities,
buttons and actions, where a reviewer marks it reviewed, tags it and adds a note, or exports it as a test
story; the misunderstood inbox (assign an intent and entities, or mark out of scope; export to NLU files);
analytics with charts; per-user data export and erasure (admins only); the handoff tickets (a queue that
refreshes itself, and a ticket page where an agent or an admin takes it, answers the person and closes it);
network events and broadcasts (:mod:`admin.events`: admins edit and send, reviewers read); the VET2B
marketplace (:mod:`admin.marketplace`: admins change, reviewers read).
Agents see only the ticket pages, and only their deployment's tickets.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from admin import data
from admin.events import events
from admin.marketplace import marketplace
from admin.security import (
    admin_required,
    authenticate,
    check_csrf,
    csrf_token,
    login_required,
    replier_required,
    staff_required,
)
from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.db.engine import database_url, make_engine, session_scope
from lmi4vet.db.models import AdminUser, ConversationReview, NluCorrection
from lmi4vet.handoff import tickets
from lmi4vet.handoff.models import Ticket, TicketMessage
from lmi4vet.inbox import wake as wake_worker
from lmi4vet.privacy import erase_now, export_user, export_user_csv, row_counts, tracker_url
from lmi4vet.settings import PROJECT_ROOT, Settings

PAGE_SIZE = 25
DEFAULT_THRESHOLD = 0.5
CHANNELS = ("rest", "telegram", "whatsapp")

log = logging.getLogger(__name__)

auth = Blueprint("auth", __name__)
console = Blueprint("console", __name__)


def _secret_key() -> str:
    configured = os.environ.get("ADMIN_SECRET_KEY", "").strip()
    if configured:
        return configured
    path = Settings.from_env().var_dir / "admin_secret.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32), encoding="ascii")
        path.chmod(0o600)
    return path.read_text(encoding="ascii").strip()


def create_app(db_url: str | None = None, tracker: str | None = None, nlu_dir: Path | None = None,
               secret_key: str | None = None, secure_cookies: bool = False,
               assistant_url: str | None = None) -> Flask:
    """The console bound to our database and the tracker store; ``assistant_url`` (default the chat server's,
    from the settings) is woken after an agent's reply or a close so the message goes out at once."""
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key or _secret_key(), SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookies, PERMANENT_SESSION_LIFETIME=8 * 3600,
        MAX_CONTENT_LENGTH=1024 * 1024, NLU_DIR=nlu_dir or PROJECT_ROOT / "nlu",
        ASSISTANT_URL=(assistant_url or Settings.from_env().rasa_url).rstrip("/"),
    )
    app.extensions["db"] = make_engine(db_url or database_url())
    app.extensions["tracker"] = make_engine(tracker or tracker_url())
    app.jinja_env.globals.update(csrf_token=csrf_token, languages=SUPPORTED_LANGUAGES)
    app.jinja_env.filters["duration"] = duration

    @app.before_request
    def load_user() -> None:
        g.user = None
        user_id = session.get("user_id")
        if user_id is not None:
            with session_scope(db()) as s:
                user = s.get(AdminUser, user_id)
                if user is not None:
                    g.user = {"id": user.id, "username": user.username, "role": user.role,
                              "deployment": user.deployment}
        check_csrf()

    @app.context_processor
    def open_tickets() -> dict[str, Any]:
        """The open count the nav shows next to "Tickets"."""
        if g.get("user") is None:
            return {}
        with session_scope(db()) as s:
            return {"open_tickets": tickets.counts(s, agent())[tickets.OPEN]}

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = "default-src 'self'; style-src 'self' 'unsafe-inline'"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response

    app.register_blueprint(auth)
    app.register_blueprint(console)
    app.register_blueprint(events)
    app.register_blueprint(marketplace)
    return app


def db() -> Engine:
    from flask import current_app

    return current_app.extensions["db"]


def tracker() -> Engine:
    from flask import current_app

    return current_app.extensions["tracker"]


@auth.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error = ""
    if request.method == "POST":
        with session_scope(db()) as s:
            user, reason = authenticate(s, request.form.get("username", "").strip(), request.form.get("password", ""))
            if user is not None:
                session.clear()
                session["user_id"] = user.id
                csrf_token()
                target = request.args.get("next", "")
                return redirect(target if target.startswith("/") and not target.startswith("//")
                                else url_for("console.index"))
        error = "This account is locked for 15 minutes after repeated failures." if reason == "locked" \
            else "Wrong user name or password."
    return render_template("login.html", error=error), (401 if error else 200)


@auth.route("/logout", methods=["POST"])
def logout() -> Any:
    session.clear()
    return redirect(url_for("auth.login"))


def _filters() -> data.Filters:
    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(request.args.get(name, ""))
        except ValueError:
            return None

    try:
        below = float(request.args["below"]) if request.args.get("below") else None
    except ValueError:
        below = None
    return data.Filters(start=day("start"), end=day("end"), channel=request.args.get("channel", ""),
                        language=request.args.get("language", ""), intent=request.args.get("intent", ""),
                        fallback=request.args.get("fallback") == "1", below=below,
                        reviewed=request.args.get("reviewed", ""), tag=request.args.get("tag", "").strip(),
                        text=request.args.get("q", "").strip()[:200])


@console.route("/")
@login_required
def index() -> Any:
    return redirect(url_for("console.ticket_list" if g.user["role"] == "agent" else "console.conversations"))


@console.route("/conversations")
@staff_required
def conversations() -> Any:
    filters = _filters()
    with session_scope(db()) as s:
        found = [c for c in data.summarise(tracker(), s, filters.text) if filters.keep(c)]
    page = max(1, request.args.get("page", 1, type=int) or 1)
    pages = max(1, -(-len(found) // PAGE_SIZE))
    shown = found[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("conversations.html", conversations=shown, total=len(found), page=page, pages=pages,
                           filters=filters, args=args, intents=[*data.domain_intents(), "nlu_fallback"])


@console.route("/conversations/<sender_id>")
@staff_required
def transcript(sender_id: str) -> Any:
    events = [e for _, e in data.read_events(tracker(), sender_id)]
    if not events:
        abort(404)
    with session_scope(db()) as s:
        review = s.get(ConversationReview, sender_id)
        review_view = {"reviewed": review.reviewed, "tags": review.tags, "note": review.note or ""} if review else {}
    return render_template("transcript.html", sender_id=sender_id, turns=data.turns(events), review=review_view)


@console.route("/conversations/<sender_id>/review", methods=["POST"])
@staff_required
def review(sender_id: str) -> Any:
    tags = ",".join(sorted({t.strip()[:40] for t in request.form.get("tags", "").split(",") if t.strip()}))
    with session_scope(db()) as s:
        record = s.get(ConversationReview, sender_id) or ConversationReview(sender_id=sender_id)
        record.reviewed = request.form.get("reviewed") == "1"
        record.tags, record.note = tags, request.form.get("note", "")[:5000]
        record.updated_by, record.updated_at = g.user["username"], datetime.utcnow()
        s.add(record)
    flash("Saved.")
    return redirect(url_for("console.transcript", sender_id=sender_id))


@console.route("/conversations/<sender_id>/story.yml")
@staff_required
def story(sender_id: str) -> Any:
    events = [e for _, e in data.read_events(tracker(), sender_id)]
    if not events:
        abort(404)
    return Response(data.test_story(sender_id, events), mimetype="text/yaml",
                    headers={"Content-Disposition": f"attachment; filename=test_story_{sender_id[:12]}.yml"})


@console.route("/inbox")
@staff_required
def inbox() -> Any:
    threshold = request.args.get("threshold", DEFAULT_THRESHOLD, type=float) or DEFAULT_THRESHOLD
    with session_scope(db()) as s:
        items = data.misunderstood(tracker(), s, threshold)
        pending = s.execute(select(NluCorrection).where(NluCorrection.exported_at.is_(None))).scalars().all()
        corrected = [{"text": c.text, "intent": c.intent, "language": c.language} for c in pending]
    return render_template("inbox.html", items=items[:200], total=len(items), threshold=threshold,
                           intents=data.domain_intents(), corrected=corrected)


@console.route("/inbox/correct", methods=["POST"])
@staff_required
def correct() -> Any:
    intents = data.domain_intents()
    intent = request.form.get("intent", "")
    if intent not in intents:
        abort(400, description="unknown intent")
    language = request.form.get("language", "")
    if language not in SUPPORTED_LANGUAGES:
        abort(400, description="unknown language")
    text = request.form.get("text", "")[:2000]
    entities = []
    for line in request.form.get("entities", "").splitlines():
        name, _, value = line.partition("=")
        if name.strip() and value.strip() and value.strip() in text:
            entities.append({"entity": name.strip()[:40], "value": value.strip()})
    with session_scope(db()) as s:
        s.add(NluCorrection(sender_id=request.form.get("sender_id", "")[:255],
                            message_id=request.form.get("message_id", "")[:64], text=text, language=language,
                            intent=intent, entities=json.dumps(entities, ensure_ascii=False),
                            corrected_by=g.user["username"], corrected_at=datetime.utcnow()))
    flash("Correction saved.")
    return redirect(url_for("console.inbox"))


@console.route("/inbox/export", methods=["POST"])
@staff_required
def export_corrections() -> Any:
    from flask import current_app

    with session_scope(db()) as s:
        pending = s.execute(select(NluCorrection).where(NluCorrection.exported_at.is_(None))).scalars().all()
        if not pending:
            flash("Nothing to export.")
            return redirect(url_for("console.inbox"))
        if request.form.get("target") == "download":
            files = data.corrections_yaml(pending)
            body = "\n".join(f"# nlu/{lang}/corrections.yml\n{text}" for lang, text in sorted(files.items()))
            return Response(body, mimetype="text/yaml",
                            headers={"Content-Disposition": "attachment; filename=corrections.yml"})
        written = data.merge_into_nlu(pending, current_app.config["NLU_DIR"])
        for correction in pending:
            correction.exported_at = datetime.utcnow()
    flash("Exported to " + ", ".join(str(p.relative_to(p.parents[2])) for p in written) + ". Retrain to use them.")
    return redirect(url_for("console.inbox"))


@console.route("/analytics")
@staff_required
def analytics() -> Any:
    with session_scope(db()) as s:
        figures = data.analytics(tracker(), s)
        handoff = tickets.medians(s, agent())
        as_of = data.data_as_of(s)
    return render_template("analytics.html", figures=figures, handoff=handoff, as_of=as_of)


@console.route("/users/<sender_id>/export.<fmt>")
@admin_required
def export_data(sender_id: str, fmt: str) -> Any:
    if fmt == "json":
        body = json.dumps(export_user(sender_id, db(), tracker()), ensure_ascii=False, indent=2, default=str)
        return Response(body, mimetype="application/json",
                        headers={"Content-Disposition": f"attachment; filename=user_{sender_id[:12]}.json"})
    if fmt == "csv":
        return Response(export_user_csv(sender_id, db(), tracker()), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename=user_{sender_id[:12]}.csv"})
    abort(404)


@console.route("/users/<sender_id>/forget", methods=["POST"])
@admin_required
def forget(sender_id: str) -> Any:
    counts = row_counts(sender_id, db(), tracker())
    verified = erase_now(sender_id, "console", db(), tracker())
    summary = ", ".join(f"{k} {v}" for k, v in counts.items() if v)
    flash(f"Erased: {sum(counts.values())} rows ({summary})." if verified else
          "The erasure could not be completed; it stays pending and the retention job retries it.")
    return redirect(url_for("console.conversations"))


# -- handoff tickets ------------------------------------------------------------------------------------------
def agent() -> tickets.Agent:
    """The logged-in user as the ticket functions see them (role and deployment)."""
    return tickets.Agent(g.user["username"], g.user["role"], g.user["deployment"])


def duration(seconds: float | None) -> str:
    """Human readable: "45 s", "4 min", "2 h 5 min", "3 d 4 h"; "" for None."""
    if seconds is None:
        return ""
    if round(seconds) < 60:
        return f"{max(0, round(seconds))} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    days, hours = divmod(hours, 24)
    return f"{days} d" + (f" {hours} h" if hours else "")


def wake(channel: str) -> None:
    """Ask the chat server's worker for ``channel`` to send what was just queued (best effort: it also polls)."""
    from flask import current_app

    wake_worker(current_app.config["ASSISTANT_URL"], channel)


def _ticket_filters() -> dict[str, str]:
    """The queue's tab and filters from the query string; unknown values are dropped."""
    status = request.args.get("status", tickets.OPEN)
    topic, language, channel = (request.args.get(k, "") for k in ("topic", "language", "channel"))
    return {"status": status if status in (tickets.OPEN, tickets.ASSIGNED, tickets.CLOSED) else tickets.OPEN,
            "topic": topic if topic in tickets.TOPICS else "",
            "language": language if language in SUPPORTED_LANGUAGES else "",
            "channel": channel if channel in CHANNELS else ""}


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


def _times(ticket: Ticket, now: datetime) -> dict[str, str]:
    first, resolved = tickets.durations(ticket)
    return {"created": _when(ticket.created_at), "age": duration((now - ticket.created_at).total_seconds()),
            "first_reply": duration(first), "resolution": duration(resolved)}


def _queue(s: Session, filters: dict[str, str]) -> dict[str, Any]:
    """Counts per tab and the rows of the current tab (the page and its JSON refresh)."""
    now, viewer = datetime.utcnow(), agent()
    found = tickets.list_tickets(s, viewer, **filters)
    exchanged = dict(s.execute(select(TicketMessage.ticket_id, func.count()).where(
        TicketMessage.ticket_id.in_([t.id for t in found]), TicketMessage.direction.in_(("user", "agent")))
        .group_by(TicketMessage.ticket_id)).all()) if found else {}
    rows = [{"id": t.id, "url": url_for("console.ticket", ticket_id=t.id), "status": t.status,
             "channel": t.channel, "language": t.language, "topic": t.topic, "reason": t.reason,
             "urgent": bool(t.urgent), "risk": t.risk or "", "assigned_to": t.assigned_to or "",
             "messages": exchanged.get(t.id, 0), **_times(t, now)} for t in found]
    return {"counts": tickets.counts(s, viewer), "tickets": rows}


def _visible(s: Session, ticket_id: int) -> Ticket:
    try:
        return tickets.visible(s, ticket_id, agent())
    except tickets.HandoffError:
        abort(404)


def _message(message: TicketMessage) -> dict[str, Any]:
    return {"id": message.id, "direction": message.direction, "author": message.author or "",
            "text": message.text, "delivery": message.delivery or "", "created": _when(message.created_at)}


def _state(s: Session, ticket: Ticket) -> dict[str, Any]:
    """What the ticket page's header shows and refreshes."""
    return {"status": ticket.status, "assigned_to": ticket.assigned_to or "",
            "window_open": tickets.window_open(s, ticket), **_times(ticket, datetime.utcnow())}


@console.route("/tickets")
@login_required
def ticket_list() -> Any:
    filters = _ticket_filters()
    extra = {k: v for k, v in filters.items() if v and k != "status"}  # the filters the tabs keep
    with session_scope(db()) as s:
        queue = _queue(s, filters)
    return render_template("tickets.html", queue=queue, filters=filters, extra=extra, topics=tickets.TOPICS,
                           channels=CHANNELS, source=url_for("console.tickets_json", status=filters["status"], **extra))


@console.route("/tickets.json")
@login_required
def tickets_json() -> Any:
    with session_scope(db()) as s:
        return jsonify(_queue(s, _ticket_filters()))


@console.route("/tickets/<int:ticket_id>")
@login_required
def ticket(ticket_id: int) -> Any:
    with session_scope(db()) as s:
        found = _visible(s, ticket_id)
        try:
            summary = json.loads(found.summary or "{}")
        except ValueError:
            summary = {}
        view = {"id": found.id, "sender_id": found.sender_id, "channel": found.channel, "language": found.language,
                "topic": found.topic, "reason": found.reason, "urgent": bool(found.urgent), "risk": found.risk or "",
                "close_note": found.close_note or "", "closed_by": found.closed_by or "", **_state(s, found)}
        history = [_message(m) for m in tickets.messages(s, found.id)]
    return render_template("ticket.html", ticket=view, summary=summary if isinstance(summary, dict) else {},
                           history=history, may_reply=agent().may_reply, limit=tickets.REPLY_LIMIT)


@console.route("/tickets/<int:ticket_id>/messages.json")
@login_required
def ticket_messages(ticket_id: int) -> Any:
    after = request.args.get("after", 0, type=int) or 0
    with session_scope(db()) as s:
        found = _visible(s, ticket_id)
        new = [_message(m) for m in tickets.messages(s, found.id, after)]
        deliveries = s.execute(select(TicketMessage.id, TicketMessage.delivery).where(
            TicketMessage.ticket_id == found.id, TicketMessage.direction == "agent")).all()
        return jsonify({"messages": new, "deliveries": {str(i): d or "" for i, d in deliveries}, **_state(s, found)})


def _act(ticket_id: int, action: Callable[[Session, Ticket], str], wakes: bool) -> Any:
    """Run ``action(session, ticket) -> flash text`` in one transaction; a HandoffError undoes it all and is
    shown; after the commit, wake the ticket's channel worker if something was queued."""
    try:
        with session_scope(db()) as s:
            found = _visible(s, ticket_id)
            channel = found.channel
            done = action(s, found)
    except tickets.HandoffError as exc:
        flash(f"Not done: {exc}.")
    else:
        if wakes:
            wake(channel)
        flash(done)
    return redirect(url_for("console.ticket", ticket_id=ticket_id))


@console.route("/tickets/<int:ticket_id>/assign", methods=["POST"])
@replier_required
def assign_ticket(ticket_id: int) -> Any:
    def take(s: Session, found: Ticket) -> str:
        tickets.assign(s, found.id, agent())
        return "The ticket is yours."

    return _act(ticket_id, take, wakes=False)


@console.route("/tickets/<int:ticket_id>/reply", methods=["POST"])
@replier_required
def reply_ticket(ticket_id: int) -> Any:
    def send(s: Session, found: Ticket) -> str:
        tickets.reply(s, found.id, agent(), request.form.get("text", ""))
        if tickets.window_open(s, found) is False:
            return "Queued: WhatsApp gets the template first; your reply follows as soon as they answer."
        return "Sent."

    return _act(ticket_id, send, wakes=True)


@console.route("/tickets/<int:ticket_id>/close", methods=["POST"])
@replier_required
def close_ticket(ticket_id: int) -> Any:
    def end(s: Session, found: Ticket) -> str:
        if found.status == tickets.CLOSED:
            raise tickets.HandoffError("this ticket is already closed")
        tickets.close(s, found.id, by=g.user["username"], note=request.form.get("note", ""), agent=agent())
        return "Closed: the bot takes the conversation back."

    return _act(ticket_id, end, wakes=True)
