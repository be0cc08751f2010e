"""micro-credential export links: expiring links to a draft's PDF, ELM and Open Badges files

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 17:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'microcred_links',
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('draft_id', sa.Integer(), nullable=False),
        sa.Column('sender_id', sa.String(length=64), nullable=False),
        sa.Column('format', sa.String(length=8), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['draft_id'], ['microcred_drafts.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('token'),
    )
    op.create_index('ix_microcred_links_draft_id', 'microcred_links', ['draft_id'])
    op.create_index('ix_microcred_links_sender_id', 'microcred_links', ['sender_id'])
    op.create_index('ix_microcred_links_expires_at', 'microcred_links', ['expires_at'])


def downgrade() -> None:
    op.drop_table('microcred_links')
