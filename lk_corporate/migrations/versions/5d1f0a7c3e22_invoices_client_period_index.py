"""A client's invoices of a period under one composite key instead of the client's alone.

With one index per column, PostgreSQL answered "this client's invoices of this period" by
crossing the client's few rows with every invoice of the period: each month-end job read
more of the index the further the batch had got.

Revision ID: 5d1f0a7c3e22
Revises: 1b7e4c9d2a10
Create Date: 2026-12-04 04:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '5d1f0a7c3e22'
down_revision = '1b7e4c9d2a10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invoices') as batch_op:
        batch_op.create_index('ix_invoices_client_id_period_id', ['client_id', 'period_id'])
        batch_op.drop_index('ix_invoices_client_id')


def downgrade():
    with op.batch_alter_table('invoices') as batch_op:
        batch_op.create_index('ix_invoices_client_id', ['client_id'])
        batch_op.drop_index('ix_invoices_client_id_period_id')
