"""provenance per figure: the data's last update at the source (per dataset) and, for a value not taken from
the official file itself, the publisher it was transcribed from (per fact); a fact's breakdown
(``isco08=OC7``, ``isced11=ED35_45``: one value of a series broken down by occupation or education), part of
what makes a fact unique

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 18:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('datasets') as batch:
        batch.add_column(sa.Column('source_updated', sa.Date(), nullable=True))
    with op.batch_alter_table('facts') as batch:
        batch.add_column(sa.Column('secondary_publisher', sa.String(length=160), nullable=True))
        batch.add_column(sa.Column('breakdown', sa.String(length=64), nullable=False, server_default=''))
        batch.drop_constraint('uq_fact', type_='unique')
        batch.create_unique_constraint('uq_fact', ['indicator', 'geo', 'period', 'breakdown', 'dataset_id'])


def downgrade() -> None:
    with op.batch_alter_table('facts') as batch:
        batch.drop_constraint('uq_fact', type_='unique')
        batch.create_unique_constraint('uq_fact', ['indicator', 'geo', 'period', 'dataset_id'])
        batch.drop_column('breakdown')
        batch.drop_column('secondary_publisher')
    with op.batch_alter_table('datasets') as batch:
        batch.drop_column('source_updated')
