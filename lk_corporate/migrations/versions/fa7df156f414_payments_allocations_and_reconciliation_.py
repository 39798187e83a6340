"""Payments from bank statements, their allocations to invoices, the statements imported,
and reconciliation acts with the client's answer.

Revision ID: fa7df156f414
Revises: b44889f094d6
Create Date: 2026-12-02 12:17:17.246300

"""
import sqlalchemy as sa
from alembic import op

import lk_corporate.core.db

# revision identifiers, used by Alembic.
revision = 'fa7df156f414'
down_revision = 'b44889f094d6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('payment_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=300), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('payments', sa.Integer(), nullable=False),
    sa.Column('added', sa.Integer(), nullable=False),
    sa.Column('matched', sa.Integer(), nullable=False),
    sa.Column('unmatched', sa.Integer(), nullable=False),
    sa.Column('amount', lk_corporate.core.db.Money(precision=18, scale=2), nullable=False),
    sa.Column('imported_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', lk_corporate.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_imports'))
    )
    op.create_table('reconciliation_acts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('date_from', sa.Date(), nullable=False),
    sa.Column('date_to', sa.Date(), nullable=False),
    sa.Column('opening_balance', lk_corporate.core.db.Money(precision=18, scale=2), nullable=False),
    sa.Column('closing_balance', lk_corporate.core.db.Money(precision=18, scale=2), nullable=False),
    sa.Column('entries', sa.Text(), nullable=False),
    sa.Column('requested_by', sa.String(length=10), nullable=False),
    sa.Column('requested_by_name', sa.String(length=200), nullable=False),
    sa.Column('outcome', sa.Enum('pending', 'agreed', 'disagreed', name='outcome', native_enum=False, length=20), nullable=False),
    sa.Column('comments', sa.Text(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('answered_by', sa.String(length=200), nullable=False),
    sa.Column('answered_at', lk_corporate.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', lk_corporate.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_reconciliation_acts_client_id_clients')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_reconciliation_acts_document_id_documents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliation_acts')),
    sa.UniqueConstraint('document_id', name=op.f('uq_reconciliation_acts_document_id'))
    )
    with op.batch_alter_table('reconciliation_acts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reconciliation_acts_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reconciliation_acts_outcome'), ['outcome'], unique=False)

    op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('payer_bik', sa.String(length=9), nullable=False),
    sa.Column('payer_account', sa.String(length=20), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('amount', lk_corporate.core.db.Money(precision=18, scale=2), nullable=False),
    sa.Column('payer_name', sa.String(length=300), nullable=False),
    sa.Column('payer_tax_id', sa.String(length=12), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=True),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.Column('matched_by', sa.Enum('invoice', 'contract', 'manual', 'none', name='matchedby', native_enum=False, length=20), nullable=False),
    sa.Column('named_invoice_id', sa.Integer(), nullable=True),
    sa.Column('allocated', lk_corporate.core.db.Money(precision=18, scale=2), nullable=False),
    sa.Column('assigned_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', lk_corporate.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_payments_client_id_clients')),
    sa.ForeignKeyConstraint(['import_id'], ['payment_imports.id'], name=op.f('fk_payments_import_id_payment_imports')),
    sa.ForeignKeyConstraint(['named_invoice_id'], ['invoices.id'], name=op.f('fk_payments_named_invoice_id_invoices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('payer_bik', 'payer_account', 'number', 'date', 'amount', name=op.f('uq_payments_payer_bik_payer_account_number_date_amount'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index('ix_payments_client_date', ['client_id', 'date'], unique=False)

    op.create_table('payment_allocations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('amount', lk_corporate.core.db.Money(precision=18, scale=2), nullable=False),
    sa.Column('created_at', lk_corporate.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_payment_allocations_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_payment_allocations_payment_id_payments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_allocations')),
    sa.UniqueConstraint('payment_id', 'invoice_id', name=op.f('uq_payment_allocations_payment_id_invoice_id'))
    )
    with op.batch_alter_table('payment_allocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_allocations_invoice_id'), ['invoice_id'], unique=False)



def downgrade():
    with op.batch_alter_table('payment_allocations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_allocations_invoice_id'))

    op.drop_table('payment_allocations')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index('ix_payments_client_date')

    op.drop_table('payments')
    with op.batch_alter_table('reconciliation_acts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconciliation_acts_outcome'))
        batch_op.drop_index(batch_op.f('ix_reconciliation_acts_client_id'))

    op.drop_table('reconciliation_acts')
    op.drop_table('payment_imports')
