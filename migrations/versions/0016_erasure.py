"""Erasure: when an account was anonymised, and when an edition's personal data was purged.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01

Reviewed: two nullable timestamps, no data changed. ``user.erased_at`` marks an account deleted at its owner's
request or purged with its editions (the row stays, under a placeholder name, so that scores and the audit trail
pointing to it stay whole); ``edition.personal_data_purged_at`` marks an edition whose personal data was purged
after its retention period. Existing rows are neither.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("edition", schema=None) as batch_op:
        batch_op.add_column(sa.Column("personal_data_purged_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("edition", schema=None) as batch_op:
        batch_op.drop_column("personal_data_purged_at")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
