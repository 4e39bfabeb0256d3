"""Fits of the uncertainty model, kept under the SHA-256 of the scores they are of.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30

Reviewed: one new table, ``uncertainty_fit``, deleted with its round; the requesting user is set to NULL if the
account goes. ``draws`` is a nullable binary column (compressed NumPy arrays, written once when a fit finishes).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('uncertainty_fit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('data_sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='fitstatus', native_enum=False, length=20), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=40), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('max_r_hat', sa.Float(), nullable=True),
    sa.Column('min_ess', sa.Float(), nullable=True),
    sa.Column('converged', sa.Boolean(), nullable=True),
    sa.Column('seconds', sa.Float(), nullable=True),
    sa.Column('draws', sa.LargeBinary(), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'], name=op.f('fk_uncertainty_fit_requested_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_uncertainty_fit_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_uncertainty_fit'))
    )
    with op.batch_alter_table('uncertainty_fit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_uncertainty_fit_data_sha256'), ['data_sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_uncertainty_fit_round_id'), ['round_id'], unique=False)


def downgrade():
    with op.batch_alter_table('uncertainty_fit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_uncertainty_fit_round_id'))
        batch_op.drop_index(batch_op.f('ix_uncertainty_fit_data_sha256'))

    op.drop_table('uncertainty_fit')
