"""on-sale queues

Revision ID: 5e7a1c2b9d40
Revises: dab04c20195d
Create Date: 2026-12-06 07:25:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '5e7a1c2b9d40'
down_revision: Union[str, Sequence[str], None] = 'dab04c20195d'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('sale_queue',
    sa.Column('showtime_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('opens_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('per_minute', sa.Integer(), nullable=False),
    sa.Column('admission_minutes', sa.Integer(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['showtime_id'], ['showtime.id'], ),
    sa.PrimaryKeyConstraint('showtime_id')
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('sale_queue')
