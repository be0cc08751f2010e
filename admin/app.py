"""The admin console (Flask, server-rendered): ``python -m admin serve`` or ``make admin``.

Pages: login; conversations (filters, search, pages); a transcript with intents, confidences, entities,
buttons and actions, where a reviewer marks it reviewed, tags it and adds a note, or exports it as a test
story; the misunderstood inbox (assign an intent and entities, or mark out of scope; export to NLU files);
analytics with charts; per-user data export and erasure (admins only).
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, abort, flash, g, redirect, render_template, request, session, url_for
from sqlalchemy import select
from sqlalchemy.engine import Engine

from admin import data
from admin.security import (
    admin_required,
    authenticate,
    check_csrf,
    csrf_token,
    login_required,
)
from lmi4vet import SUPPORTED_LANGUAGES
from lmi4vet.db.engine import database_url, make_engine, session_scope
from lmi4vet.db.models import AdminUser, ConversationReview, NluCorrection
from lmi4vet.privacy import erase_now, export_user, export_user_csv, row_counts, tracker_url
from lmi4vet.settings import PROJECT_ROOT, Settings

PAGE_SIZE = 25
DEFAULT_THRESHOLD = 0.5

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
               secret_key: str | None = None, secure_cookies: bool = False) -> Flask:
    """The console bound to our database and the tracker store."""
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key or _secret_key(), SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookies, PERMANENT_SESSION_LIFETIME=8 * 3600,
        MAX_CONTENT_LENGTH=1024 * 1024, NLU_DIR=nlu_dir or PROJECT_ROOT / "nlu",
    )
    app.extensions["db"] = make_engine(db_url or database_url())
    app.extensions["tracker"] = make_engine(tracker or tracker_url())
    app.jinja_env.globals.update(csrf_token=csrf_token, languages=SUPPORTED_LANGUAGES)

    @app.before_request
    def load_user() -> None:
        g.user = None
        user_id = session.get("user_id")
        if user_id is not None:
            with session_scope(db()) as s:
                user = s.get(AdminUser, user_id)
                if user is not None:
                    g.user = {"id": user.id, "username": user.username, "role": user.role}
        check_csrf()

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
                                else url_for("console.conversations"))
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
    return redirect(url_for("console.conversations"))


@console.route("/conversations")
@login_required
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
@login_required
def transcript(sender_id: str) -> Any:
    events = [e for _, e in data.read_events(tracker(), sender_id)]
    if not events:
        abort(404)
    with session_scope(db()) as s:
        review = s.get(ConversationReview, sender_id)
        review_view = {"reviewed": review.reviewed, "tags": review.tags, "note": review.note or ""} if review else {}
    return render_template("transcript.html", sender_id=sender_id, turns=data.turns(events), review=review_view)


@console.route("/conversations/<sender_id>/review", methods=["POST"])
@login_required
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
@login_required
def story(sender_id: str) -> Any:
    events = [e for _, e in data.read_events(tracker(), sender_id)]
    if not events:
        abort(404)
    return Response(data.test_story(sender_id, events), mimetype="text/yaml",
                    headers={"Content-Disposition": f"attachment; filename=test_story_{sender_id[:12]}.yml"})


@console.route("/inbox")
@login_required
def inbox() -> Any:
    threshold = request.args.get("threshold", DEFAULT_THRESHOLD, type=float) or DEFAULT_THRESHOLD
    with session_scope(db()) as s:
        items = data.misunderstood(tracker(), s, threshold)
        pending = s.execute(select(NluCorrection).where(NluCorrection.exported_at.is_(None))).scalars().all()
        corrected = [{"text": c.text, "intent": c.intent, "language": c.language} for c in pending]
    return render_template("inbox.html", items=items[:200], total=len(items), threshold=threshold,
                           intents=data.domain_intents(), corrected=corrected)


@console.route("/inbox/correct", methods=["POST"])
@login_required
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
@login_required
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
@login_required
def analytics() -> Any:
    with session_scope(db()) as s:
        figures = data.analytics(tracker(), s)
    return render_template("analytics.html", figures=figures)


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
