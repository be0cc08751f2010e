"""event registrations keep the language the person registered in (their reminder and follow-up use it)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 14:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('event_registrations') as batch:
        batch.add_column(sa.Column('language', sa.String(length=5), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('event_registrations') as batch:
        batch.drop_column('language')
