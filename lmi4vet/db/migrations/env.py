"""Alembic environment: runs the migrations against the URL set by lmi4vet.db.engine.upgrade."""

from __future__ import annotations

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import create_engine

from lmi4vet.db.models import Base
from lmi4vet.employer import models as _employer_models  # noqa: F401  (its tables)
from lmi4vet.events import models as _event_models  # noqa: F401  (its tables)
from lmi4vet.handoff import models as _handoff_models  # noqa: F401  (its tables)
from lmi4vet.marketplace import models as _marketplace_models  # noqa: F401  (its tables)
from lmi4vet.microcred import models as _microcred_models  # noqa: F401  (its tables)

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool, future=True)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
