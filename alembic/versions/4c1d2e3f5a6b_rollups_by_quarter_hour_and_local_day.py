"""roll-ups by quarter-hour and the cinema's local day

Revision ID: 4c1d2e3f5a6b
Revises: 4a62901f3fcf
Create Date: 2026-12-06 04:30:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '4c1d2e3f5a6b'
down_revision: Union[str, Sequence[str], None] = '4a62901f3fcf'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _sales_table(name: str, key: str) -> None:
    op.create_table(name,
    sa.Column(key, sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('cinema_id', sa.Integer(), nullable=False),
    sa.Column('paid_bookings', sa.Integer(), nullable=False),
    sa.Column('tickets', sa.Integer(), nullable=False),
    sa.Column('gross_paise', sa.Integer(), nullable=False),
    sa.Column('refunds_paise', sa.Integer(), nullable=False),
    sa.Column('ticket_paise', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint(key, 'cinema_id')
    )


def upgrade() -> None:
    """Key money by UTC quarter-hour (exact local days and hours in every zone) and tickets by
    movie on the cinema's local day; both rebuilt from the bookings."""
    op.drop_table('sales_hour')
    _sales_table('sales_quarter', 'quarter_start')
    from bookmyseat.services.reporting.rollups import rebuild

    rebuild(op.get_bind())


def downgrade() -> None:
    """Back to UTC hours and UTC days (refilled by hand: `rebuild` is this version's)."""
    op.drop_table('sales_quarter')
    _sales_table('sales_hour', 'hour_start')
    op.execute("DELETE FROM sales_movie_day")
