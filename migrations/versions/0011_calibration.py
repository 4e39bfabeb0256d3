"""Calibration: nominations every judge of a category scores first, and the totals they first submitted.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30

Reviewed: two new tables and one column. ``calibration_nomination`` marks a nomination of a round (one mark per
round and nomination), deleted with its round or nomination. ``calibration_total`` keeps a judge's first
submitted total on one, one per assignment, deleted with it. ``round.calibration_counts`` is off for existing
rounds (server default false): they have no calibration, so nothing they rank changes.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calibration_nomination",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=False),
        sa.Column("marked_by_id", sa.Integer(), nullable=False),
        sa.Column("marked_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["marked_by_id"], ["user.id"], name=op.f("fk_calibration_nomination_marked_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["nomination.id"],
            name=op.f("fk_calibration_nomination_nomination_id_nomination"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["round.id"], name=op.f("fk_calibration_nomination_round_id_round"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calibration_nomination")),
        sa.UniqueConstraint("round_id", "nomination_id", name=op.f("uq_calibration_nomination_round_id_nomination_id")),
    )
    with op.batch_alter_table("calibration_nomination", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calibration_nomination_nomination_id"), ["nomination_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_calibration_nomination_round_id"), ["round_id"], unique=False)

    op.create_table(
        "calibration_total",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("total", sa.Numeric(precision=7, scale=3), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignment.id"],
            name=op.f("fk_calibration_total_assignment_id_assignment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calibration_total")),
        sa.UniqueConstraint("assignment_id", name=op.f("uq_calibration_total_assignment_id")),
    )

    with op.batch_alter_table("round", schema=None) as batch_op:
        batch_op.add_column(sa.Column("calibration_counts", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("round", schema=None) as batch_op:
        batch_op.drop_column("calibration_counts")

    op.drop_table("calibration_total")
    with op.batch_alter_table("calibration_nomination", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calibration_nomination_round_id"))
        batch_op.drop_index(batch_op.f("ix_calibration_nomination_nomination_id"))

    op.drop_table("calibration_nomination")
