"""Level descriptors: what ranges of a criterion's scale mean, in English and Korean.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30

Reviewed: one new table, ``level_descriptor``, deleted with its criterion (ON DELETE CASCADE) and indexed by it,
as the score sheet reads a rubric's descriptors in one query. Existing rubrics get none (their scales may not be
the default one, and some are locked); rubrics created from now on start with the defaults of
``rules.descriptors``.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "level_descriptor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("lowest", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("highest", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("text_ko", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["criterion_id"],
            ["criterion.id"],
            name=op.f("fk_level_descriptor_criterion_id_criterion"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_level_descriptor")),
    )
    with op.batch_alter_table("level_descriptor", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_level_descriptor_criterion_id"), ["criterion_id"], unique=False)


def downgrade():
    with op.batch_alter_table("level_descriptor", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_level_descriptor_criterion_id"))

    op.drop_table("level_descriptor")
