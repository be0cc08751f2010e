"""employer engagement: self-assessments and the encounter log

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 18:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'employer_assessments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sender_id', sa.String(length=64), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('answers', sa.Text(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('completed_at', sa.DateTime(), nullable=True),
        sa.Column('remind_at', sa.DateTime(), nullable=True),
        sa.Column('reminded_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_employer_assessments_sender_id', 'employer_assessments', ['sender_id'])
    op.create_index('ix_employer_assessments_remind_at', 'employer_assessments', ['remind_at'])
    op.create_table(
        'employer_encounters',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sender_id', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('size', sa.String(length=8), nullable=False),
        sa.Column('learners', sa.Integer(), nullable=False),
        sa.Column('two_way', sa.Boolean(), nullable=False),
        sa.Column('reflection', sa.Boolean(), nullable=False),
        sa.Column('occurred_on', sa.Date(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_employer_encounters_sender_id', 'employer_encounters', ['sender_id'])


def downgrade() -> None:
    op.drop_table('employer_encounters')
    op.drop_table('employer_assessments')
