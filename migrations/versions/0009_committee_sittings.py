"""A committee round's sitting can be closed, which freezes its votes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30

Reviewed: two nullable columns on ``round`` (when the sitting was closed, and by whom); existing rounds keep
theirs open until their closing time, as before.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sitting_closed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('sitting_closed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_round_sitting_closed_by_id_user'), 'user', ['sitting_closed_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_round_sitting_closed_by_id_user'), type_='foreignkey')
        batch_op.drop_column('sitting_closed_by_id')
        batch_op.drop_column('sitting_closed_at')
