"""Dossiers: the judges' and the committee's PDFs, built in the background.

Revision ID: 0025
Revises: 0024
Create Date: 2027-01-20

Reviewed: one new table, ``dossier_build``, one row per build of a judge's dossier or a category's book for a round,
in one language, under the SHA-256 of what it prints; deleted with its round, category or judge; the requester is
kept as a name only while the account exists. Indexed by round and judge, which the pages look builds up by.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "dossier_build",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("judge", "book", name="dossierkind", native_enum=False, length=20), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("judge_id", sa.Integer(), nullable=True),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("data_sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum("queued", "running", "done", "failed", name="buildstatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("stored_name", sa.String(length=80), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("nominations", sa.Integer(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["category_id"], ["category.id"], name=op.f("fk_dossier_build_category_id_category"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["judge_id"], ["user.id"], name=op.f("fk_dossier_build_judge_id_user"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["user.id"], name=op.f("fk_dossier_build_requested_by_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"], name=op.f("fk_dossier_build_round_id_round"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_build")),
    )
    with op.batch_alter_table("dossier_build", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dossier_build_judge_id"), ["judge_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dossier_build_round_id"), ["round_id"], unique=False)


def downgrade():
    with op.batch_alter_table("dossier_build", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dossier_build_round_id"))
        batch_op.drop_index(batch_op.f("ix_dossier_build_judge_id"))
    op.drop_table("dossier_build")
