"""Whether the applicant reads the screening reason.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01

Reviewed: one boolean column on ``nomination``, true for every existing row (server default), since every reason
recorded so far was shown to its applicant.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("nomination", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("screening_reason_shared", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade():
    with op.batch_alter_table("nomination", schema=None) as batch_op:
        batch_op.drop_column("screening_reason_shared")
