"""marketplace in the chat: a provider member's language (their notifications use it) and when a confirmed
request's completion question went out (asked once)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 15:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('marketplace_provider_members') as batch:
        batch.add_column(sa.Column('language', sa.String(length=5), nullable=True))
    with op.batch_alter_table('marketplace_requests') as batch:
        batch.add_column(sa.Column('completion_asked_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('marketplace_requests') as batch:
        batch.drop_column('completion_asked_at')
    with op.batch_alter_table('marketplace_provider_members') as batch:
        batch.drop_column('language')
