"""campaign issuing authorities

Revision ID: 0009
Revises: 0007

Numbered 0009 and based on 0007 because main adds its own 0008 (file owners) at the same time: after
merging the two branches, set ``down_revision = '0009'`` here and Alembic has one head again.
Create Date: 2026-12-01 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0007'
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
