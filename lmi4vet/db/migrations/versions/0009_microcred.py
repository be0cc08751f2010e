"""micro-credential drafts: a user's micro-credential specifications in progress

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 15:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'microcred_drafts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sender_id', sa.String(length=64), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('title', sa.String(length=120), nullable=False),
        sa.Column('spec', sa.Text(), nullable=False),
        sa.Column('step', sa.String(length=32), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_microcred_drafts_sender_id', 'microcred_drafts', ['sender_id'])


def downgrade() -> None:
    op.drop_table('microcred_drafts')
