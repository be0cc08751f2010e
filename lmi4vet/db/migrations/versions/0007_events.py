"""network events: events and their texts, registrations, consents and their log, STOP state, calendar links,
broadcasts, their texts and recipients

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'network_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('deployment', sa.String(length=64), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('starts_at', sa.DateTime(), nullable=False),
        sa.Column('ends_at', sa.DateTime(), nullable=False),
        sa.Column('timezone', sa.String(length=64), nullable=False),
        sa.Column('place', sa.String(length=300), nullable=True),
        sa.Column('online_url', sa.String(length=500), nullable=True),
        sa.Column('country', sa.String(length=2), nullable=False),
        sa.Column('topic', sa.String(length=32), nullable=False),
        sa.Column('capacity', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('sequence', sa.Integer(), nullable=False),
        sa.Column('created_by', sa.String(length=80), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_network_events_upcoming', 'network_events', ['status', 'starts_at'])
    op.create_index('ix_network_events_deployment', 'network_events', ['deployment', 'status', 'starts_at'])
    op.create_table(
        'network_event_texts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), sa.ForeignKey('network_events.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('lang', sa.String(length=5), nullable=False),
        sa.Column('title', sa.String(length=120), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('event_id', 'lang', name='uq_network_event_text'),
    )
    op.create_table(
        'event_registrations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), sa.ForeignKey('network_events.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('sender_id', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('registered_at', sa.DateTime(), nullable=False),
        sa.Column('cancelled_at', sa.DateTime(), nullable=True),
        sa.Column('reminder_sent_at', sa.DateTime(), nullable=True),
        sa.Column('followup_sent_at', sa.DateTime(), nullable=True),
        sa.Column('feedback', sa.Integer(), nullable=True),
        sa.Column('feedback_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('event_id', 'sender_id', name='uq_event_registration'),
        sa.CheckConstraint('feedback IS NULL OR (feedback >= 1 AND feedback <= 5)',
                           name='ck_event_registration_feedback'),
    )
    op.create_index('ix_event_registrations_sender_id', 'event_registrations', ['sender_id'])
    op.create_index('ix_event_registrations_seats', 'event_registrations', ['event_id', 'status'])
    op.create_table(
        'event_consents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sender_id', sa.String(length=64), nullable=False),
        sa.Column('topic', sa.String(length=32), nullable=False),
        sa.Column('country', sa.String(length=2), nullable=False),
        sa.Column('opted_in', sa.Boolean(), nullable=False),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
        sa.Column('method', sa.String(length=16), nullable=False),
        sa.Column('wording_version', sa.String(length=16), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('sender_id', 'topic', 'country', name='uq_event_consent'),
    )
    op.create_index('ix_event_consents_audience', 'event_consents', ['topic', 'country', 'opted_in'])
    op.create_table(
        'event_consent_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sender_id', sa.String(length=64), nullable=False),
        sa.Column('topic', sa.String(length=32), nullable=False),
        sa.Column('country', sa.String(length=2), nullable=False),
        sa.Column('opted_in', sa.Boolean(), nullable=False),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
        sa.Column('method', sa.String(length=16), nullable=False),
        sa.Column('wording_version', sa.String(length=16), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_event_consent_log_sender', 'event_consent_log', ['sender_id', 'id'])
    op.create_table(
        'event_subscribers',
        sa.Column('sender_id', sa.String(length=64), nullable=False),
        sa.Column('unsubscribed_at', sa.DateTime(), nullable=True),
        sa.Column('method', sa.String(length=16), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.PrimaryKeyConstraint('sender_id'),
    )
    op.create_table(
        'event_calendar_links',
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('event_id', sa.Integer(), sa.ForeignKey('network_events.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('sender_id', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('token'),
    )
    op.create_index('ix_event_calendar_links_sender_id', 'event_calendar_links', ['sender_id'])
    op.create_index('ix_event_calendar_links_expires_at', 'event_calendar_links', ['expires_at'])
    op.create_table(
        'broadcasts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('deployment', sa.String(length=64), nullable=False),
        sa.Column('topic', sa.String(length=32), nullable=False),
        sa.Column('country', sa.String(length=2), nullable=False),
        sa.Column('languages', sa.String(length=32), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('scheduled_at', sa.DateTime(), nullable=True),
        sa.Column('created_by', sa.String(length=80), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('template_sid', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_broadcasts_due', 'broadcasts', ['status', 'scheduled_at'])
    op.create_index('ix_broadcasts_deployment', 'broadcasts', ['deployment', 'created_at'])
    op.create_table(
        'broadcast_texts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('broadcast_id', sa.Integer(), sa.ForeignKey('broadcasts.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('lang', sa.String(length=5), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('broadcast_id', 'lang', name='uq_broadcast_text'),
    )
    op.create_table(
        'broadcast_recipients',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('broadcast_id', sa.Integer(), sa.ForeignKey('broadcasts.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('sender_id', sa.String(length=64), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('route', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.String(length=120), nullable=True),
        sa.Column('inbox_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('broadcast_id', 'sender_id', name='uq_broadcast_recipient'),
    )
    op.create_index('ix_broadcast_recipients_sender_id', 'broadcast_recipients', ['sender_id'])
    op.create_index('ix_broadcast_recipients_work', 'broadcast_recipients', ['broadcast_id', 'status', 'id'])


def downgrade() -> None:
    op.drop_table('broadcast_recipients')
    op.drop_table('broadcast_texts')
    op.drop_table('broadcasts')
    op.drop_table('event_calendar_links')
    op.drop_table('event_subscribers')
    op.drop_table('event_consent_log')
    op.drop_table('event_consents')
    op.drop_table('event_registrations')
    op.drop_table('network_event_texts')
    op.drop_table('network_events')
