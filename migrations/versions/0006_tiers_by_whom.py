"""Award tiers say whom they are for and in which order they are filled; rounds keep their shortlist size.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

Reviewed: two columns on ``award_tier``: ``fill_order`` (not null, server default 0, so existing tiers fill in
their page order as before) and ``eligible_types`` (a JSON list of applicant types; existing rows get an empty
list, i.e. every type, which is what they meant); one nullable integer ``shortlist_count`` on ``round`` (no
shortlist until the secretariat sets one).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('award_tier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fill_order', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('eligible_types', sa.JSON(), nullable=True))
    op.execute("UPDATE award_tier SET eligible_types = '[]'")
    with op.batch_alter_table('award_tier', schema=None) as batch_op:
        batch_op.alter_column('eligible_types', existing_type=sa.JSON(), nullable=False)

    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shortlist_count', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_column('shortlist_count')

    with op.batch_alter_table('award_tier', schema=None) as batch_op:
        batch_op.drop_column('eligible_types')
        batch_op.drop_column('fill_order')
