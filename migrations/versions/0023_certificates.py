"""Certificates: one per winner per publication, with its verification code; who signs an edition's certificates.

Revision ID: 0023
Revises: 0022
Create Date: 2027-01-10

Reviewed: two new tables, empty at first (results published before this revision have no certificates; publishing
again after a withdrawal issues them). ``certificate.code`` is unique (the public page looks it up); what a
certificate says is copied into it when issued, so its columns hold names, not references to the tier or category.
Every foreign key cascades with the edition, publication or nomination it belongs to, and ``updated_by_id`` is set
to NULL when that user is deleted.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "certificate_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("certificate_date", sa.Date(), nullable=True),
        sa.Column("signatories", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["edition_id"], ["edition.id"], name=op.f("fk_certificate_settings_edition_id_edition"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["user.id"], name=op.f("fk_certificate_settings_updated_by_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_settings")),
        sa.UniqueConstraint("edition_id", name=op.f("uq_certificate_settings_edition_id")),
    )
    op.create_table(
        "certificate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=False),
        sa.Column("person", sa.Boolean(), nullable=False),
        sa.Column("winner", sa.String(length=300), nullable=False),
        sa.Column("project", sa.String(length=300), nullable=False),
        sa.Column("edition_name_en", sa.String(length=200), nullable=False),
        sa.Column("edition_name_ko", sa.String(length=200), nullable=False),
        sa.Column("category_name_en", sa.String(length=200), nullable=False),
        sa.Column("category_name_ko", sa.String(length=200), nullable=False),
        sa.Column("tier_name_en", sa.String(length=80), nullable=False),
        sa.Column("tier_name_ko", sa.String(length=80), nullable=False),
        sa.Column("certificate_date", sa.Date(), nullable=False),
        sa.Column("signatories", sa.JSON(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["edition_id"], ["edition.id"], name=op.f("fk_certificate_edition_id_edition"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["nomination_id"], ["nomination.id"], name=op.f("fk_certificate_nomination_id_nomination"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["publication_id"],
            ["publication.id"],
            name=op.f("fk_certificate_publication_id_publication"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate")),
        sa.UniqueConstraint("code", name=op.f("uq_certificate_code")),
    )
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificate_edition_id"), ["edition_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificate_nomination_id"), ["nomination_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificate_publication_id"), ["publication_id"], unique=False)


def downgrade():
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_publication_id"))
        batch_op.drop_index(batch_op.f("ix_certificate_nomination_id"))
        batch_op.drop_index(batch_op.f("ix_certificate_edition_id"))
    op.drop_table("certificate")
    op.drop_table("certificate_settings")
