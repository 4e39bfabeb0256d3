"""Awards: the tier each nomination receives, and when an edition's results were published.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

Reviewed: one award per nomination (unique); publication is a nullable timestamp on the edition, so existing
editions start unpublished.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('award',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('nomination_id', sa.Integer(), nullable=False),
    sa.Column('tier_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('override_reason', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_award_decided_by_id_user')),
    sa.ForeignKeyConstraint(['nomination_id'], ['nomination.id'], name=op.f('fk_award_nomination_id_nomination'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_award_round_id_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tier_id'], ['award_tier.id'], name=op.f('fk_award_tier_id_award_tier'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award')),
    sa.UniqueConstraint('nomination_id', name=op.f('uq_award_nomination_id'))
    )
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_round_id'), ['round_id'], unique=False)

    with op.batch_alter_table('edition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('results_published_at', sa.DateTime(), nullable=True))



def downgrade():
    with op.batch_alter_table('edition', schema=None) as batch_op:
        batch_op.drop_column('results_published_at')

    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_award_round_id'))

    op.drop_table('award')
