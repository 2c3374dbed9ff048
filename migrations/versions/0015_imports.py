"""Imports from the ministries' sheets: an organisation's lead department, a staff member's mobile,
campaigns of earlier batches, and units imported without an application behind them

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lead_department', sa.String(length=120), nullable=True))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mobile', sa.String(length=20), nullable=True))
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(sa.Column('earlier_batch', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('imported_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_column('imported_at')
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_column('earlier_batch')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('mobile')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('lead_department')
