"""定期复核: the file a reviewer attaches to an order to rectify (整改依据), which the unit may read

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 18:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('re_review', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rectification_basis_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_re_review_rectification_basis_id_stored_file'), 'stored_file', ['rectification_basis_id'], ['id'])


def downgrade():
    with op.batch_alter_table('re_review', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_re_review_rectification_basis_id_stored_file'), type_='foreignkey')
        batch_op.drop_column('rectification_basis_id')
