"""VET2B marketplace: providers, members, link codes, offers, requests for a quote, ratings, reports

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def _id() -> sa.Column:
    return sa.Column('id', sa.Integer(), nullable=False)


def _parent(column: str, table: str) -> tuple[sa.Column, sa.ForeignKeyConstraint]:
    return (sa.Column(column, sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint([column], [f'{table}.id'], ondelete='CASCADE'))


def _sender(nullable: bool = False) -> sa.Column:
    return sa.Column('sender_id', sa.String(length=64), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        'marketplace_providers',
        _id(),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('country', sa.String(length=2), nullable=False),
        sa.Column('city', sa.String(length=100), nullable=False),
        sa.Column('contact_email', sa.String(length=254), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'marketplace_provider_members',
        _id(),
        *_parent('provider_id', 'marketplace_providers'),
        _sender(),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('linked_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('provider_id', 'sender_id', name='uq_marketplace_member'),
    )
    op.create_index('ix_marketplace_provider_members_provider_id', 'marketplace_provider_members', ['provider_id'])
    op.create_index('ix_marketplace_provider_members_sender_id', 'marketplace_provider_members', ['sender_id'])
    op.create_table(
        'marketplace_link_codes',
        _id(),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        *_parent('provider_id', 'marketplace_providers'),
        sa.Column('issued_by', sa.String(length=80), nullable=False),
        sa.Column('issued_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.Column('used_by', sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code_hash'),
    )
    op.create_index('ix_marketplace_link_codes_provider_id', 'marketplace_link_codes', ['provider_id'])
    op.create_index('ix_marketplace_link_codes_used_by', 'marketplace_link_codes', ['used_by'])
    op.create_table(
        'marketplace_code_attempts',
        _id(),
        _sender(),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_marketplace_code_attempts_sender', 'marketplace_code_attempts', ['sender_id', 'at'])
    op.create_table(
        'marketplace_offers',
        _id(),
        *_parent('provider_id', 'marketplace_providers'),
        sa.Column('category', sa.String(length=40), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('country', sa.String(length=2), nullable=False),
        sa.Column('region', sa.String(length=100), nullable=True),
        sa.Column('city', sa.String(length=100), nullable=True),
        sa.Column('remote', sa.Boolean(), nullable=False),
        sa.Column('latitude', sa.Float(), nullable=True),
        sa.Column('longitude', sa.Float(), nullable=True),
        sa.Column('price_kind', sa.String(length=16), nullable=False),
        sa.Column('price_cents', sa.Integer(), nullable=True),
        sa.Column('currency', sa.String(length=3), nullable=True),
        sa.Column('lead_time_days', sa.Integer(), nullable=True),
        sa.Column('teacher', sa.String(length=120), nullable=True),
        sa.Column('languages', sa.Text(), nullable=False),
        sa.Column('review_note', sa.String(length=500), nullable=True),
        sa.Column('reviewed_by', sa.String(length=80), nullable=True),
        sa.Column('reviewed_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('published_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_marketplace_offers_provider_id', 'marketplace_offers', ['provider_id'])
    op.create_index('ix_marketplace_offers_state', 'marketplace_offers', ['state', 'category'])
    op.create_table(
        'marketplace_offer_texts',
        _id(),
        *_parent('offer_id', 'marketplace_offers'),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('title', sa.String(length=120), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('offer_id', 'language', name='uq_marketplace_offer_text'),
    )
    op.create_table(
        'marketplace_offer_skills',
        _id(),
        *_parent('offer_id', 'marketplace_offers'),
        sa.Column('uri', sa.String(length=255), nullable=False),
        sa.Column('label', sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('offer_id', 'uri', name='uq_marketplace_offer_skill'),
    )
    op.create_table(
        'marketplace_offer_unavailable',
        _id(),
        *_parent('offer_id', 'marketplace_offers'),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_marketplace_offer_unavailable_offer_id', 'marketplace_offer_unavailable', ['offer_id'])
    op.create_table(
        'marketplace_requests',
        _id(),
        *_parent('offer_id', 'marketplace_offers'),
        _sender(),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('what', sa.Text(), nullable=False),
        sa.Column('quantity', sa.Integer(), nullable=False),
        sa.Column('wanted_by', sa.Date(), nullable=False),
        sa.Column('budget_cents', sa.Integer(), nullable=True),
        sa.Column('currency', sa.String(length=3), nullable=True),
        sa.Column('contact_preference', sa.String(length=8), nullable=False),
        sa.Column('contact', sa.String(length=254), nullable=True),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('offered_price_cents', sa.Integer(), nullable=True),
        sa.Column('offered_currency', sa.String(length=3), nullable=True),
        sa.Column('offered_date', sa.Date(), nullable=True),
        *[sa.Column(f'{step}_at', sa.DateTime(), nullable=step not in ('created', 'updated'))
          for step in ('created', 'accepted', 'declined', 'offered', 'confirmed', 'cancelled', 'completed',
                       'expired', 'updated')],
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_marketplace_requests_offer_id', 'marketplace_requests', ['offer_id'])
    op.create_index('ix_marketplace_requests_sender_id', 'marketplace_requests', ['sender_id'])
    op.create_index('ix_marketplace_requests_state', 'marketplace_requests', ['state'])
    op.create_table(
        'marketplace_request_events',
        _id(),
        *_parent('request_id', 'marketplace_requests'),
        sa.Column('from_state', sa.String(length=16), nullable=True),
        sa.Column('to_state', sa.String(length=16), nullable=False),
        _sender(nullable=True),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_marketplace_request_events_request_id', 'marketplace_request_events', ['request_id'])
    op.create_index('ix_marketplace_request_events_sender_id', 'marketplace_request_events', ['sender_id'])
    op.create_table(
        'marketplace_ratings',
        _id(),
        *_parent('request_id', 'marketplace_requests'),
        _sender(),
        sa.Column('role', sa.String(length=8), nullable=False),
        sa.Column('stars', sa.Integer(), nullable=False),
        sa.Column('comment', sa.String(length=500), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('request_id', 'role', name='uq_marketplace_rating'),
        sa.CheckConstraint('stars >= 1 AND stars <= 5', name='ck_marketplace_rating_stars'),
    )
    op.create_index('ix_marketplace_ratings_sender_id', 'marketplace_ratings', ['sender_id'])
    op.create_table(
        'marketplace_offer_reports',
        _id(),
        *_parent('offer_id', 'marketplace_offers'),
        _sender(),
        sa.Column('reason', sa.String(length=300), nullable=False),
        sa.Column('reported_at', sa.DateTime(), nullable=False),
        sa.Column('resolved_at', sa.DateTime(), nullable=True),
        sa.Column('resolved_by', sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_marketplace_offer_reports_offer_id', 'marketplace_offer_reports', ['offer_id'])
    op.create_index('ix_marketplace_offer_reports_sender_id', 'marketplace_offer_reports', ['sender_id'])


def downgrade() -> None:
    for table in ('marketplace_offer_reports', 'marketplace_ratings', 'marketplace_request_events',
                  'marketplace_requests', 'marketplace_offer_unavailable', 'marketplace_offer_skills',
                  'marketplace_offer_texts', 'marketplace_offers', 'marketplace_code_attempts',
                  'marketplace_link_codes', 'marketplace_provider_members', 'marketplace_providers'):
        op.drop_table(table)
