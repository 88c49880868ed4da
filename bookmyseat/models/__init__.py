"""Every table, importable from `bookmyseat.models` (Alembic and the app import this package,
so a table defined in any of its modules is seen by `makemigrations`)."""

from bookmyseat.models import core as _core
from bookmyseat.models import files as _files
from bookmyseat.models import offers as _offers
from bookmyseat.models import pricing as _pricing
from bookmyseat.models import queues as _queues
from bookmyseat.models.core import *  # noqa: F403
from bookmyseat.models.files import *  # noqa: F403
from bookmyseat.models.offers import *  # noqa: F403
from bookmyseat.models.pricing import *  # noqa: F403
from bookmyseat.models.queues import *  # noqa: F403

# In dependency order (tests drop them in reverse).
ALL_TABLES = (
    _core.User,
    _core.LoginSession,
    _core.PasswordReset,
    _core.RecoveryCode,
    _core.Movie,
    _core.Cinema,
    _core.Screen,
    _core.Seat,
    _core.Showtime,
    _core.ShowtimePrice,
    _pricing.ScreenPriceRule,
    _offers.PromoCode,
    _core.Booking,
    _core.BookingSeat,
    _core.SeatClaim,
    _core.Payment,
    _core.CheckoutSession,
    _core.ProviderEvent,
    _core.EmailOutbox,
    _core.AuditLog,
    _core.SalesQuarter,
    _core.SalesMovieDay,
    _core.SalesShowtime,
    _offers.WaitlistEntry,
    _files.PosterFile,
    _queues.SaleQueue,
)
