"""mail attachments: files of outgoing mail, by their hash in the file store

Revision ID: 3f359aa8bf3b
Revises: c3cbdfa58503
Create Date: 2026-12-02 09:28:15.127758
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '3f359aa8bf3b'
down_revision = 'c3cbdfa58503'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outgoing_mail_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mail_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['mail_id'], ['outgoing_mail.id'], name=op.f('fk_outgoing_mail_attachments_mail_id_outgoing_mail'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_mail_attachments'))
    )
    with op.batch_alter_table('outgoing_mail_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outgoing_mail_attachments_mail_id'), ['mail_id'], unique=False)


def downgrade():
    with op.batch_alter_table('outgoing_mail_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outgoing_mail_attachments_mail_id'))

    op.drop_table('outgoing_mail_attachments')
