"""Every page's component tree builds (a wrong component argument fails here, not in the build of
the browser tests), with the demo gateway and with Stripe."""

from __future__ import annotations

import pytest

from bookmyseat.bookmyseat import routes


@pytest.mark.parametrize("demo_payments", [True, False])
def test_every_page_builds(demo_payments: bool) -> None:
    pages = routes(demo_payments)
    assert len(pages) >= 15
    for page, route, _title, _load in pages:
        assert page() is not None, route
