"""durable inbox and outbox, stopped contacts, erasures kept until verified

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 08:00:00
"""

import hashlib

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'inbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('delivery_id', sa.String(length=64), nullable=False),
        sa.Column('sender_id', sa.String(length=64), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('language_hint', sa.String(length=8), nullable=True),
        sa.Column('meta', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('outcome', sa.String(length=32), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.Column('handled_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('channel', 'delivery_id', name='uq_inbox_delivery'),
    )
    op.create_index('ix_inbox_status', 'inbox', ['status', 'id'])
    op.create_index('ix_inbox_sender', 'inbox', ['sender_id', 'id'])
    op.create_table(
        'outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('inbox_id', sa.Integer(), sa.ForeignKey('inbox.id', ondelete='CASCADE'), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('sender_id', sa.String(length=64), nullable=False),
        sa.Column('call', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('provider_id', sa.String(length=64), nullable=True),
        sa.Column('error', sa.String(length=255), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('delivery', sa.String(length=16), nullable=True),
        sa.Column('delivery_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('inbox_id', 'seq', name='uq_outbox_seq'),
    )
    op.create_index('ix_outbox_sender_id', 'outbox', ['sender_id'])
    op.create_index('ix_outbox_provider_id', 'outbox', ['provider_id'])
    with op.batch_alter_table('channel_users') as batch_op:
        batch_op.add_column(sa.Column('stopped_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('stopped_reason', sa.String(length=120), nullable=True))
    erasures = op.create_table(
        'erasures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sender_id', sa.String(length=255), nullable=True),
        sa.Column('sender_digest', sa.String(length=64), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('requested_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.Column('erased_until', sa.Float(), nullable=True),
        sa.Column('verified_at', sa.DateTime(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_erasures_sender_id', 'erasures', ['sender_id'])
    op.create_index('ix_erasures_sender_digest', 'erasures', ['sender_digest'])
    op.create_index('ix_erasures_verified_at', 'erasures', ['verified_at'])
    # Pending requests of the old table carry over (they were deleted with the data once carried out).
    old = op.get_bind().execute(sa.text('SELECT sender_id, requested_at FROM erasure_requests')).fetchall()
    if old:
        op.bulk_insert(erasures, [
            {'sender_id': row[0], 'sender_digest': hashlib.sha256(row[0].encode()).hexdigest(),
             'source': 'chat', 'status': 'pending', 'requested_at': row[1], 'attempts': 0} for row in old])
    op.drop_table('erasure_requests')


def downgrade() -> None:
    op.create_table(
        'erasure_requests',
        sa.Column('sender_id', sa.String(length=255), nullable=False),
        sa.Column('requested_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.PrimaryKeyConstraint('sender_id'),
    )
    op.execute("INSERT INTO erasure_requests (sender_id, requested_at) "
               "SELECT sender_id, MIN(requested_at) FROM erasures "
               "WHERE status = 'pending' AND sender_id IS NOT NULL GROUP BY sender_id")
    op.drop_table('erasures')
    with op.batch_alter_table('channel_users') as batch_op:
        batch_op.drop_column('stopped_reason')
        batch_op.drop_column('stopped_at')
    op.drop_table('outbox')
    op.drop_table('inbox')
