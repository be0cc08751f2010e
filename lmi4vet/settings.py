"""Runtime settings, read once from environment variables (see README, "Configuration")."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from lmi4vet import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES

PROJECT_ROOT = Path(os.environ.get("LMI4VET_HOME") or Path(__file__).resolve().parents[1])


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from exc


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number of seconds, got {raw!r}") from exc
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {raw!r}")
    return value


@dataclass(frozen=True)
class Settings:
    """Where things run and where they keep their data."""

    host: str = "127.0.0.1"
    rasa_port: int = 5005
    action_port: int = 5055
    var_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "var")
    models_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "models")
    tracker_store_url: str = ""
    lock_store_url: str = ""
    default_language: str = DEFAULT_LANGUAGE
    #: Rasa tracker store class (Rasa's extension point); ours erases "forget me" right after the save
    tracker_store_class: str = "lmi4vet.tracker_store.ErasingSQLTrackerStore"
    #: seconds without a reply after which the channels apologise (action server down or hanging)
    apology_after: float = 2.0
    #: seconds after which the channels give up on a Rasa turn
    turn_timeout: float = 120.0
    #: this installation's name: tickets carry it, and an agent of the console sees only their deployment's
    deployment: str = "default"
    #: who answers a handoff, as users are told ("" = "our advisers", localized)
    handoff_team: str = ""
    #: when advisers answer: "mon-fri 09:00-17:00", spans separated by ";" ("mon-thu 09:00-17:00; fri 09:00-13:00")
    handoff_hours: str = "mon-fri 09:00-17:00"
    #: the time zone of those hours (IANA name)
    handoff_timezone: str = "Europe/Brussels"
    #: minutes a first answer takes within office hours, said until enough tickets give a measured median
    handoff_reply_minutes: int = 30
    #: the task queue (huey): "" = a SQLite file in the var dir (embedded), redis://host:6379/1 in production,
    #: "memory" = run each task at once in the calling process (tests)
    task_queue_url: str = ""
    #: where people reach this server from outside (https://bot.example.org): calendar links in the chat; ""
    #: = the origin of TWILIO_WEBHOOK_URL, else the Rasa server's own address (the local chat)
    public_url: str = ""
    #: the time zone in which "this week" and "next month" are read when someone looks for events (IANA name)
    events_timezone: str = "Europe/Brussels"
    #: Eurostat's dissemination API (SDMX 2.1 under /sdmx/2.1, JSON-stat under /statistics/1.0): `lmi4vet update`
    eurostat_api_url: str = "https://ec.europa.eu/eurostat/api/dissemination"
    #: the ESCO web-service API (/resource/occupation, /resource/skill): `lmi4vet update esco`
    esco_api_url: str = "https://ec.europa.eu/esco/api"
    #: seconds one download of `lmi4vet update` may take (connect and each read) before it counts as failed
    update_timeout: float = 60.0
    #: days after our last successful refresh of a dataset at which the console calls its data stale
    data_stale_days: int = 45

    @classmethod
    def from_env(cls) -> Settings:
        """Build settings from ``LMI4VET_*``-style environment variables, with embedded defaults."""
        var_dir = Path(os.environ.get("LMI4VET_VAR_DIR") or PROJECT_ROOT / "var")
        default_language = os.environ.get("DEFAULT_LANGUAGE", DEFAULT_LANGUAGE).strip().lower()
        if default_language not in SUPPORTED_LANGUAGES:
            raise ValueError(f"DEFAULT_LANGUAGE must be one of {', '.join(SUPPORTED_LANGUAGES)}")
        return cls(
            host=os.environ.get("RASA_HOST", "127.0.0.1"),
            rasa_port=_int("RASA_PORT", 5005),
            action_port=_int("ACTION_PORT", 5055),
            var_dir=var_dir,
            models_dir=Path(os.environ.get("LMI4VET_MODELS_DIR") or PROJECT_ROOT / "models"),
            tracker_store_url=os.environ.get("TRACKER_STORE_URL", "").strip(),
            lock_store_url=os.environ.get("LOCK_STORE_URL", "").strip(),
            default_language=default_language,
            tracker_store_class=os.environ.get("TRACKER_STORE_CLASS", "").strip()
            or "lmi4vet.tracker_store.ErasingSQLTrackerStore",
            apology_after=_float("APOLOGY_AFTER_SECONDS", 2.0),
            turn_timeout=_float("TURN_TIMEOUT_SECONDS", 120.0),
            deployment=os.environ.get("DEPLOYMENT", "").strip() or "default",
            handoff_team=os.environ.get("HANDOFF_TEAM", "").strip(),
            handoff_hours=os.environ.get("HANDOFF_HOURS", "").strip() or "mon-fri 09:00-17:00",
            handoff_timezone=os.environ.get("HANDOFF_TIMEZONE", "").strip() or "Europe/Brussels",
            handoff_reply_minutes=_int("HANDOFF_REPLY_MINUTES", 30),
            task_queue_url=os.environ.get("TASK_QUEUE_URL", "").strip(),
            public_url=(os.environ.get("PUBLIC_URL", "").strip() or _origin(os.environ.get("TWILIO_WEBHOOK_URL", "")))
            .rstrip("/"),
            events_timezone=os.environ.get("EVENTS_TIMEZONE", "").strip() or "Europe/Brussels",
            eurostat_api_url=(os.environ.get("EUROSTAT_API_URL", "").strip()
                              or "https://ec.europa.eu/eurostat/api/dissemination").rstrip("/"),
            esco_api_url=(os.environ.get("ESCO_API_URL", "").strip() or "https://ec.europa.eu/esco/api").rstrip("/"),
            update_timeout=_float("UPDATE_TIMEOUT_SECONDS", 60.0),
            data_stale_days=_int("DATA_STALE_DAYS", 45),
        )

    @property
    def spool_dir(self) -> Path:
        """Where the channels keep messages received while the database was unreachable."""
        return self.var_dir / "spool"

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def public_base(self) -> str:
        """The address links to this server start with: ``public_url``, else the Rasa server's."""
        return self.public_url or self.rasa_url

    @property
    def action_url(self) -> str:
        return f"http://{self.host}:{self.action_port}/webhook"


def _origin(url: str) -> str:
    """``https://host:port`` of a URL ("" for anything else)."""
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


def action_threads() -> int:
    """``ACTION_THREADS`` (default 8): how many answers the action server works on at once. Each runs in its own
    thread, off the event loop, and holds one database connection while it runs: keep it within the database
    pool (PostgreSQL: 5 connections + 5 overflow)."""
    value = _int("ACTION_THREADS", 8)
    if value < 1:
        raise ValueError(f"ACTION_THREADS must be at least 1, got {value}")
    return value
