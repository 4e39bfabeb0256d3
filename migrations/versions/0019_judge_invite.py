"""A judge's declared ties: the organisations and cities they say they are tied to.

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-03

Reviewed: one text column on ``user``, empty for every existing row (server default ''), so existing judges declare
nothing until they or the secretariat fill it in. The conflict rules read it beside the organisation and country.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("declared_ties", sa.Text(), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("declared_ties")
