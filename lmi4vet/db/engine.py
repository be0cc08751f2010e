"""Engines, sessions and migrations (SQLAlchemy 1.4 with the 2.0-style API)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, create_engine, make_url
from sqlalchemy.orm import Session

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def database_url() -> str:
    """``DATABASE_URL``, or the embedded SQLite file under the var directory."""
    from lmi4vet.settings import Settings

    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return url
    var_dir = Settings.from_env().var_dir
    return f"sqlite:///{var_dir / 'lmi4vet.db'}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str | None = None) -> Engine:
    """A new engine for ``url`` (default :func:`database_url`); SQLite gets foreign keys and WAL."""
    url = url or database_url()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, future=True, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, future=True, pool_pre_ping=True, pool_size=5, max_overflow=5)


@cache
def shared_engine(url: str) -> Engine:
    """One engine per URL for the life of the process (the action server's)."""
    return make_engine(url)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session in one transaction: committed at the end, rolled back on any error."""
    with Session(engine, future=True) as session, session.begin():
        yield session


def _alembic_config(url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Bring the database schema at ``url`` up to ``revision`` with Alembic."""
    from alembic import command

    url = url or database_url()
    make_engine(url).dispose()  # creates the SQLite folder if needed
    command.upgrade(_alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    """Take the schema down to ``revision`` (used by the migration tests)."""
    from alembic import command

    command.downgrade(_alembic_config(url), revision)
