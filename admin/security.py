"""Accounts, passwords, lockout, roles and CSRF for the admin console.

Roles: ``admin`` (everything), ``reviewer`` (reads conversations, corrects NLU, sees tickets read-only) and
``agent`` (answers tickets of their deployment, nothing else)."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from flask import abort, g, redirect, request, session, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from lmi4vet.db.models import AdminUser

ROLES = ("admin", "reviewer", "agent")
STAFF = ("admin", "reviewer")  # who may read conversations, the misunderstood inbox and analytics
REPLIERS = ("admin", "agent")  # who may take, answer and close tickets
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD = 10


def create_user(db: Session, username: str, password: str, role: str, deployment: str | None = None) -> AdminUser:
    """Add (or reset) a console account; passwords are stored as salted scrypt hashes. ``deployment``: whose
    tickets the account sees (required for agents; None for admins and reviewers: all deployments)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    deployment = (deployment or "").strip() or None
    if role == "agent" and deployment is None:
        raise ValueError("an agent needs a deployment")
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"the password needs at least {MIN_PASSWORD} characters")
    user = db.execute(select(AdminUser).where(AdminUser.username == username)).scalar_one_or_none()
    if user is None:
        user = AdminUser(username=username, password_hash="", role=role)
        db.add(user)
    user.password_hash = generate_password_hash(password, method="scrypt")
    user.role, user.deployment, user.failed_logins, user.locked_until = role, deployment, 0, None
    return user


def authenticate(db: Session, username: str, password: str) -> tuple[AdminUser | None, str]:
    """``(user, "")`` on success, else ``(None, reason)``; counts failures and locks the account."""
    user = db.execute(select(AdminUser).where(AdminUser.username == username)).scalar_one_or_none()
    now = datetime.utcnow()
    if user is None:
        check_password_hash(generate_password_hash("timing"), password)  # same cost as a real check
        return None, "invalid"
    if user.locked_until and user.locked_until > now:
        return None, "locked"
    if not check_password_hash(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until, user.failed_logins = now + LOCKOUT, 0
            return None, "locked"
        return None, "invalid"
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    return user, ""


def csrf_token() -> str:
    """The session's CSRF token (made on first use)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf() -> None:
    """Every state-changing request must carry the session's token (form field or header)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    expected = session.get("csrf") or ""
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, description="missing or wrong CSRF token")


def roles_required(*roles: str, refusal: str = "your role may not do this"
                   ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A view for logged-in users of these roles: others are sent to the login page (anonymous) or get 403."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if g.get("user") is None:
                return redirect(url_for("auth.login", next=request.path))
            if g.user["role"] not in roles:
                abort(403, description=refusal)
            return view(*args, **kwargs)

        return wrapped

    return decorate


login_required = roles_required(*ROLES)  # anyone logged in (the ticket pages)
staff_required = roles_required(*STAFF)  # conversations, misunderstood inbox, analytics
replier_required = roles_required(*REPLIERS)  # assign, reply, close
admin_required = roles_required("admin", refusal="only administrators may do this")  # data export, erasure
