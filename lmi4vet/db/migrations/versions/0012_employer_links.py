"""employer engagement: expiring links to a self-assessment's chart and PDF

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 21:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'employer_links',
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('sender_id', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['assessment_id'], ['employer_assessments.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('token'),
    )
    op.create_index('ix_employer_links_assessment_id', 'employer_links', ['assessment_id'])
    op.create_index('ix_employer_links_sender_id', 'employer_links', ['sender_id'])
    op.create_index('ix_employer_links_expires_at', 'employer_links', ['expires_at'])


def downgrade() -> None:
    op.drop_table('employer_links')
