"""Each submitted assignment's weighted total, stored when the expert submits

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

# weighted_total in SQL: Σ weight × (score − min) / (max − min), over the weights' sum, out of 100,
# rounded half up (both databases round half away from zero; the totals are never negative). The 1.0
# keeps SQLite, which stores 8.00 as the integer 8, from dividing integers.
BACKFILL = """
UPDATE assignment SET total = (
    SELECT round(sum((score.value - c.min_score) * 1.0 * c.weight / (c.max_score - c.min_score)) * 100 / sum(c.weight), 2)
    FROM score JOIN review_criterion c ON c.id = score.criterion_id
    WHERE score.assignment_id = assignment.id
)
WHERE submitted_at IS NOT NULL
"""


def upgrade():
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('total', sa.Numeric(precision=6, scale=2), nullable=True))
    op.execute(BACKFILL)


def downgrade():
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_column('total')
