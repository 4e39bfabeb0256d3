"""Feedback to applicants: comments judges share, the secretariat's edits of them, and their release.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01

Reviewed: two columns and two new tables. ``score.shared`` and ``score_sheet.overall_shared`` are off for existing
sheets (server default false): nothing a judge wrote before is shared without their tick. ``feedback_edit`` holds the
secretariat's edit or hiding of one shared comment, one per sheet and criterion (a partial unique index gives the
overall comment, which has no criterion, the same rule), deleted with its sheet or criterion; the judge's own comment
is never changed. ``feedback_release`` keeps each release of a round's feedback and its withdrawal, deleted with
the round; the people who acted are set to NULL if their accounts are deleted.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("score", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shared", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("score_sheet", schema=None) as batch_op:
        batch_op.add_column(sa.Column("overall_shared", sa.Boolean(), server_default=sa.false(), nullable=False))

    op.create_table(
        "feedback_edit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sheet_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("judge_text", sa.Text(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["criterion_id"], ["criterion.id"], name=op.f("fk_feedback_edit_criterion_id_criterion"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["sheet_id"], ["score_sheet.id"], name=op.f("fk_feedback_edit_sheet_id_score_sheet"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["user.id"], name=op.f("fk_feedback_edit_updated_by_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_edit")),
        sa.UniqueConstraint("sheet_id", "criterion_id", name=op.f("uq_feedback_edit_sheet_id_criterion_id")),
    )
    with op.batch_alter_table("feedback_edit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_edit_criterion_id"), ["criterion_id"], unique=False)
        batch_op.create_index(
            "uq_feedback_edit_overall",
            ["sheet_id"],
            unique=True,
            sqlite_where=sa.text("criterion_id IS NULL"),
            postgresql_where=sa.text("criterion_id IS NULL"),
        )

    op.create_table(
        "feedback_release",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("released_at", sa.DateTime(), nullable=False),
        sa.Column("released_by_id", sa.Integer(), nullable=True),
        sa.Column("applicants_told", sa.Integer(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["released_by_id"], ["user.id"], name=op.f("fk_feedback_release_released_by_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["round.id"], name=op.f("fk_feedback_release_round_id_round"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_id"], ["user.id"], name=op.f("fk_feedback_release_withdrawn_by_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_release")),
    )
    with op.batch_alter_table("feedback_release", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_release_round_id"), ["round_id"], unique=False)


def downgrade():
    with op.batch_alter_table("feedback_release", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_release_round_id"))
    op.drop_table("feedback_release")

    with op.batch_alter_table("feedback_edit", schema=None) as batch_op:
        batch_op.drop_index("uq_feedback_edit_overall")
        batch_op.drop_index(batch_op.f("ix_feedback_edit_criterion_id"))
    op.drop_table("feedback_edit")

    with op.batch_alter_table("score_sheet", schema=None) as batch_op:
        batch_op.drop_column("overall_shared")
    with op.batch_alter_table("score", schema=None) as batch_op:
        batch_op.drop_column("shared")
