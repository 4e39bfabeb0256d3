"""Nominations carry a version number for optimistic locking.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24

Reviewed: one integer column, not null, with a server default of 1 so that existing nominations start at
version 1; the ORM increments it on every update and names it in the UPDATE's WHERE clause.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('nomination', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('nomination', schema=None) as batch_op:
        batch_op.drop_column('version')
