"""email verification

Accounts confirm their email address before their first seat hold (production default):
`app_user.email_verified_at` records when. Every account that exists when this migration runs
is marked verified as of its sign-up time: those customers signed up before the rule, and
their holds must keep working. `email_outbox.user_id` names the account an account email
(the verification link, the "someone tried to sign up with your address" notice) is about.

Revision ID: 7d1e5a0c2301
Revises: 5e7a1c2b9d40
Create Date: 2026-12-08 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '7d1e5a0c2301'
down_revision: Union[str, Sequence[str], None] = '5e7a1c2b9d40'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_verified_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))

    # Existing accounts signed up before verification was asked for: they count as verified.
    app_user = sa.table('app_user', sa.column('created_at'), sa.column('email_verified_at'))
    op.execute(app_user.update().values(email_verified_at=app_user.c.created_at))

    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_email_outbox_user', 'app_user', ['user_id'], ['id'])


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.drop_constraint('fk_email_outbox_user', type_='foreignkey')
        batch_op.drop_column('user_id')

    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('email_verified_at')
