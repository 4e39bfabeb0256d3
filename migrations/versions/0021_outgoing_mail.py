"""Every e-mail sent, with what became of it: a failed send is retried and shown.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01

Reviewed: one new table, empty at first (mail sent before this revision was only logged). ``message`` holds the
whole message only while it is undelivered; the status is a plain string column (not a database enum), like the
other statuses; ``nomination_id`` is set to NULL if the nomination row itself is ever deleted.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "outgoing_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("template", sa.String(length=60), nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=True),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued", "sending", "sent", "failed", "gave_up", "discarded", name="mailstatus", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("message", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["nomination.id"],
            name=op.f("fk_outgoing_mail_nomination_id_nomination"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_mail")),
    )
    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outgoing_mail_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outgoing_mail_nomination_id"), ["nomination_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outgoing_mail_recipient"), ["recipient"], unique=False)
        batch_op.create_index(batch_op.f("ix_outgoing_mail_status"), ["status"], unique=False)


def downgrade():
    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outgoing_mail_status"))
        batch_op.drop_index(batch_op.f("ix_outgoing_mail_recipient"))
        batch_op.drop_index(batch_op.f("ix_outgoing_mail_nomination_id"))
        batch_op.drop_index(batch_op.f("ix_outgoing_mail_created_at"))
    op.drop_table("outgoing_mail")
