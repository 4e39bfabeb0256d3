"""The access log: who read whose personal data.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30

Reviewed: one new table, ``access_record``, one row per person, kind, nomination and day (a unique constraint the
app's insert relies on to skip repeats), deleted with the person or the nomination; indexed by person, nomination
and time for the secretariat's searches.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "access_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["nomination_id"], ["nomination.id"], name=op.f("fk_access_record_nomination_id_nomination"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_access_record_user_id_user"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_record")),
        sa.UniqueConstraint(
            "user_id", "kind", "nomination_id", "day", name=op.f("uq_access_record_user_id_kind_nomination_id_day")
        ),
    )
    with op.batch_alter_table("access_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_record_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_record_nomination_id"), ["nomination_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_record_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("access_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_record_user_id"))
        batch_op.drop_index(batch_op.f("ix_access_record_nomination_id"))
        batch_op.drop_index(batch_op.f("ix_access_record_at"))
    op.drop_table("access_record")
