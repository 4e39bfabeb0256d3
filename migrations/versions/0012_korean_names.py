"""Korean names for editions and rounds.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30

Reviewed: two nullable-free text columns with an empty default (server default ''), so existing editions and
rounds keep their English name on Korean pages until the secretariat gives them a Korean one.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("edition", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_ko", sa.String(length=200), server_default="", nullable=False))
    with op.batch_alter_table("round", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_ko", sa.String(length=120), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("round", schema=None) as batch_op:
        batch_op.drop_column("name_ko")
    with op.batch_alter_table("edition", schema=None) as batch_op:
        batch_op.drop_column("name_ko")
