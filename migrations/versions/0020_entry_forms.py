"""Entry forms the secretariat shapes: a category's forms by applicant type, in versions.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01

Reviewed: one new table, ``entry_form``, a version of a category's form for one applicant type (or "any"), unique
by category, type and version, deleted with its category; one nullable column on ``nomination``, the version
its answers follow; and one text column on ``attachment``, the form's file field a document answers (empty for every
existing document, which stays one of the nomination's documents). Nothing is backfilled: an existing nomination (no version) follows its category kind's default
form, which is the form it was written against.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "entry_form",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("applicant_type", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["category_id"], ["category.id"], name=op.f("fk_entry_form_category_id_category"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_entry_form_created_by_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entry_form")),
        sa.UniqueConstraint(
            "category_id", "applicant_type", "version", name=op.f("uq_entry_form_category_id_applicant_type_version")
        ),
    )
    with op.batch_alter_table("entry_form", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_entry_form_category_id"), ["category_id"], unique=False)
    with op.batch_alter_table("nomination", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entry_form_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_nomination_entry_form_id"), ["entry_form_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_nomination_entry_form_id_entry_form"), "entry_form", ["entry_form_id"], ["id"]
        )
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("slot", sa.String(length=40), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_column("slot")
    with op.batch_alter_table("nomination", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_nomination_entry_form_id_entry_form"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_nomination_entry_form_id"))
        batch_op.drop_column("entry_form_id")
    with op.batch_alter_table("entry_form", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entry_form_category_id"))
    op.drop_table("entry_form")
