"""定期复核 as supervision is practised: 限期整改, the on-site sample and its checks, the campaign's rates

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 17:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

OLD_OWNERS = ('application', 'recommendation', 'ministry')
NEW_OWNERS = ('application', 'recommendation', 'ministry', 'rectification')


def _owner(values):
    return sa.Enum(*values, name='fileowner', native_enum=False, create_constraint=True, length=32)


def upgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rereview_sample_rate', sa.Integer(), server_default='10', nullable=False))
        batch_op.add_column(sa.Column('rereview_pass_threshold', sa.Integer(), server_default='98', nullable=False))
        batch_op.add_column(sa.Column('rereview_raised_rate', sa.Integer(), server_default='20', nullable=False))
    with op.batch_alter_table('re_review_round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sample_seed', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sample_rate', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sample_note', sa.String(length=200), nullable=True))
    with op.batch_alter_table('re_review', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sample', sa.Enum('drawn', 'rectified_before', name='samplereason', native_enum=False, create_constraint=True, length=32), nullable=True))
        batch_op.add_column(sa.Column('rectification_required', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('rectification_deadline', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('rectification_ordered_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rectification_ordered_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('rectification_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('rectification_report_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rectification_evidence_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rectification_submitted_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_re_review_rectification_ordered_by_id_user'), 'user', ['rectification_ordered_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_re_review_rectification_report_id_stored_file'), 'stored_file', ['rectification_report_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_re_review_rectification_evidence_id_stored_file'), 'stored_file', ['rectification_evidence_id'], ['id'])
        batch_op.create_check_constraint(batch_op.f('ck_re_review_rectification_complete'), '(rectification_deadline IS NULL) = (rectification_required IS NULL)')
    op.create_table('on_site_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('re_review_id', sa.Integer(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('team', sa.String(length=200), nullable=False),
    sa.Column('findings', sa.Text(), nullable=False),
    sa.Column('report_file_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['re_review_id'], ['re_review.id'], name=op.f('fk_on_site_check_re_review_id_re_review')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_on_site_check_recorded_by_id_user')),
    sa.ForeignKeyConstraint(['report_file_id'], ['stored_file.id'], name=op.f('fk_on_site_check_report_file_id_stored_file')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_on_site_check'))
    )
    with op.batch_alter_table('on_site_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_on_site_check_re_review_id'), ['re_review_id'], unique=False)
    # The CHECK of the enum column is dropped and made again with the new value.
    with op.batch_alter_table('stored_file', schema=None) as batch_op:
        batch_op.alter_column('owner', existing_type=_owner(OLD_OWNERS), type_=_owner(NEW_OWNERS), existing_nullable=False)


def downgrade():
    op.execute("UPDATE stored_file SET owner = 'application' WHERE owner = 'rectification'")
    with op.batch_alter_table('stored_file', schema=None) as batch_op:
        batch_op.alter_column('owner', existing_type=_owner(NEW_OWNERS), type_=_owner(OLD_OWNERS), existing_nullable=False)
    with op.batch_alter_table('on_site_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_on_site_check_re_review_id'))
    op.drop_table('on_site_check')
    with op.batch_alter_table('re_review', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_re_review_rectification_complete'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_re_review_samplereason'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_re_review_rectification_evidence_id_stored_file'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_re_review_rectification_report_id_stored_file'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_re_review_rectification_ordered_by_id_user'), type_='foreignkey')
        for column in ('rectification_submitted_at', 'rectification_evidence_id', 'rectification_report_id',
                       'rectification_note', 'rectification_ordered_at', 'rectification_ordered_by_id',
                       'rectification_deadline', 'rectification_required', 'sample'):
            batch_op.drop_column(column)
    with op.batch_alter_table('re_review_round', schema=None) as batch_op:
        batch_op.drop_column('sample_note')
        batch_op.drop_column('sample_rate')
        batch_op.drop_column('sample_seed')
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_column('rereview_raised_rate')
        batch_op.drop_column('rereview_pass_threshold')
        batch_op.drop_column('rereview_sample_rate')
