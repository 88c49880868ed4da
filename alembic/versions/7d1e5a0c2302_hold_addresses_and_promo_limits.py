"""hold addresses and promo code limits

`booking.client_address`: the client address (an IPv4 address, or an IPv6 /64) a customer's
hold came from, so that the holds of one address can be capped; None for the bookings made
before (they count for no address). `promo_code.once_per_customer` and
`promo_code.first_booking_only`: per-customer limits, off for every existing code.

Revision ID: 7d1e5a0c2302
Revises: 7d1e5a0c2301
Create Date: 2026-12-08 11:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '7d1e5a0c2302'
down_revision: Union[str, Sequence[str], None] = '7d1e5a0c2301'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_index('ix_booking_address_status', ['client_address', 'status'], unique=False)

    with op.batch_alter_table('promo_code', schema=None) as batch_op:
        batch_op.add_column(sa.Column('once_per_customer', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('first_booking_only', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('promo_code', schema=None) as batch_op:
        batch_op.drop_column('first_booking_only')
        batch_op.drop_column('once_per_customer')

    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_index('ix_booking_address_status')
        batch_op.drop_column('client_address')
