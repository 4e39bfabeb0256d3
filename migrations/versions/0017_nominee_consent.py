"""A nominee's own consent to a nomination about them.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30

Reviewed: one new table, ``nominee_consent``, at most one row per nomination (unique), deleted with it; the person
who asked is kept as a reference that becomes empty when their account goes. The signed form's stored name is unique
like an attachment's. Nominations entered before this revision have no row: those about a person show as waiting for
the nominee's consent, which the secretariat records if it holds the form on paper.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "nominee_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("notice_version", sa.Integer(), nullable=True),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("stored_name", sa.String(length=80), nullable=True),
        sa.Column("content_type", sa.String(length=120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["nomination_id"], ["nomination.id"], name=op.f("fk_nominee_consent_nomination_id_nomination"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["user.id"], name=op.f("fk_nominee_consent_requested_by_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nominee_consent")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_nominee_consent_stored_name")),
    )
    with op.batch_alter_table("nominee_consent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nominee_consent_nomination_id"), ["nomination_id"], unique=True)


def downgrade():
    with op.batch_alter_table("nominee_consent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nominee_consent_nomination_id"))
    op.drop_table("nominee_consent")
