"""The finals' schedule: each finalist's presentation slot in a round.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-08

Reviewed: one new table, empty at first. One slot per (round, nomination); a removed slot keeps its row with
``cancelled_at`` set, so that placing the finalist again updates the same calendar event (``uid`` unique, never
changed; ``sequence`` the iCalendar SEQUENCE). The mode is a plain string column like the other enums. Deleting a
round or a nomination deletes its slots; deleting the user who last changed one leaves it, unsigned.
The .ics sent with each e-mail travels inside ``outgoing_mail.message``, so a retried e-mail resends the same one:
no column is added there.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "presentation_slot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column(
            "mode",
            sa.Enum("online", "seoul", name="presentationmode", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("room", sa.String(length=120), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("uid", sa.String(length=120), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["nomination.id"],
            name=op.f("fk_presentation_slot_nomination_id_nomination"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["round.id"], name=op.f("fk_presentation_slot_round_id_round"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["user.id"], name=op.f("fk_presentation_slot_updated_by_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presentation_slot")),
        sa.UniqueConstraint("round_id", "nomination_id", name=op.f("uq_presentation_slot_round_id_nomination_id")),
        sa.UniqueConstraint("uid", name=op.f("uq_presentation_slot_uid")),
    )
    with op.batch_alter_table("presentation_slot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_presentation_slot_nomination_id"), ["nomination_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_presentation_slot_round_id"), ["round_id"], unique=False)


def downgrade():
    with op.batch_alter_table("presentation_slot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_presentation_slot_round_id"))
        batch_op.drop_index(batch_op.f("ix_presentation_slot_nomination_id"))
    op.drop_table("presentation_slot")
