"""The main menu: quick replies with language-neutral payloads (Rasa intents)."""

from __future__ import annotations

from typing import Any

from actions.base import Button, Reply

MAIN_MENU: tuple[tuple[str, str], ...] = (
    ("menu.indicators", "/ask_indicator"),
    ("menu.in_demand", "/ask_in_demand_occupations"),
    ("menu.skills", "/ask_occupation_skills"),
    ("menu.guide", "/ask_guide"),
    ("menu.course", "/start_course"),
    ("menu.events", "/ask_events"),
    ("menu.preferences", "/manage_preferences"),
    ("menu.tools", '/help{"menu":"tools"}'),
    ("menu.language", "/choose_language"),
    ("menu.human", "/request_human"),
)
# The tools for VET staff, one tap below the main menu (WhatsApp's list picker holds 10 rows).
TOOLS_MENU: tuple[tuple[str, str], ...] = (
    ("menu.microcred", "/design_microcredential"),
    ("menu.employer", "/ask_employer_engagement"),
    ("menu.marketplace_provider", "/offer_services"),
    ("menu.marketplace", "/find_service"),
    ("menu.main", "/help"),
)


def main_menu(reply: Reply) -> list[Button]:
    """The main-menu buttons in the reply's language; for users who started the course, "continue the course"
    instead of "the course" (the course's list of modules is one tap further)."""
    course = ("menu.continue_course", '/start_course{"module":"continue"}')
    resume = bool(reply.sender_id) and _has_course_progress(reply.sender_id)
    return [(reply.text(key), payload) for key, payload in (
        course if resume and key == "menu.course" else (key, payload) for key, payload in MAIN_MENU)]


def tools_menu(reply: Reply) -> list[Button]:
    """The tools for VET staff: the micro-credential designer, the employer-engagement self-assessment and the
    VET2B marketplace (a school's side, and the businesses' search)."""
    return [(reply.text(key), payload) for key, payload in TOOLS_MENU]


def _has_course_progress(sender_id: str) -> bool:
    from sqlalchemy.exc import SQLAlchemyError

    from actions.data import kb_session
    from lmi4vet.course import progress

    try:
        with kb_session() as session:
            return progress(session, sender_id) is not None
    except SQLAlchemyError:
        return False  # the menu still works when the database does not


def say_with_menu(reply: Reply, key: str | None = None, **params: Any) -> None:
    """Say ``key`` (if any) and the menu prompt in one message, with the main-menu buttons."""
    prompt = reply.text("menu.prompt")
    text = f"{reply.text(key, **params)}\n\n{prompt}" if key else prompt
    reply.send(text, main_menu(reply))
