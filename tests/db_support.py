"""Database URLs for the data-layer tests: a temporary SQLite file, and PostgreSQL when a server answers."""

from __future__ import annotations

import os
import uuid

import pytest

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_schema_url() -> tuple[str, str]:
    """A fresh schema in the test database (so tests never touch other tables): ``(url, schema)``."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    schema = f"lmi4vet_test_{uuid.uuid4().hex[:8]}"
    try:
        engine = create_engine(POSTGRES_URL, future=True, connect_args={"connect_timeout": 3})
        with engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
    except OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL.split('@')[-1]} ({exc.orig}); "
                    "set TEST_POSTGRES_URL to run the PostgreSQL data-layer tests")
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
