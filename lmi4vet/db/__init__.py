"""Our own data (LMI facts, occupations and skills, later guide progress, users, logs): one package owns all SQL.

SQLite file by default (``var/lmi4vet.db``), PostgreSQL (or any SQLAlchemy URL) through ``DATABASE_URL``.
The schema is created and upgraded by Alembic migrations (``lmi4vet db upgrade``).
"""

from lmi4vet.db.engine import database_url, make_engine, session_scope, upgrade

__all__ = ["database_url", "make_engine", "session_scope", "upgrade"]
