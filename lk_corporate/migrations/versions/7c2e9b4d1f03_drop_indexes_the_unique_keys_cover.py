"""Drop the two single-column indexes that the leading column of a unique key already serves.

``ix_documents_kind`` repeats the first column of ``uq_documents_kind_number`` and
``ix_document_revisions_document_id`` that of ``uq_document_revisions_document_id_seq``:
every look-up by kind, or by a document's revisions, can use the unique key's index, and
each duplicate cost an index entry (and its write-ahead log) on every document and every
revision stored — four a month-end client.

Revision ID: 7c2e9b4d1f03
Revises: 5d1f0a7c3e22
Create Date: 2026-12-04 17:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '7c2e9b4d1f03'
down_revision = '5d1f0a7c3e22'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('documents') as batch_op:
        batch_op.drop_index('ix_documents_kind')
    with op.batch_alter_table('document_revisions') as batch_op:
        batch_op.drop_index('ix_document_revisions_document_id')


def downgrade():
    with op.batch_alter_table('document_revisions') as batch_op:
        batch_op.create_index('ix_document_revisions_document_id', ['document_id'])
    with op.batch_alter_table('documents') as batch_op:
        batch_op.create_index('ix_documents_kind', ['kind'])
