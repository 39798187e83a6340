"""Countersigning results keep their message as a msgid with parameters, shown in the reader's language.

Revision ID: 1b7e4c9d2a10
Revises: e775cdd99a34
Create Date: 2026-12-02 17:05:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '1b7e4c9d2a10'
down_revision = 'e775cdd99a34'
branch_labels = None
depends_on = None


def upgrade():
    # Rows written before keep their Russian text with no parameters: shown as they are.
    with op.batch_alter_table('countersign_results') as batch_op:
        batch_op.add_column(sa.Column('message_params', sa.Text(), server_default='{}',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('countersign_results') as batch_op:
        batch_op.drop_column('message_params')
