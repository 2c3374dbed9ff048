"""campaign issuing authorities

Revision ID: 0009
Revises: 0008

Create Date: 2026-12-01 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'issuing_authorities',
                sa.String(length=200),
                server_default='国家市场监督管理总局 工业和信息化部',
                nullable=False,
            )
        )


def downgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_column('issuing_authorities')
