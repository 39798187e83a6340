"""service requests

Revision ID: e54b2a7c1f93
Revises: c81f0e6a9d27
Create Date: 2026-12-02 09:28:15.127758
"""
import sqlalchemy as sa
from alembic import op

import lk_corporate.core.db

# revision identifiers, used by Alembic.
revision = 'e54b2a7c1f93'
down_revision = 'c81f0e6a9d27'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('service_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('meter_replacement', 'verification', 'seal', 'malfunction', 'other', name='requestkind', native_enum=False, length=30), nullable=False),
    sa.Column('point_id', sa.Integer(), nullable=True),
    sa.Column('meter_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('preferred_date', sa.Date(), nullable=True),
    sa.Column('contact_phone', sa.String(length=60), nullable=False),
    sa.Column('status', sa.Enum('new', 'in_progress', 'done', 'rejected', name='requeststatus', native_enum=False, length=30), nullable=False),
    sa.Column('assigned_to_id', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', lk_corporate.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', lk_corporate.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assigned_to_id'], ['users.id'], name=op.f('fk_service_requests_assigned_to_id_users')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_service_requests_client_id_clients')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_service_requests_created_by_id_users')),
    sa.ForeignKeyConstraint(['meter_id'], ['meters.id'], name=op.f('fk_service_requests_meter_id_meters')),
    sa.ForeignKeyConstraint(['point_id'], ['metering_points.id'], name=op.f('fk_service_requests_point_id_metering_points')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_requests'))
    )
    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_requests_assigned_to_id'), ['assigned_to_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_requests_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_requests_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_requests_updated_at'), ['updated_at'], unique=False)


def downgrade():
    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_requests_updated_at'))
        batch_op.drop_index(batch_op.f('ix_service_requests_status'))
        batch_op.drop_index(batch_op.f('ix_service_requests_client_id'))
        batch_op.drop_index(batch_op.f('ix_service_requests_assigned_to_id'))

    op.drop_table('service_requests')
