"""cinema door window

Each cinema says when its doors let a ticket in: from `door_opens_minutes` before a show starts
until `door_closes_minutes` after it (45 and 30 unless staff say otherwise). Existing cinemas
take those defaults.

Revision ID: 7d1e5a0c2303
Revises: 7d1e5a0c2302
Create Date: 2026-12-08 11:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '7d1e5a0c2303'
down_revision: Union[str, Sequence[str], None] = '7d1e5a0c2302'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('cinema', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('door_opens_minutes', sa.Integer(), nullable=False, server_default='45')
        )
        batch_op.add_column(
            sa.Column('door_closes_minutes', sa.Integer(), nullable=False, server_default='30')
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('cinema', schema=None) as batch_op:
        batch_op.drop_column('door_closes_minutes')
        batch_op.drop_column('door_opens_minutes')
