"""The finals' schedule: who each presentation slot was sent to.

Revision ID: 0026_slot_invitations
Revises: 0025
Create Date: 2027-02-03

Reviewed: one new table, ``slot_invitation``, one row per (slot, person) with the iCalendar SEQUENCE last sent to
them and, if it was the cancellation, when. Deleted with its slot or its person's account row; the app deletes a
person's rows when it anonymises the account, and a nomination's when it erases the nomination.

Filled for the slots placed before: everyone a live slot was then sent to (the active applicants of the finalist's
organisation, and its judges in the round who are not recused) is recorded as holding it at the slot's SEQUENCE,
as of its last change. Without this, the first change of a panel after the upgrade would invite everyone again.
A removed slot needs no rows: its cancellation went to everyone, and placing it again invites everyone.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0026_slot_invitations"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "slot_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["presentation_slot.id"],
            name=op.f("fk_slot_invitation_slot_id_presentation_slot"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_slot_invitation_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slot_invitation")),
        sa.UniqueConstraint("slot_id", "user_id", name=op.f("uq_slot_invitation_slot_id_user_id")),
    )
    with op.batch_alter_table("slot_invitation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slot_invitation_user_id"), ["user_id"], unique=False)
    _record_the_invitations_already_sent()


def _record_the_invitations_already_sent():
    slot = sa.table(
        "presentation_slot",
        sa.column("id"),
        sa.column("round_id"),
        sa.column("nomination_id"),
        sa.column("sequence"),
        sa.column("updated_at"),
        sa.column("cancelled_at"),
    )
    nomination = sa.table("nomination", sa.column("id"), sa.column("organisation_id"))
    user = sa.table("user", sa.column("id"), sa.column("organisation_id"), sa.column("active"), sa.column("erased_at"))
    user_role = sa.table("user_role", sa.column("user_id"), sa.column("role"))
    assignment = sa.table("assignment", sa.column("round_id"), sa.column("nomination_id"), sa.column("judge_id"))
    conflict = sa.table("conflict", sa.column("nomination_id"), sa.column("judge_id"))
    invitation = sa.table(
        "slot_invitation", sa.column("slot_id"), sa.column("user_id"), sa.column("sequence"), sa.column("sent_at")
    )
    columns = [slot.c.id, user.c.id, slot.c.sequence, slot.c.updated_at]
    reachable = sa.and_(slot.c.cancelled_at.is_(None), user.c.active == sa.true(), user.c.erased_at.is_(None))
    applicants = (
        sa.select(*columns)
        .select_from(slot.join(nomination, nomination.c.id == slot.c.nomination_id))
        .join(user, user.c.organisation_id == nomination.c.organisation_id)
        .where(
            reachable,
            sa.exists().where(user_role.c.user_id == user.c.id, user_role.c.role == "applicant"),
        )
    )
    judges = (
        sa.select(*columns)
        .select_from(
            slot.join(
                assignment,
                sa.and_(assignment.c.round_id == slot.c.round_id, assignment.c.nomination_id == slot.c.nomination_id),
            )
        )
        .join(user, user.c.id == assignment.c.judge_id)
        .where(
            reachable,
            ~sa.exists().where(conflict.c.nomination_id == slot.c.nomination_id, conflict.c.judge_id == user.c.id),
        )
    )
    op.execute(
        invitation.insert().from_select(["slot_id", "user_id", "sequence", "sent_at"], sa.union(applicants, judges))
    )


def downgrade():
    with op.batch_alter_table("slot_invitation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slot_invitation_user_id"))
    op.drop_table("slot_invitation")
