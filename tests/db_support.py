"""Database URLs for the data-layer tests: a temporary SQLite file, and PostgreSQL (``TEST_POSTGRES_URL``) when a
server answers; when none does, those tests fail with CI=true and are skipped otherwise (tests/services.py)."""

from __future__ import annotations

import os
import uuid

import pytest

from tests.services import require_service

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_address(url: str = POSTGRES_URL) -> str:
    """``host:port`` of the server (never the user or password)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}"


def require_postgres() -> None:
    """Fail (CI=true) or skip (otherwise) when the PostgreSQL server of ``TEST_POSTGRES_URL`` does not answer."""
    from sqlalchemy import create_engine, text

    def connect() -> None:
        engine = create_engine(POSTGRES_URL, future=True, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        finally:
            engine.dispose()

    require_service("PostgreSQL", postgres_address(), connect)


def postgres_schema_url() -> tuple[str, str]:
    """A fresh schema in the test database (so tests never touch other tables): ``(url, schema)``."""
    from sqlalchemy import create_engine, text

    require_postgres()
    schema = f"lmi4vet_test_{uuid.uuid4().hex[:8]}"
    engine = create_engine(POSTGRES_URL, future=True, connect_args={"connect_timeout": 3})
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}", schema


def drop_postgres_schema(schema: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(POSTGRES_URL, future=True)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """An empty, migrated database of each kind."""
    from lmi4vet.db.engine import upgrade

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
        upgrade(url)
        yield url
        return
    url, schema = postgres_schema_url()
    try:
        upgrade(url)
        yield url
    finally:
        drop_postgres_schema(schema)
