"""limit requests, countersigning results, reading acts accepted by a signer

Revision ID: b44889f094d6
Revises: 4c5c68e1bcd6
Create Date: 2026-12-02 12:16:19.942377
"""
import sqlalchemy as sa
from alembic import op

import lk_corporate.core.db

# revision identifiers, used by Alembic.
revision = 'b44889f094d6'
down_revision = '4c5c68e1bcd6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('countersign_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch', sa.String(length=32), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_by', sa.String(length=200), nullable=False),
    sa.Column('requested_ip', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Enum('pending', 'signed', 'failed', name='countersignstatus', native_enum=False, length=20), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('created_at', lk_corporate.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', lk_corporate.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_countersign_results_document_id_documents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_countersign_results'))
    )
    with op.batch_alter_table('countersign_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_countersign_results_batch'), ['batch'], unique=False)
        batch_op.create_index(batch_op.f('ix_countersign_results_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_countersign_results_status'), ['status'], unique=False)

    op.create_table('limit_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_by', sa.String(length=200), nullable=False),
    sa.Column('submitted_at', lk_corporate.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('approved_at', lk_corporate.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_limit_requests_client_id_clients')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_limit_requests_document_id_documents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_limit_requests')),
    sa.UniqueConstraint('document_id', name=op.f('uq_limit_requests_document_id'))
    )
    with op.batch_alter_table('limit_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_limit_requests_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_limit_requests_year'), ['year'], unique=False)

    op.create_table('limit_volumes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('point_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('volume', lk_corporate.core.db.Quantity(precision=20, scale=6), nullable=False),
    sa.ForeignKeyConstraint(['point_id'], ['metering_points.id'], name=op.f('fk_limit_volumes_point_id_metering_points')),
    sa.ForeignKeyConstraint(['request_id'], ['limit_requests.id'], name=op.f('fk_limit_volumes_request_id_limit_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_limit_volumes')),
    sa.UniqueConstraint('request_id', 'point_id', 'month', name=op.f('uq_limit_volumes_request_id_point_id_month'))
    )
    with op.batch_alter_table('limit_volumes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_limit_volumes_point_id'), ['point_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_limit_volumes_request_id'), ['request_id'], unique=False)

    with op.batch_alter_table('supplier_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('acts_accepted_by_signer', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    with op.batch_alter_table('supplier_settings', schema=None) as batch_op:
        batch_op.drop_column('acts_accepted_by_signer')

    with op.batch_alter_table('limit_volumes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_limit_volumes_request_id'))
        batch_op.drop_index(batch_op.f('ix_limit_volumes_point_id'))

    op.drop_table('limit_volumes')
    with op.batch_alter_table('limit_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_limit_requests_year'))
        batch_op.drop_index(batch_op.f('ix_limit_requests_client_id'))

    op.drop_table('limit_requests')
    with op.batch_alter_table('countersign_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_countersign_results_status'))
        batch_op.drop_index(batch_op.f('ix_countersign_results_document_id'))
        batch_op.drop_index(batch_op.f('ix_countersign_results_batch'))

    op.drop_table('countersign_results')
