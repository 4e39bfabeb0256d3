"""Judging: rounds and their categories, rubric criteria, assignments, conflicts, score sheets, committee votes,
and the judge's profile on the user.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

Reviewed: the new user columns carry server defaults so that existing accounts get an empty profile and the
Seoul time zone; scores and weights are fixed-point numerics (no binary rounding of half points).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('nomination', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_token', sa.String(length=40), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_nomination_organisation_id_client_token'),
                                          ['organisation_id', 'client_token'])

    op.create_table('round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('opens_at', sa.DateTime(), nullable=False),
    sa.Column('closes_at', sa.DateTime(), nullable=False),
    sa.Column('mode', sa.Enum('scoring', 'committee', name='roundmode', native_enum=False, length=20), nullable=False),
    sa.Column('judges_per_nomination', sa.Integer(), nullable=False),
    sa.Column('max_load', sa.Integer(), nullable=True),
    sa.Column('same_country_conflict', sa.Boolean(), nullable=False),
    sa.Column('quorum', sa.Numeric(precision=4, scale=3), nullable=False),
    sa.Column('ranking_method', sa.String(length=20), nullable=False),
    sa.Column('disagreement_threshold', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['edition_id'], ['edition.id'], name=op.f('fk_round_edition_id_edition'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round')),
    sa.UniqueConstraint('edition_id', 'position', name=op.f('uq_round_edition_id_position'))
    )
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_edition_id'), ['edition_id'], unique=False)

    op.create_table('criterion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('name_ko', sa.String(length=200), nullable=False),
    sa.Column('guidance_en', sa.Text(), nullable=False),
    sa.Column('guidance_ko', sa.Text(), nullable=False),
    sa.Column('weight', sa.Numeric(precision=8, scale=3), nullable=False),
    sa.Column('min_score', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('max_score', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('step', sa.Numeric(precision=4, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_criterion_category_id_category'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_criterion_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_criterion'))
    )
    with op.batch_alter_table('criterion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_criterion_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_criterion_round_id'), ['round_id'], unique=False)

    op.create_table('round_category',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_round_category_category_id_category'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_round_category_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('round_id', 'category_id', name=op.f('pk_round_category'))
    )
    op.create_table('assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('nomination_id', sa.Integer(), nullable=False),
    sa.Column('judge_id', sa.Integer(), nullable=False),
    sa.Column('automatic', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('no_conflict_declared_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_assignment_created_by_id_user')),
    sa.ForeignKeyConstraint(['judge_id'], ['user.id'], name=op.f('fk_assignment_judge_id_user')),
    sa.ForeignKeyConstraint(['nomination_id'], ['nomination.id'], name=op.f('fk_assignment_nomination_id_nomination'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_assignment_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment')),
    sa.UniqueConstraint('round_id', 'nomination_id', 'judge_id', name=op.f('uq_assignment_round_id_nomination_id_judge_id'))
    )
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_judge_id'), ['judge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_nomination_id'), ['nomination_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_round_id'), ['round_id'], unique=False)

    op.create_table('conflict',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('judge_id', sa.Integer(), nullable=False),
    sa.Column('nomination_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['judge_id'], ['user.id'], name=op.f('fk_conflict_judge_id_user')),
    sa.ForeignKeyConstraint(['nomination_id'], ['nomination.id'], name=op.f('fk_conflict_nomination_id_nomination'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_conflict_recorded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conflict')),
    sa.UniqueConstraint('judge_id', 'nomination_id', name=op.f('uq_conflict_judge_id_nomination_id'))
    )
    with op.batch_alter_table('conflict', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conflict_judge_id'), ['judge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conflict_nomination_id'), ['nomination_id'], unique=False)

    op.create_table('round_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('nomination_id', sa.Integer(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['user.id'], name=op.f('fk_round_entry_added_by_id_user')),
    sa.ForeignKeyConstraint(['nomination_id'], ['nomination.id'], name=op.f('fk_round_entry_nomination_id_nomination'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_round_entry_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_entry')),
    sa.UniqueConstraint('round_id', 'nomination_id', name=op.f('uq_round_entry_round_id_nomination_id'))
    )
    with op.batch_alter_table('round_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_entry_nomination_id'), ['nomination_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_round_entry_round_id'), ['round_id'], unique=False)

    op.create_table('committee_vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('vote', sa.Enum('approve', 'reject', 'abstain', name='vote', native_enum=False, length=20), nullable=False),
    sa.Column('voted_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignment.id'], name=op.f('fk_committee_vote_assignment_id_assignment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_committee_vote')),
    sa.UniqueConstraint('assignment_id', name=op.f('uq_committee_vote_assignment_id'))
    )
    op.create_table('score_sheet',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', name='sheetstatus', native_enum=False, length=20), nullable=False),
    sa.Column('overall_comment', sa.Text(), nullable=False),
    sa.Column('saved_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignment.id'], name=op.f('fk_score_sheet_assignment_id_assignment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score_sheet')),
    sa.UniqueConstraint('assignment_id', name=op.f('uq_score_sheet_assignment_id'))
    )
    op.create_table('score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sheet_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['criterion_id'], ['criterion.id'], name=op.f('fk_score_criterion_id_criterion'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sheet_id'], ['score_sheet.id'], name=op.f('fk_score_sheet_id_score_sheet'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score')),
    sa.UniqueConstraint('sheet_id', 'criterion_id', name=op.f('uq_score_sheet_id_criterion_id'))
    )
    with op.batch_alter_table('score', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_score_criterion_id'), ['criterion_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_score_sheet_id'), ['sheet_id'], unique=False)

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title', sa.String(length=120), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('affiliation', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('country_code', sa.String(length=2), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('expertise', sa.String(length=500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('languages', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=False, server_default='Asia/Seoul'))



def downgrade():
    with op.batch_alter_table('nomination', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_nomination_organisation_id_client_token'), type_='unique')
        batch_op.drop_column('client_token')

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
        batch_op.drop_column('languages')
        batch_op.drop_column('expertise')
        batch_op.drop_column('country_code')
        batch_op.drop_column('affiliation')
        batch_op.drop_column('title')

    with op.batch_alter_table('score', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_score_sheet_id'))
        batch_op.drop_index(batch_op.f('ix_score_criterion_id'))

    op.drop_table('score')
    op.drop_table('score_sheet')
    op.drop_table('committee_vote')
    with op.batch_alter_table('round_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_entry_round_id'))
        batch_op.drop_index(batch_op.f('ix_round_entry_nomination_id'))

    op.drop_table('round_entry')
    with op.batch_alter_table('conflict', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conflict_nomination_id'))
        batch_op.drop_index(batch_op.f('ix_conflict_judge_id'))

    op.drop_table('conflict')
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_round_id'))
        batch_op.drop_index(batch_op.f('ix_assignment_nomination_id'))
        batch_op.drop_index(batch_op.f('ix_assignment_judge_id'))

    op.drop_table('assignment')
    op.drop_table('round_category')
    with op.batch_alter_table('criterion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_criterion_round_id'))
        batch_op.drop_index(batch_op.f('ix_criterion_category_id'))

    op.drop_table('criterion')
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_edition_id'))

    op.drop_table('round')
