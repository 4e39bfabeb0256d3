"""Publishing that can be withdrawn and told to applicants, and sheets the secretariat waives.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

Reviewed: ``publication`` keeps each publication of an edition's results and its withdrawal (with the reason);
``result_notice`` what each nomination's applicants were last told (one row per nomination, the tier kept as NULL
when it is deleted); three columns on ``assignment`` for a waived sheet (nullable time and user, and a reason that
defaults to the empty text for existing rows).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('publication',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('applicants_told', sa.Integer(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawal_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['edition_id'], ['edition.id'], name=op.f('fk_publication_edition_id_edition'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['published_by_id'], ['user.id'], name=op.f('fk_publication_published_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['user.id'], name=op.f('fk_publication_withdrawn_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publication'))
    )
    with op.batch_alter_table('publication', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publication_edition_id'), ['edition_id'], unique=False)

    op.create_table('result_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nomination_id', sa.Integer(), nullable=False),
    sa.Column('tier_id', sa.Integer(), nullable=True),
    sa.Column('told_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['nomination_id'], ['nomination.id'], name=op.f('fk_result_notice_nomination_id_nomination'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tier_id'], ['award_tier.id'], name=op.f('fk_result_notice_tier_id_award_tier'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result_notice')),
    sa.UniqueConstraint('nomination_id', name=op.f('uq_result_notice_nomination_id'))
    )

    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waived_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('waived_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('waived_reason', sa.Text(), server_default='', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_assignment_waived_by_id_user'), 'user', ['waived_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_assignment_waived_by_id_user'), type_='foreignkey')
        batch_op.drop_column('waived_reason')
        batch_op.drop_column('waived_by_id')
        batch_op.drop_column('waived_at')

    op.drop_table('result_notice')
    with op.batch_alter_table('publication', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publication_edition_id'))

    op.drop_table('publication')
