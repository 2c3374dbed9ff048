"""计划单列市 authorities as their own recommender kind; the campaign's scoring deadline

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 16:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

OLD_KINDS = ('market_regulator', 'industry_authority', 'association', 'ministry')
NEW_KINDS = ('market_regulator', 'industry_authority', 'city_authority', 'association', 'ministry')
CITIES = ('大连市', '青岛市', '宁波市', '厦门市', '深圳市')


def _kind(values):
    return sa.Enum(*values, name='organisationkind', native_enum=False, create_constraint=True, length=32)


def upgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scoring_deadline', sa.DateTime(), nullable=True))
    # The CHECK of the enum column is dropped and made again with the new value.
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=_kind(OLD_KINDS), type_=_kind(NEW_KINDS), existing_nullable=False)
    organisation = sa.table('organisation', sa.column('name', sa.String), sa.column('kind', sa.String))
    for city in CITIES:
        op.execute(
            organisation.update()
            .where(organisation.c.name.like(f'{city}%'), organisation.c.kind.in_(('market_regulator', 'industry_authority')))
            .values(kind='city_authority')
        )


def downgrade():
    organisation = sa.table('organisation', sa.column('name', sa.String), sa.column('kind', sa.String))
    op.execute(
        organisation.update()
        .where(organisation.c.kind == 'city_authority', organisation.c.name.like('%市场监督管理局'))
        .values(kind='market_regulator')
    )
    op.execute(
        organisation.update().where(organisation.c.kind == 'city_authority').values(kind='industry_authority')
    )
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=_kind(NEW_KINDS), type_=_kind(OLD_KINDS), existing_nullable=False)
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_column('scoring_deadline')
