"""human handoff: tickets and their messages, inbox rows of kind agent/resume, agents' deployments

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 11:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'handoff_tickets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('deployment', sa.String(length=64), nullable=False),
        sa.Column('sender_id', sa.String(length=64), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('topic', sa.String(length=24), nullable=False),
        sa.Column('reason', sa.String(length=16), nullable=False),
        sa.Column('urgent', sa.Boolean(), nullable=False),
        sa.Column('risk', sa.String(length=16), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('assigned_to', sa.String(length=80), nullable=True),
        sa.Column('assigned_at', sa.DateTime(), nullable=True),
        sa.Column('first_reply_at', sa.DateTime(), nullable=True),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.Column('closed_by', sa.String(length=80), nullable=True),
        sa.Column('close_note', sa.Text(), nullable=True),
        sa.Column('resumed_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_handoff_tickets_sender', 'handoff_tickets', ['sender_id', 'status'])
    op.create_index('ix_handoff_tickets_queue', 'handoff_tickets', ['deployment', 'status', 'created_at'])
    op.create_table(
        'handoff_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), sa.ForeignKey('handoff_tickets.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('sender_id', sa.String(length=64), nullable=False),
        sa.Column('direction', sa.String(length=8), nullable=False),
        sa.Column('author', sa.String(length=80), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('inbox_id', sa.Integer(), nullable=True),
        sa.Column('delivery', sa.String(length=16), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('ticket_id', 'direction', 'inbox_id', name='uq_handoff_message_inbox'),
    )
    op.create_index('ix_handoff_messages_sender_id', 'handoff_messages', ['sender_id'])
    op.create_index('ix_handoff_messages_ticket', 'handoff_messages', ['ticket_id', 'id'])
    with op.batch_alter_table('inbox') as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), nullable=False, server_default='user'))
    with op.batch_alter_table('admin_users') as batch_op:
        batch_op.add_column(sa.Column('deployment', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('admin_users') as batch_op:
        batch_op.drop_column('deployment')
    op.execute("DELETE FROM outbox WHERE inbox_id IN (SELECT id FROM inbox WHERE kind <> 'user')")
    op.execute("DELETE FROM inbox WHERE kind <> 'user'")
    with op.batch_alter_table('inbox') as batch_op:
        batch_op.drop_column('kind')
    op.drop_table('handoff_messages')
    op.drop_table('handoff_tickets')
